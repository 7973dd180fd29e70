"""Explain a fitted tree: its depth, leaves and splits, and why the first split is where it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from course_lib import validation
from course_lib.cart.models import CLASS_COLUMN
from course_lib.cart.training import training_arrays
from course_lib.config import DEFAULT_SEED
from course_lib.data.raster import array_of


@dataclass(frozen=True)
class TreeSummary:
    """What a fitted decision tree learned, in tables.

    Attributes:
        depth: levels below the root.
        n_leaves: number of leaves (end nodes, each one class).
        splits: one row per split node: node, depth, band, threshold, points, and the points
            per class going left (band <= threshold) and right.
        bands: one row per band used: number of splits, the shallowest depth it splits at,
            its thresholds (shallowest first) and its Gini importance.
        unused: the bands the tree never uses.
    """

    depth: int
    n_leaves: int
    splits: pd.DataFrame
    bands: pd.DataFrame
    unused: tuple[str, ...]

    @property
    def root(self) -> pd.Series | None:
        """The first split (None for a tree that is a single leaf)."""
        return None if self.splits.empty else self.splits.iloc[0]


def _class_counts(tree: Any, node: int, classes: Sequence[str]) -> dict[str, int]:
    # tree_.value holds class fractions (scikit-learn >= 1.4) or counts (older); normalise both.
    value = np.asarray(tree.value[node][0], dtype=float)
    value = value / value.sum() * tree.n_node_samples[node]
    return {str(c): int(round(v)) for c, v in zip(classes, value) if round(v) > 0}


def tree_summary(model: Any, band_names: Sequence[str] | None = None) -> TreeSummary:
    """Depth, leaves, and every split of a fitted decision tree.

    Args:
        model: a :class:`PixelClassifier` or a fitted ``DecisionTreeClassifier``.
        band_names: feature names (taken from the PixelClassifier when not given).

    Returns:
        A :class:`TreeSummary`.
    """
    estimator = getattr(model, "estimator", model)
    if band_names is None:
        band_names = getattr(model, "band_names", None)
    if not isinstance(estimator, DecisionTreeClassifier):
        raise TypeError(f"model must be a fitted DecisionTreeClassifier (or a PixelClassifier "
                        f"holding one); got {type(estimator).__name__}. For a forest, summarise "
                        "one tree: tree_summary(forest.estimators_[0], names).")
    if not hasattr(estimator, "tree_"):
        raise ValueError("model is not fitted yet: train it first (fit_pixel_classifier(...) "
                         "or model.fit(X, y)).")
    tree = estimator.tree_
    if isinstance(band_names, str):
        raise TypeError(f"band_names must be a list of names, one per feature; got the string "
                        f"{band_names!r}. E.g. ['B04', 'B08'].")
    names = list(band_names) if band_names is not None else [
        f"x{j}" for j in range(tree.n_features)]
    if len(names) != tree.n_features:
        raise ValueError(f"band_names has {len(names)} band names for a tree of "
                         f"{tree.n_features} features: one name per feature, in training order.")
    classes = [str(c) for c in estimator.classes_]
    depth = np.zeros(tree.node_count, dtype=int)
    rows = []
    for node in range(tree.node_count):   # nodes are numbered in depth-first, parent-first order
        left, right = tree.children_left[node], tree.children_right[node]
        if left == -1:
            continue
        depth[left] = depth[right] = depth[node] + 1
        rows.append({"node": node, "depth": int(depth[node]),
                     "band": names[tree.feature[node]], "threshold": float(tree.threshold[node]),
                     "points": int(tree.n_node_samples[node]),
                     "left (<=)": _class_counts(tree, left, classes),
                     "right (>)": _class_counts(tree, right, classes)})
    splits = pd.DataFrame(rows, columns=["node", "depth", "band", "threshold", "points",
                                         "left (<=)", "right (>)"])
    importance = dict(zip(names, estimator.feature_importances_))
    band_rows = []
    for band, group in splits.sort_values(["depth", "node"]).groupby("band", sort=False):
        band_rows.append({"band": band, "splits": len(group),
                          "first depth": int(group["depth"].min()),
                          "thresholds": tuple(round(t, 4) for t in group["threshold"]),
                          "importance": float(importance[band])})
    bands = pd.DataFrame(band_rows, columns=["band", "splits", "first depth", "thresholds",
                                             "importance"])
    bands = bands.sort_values(["first depth", "importance"], ascending=[True, False])
    unused = tuple(n for n in names if n not in set(splits["band"]))
    return TreeSummary(depth=int(estimator.get_depth()), n_leaves=int(estimator.get_n_leaves()),
                       splits=splits, bands=bands.reset_index(drop=True), unused=unused)


def single_band_splits(table: pd.DataFrame, band_names: Sequence[str], *,
                       class_column: str = CLASS_COLUMN, on_nan: str = "raise",
                       random_state: int = DEFAULT_SEED) -> pd.DataFrame:
    """The best first split on each band alone, ranked by how much it purifies the classes.

    A CART picks, at each node, the band and threshold whose split lowers the Gini impurity
    the most (Breiman et al. 1984). This function asks each band separately for its best
    split of all training points (a one-split tree per band), so the learner can see *why*
    the tree's first split is on the band it is on: that band has the largest decrease.

    Returns:
        DataFrame indexed by band: ``threshold``, ``gini decrease`` (root impurity minus the
        points-weighted impurity of the two sides), and the majority class on each side;
        sorted by decrease, largest first.
    """
    validation.check_integer(random_state, "random_state", minimum=0,
                             fix="A seed is a whole number, e.g. 2019.")
    X, y = training_arrays(table, band_names, class_column=class_column, on_nan=on_nan)
    band_names = [band_names] if isinstance(band_names, str) else list(band_names)
    y = y.astype(str)
    rows = []
    for j, band in enumerate(band_names):
        stump = DecisionTreeClassifier(max_depth=1, random_state=random_state).fit(X[:, [j]], y)
        tree = stump.tree_
        if tree.node_count < 3:
            rows.append({"band": band, "threshold": np.nan, "gini decrease": 0.0,
                         "left majority": "-", "right majority": "-"})
            continue
        n = tree.weighted_n_node_samples
        child = (n[1] * tree.impurity[1] + n[2] * tree.impurity[2]) / n[0]
        classes = stump.classes_
        rows.append({"band": band, "threshold": float(tree.threshold[0]),
                     "gini decrease": float(tree.impurity[0] - child),
                     "left majority": str(classes[np.argmax(tree.value[1][0])]),
                     "right majority": str(classes[np.argmax(tree.value[2][0])])})
    out = pd.DataFrame(rows).set_index("band")
    return out.sort_values("gini decrease", ascending=False, kind="stable")


def describe_first_split(summary: TreeSummary, gains: pd.DataFrame | None = None) -> str:
    """One paragraph, computed from the tree, saying which band splits first and why.

    Args:
        summary: from :func:`tree_summary`.
        gains: optional table from :func:`single_band_splits` for the same points; adds how
            much more the chosen band purifies the classes than the runner-up.
    """
    if not isinstance(summary, TreeSummary):
        raise TypeError(f"summary must be a TreeSummary; got {type(summary).__name__}. Make it "
                        "with tree_summary(model) first.")
    if gains is not None and (not isinstance(gains, pd.DataFrame)
                              or "gini decrease" not in gains.columns):
        raise TypeError(f"gains must be the table of single_band_splits(table, band_names) "
                        f"(with a 'gini decrease' column); got {validation.describe(gains)}"
                        + (f" with columns {list(gains.columns)}"
                           if isinstance(gains, pd.DataFrame) else "") + ".")
    root = summary.root
    if root is None:
        return "The tree is a single leaf: every training point has the same class."

    def side(counts: Mapping[str, int]) -> str:
        total = sum(counts.values())
        parts = ", ".join(f"{n} {c.replace('_', ' ')}" for c, n in
                          sorted(counts.items(), key=lambda kv: -kv[1]))
        return f"{total} points ({parts})"

    text = (f"The first split asks: is {root['band']} <= {root['threshold']:.4g}? "
            f"Yes: {side(root['left (<=)'])}. No: {side(root['right (>)'])}.")
    if gains is not None and root["band"] in gains.index and len(gains) > 1:
        others = gains.drop(index=root["band"])
        runner, best = others.index[0], float(gains.loc[root["band"], "gini decrease"])
        second = float(others.iloc[0]["gini decrease"])
        if np.isclose(best, second):
            text += (f" Alone, {root['band']} and {runner} lower the Gini impurity equally "
                     f"({best:.3f}): CART breaks such ties at random (fixed by the seed), so "
                     "another seed may split on the other band first.")
        else:
            text += (f" Of all bands alone, {root['band']} lowers the Gini impurity the most "
                     f"({best:.3f}, against {second:.3f} for the runner-up, {runner}): that "
                     "is why CART splits on it first.")
    return text


def band_separability(stack: Any, truth: Any, valid: Any = None) -> pd.DataFrame:
    """How far apart landslide and other pixels are in each band, in units of their spread.

    ``separation = (mean on landslides - mean elsewhere) / standard deviation elsewhere``
    (a standardised mean difference, like Cohen's d with the non-landslide spread). A band
    whose landslide shift is small against the pixel-to-pixel spread (e.g. speckled
    Sentinel-1 backscatter) cannot separate single pixels, whatever the classifier.

    Args:
        stack: Raster ``(bands, rows, cols)``.
        truth: binary landslide mask on the same grid.
        valid: optional boolean mask of pixels to use (NaN pixels are left out anyway).

    Returns:
        DataFrame indexed by band: ``mean landslide``, ``mean other``, ``std other``,
        ``separation``; sorted by ``|separation|``, largest first.
    """

    t, t_valid = validation.binary_and_valid(truth, "truth")
    keep = t_valid if valid is None else t_valid & validation.check_mask(
        valid, "valid", shape=t.shape, example="valid = np.isfinite(stack.data).all(axis=0)")
    data = validation.as_array(array_of(stack), "stack", ndim=3,
                               fix="Pass a Raster (bands, rows, cols); one band b: b[None].")
    if data.shape[1:] != t.shape:
        raise ValueError(f"truth has shape {t.shape} but the stack's grid is {data.shape[1:]}: "
                         "put them on the same pixel grid.")
    names = list(getattr(stack, "band_names", None) or range(data.shape[0]))
    rows = []
    for name, band in zip(names, data):
        ok = keep & np.isfinite(band)
        on, off = band[ok & t].astype(np.float64), band[ok & ~t].astype(np.float64)
        if on.size == 0 or off.size < 2:
            rows.append({"band": name, "mean landslide": np.nan, "mean other": np.nan,
                         "std other": np.nan, "separation": np.nan})
            continue
        std = off.std(ddof=1)
        rows.append({"band": name, "mean landslide": on.mean(), "mean other": off.mean(),
                     "std other": std,
                     "separation": (on.mean() - off.mean()) / std if std > 0 else np.nan})
    out = pd.DataFrame(rows).set_index("band")
    return out.reindex(out["separation"].abs().sort_values(ascending=False).index)
