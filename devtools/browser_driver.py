"""Open course notebooks in a real JupyterLab in headless Chromium, as a learner sees them.

The notebook tests execute notebooks with nbclient, which cannot see how widgets and maps
render in a browser ("Error displaying widget" is the classic failure). This module drives a
real JupyterLab with Playwright: it opens a notebook, runs all cells, counts widget errors and
tracebacks, moves one slider and checks that the output changes, and saves screenshots.

Used by ``tests/test_browser.py`` (part of ``./course test`` and CI) and by
``scripts/check_notebooks_in_lab.py`` (the same by hand). Needs the PyPI ``playwright``
package (the course's dev extra) and a **system** Chromium (Debian/Ubuntu: ``apt-get install
chromium``); Playwright's own browser download is not used. Set ``COURSE_CHROMIUM`` to point
at another Chromium or Chrome binary.

The lab serves a temporary copy of ``notebooks/``, so autosave never writes outputs into the
committed notebooks, and its kernels write results into a temporary ``COURSE_OUTPUT_DIR``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat

from course_lib.config import REPO_ROOT
from devtools.notebook_runner import read_notebook

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
#: Where a code cell's prompt shows that it is queued or running.
RUNNING = ".jp-InputPrompt:has-text('[*]')"
SLIDER_HANDLE = ".widget-slider .noUi-handle"
ERROR_OUTPUTS = (".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                 ":has-text('Traceback')")


def find_chromium() -> str | None:
    """Path of a Chromium binary: ``$COURSE_CHROMIUM``, else the first of ``CHROMIUM_NAMES``
    on the PATH, else ``/usr/bin/chromium`` if it exists; ``None`` when there is none."""
    wanted = os.environ.get("COURSE_CHROMIUM")
    if wanted:
        return wanted if Path(wanted).exists() else shutil.which(wanted)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _ExitedEarly(RuntimeError):
    """The JupyterLab process ended before it answered (e.g. its port was taken)."""


class LabServer:
    """A JupyterLab server on a temporary copy of the notebooks, for the duration of a
    ``with`` block. The copies of the numbered notebooks carry the fast parameters
    (:mod:`devtools.fast_parameters`, injected after their ``parameters`` cell) unless
    ``fast=False``.

    Args:
        notebook_dir: the folder to copy (default: the course's ``notebooks/``).
        env: extra environment for the server and its kernels.
        startup_seconds: how long to wait for the server to answer.
        fast: run the notebooks in fast mode.
    """

    #: Starts tried, each on a new free port, when the server exits at once (port taken).
    PORT_ATTEMPTS = 3

    def __init__(self, notebook_dir: Path | None = None, env: dict[str, str] | None = None,
                 startup_seconds: int = 120, fast: bool = True) -> None:
        self.notebook_dir = Path(notebook_dir or REPO_ROOT / "notebooks")
        self.extra_env = env or {}
        self.startup_seconds = startup_seconds
        self.fast = fast
        self.port = 0
        self.base = ""
        self.root: Path | None = None
        self.process: subprocess.Popen | None = None
        self.log = None

    def __enter__(self) -> LabServer:
        self.root = Path(tempfile.mkdtemp(prefix="course-lab-"))
        shutil.copytree(self.notebook_dir, self.root / "notebooks",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "exercises"))
        (self.root / "outputs").mkdir()
        if self.fast:
            for path in sorted((self.root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
                nbformat.write(read_notebook(path, fast=True), path)
        env = {**os.environ, "KERAS_BACKEND": "tensorflow",
               "TF_CPP_MIN_LOG_LEVEL": "2", "COURSE_OUTPUT_DIR": str(self.root / "outputs"),
               # course_lib from this checkout wins inside the kernels too
               "PYTHONPATH": os.pathsep.join(
                   [str(REPO_ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]),
               **self.extra_env}
        # the test suite's MPLBACKEND=Agg would stop inline figures from showing, as a
        # learner's JupyterLab never would
        env.pop("MPLBACKEND", None)
        # A free port can be taken by another process (a parallel test run, a Dask dashboard)
        # between _free_port() and the server's bind. The server must then fail rather than
        # move to another port (port_retries=0) so that we never talk to someone else's
        # server; we start it again on a new port.
        for attempt in range(1, self.PORT_ATTEMPTS + 1):
            self.port = _free_port()
            self.base = f"http://127.0.0.1:{self.port}"
            self.log = open(self.root / "jupyterlab.log", "a")
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={self.port}",
                 "--ServerApp.port_retries=0",
                 "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=",
                 "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
                 f"--ServerApp.root_dir={self.root}", "--allow-root"],
                cwd=self.root, stdout=self.log, stderr=subprocess.STDOUT, env=env)
            try:
                self._wait()
                return self
            except _ExitedEarly:
                self.log.close()
                if attempt == self.PORT_ATTEMPTS:
                    tail = (self.root / "jupyterlab.log").read_text()[-3000:]
                    self.__exit__(None, None, None)
                    raise RuntimeError(f"JupyterLab exited at start {self.PORT_ATTEMPTS} times "
                                       f"(last on port {self.port}); its log ends:\n{tail}"
                                       ) from None
            except BaseException:
                self.__exit__(None, None, None)
                raise
        raise AssertionError("unreachable")

    def _wait(self) -> None:
        deadline = time.time() + self.startup_seconds
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise _ExitedEarly(f"JupyterLab exited; see {self.root / 'jupyterlab.log'}")
            try:
                urllib.request.urlopen(f"{self.base}/api/status", timeout=2)
            except OSError:
                time.sleep(1)
                continue
            if self.process.poll() is None:   # it is ours that answered
                return
        raise RuntimeError(f"JupyterLab did not answer at {self.base} within "
                           f"{self.startup_seconds} s")

    def _api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(f"{self.base}/api/{path}", method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> int:
        """Shut every running kernel down (frees memory between notebooks); return how many."""
        kernels = self._api("kernels")
        for kernel in kernels:
            self._api(f"kernels/{kernel['id']}", method="DELETE")
        return len(kernels)

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.log is not None:
            self.log.close()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)


def launch_browser(playwright, chromium: str):
    """A headless Chromium from the system binary ``chromium``."""
    return playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)


def _output_signature(page, handle) -> str:
    """What the output area of the cell holding ``handle`` shows, without the widgets'
    own controls: images and text of its Output widgets and rich outputs."""
    return handle.evaluate(
        """(el) => {
            const area = el.closest('.jp-Cell-outputArea') || el.closest('.jp-OutputArea');
            if (!area) return '';
            const parts = [];
            area.querySelectorAll('img').forEach(i => parts.push(i.src.slice(-200) + i.src.length));
            area.querySelectorAll('.widget-output, .jp-RenderedText, .jp-RenderedHTMLCommon')
                .forEach(o => parts.push(o.innerText));
            area.querySelectorAll('svg').forEach(s => parts.push(s.outerHTML.length));
            return parts.join('|');
        }""")


def move_one_slider(page, steps: int = 3, wait_seconds: float = 60) -> dict:
    """Press the right-arrow key on the first slider ``steps`` times; wait for the output.

    Returns:
        ``{"slider": bool (found one), "changed": bool (the cell's output changed),
        "seconds": float (until it changed)}``.
    """
    handles = page.locator(SLIDER_HANDLE)
    if handles.count() == 0:
        return {"slider": False, "changed": False, "seconds": 0.0}
    handle = handles.first
    handle.scroll_into_view_if_needed()
    before = _output_signature(page, handle.element_handle())
    handle.focus()
    for _ in range(steps):
        page.keyboard.press("ArrowRight")
        time.sleep(0.2)
    start = time.time()
    changed = False
    while time.time() - start < wait_seconds:
        time.sleep(1)
        if page.locator(RUNNING).count():
            continue
        if _output_signature(page, handle.element_handle()) != before:
            changed = True
            break
    return {"slider": True, "changed": changed, "seconds": round(time.time() - start, 1)}


def _dismiss_popups(page) -> None:
    """Close JupyterLab's 'notified about news' toast if it shows (it covers outputs)."""
    button = page.locator(".jp-toast-button:has-text('No')")
    if button.count():
        try:
            button.first.click(timeout=2000)
        except Exception:  # the toast may vanish between count() and click()
            pass


def check_notebook(page, base: str, notebook: str, out: Path, max_seconds: int = 900) -> dict:
    """Open ``notebooks/<notebook>``, run all cells, look for problems, move a slider.

    Saves ``<stem>_widget.png`` (the first widget after the slider moved) and
    ``<stem>_map<i>.png`` (each embedded map) in ``out``.

    Returns:
        A dict of counts: ``seconds``, ``still running``, ``widget errors``, ``tracebacks``,
        ``widgets``, ``maps``, and the slider's ``slider``/``changed``/``slider seconds``.
    """
    out.mkdir(parents=True, exist_ok=True)
    page.goto(f"{base}/lab/tree/notebooks/{notebook}?reset")  # reset: only this notebook open
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120000)
    page.wait_for_function("() => (document.querySelector('#jp-main-statusbar') || "
                           "{innerText: ''}).innerText.includes('Idle')", timeout=120000)
    _dismiss_popups(page)
    page.click("#jp-MainMenu >> text=Run")
    page.click("text=Run All Cells")
    start = time.time()
    last_prompt = page.locator(".jp-CodeCell .jp-InputPrompt").last
    while time.time() - start < max_seconds:
        time.sleep(2)
        if page.locator(RUNNING).count() == 0 and any(ch.isdigit()
                                                      for ch in last_prompt.inner_text()):
            break
        if page.locator(ERROR_OUTPUTS).count():
            break   # Run All stops at an error: nothing more will run
    result = {
        "notebook": notebook,
        "seconds": round(time.time() - start),
        "still running": page.locator(RUNNING).count(),
        "widget errors": page.locator("text=Error displaying widget").count(),
        "tracebacks": page.locator(ERROR_OUTPUTS).count(),
        "widgets": page.locator(".widget-interact, .jupyter-widgets").count(),
        "maps": page.locator("iframe").count(),
    }
    _dismiss_popups(page)
    slider = move_one_slider(page)
    result.update(slider=slider["slider"], changed=slider["changed"],
                  **{"slider seconds": slider["seconds"]})
    stem = Path(notebook).stem
    if page.locator(SLIDER_HANDLE).count():
        widget = page.locator(SLIDER_HANDLE).first
        widget.scroll_into_view_if_needed()
        time.sleep(0.5)
        page.screenshot(path=str(out / f"{stem}_widget.png"))
    for i in range(result["maps"]):
        frame = page.locator("iframe").nth(i)
        frame.scroll_into_view_if_needed()
        time.sleep(1)
        frame.screenshot(path=str(out / f"{stem}_map{i}.png"))
    return result


def problems(result: dict) -> list[str]:
    """What is wrong in a ``check_notebook`` result (empty when it passed)."""
    found = []
    if result["still running"]:
        found.append(f"{result['still running']} cell(s) still running after "
                     f"{result['seconds']} s")
    if result["widget errors"]:
        found.append(f"{result['widget errors']} 'Error displaying widget'")
    if result["tracebacks"]:
        found.append(f"{result['tracebacks']} traceback(s)")
    if not result["slider"]:
        found.append("no slider to move")
    elif not result["changed"]:
        found.append("moving the first slider did not change its output")
    return found
