"""The labelling map: exact coordinate conversions, display placement, save/load, helpers.

The widget tests need ipyleaflet (not yet a course dependency) and skip without it; the
conversions, the display reprojection, the GeoPackage functions and the helpers do not.
"""

import os

import numpy as np
import pytest
from affine import Affine
from rasterio.crs import CRS

from course_lib.data.raster import Raster
from course_lib.viz import labelling_map as lm

RES = 10.0
ROWS, COLS = 150, 200
#: Upper-left corner of the grid: UTM 32N near 61.5 N, 6.2 E (west of the zone's centre, so
#: grid north and map north differ by about 2.5 degrees).
X0, Y0 = 350_980.0, 6_821_690.0
CRS_UTM = CRS.from_epsg(32632)


def make_raster(nan_corner: bool = True) -> Raster:
    rng = np.random.default_rng(0)
    data = rng.uniform(0.02, 0.4, size=(4, ROWS, COLS)).astype(np.float32)
    if nan_corner:
        data[:, :20, :30] = np.nan       # nodata in the upper-left corner
    return Raster(data=data, transform=Affine(RES, 0, X0, 0, -RES, Y0), crs=CRS_UTM,
                  band_names=("red", "green", "blue", "nir"))


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")


# ---------------------------------------------------------------- conversions
def test_lonlat_order_and_known_utm_values():
    assert lm.lonlat_to_xy(9.0, 0.0, "EPSG:32632") == pytest.approx((500_000.0, 0.0), abs=1e-6)
    x, y = lm.lonlat_to_xy(6.2, 61.5, CRS_UTM)
    assert 340_000 < x < 360_000 and 6_810_000 < y < 6_830_000   # x is easting (lon first)
    pyproj = pytest.importorskip("pyproj")
    ref = pyproj.Transformer.from_crs(4326, 32632, always_xy=True).transform(6.2, 61.5)
    assert (x, y) == pytest.approx(ref, abs=1e-6)


@pytest.mark.parametrize("row, col, dx, dy", [
    (37, 141, 7.3, 2.1),          # off-centre
    (0, 0, 0.01, 0.01),           # 1 mm inside the upper-left corner of the grid
    (149, 199, 9.99, 9.99),       # 1 mm inside the lower-right corner
    (88, 12, 9.999, 0.001),       # 0.1 mm from a pixel edge
])
def test_lonlat_to_rowcol_is_exact_to_a_pixel(row, col, dx, dy):
    raster = make_raster()
    x, y = X0 + col * RES + dx, Y0 - row * RES - dy
    lon, lat = lm.xy_to_lonlat(x, y, CRS_UTM)
    assert lm.lonlat_to_rowcol(lon, lat, raster) == (row, col)
    frac = lm.xy_to_fractional_rowcol(*lm.lonlat_to_xy(lon, lat, CRS_UTM), raster.transform)
    assert frac == pytest.approx((row + dy / RES, col + dx / RES), abs=1e-6)   # < 10 micrometres


def test_rowcol_to_lonlat_round_trip_lands_on_pixel_centres():
    raster = make_raster()
    rows, cols = np.array([0, 37, 100, 149]), np.array([0, 141, 7, 199])
    lon, lat = lm.rowcol_to_lonlat(rows, cols, raster)
    back = lm.lonlat_to_rowcol(lon, lat, raster)
    np.testing.assert_array_equal(back[0], rows)
    np.testing.assert_array_equal(back[1], cols)
    frac = lm.xy_to_fractional_rowcol(*lm.lonlat_to_xy(lon, lat, CRS_UTM), raster.transform)
    np.testing.assert_allclose(frac[0], rows + 0.5, atol=1e-7)
    np.testing.assert_allclose(frac[1], cols + 0.5, atol=1e-7)
    ul = lm.rowcol_to_lonlat(37, 141, raster, offset="ul")
    assert lm.lonlat_to_xy(*ul, CRS_UTM) == pytest.approx((X0 + 1410, Y0 - 370), abs=1e-6)


def test_polygon_conversion_matches_point_conversion():
    from shapely.geometry import Polygon
    ring = [(6.20, 61.50), (6.21, 61.50), (6.21, 61.505), (6.20, 61.50)]
    poly = lm.transform_geometry(Polygon(ring), lm.LONLAT, CRS_UTM)
    xs, ys = lm.lonlat_to_xy([p[0] for p in ring], [p[1] for p in ring], CRS_UTM)
    np.testing.assert_allclose(np.array(poly.exterior.coords), np.column_stack([xs, ys]),
                               atol=1e-9)


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
    fr, fc = lm.xy_to_fractional_rowcol(np.array(ux), np.array(uy), raster.transform)
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
    assert lm.lonlat_to_xy(west, north, lm.WEB_MERCATOR) == pytest.approx(
        (transform.c, transform.f), abs=1e-6)
    right, bottom = transform @ (w, h)
    assert lm.lonlat_to_xy(east, south, lm.WEB_MERCATOR) == pytest.approx((right, bottom),
                                                                          abs=1e-6)


def test_render_rgba_is_transparent_on_nodata_and_uses_style():
    raster = make_raster()
    rgba = lm.render_rgba(raster, {"bands": ("nir", "red", "green"), "vmin": 0, "vmax": 0.4})
    assert rgba.shape == (ROWS, COLS, 4) and rgba.dtype == np.uint8
    assert (rgba[:20, :30, 3] == 0).all() and (rgba[20:, 30:, 3] == 255).all()
    one = lm.render_rgba(raster, {"bands": ("nir",), "cmap": "RdBu", "vmin": -1, "vmax": 1})
    assert one.shape == (ROWS, COLS, 4)
    with pytest.raises(ValueError, match="1 or 3 bands"):
        lm.render_rgba(raster, {"bands": ("nir", "red")})
    assert lm.png_data_url(rgba).startswith("data:image/png;base64,iVBOR")


def test_fit_zoom():
    # 4.2 km of Mercator in 900 px: zoom 15 is 4.78 m per pixel (880 px), 16 too big
    assert lm.fit_zoom((0, 0, 4200, 3100), 900, 700) == 15


# ---------------------------------------------------------------- features, helpers, files
def geojson_point_at(raster, row, col, dx=5.0, dy=5.0):
    lon, lat = lm.xy_to_lonlat(X0 + col * RES + dx, Y0 - row * RES - dy, raster.crs)
    return {"type": "Feature", "properties": {"style": {}, "type": "circlemarker"},
            "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def geojson_polygon(raster, r0, c0, r1, c1):
    """A polygon along pixel edges: rows r0..r1-1 and cols c0..c1-1 inside."""
    corners = [(c0, r0), (c1, r0), (c1, r1), (c0, r1), (c0, r0)]
    xs = [X0 + c * RES for c, _ in corners]
    ys = [Y0 - r * RES for _, r in corners]
    lon, lat = lm.xy_to_lonlat(xs, ys, raster.crs)
    return {"type": "Feature", "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [list(map(list, zip(lon, lat)))]}}


def feature_frame(raster, specs):
    """GeoDataFrame of features: specs are (class, geojson)."""
    data = []
    for i, (name, feature) in enumerate(specs, 1):
        data.append({**feature, "properties": {"class_name": name, "label_id": i}})
    return lm.features_from_geojson(data, raster.crs)


def test_points_to_frame_rows_cols_and_messages(capsys):
    raster = make_raster()
    frame = feature_frame(raster, [
        ("forest", geojson_point_at(raster, 37, 141, dx=7.3, dy=2.1)),
        ("water", geojson_point_at(raster, 100, 50)),
        ("water", geojson_point_at(raster, 5, 5)),          # nodata corner
        ("forest", geojson_point_at(raster, 200, 50)),      # below the raster
        ("landslide", geojson_polygon(raster, 60, 60, 70, 80)),
    ])
    points = lm.points_to_frame(frame, raster, lm.DEFAULT_CLASSES)
    assert list(points.columns) == ["label_id", "class_name", "class_id", "row", "col",
                                    "geometry"]
    assert points[["row", "col"]].values.tolist() == [[37, 141], [100, 50]]
    assert points["class_id"].tolist() == [6, 2]
    assert points.crs == raster.crs
    assert "Left out 2 point(s): 1 on nodata, 1 outside the image." in capsys.readouterr().out


def test_points_to_frame_says_what_is_missing():
    raster = make_raster()
    with pytest.raises(lm.LabellingProblem, match="No training points yet"):
        lm.points_to_frame(feature_frame(raster, []), raster)
    one = feature_frame(raster, [("forest", geojson_point_at(raster, 50, 50)),
                                 ("forest", geojson_point_at(raster, 60, 60))])
    with pytest.raises(lm.LabellingProblem, match="at least two classes.*only for 'forest'"):
        lm.points_to_frame(one, raster)
    # IPython shows the message alone, no traceback
    problem = lm.LabellingProblem("No training points yet.")
    assert problem._render_traceback_() == ["Labelling problem: No training points yet."]


def test_polygons_to_mask_on_the_grid():
    raster = make_raster()
    frame = feature_frame(raster, [("landslide", geojson_polygon(raster, 60, 60, 70, 80)),
                                   ("landslide", geojson_polygon(raster, 10, 150, 12, 153)),
                                   ("water", geojson_polygon(raster, 100, 100, 120, 120)),
                                   ("forest", geojson_point_at(raster, 1, 1))])
    mask = lm.polygons_to_mask(frame, raster, "landslide")
    assert mask.dtype == np.uint8 and mask.shape == (ROWS, COLS)
    expected = np.zeros((ROWS, COLS), np.uint8)
    expected[60:70, 60:80] = 1
    expected[10:12, 150:153] = 1
    np.testing.assert_array_equal(mask, expected)
    assert lm.polygons_to_mask(frame, raster, None).sum() == 200 + 6 + 400
    with pytest.raises(lm.LabellingProblem, match="No 'urban' polygons"):
        lm.polygons_to_mask(frame, raster, "urban")


def test_save_load_round_trip_and_refuses_to_overwrite(tmp_path):
    raster = make_raster()
    frame = feature_frame(raster, [("forest", geojson_point_at(raster, 37, 141, 7.3, 2.1)),
                                   ("water", geojson_point_at(raster, 100, 50)),
                                   ("landslide", geojson_polygon(raster, 60, 60, 70, 80))])
    classes = {"forest": "#009E73", "water": "#0072B2", "landslide": "#D55E00",
               "moraine": "#777777"}
    path = tmp_path / "labels.gpkg"
    assert lm.save_labels(frame, path, classes) == path
    loaded, loaded_classes = lm.load_labels(path)
    assert loaded_classes == classes                      # order kept
    assert loaded.crs == raster.crs
    assert loaded["class_name"].tolist() == ["forest", "water", "landslide"]
    assert loaded["kind"].tolist() == ["point", "point", "polygon"]
    for a, b in zip(loaded.geometry, frame.geometry):
        assert a.equals_exact(b, 1e-6)
    # no temporary files left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.gpkg"]
    with pytest.raises(FileExistsError, match="overwrite=True"):
        lm.save_labels(frame, path, classes)
    with pytest.raises(lm.LabellingProblem, match="Nothing to save"):
        lm.save_labels(frame.iloc[:0], tmp_path / "empty.gpkg")
    with pytest.raises(ValueError, match=".gpkg"):
        lm.save_labels(frame, tmp_path / "labels.shp")


def test_overwrite_keeps_other_layers_and_a_broken_file_is_never_replaced(tmp_path):
    import geopandas as gpd
    import pyogrio
    from shapely.geometry import Point

    raster = make_raster()
    path = tmp_path / "project.gpkg"
    other = gpd.GeoDataFrame({"name": ["road"]}, geometry=[Point(X0, Y0)], crs=raster.crs)
    pyogrio.write_dataframe(other, path, layer="roads", driver="GPKG")
    first = feature_frame(raster, [("forest", geojson_point_at(raster, 1, 100)),
                                   ("water", geojson_point_at(raster, 2, 100))])
    lm.save_labels(first, path, overwrite=True)
    second = feature_frame(raster, [("urban", geojson_point_at(raster, 3, 100))])
    lm.save_labels(second, path, overwrite=True)
    layers = sorted(pyogrio.list_layers(path)[:, 0])
    assert layers == ["label_classes", "label_points", "label_polygons", "roads"]
    assert pyogrio.read_dataframe(path, layer="roads")["name"].tolist() == ["road"]
    loaded, classes = lm.load_labels(path)
    assert loaded["class_name"].tolist() == ["urban"] and list(classes) == ["urban"]

    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"not a geopackage")
    with pytest.raises(ValueError, match="not a readable GeoPackage"):
        lm.save_labels(first, broken, overwrite=True)
    assert broken.read_bytes() == b"not a geopackage"
    with pytest.raises(ValueError, match="no labelling layers"):
        other.to_file(tmp_path / "roads.gpkg", layer="roads", engine="pyogrio")
        lm.load_labels(tmp_path / "roads.gpkg")


def test_interrupted_save_leaves_the_old_file(tmp_path, monkeypatch):
    raster = make_raster()
    frame = feature_frame(raster, [("forest", geojson_point_at(raster, 1, 100)),
                                   ("water", geojson_point_at(raster, 2, 100))])
    path = tmp_path / "labels.gpkg"
    lm.save_labels(frame, path)
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(KeyboardInterrupt):
        lm.save_labels(frame.iloc[:1], path, overwrite=True)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.gpkg"]


# ---------------------------------------------------------------- the widget
@pytest.fixture
def labelling_map():
    pytest.importorskip("ipyleaflet", reason="the labelling map needs ipyleaflet")
    raster = make_raster()
    dndvi = Raster(data=raster.data[3:4] - raster.data[0:1], transform=raster.transform,
                   crs=raster.crs, band_names=("dNDVI",))
    return lm.LabellingMap({"true colour": (raster, {"bands": ("red", "green", "blue")}),
                            "false colour": (raster, {"bands": ("nir", "red", "green")}),
                            "dNDVI": (dndvi, {"bands": ("dNDVI",), "cmap": "RdBu"})},
                           width_px=960, height_px=720)


def test_map_is_offline_with_local_overlays(labelling_map):
    import ipyleaflet
    m = labelling_map
    assert not m.basemap
    assert not [layer for layer in m.map.layers if isinstance(layer, ipyleaflet.TileLayer)]
    overlays = [layer for layer in m.map.layers if isinstance(layer, ipyleaflet.ImageOverlay)]
    assert [o.name for o in overlays] == ["true colour", "false colour", "dNDVI"]
    assert all(o.url.startswith("data:image/png;base64,") for o in overlays)
    assert [o.visible for o in overlays] == [True, False, False]
    m.layer_picker.value = "dNDVI"
    assert [o.visible for o in overlays] == [False, False, True]
    assert m.map.zoom == 15 and m.map.interpolation == "nearest"
    assert list(m.picker.options) == list(lm.DEFAULT_CLASSES)
    assert "landslide: <b>0</b> pts" in m.legend.value


def test_drawn_features_get_the_picked_class_and_bad_ones_are_refused(labelling_map):
    m = labelling_map
    raster = m.raster
    m.picker.value = "forest"
    # what the browser sends after a click with the circle-marker tool
    m.draw.data = [geojson_point_at(raster, 37, 141, 7.3, 2.1)]
    assert m.draw.data[0]["properties"]["class_name"] == "forest"
    assert m.draw.data[0]["properties"]["style"]["fillColor"] == lm.DEFAULT_COLOURS["forest"]
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
    assert lm.xy_to_rowcol(features.geometry[0].x, features.geometry[0].y,
                           raster.transform) == (40, 140)
    # a deletion in the browser
    m.draw.data = [f for f in m.draw.data if f["properties"]["class_name"] != "forest"]
    assert m.counts["forest"]["points"] == 0


def test_add_geojson_save_load_continue(labelling_map, tmp_path):
    m = labelling_map
    raster = m.raster
    assert m.check() == ["Nothing drawn yet."]
    with pytest.raises(lm.LabellingProblem, match="No training points"):
        m.training_points()
    m.add_geojson(geojson_point_at(raster, 37, 141, 7.3, 2.1), "forest")
    with pytest.raises(lm.LabellingProblem, match="only for 'forest'"):
        m.training_points()
    m.add_geojson(geojson_point_at(raster, 100, 50)["geometry"], "water")
    m.add_geojson(geojson_polygon(raster, 60, 60, 70, 80), "landslide")
    with pytest.raises(lm.LabellingProblem, match="Unknown class 'cloud'"):
        m.add_geojson(geojson_point_at(raster, 100, 51), "cloud")
    with pytest.raises(lm.LabellingProblem, match="outside the image"):
        m.add_geojson(geojson_point_at(raster, 100, 500), "water")
    assert m.check() == []
    points = m.training_points()
    assert points[["row", "col"]].values.tolist() == [[37, 141], [100, 50]]
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
    with pytest.raises(lm.LabellingProblem, match="replace=True"):
        again.load(path)
    assert again.add_geojson(geojson_point_at(raster, 120, 120), "urban") == 4   # ids go on


def test_learners_own_classes_get_distinct_colours():
    colours = lm._class_colours(["landslide", "debris", "meadow"])
    assert colours["landslide"] == lm.DEFAULT_COLOURS["landslide"]
    assert len(set(colours.values())) == 3
    with pytest.raises(ValueError, match="repeated"):
        lm._class_colours(["a", "a"])
    with pytest.raises(TypeError, match="list of class names"):
        lm._class_colours("landslide")


def test_basemap_only_when_online(monkeypatch):
    pytest.importorskip("ipyleaflet", reason="the labelling map needs ipyleaflet")
    import ipyleaflet
    from course_lib.data import online

    raster = make_raster()
    asked = []
    monkeypatch.setattr(online, "network_available",
                        lambda host, timeout=3.0: asked.append(host) or False)
    offline_map = lm.LabellingMap({"image": raster})
    assert asked == [lm.TILE_HOST] and not offline_map.basemap
    assert not any(isinstance(c, ipyleaflet.LayersControl) for c in offline_map.map.controls)
    online_map = lm.LabellingMap({"image": raster}, basemap=True)
    tiles = [layer for layer in online_map.map.layers if isinstance(layer, ipyleaflet.TileLayer)]
    assert len(tiles) == 1 and "openstreetmap" in tiles[0].url
    assert online_map.map.layers[0] is tiles[0]          # under the images
    assert any(isinstance(c, ipyleaflet.LayersControl) for c in online_map.map.controls)
