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


# --------------------------------------------------------------------------- inventories
# write_inventory stages the GeoPackage (a copy with the layer replaced) and the shapefile in a
# temporary folder, commits by renaming it, then moves the files into place. Each kill point
# below stops the child at one of those steps; the first two are before the commit (the old
# inventory must stay), the others after it (the next read finishes the write: the new one).
INVENTORY_KILLS = {
    "after_copying_the_geopackage": ("old", """
        import shutil
        _real_copy = shutil.copyfile
        def _copy(*a, **k):
            out = _real_copy(*a, **k)
            _pause()
        shutil.copyfile = _copy
    """),
    "before_the_commit": ("old", """
        import os
        def _rename(*a, **k):
            _pause()
        os.rename = _rename
    """),
    "after_the_geopackage_moved": ("new", """
        import os
        _real_replace, _moves = os.replace, []
        def _replace(*a, **k):
            _real_replace(*a, **k)
            _moves.append(a)
            if len(_moves) == 1:
                _pause()
        os.replace = _replace
    """),
    "between_the_shapefile_parts": ("new", """
        import os
        _real_replace, _moves = os.replace, []
        def _replace(*a, **k):
            _real_replace(*a, **k)
            _moves.append(a)
            if len(_moves) == 3:          # gpkg, .shp and .shx moved; .dbf, .prj, .cpg not
                _pause()
        os.replace = _replace
    """),
    "after_every_move": ("new", """
        import os
        _real_replace, _moves = os.replace, []
        def _replace(*a, **k):
            _real_replace(*a, **k)
            _moves.append(a)
            if len(_moves) == 6:
                _pause()
        os.replace = _replace
    """),
}

INVENTORY_BODY = """
    import numpy as np
    from affine import Affine
    from course_lib.obia import inventory
    prediction = np.zeros((20, 20), np.uint8)
    prediction[2:6, 2:6] = 1                     # the new inventory: one polygon
    transform = Affine(10, 0, 345000, 0, -10, 6822000)
    polygons = inventory.landslide_polygons(prediction, transform, "EPSG:32632")
    metadata = inventory.inventory_metadata("new run", {{}}, "simulated", "2019-08-01",
                                            date_mapped="2026-01-02")
    inventory.write_inventory(polygons, {path!r}, metadata, overwrite=True)
"""


def _old_inventory(folder: Path) -> Path:
    """An inventory of three polygons, the learner's own layer 'mine' and a notes file."""
    import pyogrio

    from course_lib.obia import inventory

    prediction = np.zeros((20, 20), np.uint8)
    for r, c in ((1, 1), (8, 8), (14, 2)):
        prediction[r:r + 3, c:c + 3] = 1
    polygons = inventory.landslide_polygons(prediction, TRANSFORM, CRS_UTM)
    metadata = inventory.inventory_metadata("old run", {}, "simulated", "2019-08-01",
                                            date_mapped="2026-01-01")
    inventory.write_inventory(polygons, folder / "inv", metadata)
    pyogrio.write_dataframe(polygons.iloc[:2], folder / "inv.gpkg", layer="mine",
                            driver="GPKG")
    (folder / "notes.txt").write_text("the learner's notes")
    return folder / "inv"


def _inventory_state(stem: Path) -> tuple[int, int]:
    """Rows read from the GeoPackage layer and from the shapefile (finishing a commit)."""
    from course_lib.obia import inventory

    gpkg = inventory.read_inventory(stem.with_suffix(".gpkg"), layer="landslides")
    shp = inventory.read_inventory(stem.with_suffix(".shp"))
    assert gpkg.attrs["metadata"]["method"] == shp["method"].iloc[0]
    return len(gpkg), len(shp)


@pytest.mark.parametrize("stage", list(INVENTORY_KILLS))
def test_killed_write_inventory_leaves_the_old_or_the_new_inventory(tmp_path, stage):
    import pyogrio

    from course_lib.obia import inventory

    expected, patch = INVENTORY_KILLS[stage]
    stem = _old_inventory(tmp_path)
    mine_before = pyogrio.read_dataframe(tmp_path / "inv.gpkg", layer="mine")
    _run_and_kill(textwrap.dedent(patch) + textwrap.dedent(INVENTORY_BODY.format(path=str(stem))),
                  None, env={})
    assert _hidden(tmp_path), "the kill should have left the staged or committed folder"

    # Never a mix: the GeoPackage layer and the shapefile are both old (3) or both new (1).
    assert _inventory_state(stem) == ((3, 3) if expected == "old" else (1, 1))
    # Nothing of the learner's is gone: the other layer, the notes.
    mine = pyogrio.read_dataframe(tmp_path / "inv.gpkg", layer="mine")
    assert len(mine) == len(mine_before) == 2
    assert (tmp_path / "notes.txt").read_text() == "the learner's notes"

    # The next write works and leaves no hidden file behind.
    polygons = inventory.landslide_polygons(_binary_map(seed=5, size=20), TRANSFORM, CRS_UTM)
    metadata = inventory.inventory_metadata("third run", {}, "simulated", "2019-08-01")
    inventory.write_inventory(polygons, stem, metadata, overwrite=True)
    assert _hidden(tmp_path) == []
    assert _inventory_state(stem) == (len(polygons), len(polygons))
    assert sorted(str(n) for n, _ in pyogrio.list_layers(tmp_path / "inv.gpkg")) == \
        ["landslides", "mine"]


def test_a_mixed_shapefile_set_is_refused(tmp_path):
    """What an interrupted overwrite by the old writer left: the new .shp, the old .shx/.dbf."""
    import shutil

    from course_lib.obia import inventory
    from course_lib.validation import CorruptFileError

    stem = _old_inventory(tmp_path)
    inventory.write_inventory(
        inventory.landslide_polygons(_binary_map(seed=1, size=20), TRANSFORM, CRS_UTM),
        tmp_path / "other", inventory.inventory_metadata("x", {}, "s", "2019"))
    shutil.copy(tmp_path / "other.shp", stem.with_suffix(".shp"))
    with pytest.raises(CorruptFileError, match="do not belong together"):
        inventory.read_inventory(stem.with_suffix(".shp"))
    assert len(inventory.read_inventory(stem.with_suffix(".gpkg"), layer="landslides")) == 3


# --------------------------------------------------------------------------- made-up patches
EXAMPLE_PATCHES_BODY = """
    import os
    _real_replace, _moves = os.replace, []
    def _replace(*a, **k):
        _real_replace(*a, **k)
        _moves.append(a)
        if len(_moves) == 3:                   # image_1, mask_1, image_2 written; mask_2 not
            _pause()
    os.replace = _replace
    from course_lib.data import landslide4sense as l4s
    l4s.write_example_patches({folder!r}, n=3, size=16, seed=2, overwrite=True)
"""


def test_killed_write_example_patches_leaves_whole_files(tmp_path):
    from course_lib.data import landslide4sense as l4s

    folder = l4s.write_example_patches(tmp_path / "l4s", n=3, size=16, seed=1)
    old = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*.h5")}
    (folder / "notes.txt").write_text("mine")
    _run_and_kill(EXAMPLE_PATCHES_BODY.format(folder=str(folder)), None, env={})

    patches = l4s.load_patches(folder)              # every file whole and readable
    assert len(patches) == 3 and patches.made_up
    changed = {p.relative_to(folder) for p in folder.rglob("*.h5")
               if p.read_bytes() != old[p.relative_to(folder)]}
    assert {str(p) for p in changed} == {"img/image_1.h5", "mask/mask_1.h5", "img/image_2.h5"}
    assert (folder / "notes.txt").read_text() == "mine"
    l4s.write_example_patches(folder, n=3, size=16, seed=3, overwrite=True)
    assert not [p for p in folder.rglob(".*")]      # the killed run's temporary file is gone


# --------------------------------------------------------------------------- study-area products
PRODUCT_BODY = """
    import numpy as np
    from affine import Affine
    from rasterio.crs import CRS
    from course_lib.data.raster import Raster
    from course_lib.simulator.products import write_raster_product
    dem = Raster(np.full((1, 64, 64), 900.0, np.float32), Affine(10, 0, 345000, 0, -10, 6822000),
                 CRS.from_epsg(32632), ("dem",))
    write_raster_product("dem", dem, {folder!r}, overwrite=True)
"""


@pytest.mark.parametrize("stage", ["after_tempfile", "before_rename"])
def test_killed_write_raster_product_keeps_the_old_product(tmp_path, stage):
    from course_lib.simulator.products import read_raster_product, write_raster_product

    old = Raster(np.full((1, 64, 64), 100.0, np.float32), TRANSFORM, CRS_UTM, ("dem",))
    path = write_raster_product("dem", old, tmp_path)
    _run_and_kill(PRODUCT_BODY.format(folder=str(tmp_path)), stage, env={})
    assert _hidden(tmp_path)
    np.testing.assert_array_equal(read_raster_product(path).data, old.data)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_raster_product("dem", old, tmp_path)
    write_raster_product("dem", old, tmp_path, overwrite=True)
    assert _hidden(tmp_path) == []


# --------------------------------------------------------------------------- chips and models
CHIP_BODY = """
    import numpy as np
    from course_lib.data.chips import write_chip
    img = np.full((300, 300, 3), {value}, np.uint8)
    mask = np.zeros((300, 300), np.uint8)
    mask[100:200, 100:200] = 1
    write_chip(img, mask, {images!r}, {masks!r}, "c1", fmt={fmt!r}, overwrite=True)
"""

#: write_chip's stages: the first temporary file created, the data half written into a
#: GeoTIFF, the mask renamed but not yet the image (os.replace's second call).
CHIP_PAUSES = {
    "after_tempfile": PAUSES["after_tempfile"],
    "mid_write": PAUSES["mid_write"].replace("import rasterio, course_lib.data.raster as _raster",
                                             "import rasterio, course_lib.data.chips as _c")
                                    .replace("_raster.rasterio.open = _open",
                                             "rasterio.open = _open"),
    "between_renames": """
        import os
        _real_replace = os.replace
        _calls = []
        def _replace(*a, **k):
            _calls.append(a)
            if len(_calls) == 2:
                _pause()
            return _real_replace(*a, **k)
        os.replace = _replace
    """,
}


def _run_chip_child(body: str, stage: str) -> None:
    code = PAUSE_HELPER + textwrap.dedent(CHIP_PAUSES[stage]) + textwrap.dedent(body)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=REPO,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        line = child.stdout.readline()
        assert line.strip() == "READY", f"child did not reach {stage}: {line!r} " \
            f"{child.stderr.read() if child.poll() is not None else ''}"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


@pytest.mark.parametrize("fmt, stage", [("png", "after_tempfile"), ("tif", "mid_write"),
                                        ("png", "between_renames"),
                                        ("tif", "between_renames")])
def test_killed_write_chip_leaves_the_old_chip_or_none(tmp_path, fmt, stage):
    """A kill while write_chip replaces a chip leaves the old chip or no chip, never a
    truncated file nor a pair that mixes old and new; the loader skips an unpaired mask with
    a warning; the next write cleans up and works."""
    from course_lib.data.chips import load_chip_folder, write_chip

    images, masks = tmp_path / "images", tmp_path / "masks"
    old = np.full((300, 300, 3), 40, np.uint8)
    write_chip(old, np.ones((300, 300), np.uint8), images, masks, "c1", fmt=fmt)
    write_chip(old, np.zeros((300, 300), np.uint8), images, masks, "c2", fmt=fmt)
    _run_chip_child(CHIP_BODY.format(value=200, images=str(images), masks=str(masks), fmt=fmt),
                    stage)
    assert _hidden(images) or _hidden(masks), "the kill should have left a temporary file"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chips = {c.name: c for c in load_chip_folder(images, masks, verbose=False)}
    if "c1" in chips:                                    # the old chip, whole
        assert (chips["c1"].image == 40).all() and chips["c1"].mask.all()
    else:                                                # no chip; its mask flagged
        assert stage == "between_renames"
        assert any("without an image" in str(w.message) and "c1" in str(w.message)
                   for w in caught)
    assert (chips["c2"].image == 40).all()              # other chips untouched
    # the next write works (an orphan mask is replaced) and removes the leftovers
    write_chip(np.full((300, 300, 3), 90, np.uint8), np.zeros((300, 300), np.uint8), images,
               masks, "c1", fmt=fmt, overwrite=True)
    assert _hidden(images) == [] and _hidden(masks) == []
    chips = {c.name: c for c in load_chip_folder(images, masks, verbose=False)}
    assert (chips["c1"].image == 90).all() and not chips["c1"].mask.any()


def test_write_chip_is_atomic_without_a_kill(tmp_path):
    """The ordinary failures: an existing chip is kept (overwrite=False), one folder for
    images and masks gets distinct names, and an orphan mask does not block a new chip."""
    from course_lib.data.chips import load_chip_folder, write_chip

    img = np.full((20, 30, 3), 7, np.uint8)
    ip, mp = write_chip(img, np.ones((20, 30)), tmp_path, tmp_path, "c1")
    assert (ip.name, mp.name) == ("c1.png", "c1_mask.png")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_chip(img * 2, np.zeros((20, 30)), tmp_path, tmp_path, "c1")
    chips = load_chip_folder(tmp_path, tmp_path, verbose=False)
    assert len(chips) == 1 and chips[0].mask.all() and (chips[0].image == 7).all()
    ip.unlink()                                          # as a kill between the renames
    write_chip(img, np.zeros((20, 30)), tmp_path, tmp_path, "c1")
    assert not load_chip_folder(tmp_path, tmp_path, verbose=False)[0].mask.any()


SAVE_UNET_BODY = """
    import numpy as np
    from course_lib import unet
    keras = unet.import_keras_quietly()
    from course_lib.unet.model import build_unet
    keras.utils.set_random_seed(1)
    model = unet.TrainedUNet(model=build_unet(2, depth=1, base_filters=2),
                             stats=unet.BandStats(("a", "b"), [0, 0], [1, 1]), threshold=0.7)
    import zipfile
    _real_write = zipfile.ZipFile.writestr
    def _writestr(self, *a, **k):
        _real_write(self, *a, **k)
        _pause()                       # in the middle of writing the archive
    zipfile.ZipFile.writestr = _writestr
    unet.save_unet(model, {path!r}, overwrite=True)
"""


def test_killed_save_unet_keeps_the_old_model_and_the_next_save_cleans_up(tmp_path):
    from course_lib import unet

    keras = unet.import_keras_quietly()
    from course_lib.unet.model import build_unet

    folder = tmp_path / "models"
    path = folder / "unet.keras"
    keras.utils.set_random_seed(0)
    first = unet.TrainedUNet(model=build_unet(2, depth=1, base_filters=2),
                             stats=unet.BandStats(("a", "b"), [0, 0], [1, 1]), threshold=0.3)
    unet.save_unet(first, path)
    _run_and_kill(SAVE_UNET_BODY.format(path=str(path)), None, env={}, timeout=300)
    leftovers = _hidden(folder)
    assert leftovers and all(".tmp-" in p.name for p in leftovers)
    assert unet.load_unet(path).threshold == 0.3         # the earlier model, whole
    # the next save removes the killed save's temporary file
    unet.save_unet(first, path, overwrite=True)
    assert _hidden(folder) == []
    # a model file cut short is refused with its path and the fix
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    from course_lib.validation import CorruptFileError

    with pytest.raises(CorruptFileError, match=r"unet.keras is not a complete model file"):
        unet.load_unet(path)


# ---- a learner's labels (the labelling map's GeoPackage)
LABEL_KILLS = {
    # GDAL is writing the new label layers into the temporary copy
    "while_writing_layers": """
        import pyogrio
        _real_write, _calls = pyogrio.write_dataframe, []
        def _write(*a, **k):
            _calls.append(k.get("layer"))
            if len(_calls) == 2:          # the points layer written, the polygons not yet
                _pause()
            return _real_write(*a, **k)
        pyogrio.write_dataframe = _write
    """,
    "before_rename": PAUSES["before_rename"],
}

LABELS_BODY = """
    import json
    import geopandas as gpd
    from course_lib.data import labels as lb
    old = lb.load_labels({path!r})[0]
    new = old.iloc[:1].copy()                    # the new labels: one point
    lb.save_labels(new, {path!r}, overwrite=True)
"""


def _old_labels(folder: Path) -> Path:
    """Three labelled points, and the learner's own layer 'notes' in the same GeoPackage."""
    import geopandas as gpd
    import pyogrio
    from shapely.geometry import Point

    from course_lib.data import labels as lb

    features = gpd.GeoDataFrame(
        {"label_id": [1, 2, 3], "class_name": ["landslide", "forest", "water"],
         "kind": ["point"] * 3, "source": ["mouse"] * 3},
        geometry=[Point(345105, 6821895), Point(345205, 6821795), Point(345305, 6821695)],
        crs=CRS_UTM)
    path = folder / "my_labels.gpkg"
    lb.save_labels(features, path)
    pyogrio.write_dataframe(features.iloc[:2][["class_name", "geometry"]], path,
                            layer="notes", driver="GPKG")
    return path


@pytest.mark.parametrize("stage", list(LABEL_KILLS))
def test_killed_save_labels_keeps_the_old_labels_and_the_learners_layers(tmp_path, stage):
    """A kill while the labels are saved leaves the old file whole (all three points and the
    learner's own layer); the next save works and removes the hidden temporary file."""
    import pyogrio

    from course_lib.data import labels as lb

    path = _old_labels(tmp_path)
    before = path.read_bytes()
    _run_and_kill(textwrap.dedent(LABEL_KILLS[stage]) + textwrap.dedent(
        LABELS_BODY.format(path=str(path))), None, env={})
    assert _hidden(tmp_path), "the kill should have left the temporary copy"
    assert path.read_bytes() == before
    features, _ = lb.load_labels(path)
    assert sorted(features["label_id"]) == [1, 2, 3]
    assert len(pyogrio.read_dataframe(path, layer="notes")) == 2

    lb.save_labels(features.iloc[:2], path, overwrite=True)
    assert _hidden(tmp_path) == []
    assert sorted(lb.load_labels(path)[0]["label_id"]) == [1, 2]
    assert len(pyogrio.read_dataframe(path, layer="notes")) == 2
