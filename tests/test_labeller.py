"""The simulated labeller (course_lib.simulator.labeller): points and outlines placed as a
careful person would place them, on the course's study area."""

import numpy as np
import pytest

from course_lib.pipeline import layers
from course_lib.simulator import TRAINING_CLASSES, labeller, load_study_area


@pytest.fixture(scope="module")
def world():
    area = load_study_area()
    return area, layers.setting_layers(1, area)


def test_points_follow_the_papers_recipe(world):
    area, stack = world
    points = labeller.simulated_points(area, stack)
    counts = points["class_name"].value_counts()
    assert counts["landslide"] == 18 and len(points) == 130
    assert all(counts[name] == 16 for name in TRAINING_CLASSES)
    assert points["order"].tolist() == list(range(1, 131))
    # class by class, as a person works: one change of class each
    changes = (points["class_name"] != points["class_name"].shift()).sum()
    assert changes == 8
    # every point has a value in every layer and sits in its pixel
    rows, cols = points["row"].to_numpy(), points["col"].to_numpy()
    assert np.isfinite(stack.data[:, rows, cols]).all()
    from rasterio.transform import rowcol
    r, c = rowcol(stack.transform, points.geometry.x, points.geometry.y)
    assert (np.asarray(r) == rows).all() and (np.asarray(c) == cols).all()
    # landslide points on landslides the image shows, each on a different landslide
    slides = points[points["class_name"] == "landslide"]
    ids = area["landslide_id"].data[0][slides["row"], slides["col"]]
    assert (ids > 0).all() and len(set(ids.tolist())) == 18
    assert (stack.band("dNDVI")[slides["row"], slides["col"]] < labeller.VISIBLE_DNDVI).all()
    # the others inside their land cover, away from every landslide
    landcover = area["landcover"].data[0]
    truth = area["landslide_mask"].data[0]
    from scipy import ndimage
    near = ndimage.binary_dilation(truth > 0, iterations=3)
    for name, codes in TRAINING_CLASSES.items():
        mine = points[points["class_name"] == name]
        assert np.isin(landcover[mine["row"], mine["col"]], codes).all(), name
        assert not near[mine["row"], mine["col"]].any(), name
    # spread out, and some in shadow (the paper: "within shadow areas")
    forest = points[points["class_name"] == "forest"][["row", "col"]].to_numpy()
    gaps = np.hypot(*(forest[:, None] - forest[None]).transpose(2, 0, 1))
    assert gaps[np.triu_indices(len(forest), 1)].min() >= 30 / 2   # 300 m, halved at most once
    assert points["in_shadow"].sum() >= 7


def test_points_are_seeded_and_not_the_provided_ones(world):
    area, stack = world
    a = labeller.simulated_points(area, stack, n_landslide=4, n_per_class=3)
    b = labeller.simulated_points(area, stack, n_landslide=4, n_per_class=3)
    c = labeller.simulated_points(area, stack, n_landslide=4, n_per_class=3, seed=1)
    assert a[["row", "col"]].equals(b[["row", "col"]])
    assert not a[["row", "col"]].equals(c[["row", "col"]])
    provided = set(zip(area["training_points"]["row"], area["training_points"]["col"]))
    assert not provided & set(zip(a["row"], a["col"]))
    with pytest.raises(ValueError, match="dNDVI"):
        labeller.simulated_points(area, stack.select(["post-R", "post-G", "post-B"]))


def test_outlines_trace_visible_landslides_in_separate_chips(world):
    area, stack = world
    outlines = labeller.simulated_outlines(area, stack, n_chips=3, chip_size=64)
    assert set(outlines["chip"]) == {1, 2, 3}
    assert (outlines["class_name"] == "landslide").all()
    assert outlines["order"].tolist() == list(range(1, len(outlines) + 1))
    assert (outlines["vertices"] >= 4).all()
    # each outline covers mostly its own landslide, as seen in the image
    from rasterio.features import rasterize
    seen = labeller.visible_landslides(area, stack)
    for row in outlines.itertuples():
        mask = rasterize([(row.geometry, 1)], out_shape=seen.shape, transform=stack.transform)
        inside = seen[mask == 1] == row.landslide_id
        assert inside.mean() > 0.6, row.landslide_id
    # the first (focus) landslide of each chip fits in half a chip
    first = outlines.groupby("chip").head(1)
    for geometry in first.geometry:
        left, bottom, right, top = geometry.bounds
        assert max(right - left, top - bottom) <= 32 * stack.resolution + 1e-6


def test_simulated_labeller_keeps_out_of_avoided_pixels(world):
    """Points and chips never touch ``avoid`` (the held-out test blocks the maps are scored on)."""
    from course_lib import splits

    area, stack = world
    test_blocks = splits.evaluation_split(area).region("test")
    points = labeller.simulated_points(area, stack, avoid=test_blocks)
    assert len(points) > 0
    assert not test_blocks[points["row"].to_numpy(), points["col"].to_numpy()].any()
    outlines = labeller.simulated_outlines(area, stack, n_chips=3, avoid=test_blocks)
    assert len(outlines) > 0
    from course_lib.data import labels as lb

    features = lb.features_from_geojson(lb.features_to_geojson(outlines), outlines.crs)
    mask = lb.polygons_to_mask(features, stack)
    assert mask.any() and not (mask & test_blocks).any()
