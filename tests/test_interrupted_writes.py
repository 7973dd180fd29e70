"""Interrupted writes (issue 15): a child process is killed (SIGKILL) in the middle of a write,
then the next run must work and clean up what the killed one left behind.

Each child runs a tiny script that pauses at a chosen point of the write (it prints ``READY``
and sleeps), so the kill lands exactly there: right after the temporary file is created,
in the middle of writing the data, or just before the final rename. A real ``kill -9``,
not an exception: no ``finally`` block runs in the child.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from affine import Affine
from rasterio.crs import CRS

from course_lib.data.raster import Raster, read_geotiff, write_geotiff
from course_lib.pipeline import predictions as results

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")

REPO = Path(__file__).resolve().parents[1]
TRANSFORM = Affine(10, 0, 345000, 0, -10, 6822000)
CRS_UTM = CRS.from_epsg(32632)

#: Code run in the child before the write, to pause it at one stage. ``_pause()`` prints
#: READY and sleeps until the parent kills the process.
PAUSES = {
    # right after the temporary file is created (the 0-byte dot-file of the issue)
    "after_tempfile": """
        import tempfile
        _real_mkstemp = tempfile.mkstemp
        def _mkstemp(*a, **k):
            fd, name = _real_mkstemp(*a, **k)
            _pause()
        tempfile.mkstemp = _mkstemp
    """,
    # in the middle of writing: the data has been handed to GDAL, the file is still open
    "mid_write": """
        import rasterio, course_lib.data.raster as _raster
        _real_open = rasterio.open
        class _Pausing:
            def __init__(self, ds): self._ds = ds
            def __getattr__(self, name): return getattr(self._ds, name)
            def __enter__(self): self._ds.__enter__(); return self
            def __exit__(self, *exc): return self._ds.__exit__(*exc)
            def write(self, *a, **k):
                self._ds.write(*a, **k)
                _pause()
        def _open(path, mode="r", *a, **k):
            ds = _real_open(path, mode, *a, **k)
            return _Pausing(ds) if mode == "w" else ds
        _raster.rasterio.open = _open
    """,
    # the temporary file is complete, the rename has not happened
    "before_rename": """
        import os
        def _replace(*a, **k):
            _pause()
        os.replace = _replace
    """,
}

PAUSE_HELPER = """
import sys, time
def _pause():
    print("READY", flush=True)
    time.sleep(600)
"""


def _run_and_kill(body: str, stage: str | None, env: dict[str, str],
                  timeout: float = 120) -> None:
    """Run ``body`` in a child that pauses at ``stage``; SIGKILL it once it is there.

    With ``stage=None`` the body calls ``_pause()`` itself.
    """
    code = PAUSE_HELPER + textwrap.dedent(PAUSES[stage] if stage else "") + textwrap.dedent(body)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=REPO,
                             env={**os.environ, "PYTHONPATH": str(REPO), **env})
    try:
        line = child.stdout.readline()
        assert line.strip() == "READY", f"child did not reach {stage}: {line!r} " \
            f"{child.stderr.read() if child.poll() is not None else ''}"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=timeout)
        assert child.returncode == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def _binary_map(seed: int = 0, size: int = 64) -> np.ndarray:
    return (np.random.default_rng(seed).random((size, size)) > 0.8).astype(np.uint8)


def _hidden(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith("."))


SAVE_BODY = """
    import numpy as np
    from affine import Affine
    from course_lib.pipeline.predictions import save_prediction
    pred = (np.random.default_rng(1).random((64, 64)) > 0.8).astype(np.uint8)
    save_prediction("U-Net", 4, pred, Affine(10, 0, 345000, 0, -10, 6822000), "EPSG:32632",
                    directory={directory!r}, verbose=False)
"""


@pytest.mark.parametrize("stage", list(PAUSES))
def test_killed_save_prediction_leaves_nothing_that_breaks_notebook_06(tmp_path, stage):
    folder = tmp_path / "predictions"
    earlier = _binary_map(seed=0)
    results.save_prediction("U-Net", 4, earlier, TRANSFORM, CRS_UTM, directory=folder,
                            verbose=False)
    results.save_prediction("CART", 4, _binary_map(seed=2), TRANSFORM, CRS_UTM,
                            directory=folder, verbose=False)

    _run_and_kill(SAVE_BODY.format(directory=str(folder)), stage, env={})
    assert _hidden(folder), "the kill should have left a temporary file behind"

    # Notebook 06 still works: the leftover is ignored, the earlier map is intact.
    table = results.list_predictions(folder)
    assert sorted(table["method"]) == ["CART", "U-Net"]
    saved = results.load_prediction("U-Net", 4, folder)
    np.testing.assert_array_equal(saved.prediction.data[0], earlier)
    truth = Raster(_binary_map(seed=3)[None], TRANSFORM, CRS_UTM, ("truth",))
    assert len(results.results_table(truth, directory=folder)) == 2

    # The next save works and removes the killed run's temporary file.
    results.save_prediction("U-Net", 4, _binary_map(seed=4), TRANSFORM, CRS_UTM,
                            directory=folder, verbose=False)
    assert _hidden(folder) == []
    assert len(results.list_predictions(folder)) == 2


WRITE_BODY = """
    import numpy as np
    from affine import Affine
    from rasterio.crs import CRS
    from course_lib.data.raster import Raster, write_geotiff
    data = np.random.default_rng(0).random((3, 300, 300)).astype("float32")
    raster = Raster(data, Affine(10, 0, 0, 0, -10, 0), CRS.from_epsg(32632), ("a", "b", "c"))
    write_geotiff(raster, {path!r}, overwrite=True)
"""


@pytest.mark.parametrize("stage", ["mid_write", "before_rename"])
def test_killed_write_geotiff_is_cleaned_by_the_next_write(tmp_path, stage):
    path = tmp_path / "cache" / "layer.tif"
    _run_and_kill(WRITE_BODY.format(path=str(path)), stage, env={})
    assert not path.exists()
    leftovers = _hidden(path.parent)
    assert leftovers and all(".tmp-" in p.name for p in leftovers)

    raster = Raster(np.ones((1, 8, 8), np.float32), TRANSFORM, CRS_UTM, ("x",))
    write_geotiff(raster, path)
    assert _hidden(path.parent) == []
    assert read_geotiff(path).data.shape == (1, 8, 8)


def test_write_geotiff_respects_the_umask(tmp_path):
    raster = Raster(np.ones((1, 8, 8), np.float32), TRANSFORM, CRS_UTM, ("x",))
    old = os.umask(0o022)
    try:
        mode = stat.S_IMODE(write_geotiff(raster, tmp_path / "a.tif").stat().st_mode)
        os.umask(0o077)
        private = stat.S_IMODE(write_geotiff(raster, tmp_path / "b.tif").stat().st_mode)
    finally:
        os.umask(old)
    assert mode == 0o644
    assert private == 0o600


def test_a_live_writers_temporary_file_is_left_alone(tmp_path):
    live = tmp_path / f".other.tif.tmp-{os.getppid()}-abc"   # the parent process is alive
    live.write_bytes(b"")
    dead = tmp_path / ".other.tif.tmp-999999999-abc"          # no such process
    dead.write_bytes(b"")
    write_geotiff(Raster(np.ones((1, 4, 4), np.float32), TRANSFORM, CRS_UTM, ("x",)),
                  tmp_path / "x.tif")
    assert live.exists() and not dead.exists()


def test_list_predictions_skips_hidden_and_corrupt_files(tmp_path):
    folder = tmp_path / "predictions"
    results.save_prediction("CART", 1, _binary_map(), TRANSFORM, CRS_UTM, directory=folder,
                            verbose=False)
    (folder / ".u-net__s2-only-5.tif").write_bytes(b"")          # a killed save's dot-file
    path = results.save_prediction("OBIA", 1, _binary_map(), TRANSFORM, CRS_UTM,
                                   directory=folder, verbose=False)
    path.write_bytes(path.read_bytes()[:300])                    # truncated
    with pytest.warns(UserWarning, match="obia__"):
        table = results.list_predictions(folder)
    assert list(table["method"]) == ["CART"]
    truth = Raster(_binary_map(seed=3)[None], TRANSFORM, CRS_UTM, ("truth",))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert len(results.results_table(truth, directory=folder)) == 1


STUDY_AREA_BODY = """
    import course_lib.simulator.products as products
    from course_lib.simulator import StudyAreaParams, load_study_area
    _real = products._write_product
    _count = []
    def _write(name, product, folder):
        _real(name, product, folder)
        _count.append(name)
        if len(_count) == 6:
            _pause()
    products._write_product = _write
    load_study_area(StudyAreaParams(size=64, n_landslides=2), progress=False)
"""


def _load_small_world(cache: Path, monkeypatch):
    import course_lib.simulator.products as products
    from course_lib.simulator import StudyAreaParams, load_study_area

    monkeypatch.setenv("COURSE_CACHE_DIR", str(cache))
    monkeypatch.setattr(products, "_AREAS", {})
    return load_study_area(StudyAreaParams(size=64, n_landslides=2), progress=False)


def test_killed_study_area_generation_is_cleaned_up(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    _run_and_kill(STUDY_AREA_BODY, None, env={"COURSE_CACHE_DIR": str(cache)})
    stale = list((cache / "study_area").glob(".tmp-*"))
    assert len(stale) == 1 and len(list(stale[0].iterdir())) >= 6   # partial files

    area = _load_small_world(cache, monkeypatch)
    assert (area.folder / "metadata.json").exists()
    assert list((cache / "study_area").glob(".tmp-*")) == []
    assert area["dem"].data.shape == (1, 64, 64)


def test_study_area_folder_without_metadata_is_regenerated(tmp_path, monkeypatch):
    from course_lib.simulator import StudyAreaParams, study_area_folder

    cache = tmp_path / "cache"
    monkeypatch.setenv("COURSE_CACHE_DIR", str(cache))
    broken = study_area_folder(StudyAreaParams(size=64, n_landslides=2))
    broken.mkdir(parents=True)
    (broken / "dem.tif").write_bytes(b"half a file")
    area = _load_small_world(cache, monkeypatch)
    assert area.folder == broken
    assert area["dem"].data.shape == (1, 64, 64)


def test_a_damaged_study_area_product_names_the_repair(tmp_path, monkeypatch):
    from course_lib.validation import CorruptFileError

    area = _load_small_world(tmp_path / "cache", monkeypatch)
    path = area.folder / "dem.tif"
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(CorruptFileError, match="reset --cache"):
        area.get("dem")
