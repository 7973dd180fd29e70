"""Open each notebook in a real JupyterLab in headless Chromium, run all cells, look for errors.

The same check as ``tests/test_browser.py`` (which ``./course test`` runs), by hand, with a
summary line per notebook. The logic lives in ``devtools.browser_driver``.

Needs, besides the course environment (whose dev extra has ``playwright``): a Chromium binary
(Debian/Ubuntu: ``apt-get install chromium``). Playwright's own browser download is not used.

Usage::

    python scripts/check_notebooks_in_lab.py [--chromium /usr/bin/chromium] [--out DIR] [NAMES]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools import browser_driver  # noqa: E402
from devtools.notebook_runner import course_notebooks  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=browser_driver.find_chromium())
    parser.add_argument("--out", type=Path, default=ROOT / "test_artifacts" / "browser")
    parser.add_argument("--max-seconds", type=int, default=900, help="per notebook")
    parser.add_argument("notebooks", nargs="*", help="names in notebooks/ (default: all)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    if not args.chromium or not Path(args.chromium).exists():
        print(f"No Chromium found ({args.chromium}): apt-get install chromium, or pass "
              "--chromium PATH", file=sys.stderr)
        return 2
    notebooks = args.notebooks or [p.name for p in course_notebooks()]
    failures = 0
    with browser_driver.LabServer() as lab, sync_playwright() as pw:
        browser = browser_driver.launch_browser(pw, args.chromium)
        for notebook in notebooks:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            result = browser_driver.check_notebook(page, lab.base, notebook, args.out,
                                                  args.max_seconds)
            page.close()
            lab.shutdown_kernels()
            bad = browser_driver.problems(result)
            failures += bool(bad)
            print(("FAIL " if bad else "ok   ") + ", ".join(f"{k}: {v}" for k, v in result.items())
                  + (f"  <- {'; '.join(bad)}" if bad else ""))
        browser.close()
    print(f"screenshots in {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
