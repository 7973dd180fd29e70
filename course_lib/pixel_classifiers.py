"""Pixel classifiers: a CART trained on a few points, applied to every pixel of a stack.

The paper's locally trained baseline (Ganerød, Lindsay et al. 2023, *Remote Sensing* 15:895,
section 3.2 (iv), Figure 6, Table 4) is Google Earth Engine's ``ee.Classifier.smileCart``,
following S. Levick's supervised-classification tutorial:

1. pick training points: 18 on landslides and 112 from seven non-landslide classes (water,
   snow/ice, bare rock, agriculture, forest, alpine scrub, urban), across aspects, elevations
   and shadow;
2. sample the input stack (one of the four settings of its Table 1) at each point;
3. train a CART on the **eight** classes and classify every pixel;
4. merge the seven non-landslide classes into one, giving a binary landslide map;
5. remove salt-and-pepper noise with a focal mode (majority) filter.

This module does steps 3-5 with scikit-learn and scikit-image; the stacks and the sampling
(steps 1-2) come from :mod:`course_lib.layers` (``setting_layers``, ``sample_at_points``).

* :func:`make_cart` is ``sklearn.tree.DecisionTreeClassifier`` with GEE ``smileCart``'s
  defaults (no limit on the number of nodes, at least one point per leaf) and a fixed seed;
  :func:`make_random_forest` is the obvious next step. :func:`fit_pixel_classifier` accepts
  **any** scikit-learn classifier.
* :class:`PixelClassifier` predicts a whole stack **in chunks of rows** (only one chunk of the
  stack is ever copied), following the course's NaN policy: a pixel with NaN in any input band
  has no usable observation and is predicted NaN; training points with NaN are refused (or
  dropped, if asked) rather than silently filled.
* :func:`focal_mode` is the majority filter (``skimage.filters.rank.majority``) that keeps NaN
  pixels NaN and never lets them vote.
* :func:`tree_summary` and :func:`single_band_splits` explain a fitted tree: its depth, leaves,
  the bands it uses with their thresholds, and why the first split is on the band it is on.

Pure functions on arrays and tables; plots are in :mod:`course_lib.viz.cart_plots`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin, clone
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

from course_lib.config import DEFAULT_SEED
from course_lib.validation import check_choice, check_integer, describe

#: Name of the landslide class in the training points (``area["training_points"]``).
LANDSLIDE_CLASS = "landslide"

#: Column of the training table that holds the class names.
CLASS_COLUMN = "class_name"

#: Pixels per prediction chunk: 2**18 pixels of 13 float32 bands is about 14 MB.
DEFAULT_CHUNK_PIXELS = 2 ** 18

NAN_POLICIES = ("raise", "drop")


# --------------------------------------------------------------------------------------------
# Classifiers
# --------------------------------------------------------------------------------------------

def make_cart(max_depth: int | None = None, min_samples_leaf: int = 1,
              random_state: int = DEFAULT_SEED, **kwargs: Any) -> DecisionTreeClassifier:
    """A CART classifier with the defaults of Earth Engine's ``smileCart``.

    ``ee.Classifier.smileCart(maxNodes=null, minLeafPopulation=1)`` grows the tree until its
    leaves are pure; so does ``DecisionTreeClassifier`` with ``max_depth=None`` and
    ``min_samples_leaf=1`` (Gini impurity, Breiman et al. 1984). The seed fixes the order in
    which tied features are tried, so two runs give the same tree.

    Args:
        max_depth: deepest level of the tree (None: until the leaves are pure).
        min_samples_leaf: fewest training points in a leaf (larger = simpler tree).
        random_state: seed.
        **kwargs: any other ``DecisionTreeClassifier`` argument.

    >>> make_cart(max_depth=3).get_params()["max_depth"]
    3
    """
    return DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=min_samples_leaf,
                                  random_state=random_state, **kwargs)


def make_random_forest(n_estimators: int = 200, random_state: int = DEFAULT_SEED,
                       **kwargs: Any) -> RandomForestClassifier:
    """A random forest (Breiman 2001) of ``n_estimators`` CARTs on bootstrap samples.

    One core (``n_jobs=1``) unless told otherwise: Binder has one CPU.

    >>> make_random_forest(50).n_estimators
    50
    """
    kwargs.setdefault("n_jobs", 1)
    return RandomForestClassifier(n_estimators=n_estimators, random_state=random_state, **kwargs)


# --------------------------------------------------------------------------------------------
# Training table
# --------------------------------------------------------------------------------------------

def _point_names(table: pd.DataFrame, rows: np.ndarray) -> list[str]:
    ids = table["id"] if "id" in table.columns else pd.Series(table.index, index=table.index)
    names = []
    for i in np.flatnonzero(rows)[:10]:
        label = f"id {ids.iloc[i]}"
        if CLASS_COLUMN in table.columns:
            label += f" ({table[CLASS_COLUMN].iloc[i]})"
        names.append(label)
    more = int(rows.sum()) - len(names)
    return names + ([f"and {more} more"] if more > 0 else [])


def training_arrays(table: pd.DataFrame, band_names: Sequence[str], *,
                    class_column: str = CLASS_COLUMN, on_nan: str = "raise"
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The feature matrix and class labels of a training table (one row per point).

    Args:
        table: e.g. ``layers.sample_at_points(raster, points)``: one column per band and a
            class column.
        band_names: the feature columns, in the order the classifier will see them.
        class_column: the column of class names (or codes).
        on_nan: the course's NaN policy says never train on NaN. ``"raise"`` (default) stops
            with an error naming the points and bands; ``"drop"`` leaves those points out
            with a warning.

    Returns:
        ``(X, y)``: float32 ``(points, bands)`` and the labels ``(points,)``.

    Raises:
        ValueError: a missing column, an empty table, NaN (with ``on_nan="raise"``), or an
            unknown ``on_nan``.

    >>> t = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0], "class_name": ["x", "y"]})
    >>> X, y = training_arrays(t, ["b", "a"])
    >>> X.tolist(), y.tolist()
    ([[3.0, 1.0], [4.0, 2.0]], ['x', 'y'])
    """
    check_choice(on_nan, "on_nan", NAN_POLICIES,
                 "'raise' stops at NaN (the NaN policy), 'drop' leaves those points out.")
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame (one row per training point); got "
                        f"{describe(table)}. Make one with layers.sample_at_points.")
    band_names = list(band_names)
    if not band_names:
        raise ValueError("band_names is empty: name at least one band to train on.")
    missing = [c for c in [*band_names, class_column] if c not in table.columns]
    if missing:
        raise ValueError(f"The training table lacks the columns {missing}; it has "
                         f"{list(table.columns)}. Sample the same stack you will classify "
                         "(layers.sample_at_points(stack, points)).")
    if len(table) == 0:
        raise ValueError("The training table is empty: there is nothing to learn from.")
    X = table[band_names].to_numpy(dtype=np.float32)
    y = table[class_column].to_numpy()
    bad = ~np.isfinite(X).all(axis=1)
    if bad.any():
        bands = [b for j, b in enumerate(band_names) if not np.isfinite(X[:, j]).all()]
        where = ", ".join(_point_names(table, bad))
        if on_nan == "raise":
            raise ValueError(
                f"{int(bad.sum())} training point(s) have NaN (no usable observation) in "
                f"bands {bands}: {where}. The course never trains on NaN: move or remove "
                "those points, or pass on_nan='drop' to leave them out.")
        warnings.warn(f"Leaving out {int(bad.sum())} training point(s) with NaN in bands "
                      f"{bands}: {where}.", stacklevel=2)
        X, y = X[~bad], y[~bad]
        if len(y) == 0:
            raise ValueError("Every training point has NaN in some band: nothing left to train.")
    return X, y


# --------------------------------------------------------------------------------------------
# Chunked, NaN-aware prediction
# --------------------------------------------------------------------------------------------

def _array_of(stack: Any) -> Any:
    """The array of a Raster, or the array itself (``ndarray.data`` is a memoryview)."""
    return stack if isinstance(stack, np.ndarray) else getattr(stack, "data", stack)


def _stack_and_bands(stack: Any, band_names: Sequence[str]) -> tuple[np.ndarray, list[int]]:
    """The ``(bands, rows, cols)`` array of ``stack`` and the indices of ``band_names`` in it.

    A Raster is matched by band name (so extra bands or another order are fine); a plain
    array must hold exactly ``band_names``, in that order.
    """
    data = _array_of(stack)
    if not isinstance(data, np.ndarray) or data.ndim != 3:
        raise ValueError(f"stack must be a Raster or an array (bands, rows, cols); got "
                         f"{describe(stack)}. Use layers.setting_layers(k), or add a band axis "
                         "to a single image with image[None].")
    names = getattr(stack, "band_names", None)
    if names is None:
        if data.shape[0] != len(band_names):
            raise ValueError(f"stack has {data.shape[0]} bands but the classifier was trained on "
                             f"{len(band_names)} ({list(band_names)}); pass a Raster with band "
                             "names, or an array of exactly those bands in that order.")
        return data, list(range(data.shape[0]))
    missing = [b for b in band_names if b not in names]
    if missing:
        raise ValueError(f"stack lacks the bands {missing} that the classifier was trained on; "
                         f"it has {list(names)}. Classify the stack of the same setting.")
    return data, [list(names).index(b) for b in band_names]


def predict_in_chunks(predict: Callable[[np.ndarray], np.ndarray], stack: Any,
                      band_names: Sequence[str] | None = None, *, n_outputs: int = 1,
                      chunk_pixels: int = DEFAULT_CHUNK_PIXELS) -> np.ndarray:
    """Apply a per-pixel function to a whole stack, a block of rows at a time.

    Only one block of the chosen bands is copied at a time, as a ``(pixels, bands)`` table.
    Pixels with NaN (or infinity) in any chosen band are not passed to ``predict`` and come
    out NaN: the course's NaN policy.

    Args:
        predict: maps float32 ``(n, bands)`` to ``(n,)`` or ``(n, n_outputs)`` numbers, e.g.
            ``lambda X: model.predict_proba(X)[:, 1]``.
        stack: Raster or array ``(bands, rows, cols)``.
        band_names: the bands to use, in order (default: every band of the stack).
        n_outputs: number of output values per pixel.
        chunk_pixels: pixels per block (at least one row).

    Returns:
        float32 ``(rows, cols)`` (or ``(n_outputs, rows, cols)``), NaN where any band is NaN.

    >>> x = np.array([[[1.0, np.nan], [3.0, 4.0]]])
    >>> predict_in_chunks(lambda X: X[:, 0] * 10, x, chunk_pixels=1).tolist()
    [[10.0, nan], [30.0, 40.0]]
    """
    if band_names is None:   # every band, in the stack's order
        band_names = getattr(stack, "band_names", None) or [
            str(j) for j in range(np.shape(_array_of(stack))[0])]
    data, index = _stack_and_bands(stack, band_names)
    chunk_pixels = check_integer(chunk_pixels, "chunk_pixels", minimum=1)
    _, rows, cols = data.shape
    step = max(1, int(chunk_pixels) // cols)
    out = np.full((n_outputs, rows, cols), np.nan, dtype=np.float32)
    contiguous = index == list(range(index[0], index[0] + len(index))) if index else False
    for r0 in range(0, rows, step):
        r1 = min(rows, r0 + step)
        block = (data[index[0]:index[-1] + 1, r0:r1] if contiguous else data[index, r0:r1])
        X = block.reshape(len(index), -1).T.astype(np.float32, copy=False)
        ok = np.isfinite(X).all(axis=1)
        if not ok.any():
            continue
        values = np.asarray(predict(X[ok]), dtype=np.float32)
        values = values.reshape(int(ok.sum()), n_outputs)
        flat = out[:, r0:r1].reshape(n_outputs, -1)
        flat[:, ok] = values.T
        out[:, r0:r1] = flat.reshape(n_outputs, r1 - r0, cols)
    return out[0] if n_outputs == 1 else out


# --------------------------------------------------------------------------------------------
# The fitted classifier
# --------------------------------------------------------------------------------------------

@dataclass
class PixelClassifier:
    """A fitted scikit-learn classifier plus the band names and the landslide class.

    Attributes:
        estimator: the fitted classifier (a CART by default; any scikit-learn classifier).
        band_names: the bands it was trained on, in order.
        landslide_class: the class merged into "landslide"; every other class is "not".
        n_points: training points per class (after any dropped for NaN).
    """

    estimator: ClassifierMixin
    band_names: tuple[str, ...]
    landslide_class: str = LANDSLIDE_CLASS
    n_points: dict[str, int] = field(default_factory=dict)

    @property
    def classes(self) -> tuple[str, ...]:
        """The class names, in the estimator's order (the codes of :meth:`predict_classes`)."""
        return tuple(str(c) for c in self.estimator.classes_)

    @property
    def landslide_index(self) -> int:
        """The code of the landslide class."""
        return self.classes.index(str(self.landslide_class))

    def _codes(self, X: np.ndarray) -> np.ndarray:
        if isinstance(self.estimator, (DecisionTreeClassifier, RandomForestClassifier,
                                       ExtraTreesClassifier)):
            # What their predict() does, without turning a million codes into class-name
            # strings and back (five times faster here).
            return np.argmax(self.estimator.predict_proba(X), axis=1)
        labels = self.estimator.predict(X)
        return np.searchsorted(self.estimator.classes_, labels)

    def predict_classes(self, stack: Any, *, chunk_pixels: int = DEFAULT_CHUNK_PIXELS
                        ) -> np.ndarray:
        """The class code of every pixel (index into :attr:`classes`), float32, NaN = nodata."""
        return predict_in_chunks(self._codes, stack, self.band_names, chunk_pixels=chunk_pixels)

    def landslide_score(self, stack: Any, *, chunk_pixels: int = DEFAULT_CHUNK_PIXELS
                        ) -> np.ndarray:
        """The predicted probability of the landslide class (0-1), float32, NaN = nodata.

        For a CART grown to pure leaves this is 0 or 1; a forest gives the share of trees.
        """
        j = self.landslide_index
        return predict_in_chunks(lambda X: self.estimator.predict_proba(X)[:, j], stack,
                                 self.band_names, chunk_pixels=chunk_pixels)

    def predict_landslides(self, stack: Any, *, focal_window: int = 1,
                           chunk_pixels: int = DEFAULT_CHUNK_PIXELS) -> np.ndarray:
        """The binary landslide map: 1 landslide, 0 any other class, NaN nodata.

        The eight classes are predicted, then the seven non-landslide ones merged (the
        paper's step), then cleaned with :func:`focal_mode` when ``focal_window`` > 1.
        """
        j = self.landslide_index
        binary = predict_in_chunks(lambda X: self._codes(X) == j, stack, self.band_names,
                                   chunk_pixels=chunk_pixels)
        return focal_mode(binary, focal_window)


def fit_pixel_classifier(table: pd.DataFrame, band_names: Sequence[str],
                         estimator: ClassifierMixin | None = None, *,
                         class_column: str = CLASS_COLUMN,
                         landslide_class: str = LANDSLIDE_CLASS,
                         on_nan: str = "raise") -> PixelClassifier:
    """Train a classifier on the training points' classes (the paper: eight).

    Args:
        table: one row per point with the band columns and ``class_column``.
        band_names: the features, e.g. ``layers.setting_bands(2)``.
        estimator: any scikit-learn classifier (default :func:`make_cart`); it is cloned, so
            the object you pass stays unfitted and reusable.
        class_column: the column of class names.
        landslide_class: the class that becomes 1 in the binary map.
        on_nan: ``"raise"`` or ``"drop"`` (see :func:`training_arrays`).

    Returns:
        A :class:`PixelClassifier`.

    Raises:
        ValueError: no point of ``landslide_class``, or fewer than two classes.
    """
    X, y = training_arrays(table, band_names, class_column=class_column, on_nan=on_nan)
    labels = y.astype(str)
    if landslide_class not in set(labels):
        raise ValueError(f"No training point of class {landslide_class!r}; the classes are "
                         f"{sorted(set(labels))}. Pass landslide_class= the landslide class's "
                         "name.")
    if len(set(labels)) < 2:
        raise ValueError("The training points hold a single class: a classifier needs at "
                         "least two.")
    model = clone(estimator) if estimator is not None else make_cart()
    model.fit(X, labels)
    names, counts = np.unique(labels, return_counts=True)
    return PixelClassifier(estimator=model, band_names=tuple(band_names),
                           landslide_class=landslide_class,
                           n_points={str(n): int(c) for n, c in zip(names, counts)})


def classify_stack(table: pd.DataFrame, stack: Any, estimator: ClassifierMixin | None = None,
                   *, band_names: Sequence[str] | None = None, focal_window: int = 3,
                   on_nan: str = "raise", chunk_pixels: int = DEFAULT_CHUNK_PIXELS
                   ) -> tuple[PixelClassifier, np.ndarray]:
    """The paper's whole CART step: train on the points, classify the stack, merge, clean.

    Args:
        table: training table sampled from ``stack``.
        stack: the setting's Raster (``layers.setting_layers(k)``).
        estimator: default :func:`make_cart`.
        band_names: the features (default: every band of the stack).
        focal_window: side of the focal mode filter's square window (1 = no filter).

    Returns:
        ``(classifier, binary map)``, the map float32 1 / 0 / NaN.
    """
    band_names = list(band_names if band_names is not None else stack.band_names)
    classifier = fit_pixel_classifier(table, band_names, estimator, on_nan=on_nan)
    return classifier, classifier.predict_landslides(stack, focal_window=focal_window,
                                                     chunk_pixels=chunk_pixels)


def classify_at_points(stack: Any, points: Any, estimator: ClassifierMixin | None = None, *,
                       focal_window: int = 3, quiet: bool = False
                       ) -> tuple[PixelClassifier, np.ndarray, pd.DataFrame]:
    """:func:`classify_stack` from the points themselves, as notebook 04 runs the paper's CART.

    The stack is sampled at the points (``layers.sample_at_points``, rows with NaN kept), the
    points with a NaN band are left out of training (the NaN policy; a warning names them
    unless ``quiet``), then the tree is trained, every pixel classified, the classes merged
    and the map cleaned with a ``focal_window`` focal mode.

    Returns:
        ``(classifier, binary map, training table)``; the table has every point, so a caller
        can count which ones trained the model.
    """
    import warnings

    from course_lib import layers

    table = layers.sample_at_points(stack, points, on_invalid="keep")
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore", UserWarning)
        classifier, binary = classify_stack(table, stack, estimator, focal_window=focal_window,
                                            on_nan="drop")
    return classifier, binary, table


# --------------------------------------------------------------------------------------------
# Focal mode filter
# --------------------------------------------------------------------------------------------

def focal_mode(binary: Any, window: int = 3) -> np.ndarray:
    """The majority (mode) of a binary map in a ``window`` x ``window`` square, NaN-aware.

    Earth Engine's ``focal_mode(radius, 'square')`` on the binary map, as the paper used to
    remove salt-and-pepper noise; ``window = 2 * radius + 1``. Computed with
    ``skimage.filters.rank.majority`` and its ``mask``: NaN pixels (no observation) do not
    vote and stay NaN, and pixels outside the image do not vote either. Where the votes tie
    (only possible next to NaN or the edge, where the window holds an even number of valid
    pixels) the result is 0, "no landslide" (scikit-image picks the smallest most common
    value).

    Args:
        binary: 2-D map (or a single-band Raster) of 0, 1 and NaN (bool also accepted).
        window: odd side of the square window in pixels; 1 returns the map unchanged.

    Returns:
        float32 ``(rows, cols)``: 1, 0 or NaN.

    >>> m = np.zeros((5, 5)); m[2, 2] = 1
    >>> int(np.nansum(focal_mode(m, 3)))
    0
    """
    from skimage.filters.rank import majority

    from course_lib import metrics

    fix = "Pass an odd number of pixels: 1 (no filter), 3, 5, 7..."
    window = check_integer(window, "window", minimum=1, fix=fix)
    if window % 2 == 0:
        raise ValueError(f"window must be odd, so the window has a centre pixel; got {window}. "
                         f"{fix}")
    data = metrics.as_2d(binary, "binary")
    ones, valid = metrics.binary_and_valid(data, "binary")
    out = np.where(valid, ones, np.nan).astype(np.float32)
    if window == 1 or not valid.any():
        return out
    footprint = np.ones((window, window), dtype=bool)
    mode = majority(ones.astype(np.uint8), footprint, mask=valid)
    out[valid] = mode[valid]
    return out


# --------------------------------------------------------------------------------------------
# Explaining a tree
# --------------------------------------------------------------------------------------------

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
    if not isinstance(estimator, DecisionTreeClassifier) or not hasattr(estimator, "tree_"):
        raise TypeError(f"tree_summary needs a fitted DecisionTreeClassifier (or a "
                        f"PixelClassifier holding one); got {type(estimator).__name__}. For a "
                        "forest, summarise one tree: tree_summary(forest.estimators_[0], names).")
    tree = estimator.tree_
    names = list(band_names) if band_names is not None else [
        f"x{j}" for j in range(tree.n_features)]
    if len(names) != tree.n_features:
        raise ValueError(f"{len(names)} band names for a tree of {tree.n_features} features.")
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
    X, y = training_arrays(table, band_names, class_column=class_column, on_nan=on_nan)
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


# --------------------------------------------------------------------------------------------
# How much do 130 points and single bands tell?
# --------------------------------------------------------------------------------------------

def bootstrap_classifiers(table: pd.DataFrame, band_names: Sequence[str], n_resamples: int,
                          estimator: ClassifierMixin | None = None, *,
                          class_column: str = CLASS_COLUMN, on_nan: str = "raise",
                          seed: int = DEFAULT_SEED) -> list[PixelClassifier]:
    """Classifiers trained on bootstrap resamples of the training points, class by class.

    Each resample draws, within every class, as many points as the class has, with
    replacement (Efron and Tibshirani 1993), so the class counts stay those of the table.
    How much the maps of these classifiers differ shows how much a map made from a few
    points depends on *which* points were picked.

    Args:
        table, band_names, estimator, class_column, on_nan: as :func:`fit_pixel_classifier`
            (points with NaN are handled before resampling).
        n_resamples: number of classifiers.
        seed: seed of the resampling.
    """
    n_resamples = check_integer(n_resamples, "n_resamples", minimum=1)
    X, y = training_arrays(table, band_names, class_column=class_column, on_nan=on_nan)
    clean = pd.DataFrame(X, columns=list(band_names))
    clean[class_column] = y
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(y == c) for c in pd.unique(y)]
    out = []
    for _ in range(int(n_resamples)):
        rows = np.concatenate([rng.choice(g, size=g.size, replace=True) for g in groups])
        out.append(fit_pixel_classifier(clean.iloc[rows], band_names, estimator,
                                        class_column=class_column))
    return out


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
    from course_lib import metrics

    t, t_valid = metrics.binary_and_valid(truth, "truth")
    keep = t_valid if valid is None else t_valid & metrics.as_2d(valid, "valid").astype(bool)
    data = _array_of(stack)
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
