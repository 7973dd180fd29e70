"""Open each notebook in a real JupyterLab in headless Chromium, run all cells, look for errors.

The test suite executes notebooks with nbclient, which cannot see how widgets and maps render in
the browser ("Error displaying widget" is the classic failure). This script checks exactly that,
as a learner would see it, and saves a screenshot of each notebook's first widget and each map.

Needs, besides the course environment: ``pip install playwright`` (in any environment) and a
Chromium binary (Debian/Ubuntu: ``apt-get install chromium``). Browser downloads by Playwright are
not needed: the script uses the system Chromium.

Usage::

    python scripts/check_notebooks_in_lab.py [--chromium /usr/bin/chromium] [--out screenshots/]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_server(url: str, seconds: int = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(1)
    raise RuntimeError(f"JupyterLab did not answer at {url} within {seconds} s")


def check_notebook(page, base: str, notebook: str, out: Path, max_seconds: int) -> dict:
    page.goto(f"{base}/lab/tree/notebooks/{notebook}?reset")  # reset: only this notebook open
    page.wait_for_selector(".jp-Notebook", timeout=60000)
    time.sleep(3)
    page.click("text=Run")
    page.click("text=Run All Cells")
    start = time.time()
    time.sleep(10)
    while time.time() - start < max_seconds:
        if page.locator(".jp-InputPrompt:has-text('[*]')").count() == 0:
            break
        time.sleep(3)
    result = {
        "notebook": notebook,
        "seconds": round(time.time() - start),
        "still running": page.locator(".jp-InputPrompt:has-text('[*]')").count(),
        "widget errors": page.locator("text=Error displaying widget").count(),
        "widgets": page.locator(".widget-interact, .jupyter-widgets").count(),
        "tracebacks": page.locator(".jp-OutputArea-output[data-mime-type="
                                   "'application/vnd.jupyter.stderr']:has-text('Traceback')").count(),
        "maps": page.locator("iframe").count(),
    }
    stem = Path(notebook).stem
    first_widget = page.locator(".widget-interact").first
    if first_widget.count():
        first_widget.scroll_into_view_if_needed()
        time.sleep(1)
        page.screenshot(path=str(out / f"{stem}_widget.png"))
    for i in range(result["maps"]):
        frame = page.locator("iframe").nth(i)
        frame.scroll_into_view_if_needed()
        time.sleep(2)
        frame.screenshot(path=str(out / f"{stem}_map{i}.png"))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "lab_check")
    parser.add_argument("--max-seconds", type=int, default=300, help="per notebook")
    parser.add_argument("notebooks", nargs="*", help="names in notebooks/ (default: all)")
    args = parser.parse_args()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("This check needs Playwright: pip install playwright", file=sys.stderr)
        return 2
    if not Path(args.chromium).exists():
        print(f"No Chromium at {args.chromium}: install it (apt-get install chromium) or pass "
              "--chromium PATH", file=sys.stderr)
        return 2
    notebooks = args.notebooks or sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    lab = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
         "--allow-root"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "COURSE_FAST": os.environ.get("COURSE_FAST", "1")})
    failures = 0
    try:
        wait_for_server(f"{base}/lab")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=args.chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync"])
            for notebook in notebooks:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                result = check_notebook(page, base, notebook, args.out, args.max_seconds)
                page.close()
                bad = result["widget errors"] or result["tracebacks"] or result["still running"]
                failures += bool(bad)
                print(("FAIL " if bad else "ok   ") + ", ".join(f"{k}: {v}" for k, v in result.items()))
            browser.close()
    finally:
        lab.terminate()
        lab.wait(timeout=30)
    print(f"screenshots in {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
