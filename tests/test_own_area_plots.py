"""course_lib.viz.own_area_plots: notebook 10's map overlay, leaf figure and widget callback."""

import numpy as np
import pandas as pd
from affine import Affine
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from course_lib import cart, metrics
from course_lib.cart.leaves import leaf_report
from course_lib.data.raster import Raster
from course_lib.viz import evaluation_plots as ep
from course_lib.viz import own_area_plots as op


def world():
    """A 60 x 60 stack with the bands notebook 10 uses; a landslide where dNDVI is low."""
    rng = np.random.default_rng(1)
    dndvi = rng.normal(0.0, 0.05, (60, 60))
    dndvi[10:20, 10:25] = rng.normal(-0.5, 0.05, (10, 15))
    dndvi[40:44, 40:44] = -0.45                       # a confuser: no landslide in the truth
    rgb = rng.uniform(0.02, 0.2, (3, 60, 60))
    data = np.concatenate([rgb, dndvi[None]]).astype(np.float32)
    data[:, 59, 59] = np.nan
    stack = Raster(data=data, transform=Affine(10, 0, 0, 0, -10, 600), crs="EPSG:32632",
                   band_names=("post-R", "post-G", "post-B", "dNDVI"))
    truth = np.zeros((60, 60), np.uint8)
    truth[10:20, 10:25] = 1
    rows = [(12 + i, 12 + 2 * i, "landslide") for i in range(4)]
    rows += [(30 + i, 5 + 3 * i, "forest") for i in range(6)]
    rows += [(50 - i, 30 + i, "bare_rock") for i in range(6)]
    points = pd.DataFrame(rows, columns=["row", "col", "class_name"])
    points["label_id"] = np.arange(1, len(points) + 1)
    table = points.copy()
    for b, name in enumerate(stack.band_names):
        table[name] = data[b, points["row"], points["col"]]
    return stack, truth, points, table


def test_landslide_rgba_paints_found_false_and_missed_pixels():
    stack, truth, _, _ = world()
    prediction = np.zeros((60, 60), np.float32)
    prediction[10:20, 10:20] = 1                      # found, and missed on cols 20-24
    prediction[0, 0] = 1                              # a false alarm
    prediction[59, 59] = np.nan
    rgba = op.landslide_rgba(prediction, truth)
    def colour(code):
        return tuple(np.round(np.array(to_rgba(ep.CONFUSION_COLORS[code])) * 255).astype(int))
    assert tuple(rgba[15, 15]) == colour(metrics.TP)
    assert tuple(rgba[15, 22]) == colour(metrics.FN)
    assert tuple(rgba[0, 0]) == colour(metrics.FP)
    assert rgba[30, 30, 3] == 0 and rgba[59, 59, 3] == 0          # TN and nodata: clear
    plain = op.landslide_rgba(prediction)
    assert plain[15, 22, 3] == 0 and plain[15, 15, 3] == 255


def test_map_over_image_and_leaves_figures():
    stack, truth, points, table = world()
    tree, prediction = cart.classify_stack(table, stack.select(["dNDVI"]), focal_window=1)
    fig = op.plot_map_over_image(stack, prediction, truth=truth, points=points,
                                 zoom=(slice(5, 25), slice(5, 30)))
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert fig.axes[1].get_xlim() == (4.5, 29.5)
    report = leaf_report(tree, table, stack.select(["dNDVI"]), truth)
    fig = op.plot_leaves(report, points, stack)
    assert isinstance(fig, Figure)
    labels = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert labels and labels[0].startswith("leaf ") and "#1" in "".join(labels)


def test_clicks_explorer_uses_the_first_clicks_of_each_class():
    stack, truth, points, table = world()
    first = op.first_clicks(table.sample(frac=1, random_state=0), 2)
    assert sorted(first["label_id"]) == [1, 2, 5, 6, 11, 12]
    reference = metrics.evaluate(truth, truth)
    view = op.clicks_explorer(table, stack.select(["dNDVI"]), 2, 1, truth=truth,
                              reference=reference, background=stack)
    assert view.n_points == {"landslide": 2, "forest": 2, "bare_rock": 2}
    assert view.scores.recall > 0.9                    # the dNDVI drop is learned
    assert view.scores.precision < 1.0                 # and the confuser is mapped too
    assert isinstance(view.figure, Figure)
    # without a landslide point the map cannot be made: the figure says why, no exception
    no_slides = table[table["class_name"] != "landslide"]
    empty = op.clicks_explorer(no_slides, stack.select(["dNDVI"]), 2, 1, truth=truth)
    assert empty.scores is None and np.isnan(empty.prediction).all()
    texts = [t.get_text() for t in empty.figure.axes[1].texts]
    assert any("No training point of class 'landslide'" in t for t in texts)
    # without a truth the map is shown with its pixel count
    blind = op.clicks_explorer(table, stack.select(["dNDVI"]), 2, 1)
    assert blind.scores is None and np.nansum(blind.prediction) > 0
