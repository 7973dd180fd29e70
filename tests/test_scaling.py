"""Scaling out with Dask: lazy mosaics, per-chunk course functions, overlap, a real cluster."""

import numpy as np
import pytest
from affine import Affine
from rasterio.crs import CRS
from sklearn.tree import DecisionTreeClassifier

from course_lib import scaling as sc
from course_lib.clouds import scl_masks
from course_lib.composites import greenest_pixel_composite, median_composite
from course_lib.data.raster import Raster
from course_lib.indices import dndvi, ndvi
from course_lib.postprocess import focal_mode
from course_lib.scaling.lazy import _mirror_runs
from course_lib.simulator.products import read_raster_product, write_raster_product

NAMES = ("B02", "B03", "B04", "B08", "B11", "B12")


@pytest.fixture(scope="module")
def products(tmp_path_factory):
    folder = tmp_path_factory.mktemp("area")
    rng = np.random.default_rng(4)
    common = dict(transform=Affine(10, 0, 0, 0, -10, 640), crs=CRS.from_epsg(32632),
                  dates=np.array(["2019-07-01", "2019-07-10", "2019-07-20"], "datetime64[D]"))
    paths = {}
    for period in ("pre", "post"):
        refl = rng.uniform(0.01, 0.6, (3, 6, 48, 64)).astype(np.float32)
        scl = rng.choice(np.array([4, 5, 8, 9, 3], np.uint8), size=(3, 1, 48, 64))
        scl[:, :, :4, :4] = 9                      # never clear in one corner
        paths[period] = write_raster_product(f"s2_{period}", Raster(refl, band_names=NAMES, **common), folder)
        paths[f"{period}_scl"] = write_raster_product(f"s2_{period}_scl", Raster(scl, band_names=("SCL",), **common), folder)
    return paths


def _mirror(a, factor):
    """The expected mosaic with NumPy: even copies as is, odd copies flipped."""
    rows = [np.concatenate([a[..., ::1 if j % 2 == 0 else -1] for j in range(factor)], axis=-1)
            for _ in range(1)]
    row = rows[0]
    return np.concatenate([row[..., ::1 if i % 2 == 0 else -1, :] for i in range(factor)], axis=-2)


def test_mirror_runs_cover_the_range():
    for start, stop in [(0, 10), (3, 17), (9, 11), (20, 30)]:
        runs = _mirror_runs(start, stop, 10)
        assert sum(b - a for a, b, _ in runs) == stop - start


def test_lazy_product_decodes_like_the_study_area(products):
    lazy = sc.lazy_product(products["pre"], factor=1, chunk=16)
    assert lazy.shape == (3, 6, 48, 64) and lazy.dtype == np.float32
    np.testing.assert_array_equal(lazy.compute(), read_raster_product(products["pre"]).data)
    scl = sc.lazy_product(products["pre_scl"], chunk=16)
    assert scl.dtype == np.uint8 and scl.shape == (3, 1, 48, 64)


def test_mosaic_is_mirrored_and_read_by_windows(products):
    whole = read_raster_product(products["pre"]).data
    mosaic = sc.lazy_product(products["pre"], factor=3, chunk=20)
    assert mosaic.shape == (3, 6, 144, 192)
    np.testing.assert_array_equal(mosaic.compute(), _mirror(whole, 3))
    np.testing.assert_array_equal(mosaic[:, :, 40:100, 50:130].compute(),
                                  _mirror(whole, 3)[:, :, 40:100, 50:130])
    with pytest.raises(ValueError, match="factor"):
        sc.lazy_product(products["pre"], factor=0)


@pytest.mark.parametrize("kind", ["median", "greenest"])
def test_chunked_composite_equals_whole_image(products, kind):
    stack, scl = read_raster_product(products["pre"]).data, read_raster_product(products["pre_scl"]).data
    clear = scl_masks(scl).clear
    expected = median_composite(stack, clear) if kind == "median" else \
        greenest_pixel_composite(stack, clear, red_band=2, nir_band=3)
    lazy = sc.composite(sc.lazy_product(products["pre"], chunk=16),
                        sc.lazy_product(products["pre_scl"], chunk=16), kind)
    np.testing.assert_array_equal(lazy.compute(scheduler="synchronous"), expected)


def test_dndvi_and_pixel_prediction(products):
    pre = read_raster_product(products["pre"]).data[0]
    post = read_raster_product(products["post"]).data[0]
    d = sc.dndvi(sc.lazy_product(products["pre"], chunk=16)[0],
                 sc.lazy_product(products["post"], chunk=16)[0]).compute()
    np.testing.assert_allclose(d[0], dndvi(ndvi(pre[2], pre[3]), ndvi(post[2], post[3])), rtol=1e-6)
    x = post.reshape(6, -1).T
    model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(x, x[:, 3] > 0.3)
    layers = sc.lazy_product(products["post"], chunk=16)[0]
    got = sc.predict_pixels(model, layers.astype(np.float32)).compute()
    np.testing.assert_array_equal(got[0], model.predict(x).reshape(48, 64).astype(np.float32))
    with_nan = layers.copy()
    with_nan[0, 0, 0] = np.nan
    assert np.isnan(sc.predict_pixels(model, with_nan).compute()[0, 0, 0])


def test_overlap_prediction_equals_whole_image():
    import dask.array as da

    rng = np.random.default_rng(1)
    labels = (rng.random((1, 50, 70)) < 0.4).astype(np.float32)
    labels[0, 10, 10] = np.nan
    whole = focal_mode(labels[0], 5)[None]
    tiled = sc.focal_mode(da.from_array(labels, chunks=(1, 16, 16)), 5)
    np.testing.assert_array_equal(tiled.compute(), whole)
    no_margin = sc.predict_overlapping(lambda t: focal_mode(t[0], 5)[None],
                                       da.from_array(labels, chunks=(1, 16, 16)), depth=0,
                                       boundary="none")
    assert not np.array_equal(no_margin.compute(), whole, equal_nan=True)  # seams show
    with pytest.raises(ValueError, match="depth"):
        sc.predict_overlapping(lambda t: t, da.from_array(labels, chunks=(1, 16, 16)), depth=40)


def test_workers_on_binder(monkeypatch):
    monkeypatch.setenv("BINDER_LAUNCH_HOST", "https://mybinder.org/")
    n, why = sc.suggested_workers(2)
    assert n == 1 and "Binder" in why
    assert sc.available_cpus() >= 1


def test_distributed_results_equal_single_process(products):
    pre = sc.composite(sc.lazy_product(products["pre"], factor=2, chunk=32),
                       sc.lazy_product(products["pre_scl"], factor=2, chunk=32), "greenest")
    post = sc.composite(sc.lazy_product(products["post"], factor=2, chunk=32),
                        sc.lazy_product(products["post_scl"], factor=2, chunk=32), "greenest")
    change = sc.dndvi(pre, post)
    cleaned = sc.focal_mode((change < 0).astype(np.float32), 5)
    single, _ = sc.timed_compute(change, cleaned, scheduler="synchronous")
    client, cluster = sc.start_cluster(n_workers=2, memory_limit="400MB")
    try:
        assert len(client.scheduler_info()["workers"]) == 2
        assert client.dashboard_link.startswith("http")
        import requests

        assert requests.get(client.dashboard_link, timeout=30).status_code == 200  # bokeh
        distributed, seconds = sc.timed_compute(change, cleaned)
    finally:
        client.close()
        cluster.close()
    assert seconds > 0 and sc.same_results(single, distributed)


def test_overlap_explorer_and_speedup_figure():
    from course_lib.viz import scaling_plots as sp

    rng = np.random.default_rng(2)
    image = (rng.random((60, 90)) < 0.5).astype(np.float32)
    fig, numbers = sp.overlap_explorer(image, chunk=32, depth=0, size=5)
    assert numbers["differing_pixels"] > 0 and numbers["reach"] == 2 and len(fig.axes) == 3
    assert sp.overlap_explorer(image, chunk=32, depth=2, size=5)[1]["differing_pixels"] == 0
    with pytest.raises(ValueError, match="rows, cols"):
        sp.overlap_explorer(image[None])
    fig = sp.speedup_figure({"one process": 10.0, "2 workers": 6.0}, "one process")
    assert "x1.67" in " ".join(t.get_text() for t in fig.axes[0].texts)
    with pytest.raises(KeyError, match="baseline"):
        sp.speedup_figure({"a": 1.0}, "b")
