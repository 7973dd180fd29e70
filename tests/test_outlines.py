"""Outlines drawn over imshow images land on the mask, north up (not mirrored)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.viz import change_plots, study_area_plots  # noqa: E402
from course_lib.viz.outlines import draw_outline  # noqa: E402


def _contour_vertices(ax) -> np.ndarray:
    artist = ax.collections[-1]
    paths = artist.get_paths()
    return np.concatenate([p.vertices for p in paths if len(p.vertices)])


def _off_centre_mask():
    mask = np.zeros((100, 100), bool)
    mask[5:15, 70:90] = True           # near the top (north) and the right (east)
    return mask


@pytest.mark.parametrize("draw", [
    lambda ax, m, e: draw_outline(ax, m, e),
    lambda ax, m, e: study_area_plots._outline(ax, m, e, "red"),
    lambda ax, m, e: change_plots._outline(ax, m, e),
])
def test_outline_of_an_off_centre_mask_lands_on_it(draw):
    mask = _off_centre_mask()
    extent = (1000.0, 2000.0, 5000.0, 6000.0)      # Raster.extent: left, right, bottom, top
    fig, ax = plt.subplots()
    ax.imshow(mask, extent=extent)                  # row 0 at the top: north up
    draw(ax, mask, extent)
    v = _contour_vertices(ax)
    # rows 5-14 span y = 6000 - 150 .. 6000 - 50; columns 70-89 span x = 1700 .. 1900
    assert 1690 <= v[:, 0].min() and v[:, 0].max() <= 1910
    assert 5840 <= v[:, 1].min() and v[:, 1].max() <= 5960, "outline mirrored top-to-bottom"
    plt.close(fig)


def test_outline_in_pixel_coordinates_and_empty_masks():
    mask = _off_centre_mask()
    fig, ax = plt.subplots()
    ax.imshow(mask)
    draw_outline(ax, mask)
    v = _contour_vertices(ax)
    assert 4 <= v[:, 1].min() and v[:, 1].max() <= 15       # rows 5-14, row 0 at the top
    n = len(ax.collections)
    draw_outline(ax, np.zeros((5, 5), bool))                 # nothing to draw
    draw_outline(ax, None)
    assert len(ax.collections) == n
    with pytest.raises(ValueError, match="2-D"):
        draw_outline(ax, np.zeros(5, bool))
    plt.close(fig)


@pytest.mark.parametrize("extent", [None, (1000.0, 2000.0, 5000.0, 6000.0)])
def test_s2cloudless_explorer_outline_lands_on_the_cloud(extent):
    """The threshold contour of the s2cloudless explorer sits on the cloudy pixels (north up)."""
    from course_lib.viz import cloud_plots

    prob = np.zeros((100, 100), np.float32)
    prob[5:15, 70:90] = 0.9                     # a cloud near the top right
    rgb = np.zeros((100, 100, 3))
    fig, _ = cloud_plots.s2cloudless_explorer(prob, rgb, 0.4, 0, 0, extent=extent)
    v = _contour_vertices(fig.axes[1])
    if extent is None:
        assert v[:, 1].max() <= 16, "outline mirrored top-to-bottom"
    else:
        assert v[:, 1].min() >= 5830, "outline mirrored top-to-bottom"
