"""The study-area figures and the world explorer run and report sensible numbers."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from course_lib.simulator import StudyAreaParams, generate_in_memory
from course_lib.viz import study_area_plots as plots


@pytest.fixture(scope="module")
def small_area():
    return generate_in_memory(StudyAreaParams(size=128, n_landslides=6))


def test_overview_has_four_panels_and_a_legend(small_area):
    fig = plots.plot_study_area_overview(small_area)
    assert isinstance(fig, Figure) and len(fig.axes) >= 4
    legend_texts = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert "water" in legend_texts and "spruce forest" in legend_texts


@pytest.mark.parametrize("name", ["s2_post", "s2_pre_scl", "s2_post_cloudprob", "s2_pre_truth",
                                  "s1_desc_pre", "dem"])
def test_plot_acquisitions_one_panel_per_date(small_area, name):
    fig = plots.plot_acquisitions(small_area, name)
    raster = small_area[name]
    n = raster.data.shape[0] if raster.data.ndim == 4 else 1
    visible = [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]
    assert len(visible) == n


def test_world_explorer_shows_landslides_in_dndvi():
    fig, numbers = plots.explore_world(seed=3, size=128, n_landslides=6)
    assert isinstance(fig, Figure)
    assert numbers["landslide_pixels"] > 0
    assert numbers["dndvi_on_landslides"] < numbers["dndvi_elsewhere"] - 0.2


def test_world_explorer_responds_to_its_knobs():
    _, few_looks = plots.explore_world(seed=3, size=128, n_landslides=4, speckle_looks=1.0)
    _, many_looks = plots.explore_world(seed=3, size=128, n_landslides=4, speckle_looks=20.0)
    assert few_looks["vv_logratio_elsewhere_std"] > 1.5 * many_looks["vv_logratio_elsewhere_std"]
    _, clear = plots.explore_world(seed=3, size=128, n_landslides=4, cloud_cover=0.0)
    assert clear["post_cloud_fraction"] == 0.0
    assert isinstance(plots.world_explorer(seed=3, size=128, n_landslides=2), Figure)


def test_true_colour_checks_its_input():
    rgb = plots.true_colour(np.full((6, 3, 3), 0.25, dtype=np.float32))
    assert rgb.shape == (3, 3, 3) and np.allclose(rgb, 1.0)
    with pytest.raises(ValueError, match="band-first"):
        plots.true_colour(np.zeros((3, 3)))


def test_world_explorer_scl_panel_has_a_legend_and_numbers_print():
    fig, numbers = plots.explore_world(seed=3, size=128, n_landslides=4)
    scl_axes = fig.axes[2]
    legend = scl_axes.get_legend()
    assert legend is not None
    labels = [t.get_text() for t in legend.get_texts()]
    assert all(label.split(" ", 1)[1] in plots.SCL_CLASSES.values() for label in labels)
    text = plots.format_world_numbers(numbers)
    assert "dNDVI" in text and "log-ratio" in text and str(numbers["landslide_pixels"]) in text
