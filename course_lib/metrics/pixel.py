"""Pixel scores of a binary landslide map: confusion counts, precision, recall, F1, MCC.

The formulas (Ganerød, Lindsay et al. 2023, *Remote Sensing* 15:895, Table 2, with the square
root the paper's MCC denominator lacks; Chicco and Jurman 2020, *BMC Genomics* 21:6):

* precision = TP / (TP + FP); recall = TP / (TP + FN); F1 = 2 TP / (2 TP + FP + FN);
* MCC = (TP TN - FP FN) / sqrt((TP + FP)(TP + FN)(TN + FP)(TN + FN)).

A score whose denominator is zero is undefined: ``float('nan')``, printed "-". When no pixel at
all is left to assess (truth or prediction NaN everywhere, ``valid`` False everywhere, or their
valid pixels never on the same pixel) every count is 0 and every score undefined, and a
:class:`NoValidPixelWarning` names the input that removed them: such a result is almost always
a mistake upstream (a map computed under full cloud, a mask inverted), not a score.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any, Iterable

import numpy as np

from course_lib.metrics.tables import format_score
from course_lib.validation import (as_2d, binary_and_valid, check_bool, check_number,
                                   check_same_shape, describe)

#: Codes of :func:`confusion_map`: ``2 * truth + prediction``, and 255 for nodata.
TN, FP, FN, TP = 0, 1, 2, 3


NODATA = 255


CONFUSION_CODES: dict[str, int] = {"TN": TN, "FP": FP, "FN": FN, "TP": TP, "nodata": NODATA}


UNDEFINED = float("nan")


class NoValidPixelWarning(UserWarning):
    """No pixel is left to assess: every count is 0 and every score undefined (NaN)."""


def _valid_mask(valid: Any, shape: tuple[int, int]) -> np.ndarray:
    if valid is None:
        return np.ones(shape, dtype=bool)
    mask = as_2d(valid, "valid")
    if mask.dtype != bool:
        raise TypeError(
            f"valid must be a boolean mask (True = pixel counts); got dtype {mask.dtype}. "
            "For a nodata mask pass valid=~nodata."
        )
    return mask


def _check_counts(counts: Any, name: str = "counts") -> "ConfusionCounts":
    if not isinstance(counts, ConfusionCounts):
        raise TypeError(f"{name} must be ConfusionCounts (from confusion_counts(truth, "
                        f"prediction)); got {describe(counts)}. E.g. "
                        "precision(confusion_counts(truth, prediction)).")
    return counts


def _ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, or NaN (undefined) when the denominator is 0."""
    return numerator / denominator if denominator != 0 else UNDEFINED


@dataclass(frozen=True)
class Scores:
    """Precision, recall, F1, MCC and accuracy as fractions (0-1); NaN means undefined.

    >>> s = ConfusionCounts(tp=0, fp=0, fn=5, tn=95).scores()
    >>> s.precision
    nan
    >>> s.format()
    {'precision': '-', 'recall': '0', 'f1': '0', 'mcc': '-', 'accuracy': '95'}
    >>> s.text()
    'precision -, recall 0 %, F1 0 %, MCC -, accuracy 95 %'
    """

    precision: float
    recall: float
    f1: float
    mcc: float
    accuracy: float

    def as_dict(self) -> dict[str, float]:
        """The scores as a plain dict (NaN for undefined)."""
        return asdict(self)

    def format(self, percent: bool = True, digits: int = 0) -> dict[str, str]:
        """The scores as strings, in percent by default, with "-" for undefined."""
        return {name: format_score(value, percent, digits) for name, value in asdict(self).items()}

    def text(self, digits: int = 0) -> str:
        """One line for printing, in percent, "-" for an undefined score.

        >>> Scores(0.841, 0.519, 0.642, 0.656, 0.991).text(digits=1)
        'precision 84.1 %, recall 51.9 %, F1 64.2 %, MCC 65.6 %, accuracy 99.1 %'
        """
        labels = {"precision": "precision", "recall": "recall", "f1": "F1", "mcc": "MCC",
                  "accuracy": "accuracy"}
        parts = []
        for name, value in self.format(percent=True, digits=digits).items():
            parts.append(f"{labels[name]} {value}" + ("" if value == "-" else " %"))
        return ", ".join(parts)

    def is_defined(self, name: str) -> bool:
        """True when the named score is defined (its denominator was not zero)."""
        return not math.isnan(getattr(self, name))


@dataclass(frozen=True)
class ConfusionCounts:
    """Pixel counts of a binary map against the truth (nodata excluded)."""

    tp: int
    fp: int
    fn: int
    tn: int

    def __post_init__(self) -> None:
        for name in ("tp", "fp", "fn", "tn"):
            value = getattr(self, name)
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{name} must be a pixel count (an int); got {describe(value)}. "
                                "Use confusion_counts(truth, prediction) to count them.")
            if value < 0:
                raise ValueError(f"{name} must be >= 0; got {value}. Use "
                                 "confusion_counts(truth, prediction) to count them.")

    @property
    def total(self) -> int:
        """Number of valid pixels."""
        return self.tp + self.fp + self.fn + self.tn

    def scores(self) -> Scores:
        """Precision, recall, F1, MCC and accuracy of these counts."""
        return Scores(precision=precision(self), recall=recall(self), f1=f1_score(self),
                      mcc=mcc(self), accuracy=accuracy(self))

    def as_dict(self) -> dict[str, int]:
        """The counts as a plain dict."""
        return asdict(self)


def precision(counts: ConfusionCounts) -> float:
    """TP / (TP + FP); undefined (NaN) when nothing was predicted as landslide.

    >>> precision(ConfusionCounts(tp=3, fp=1, fn=0, tn=10))
    0.75
    """
    counts = _check_counts(counts)
    return _ratio(counts.tp, counts.tp + counts.fp)


def recall(counts: ConfusionCounts) -> float:
    """TP / (TP + FN); undefined (NaN) when the truth holds no landslide pixel.

    >>> recall(ConfusionCounts(tp=3, fp=1, fn=1, tn=10))
    0.75
    """
    counts = _check_counts(counts)
    return _ratio(counts.tp, counts.tp + counts.fn)


def f1_score(counts: ConfusionCounts) -> float:
    """2 TP / (2 TP + FP + FN); undefined (NaN) when truth and prediction are both all negative.

    >>> f1_score(ConfusionCounts(tp=2, fp=1, fn=1, tn=10))
    0.6666666666666666
    """
    counts = _check_counts(counts)
    return _ratio(2 * counts.tp, 2 * counts.tp + counts.fp + counts.fn)


def accuracy(counts: ConfusionCounts) -> float:
    """(TP + TN) / all pixels: misleading when landslides are rare (see the module docstring)."""
    counts = _check_counts(counts)
    return _ratio(counts.tp + counts.tn, counts.total)


def mcc(counts: ConfusionCounts) -> float:
    """Matthews correlation coefficient, with the square root in the denominator.

    MCC = (TP TN - FP FN) / sqrt((TP + FP)(TP + FN)(TN + FP)(TN + FN))

    (Matthews 1975; recommended for imbalanced binary problems by Chicco and Jurman 2020,
    *BMC Genomics* 21:6). The paper's Table 2 prints the denominator **without** the square
    root, a typesetting slip: without it the value is not a correlation and shrinks towards 0
    as the image grows. The square root is the definition used here and by
    ``sklearn.metrics.matthews_corrcoef``.

    Undefined (NaN) when any of the four sums is zero, i.e. when the truth or the prediction is
    all one class (scikit-learn returns 0 there; the paper prints "-"). Products are computed in
    floating point, so large images do not overflow.

    >>> mcc(ConfusionCounts(tp=5, fp=0, fn=0, tn=95))
    1.0
    >>> mcc(ConfusionCounts(tp=0, fp=0, fn=5, tn=95))
    nan
    """
    counts = _check_counts(counts)
    tp, fp, fn, tn = (float(v) for v in (counts.tp, counts.fp, counts.fn, counts.tn))
    denominator = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    if denominator == 0:
        return UNDEFINED
    return (tp * tn - fp * fn) / math.sqrt(denominator)


def confusion_counts(truth: Any, prediction: Any, valid: Any = None) -> ConfusionCounts:
    """Count TP, FP, FN and TN of a binary ``prediction`` against a binary ``truth``.

    Args:
        truth: reference mask (1 = landslide, 0 = not), 2-D or a single-band Raster; NaN in a
            float array means nodata.
        prediction: the map to assess, same grid; NaN means nodata (e.g. under cloud).
        valid: optional boolean mask, True where a pixel counts (e.g. ``~cloud``).

    Pixels that are nodata in either input or False in ``valid`` are left out of all four counts.

    Raises:
        ValueError: shapes differ, or an input is not binary.

    Warns:
        NoValidPixelWarning: no pixel is left to assess; every count is 0 and every score
            undefined. The message names the input that removed them.

    >>> truth = np.array([[1, 1, 0, 0]])
    >>> confusion_counts(truth, np.array([[1, 0, 1, 0]]))
    ConfusionCounts(tp=1, fp=1, fn=1, tn=1)
    """
    t, p, keep = _check_maps(truth, prediction, valid)
    t, p = t[keep], p[keep]
    tp = int(np.count_nonzero(t & p))
    fp = int(np.count_nonzero(~t & p))
    fn = int(np.count_nonzero(t & ~p))
    tn = int(t.size - tp - fp - fn)
    return ConfusionCounts(tp=tp, fp=fp, fn=fn, tn=tn)


def evaluate(truth: Any, prediction: Any, valid: Any = None) -> Scores:
    """Scores of ``prediction`` against ``truth``: ``confusion_counts(...).scores()``."""
    return confusion_counts(truth, prediction, valid).scores()


def confusion_map(truth: Any, prediction: Any, valid: Any = None) -> np.ndarray:
    """A uint8 map of confusion codes: TN 0, FP 1, FN 2, TP 3, nodata 255.

    The code is ``2 * truth + prediction``, so it can be read off by hand.

    >>> confusion_map(np.array([[0, 0, 1, 1]]), np.array([[0, 1, 0, np.nan]])).tolist()
    [[0, 1, 2, 255]]
    """
    t, p, keep = _check_maps(truth, prediction, valid)
    codes = (2 * t.astype(np.uint8) + p.astype(np.uint8)).astype(np.uint8)
    codes[~keep] = NODATA
    return codes


def threshold_counts(score: Any, truth: Any, threshold: float, *, above: bool = True,
                     valid: Any = None) -> ConfusionCounts:
    """Confusion counts of ``score >= threshold`` (or ``score <= threshold`` if not ``above``).

    NaN in ``score`` is nodata. ``threshold`` is on the score's own scale: a probability map
    (0-1) needs a threshold in 0-1 (0.5, not 50); a percent threshold is refused.
    """
    return threshold_sweep(score, truth, [threshold], above=above, valid=valid)[0]


def threshold_sweep(score: Any, truth: Any, thresholds: Iterable[float], *, above: bool = True,
                    valid: Any = None) -> list[ConfusionCounts]:
    """Confusion counts of a score map thresholded at each value of ``thresholds``.

    A pixel is predicted landslide when ``score >= t`` (``above=True``, e.g. a probability) or
    ``score <= t`` (``above=False``, e.g. dNDVI, which drops where vegetation is stripped).
    Exact, and fast for many thresholds: the scores of true landslide and non-landslide pixels
    are sorted once and each threshold is a binary search.

    Raises:
        ValueError: a NaN threshold, or a threshold above 1 for a score map within 0-1 (a
            percent given for a probability: nothing would be detected).

    Warns:
        NoValidPixelWarning: no pixel left to assess (every count 0).
    """
    s, t, keep, thresholds = _check_sweep(score, truth, thresholds, above, valid)
    pos = np.sort(s[keep & t])
    neg = np.sort(s[keep & ~t])
    out = []
    for thr in thresholds:
        if above:
            tp = pos.size - np.searchsorted(pos, thr, side="left")
            fp = neg.size - np.searchsorted(neg, thr, side="left")
        else:
            tp = np.searchsorted(pos, thr, side="right")
            fp = np.searchsorted(neg, thr, side="right")
        out.append(ConfusionCounts(tp=int(tp), fp=int(fp), fn=int(pos.size - tp),
                                   tn=int(neg.size - fp)))
    return out


# --------------------------------------------------------------------------- input checks
def _check_maps(truth: Any, prediction: Any, valid: Any
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boolean truth and prediction and the pixels to assess (valid in both and in ``valid``).

    Warns with :class:`NoValidPixelWarning` when no pixel is left.
    """
    t, t_valid = binary_and_valid(truth, "truth")
    p, p_valid = binary_and_valid(prediction, "prediction")
    mask = _valid_mask(valid, t.shape)
    check_same_shape(truth=t, prediction=p, valid=mask)
    keep = t_valid & p_valid & mask
    _warn_if_nothing_to_assess(keep, truth=t_valid, prediction=p_valid, valid=mask)
    return t, p, keep


def _check_sweep(score: Any, truth: Any, thresholds: Any, above: Any, valid: Any
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[float]]:
    """Score (float64), boolean truth, the pixels to assess and the thresholds as floats,
    on the score's scale (a percent threshold for a 0-1 score, or fractions for a score in
    percent, detect nothing or everything)."""
    check_bool(above, "above")
    s = as_2d(score, "score").astype(np.float64)
    if isinstance(thresholds, (str, bytes)) or not hasattr(thresholds, "__iter__"):
        raise TypeError(f"thresholds must be a sequence of numbers, e.g. np.linspace(0, 1, 21); "
                        f"got {describe(thresholds)}. For one threshold use threshold_counts.")
    thresholds = [check_number(t, "threshold") for t in thresholds]
    finite = s[np.isfinite(s)]
    if finite.size and finite.min() >= 0 and finite.max() <= 1:
        high = [t for t in thresholds if t > 1]
        if high:
            raise ValueError(
                f"threshold must be on the score's scale, 0-1 for this score map; got {high[0]:g}"
                f". Nothing would be detected (TP = FP = 0). Percent? Use {high[0] / 100:g}.")
    if finite.size and finite.min() >= 0 and 1 < finite.max() <= 100 and thresholds and \
            all(0 < t <= 1 for t in thresholds):
        raise ValueError(
            f"score holds values up to {finite.max():.4g} (percent?) but every threshold is a "
            "fraction (0-1): almost every pixel would be detected. Divide the score by 100, or "
            "give thresholds on its scale.")
    t, t_valid = binary_and_valid(truth, "truth")
    mask = _valid_mask(valid, t.shape)
    check_same_shape(score=s, truth=t, valid=mask)
    keep = t_valid & mask & ~np.isnan(s)
    _warn_if_nothing_to_assess(keep, score=~np.isnan(s), truth=t_valid, valid=mask)
    return s, t, keep, thresholds


def _warn_if_nothing_to_assess(keep: np.ndarray, **valid: np.ndarray) -> None:
    """A :class:`NoValidPixelWarning` naming why no pixel is left, when none is."""
    if keep.any():
        return
    empty = [name for name, mask in valid.items() if not mask.any()]
    if empty:
        why = " and ".join(f"{name} is {'False' if name == 'valid' else 'NaN (nodata)'} "
                           "everywhere" for name in empty)
    else:
        why = (f"{', '.join(valid)} each have valid pixels, but never on the same pixel")
    warnings.warn(
        f"No pixel left to assess: {why}. Every count is 0 and every score undefined (NaN, "
        "printed '-'). Check the map that has no data (computed under full cloud? a mask "
        "inverted, valid=~mask?).", NoValidPixelWarning, stacklevel=4)
