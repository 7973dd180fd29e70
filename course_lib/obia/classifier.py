"""The object classifier: a seeded random forest on segment features, and its importances.

SALaD classifies segments with a random forest of 500 trees (Breiman 2001, *Machine
Learning* 45:5-32; Amatya et al. 2021) on the object means of its five features. The
original set no random seed and no class weights; here both are explicit, and the feature
importances come two ways (scikit-learn user guide, "Permutation feature importance"):

* **impurity** (mean decrease in Gini impurity, computed on the training data): fast, but it
  favours features with many distinct values and says nothing about new data;
* **permutation** (drop in a score when one feature's values are shuffled, on held-out data):
  slower, honest about what the model uses on data it has not seen.

Also here: :func:`split_segments_by_column`, a spatial train/test split of segments, because
neighbouring segments are alike and a random split would leak (Roberts et al. 2017,
*Ecography* 40:913-929).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import ndimage
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance

from course_lib.config import DEFAULT_SEED

__all__ = ["check_features", "train_random_forest", "landslide_probability", "importances",
           "segment_values_to_pixels", "split_segments_by_column"]


def check_features(features: Any, name: str = "features") -> pd.DataFrame:
    """A feature table as a DataFrame, refusing NaN or infinite values (never train on NaN)."""
    table = pd.DataFrame(features)
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
    y = np.asarray(y).astype(int).ravel()
    if len(y) != len(table):
        raise ValueError(f"y has {len(y)} values for {len(table)} feature rows.")
    if set(np.unique(y)) != {0, 1}:
        raise ValueError(f"y must hold both classes 0 and 1; got {sorted(set(np.unique(y)))}. "
                         "Is there any landslide segment in the training part?")
    model = RandomForestClassifier(n_estimators=n_estimators, class_weight=class_weight,
                                   random_state=seed, n_jobs=n_jobs, **options)
    return model.fit(table, y)


def landslide_probability(model: RandomForestClassifier, features: Any) -> np.ndarray:
    """The forest's probability of class 1 (landslide) per row (mean of the trees' votes)."""
    table = check_features(features)
    column = list(model.classes_).index(1)
    return model.predict_proba(table)[:, column]


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
    table = check_features(features)
    result = permutation_importance(model, table, np.asarray(y).astype(int), scoring=scoring,
                                    n_repeats=n_repeats, random_state=seed, n_jobs=n_jobs)
    out = pd.DataFrame({"impurity": model.feature_importances_,
                        "permutation": result.importances_mean,
                        "permutation_std": result.importances_std},
                       index=pd.Index(table.columns, name="feature"))
    return out.sort_values("permutation", ascending=False)


def segment_values_to_pixels(labels: np.ndarray, values: Any, index: Any = None,
                             fill: float = np.nan) -> np.ndarray:
    """Paint one value per segment back onto the pixels (float32; ``fill`` where unknown).

    Args:
        labels: segment raster, 0 = no segment (gets ``fill``, e.g. NaN = nodata).
        values: one value per segment: an array for segments 1..n, or a Series / array with
            ``index`` giving the segment labels (segments not listed get ``fill``).

    >>> segment_values_to_pixels(np.array([[0, 1, 2]]), [0.25, 0.75]).tolist()
    [[nan, 0.25, 0.75]]
    """
    labels = np.asarray(labels)
    n = int(labels.max())
    lookup = np.full(n + 1, fill, dtype=np.float64)
    if index is None and isinstance(values, pd.Series):
        index = values.index
    values = np.asarray(values, dtype=np.float64)
    if index is None:
        if len(values) != n:
            raise ValueError(f"{len(values)} values for {n} segments; pass index= for a subset.")
        lookup[1:] = values
    else:
        lookup[np.asarray(index, dtype=np.int64)] = values
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
    labels = np.asarray(labels)
    n = int(labels.max())
    index = np.arange(1, n + 1)
    cols = np.broadcast_to(np.arange(labels.shape[1]), labels.shape)
    first = np.asarray(ndimage.minimum(cols, labels, index))
    last = np.asarray(ndimage.maximum(cols, labels, index))
    side = np.where(last < column - gap, "west", np.where(first >= column + gap, "east", "gap"))
    return pd.Series(side, index=pd.RangeIndex(1, n + 1, name="segment"), name="part")
