"""Every notebook in a real JupyterLab in headless Chromium: widgets render, nothing fails.

nbclient (``tests/test_notebooks.py``) cannot see the browser side of widgets and maps. Here a
real JupyterLab (on a temporary copy of ``notebooks/``, kernels in fast mode) is driven by
Playwright with the system Chromium: each notebook is opened, all cells run, and the test fails
on "Error displaying widget", on a traceback, or when moving the notebook's first slider does
not change its output. Screenshots of the first widget and of every map are saved in
``test_artifacts/browser/`` (git-ignored; ``COURSE_ARTIFACTS_DIR`` moves it).

Skipped, with a message, only when no Chromium is found (``apt-get install chromium``, or set
``COURSE_CHROMIUM``); ``.ci/run`` installs one. Deselect with ``-m "not browser"``.
"""

import os
from pathlib import Path

import pytest

from devtools import browser_driver
from devtools.notebook_runner import course_notebooks

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = course_notebooks()
CHROMIUM = browser_driver.find_chromium()
ARTIFACTS = Path(os.environ.get("COURSE_ARTIFACTS_DIR", ROOT / "test_artifacts")) / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason=(
        "browser test skipped: no Chromium found (install it with `apt-get install chromium` "
        "or set COURSE_CHROMIUM=/path/to/chromium); .ci/run installs it")),
]


@pytest.fixture(scope="module")
def browser_lab():
    from playwright.sync_api import sync_playwright

    with browser_driver.LabServer() as lab, sync_playwright() as pw:
        browser = browser_driver.launch_browser(pw, CHROMIUM)
        yield lab, browser
        browser.close()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_in_jupyterlab(path, browser_lab):
    lab, browser = browser_lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        result = browser_driver.check_notebook(
            page, lab.base, path.name, ARTIFACTS,
            max_seconds=int(os.environ.get("COURSE_BROWSER_MAX_SECONDS", "900")))
    finally:
        page.close()
        lab.shutdown_kernels()   # as on Binder: one kernel at a time
    print(result)
    assert not browser_driver.problems(result), (
        f"{path.name}: {'; '.join(browser_driver.problems(result))} ({result}); "
        f"screenshots in {ARTIFACTS}")
    assert result["widgets"] > 0
    assert (ARTIFACTS / f"{path.stem}_widget.png").stat().st_size > 10_000


def test_problems_reads_a_result():
    ok = {"still running": 0, "widget errors": 0, "tracebacks": 0, "slider": True,
          "changed": True, "seconds": 3}
    assert browser_driver.problems(ok) == []
    bad = {**ok, "widget errors": 2, "changed": False}
    assert browser_driver.problems(bad) == [
        "2 'Error displaying widget'", "moving the first slider did not change its output"]
