"""Accuracy assessment of binary landslide maps: confusion counts, precision, recall, F1, MCC.

The paper (Ganerød, Lindsay et al. 2023, *Remote Sensing* 15:895, section 3.4 and Table 2)
compares every landslide map with a reference mask through a *confusion map* of true positives
(TP), false positives (FP), false negatives (FN) and true negatives (TN), and four scores:

* precision = TP / (TP + FP): of the pixels mapped as landslide, the share that are;
* recall = TP / (TP + FN): of the landslide pixels, the share that were found;
* F1 = 2 TP / (2 TP + FP + FN): the harmonic mean of precision and recall;
* MCC = (TP TN - FP FN) / sqrt((TP + FP)(TP + FN)(TN + FP)(TN + FN)): Matthews correlation
  coefficient, from -1 (always wrong) through 0 (no better than chance) to 1 (perfect).

MCC is the headline score because landslides are a few percent of the pixels: accuracy and even
F1 ignore or under-weight the true negatives, while MCC is high only when all four cells of the
confusion matrix are good (Chicco and Jurman 2020, "The advantages of the Matthews correlation
coefficient (MCC) over F1 score and accuracy in binary classification evaluation",
*BMC Genomics* 21:6).

A score whose denominator is zero is **undefined** (the paper prints "-"): for example precision
when nothing was mapped as landslide. Undefined is ``float('nan')`` here, never 0 and never an
exception; :meth:`Scores.format` prints it as "-".

Arrays are 2-D ``(rows, cols)``; a :class:`~course_lib.data.raster.Raster` with a single band
``(1, rows, cols)`` is accepted wherever an array is. Pure functions, no plotting (see
:mod:`course_lib.viz.evaluation_plots`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import numpy as np
from affine import Affine

from course_lib.validation import as_array, check_integer, check_number, describe

if TYPE_CHECKING:  # pragma: no cover - imported for type hints only
    import geopandas as gpd
    import pandas as pd

#: Codes of :func:`confusion_map`: ``2 * truth + prediction``, and 255 for nodata.
TN, FP, FN, TP = 0, 1, 2, 3
NODATA = 255
CONFUSION_CODES: dict[str, int] = {"TN": TN, "FP": FP, "FN": FN, "TP": TP, "nodata": NODATA}

#: Name of the row for the whole study area in :func:`metrics_by_region`.
WHOLE_AREA = "Whole area"

UNDEFINED = float("nan")


# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------

def as_2d(array: Any, name: str = "array") -> np.ndarray:
    """Return ``array`` (numpy array or single-band Raster) as a 2-D ``(rows, cols)`` array.

    >>> as_2d(np.zeros((1, 2, 3))).shape
    (2, 3)
    """
    data = as_array(array, name, kinds="biuf",
                    fix="Pass a 2-D (rows, cols) array or a single-band Raster.")
    if data.ndim == 3 and data.shape[0] == 1:
        data = data[0]
    if data.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (rows, cols) or a single-band (1, rows, cols) raster; got shape "
            f"{data.shape}. Pick one band or one date first."
        )
    return data


def binary_and_valid(array: Any, name: str = "array") -> tuple[np.ndarray, np.ndarray]:
    """Split a binary map into a boolean map and a validity mask (False where NaN).

    Accepts bool, integer or float arrays holding only 0 and 1 (NaN allowed in floats, meaning
    nodata).

    Raises:
        ValueError: when the array holds anything but 0, 1 (and NaN), e.g. a probability map
            that was not thresholded, or a 0/255 mask.

    >>> b, v = binary_and_valid(np.array([[0.0, 1.0, np.nan]]))
    >>> b.tolist(), v.tolist()
    ([[False, True, False]], [[True, True, False]])
    """
    data = as_2d(array, name)
    if data.dtype == bool:
        return data, np.ones(data.shape, dtype=bool)
    if not (np.issubdtype(data.dtype, np.integer) or np.issubdtype(data.dtype, np.floating)):
        raise TypeError(f"{name} must be a numeric or boolean array; got dtype {data.dtype}.")
    valid = ~np.isnan(data) if np.issubdtype(data.dtype, np.floating) else np.ones(data.shape, bool)
    values = data[valid]
    bad = (values != 0) & (values != 1)
    if bad.any():
        examples = np.unique(values[bad])[:5].tolist()
        raise ValueError(
            f"{name} must be binary (0 = no landslide, 1 = landslide, NaN = nodata); found other "
            f"values such as {examples}. Threshold a score map first (e.g. score >= 0.5) or "
            "convert a 0/255 mask with mask > 0."
        )
    return _to_bool(data, valid), valid


def _to_bool(data: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``data == 1`` where valid, False elsewhere (NaN compares False anyway)."""
    return (data == 1) & valid


def _check_same_shape(**arrays: np.ndarray) -> None:
    shapes = {name: a.shape for name, a in arrays.items() if a is not None}
    if len(set(shapes.values())) > 1:
        raise ValueError(
            "Shapes differ: " + ", ".join(f"{n} {s}" for n, s in shapes.items())
            + ". Truth, prediction and masks must be on the same pixel grid (resample or crop "
            "the prediction to the truth's grid)."
        )


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


# --------------------------------------------------------------------------------------------
# Confusion counts and scores
# --------------------------------------------------------------------------------------------

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


def format_score(value: float | None, percent: bool = True, digits: int = 0) -> str:
    """One score as text: "-" when undefined (NaN or None), else e.g. ``'73'`` or ``'0.73'``.

    >>> format_score(0.7349), format_score(float("nan")), format_score(0.7349, percent=False, digits=2)
    ('73', '-', '0.73')
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if value is None:
        return "-"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"value must be one score, a number (NaN or None = undefined); got "
                        f"{describe(value)}. For a table use course_lib.results.format_percent.")
    if math.isnan(float(value)):   # any float type: numpy float32 NaN prints "-" too
        return "-"
    value = float(value)
    return f"{value * 100:.{digits}f}" if percent else f"{value:.{digits}f}"


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
                raise TypeError(f"{name} must be a pixel count (an int); got {describe(value)}.")
            if value < 0:
                raise ValueError(f"{name} must be >= 0; got {value}.")

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

    >>> truth = np.array([[1, 1, 0, 0]])
    >>> confusion_counts(truth, np.array([[1, 0, 1, 0]]))
    ConfusionCounts(tp=1, fp=1, fn=1, tn=1)
    """
    t, t_valid = binary_and_valid(truth, "truth")
    p, p_valid = binary_and_valid(prediction, "prediction")
    mask = _valid_mask(valid, t.shape)
    _check_same_shape(truth=t, prediction=p, valid=mask)
    keep = t_valid & p_valid & mask
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
    t, t_valid = binary_and_valid(truth, "truth")
    p, p_valid = binary_and_valid(prediction, "prediction")
    mask = _valid_mask(valid, t.shape)
    _check_same_shape(truth=t, prediction=p, valid=mask)
    codes = (2 * t.astype(np.uint8) + p.astype(np.uint8)).astype(np.uint8)
    codes[~(t_valid & p_valid & mask)] = NODATA
    return codes


# --------------------------------------------------------------------------------------------
# Threshold sweeps (score maps)
# --------------------------------------------------------------------------------------------

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
    """
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
    t, t_valid = binary_and_valid(truth, "truth")
    mask = _valid_mask(valid, t.shape)
    _check_same_shape(score=s, truth=t, valid=mask)
    keep = t_valid & mask & ~np.isnan(s)
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


# --------------------------------------------------------------------------------------------
# Per-region metrics
# --------------------------------------------------------------------------------------------

def _check_frame(frame: Any, name: str) -> None:
    if not hasattr(frame, "geometry") or not hasattr(frame, "columns"):
        raise TypeError(f"{name} must be a GeoDataFrame of polygons (e.g. area['subplots'] or "
                        f"gpd.read_file(...)); got {describe(frame)}.")


def _check_transform(transform: Any, name: str = "transform") -> Affine:
    if not isinstance(transform, Affine):
        raise TypeError(f"{name} must be an affine.Affine pixel grid (e.g. raster.transform); "
                        f"got {describe(transform)}.")
    return transform


def _check_crs(regions: "gpd.GeoDataFrame", crs: Any) -> None:
    if crs is None or regions.crs is None:
        return
    from rasterio.crs import CRS

    if CRS.from_user_input(regions.crs) != CRS.from_user_input(crs):
        raise ValueError(
            f"The regions are in {regions.crs} but the raster is in {crs}; reproject them with "
            "regions.to_crs(raster.crs)."
        )


def region_masks(regions: "gpd.GeoDataFrame", transform: Affine, shape: tuple[int, int], *,
                 name_column: str = "name", crs: Any = None,
                 whole_area: str | None = WHOLE_AREA) -> dict[str, np.ndarray]:
    """Boolean masks (True inside) of each named region on a pixel grid.

    A pixel belongs to a region when its centre lies inside the polygon
    (``rasterio.features.geometry_mask``). The whole grid comes first, named ``whole_area``
    (skip it with ``whole_area=None``).
    """
    from rasterio.features import geometry_mask

    _check_frame(regions, "regions")
    _check_transform(transform)
    if not (isinstance(shape, (tuple, list)) and len(shape) == 2):
        raise TypeError(f"shape must be (rows, cols); got {shape!r}. E.g. truth.shape.")
    shape = tuple(check_integer(v, "shape", minimum=1) for v in shape)
    if name_column not in regions.columns:
        raise KeyError(f"The regions have no column {name_column!r}; columns: "
                       f"{list(regions.columns)}.")
    _check_crs(regions, crs)
    masks: dict[str, np.ndarray] = {}
    if whole_area is not None:
        masks[whole_area] = np.ones(shape, dtype=bool)
    for name, geometry in zip(regions[name_column], regions.geometry):
        inside = geometry_mask([geometry], out_shape=shape, transform=transform, invert=True)
        if not inside.any():
            raise ValueError(f"Region {name!r} covers no pixel of the grid; is it in the "
                             "raster's CRS and extent?")
        masks[str(name)] = inside
    return masks


def metrics_by_region(truth: Any, prediction: Any, regions: "gpd.GeoDataFrame | None" = None,
                      transform: Affine | None = None, *, valid: Any = None,
                      name_column: str = "name", crs: Any = None,
                      whole_area: str = WHOLE_AREA) -> "pd.DataFrame":
    """Counts and scores for the whole grid and each region (e.g. the subplots A-D).

    Args:
        truth, prediction, valid: as in :func:`confusion_counts`. If ``truth`` is a Raster its
            transform and CRS are used when ``transform``/``crs`` are not given.
        regions: GeoDataFrame of polygons with a ``name_column``; None for the whole area only.
        transform: affine transform of the grid (needed with ``regions`` and array inputs).

    Returns:
        A DataFrame indexed by region name with columns tp, fp, fn, tn, n_pixels,
        landslide_fraction, precision, recall, f1, mcc, accuracy (scores as fractions, NaN =
        undefined).
    """
    import pandas as pd

    transform = transform if transform is not None else getattr(truth, "transform", None)
    crs = crs if crs is not None else getattr(truth, "crs", None)
    t_shape = as_2d(truth, "truth").shape
    if regions is None:
        masks = {whole_area: np.ones(t_shape, dtype=bool)}
    else:
        if transform is None:
            raise ValueError("Per-region metrics need the grid's transform: pass transform= or "
                             "a Raster as truth.")
        masks = region_masks(regions, transform, t_shape, name_column=name_column, crs=crs,
                             whole_area=whole_area)
    base = _valid_mask(valid, t_shape)
    rows = {}
    for name, inside in masks.items():
        counts = confusion_counts(truth, prediction, valid=base & inside)
        positives = counts.tp + counts.fn
        rows[name] = {**counts.as_dict(), "n_pixels": counts.total,
                      "landslide_fraction": _ratio(positives, counts.total),
                      **counts.scores().as_dict()}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "region"
    return table


# --------------------------------------------------------------------------------------------
# Object-level metrics
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ObjectScores:
    """Landslide-by-landslide assessment of a binary map.

    Areas are in square CRS units (m² for UTM), counted in whole pixels.

    Attributes:
        n_landslides: mapped landslides (inventory polygons) with at least one valid pixel.
        n_detected: of those, how many the prediction overlaps enough (see
            :func:`object_metrics`).
        landslide_area, detected_area: total area of the assessed / detected landslides.
        n_predicted_objects: connected components of the prediction.
        n_false_detections: predicted components that touch no true landslide pixel.
        predicted_area, false_detection_area: area of all / of the false components.
        n_unassessed: inventory polygons entirely in nodata (left out).
    """

    n_landslides: int
    n_detected: int
    landslide_area: float
    detected_area: float
    n_predicted_objects: int
    n_false_detections: int
    predicted_area: float
    false_detection_area: float
    n_unassessed: int = 0

    @property
    def detection_rate(self) -> float:
        """Share of landslides detected (object recall); NaN when there are none."""
        return _ratio(self.n_detected, self.n_landslides)

    @property
    def detected_area_fraction(self) -> float:
        """Share of landslide area belonging to detected landslides; NaN when none."""
        return _ratio(self.detected_area, self.landslide_area)

    @property
    def false_detection_rate(self) -> float:
        """Share of predicted objects that are false detections; NaN when nothing predicted."""
        return _ratio(self.n_false_detections, self.n_predicted_objects)

    @property
    def false_area_fraction(self) -> float:
        """Share of predicted area in false detections; NaN when nothing predicted."""
        return _ratio(self.false_detection_area, self.predicted_area)

    def as_dict(self) -> dict[str, float]:
        """Counts, areas and the four rates as a plain dict."""
        return {**asdict(self), "detection_rate": self.detection_rate,
                "detected_area_fraction": self.detected_area_fraction,
                "false_detection_rate": self.false_detection_rate,
                "false_area_fraction": self.false_area_fraction}


def _polygon_pixels(geometry: Any, transform: Affine, shape: tuple[int, int]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the pixels of one polygon (centre inside; all touched if none).

    Rasterised within the polygon's bounding window only, so many small polygons on a large
    grid stay cheap, and overlapping polygons each keep all their pixels.
    """
    from rasterio.features import geometry_mask
    from rasterio.windows import from_bounds

    rows, cols = shape
    window = from_bounds(*geometry.bounds, transform=transform)
    r0 = max(int(math.floor(window.row_off)) - 1, 0)
    c0 = max(int(math.floor(window.col_off)) - 1, 0)
    r1 = min(int(math.ceil(window.row_off + window.height)) + 1, rows)
    c1 = min(int(math.ceil(window.col_off + window.width)) + 1, cols)
    if r1 <= r0 or c1 <= c0:
        return np.empty(0, int), np.empty(0, int)
    sub_transform = transform @ Affine.translation(c0, r0)
    sub_shape = (r1 - r0, c1 - c0)
    inside = geometry_mask([geometry], out_shape=sub_shape, transform=sub_transform, invert=True)
    if not inside.any():  # slivers narrower than a pixel: keep every pixel they touch
        inside = geometry_mask([geometry], out_shape=sub_shape, transform=sub_transform,
                               invert=True, all_touched=True)
    rr, cc = np.nonzero(inside)
    return rr + r0, cc + c0


def object_metrics(prediction: Any, landslides: "gpd.GeoDataFrame",
                   transform: Affine | None = None, *, truth: Any = None, valid: Any = None,
                   min_overlap_fraction: float = 0.1, min_overlap_pixels: int = 1,
                   connectivity: int = 2, crs: Any = None) -> ObjectScores:
    """Count detected landslides and false detections (object-level assessment).

    * A mapped landslide (inventory polygon) is **detected** when the prediction marks at least
      ``min_overlap_pixels`` of its valid pixels **and** at least ``min_overlap_fraction`` of
      them as landslide. With the defaults (1 pixel and 10 %) a slide counts as found when a
      tenth of it is mapped, a common choice for inventories where finding a slide matters more
      than its outline. Set ``min_overlap_fraction=0`` to count any overlap.
    * A **false detection** is a connected component of the prediction
      (``scipy.ndimage.label``; ``connectivity=2`` joins diagonal neighbours, 8-connectivity)
      that touches no true landslide pixel. True landslide pixels are ``truth`` if given, else
      the union of the inventory polygons.

    Args:
        prediction: binary map (NaN = nodata), 2-D or single-band Raster.
        landslides: inventory polygons in the grid's CRS.
        transform: the grid's affine transform (taken from ``prediction`` if it is a Raster).
        truth: optional binary truth mask (e.g. ``area["landslide_mask"]``).
        valid: optional boolean mask of pixels that count.
        min_overlap_fraction: share of a landslide's valid pixels that must be predicted.
        min_overlap_pixels: minimum number of predicted pixels inside a landslide.
        connectivity: 1 (4-neighbours) or 2 (8-neighbours) for the prediction's components.
        crs: the grid's CRS, to check the polygons against (taken from a Raster if omitted).
    """
    from scipy import ndimage

    transform = transform if transform is not None else getattr(prediction, "transform", None)
    crs = crs if crs is not None else getattr(prediction, "crs", None)
    if transform is None:
        raise ValueError("object_metrics needs the grid's transform: pass transform= or a "
                         "Raster as prediction.")
    _check_transform(transform)
    _check_frame(landslides, "landslides")
    check_number(min_overlap_fraction, "min_overlap_fraction", minimum=0, maximum=1,
                 fix="It is a fraction: 0.1 means a tenth of the landslide (not 10).")
    check_integer(min_overlap_pixels, "min_overlap_pixels", minimum=1)
    if connectivity not in (1, 2):
        raise ValueError(f"connectivity must be 1 (4-neighbours) or 2 (8-neighbours); "
                         f"got {connectivity}.")
    _check_crs(landslides, crs)
    pred, p_valid = binary_and_valid(prediction, "prediction")
    keep = p_valid & _valid_mask(valid, pred.shape)
    _check_same_shape(prediction=pred, valid=keep)
    pred = pred & keep
    pixel_area = abs(transform.a * transform.e - transform.b * transform.d)

    true_pixels = np.zeros(pred.shape, dtype=bool)
    n_landslides = n_detected = n_unassessed = 0
    landslide_px = detected_px = 0
    for geometry in landslides.geometry:
        if geometry is None or geometry.is_empty:
            continue
        rr, cc = _polygon_pixels(geometry, transform, pred.shape)
        true_pixels[rr, cc] = True
        ok = keep[rr, cc]
        n_valid = int(ok.sum())
        if n_valid == 0:
            n_unassessed += 1
            continue
        n_landslides += 1
        landslide_px += n_valid
        hit = int(pred[rr, cc][ok].sum())
        if hit >= min_overlap_pixels and hit >= min_overlap_fraction * n_valid:
            n_detected += 1
            detected_px += n_valid

    if truth is not None:
        t, t_valid = binary_and_valid(truth, "truth")
        _check_same_shape(prediction=pred, truth=t)
        true_pixels = t & t_valid
    structure = ndimage.generate_binary_structure(2, connectivity)
    labels, n_objects = ndimage.label(pred, structure=structure)
    sizes = np.bincount(labels.ravel(), minlength=n_objects + 1)
    touching = np.unique(labels[true_pixels & pred])
    false = np.ones(n_objects + 1, dtype=bool)
    false[0] = False
    false[touching] = False
    return ObjectScores(
        n_landslides=n_landslides, n_detected=n_detected,
        landslide_area=landslide_px * pixel_area, detected_area=detected_px * pixel_area,
        n_predicted_objects=int(n_objects), n_false_detections=int(false.sum()),
        predicted_area=float(sizes[1:].sum()) * pixel_area,
        false_detection_area=float(sizes[false].sum()) * pixel_area,
        n_unassessed=n_unassessed)


def scores_frame(scores: Mapping[str, Scores]) -> "pd.DataFrame":
    """A DataFrame with one row per named :class:`Scores` (fractions, NaN = undefined)."""
    import pandas as pd

    if not isinstance(scores, Mapping) or not all(isinstance(s, Scores)
                                                  for s in scores.values()):
        raise TypeError(f"scores must be a dict of name -> Scores (e.g. {{'CART': evaluate(truth,"
                        f" cart)}}); got {describe(scores)}.")
    return pd.DataFrame({name: s.as_dict() for name, s in scores.items()}).T
