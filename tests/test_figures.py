"""The course's figure rules (:mod:`course_lib.viz.style`) hold in the figures it draws.

(a) no red-green colour map, in the sources and in the images the plots draw; (b) no data is
drawn in the no-data colour, which no colour map of the course contains; (c) map axes carry
units; (d) land-cover and class colours stay apart for colour-blind readers; (e) layers and
segment edges land where they belong, north up. The plots run on small made-up data.
"""

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from affine import Affine  # noqa: E402
from matplotlib import colormaps, colors  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402

from course_lib import metrics  # noqa: E402
from course_lib.clouds import CloudMasks  # noqa: E402
from course_lib.data.raster import Raster  # noqa: E402
from course_lib.viz import (cart_plots, change_plots, cloud_plots, composite_plots,  # noqa: E402
                            evaluation_plots, obia_plots, study_area_plots, style)

ROOT = Path(__file__).resolve().parents[1]
VISIONS = ("normal", "deuteranopia", "protanopia")
NODATA_RGBA = colors.to_rgba(style.NODATA_COLOR)


# --------------------------------------------------------------------------- made-up data
def _rng():
    return np.random.default_rng(2019)


def _with_nan(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=float)
    array[..., :4, :6] = np.nan              # a cloud in the north-west corner
    return array


def _raster(data: np.ndarray, bands=("B02", "B03", "B04", "B08")) -> Raster:
    return Raster(data=data, transform=Affine(10, 0, 345000, 0, -10, 6822000), crs="EPSG:32632",
                  band_names=tuple(bands[:data.shape[0]]))


def _figures():
    """(name, figure) of the course's plots drawn on 40 x 50 made-up layers with no data."""
    rng = _rng()
    shape = (40, 50)
    truth = np.zeros(shape, bool)
    truth[20:30, 30:40] = True
    extent = _raster(np.zeros((1,) + shape)).extent
    ndvi_pre, ndvi_post = _with_nan(rng.uniform(0, 0.9, shape)), rng.uniform(-0.2, 0.9, shape)
    change = _with_nan(rng.normal(0, 2, shape))
    refl = _with_nan(rng.uniform(0, 0.3, (4,) + shape))
    rgb = np.moveaxis(refl[[2, 1, 0]] / 0.3, 0, -1)
    probability = _with_nan(rng.uniform(0, 1, shape))
    codes = rng.integers(0, 4, shape).astype(np.uint8)
    codes[:4, :6] = metrics.NODATA
    labels = np.repeat(np.repeat(np.arange(1, 21).reshape(4, 5), 10, 0), 10, 1)
    classes = _with_nan(rng.integers(0, 8, shape))
    names = list(style.CLASS_COLORS)
    masks = CloudMasks(cloud=truth, shadow=np.zeros(shape, bool), snow=np.zeros(shape, bool),
                       nodata=np.isnan(refl[0]))
    stack = _with_nan(rng.uniform(0, 0.3, (3, 4) + shape))
    dates = np.array(["2019-08-01", "2019-08-06", "2019-08-11"], dtype="datetime64[D]")
    return [
        ("ndvi_change_figure", change_plots.ndvi_change_figure(ndvi_pre, ndvi_post,
                                                               extent=extent)),
        ("change_panels", change_plots.change_panels(
            {"dNDVI": change, "VV (dB)": change - 10}, outline=truth, extent=extent,
            cmaps={"VV (dB)": "db"})),
        ("slope_correction_panels", change_plots.slope_correction_panels(
            change - 10, change - 10, truth, ~truth, extent=extent)),
        ("log_ratio_threshold_explorer",
         change_plots.log_ratio_threshold_explorer(change, truth)[0]),
        ("composites_change_figure", composite_plots.composites_change_figure(
            _raster(refl), _raster(refl), change)),
        ("composite_window_explorer", composite_plots.composite_window_explorer(
            stack, np.isfinite(stack[:, 0]), dates, dates[0], dates[-1], rgb_bands=(2, 1, 0),
            red_band=2, nir_band=3, extent=extent)[0]),
        ("index_browser", composite_plots.index_browser(
            "NDVI", {b: refl[i] for i, b in enumerate(("B02", "B03", "B04", "B08"))},
            extent=extent)[0]),
        ("s2cloudless_explorer", cloud_plots.s2cloudless_explorer(probability, rgb,
                                                                  extent=extent)[0]),
        ("mask_overlay_figure", cloud_plots.mask_overlay_figure(rgb, masks, extent=extent)),
        ("plot_segments", obia_plots.plot_segments(
            obia_plots.display_rgb(np.moveaxis(refl[:3], 0, -1)), labels, truth=truth,
            extent=extent).figure),
        ("plot_probability_map", obia_plots.plot_probability_map(probability, truth,
                                                                 extent=extent)),
        ("plot_confusion_map", evaluation_plots.plot_confusion_map(codes, extent=extent)),
        ("plot_classification_steps", cart_plots.plot_classification_steps(
            classes, names, (classes == 0).astype(float), (classes == 0).astype(float),
            (slice(None), slice(None), extent), truth=truth)),
    ]


FIGURES = _figures()


def _images(fig: Figure) -> list[AxesImage]:
    return [im for ax in fig.axes for im in ax.get_images()]


def _drawn_rgb(image: AxesImage) -> np.ndarray:
    """The colours an image draws, pixel by pixel (colour map, norm and bad colour applied)."""
    array = image.get_array()
    if array.ndim == 3:
        return np.asarray(array, dtype=float)[..., :3] / (255.0 if array.dtype == np.uint8 else 1)
    return image.to_rgba(array)[..., :3]


def _has_nodata(image: AxesImage) -> bool:
    """Whether some pixel is drawn in the no-data colour."""
    return bool(np.any(np.all(np.isclose(_drawn_rgb(image), NODATA_RGBA[:3], atol=2e-3), -1)))


# --------------------------------------------------------------------------- (a) no red-green
def _colormap_names_in(path: Path) -> set[str]:
    """Every quoted string in a source file that names a matplotlib colour map."""
    code = "\n".join(line for line in path.read_text().splitlines() if ">>>" not in line)
    strings = set(re.findall(r"[\"']([A-Za-z][A-Za-z0-9_]*)[\"']", code))
    return {s for s in strings if s in colormaps and len(s) > 2}


#: Sources that still name a red-green map, and what their owner should do (a notebook cell is
#: changed by the notebooks' authors; the test fails, strict, once it is fixed).
STILL_RED_GREEN: dict[str, str] = {}


def _sources():
    paths = sorted((ROOT / "course_lib" / "viz").glob("*.py")) + sorted(
        (ROOT / "notebooks_src").glob("*.py"))
    return [pytest.param(p, marks=pytest.mark.xfail(reason=STILL_RED_GREEN[p.name], strict=True))
            if p.name in STILL_RED_GREEN else p for p in paths]


def test_red_green_detector_knows_the_usual_suspects():
    for name in ("RdYlGn", "RdYlGn_r", "Spectral", "jet", "turbo", "hsv", "RdGy_r"):
        if name == "RdGy_r":
            assert not style.is_red_green(name)        # red-grey: no green
            continue
        assert style.is_red_green(name), name
    for name in style.COLORMAPS.values():
        assert not style.is_red_green(name), name
    for name in ("PRGn", "BrBG", "PuOr", "viridis", "cividis", "magma", "gray", "YlGn"):
        assert not style.is_red_green(name), name


@pytest.mark.parametrize("path", _sources(), ids=lambda p: getattr(p, "name", str(p)))
def test_no_source_names_a_red_green_colour_map(path):
    bad = sorted(n for n in _colormap_names_in(path) if style.is_red_green(n))
    assert not bad, (f"{path.relative_to(ROOT)} uses red-green colour maps {bad}: use "
                     "course_lib.viz.style's kinds ('ndvi', 'change', 'probability', ...)")


@pytest.mark.parametrize("name, fig", FIGURES, ids=[n for n, _ in FIGURES])
def test_drawn_images_use_no_red_green_colour_map(name, fig):
    """Continuous maps hold no red and green; the colours of a categorical one (a few classes)
    stay apart for deuteranopes and protanopes."""
    images = [im for im in _images(fig) if im.get_array().ndim == 2]
    if not images:                                  # photographs (RGB) only
        assert all(im.get_array().ndim == 3 for im in _images(fig)), name
    for image in images:
        cmap = image.get_cmap()
        if isinstance(cmap, colors.ListedColormap) and cmap.N <= 16:
            assert style.min_colour_distance(cmap.colors, VISIONS) >= 10, name
        else:
            assert not style.is_red_green(cmap), f"{name}: {cmap.name}"


# --------------------------------------------------------------------------- (b) no data
def test_nodata_colour_is_in_no_colour_map_or_palette_of_the_course():
    from course_lib.viz.data_tour import FMASK_COLOURS

    palettes = [list(style.LANDCOVER_COLORS.values()), list(style.CLASS_COLORS.values()),
                [evaluation_plots.CONFUSION_COLORS[c]
                 for c in (metrics.TP, metrics.FP, metrics.FN, metrics.TN)],
                [c for k, c in FMASK_COLOURS.items() if k != 255],
                [c for k, c in cloud_plots.MASK_COLOURS.items() if k != "nodata"]]
    samples = [colormaps[n](np.linspace(0, 1, 64))[:, :3] for n in set(style.COLORMAPS.values())]
    for vision in VISIONS:
        for colours in palettes + samples:
            distance = style.colour_distance([style.NODATA_COLOR], colours, vision)
            assert distance.min() >= 10, (vision, distance.min())


@pytest.mark.parametrize("name, fig", FIGURES, ids=[n for n, _ in FIGURES])
def test_nan_is_drawn_in_the_nodata_colour(name, fig):
    images = _images(fig)
    with_nodata = [im for im in images if _has_nodata(im)]
    assert with_nodata, f"{name}: no image shows the made-up no data"
    for image in images:
        if image.get_array().ndim == 2:
            assert colors.to_hex(image.get_cmap().get_bad()) == style.NODATA_COLOR.lower(), \
                f"{name}: NaN drawn in {colors.to_hex(image.get_cmap().get_bad())}"
            cmap = image.get_cmap()
            drawn = cmap(np.linspace(0, 1, 64))[:, :3]
            if image.norm.__class__.__name__ == "BoundaryNorm":     # classes: all but no data
                drawn = np.array([colors.to_rgb(c) for c in cmap.colors
                                  if colors.to_hex(c) != style.NODATA_COLOR.lower()])
            for vision in VISIONS:
                distance = style.colour_distance([style.NODATA_COLOR], drawn, vision).min()
                assert distance >= 10, (name, vision, distance)


@pytest.mark.parametrize("name, fig", FIGURES, ids=[n for n, _ in FIGURES])
def test_the_nodata_colour_is_named_in_a_legend_or_colour_bar(name, fig):
    fig.canvas.draw()
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    assert any(re.search(r"no ?data", t) for t in texts), f"{name} does not say what orchid is"


def test_rgb_with_nan_is_drawn_in_the_nodata_colour():
    rgb = np.full((3, 4, 3), 0.5)
    rgb[1, 2, 0] = np.nan
    fig = Figure()
    image = style.image_layer(fig.subplots(), rgb)
    drawn = np.asarray(image.get_array())
    assert np.allclose(drawn[1, 2], NODATA_RGBA) and np.allclose(drawn[0, 0, :3], 0.5)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["no data"]


# --------------------------------------------------------------------------- (c) map axes
def _has_scale_bar(ax) -> bool:
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    return any(isinstance(a, AnchoredSizeBar) for a in ax.artists)


def test_map_axes_in_km_with_labels_and_no_offset():
    extent = _raster(np.zeros((1, 40, 50))).extent       # UTM: x ~ 345 km, y ~ 6822 km
    fig = Figure()
    ax = fig.subplots()
    style.image_layer(ax, np.zeros((40, 50)), "ndvi", extent=extent)
    style.map_axes(ax, extent, crs="UTM 32N")
    fig.canvas.draw()
    assert ax.get_xlabel() == "easting (km, UTM 32N)" and "northing (km" in ax.get_ylabel()
    assert ax.xaxis.get_offset_text().get_text() == ""
    assert ax.yaxis.get_offset_text().get_text() == ""
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert ticks and all(6821 <= float(t) <= 6822.5 for t in ticks), ticks
    assert "e" not in "".join(ticks)


@pytest.mark.parametrize("name, fig", FIGURES, ids=[n for n, _ in FIGURES])
def test_every_map_panel_has_units(name, fig):
    """Each panel with an image has km (or labelled) axes, or no ticks and a scale bar."""
    fig.canvas.draw()
    for ax in fig.axes:
        if not ax.get_images() or ax.get_label() == "<colorbar>":
            continue
        ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        if ticks:
            assert "km" in ax.get_xlabel() and "km" in ax.get_ylabel(), \
                f"{name}: ticks {ticks[:3]} without units"
            assert ax.xaxis.get_offset_text().get_text() == "", name
    panels = [ax for ax in fig.axes if ax.get_images()]
    labelled = [ax for ax in panels if "km" in ax.get_xlabel() or _has_scale_bar(ax)]
    if name in {"ndvi_change_figure", "composites_change_figure", "plot_probability_map",
                "change_panels"}:
        assert len(labelled) == len(panels), f"{name}: a map panel without units"


def test_study_area_panels_are_in_km():
    fig, _ = study_area_plots.explore_world(size=64, n_landslides=3)
    panels = [ax for ax in fig.axes if ax.get_images()]
    assert panels and all(_has_scale_bar(ax) for ax in panels)
    for image in _images(fig):
        cmap = image.get_cmap()
        if isinstance(cmap, colors.ListedColormap) and cmap.N == len(study_area_plots.SCL_COLORS):
            # Sentinel-2's scene classification keeps ESA's own legend (red = saturated,
            # green = vegetation), the one trainees meet in the Copernicus Browser and in
            # Earth Engine; the figure names every class in a legend.
            assert [colors.to_hex(c) for c in cmap.colors] == [
                c.lower() for c in study_area_plots.SCL_COLORS.values()]
        else:
            assert not style.is_red_green(cmap)
        if image.get_array().ndim == 2:
            assert colors.to_hex(image.get_cmap().get_bad()) == style.NODATA_COLOR.lower()


# --------------------------------------------------------------------------- (d) colour vision
def test_simulated_deuteranopia_merges_red_and_green():
    """The simulation works: red and green, far apart normally, come close for deuteranopes."""
    normal = style.colour_distance(["#D62728"], ["#2CA02C"], "normal")[0, 0]
    deutan = style.colour_distance(["#D62728"], ["#2CA02C"], "deuteranopia")[0, 0]
    assert normal > 50 and deutan < normal / 2


@pytest.mark.parametrize("palette", ["LANDCOVER_COLORS", "CLASS_COLORS", "FMASK", "MASK",
                                     "CONFUSION"])
def test_categorical_colours_stay_apart_for_colour_blind_readers(palette):
    """Every pair of colours of one key, no data included, at least 12 CIEDE2000 units apart
    for normal, deuteranopic and protanopic vision (Machado et al. 2009)."""
    from course_lib.viz.data_tour import FMASK_COLOURS

    colours = {"FMASK": list(FMASK_COLOURS.values()),
               "MASK": list(cloud_plots.MASK_COLOURS.values()),
               "CONFUSION": list(evaluation_plots.CONFUSION_COLORS.values())}.get(palette)
    colours = colours or list(getattr(style, palette).values()) + [style.NODATA_COLOR]
    assert style.min_colour_distance(colours, VISIONS) >= 12


def test_land_cover_maps_and_legends_use_the_safe_colours():
    from course_lib.simulator import LANDCOVER_CLASSES

    expected = [style.LANDCOVER_COLORS[LANDCOVER_CLASSES[c]] for c in sorted(LANDCOVER_CLASSES)]
    cmap, norm = study_area_plots._landcover_cmap()
    drawn = [colors.to_hex(cmap(norm(c))) for c in sorted(LANDCOVER_CLASSES)]
    assert drawn == [c.lower() for c in expected]
    assert study_area_plots.TRAINING_POINT_COLORS == style.CLASS_COLORS
    assert cart_plots.POINT_COLORS == style.CLASS_COLORS


# --------------------------------------------------------------------------- (e) placement
def test_image_layer_is_north_up_in_map_coordinates():
    data = np.zeros((40, 50))
    data[2:6, 40:45] = 1.0                 # off-centre: north-east
    raster = _raster(data[None])
    fig = Figure()
    ax = fig.subplots()
    image = style.image_layer(ax, data, "binary", extent=raster.extent)
    left, right, bottom, top = image.get_extent()
    assert (left, right, bottom, top) == raster.extent and top > bottom
    assert ax.get_ylim()[1] > ax.get_ylim()[0], "north (larger y) must be up"
    # the bright block's centre in map coordinates is where the transform puts it
    x, y = raster.transform @ (42.5, 4.0)
    col = int((x - left) / (right - left) * 50)
    row = int((top - y) / (top - bottom) * 40)
    assert data[row, col] == 1.0


def test_segment_edges_land_on_an_off_centre_segment():
    labels = np.ones((40, 50), int)
    labels[5:15, 30:45] = 2                # off-centre: north-east
    raster = _raster(np.zeros((1, 40, 50)))
    left, right, bottom, top = raster.extent
    edges = obia_plots.segment_edges(labels, raster.extent)
    xs, ys = edges[..., 0], edges[..., 1]
    assert np.isclose(xs.min(), left + 30 * 10) and np.isclose(xs.max(), left + 45 * 10)
    assert np.isclose(ys.max(), top - 5 * 10) and np.isclose(ys.min(), top - 15 * 10), \
        "edges mirrored top-to-bottom"
    assert len(edges) == 4                 # one merged run per side


def test_bad_inputs_name_the_argument():
    ax = Figure().subplots()
    with pytest.raises(ValueError, match="extent"):
        style.image_layer(ax, np.zeros((3, 3)), extent=(10, 0, 0, 10))
    with pytest.raises(ValueError, match="kind"):
        style.image_layer(ax, np.zeros((3, 3)), "ndwi-ish")
    with pytest.raises(ValueError, match="cmap"):
        style.colormap("no-such-map")
    with pytest.raises(ValueError, match="rgb"):
        style.rgba_with_nodata(np.zeros((3, 3, 2)))
