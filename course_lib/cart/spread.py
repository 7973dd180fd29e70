"""How much a CART's score depends on its seed and on which points trained it.

A CART grown to pure leaves on 130 points is not one map but a distribution of maps:

* the **tree seed** (``random_state``) breaks ties between equally good splits; with eight
  classes and a few points per class such ties are common, and another seed grows another
  tree. On the course's study area the whole-area MCC of setting 4 ranged from 50 % to 62 %
  over tree seeds 0-19;
* the **points**: another person (or another afternoon) clicks other points. A bootstrap
  resample of the points within each class (Efron and Tibshirani 1993) stands in for that.

:func:`seed_runs` and :func:`resample_runs` score one classifier per seed or resample on the
held-out pixels, predicting only the blocks that hold them (:func:`predict_blocks`, the same
values as a whole-area prediction there, at a fraction of the cost), so tens of runs take
seconds. :mod:`course_lib.metrics.spread` summarises them and says which rankings hold in every
run.
"""

from __future__ import annotations

import warnings
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from course_lib import metrics
from course_lib.cart.models import make_cart
from course_lib.cart.training import (PixelClassifier, bootstrap_classifiers,
                                      fit_pixel_classifier)
from course_lib.config import DEFAULT_SEED
from course_lib.data.raster import array_of
from course_lib.validation import check_integer, describe

SCORES = ("mcc", "precision", "recall", "f1")


def predict_blocks(classifier: PixelClassifier, stack: Any,
                   blocks: Sequence[tuple[slice, slice]], *, focal_window: int = 3
                   ) -> np.ndarray:
    """The binary landslide map on ``blocks`` only (NaN elsewhere), focal mode included.

    Each block is predicted with a margin of ``focal_window // 2`` pixels, so the focal mode
    sees the same neighbours as in a whole-area prediction and the block's values are
    identical to ``classifier.predict_landslides(stack, focal_window=...)`` there.

    Args:
        classifier: a fitted :class:`~course_lib.cart.training.PixelClassifier`.
        stack: the Raster (or ``(bands, rows, cols)`` array) it was trained for.
        blocks: ``(rows, cols)`` slices, e.g. ``split.blocks("test")``.
        focal_window: side of the focal mode window (1 = none).
    """
    data = array_of(stack)
    if not isinstance(data, np.ndarray) or data.ndim != 3:
        raise TypeError(f"stack must be a Raster or a (bands, rows, cols) array; got "
                        f"{describe(stack)}.")
    blocks = _check_blocks(blocks)
    focal_window = check_integer(focal_window, "focal_window", minimum=1)
    names = list(getattr(stack, "band_names", classifier.band_names))
    index = [names.index(b) for b in classifier.band_names]
    _, rows, cols = data.shape
    margin = focal_window // 2
    out = np.full((rows, cols), np.nan, dtype=np.float32)
    for rs, cs in blocks:
        r0, r1 = max(rs.start - margin, 0), min(rs.stop + margin, rows)
        c0, c1 = max(cs.start - margin, 0), min(cs.stop + margin, cols)
        window = data[index, r0:r1, c0:c1]
        binary = classifier.predict_landslides(window, focal_window=focal_window)
        out[rs, cs] = binary[rs.start - r0: rs.stop - r0, cs.start - c0: cs.stop - c0]
    return out


def _check_blocks(blocks: Any) -> list[tuple[slice, slice]]:
    """A list of ``(rows, cols)`` slice pairs, as ``split.blocks("test")`` gives."""
    try:
        pairs = [tuple(b) for b in blocks]
    except TypeError:
        pairs = None
    if not pairs or not all(len(b) == 2 and all(isinstance(x, slice) for x in b)
                            for b in pairs):
        raise TypeError(f"blocks must be a non-empty list of (rows, cols) slice pairs; got "
                        f"{describe(blocks)}. Use split.blocks('test') of "
                        "splits.evaluation_split.")
    return pairs


def _scores(truth: Any, prediction: np.ndarray, valid: np.ndarray) -> dict[str, float]:
    s = metrics.evaluate(truth, prediction, valid=valid)
    return {name: getattr(s, name) for name in SCORES}


def seed_runs(table: pd.DataFrame, stack: Any, truth: Any, valid: np.ndarray,
              blocks: Sequence[tuple[slice, slice]], *, seeds: Iterable[int] = range(20),
              focal_window: int = 3, on_nan: str = "drop",
              band_names: Sequence[str] | None = None) -> pd.DataFrame:
    """One CART per tree seed (``make_cart(random_state=seed)``), scored on ``valid``.

    Args:
        table: the training points' table (points outside the held-out blocks only).
        stack: the setting's stack; truth: the reference mask.
        valid: the held-out pixels (``split.held_out(evaluation_mask)``).
        blocks: the blocks that hold them (``split.blocks("test")``).
        seeds: tree seeds.
        focal_window, on_nan, band_names: as :func:`~course_lib.cart.training.classify_stack`.

    Returns:
        one row per seed (index ``seed``), columns mcc, precision, recall, f1 (fractions).
    """
    band_names = list(band_names if band_names is not None else stack.band_names)
    seeds = [check_integer(seed, "seeds", minimum=0, fix="Tree seeds are whole numbers >= 0, "
                           "e.g. range(20).") for seed in seeds]
    rows = {}
    with warnings.catch_warnings():   # the points left out for NaN are the same every run
        warnings.simplefilter("ignore", UserWarning)
        for seed in seeds:
            fit = fit_pixel_classifier(table, band_names, make_cart(random_state=seed),
                                       on_nan=on_nan)
            rows[seed] = _scores(truth, predict_blocks(fit, stack, blocks,
                                                            focal_window=focal_window), valid)
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "seed"
    return out


def resample_runs(table: pd.DataFrame, stack: Any, truth: Any, valid: np.ndarray,
                  blocks: Sequence[tuple[slice, slice]], *, n_resamples: int = 20,
                  seed: int = DEFAULT_SEED, focal_window: int = 3, on_nan: str = "drop",
                  band_names: Sequence[str] | None = None) -> pd.DataFrame:
    """One CART per bootstrap resample of the points (class by class), scored on ``valid``.

    The trees keep ``make_cart()``'s seed, so only the points change between runs. Arguments
    as :func:`seed_runs`; ``seed`` seeds the resampling
    (:func:`~course_lib.cart.training.bootstrap_classifiers`).

    Returns:
        one row per resample (index ``resample``), columns mcc, precision, recall, f1.
    """
    band_names = list(band_names if band_names is not None else stack.band_names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fits = bootstrap_classifiers(table, band_names, n_resamples, make_cart(),
                                     on_nan=on_nan, seed=seed)
    out = pd.DataFrame([_scores(truth, predict_blocks(fit, stack, blocks,
                                                      focal_window=focal_window), valid)
                        for fit in fits])
    out.index.name = "resample"
    return out
