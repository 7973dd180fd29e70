"""Maps and data-tour figures: the plain functions behind notebook 00's widgets."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from course_lib.data.samples import load_sentinel2_l1c
from course_lib.viz import data_tour
from course_lib.viz.maps import colorize, layer_map


def test_layer_map_embeds_leaflet_and_needs_no_network():
    s2 = load_sentinel2_l1c(bands=("B04", "B03", "B02"), resolution=60)
    fmap = layer_map({"rgb": (s2, {"vmin": 0, "vmax": 0.25})}, basemap=False)
    html = fmap.get_root().render()
    assert "data:text/javascript;base64," in html
    assert "cdn.jsdelivr.net" not in html and "code.jquery.com" not in html
    assert "tile.openstreetmap.org" not in html
    assert "rgb" in html and "data:image/png;base64" in html


def test_layer_map_places_utm_raster_at_its_latitude():
    s2 = load_sentinel2_l1c(bands=("B08",), resolution=60)
    fmap = layer_map({"nir": (s2, {"cmap": "gray"})}, basemap=False)
    html = fmap.get_root().render()
    # T33UUU lies near 52.5 N 12.6 E
    assert "52.4" in html or "52.5" in html


def test_layer_map_rejects_ambiguous_layers():
    s2 = load_sentinel2_l1c(bands=("B02", "B03"), resolution=60)
    with pytest.raises(ValueError, match="style\\['band'\\]"):
        layer_map({"two bands": (s2, {})}, basemap=False)
    with pytest.raises(ValueError, match="at least one"):
        layer_map()


def test_colorize_categorical_and_transparency():
    arr = np.array([[[0, 1], [2, np.nan]]], dtype=float)
    rgba = colorize(arr, {"colors": {1: "red", 2: "blue"}})
    assert rgba[0, 1].tolist() == [255, 0, 0, 255]
    assert rgba[1, 0].tolist() == [0, 0, 255, 255]
    assert rgba[0, 0, 3] == 0 and rgba[1, 1, 3] == 0


@pytest.mark.parametrize("layer", list(data_tour.S2_LAYERS))
def test_sentinel2_layer_browser(layer):
    fig = data_tour.sentinel2_layer_figure(layer, 98, resolution=60)
    assert isinstance(fig, Figure) and "real" in fig.axes[0].get_title()


def test_landsat_scene_browser_and_clear_fraction():
    fig = data_tour.landsat_scene_figure(0)
    assert len(fig.axes) == 2
    with pytest.raises(IndexError):
        data_tour.landsat_scene_figure(105)
    clear = data_tour.landsat_clear_fraction()
    assert clear.shape == (105,) and 0 <= clear.min() < clear.max() <= 1


def test_percentile_stretch_flat_image():
    assert np.all(data_tour.percentile_stretch(np.ones((3, 3))) == 0)


def test_layer_map_draws_a_legend():
    s2 = load_sentinel2_l1c(bands=("B08",), resolution=60)
    legend = {"found (TP)": "#009E73", "false alarm (FP)": "#D55E00", "subplots <A-D>": "#F0E442"}
    fmap = layer_map({"nir": (s2, {"cmap": "gray"})}, basemap=False, legend=legend,
                     legend_title="Confusion")
    html = fmap.get_root().render()
    assert "course-map-legend" in html and "Confusion" in html
    for label, colour in legend.items():
        assert colour in html
    assert "subplots &lt;A-D&gt;" in html                  # labels are escaped
    plain = layer_map({"nir": (s2, {"cmap": "gray"})}, basemap=False)
    assert "course-map-legend" not in plain.get_root().render()
