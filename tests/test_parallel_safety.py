"""What makes the parallel test run (pytest-xdist, see ``tests/conftest.py``) safe.

Several processes (test workers, notebook kernels, the browser test's JupyterLab) share the
generated data in ``data_cache/`` and the machine's ports: the cached layers are written whole
or not at all while others read them, a JupyterLab never ends up on someone else's port, and
each worker caps its threads.
"""

import os
import socket
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from course_lib.config import available_cpus
from devtools import browser_driver

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import conftest  # noqa: E402  (the suite's own set-up, tested here)

LAYERS_WORKER = """
    import sys, time
    import numpy as np
    from course_lib.pipeline import layers
    from course_lib.simulator import StudyAreaParams, load_study_area
    area = load_study_area(StudyAreaParams(size=96, n_landslides=2, seed=5), progress=False)
    role, rounds = sys.argv[1], int(sys.argv[2])
    reference = None
    for _ in range(rounds):
        # a writer recomputes and replaces the cached file; a reader reads it as it is
        raster = layers.change_layers(area, overwrite=(role == "writer"))
        if reference is None:
            reference = raster.data
        assert raster.data.shape == (13, 96, 96), raster.data.shape
        np.testing.assert_array_equal(raster.data, reference)
    np.save(sys.argv[3], reference)
    print("OK", role)
"""


def test_parallel_processes_share_the_layers_cache(tmp_path, monkeypatch):
    """Two processes rewrite the cached layers while a third reads them: every read is a
    whole file, all agree, and one file and no temporary file is left."""
    from course_lib.pipeline import layers
    from course_lib.simulator import StudyAreaParams, load_study_area

    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    # the small world and its layers first, so the three start on the cached file at once
    area = load_study_area(StudyAreaParams(size=96, n_landslides=2, seed=5), progress=False)
    first = layers.change_layers(area).data
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO),
                                                        os.environ.get("PYTHONPATH", "")])}
    code = textwrap.dedent(LAYERS_WORKER)
    roles = [("writer", 4), ("writer", 4), ("reader", 20)]
    procs = [subprocess.Popen([sys.executable, "-c", code, role, str(rounds),
                               str(tmp_path / f"{i}.npy")],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i, (role, rounds) in enumerate(roles)]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0 and "OK" in out, err[-3000:]
    for i in range(len(roles)):
        np.testing.assert_array_equal(np.load(tmp_path / f"{i}.npy"), first)
    folder = tmp_path / "cache" / "layers"
    files = [p.name for p in folder.rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].endswith(".tif"), files


def test_lab_server_moves_to_another_port_when_its_port_is_taken(monkeypatch):
    """A port found free can be taken before JupyterLab binds it (another worker's server, a
    Dask dashboard): the server must not quietly move to a port we do not know."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    ports = [taken.getsockname()[1]]
    real_free_port = browser_driver._free_port

    def first_the_taken_one():
        return ports.pop() if ports else real_free_port()

    monkeypatch.setattr(browser_driver, "_free_port", first_the_taken_one)
    try:
        with browser_driver.LabServer(notebook_dir=REPO / "notebooks") as lab:
            assert lab.port != taken.getsockname()[1]
            with urllib.request.urlopen(f"{lab.base}/api/contents/notebooks", timeout=10) as r:
                assert r.status == 200
            assert lab.process.poll() is None
        assert lab.process.poll() is not None
    finally:
        taken.close()


def test_auto_workers_follow_the_cpus_this_process_may_use(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    expected = available_cpus()
    expected = 0 if expected < 2 else min(expected, conftest.MAX_WORKERS)
    assert conftest.pytest_xdist_auto_num_workers(None) == expected
    monkeypatch.setattr(conftest, "available_cpus", lambda: 1)
    assert conftest.pytest_xdist_auto_num_workers(None) == 0    # one CPU: a serial run
    monkeypatch.setattr(conftest, "available_cpus", lambda: 64)
    assert conftest.pytest_xdist_auto_num_workers(None) == conftest.MAX_WORKERS
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "3")
    assert conftest.pytest_xdist_auto_num_workers(None) == 3


def test_a_worker_caps_its_threads_and_its_kernels_inherit_the_cap():
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.skip("not in a parallel run (-n 0): nothing is capped")
    workers = int(os.environ["PYTEST_XDIST_WORKER_COUNT"])
    expected = str(conftest.worker_threads(available_cpus(), workers))
    for name in conftest.THREAD_VARIABLES:
        assert name in os.environ, f"{name} is not capped"
    for name, value in conftest.CAPPED.items():   # the caller's own caps are kept
        assert value == expected and os.environ[name] == value
    # child processes (notebook kernels, JupyterLab) get the same environment
    out = subprocess.run([sys.executable, "-c", "import os; print(os.environ['OMP_NUM_THREADS'])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == os.environ["OMP_NUM_THREADS"]


def test_the_long_chains_are_handed_out_first_and_whole():
    """Each chain runs whole and in order on one worker (notebooks read what earlier ones
    saved; one JupyterLab serves every notebook), and the two start first, at once."""
    import re

    addopts = re.search(r'^addopts = "(.*)"$', (REPO / "pyproject.toml").read_text(),
                        re.M).group(1).split()
    assert "loadfile" in addopts and "--no-loadscope-reorder" in addopts, addopts

    class Item:
        def __init__(self, path):
            self.fspath = path

    names = ["test_a.py", "test_browser.py", "test_b.py", "test_notebooks.py", "test_c.py"]
    items = [Item(conftest.TESTS / n) for n in names for _ in range(2)]
    items.append(Item(REPO / "course_lib" / "test_notebooks.py"))   # not a chain: not moved
    ordered = [Path(str(i.fspath)).name for i in conftest.chains_first(items)]
    assert ordered == ["test_browser.py"] * 2 + ["test_notebooks.py"] * 2 + [
        "test_a.py", "test_a.py", "test_b.py", "test_b.py", "test_c.py", "test_c.py",
        "test_notebooks.py"]
    for name in conftest.CHAINS:
        assert (conftest.TESTS / name).exists()
