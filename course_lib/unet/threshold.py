"""Choose the probability threshold on the validation set (MCC- or F1-optimal).

A sigmoid output of 0.5 is not the best cut for a class that covers about 1 % of the pixels:
the network's probabilities are shaped by the loss and by the class balance. The threshold is
therefore chosen where the validation score peaks, and stored with the model; the test set is
never used for it (see notebook 06, "tune on one area, report on another").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib.validation import as_array, check_choice, check_fraction

METRICS = ("mcc", "f1")


def _checked(probability: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities in [0, 1] and labels in {0, 1} (-1 / NaN = ignored), flattened."""
    p = as_array(probability, "probability", kinds="biuf", allow_empty=True).astype(
        np.float64).ravel()
    t = as_array(truth, "truth", kinds="biuf", allow_empty=True).astype(np.float64).ravel()
    check_fraction(p, "probability", what="a probability",
                   fix="Percent? Divide by 100. A logit or a score? Pass probabilities "
                       "(model.predict_proba gives them).")
    values = np.unique(t[np.isfinite(t)])
    extra = values[~np.isin(values, (-1.0, 0.0, 1.0))]
    if extra.size:
        fix = ("A 0/255 mask? Convert it with truth = (mask > 0)." if set(extra.tolist()) ==
               {255.0} else "Make a binary mask first, e.g. truth = (codes == landslide_code).")
        raise ValueError(f"truth must hold 0/1 labels (-1 or NaN = ignored); found the values "
                         f"{values[:6].tolist()}. {fix}")
    if p.shape != t.shape:
        raise ValueError(f"probability has {p.size} pixels but truth {t.size}; they must be "
                         "the same pixels.")
    return p, t


@dataclass
class ThresholdChoice:
    """The chosen threshold and the curve it was picked from.

    Attributes:
        threshold: probability at or above which a pixel is a landslide.
        score: the validation score at that threshold (NaN if undefined everywhere).
        metric: ``"mcc"`` or ``"f1"``.
        thresholds, scores: the candidate grid and the score of each (NaN = undefined).
    """

    threshold: float
    score: float
    metric: str
    thresholds: np.ndarray
    scores: np.ndarray


def scores_by_threshold(probability: np.ndarray, truth: np.ndarray,
                        thresholds: np.ndarray, metric: str = "mcc",
                        valid: np.ndarray | None = None) -> np.ndarray:
    """MCC or F1 of ``probability >= t`` for every ``t`` (one pass over the pixels).

    Pixels count only where ``valid`` (if given), the probability is finite and the truth is
    0 or 1. Scores whose denominator is 0 are NaN (undefined), as in :mod:`course_lib.metrics`.

    >>> p = np.array([0.1, 0.4, 0.6, 0.9]); t = np.array([0, 0, 1, 1])
    >>> scores_by_threshold(p, t, np.array([0.5, 0.95])).tolist()
    [1.0, nan]
    """
    check_choice(metric, "metric", METRICS)
    p, t = _checked(probability, truth)
    ok = np.isfinite(p) & ((t == 0) | (t == 1))
    if valid is not None:
        ok &= np.asarray(valid, dtype=bool).ravel()
    p, t = p[ok], t[ok] == 1
    thr = check_fraction(as_array(thresholds, "thresholds", ndim=1, kinds="iuf").astype(
        np.float64), "thresholds", what="probabilities")
    order = np.sort(thr)
    # number of positives / negatives with p >= threshold, via sorted searches
    pos, neg = np.sort(p[t]), np.sort(p[~t])
    tp = pos.size - np.searchsorted(pos, order, side="left")
    fp = neg.size - np.searchsorted(neg, order, side="left")
    fn, tn = pos.size - tp, neg.size - fp
    tp, fp, fn, tn = (v.astype(np.float64) for v in (tp, fp, fn, tn))
    with np.errstate(invalid="ignore", divide="ignore"):
        if metric == "mcc":
            den = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
            out = np.where(den > 0, (tp * tn - fp * fn) / den, np.nan)
        else:
            den = 2 * tp + fp + fn
            out = np.where(den > 0, 2 * tp / den, np.nan)
    back = np.empty_like(out)
    back[np.argsort(thr, kind="stable")] = out
    return back


def choose_threshold(probability: np.ndarray, truth: np.ndarray, *, metric: str = "mcc",
                     valid: np.ndarray | None = None,
                     thresholds: np.ndarray | None = None) -> ThresholdChoice:
    """The threshold that maximises MCC (or F1) on validation pixels.

    Args:
        probability: predicted probabilities in [0, 1] (any shape; NaN = no prediction); a
            percent is refused with the fix.
        truth: 0/1 labels of the same shape (-1 or NaN = ignored). A 0/255 mask or class
            codes are refused with the fix (255 would otherwise be taken for "ignore").
        metric: ``"mcc"`` (default, the paper's headline score) or ``"f1"``.
        valid: optional boolean mask of the pixels to use (e.g. the validation blocks).
        thresholds: candidates (default 0.02, 0.03, ..., 0.98).

    Returns:
        :class:`ThresholdChoice`. When no candidate has a defined score (e.g. no landslide in
        the validation pixels) the threshold falls back to 0.5 with score NaN.

    >>> p = np.array([0.1, 0.2, 0.3, 0.35]); t = np.array([0, 0, 1, 1])
    >>> choose_threshold(p, t).threshold
    0.21
    """
    grid = np.round(np.arange(0.02, 0.985, 0.01), 2) if thresholds is None else as_array(
        thresholds, "thresholds", ndim=1, kinds="iuf").astype(float)
    scores = scores_by_threshold(probability, truth, grid, metric, valid)
    if np.isnan(scores).all():
        return ThresholdChoice(0.5, float("nan"), metric, grid, scores)
    best = int(np.nanargmax(scores))
    return ThresholdChoice(float(grid[best]), float(scores[best]), metric, grid, scores)
