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
exception; :meth:`Scores.format` prints it as "-". When no pixel at all is left to assess,
every score is undefined and a :class:`~course_lib.metrics.pixel.NoValidPixelWarning` says
which input removed them.

One concept per module: :mod:`~course_lib.metrics.pixel` (counts and scores),
:mod:`~course_lib.metrics.regions` (per subplot), :mod:`~course_lib.metrics.objects`
(landslide by landslide), :mod:`~course_lib.metrics.tables` (text and tables),
:mod:`~course_lib.metrics.spread` (scores over seeds, and the rankings that hold in every run).

Arrays are 2-D ``(rows, cols)``; a :class:`~course_lib.data.raster.Raster` with a single band
``(1, rows, cols)`` is accepted wherever an array is. Pure functions, no plotting (see
:mod:`course_lib.viz.evaluation_plots`).
"""

from course_lib.metrics.objects import ObjectScores, object_metrics, polygon_pixels
from course_lib.metrics.pixel import (CONFUSION_CODES, FN, FP, NODATA, TN, TP, UNDEFINED,
                                      ConfusionCounts, NoValidPixelWarning, Scores, accuracy, confusion_counts,
                                      confusion_map, evaluate, f1_score, mcc, precision, recall,
                                      threshold_counts, threshold_sweep)
from course_lib.metrics.regions import WHOLE_AREA, metrics_by_region, region_masks
from course_lib.metrics.spread import (first_and_last, format_spread, order_counts,
                                       rankings_that_hold, separated, spread_summary, wins)
from course_lib.metrics.tables import format_percent, format_score, scores_frame

__all__ = [
    "TN", "FP", "FN", "TP", "NODATA", "CONFUSION_CODES", "UNDEFINED", "WHOLE_AREA",
    "ConfusionCounts", "Scores", "ObjectScores", "NoValidPixelWarning", "precision", "recall", "f1_score", "accuracy",
    "mcc", "confusion_counts", "evaluate", "confusion_map", "threshold_counts",
    "threshold_sweep", "region_masks", "metrics_by_region", "object_metrics", "polygon_pixels",
    "format_score",
    "format_percent",
    "scores_frame",
    "spread_summary", "wins", "rankings_that_hold", "separated", "order_counts", "first_and_last",
    "format_spread",
]
