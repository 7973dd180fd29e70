"""Scaling out with Dask: lazy mosaics, per-chunk course functions, overlap, a real cluster."""

import os
import warnings

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from rasterio.crs import CRS
from sklearn.tree import DecisionTreeClassifier

from course_lib import cart
from course_lib import scaling as sc
from course_lib.clouds import clear_sky_mask, scl_masks
from course_lib.composites import composite_raster, greenest_pixel_composite, median_composite
from course_lib.data.raster import Raster
from course_lib.indices import dndvi, ndvi
from course_lib.postprocess import focal_mode
from course_lib.scaling.lazy import _mirror_runs
from course_lib.simulator.products import read_raster_product, write_raster_product

NAMES = ("B02", "B03", "B04", "B08", "B11", "B12")
#: The fixture's pixels are 60 m, so the cloud mask reaches 4 + 2 = 6 pixels (36 at 10 m):
#: chunks of 16 to 24 pixels then have real margins to borrow from their neighbours.
PIXEL = 60.0
CLASSES = ("landslide", "forest", "water")


@pytest.fixture(scope="module")
def products(tmp_path_factory):
    folder = tmp_path_factory.mktemp("area")
    rng = np.random.default_rng(4)
    common = dict(transform=Affine(PIXEL, 0, 345000, 0, -PIXEL, 6822000),
                  crs=CRS.from_epsg(32632),
                  dates=np.array(["2019-07-01", "2019-07-10", "2019-07-20"], "datetime64[D]"))
    paths = {}
    yy, xx = np.mgrid[:48, :64]
    for period in ("pre", "post"):
        refl = rng.uniform(0.01, 0.6, (3, 6, 48, 64)).astype(np.float32)
        scl = rng.choice(np.array([4, 5, 8, 9, 3], np.uint8), size=(3, 1, 48, 64))
        scl[:, :, :4, :4] = 9                      # never clear in one corner
        # smooth clouds: a blob per date, so averaging and dilation matter
        prob = np.stack([np.clip(1.2 - np.hypot(yy - cy, xx - cx) / 9, 0, 1)
                         for cy, cx in ((10, 40), (30, 12), (40, 50))])[:, None]
        prob = (np.round(prob * 100) / 100).astype(np.float32)
        paths[period] = write_raster_product(f"s2_{period}", Raster(refl, band_names=NAMES, **common), folder)
        paths[f"{period}_scl"] = write_raster_product(f"s2_{period}_scl", Raster(scl, band_names=("SCL",), **common), folder)
        paths[f"{period}_cloudprob"] = write_raster_product(
            f"s2_{period}_cloudprob", Raster(prob, band_names=("cloud_probability",), **common),
            folder)
    return paths


def _inputs(products, factor=1, chunk=16, reader=None):
    """The six products of the landslide map, as ``reader`` (default lazy_product) reads them."""
    reader = reader or (lambda path: sc.lazy_product(path, factor=factor, chunk=chunk))
    return {name: reader(products[name[3:]]) for name in sc.LANDSLIDE_PRODUCTS}


@pytest.fixture(scope="module")
def classifier(products):
    """A CART trained as notebook 04 trains it, on setting-4 layers of the fixture (3 classes)."""
    whole = _inputs(products, reader=lambda path: sc.read_product(path))
    clear = {p: clear_sky_mask(whole[f"s2_{p}_scl"], whole[f"s2_{p}_cloudprob"], PIXEL)
             for p in ("pre", "post")}
    layers = _unfused_layers(whole, clear)
    rng = np.random.default_rng(7)
    rows, cols = rng.integers(4, 48, 60), rng.integers(4, 64, 60)
    table = pd.DataFrame({name: layers[i, rows, cols] for i, name in enumerate(sc.SETTING4_LAYERS)})
    table["class_name"] = np.array(CLASSES)[np.arange(60) % 3]
    return cart.fit_pixel_classifier(table, sc.SETTING4_LAYERS, cart.make_cart(max_depth=4),
                                     on_nan="drop")


def _unfused_layers(whole, clear):
    """Setting 4 step by step with the course's functions (the reference for the fused step)."""
    pre = greenest_pixel_composite(whole["s2_pre"], clear["pre"], red_band=2, nir_band=3)
    post = greenest_pixel_composite(whole["s2_post"], clear["post"], red_band=2, nir_band=3)
    change = dndvi(ndvi(pre[2], pre[3]), ndvi(post[2], post[3]))
    return np.stack([post[2], post[1], post[0], post[3], change]).astype(np.float32)


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


def test_workload_chooser_binder_branch(monkeypatch):
    monkeypatch.delenv("BINDER_LAUNCH_HOST", raising=False)
    monkeypatch.delenv("BINDER_SERVICE_HOST", raising=False)
    two = sc.scaling_workload(cpus=2)
    assert (two.workers, two.baseline, two.factor, two.trees) == (2, "numpy", 2, 50)
    assert sc.scaling_workload(cpus=16).workers == 4
    one = sc.scaling_workload(cpus=1)
    assert (one.workers, one.baseline) == (1, "synchronous")
    assert "skipped" in one.reason and "1.6 GB" in one.reason      # the whole-array run
    assert "skipped" not in sc.scaling_workload(cpus=1, factor=1).reason
    monkeypatch.setenv("BINDER_LAUNCH_HOST", "https://mybinder.org/")
    binder = sc.scaling_workload(cpus=8)      # Binder counts as one CPU whatever it reports
    assert (binder.workers, binder.baseline) == (1, "synchronous") and "Binder" in binder.reason
    with pytest.raises(ValueError, match="cpus"):
        sc.scaling_workload(cpus=0)


def test_lazy_product_decodes_the_cloud_probability(products):
    lazy = sc.lazy_product(products["pre_cloudprob"], factor=2, chunk=16)
    assert lazy.dtype == np.float32 and lazy.shape == (3, 1, 96, 128)
    whole = read_raster_product(products["pre_cloudprob"]).data
    np.testing.assert_array_equal(lazy[..., :48, :64].compute(), whole)
    np.testing.assert_array_equal(sc.read_product(products["pre_cloudprob"], 2), lazy.compute())


def test_lazy_dataarray_is_a_raster_layout_backed_by_dask(products):
    import dask

    grid = read_raster_product(products["pre"])
    array = sc.lazy_dataarray(products["pre"], factor=2, chunk=16)
    assert dask.is_dask_collection(array) and array.dims == ("time", "band", "y", "x")
    assert list(array.band.values) == list(NAMES) and array.sizes["x"] == 128
    assert array.rio.crs == grid.crs and array.rio.transform() == grid.transform
    assert np.isnan(array.rio.nodata)
    np.testing.assert_array_equal(array.time.values, grid.dates)
    back = Raster.from_xarray(array.isel(x=slice(0, 64), y=slice(0, 48)))   # computes it
    np.testing.assert_array_equal(back.data, grid.data)
    assert back.transform == grid.transform and back.band_names == NAMES
    east = Raster.from_xarray(array.isel(x=slice(64, 128), y=slice(0, 48)))  # mirrored copy
    np.testing.assert_array_equal(east.data, grid.data[..., ::-1])
    assert east.transform.c == grid.transform.c + 64 * PIXEL


@pytest.mark.parametrize("chunk", [16, 24])
def test_chunked_clear_sky_mask_equals_the_whole_image(products, chunk):
    scl, prob = read_raster_product(products["post_scl"]).data, \
        read_raster_product(products["post_cloudprob"]).data
    whole = clear_sky_mask(scl, prob, pixel_size=PIXEL)
    assert sc.cloud_mask_reach(PIXEL) == 6
    lazy = sc.clear_sky_mask(sc.lazy_product(products["post_scl"], chunk=chunk),
                             sc.lazy_product(products["post_cloudprob"], chunk=chunk), PIXEL)
    assert lazy.shape == (3, 1, 48, 64) and lazy.dtype == bool
    np.testing.assert_array_equal(lazy.compute()[:, 0], whole)
    scl_only = sc.clear_sky_mask(sc.lazy_product(products["post_scl"], chunk=chunk))
    np.testing.assert_array_equal(scl_only.compute()[:, 0], scl_masks(scl).clear)
    # without the margin, the chunk edges show: the margin is what makes them equal
    from course_lib.scaling.chunked import _map_overlap_bands, _clear_block_stacked
    import dask.array as da
    import functools

    both = da.concatenate([sc.lazy_product(products["post_scl"], chunk=chunk).astype("f4"),
                           sc.lazy_product(products["post_cloudprob"], chunk=chunk)], axis=1)
    no_margin = _map_overlap_bands(functools.partial(_clear_block_stacked, pixel_size=PIXEL),
                                   both.rechunk({1: -1}), 0, "none", bool)
    assert not np.array_equal(no_margin.compute()[:, 0], whole)


@pytest.mark.parametrize("kind", ["median", "greenest"])
def test_chunked_composite_with_cloud_probability_equals_the_course(products, kind):
    raster = read_raster_product(products["post"])
    expected = composite_raster(raster, read_raster_product(products["post_scl"]), kind,
                                cloudprob=read_raster_product(products["post_cloudprob"])).data
    lazy = sc.composite(sc.lazy_product(products["post"], chunk=16),
                        sc.lazy_product(products["post_scl"], chunk=16), kind,
                        cloudprob=sc.lazy_product(products["post_cloudprob"], chunk=16),
                        pixel_size=PIXEL)
    np.testing.assert_array_equal(lazy.compute(scheduler="synchronous"), expected)


def test_fused_step_equals_the_unfused_one(products, classifier):
    whole = _inputs(products, reader=lambda path: sc.read_product(path))
    clear = {p: clear_sky_mask(whole[f"s2_{p}_scl"], whole[f"s2_{p}_cloudprob"], PIXEL)
             for p in ("pre", "post")}
    layers = _unfused_layers(whole, clear)
    fused = sc.landslide_chunk(whole["s2_pre"], clear["pre"], whole["s2_post"], clear["post"],
                               classifier)
    assert fused.shape == (2, 48, 64) and fused.dtype == np.float32
    np.testing.assert_array_equal(fused[0], layers[4])
    stack = Raster(layers, transform=Affine(PIXEL, 0, 0, 0, -PIXEL, 0), crs=CRS.from_epsg(32632),
                   band_names=sc.SETTING4_LAYERS)
    expected = classifier.predict_landslides(stack, focal_window=1)
    np.testing.assert_array_equal(fused[1], expected)
    assert np.isnan(fused[1]).any() and np.nansum(fused[1]) > 0   # never-clear corner, landslides
    # a classifier trained on a subset of the layers, in another order, gets them by name
    table = pd.DataFrame({"dNDVI": layers[4, 5:40, 10], "post-NIR": layers[3, 5:40, 10]})
    table["class_name"] = np.array(CLASSES)[np.arange(35) % 3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # points under the never-clear corner
        two = cart.fit_pixel_classifier(table, ["dNDVI", "post-NIR"], on_nan="drop")
    np.testing.assert_array_equal(
        sc.landslide_chunk(whole["s2_pre"], clear["pre"], whole["s2_post"], clear["post"],
                           two)[1],
        two.predict_landslides(stack, focal_window=1))


@pytest.mark.parametrize("factor, chunk", [(1, 16), (2, 24)])
def test_landslide_graph_equals_the_whole_arrays(products, classifier, factor, chunk):
    whole = sc.landslide_maps(
        _inputs(products, reader=lambda path: sc.read_product(path, factor)), classifier,
        focal_window=3, pixel_size=PIXEL)
    graph = sc.landslide_graph(_inputs(products, factor, chunk), classifier, focal_window=3,
                               pixel_size=PIXEL)
    assert graph.shape == whole.shape == (3, 48 * factor, 64 * factor)
    counts = sc.task_counts(graph)
    assert counts["landslide_chunk"] == graph.numblocks[1] * graph.numblocks[2]
    assert sum(counts.values()) == len(dict(graph.__dask_graph__()))
    chunked = graph.compute(scheduler="synchronous")
    np.testing.assert_array_equal(chunked, whole)
    np.testing.assert_array_equal(whole[2], focal_mode(whole[1], 3))


def test_landslide_graph_keeps_the_grid_of_dataarrays(products, classifier):
    inputs = _inputs(products, reader=lambda path: sc.lazy_dataarray(path, 2, 16))
    maps = sc.landslide_graph(inputs, classifier, pixel_size=PIXEL)
    assert maps.dims == ("band", "y", "x") and list(maps.band.values) == list(sc.MAP_BANDS)
    assert maps.rio.crs == inputs["s2_post"].rio.crs
    np.testing.assert_array_equal(maps.x.values, inputs["s2_post"].x.values)
    result = Raster.from_xarray(sc.measure(maps, scheduler="synchronous").results[0])
    assert result.transform == read_raster_product(products["post"]).transform
    assert result.band_names == sc.MAP_BANDS and result.shape == (96, 128)


def test_focal_mode_keeps_the_shape_of_its_chunks():
    import dask.array as da

    binary = da.from_array((np.random.default_rng(3).random((1, 100, 70)) < 0.5).astype("f4"),
                           chunks=(1, 40, 40))
    cleaned = sc.focal_mode(binary, 3)
    assert cleaned.shape == binary.shape and cleaned.chunks == binary.chunks
    assert da.concatenate([binary, cleaned]).compute().shape == (2, 100, 70)


def test_measure_times_memory_and_refuses_computed_arrays():
    import dask.array as da

    lazy = da.ones((200, 200), chunks=50) * 2
    measured = sc.measure(lazy, lazy.sum(), scheduler="synchronous")
    np.testing.assert_array_equal(measured.results[0], np.full((200, 200), 2.0))
    assert measured.results[1] == 80000
    assert measured.seconds > 0 and measured.peak_mb >= measured.start_mb > 10
    assert sc.measure(lambda: 42).results == [42]
    with pytest.raises(TypeError, match="measure needs lazy arrays"):
        sc.measure(np.ones(3))
    assert 0 < sc.task_overhead(50, scheduler="synchronous") < 0.05
    assert sc.task_counts(lazy) == {"mul": 16, "ones_like": 16}


def test_distributed_results_equal_single_process(products):
    pre = sc.composite(sc.lazy_product(products["pre"], factor=2, chunk=32),
                       sc.lazy_product(products["pre_scl"], factor=2, chunk=32), "greenest")
    post = sc.composite(sc.lazy_product(products["post"], factor=2, chunk=32),
                        sc.lazy_product(products["post_scl"], factor=2, chunk=32), "greenest")
    change = sc.dndvi(pre, post)
    cleaned = sc.focal_mode((change < 0).astype(np.float32), 5)
    single = sc.measure(change, cleaned, scheduler="synchronous")
    os.environ["MALLOC_TRIM_THRESHOLD_"] = "65536"   # as a nanny of an earlier cluster leaves it
    try:
        client, cluster = sc.start_cluster(n_workers=2, memory_limit="800MB", trim_memory=False)
    finally:
        kept = os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    assert kept == "65536"                            # this process's environment is restored
    try:
        assert len(client.scheduler_info()["workers"]) == 2
        assert client.dashboard_link.startswith("http")
        import requests

        assert requests.get(client.dashboard_link, timeout=30).status_code == 200  # bokeh
        trim = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
        assert set(trim.values()) == {None}           # glibc's defaults in every worker
        assert sc.warm_up(client) == 2
        distributed = sc.measure(change, cleaned)
    finally:
        client.close()
        cluster.close()
    assert distributed.seconds > 0 and sc.same_results(single.results, distributed.results)
    assert distributed.peak_mb > distributed.start_mb > 0     # workers counted


def test_trim_memory_true_keeps_dasks_setting():
    client, cluster = sc.start_cluster(n_workers=1, memory_limit="800MB", trim_memory=True)
    try:
        trim = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
    finally:
        client.close()
        cluster.close()
    assert set(trim.values()) == {"65536"}


def test_overlap_explorer_and_figures():
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
    fig = sp.speedup_figure({"one process": 10.0, "2 workers": 6.0}, "one process",
                            memory_mb={"one process": 1560.0, "2 workers": 1100.0})
    assert len(fig.axes) == 2 and "1560 MB" in " ".join(t.get_text() for t in fig.axes[1].texts)
    assert any(line.get_xdata()[0] == sp.BINDER_BUDGET_MB for line in fig.axes[1].lines)
    with pytest.raises(ValueError, match="memory_mb"):
        sp.speedup_figure({"a": 1.0}, "a", memory_mb={"b": 3.0})


def test_mosaic_maps_figure_uses_map_coordinates_and_marks_nodata():
    from course_lib.viz import scaling_plots as sp

    data = np.zeros((3, 40, 60), np.float32)
    data[:, :5, :5] = np.nan
    data[1:, 20:25, 30:40] = 1
    maps = Raster(data, Affine(10, 0, 345000, 0, -10, 6822000), CRS.from_epsg(32632),
                  sc.MAP_BANDS)
    fig = sp.mosaic_maps_figure(maps, factor=2, step=2)
    left, right = fig.axes[0].get_xlim()
    assert (left, right) == (345.0, 345.6)                    # km, not pixel indices
    assert "EPSG:32632" in fig.axes[0].get_xlabel()
    assert "every second pixel" in fig._suptitle.get_text()
    labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert "no data (never clear)" in labels and "seam of the mirrored mosaic" in labels
    image = fig.axes[0].images[0]
    from matplotlib.colors import to_hex

    from course_lib.viz.style import NODATA_COLOR
    assert to_hex(image.get_cmap().get_bad()) == NODATA_COLOR.lower()   # the course's no data
    with pytest.raises(TypeError, match="Raster"):
        sp.mosaic_maps_figure(data)
