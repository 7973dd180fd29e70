"""Tests of the simulated study area: API, caching, determinism and the physics it claims."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from course_lib.simulator import (LANDCOVER_CLASSES, PRODUCT_NAMES, StudyAreaParams,
                                  generate_in_memory, load_study_area, products as products_mod)
from course_lib.simulator.landcover import LANDCOVER_CODES, TRAINING_CLASSES
from course_lib.simulator.landslides import DEPOSIT, SCAR, LandslideSet
from course_lib.simulator.params import GENERATOR_VERSION
from course_lib.simulator.sentinel1 import S1_GEOMETRY, _landslide_change_db, geometry, simulate_s1

SMALL = StudyAreaParams(size=256, n_landslides=15)


@pytest.fixture(scope="module")
def small_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def area(small_cache):
    mp = pytest.MonkeyPatch()
    mp.setenv("COURSE_CACHE_DIR", str(small_cache))
    try:
        return load_study_area(SMALL, progress=False)   # later reads use area.folder
    finally:
        mp.undo()


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


# --------------------------------------------------------------------------- API
def test_every_product_loads_with_the_promised_shape(area):
    n = SMALL.size
    for name in PRODUCT_NAMES:
        assert area[name] is not None, name
    assert area["dem"].data.shape == (1, n, n)
    assert area["landcover"].data.dtype == np.uint8
    assert set(np.unique(area["landcover"].data)) <= set(LANDCOVER_CLASSES)
    assert set(np.unique(area["landslide_mask"].data)) == {0, 1}
    for period in ("pre", "post"):
        s2 = area[f"s2_{period}"]
        assert s2.data.shape == (4, 6, n, n) and s2.data.dtype == np.float32
        assert s2.band_names == ("B02", "B03", "B04", "B08", "B11", "B12")
        assert s2.dates is not None and len(s2.dates) == 4
        assert area[f"s2_{period}_scl"].data.shape == (4, 1, n, n)
        assert area[f"s2_{period}_scl"].data.dtype == np.uint8
        prob = area[f"s2_{period}_cloudprob"].data
        assert prob.dtype == np.float32 and 0 <= prob.min() and prob.max() <= 1
    assert (area["s2_pre"].dates < np.datetime64("2019-07-30")).all()
    assert (area["s2_post"].dates > np.datetime64("2019-07-30")).all()
    for name in ("s1_asc_pre", "s1_asc_post", "s1_desc_pre", "s1_desc_post"):
        s1 = area[name]
        assert s1.data.shape[1:] == (2, n, n) and s1.band_names == ("VV", "VH")
        assert s1.data.dtype == np.float32 and s1.data.min() > 0   # linear, not dB
        assert {"look_azimuth_deg", "heading_deg", "incidence_angle_deg"} <= set(s1.attrs)
    assert 45 < area["s1_asc_pre"].attrs["look_azimuth_deg"] < 135        # looks east-ish
    assert 225 < area["s1_desc_pre"].attrs["look_azimuth_deg"] < 315      # looks west-ish
    assert area["dem"].crs.to_epsg() == 32632
    assert area["dem"].transform.a == 10.0 and area["dem"].transform.c == SMALL.origin_x
    assert area.params == SMALL and area.folder.name == SMALL.short_hash()


def test_vector_products(area):
    slides = area["landslides"]
    assert len(slides) == SMALL.n_landslides
    assert {"id", "type", "area_m2", "init_elevation_m", "init_slope_deg", "init_aspect_deg",
            "subplot"} <= set(slides.columns)
    assert slides.crs.to_epsg() == 32632
    assert set(slides["type"]) <= {"debris flow", "debris slide"}
    # Polygon areas agree with the raster mask.
    assert slides.geometry.area.sum() == pytest.approx(
        area["landslide_mask"].data.sum() * 100.0)
    subplots = area["subplots"]
    assert list(subplots["name"]) == ["A", "B", "C", "D"]
    geoms = list(subplots.geometry)
    assert all(not a.intersection(b).area > 0 for i, a in enumerate(geoms)
               for b in geoms[i + 1:])


def test_training_points_like_the_paper(area):
    pts = area["training_points"]
    assert (pts["label"] == 1).sum() == 18 and (pts["label"] == 0).sum() == 112
    assert set(pts.loc[pts.label == 0, "class_name"]) <= set(TRAINING_CLASSES)
    mask = area["landslide_mask"].data[0]
    assert mask[pts.row[pts.label == 1], pts.col[pts.label == 1]].all()
    assert not mask[pts.row[pts.label == 0], pts.col[pts.label == 0]].any()
    lc = area["landcover"].data[0]
    for row in pts[pts.label == 0].itertuples():
        assert lc[row.row, row.col] in TRAINING_CLASSES[row.class_name]


def test_every_training_point_is_finite_in_every_change_layer(area):
    from course_lib.pipeline.layers import change_layers

    pts = area["training_points"]
    for geometry in ("mean", "asc", "desc"):
        layers = change_layers(area, geometry=geometry, use_cache=False)
        values = layers.data[:, pts.row, pts.col]
        bad = ~np.isfinite(values)
        assert not bad.any(), (geometry, [layers.band_names[b] for b in np.nonzero(bad)[0]])
    assert (pts.class_name == "snow_ice").sum() >= 1   # on firn / dirty ice the SCL keeps


def test_landslide_count_scales_with_the_area():
    assert StudyAreaParams().landslide_count == 120
    assert StudyAreaParams(size=256).landslide_count == round(120 / 16)
    assert StudyAreaParams(size=128, n_landslides=6).landslide_count == 6
    with pytest.raises(ValueError, match="n_landslides"):
        StudyAreaParams(n_landslides=-1)


def test_no_slide_starts_within_its_runout_of_the_edge(area):
    n, res = SMALL.size, SMALL.resolution
    slides = area["landslides"]
    rows = (area["dem"].transform.f - slides.init_y) / res - 0.5
    cols = (slides.init_x - area["dem"].transform.c) / res - 0.5
    edge_m = np.minimum.reduce([rows, cols, n - 1 - rows, n - 1 - cols]) * res
    assert (edge_m >= slides.runout_m).all()
    mask = area["landslide_mask"].data[0]
    assert not (mask[0].any() or mask[-1].any() or mask[:, 0].any() or mask[:, -1].any())


def test_unknown_product_and_bad_params_raise_clear_errors(area):
    with pytest.raises(KeyError, match="Available"):
        area["s2_during"]
    with pytest.raises(ValueError, match="size"):
        StudyAreaParams(size=10)
    with pytest.raises(ValueError, match="speckle_looks"):
        StudyAreaParams(speckle_looks=0)
    with pytest.raises(TypeError):
        load_study_area({"size": 64})


def test_missing_file_gives_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    area = load_study_area(StudyAreaParams(size=96, n_landslides=2), progress=False)
    (area.folder / "slope.tif").unlink()
    with pytest.raises(FileNotFoundError, match="Delete that folder"):
        area["slope"]


def test_loaded_arrays_are_read_only_and_cached(area):
    a = area["dem"]
    assert area["dem"] is a
    with pytest.raises(ValueError):
        a.data[0, 0, 0] = 0.0
    area.clear_cache()
    assert area["dem"] is not a
    np.testing.assert_array_equal(area["dem"].data, a.data)


def test_memory_cache_stays_within_budget(area):
    from course_lib.simulator import StudyArea

    small = StudyArea(area.params, area.folder, max_cached_mb=1.0)   # ~1 raster of 256 x 256
    for name in ("dem", "slope", "aspect", "s2_post"):
        small[name]
    assert list(small._cache) == ["s2_post"]


# --------------------------------------------------------------------------- caching
def test_same_seed_gives_byte_identical_files_and_other_seed_differs(tmp_path, monkeypatch):
    params = StudyAreaParams(size=128, n_landslides=6)
    folders = []
    for sub in ("one", "two"):
        monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / sub))
        folders.append(load_study_area(params, progress=False).folder)
    h1, h2 = _hashes(folders[0]), _hashes(folders[1])
    assert len(h1) == len(PRODUCT_NAMES) + 1 and h1 == h2
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "three"))
    other = load_study_area(StudyAreaParams(size=128, n_landslides=6, seed=7), progress=False)
    h3 = _hashes(other.folder)
    assert h3["dem.tif"] != h1["dem.tif"] and h3["s2_post.tif"] != h1["s2_post.tif"]


def test_changing_clouds_keeps_the_ground(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    base = load_study_area(StudyAreaParams(size=128, n_landslides=6), progress=False)
    cloudy = load_study_area(StudyAreaParams(size=128, n_landslides=6), cloud_cover=2.0,
                             progress=False)
    assert cloudy.params == StudyAreaParams(size=128, n_landslides=6, cloud_cover=2.0)
    with pytest.raises(TypeError, match="Unknown study-area parameters"):
        load_study_area(clouds=2.0)
    assert base.folder != cloudy.folder
    np.testing.assert_array_equal(base["dem"].data, cloudy["dem"].data)
    np.testing.assert_array_equal(base["landslide_mask"].data, cloudy["landslide_mask"].data)
    assert (cloudy["s2_pre_scl"].data >= 8).mean() > (base["s2_pre_scl"].data >= 8).mean()


def test_generation_is_atomic(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))

    def broken(name, product, folder):
        if name == "s2_post":
            raise RuntimeError("disk full")
        return original(name, product, folder)

    original = products_mod._write_product
    monkeypatch.setattr(products_mod, "_write_product", broken)
    params = StudyAreaParams(size=128, n_landslides=3, seed=11)
    with pytest.raises(RuntimeError, match="disk full"):
        load_study_area(params, progress=False)
    root = tmp_path / "study_area"
    leftovers = [p for p in root.iterdir() if not p.name.endswith(".lock")]
    assert leftovers == []          # neither a partial folder nor a temp folder
    monkeypatch.setattr(products_mod, "_write_product", original)
    area = load_study_area(params, progress=False)
    assert (area.folder / "metadata.json").exists()
    assert area.metadata["generator_version"] == GENERATOR_VERSION


def test_parallel_processes_generate_once(tmp_path):
    import os
    import subprocess
    import sys

    code = ("from course_lib.simulator import StudyAreaParams, load_study_area\n"
            "print(load_study_area(StudyAreaParams(size=96, n_landslides=2, seed=5), "
            "progress=False).folder)")
    env = {**os.environ, "COURSE_CACHE_DIR": str(tmp_path)}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                              text=True) for _ in range(2)]
    folders = {p.communicate(timeout=120)[0].strip().splitlines()[-1] for p in procs}
    assert all(p.returncode == 0 for p in procs) and len(folders) == 1
    names = [p.name for p in (tmp_path / "study_area").iterdir()]
    assert not [n for n in names if n.startswith(".tmp-")]
    assert (Path(folders.pop()) / "metadata.json").exists()


# --------------------------------------------------------------------------- physics
def test_landslides_start_steep_and_run_downslope(area):
    slides = area["landslides"]
    assert (slides["init_slope_deg"] > 30).all()
    assert (slides["init_elevation_m"] > slides["end_elevation_m"]).all()
    dem = area["dem"].data[0]
    ids, parts = area["landslide_id"].data[0], area["landslide_parts"].data[0]
    for rec in slides.itertuples():
        dep = (ids == rec.id) & (parts == DEPOSIT)
        if dep.any():
            assert dem[dep].mean() < rec.init_elevation_m
    # Scars sit on steeper ground than deposits.
    slope = area["slope"].data[0]
    assert slope[parts == SCAR].mean() > slope[parts == DEPOSIT].mean() + 5


def test_sizes_are_heavy_tailed(area):
    sizes = np.sort(area["landslides"]["area_m2"].to_numpy())
    assert sizes[-1] > 5 * np.median(sizes)


def test_clouds_are_brighter_than_clear_land(area):
    post, scl = area["s2_post"].data, area["s2_post_scl"].data[:, 0]
    heavy = scl[0] == 9
    clear = np.isin(scl[0], (4, 5))
    assert heavy.mean() > 0.5          # 31 July: the day after the storm, nearly overcast
    assert 0.03 < (scl[2] >= 8).mean() < 0.4  # 13 August: the clearest, but not clear
    for b in range(3):
        assert post[0, b][heavy].mean() > post[0, b][clear].mean() + 0.2


def test_dndvi_is_strongly_negative_on_landslides(area):
    pre, post = area["s2_pre"].data, area["s2_post"].data
    scl_pre, scl_post = area["s2_pre_scl"].data[:, 0], area["s2_post_scl"].data[:, 0]

    def ndvi(x):
        return (x[3] - x[2]) / (x[3] + x[2])

    t_pre = int(np.argmin([(s >= 8).mean() for s in scl_pre]))
    d = ndvi(post[2]) - ndvi(pre[t_pre])
    ok = np.isin(scl_pre[t_pre], (4, 5)) & np.isin(scl_post[2], (4, 5))
    slides = area["landslide_mask"].data[0].astype(bool)
    assert np.median(d[slides & ok]) < -0.3
    assert abs(np.median(d[~slides & ok])) < 0.05


def _ndvi(x):
    return (x[3] - x[2]) / (x[3] + x[2])


def test_confusers_strip_vegetation_like_the_literature_says(area):
    """Clear-cuts: dNDVI strongly negative; flood sediment only on flat ground (< 5 deg)."""
    from course_lib.simulator.confusers import CHANGE_CODES

    codes = area["other_changes"].data[0]
    slope = area["slope"].data[0]
    truth = area["landslide_mask"].data[0].astype(bool)
    assert not (codes[truth] > 0).any()              # never on a landslide
    pre, post = area["s2_pre"].data, area["s2_post"].data
    clear_pre = np.isin(area["s2_pre_scl"].data[:, 0], (4, 5, 7))
    clear_post = np.isin(area["s2_post_scl"].data[:, 0], (4, 5, 7))
    # The latest clear pre date and a clear post date after every cut (25 August).
    d = _ndvi(post[3]) - _ndvi(pre[3])
    both = clear_pre[3] & clear_post[3]
    cut = (codes == CHANGE_CODES["clear-cut"]) & both
    assert cut.sum() >= 5
    assert np.median(d[cut]) < -0.2
    sediment = codes == CHANGE_CODES["flood sediment"]
    assert sediment.any() and (slope[sediment] < 5).all()
    assert np.median(d[sediment & both]) < -0.2
    hay = codes == CHANGE_CODES["hay harvest"]
    assert hay.any() and (area["landcover"].data[0][hay] == LANDCOVER_CODES["agriculture"]).all()


def test_confusers_are_faint_in_radar(area):
    """C-band barely sees a clear-cut (about 1-2 dB) but sees flood sediment (smooth, wet)."""
    from course_lib.simulator.confusers import CHANGE_CODES, CHANGE_DB

    assert -3.0 < CHANGE_DB[CHANGE_CODES["clear-cut"]][1] < CHANGE_DB[
        CHANGE_CODES["clear-cut"]][0] < 0
    assert CHANGE_DB[CHANGE_CODES["flood sediment"]][0] < -3.0


def test_north_facing_slopes_are_darker(area):
    post = area["s2_post"].data[2]
    aspect, slope = area["aspect"].data[0], area["slope"].data[0]
    forest = np.isin(area["landcover"].data[0], (5, 6)) & (slope > 25)
    north = forest & ((aspect < 30) | (aspect > 330))
    south = forest & (np.abs(aspect - 180) < 30)
    assert post[3][north].mean() < 0.7 * post[3][south].mean()


def test_terrain_overcorrection_brightens_shaded_slopes_bluish():
    plain = generate_in_memory(StudyAreaParams(size=128, n_landslides=2,
                                               terrain_overcorrection=0.0))
    over = generate_in_memory(StudyAreaParams(size=128, n_landslides=2,
                                              terrain_overcorrection=1.0))
    assert StudyAreaParams().terrain_overcorrection > 0     # on by default (moderate)
    dark = plain["hillshade"].data[0] < 0.3
    sunny = plain["hillshade"].data[0] > 0.8
    p, o = plain["s2_post"].data[2], over["s2_post"].data[2]
    gain = o[:, dark].mean(axis=1) / p[:, dark].mean(axis=1)
    assert gain[0] > gain[3] > 1.0          # brighter, most in blue (B02) less in NIR (B08)
    np.testing.assert_allclose(o[:, sunny].mean(axis=1), p[:, sunny].mean(axis=1), rtol=0.02)


def test_cloud_shadows_fall_away_from_the_sun():
    from course_lib.simulator.landcover import make_landcover
    from course_lib.simulator.landscape import make_landscape
    from course_lib.simulator.landslides import make_landslides
    from course_lib.simulator.sentinel2 import Sentinel2Simulator
    from course_lib.terrain import slope_aspect

    params = StudyAreaParams(size=128, n_landslides=2)
    rng = np.random.default_rng(0)
    land = make_landscape(params, rng)
    slope, aspect = slope_aspect(land.dem, params.resolution)
    lc, fields = make_landcover(land, slope, aspect, params, rng)
    slides = make_landslides(land, lc, slope, aspect, params, rng)
    sim = Sentinel2Simulator(land, lc, fields, slides, slope, aspect, params, rng)
    _, _, _, info = sim.acquire("2019-08-07", True, 0.3, False, with_truth=True)
    # The offset that best aligns the shadow with the cloud (cross-correlation peak).
    cloud, shadow = info["opacity"], info["shadow"]
    xcorr = np.fft.irfft2(np.fft.rfft2(shadow) * np.conj(np.fft.rfft2(cloud)), s=cloud.shape)
    dr, dc = np.unravel_index(np.argmax(xcorr), xcorr.shape)
    dr = dr - cloud.shape[0] if dr > cloud.shape[0] // 2 else dr
    dc = dc - cloud.shape[1] if dc > cloud.shape[1] // 2 else dc
    # Sun in the south-south-east: shadows are displaced north-north-west (up and left).
    assert dr < 0 and dc <= 0 and abs(dr) > abs(dc)
    assert (dr, dc) == pytest.approx(info["shadow_shift_px"], abs=1)


@pytest.mark.parametrize("looks", [1.0, 4.4, 10.0])
def test_speckle_has_variance_one_over_looks(looks):
    params = StudyAreaParams(size=128, speckle_looks=looks)
    shape = (128, 128)
    lc = np.full(shape, LANDCOVER_CODES["agriculture"], dtype=np.uint8)
    flat = np.zeros(shape, dtype=np.float32)
    aspect = np.full(shape, np.nan, dtype=np.float32)
    geo = geometry(flat, aspect, "asc", params)
    none = LandslideSet(np.zeros(shape, np.uint16), np.zeros(shape, np.uint8), [])
    data, _ = simulate_s1("asc_pre", lc, none, geo, params, np.random.default_rng(1),
                          np.zeros((2, *shape), dtype=np.float32))
    vv = data[:, 0]
    ratio = vv / vv.mean(axis=(1, 2), keepdims=True)
    # A flat uniform field: the only variation is speckle (plus a ~1 % noise floor).
    assert ratio.var() == pytest.approx(1.0 / looks, rel=0.08)


def test_sar_landslide_signature_mirrors_between_geometries():
    shape = (40, 40)
    ids = np.zeros(shape, dtype=np.uint16)
    ids[5:35, 18:22] = 1                      # a north-south scar, 4 pixels wide
    slides = LandslideSet(ids, (ids > 0).astype(np.uint8), [])
    lc = np.full(shape, LANDCOVER_CODES["spruce_forest"], dtype=np.uint8)
    asc, _ = _landslide_change_db(slides, lc, S1_GEOMETRY["asc"]["look_azimuth_deg"], 1.0)
    desc, _ = _landslide_change_db(slides, lc, S1_GEOMETRY["desc"]["look_azimuth_deg"], 1.0)
    row = 20
    # Ascending looks east: the sensor is west, so the west edge darkens, the east band brightens.
    assert asc[row, 18] < 0 and asc[row, 23] > 0 and asc[row, 16] == 0
    # Descending looks west: mirrored.
    assert desc[row, 21] < 0 and desc[row, 16] > 0 and desc[row, 24] == 0
    # Averaging the geometries leaves mostly a brightening around the scar.
    mean = (asc + desc) / 2
    assert mean[row, 16] > 0 and mean[row, 23] > 0


def test_layover_faces_the_sensor_and_shadow_faces_away():
    params = StudyAreaParams(size=64)
    slope = np.full((4, 4), 60.0, dtype=np.float32)
    west = np.full((4, 4), 270.0, dtype=np.float32)
    east = np.full((4, 4), 90.0, dtype=np.float32)
    geo_w = geometry(slope, west, "asc", params)     # ascending looks east: sensor in the west
    geo_e = geometry(slope, east, "asc", params)
    assert geo_w.layover.all() and not geo_w.shadow.any()
    assert geo_e.shadow.all() and not geo_e.layover.any()
    assert geo_w.local_incidence.mean() < geo_e.local_incidence.mean()


# --------------------------------------------------------------------------- default world
@pytest.fixture(scope="module")
def default_area():
    # Generated here if no earlier test or notebook has made it (about 15 s), never skipped.
    return load_study_area(progress=False)


def test_default_world_matches_the_paper_setting(default_area):
    slides = default_area["landslides"]
    assert len(slides) == 120
    assert slides["reaches_agriculture"].sum() >= 3
    assert slides["reaches_road"].sum() >= 10        # the road authority reported 14
    # The large slide above the town reaches the road and the edge of the town (Vassenden).
    big = slides[slides["near_town"]]
    ids = default_area["landslide_id"].data[0]
    lc = default_area["landcover"].data[0]
    from scipy import ndimage

    big_px = ndimage.binary_dilation(ids == int(big.iloc[0]["id"]), iterations=1)
    assert bool(big.iloc[0]["reaches_road"])
    assert (lc[big_px] == LANDCOVER_CODES["urban"]).any()
    # Subplot D: substantial deposits on farmland.
    parts = default_area["landslide_parts"].data[0]
    sub = default_area["subplots"].set_index("name")
    r0, c0, r1, c1 = sub.loc["D", ["row0", "col0", "row1", "col1"]]
    on_farm = (parts[r0:r1, c0:c1] == DEPOSIT) & (lc[r0:r1, c0:c1] == LANDCOVER_CODES[
        "agriculture"])
    assert on_farm.sum() >= 200
    # Most landslides are away from roads, as in the paper (only 30 % within 500 m).
    assert 0.2 < (slides["road_distance_m"] <= 500).mean() < 0.8
    assert set(slides["subplot"]) >= {"A", "B", "C", "D"}
    pts = default_area["training_points"]
    assert pts.groupby("class_name").size().drop("landslide").eq(16).all()
    assert pts["in_shadow"].sum() >= 5
    # "Care was taken to sample from diverse slope aspects" (the paper): every class of
    # the seven has points on at least three of the four aspect quadrants, and overall no
    # quadrant holds less than half of its fair share of the 112
    quadrant = ((default_area["aspect"].data[0][pts.row, pts.col] + 45) % 360 // 90)
    others = pts.label.to_numpy() == 0
    per_class = pd.crosstab(pts.class_name[others], quadrant[others])
    assert (per_class > 0).sum(axis=1).min() >= 3, per_class
    assert per_class.sum().min() >= 112 / 4 / 2, per_class.sum()
    sub = default_area["subplots"].set_index("name")
    aspect = default_area["aspect"].data[0]
    mask = default_area["landslide_mask"].data[0].astype(bool)
    r0, c0, r1, c1 = sub.loc["A", ["row0", "col0", "row1", "col1"]]
    north = np.cos(np.radians(aspect[r0:r1, c0:c1][mask[r0:r1, c0:c1]]))
    assert np.nanmean(north) > 0.3      # subplot A: slides on north-facing slopes


def test_default_world_sar_alone_gives_far_more_false_positives(default_area):
    """The paper's CART finding: S1 VV alone is noisy (MCC 20 %, precision 6 %), S2 is not.

    The course's own pipeline (notebook 04): the 130 points' eight classes, CART, merged to
    landslide, 3 x 3 focal mode, judged on the evaluation mask. The speckle is correlated
    over about two pixels, so clumps of false alarms survive the focal mode.
    """
    from course_lib import cart as pc, metrics
    from course_lib.pipeline import layers

    truth = default_area["landslide_mask"]
    evalmask = layers.evaluation_mask(default_area)
    stacks = {k: layers.setting_layers(k, default_area) for k in (3, 4)}
    counts = {}
    for k, stack in stacks.items():
        _, pred, _ = pc.classify_at_points(stack, default_area["training_points"],
                                           pc.make_cart(), focal_window=3, quiet=True)
        counts[k] = metrics.confusion_counts(truth.data[0], pred, evalmask)
    fp3, fp4 = counts[3].fp, counts[4].fp
    # measured: 2.7 times on generator v13 (training points spread over all aspects);
    # "far more" is the paper's finding, the exact ratio depends on the points
    assert fp3 > 2.5 * fp4, (fp3, fp4)
    # most of what Sentinel-1 alone calls landslide is not (the paper: precision 6 %)
    assert counts[3].tp / (counts[3].tp + fp3) < 0.3, counts[3]


def test_scl_is_imperfect_like_a_real_one(area):
    """SCL misses some true cloud (faint edges) and flags some cloud-free bright ground."""
    scl = area["s2_post_scl"].data[:, 0]
    truth = area["s2_post_truth"].data
    assert area["s2_post_truth"].band_names == ("cloud", "cloud_shadow", "snow")
    cloud, flagged = truth[:, 0].astype(bool), np.isin(scl, (8, 9, 10))
    missed = (cloud & ~flagged).sum() / cloud.sum()
    assert 0.01 < missed < 0.4
    assert (flagged & cloud).sum() / flagged.sum() > 0.8      # but mostly right
    # The cloud probability is high on true clouds and low on clear ground.
    prob = area["s2_post_cloudprob"].data[:, 0]
    assert prob[cloud].mean() > 0.5 > 0.2 > prob[~cloud & (truth[:, 1] == 0)].mean()


# --- the knobs of other worlds (notebook 06: globally vs locally trained) ---------------------

def test_later_knobs_at_their_defaults_leave_the_world_and_its_folder_as_they_were():
    import dataclasses
    import json

    default = StudyAreaParams()
    assert "valley_axis" not in default.to_dict() and "treeline_shift_m" not in default.to_dict()
    # the hash of the fields that existed before the knobs, as generator v13 computed it
    old_fields = {f.name: getattr(default, f.name) for f in dataclasses.fields(default)
                  if f.name not in ("valley_axis", "treeline_shift_m")}
    payload = json.dumps({"version": GENERATOR_VERSION, **old_fields}, sort_keys=True)
    assert default.short_hash() == hashlib.sha256(payload.encode()).hexdigest()[:10]
    turned = StudyAreaParams(valley_axis="north-south")
    assert turned.short_hash() != default.short_hash()
    assert StudyAreaParams.from_dict(turned.to_dict()) == turned
    with pytest.raises(ValueError, match="valley_axis"):
        StudyAreaParams(valley_axis="diagonal")
    with pytest.raises(ValueError, match="treeline_shift_m"):
        StudyAreaParams(treeline_shift_m=900.0)


def test_valley_axis_turns_the_slopes_to_face_east_and_west():
    kw = dict(size=128, n_landslides=3, cloud_cover=0.2)
    plain = generate_in_memory(StudyAreaParams(**kw))
    turned = generate_in_memory(StudyAreaParams(valley_axis="north-south", **kw))
    np.testing.assert_array_equal(turned["dem"].data[0], np.rot90(plain["dem"].data[0], -1))

    def facing(area):
        aspect, slope = area["aspect"].data[0], area["slope"].data[0]
        steep = slope > 20
        north_south = (np.abs(aspect - 180) < 45) | (aspect < 45) | (aspect > 315)
        return (north_south & steep).sum() / steep.sum()

    assert facing(plain) > 0.5 > facing(turned)      # the long walls now face east and west


def test_treeline_shift_changes_the_land_cover_mix():
    kw = dict(size=128, n_landslides=3, cloud_cover=0.2)
    low = generate_in_memory(StudyAreaParams(treeline_shift_m=-150.0, **kw))
    high = generate_in_memory(StudyAreaParams(treeline_shift_m=150.0, **kw))

    def share(area, codes):
        return np.isin(area["landcover"].data[0], codes).mean()

    forest = (LANDCOVER_CODES["spruce_forest"], LANDCOVER_CODES["birch_forest"])
    assert share(high, forest) > share(low, forest) + 0.05
    assert share(high, (LANDCOVER_CODES["bare_rock"],)) < share(low, (LANDCOVER_CODES["bare_rock"],))
