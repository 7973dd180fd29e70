"""The object classifier: a seeded random forest on segment features, and its importances.

SALaD classifies segments with a random forest of 500 trees (Breiman 2001, *Machine
Learning* 45:5-32; Amatya et al. 2021) on the object means of its five features. The
original set no random seed and no class weights; here both are explicit, and the feature
importances come two ways (scikit-learn user guide, "Permutation feature importance"):

* **impurity** (mean decrease in Gini impurity, computed on the training data): fast, but it
  favours features with many distinct values and says nothing about new data;
* **permutation** (drop in a score when one feature's values are shuffled, on held-out data):
  slower, honest about what the model uses on data it has not seen.

A segment is a landslide when the forest's probability is **above** 0.5
(:func:`landslide_class`): a tie of exactly 0.5 (250 of 500 trees) is "not landslide", as
scikit-learn's ``predict`` decides it (the first class wins a tie), which is what SALaD runs.

Also here: :func:`split_segments_by_region` (the segments inside, outside or across the test
blocks of :func:`course_lib.splits.evaluation_split`) and :func:`split_segments_by_column`, two
spatial train/test splits of segments, because neighbouring segments are alike and a random
split would leak (Roberts et al. 2017, *Ecography* 40:913-929).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import ndimage
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance

from course_lib import validation
from course_lib.config import DEFAULT_SEED
from course_lib.obia.checks import as_labels

__all__ = ["check_features", "train_random_forest", "landslide_probability", "landslide_class",
           "importances", "segment_values_to_pixels", "split_segments_by_region",
           "split_segments_by_column"]


def check_features(features: Any, name: str = "features") -> pd.DataFrame:
    """A feature table as a DataFrame, refusing NaN or infinite values (never train on NaN).

    Raises:
        TypeError: not a table (or 2-D array), or a column that is not numeric.
        ValueError: no row or no column, or NaN / infinite values.
    """
    if features is None or isinstance(features, (str, bytes, int, float)):
        raise TypeError(validation.expected_message(
            name, "a feature table (DataFrame, one row per segment)", features,
            "Make it with features.object_features(labels, layers)."))
    table = features if isinstance(features, pd.DataFrame) else pd.DataFrame(features)
    if table.shape[0] == 0 or table.shape[1] == 0:
        raise ValueError(f"{name} is empty ({table.shape[0]} rows, {table.shape[1]} columns): "
                         "there is nothing to train on or predict. Check the selection that "
                         "made it.")
    text = [c for c in table.columns if not (pd.api.types.is_numeric_dtype(table[c])
                                             or pd.api.types.is_bool_dtype(table[c]))]
    if text:
        raise TypeError(f"{name} has columns that are not numbers: {text}. A classifier needs "
                        f"numeric features: drop them (table.drop(columns={text})) or encode "
                        "them as numbers.")
    values = table.to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        columns = [c for c, b in zip(table.columns, bad.any(axis=0)) if b]
        raise ValueError(
            f"{name} has {int(bad.any(axis=1).sum())} rows with NaN or infinite values in "
            f"columns {columns}. Drop those segments (e.g. table.dropna()) or fill the "
            "feature; the classifier never trains or predicts on NaN.")
    return table


def train_random_forest(features: Any, y: Any, *, n_estimators: int = 500,
                        class_weight: str | dict | None = None, seed: int = DEFAULT_SEED,
                        n_jobs: int = 1, **options: Any) -> RandomForestClassifier:
    """Fit a seeded random forest (SALaD: 500 trees) on segment features.

    Args:
        features: DataFrame, one row per segment, one column per feature.
        y: 0/1 per row (:func:`course_lib.obia.labels.label_segments`).
        n_estimators: trees (500 as SALaD; fewer in fast mode).
        class_weight: None (SALaD), ``"balanced"`` or ``"balanced_subsample"`` to weigh the
            rare landslide class up, or a dict.
        seed: ``random_state``; the same seed gives the same forest.
        n_jobs: processes for fitting (1 on Binder's single CPU).
        options: other ``RandomForestClassifier`` arguments (e.g. ``min_samples_leaf``).
    """
    table = check_features(features)
    y = _check_y(y, len(table))
    validation.check_integer(n_estimators, "n_estimators", minimum=1,
                             fix="SALaD grows 500 trees.")
    _check_class_weight(class_weight)
    validation.check_integer(seed, "seed", minimum=0, maximum=2**32 - 1)
    _check_n_jobs(n_jobs)
    model = RandomForestClassifier(n_estimators=n_estimators, class_weight=class_weight,
                                   random_state=seed, n_jobs=n_jobs, **options)
    return model.fit(table, y)


def _check_y(y: Any, n_rows: int, *, both: bool = True) -> np.ndarray:
    """0/1 labels, one per feature row (booleans accepted)."""
    values = validation.as_array(y, "y", kinds="biufUSO",
                                 fix="One 0/1 label per segment, e.g. y of label_segments.")
    values = values.ravel()
    if values.dtype.kind in "USO":
        raise TypeError(f"y must be 0/1 per segment (1 = landslide); got {values.dtype} values "
                        f"such as {list(pd.unique(values)[:3])}. Convert class names first, "
                        "e.g. y = (names == 'landslide').astype(int).")
    finite = values[np.isfinite(values)] if values.dtype.kind == "f" else values
    if finite.size != values.size or not np.isin(finite, (0, 1)).all():
        odd = np.unique(values[~np.isin(values, (0, 1))])[:3].tolist()
        raise ValueError(f"y must be 0/1 per segment (1 = landslide); got values such as "
                         f"{odd}. Fractions or probabilities? Threshold them, e.g. "
                         "label_segments(labels, truth) gives 0/1 with the 50 % rule.")
    if len(values) != n_rows:
        raise ValueError(f"y has {len(values)} values for {n_rows} feature rows: one label per "
                         "segment (row) is needed.")
    values = values.astype(int)
    if both and set(np.unique(values)) != {0, 1}:
        raise ValueError(f"y must hold both classes 0 and 1; got only "
                         f"{np.unique(values).tolist()}. Is there any landslide segment in the "
                         "training part?")
    return values


def _check_class_weight(class_weight: Any) -> None:
    if class_weight is None or isinstance(class_weight, dict):
        return
    validation.check_choice(class_weight, "class_weight", (None, "balanced", "balanced_subsample"),
                            "None (SALaD), 'balanced' or 'balanced_subsample', or a dict.")


def _check_n_jobs(n_jobs: Any) -> None:
    number = validation.check_integer(n_jobs, "n_jobs", minimum=-1)
    if number == 0:
        raise ValueError("n_jobs must be a positive number of processes (or -1 for every CPU); "
                         "got 0. Use 1 on Binder's single CPU.")


def _check_model(model: Any, name: str = "model") -> None:
    if not hasattr(model, "predict_proba"):
        raise TypeError(validation.expected_message(
            name, "a fitted classifier", model,
            "Train one with train_random_forest(features, y)."))
    if not hasattr(model, "classes_"):
        raise ValueError(f"{name} is not fitted yet: train it first with "
                         "train_random_forest(features, y) (or model.fit(X, y)).")


def _model_columns(model: Any, table: pd.DataFrame, name: str = "features") -> pd.DataFrame:
    """The table's columns in the order the model was trained on (missing ones refused)."""
    trained = getattr(model, "feature_names_in_", None)
    if trained is None:
        expected = getattr(model, "n_features_in_", table.shape[1])
        if table.shape[1] != expected:
            raise ValueError(f"{name} has {table.shape[1]} columns but the model was trained on "
                             f"{expected}.")
        return table
    trained = [str(c) for c in trained]
    columns = [str(c) for c in table.columns]
    missing = [c for c in trained if c not in columns]
    if missing:
        raise ValueError(f"{name} lacks the columns {missing} the model was trained on; it has "
                         f"{columns}. Compute the same features for these segments.")
    if columns != trained:
        table = table.rename(columns=str)[trained]   # the same features, in the model's order
    return table


def landslide_probability(model: RandomForestClassifier, features: Any) -> np.ndarray:
    """The forest's probability of class 1 (landslide) per row (mean of the trees' votes).

    The feature columns are taken by name in the order the model was trained on, so a table
    with its columns in another order gives the same answer; a missing column is refused.
    """
    _check_model(model)
    table = _model_columns(model, check_features(features))
    if 1 not in set(model.classes_):
        raise ValueError(f"model was trained on classes {list(model.classes_)}; it needs class "
                         "1 (landslide). Train it on 0/1 labels.")
    column = list(model.classes_).index(1)
    return model.predict_proba(table)[:, column]


def landslide_class(probability: Any, threshold: float = 0.5) -> np.ndarray:
    """1 where the probability is **above** ``threshold``, else 0 (float64; NaN stays NaN).

    A tie goes to "not landslide", as ``RandomForestClassifier.predict`` (and so SALaD)
    decides it.

    >>> landslide_class([0.2, 0.5, 0.502, float("nan")]).tolist()
    [0.0, 0.0, 1.0, nan]
    """
    threshold = validation.check_number(threshold, "threshold", minimum=0.0, maximum=1.0,
                                        fix="A probability, e.g. 0.5 (SALaD).")
    p = validation.check_fraction(validation.as_array(probability, "probability", kinds="fiu",
                                                      allow_empty=True).astype(np.float64),
                                  "probability", what="a probability (0-1)")
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(p), np.nan, (p > threshold).astype(np.float64))


def importances(model: RandomForestClassifier, features: Any, y: Any, *, n_repeats: int = 5,
                scoring: str = "matthews_corrcoef", seed: int = DEFAULT_SEED,
                n_jobs: int = 1) -> pd.DataFrame:
    """Impurity and permutation importances, one row per feature, most important first.

    Args:
        model: a fitted forest.
        features, y: the data to permute on (held-out segments, for an honest answer).
        n_repeats: shuffles per feature.
        scoring: a scikit-learn scorer name (MCC by default, the course's headline score).
        seed: for the shuffles.

    Returns:
        columns ``impurity``, ``permutation`` (mean drop in the score) and
        ``permutation_std``.
    """
    _check_model(model)
    table = _model_columns(model, check_features(features))
    y = _check_y(y, len(table))
    validation.check_integer(n_repeats, "n_repeats", minimum=1)
    _check_scoring(scoring)
    validation.check_integer(seed, "seed", minimum=0, maximum=2**32 - 1)
    _check_n_jobs(n_jobs)
    result = permutation_importance(model, table, y, scoring=scoring,
                                    n_repeats=n_repeats, random_state=seed, n_jobs=n_jobs)
    out = pd.DataFrame({"impurity": model.feature_importances_,
                        "permutation": result.importances_mean,
                        "permutation_std": result.importances_std},
                       index=pd.Index(table.columns, name="feature"))
    return out.sort_values("permutation", ascending=False)


def _check_scoring(scoring: Any) -> None:
    from sklearn.metrics import get_scorer_names

    names = get_scorer_names()
    if scoring not in names:
        close = [n for n in names if str(scoring).lower().split("_")[0] in n][:5]
        raise ValueError(f"scoring must be a scikit-learn scorer name, e.g. "
                         f"'matthews_corrcoef' or 'f1'; got {scoring!r}."
                         + (f" Close names: {close}." if close else ""))


def segment_values_to_pixels(labels: np.ndarray, values: Any, index: Any = None,
                             fill: float = np.nan) -> np.ndarray:
    """Paint one value per segment back onto the pixels (float32; ``fill`` where unknown).

    Args:
        labels: segment raster, 0 = no segment (gets ``fill``, e.g. NaN = nodata).
        values: one value per segment: an array for segments 1..n, or a Series / array with
            ``index`` giving the segment labels (segments not listed get ``fill``). A Series
            uses its index as the labels, so a Series with the default 0-based index is
            refused (its values would land on the neighbouring segment): pass
            ``series.to_numpy()`` or index it by label.
        index: the segment label (1..n) of each value, each at most once.
        fill: value for pixels of no segment (label 0) and of segments not listed.

    >>> segment_values_to_pixels(np.array([[0, 1, 2]]), [0.25, 0.75]).tolist()
    [[nan, 0.25, 0.75]]
    """
    labels = as_labels(labels)
    n = int(labels.max())
    lookup = np.full(n + 1, fill, dtype=np.float64)
    from_series = index is None and isinstance(values, pd.Series)
    if from_series:
        index = values.index
    if isinstance(values, pd.DataFrame):
        raise TypeError(validation.expected_message(
            "values", "one value per segment (an array or a Series)", values,
            "Pick one column, e.g. table['prob'] (or probability, an array)."))
    values = validation.as_array(values, "values", ndim=1, allow_empty=True,
                                 fix="One value per segment: a 1-D array (use .ravel() on a "
                                     "column).").astype(np.float64)
    if index is None:
        if len(values) != n:
            raise ValueError(f"values has {len(values)} values for {n} segments; pass one value "
                             "per segment 1..n, or index= (the labels) for a subset.")
        lookup[1:] = values
    else:
        where = "values' Series index" if from_series else "index"
        labels_of = validation.as_array(np.asarray(index), where, ndim=1, allow_empty=True,
                                        kinds="biuf")
        if len(labels_of) != len(values):
            raise ValueError(f"index has {len(labels_of)} labels for {len(values)} values: one "
                             "segment label per value.")
        if labels_of.size and (labels_of.min() < 1 or labels_of.max() > n
                               or not np.array_equal(labels_of, np.round(labels_of))):
            hint = (" It starts at 0: this looks like a 0-based position, not a segment label; "
                    "pass values.to_numpy() for segments 1..n in order, or shift the index by 1."
                    if labels_of.min() == 0 else "")
            raise ValueError(f"{where} must hold segment labels 1..{n} (0 = no segment); got "
                             f"values from {labels_of.min():g} to {labels_of.max():g}.{hint}")
        labels_of = labels_of.astype(np.int64)
        if len(np.unique(labels_of)) != len(labels_of):
            raise ValueError(f"{where} lists a segment more than once; give each segment one "
                             "value.")
        lookup[labels_of] = values
    lookup[0] = fill
    return lookup[labels].astype(np.float32)


def split_segments_by_column(labels: np.ndarray, column: int, gap: int = 0) -> pd.Series:
    """Assign each segment to the ``"west"`` or ``"east"`` part of the grid, or to neither.

    A segment whose pixels all lie in columns ``< column - gap`` is west, one whose pixels all
    lie in columns ``>= column + gap`` is east; the others (they touch the strip between) are
    ``"gap"`` and are used for neither training nor testing, so no segment is on both sides
    (``scipy.ndimage.minimum/maximum``, no loop over segments).

    Returns:
        a Series indexed by segment 1..n.

    >>> split_segments_by_column(np.array([[1, 2, 2, 3, 3]]), column=2).tolist()
    ['west', 'gap', 'east']
    """
    labels = as_labels(labels)
    column = validation.check_number(column, "column", minimum=0, maximum=labels.shape[1],
                                     fix=f"It is a pixel column of the grid (0-{labels.shape[1]}), "
                                         "not a map coordinate: (x - transform.c) / transform.a.")
    gap = validation.check_number(gap, "gap", minimum=0, fix="A number of pixel columns.")
    n = int(labels.max())
    index = np.arange(1, n + 1)
    cols = np.broadcast_to(np.arange(labels.shape[1]), labels.shape)
    first = np.asarray(ndimage.minimum(cols, labels, index))
    last = np.asarray(ndimage.maximum(cols, labels, index))
    side = np.where(last < column - gap, "west", np.where(first >= column + gap, "east", "gap"))
    return pd.Series(side, index=pd.RangeIndex(1, n + 1, name="segment"), name="part")


def split_segments_by_region(labels: np.ndarray, region: Any) -> pd.Series:
    """Where each segment lies against a region (e.g. the test blocks): ``"inside"``,
    ``"outside"`` or ``"across"`` (some pixels on each side).

    A model scored on ``region`` may train on the ``"outside"`` segments only; the segments
    across its edge are used for neither training nor (as whole segments) testing.

    Returns:
        a Series indexed by segment 1..n.

    >>> split_segments_by_region(np.array([[1, 2, 2, 3]]), np.array([[0, 0, 1, 1]], bool)).tolist()
    ['outside', 'across', 'inside']
    """
    labels = as_labels(labels)
    region = validation.check_mask(region, "region", shape=labels.shape,
                                   example="region = split.region('test')")
    n = int(labels.max())
    flat = labels.ravel()
    size = np.bincount(flat, minlength=n + 1)[1:]
    in_region = np.bincount(flat, weights=region.ravel(), minlength=n + 1)[1:]
    side = np.where(in_region == 0, "outside", np.where(in_region == size, "inside", "across"))
    return pd.Series(side, index=pd.RangeIndex(1, n + 1, name="segment"), name="part")
