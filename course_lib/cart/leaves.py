"""Which training points decide a CART's landslide pixels: the tree's leaves, point by point.

A CART grown to pure leaves (Earth Engine ``smileCart``'s default, :func:`make_cart`) ends in
leaves that each hold the training points of one class. Every pixel of the map falls into one
leaf (``DecisionTreeClassifier.apply``) and takes that leaf's class. So each landslide pixel
of the map was decided by the few landslide points sharing its leaf: those points, and the
splits above them, are what the tree "relied on". Counting the pixels per leaf shows which
points carry the map, and, where a truth is known, which of them bring the false alarms.
(Breiman et al. 1984 for CART; this bookkeeping is the tree's ``apply``, nothing more.)

The counts are of the map **before** the focal mode filter (a filter changes pixels without
any leaf deciding it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from course_lib.blockwise import predict_in_chunks
from course_lib.cart.models import CLASS_COLUMN
from course_lib.cart.training import PixelClassifier
from course_lib.validation import as_2d, check_mask, describe

__all__ = ["LeafReport", "leaf_report"]


@dataclass(frozen=True)
class LeafReport:
    """What each training point and each landslide leaf of a tree decided.

    Attributes:
        points: one row per training point used (the table's index): ``leaf``, the point's
            class, the leaf's class, ``leaf_pixels`` (pixels of the map in its leaf) and
            ``landslide_pixels`` (the same, when the leaf's class is the landslide class,
            else 0).
        leaves: one row per leaf whose class is the landslide class, most pixels first:
            ``points`` (the ids of its training points), ``n_points``, ``pixels``,
            ``share`` (of all landslide pixels of the map) and, with a truth, ``true``,
            ``false_alarms`` and ``precision``.
        leaf_map: float32 ``(rows, cols)``: the leaf of every pixel, NaN = nodata.
    """

    points: pd.DataFrame
    leaves: pd.DataFrame
    leaf_map: np.ndarray

    def text(self, top: int = 5) -> str:
        """A few sentences: how many leaves make the landslide pixels, and the largest."""
        total = int(self.leaves["pixels"].sum())
        if not total:
            return "No pixel of the map falls into a landslide leaf."
        lines = [(f"{len(self.leaves)} landslide leaves make the {total:,} landslide pixels "
                  "(before the focal mode).")]
        for leaf, row in self.leaves.head(top).iterrows():
            who = ", ".join(f"#{p}" for p in row["points"])
            extra = ""
            if "false_alarms" in row.index and np.isfinite(row["precision"]):
                extra = (f"; {int(row['false_alarms']):,} of them false alarms (precision "
                         f"{row['precision']:.0%})")
            lines.append(f"  leaf {leaf}: point(s) {who} decide {int(row['pixels']):,} "
                         f"pixels ({row['share']:.0%}){extra}")
        return "\n".join(lines)


def leaf_report(classifier: PixelClassifier, table: pd.DataFrame, stack: Any,
                truth: Any = None, valid: Any = None, *, id_column: str = "label_id"
                ) -> LeafReport:
    """Which training points decide the landslide pixels of ``classifier``'s map.

    Args:
        classifier: a fitted :class:`PixelClassifier` whose estimator is a decision tree.
        table: the training table it was trained on (band columns, ``class_name`` and
            ``id_column``; rows with NaN in the bands are left out, as in training).
        stack: the Raster the map is made from.
        truth: optional landslide mask (2-D or a 1-band Raster) to count true pixels and
            false alarms per leaf.
        valid: optional boolean mask of the pixels that count (e.g. the evaluation mask).
        id_column: the column naming the points (default the labelling map's ``label_id``;
            the table's index when the column is missing).

    Returns:
        a :class:`LeafReport`.
    """
    tree = _check_inputs(classifier, table)
    bands = list(classifier.band_names)
    X = table[bands].to_numpy(dtype=np.float32)
    used = np.isfinite(X).all(axis=1)
    ids = (table[id_column] if id_column in table.columns else pd.Series(table.index,
                                                                         index=table.index))
    point_leaves = tree.apply(X[used])
    leaf_map = predict_in_chunks(lambda x: tree.apply(x).astype(np.float32), stack, bands)
    counted = np.isfinite(leaf_map)
    if valid is not None:
        counted &= check_mask(valid, "valid", shape=leaf_map.shape)
    leaves_flat = leaf_map[counted].astype(np.int64)
    n_nodes = tree.tree_.node_count
    pixels = np.bincount(leaves_flat, minlength=n_nodes)
    leaf_class = np.array(classifier.classes)[np.argmax(tree.tree_.value[:, 0, :], axis=1)]
    is_landslide = leaf_class == str(classifier.landslide_class)
    points = pd.DataFrame({
        "id": ids[used].to_numpy(), "class": table.loc[used, CLASS_COLUMN].astype(str).to_numpy(),
        "leaf": point_leaves, "leaf_class": leaf_class[point_leaves],
        "leaf_pixels": pixels[point_leaves],
        "landslide_pixels": np.where(is_landslide[point_leaves], pixels[point_leaves], 0)},
        index=table.index[used])
    landslide_leaves = sorted(set(np.flatnonzero(is_landslide)) & set(point_leaves.tolist()),
                              key=lambda leaf: -pixels[leaf])
    total = max(int(pixels[is_landslide].sum()), 1)
    rows = []
    true = None
    if truth is not None:
        t = as_2d(truth, "truth")
        if t.shape != leaf_map.shape:
            raise ValueError(f"truth has shape {t.shape}, the stack {leaf_map.shape}.")
        true = np.bincount(leaves_flat, weights=(np.nan_to_num(t[counted]) == 1),
                           minlength=n_nodes)
    for leaf in landslide_leaves:
        row = {"leaf": int(leaf),
               "points": points.loc[points["leaf"] == leaf, "id"].tolist(),
               "n_points": int((points["leaf"] == leaf).sum()), "pixels": int(pixels[leaf]),
               "share": pixels[leaf] / total}
        if true is not None:
            row["true"] = int(true[leaf])
            row["false_alarms"] = int(pixels[leaf] - true[leaf])
            row["precision"] = true[leaf] / pixels[leaf] if pixels[leaf] else float("nan")
        rows.append(row)
    columns = ["leaf", "points", "n_points", "pixels", "share"] + (
        ["true", "false_alarms", "precision"] if true is not None else [])
    leaves = pd.DataFrame(rows, columns=columns).set_index("leaf")
    return LeafReport(points, leaves, leaf_map)


def _check_inputs(classifier: Any, table: Any) -> DecisionTreeClassifier:
    if not isinstance(classifier, PixelClassifier) or not isinstance(
            classifier.estimator, DecisionTreeClassifier):
        raise TypeError(f"classifier must be a PixelClassifier with a decision tree (from "
                        f"cart.fit_pixel_classifier(..., cart.make_cart())); got "
                        f"{describe(classifier)}. A forest has many trees: look at one of "
                        "them, or at cart.tree_summary.")
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be the training table (a DataFrame); got "
                        f"{describe(table)}.")
    missing = [c for c in [*classifier.band_names, CLASS_COLUMN] if c not in table.columns]
    if missing:
        raise ValueError(f"table lacks the columns {missing}: pass the table the classifier "
                         "was trained on.")
    return classifier.estimator
