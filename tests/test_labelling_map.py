"""The labelling map widget (course_lib.viz.labelling_map): display placement, classes,
drawing in the browser (simulated by setting the draw control's data, as the browser does),
programmatic features, messages, save and load. Conversions and files: tests/test_labels.py."""

import sys
from pathlib import Path

import numpy as np
import pytest

from course_lib.data import labels as lb
from course_lib.data.raster import Raster
from course_lib.viz import labelling_map as lm

sys.path.insert(0, str(Path(__file__).parent))
from test_labels import (
    COLS,
    CRS_UTM,
    ROWS,
    geojson_point_at,
    geojson_polygon,
    make_raster,
)

pytest.importorskip("ipyleaflet", reason="the labelling map needs ipyleaflet")


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")


# ---------------------------------------------------------------- display placement
def test_display_reprojection_places_every_pixel_within_a_display_pixel():
    """Reproject an image of pixel indices: each display pixel must show the raster pixel
    under its centre (converted independently here, per pixel)."""
    raster = make_raster(nan_corner=False)
    index = np.arange(ROWS * COLS).reshape(ROWS, COLS)
    rgba = np.stack([index // 65536, (index // 256) % 256, index % 256,
                     np.full_like(index, 255)], -1).astype(np.uint8)
    upsample = 4
    image, transform, bounds = lm.to_web_mercator(rgba, raster, upsample=upsample)
    h, w = image.shape[:2]
    cols, rows = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    mx, my = transform @ (cols.ravel(), rows.ravel())
    from rasterio.warp import transform as warp
    ux, uy = warp(lm.WEB_MERCATOR, CRS_UTM, mx, my)
    fr, fc = lb.xy_to_fractional_rowcol(np.array(ux), np.array(uy), raster.transform)
    inside = (fr >= 0) & (fr < ROWS) & (fc >= 0) & (fc < COLS)
    shown = image[..., 3].ravel() == 255
    got = (image[..., 0].astype(int) * 65536 + image[..., 1].astype(int) * 256
           + image[..., 2]).ravel()
    expected = np.floor(fr).astype(int) * COLS + np.floor(fc).astype(int)
    assert (shown == inside).all()
    assert (got[inside] == expected[inside]).all()     # every display pixel: exact
    # so a raster pixel's edge is drawn at most half a display pixel from where it is
    assert image.shape[1] >= upsample * COLS            # a display pixel <= 1/upsample px
    # the overlay's corners (what Leaflet is given) are the Mercator grid's corners
    (south, west), (north, east) = bounds
    assert lb.lonlat_to_xy(west, north, lm.WEB_MERCATOR) == pytest.approx(
        (transform.c, transform.f), abs=1e-6)
    right, bottom = transform @ (w, h)
    assert lb.lonlat_to_xy(east, south, lm.WEB_MERCATOR) == pytest.approx((right, bottom),
                                                                          abs=1e-6)
    # a large raster gets a coarser display grid (max_pixels), never finer than its pixels
    coarse = lm.display_grid(raster, upsample=4, max_pixels=ROWS * COLS * 2)
    assert COLS <= coarse.index.shape[1] < 2 * COLS


def test_render_rgba_is_transparent_on_nodata_and_uses_style():
    raster = make_raster()
    rgba = lm.render_rgba(raster, {"bands": ("nir", "red", "green"), "vmin": 0, "vmax": 0.4})
    assert rgba.shape == (ROWS, COLS, 4) and rgba.dtype == np.uint8
    assert (rgba[:20, :30, 3] == 0).all() and (rgba[20:, 30:, 3] == 255).all()
    np.testing.assert_array_equal(rgba[25, 40, :3], np.round(np.clip(
        raster.data[[3, 0, 1], 25, 40] / 0.4, 0, 1) * 255).astype(np.uint8))
    one = lm.render_rgba(raster, {"bands": ("nir",), "cmap": "RdBu", "vmin": -1, "vmax": 1})
    assert one.shape == (ROWS, COLS, 4)
    with pytest.raises(ValueError, match="1 or 3 bands"):
        lm.render_rgba(raster, {"bands": ("nir", "red")})
    with pytest.raises(ValueError, match="Unknown style keys"):
        lm.render_rgba(raster, {"colour": "red"})
    assert lm.png_data_url(rgba).startswith("data:image/png;base64,iVBOR")


def test_fit_zoom():
    # 4.2 km of Mercator in 900 px: zoom 15 is 4.78 m per pixel (880 px), 16 too big
    assert lm.fit_zoom((0, 0, 4200, 3100), 900, 700) == 15


# ---------------------------------------------------------------- classes
def test_default_classes_are_the_study_areas_training_classes():
    from course_lib.simulator import TRAINING_CLASSES

    assert lm.default_classes() == ("landslide", *TRAINING_CLASSES)
    colours = lm.class_colours()
    assert list(colours) == list(lm.default_classes())
    assert list(colours.values()) == list(lm.OKABE_ITO)
    assert [lm.class_label(n) for n in colours] == [
        "landslide", "water", "snow / ice", "bare rock", "agriculture", "forest",
        "alpine scrub", "urban"]


def test_learners_own_classes_get_distinct_colours():
    colours = lm.class_colours(["landslide", "debris", "meadow"])
    assert colours["landslide"] == lm.OKABE_ITO[0]
    assert len(set(colours.values())) == 3
    with pytest.raises(ValueError, match="repeated"):
        lm.class_colours(["a", "a"])
    with pytest.raises(TypeError, match="list of class names"):
        lm.class_colours("landslide")
    with pytest.raises(ValueError, match="empty"):
        lm.class_colours([])


# ---------------------------------------------------------------- the widget
@pytest.fixture
def labelling_map():
    raster = make_raster()
    dndvi = Raster(data=raster.data[3:4] - raster.data[0:1], transform=raster.transform,
                   crs=raster.crs, band_names=("dNDVI",))
    return lm.LabellingMap({"true colour": (raster, {"bands": ("red", "green", "blue")}),
                            "false colour": (raster, {"bands": ("nir", "red", "green")}),
                            "dNDVI": (dndvi, {"bands": ("dNDVI",), "cmap": "RdBu"})},
                           width_px=960, height_px=720)


def test_map_is_offline_with_one_local_overlay_swapped_by_the_buttons(labelling_map):
    import ipyleaflet
    m = labelling_map
    assert not m.basemap
    assert not [layer for layer in m.map.layers if isinstance(layer, ipyleaflet.TileLayer)]
    overlays = [layer for layer in m.map.layers if isinstance(layer, ipyleaflet.ImageOverlay)]
    assert overlays == [m.overlay]
    first = m.overlay.url
    assert first.startswith("data:image/png;base64,")
    assert list(m._urls) == ["true colour"]            # the others are rendered when picked
    m.layer_picker.value = "dNDVI"
    assert m.overlay.url != first and m.overlay.url == m._urls["dNDVI"]
    m.show_layer("true colour")
    assert m.overlay.url == first and m.layer_picker.value == "true colour"
    with pytest.raises(ValueError, match="No image layer 'slope'"):
        m.show_layer("slope")
    assert m.map.zoom == 15 and m.map.interpolation == "nearest"
    assert [v for _, v in m.picker.options] == list(lm.default_classes())
    assert "snow / ice: <b>0</b> pts" in m.legend.value


def test_drawn_features_get_the_picked_class_and_bad_ones_are_refused(labelling_map):
    m = labelling_map
    raster = m.raster
    m.picker.value = "forest"
    # what the browser sends after a click with the circle-marker tool
    m.draw.data = [geojson_point_at(raster, 37, 141, 7.3, 2.1)]
    props = m.draw.data[0]["properties"]
    assert (props["class_name"], props["source"], props["label_id"]) == ("forest", "mouse", 1)
    assert props["style"]["fillColor"] == lm.class_colours()["forest"]
    assert m.messages[-1].startswith("Added forest #1. 1 point(s) so far. Classes without a "
                                     "point: landslide, water")
    m.picker.value = "landslide"
    m.draw.data = list(m.draw.data) + [geojson_polygon(raster, 60, 60, 70, 80)]
    assert m.counts["forest"] == {"points": 1, "polygons": 0}
    assert m.counts["landslide"] == {"points": 0, "polygons": 1}
    m.draw.data = list(m.draw.data) + [geojson_point_at(raster, 5, 5)]          # nodata
    assert len(m.draw.data) == 2 and "no data" in m.messages[-1]
    m.draw.data = list(m.draw.data) + [geojson_point_at(raster, -3, 50)]        # outside
    assert len(m.draw.data) == 2 and "outside the image" in m.messages[-1]
    # an edit in the browser (a dragged point) keeps its class and id
    moved = [dict(f) for f in m.draw.data]
    moved[0] = {**geojson_point_at(raster, 40, 140), "properties": moved[0]["properties"]}
    m.draw.data = moved
    features = m.features
    assert features["class_name"].tolist() == ["forest", "landslide"]
    assert lb.xy_to_rowcol(features.geometry[0].x, features.geometry[0].y,
                           raster.transform) == (40, 140)
    # a deletion in the browser
    m.draw.data = [f for f in m.draw.data if f["properties"]["class_name"] != "forest"]
    assert m.counts["forest"]["points"] == 0


def test_add_geojson_save_load_continue(labelling_map, tmp_path, capsys):
    m = labelling_map
    raster = m.raster
    assert m.check() == ["Nothing drawn yet: pick a class above the map, choose the "
                         "circle-marker tool and click on the image."]
    with pytest.raises(lb.LabellingProblem, match="No training points"):
        m.training_points()
    assert m.add_geojson(geojson_point_at(raster, 37, 141, 7.3, 2.1), "forest") == [1]
    with pytest.raises(lb.LabellingProblem, match="only for 'forest'"):
        m.training_points()
    m.add_geojson(geojson_point_at(raster, 100, 50)["geometry"], "water")
    m.add_geojson(geojson_polygon(raster, 60, 60, 70, 80), "landslide")
    with pytest.raises(lb.LabellingProblem, match="Unknown class 'cloud'"):
        m.add_geojson(geojson_point_at(raster, 100, 51), "cloud")
    with pytest.raises(lb.LabellingProblem, match="Feature 2 of 2: That was outside the image"):
        m.add_geojson([geojson_point_at(raster, 100, 52), geojson_point_at(raster, 100, 500)],
                      "water")
    assert m.counts["water"]["points"] == 1                   # nothing added from that list
    problems = m.check(min_points=1)
    assert problems == ["Fewer than 1 point(s) for: landslide, snow / ice, bare rock, "
                        "agriculture, alpine scrub, urban. Pick each of them above the map and "
                        "click some of its pixels."]
    points = m.training_points()
    assert points[["row", "col"]].values.tolist() == [[37, 141], [100, 50]]
    assert points["source"].tolist() == ["code", "code"]
    assert m.polygon_mask().sum() == 200

    path = m.save(tmp_path / "labels.gpkg")
    with pytest.raises(FileExistsError):
        m.save(path)
    m.save(path, overwrite=True)
    again = lm.LabellingMap({"true colour": raster})
    assert again.load(path) == 3
    assert again.features.drop(columns="geometry").equals(m.features.drop(columns="geometry"))
    for a, b in zip(again.features.geometry, m.features.geometry):
        assert a.equals_exact(b, 1e-6)
    with pytest.raises(lb.LabellingProblem, match="replace=True"):
        again.load(path)
    assert again.add_geojson(geojson_point_at(raster, 120, 120), "urban") == [4]   # ids go on


def test_bulk_features_and_top_up_only_where_the_learner_drew_too_few(labelling_map):
    m = labelling_map
    raster = m.raster
    m.picker.value = "water"
    m.draw.data = [geojson_point_at(raster, 100, 50)]             # the learner's own click
    candidates = []
    for i, name in enumerate(["water", "forest", "water", "forest", "forest", "landslide"]):
        feature = geojson_point_at(raster, 40 + 10 * i, 100)
        feature["properties"] = {"class_name": name}
        candidates.append(feature)
    outline = geojson_polygon(raster, 60, 60, 70, 80)
    outline["properties"] = {"class_name": "landslide"}
    added = m.top_up(candidates + [outline, outline], {"water": 2, "forest": 2, "landslide": 1},
                     polygons=1)
    assert added == {"water": 1, "forest": 2, "landslide": 1, "landslide polygons": 1}
    table = m.count_table()
    assert table.loc["water", "points"] == 2 and table.loc["water",
                                                           "of them drawn with the mouse"] == 1
    assert table.loc["total", "points"] == 5 and table.loc["total", "polygons"] == 1
    sources = m.features["source"].tolist()
    assert sources == ["mouse"] + ["simulated learner"] * 5
    assert m.top_up(candidates, {"water": 2, "forest": 2, "landslide": 1}) == {}
    # a candidate on a pixel the learner already clicked (same class) is not added again
    again = lm.LabellingMap({"image": raster})
    again.picker.value = "water"
    again.draw.data = [geojson_point_at(raster, 40, 100)]       # = the first candidate
    assert again.top_up(candidates, {"water": 2}) == {"water": 1}
    rows = lb.xy_to_rowcol(again.features.geometry.x, again.features.geometry.y,
                           raster.transform)[0]
    assert sorted(rows.tolist()) == [40, 60]


def test_results_over_the_image(labelling_map):
    m = labelling_map
    rgba = np.zeros(m.raster.shape + (4,), np.uint8)
    rgba[60:70, 60:80] = (213, 94, 0, 255)
    m.add_result("your landslide map", rgba)
    assert m.result_picker.options == ("none", "your landslide map")
    overlay = m.results["your landslide map"]
    assert overlay in m.map.layers and overlay.visible and overlay.pane == lm.RESULT_PANE
    m.result_picker.value = "none"
    assert not overlay.visible
    with pytest.raises(ValueError, match="rgba must be uint8"):
        m.add_result("wrong", rgba[:10])


def test_basemap_only_when_online(monkeypatch):
    import ipyleaflet

    from course_lib.data import online

    raster = make_raster()
    asked = []
    monkeypatch.setattr(online, "network_available",
                        lambda host, timeout=3.0: asked.append(host) or False)
    offline_map = lm.LabellingMap({"image": raster})
    assert asked == [lm.TILE_HOST] and not offline_map.basemap
    online_map = lm.LabellingMap({"image": raster}, basemap=True)
    tiles = [layer for layer in online_map.map.layers if isinstance(layer, ipyleaflet.TileLayer)]
    assert len(tiles) == 1 and "openstreetmap" in tiles[0].url
    assert online_map.map.layers[0] is tiles[0]          # under the images


def test_bad_layers_say_what_to_pass():
    raster = make_raster()
    with pytest.raises(TypeError, match="layers must be a dict"):
        lm.LabellingMap([raster])
    series = Raster(data=raster.data[None], transform=raster.transform, crs=raster.crs,
                    band_names=raster.band_names)
    with pytest.raises(ValueError, match="time series.*pick one date"):
        lm.LabellingMap({"series": series})
