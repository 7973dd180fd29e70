"""Choosing the segmentation scale with the plateau objective function (POF).

SALaD picks the mean-shift range radius ``hr`` by segmenting the image at a series of range
radii and scoring each segmentation with two numbers (Espindola et al. 2006, *IJRS*
27(14):3035-3040; Johnson and Xie 2011, *ISPRS J.* 66(4):473-483; Amatya et al. 2021):

* **v**, the area-weighted mean of the within-segment variance: low when segments are
  internally uniform (it grows as segments get larger and mix land covers);
* **I**, the global Moran's I of the segment means on queen contiguity: low when
  neighbouring segments differ (it grows when a uniform area is cut into many similar
  pieces, i.e. over-segmentation).

Both are normalised over the radii tried and added:
``F = (v_max - v) / (v_max - v_min) + (I_max - I) / (I_max - I_min)``; the chosen radius is the
**first** (smallest) ``hr`` with ``F > max(F) - std(F)`` (sample standard deviation): the start
of the plateau of good scores, erring towards smaller segments (over-segmentation) as SALaD
prefers.

As SALaD: v and I are computed on one layer, the **brightness** (pass it as ``score_layer``),
Moran's I with **row-standardised** weights (PySAL's default), the plateau rule with the
**sample** standard deviation, radii 2-30. Without ``score_layer``, v and I are computed per
band of the 8-bit stretch used for the segmentation and averaged over the bands.

Moran's I here is a sparse-matrix version (:func:`morans_i`) rather than ``esda.Moran``:
building a ``libpysal`` weights object means polygonising every segmentation and a Python
dict per segment, which for tens of thousands of segments and a dozen radii costs far more
than the segmentation itself; ``tests/test_obia.py`` checks that both give the same I.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from course_lib import validation
from course_lib.obia.checks import as_labels
from course_lib.obia.segmentation import check_image, neighbour_pairs, segment, to_uint8

__all__ = ["adjacency_matrix", "morans_i", "segment_means", "within_segment_variance",
           "segment_morans_i", "choose_plateau", "POFResult", "plateau_objective"]


def adjacency_matrix(labels: np.ndarray, queen: bool = True) -> sparse.csr_matrix:
    """Binary contiguity matrix of the segments (n x n, row/column i = label i + 1).

    Two segments are neighbours when some of their pixels touch along an edge (rook) or, with
    ``queen=True``, also at a corner: exactly queen contiguity of the segments' polygons.

    >>> adjacency_matrix(np.array([[1, 2], [3, 4]])).toarray().astype(int).tolist()
    [[0, 1, 1, 1], [1, 0, 1, 1], [1, 1, 0, 1], [1, 1, 1, 0]]
    >>> adjacency_matrix(np.array([[1, 2], [3, 4]]), queen=False).toarray()[0].astype(int).tolist()
    [0, 1, 1, 0]
    """
    labels = as_labels(labels)
    n = int(labels.max())
    a, b = neighbour_pairs(labels, connectivity=2 if queen else 1)
    # connectivity=2 takes the (1, 1) and (1, -1) pixel shifts: both diagonals are in.
    matrix = sparse.coo_matrix((np.ones(2 * len(a), dtype=np.float64),
                                (np.concatenate([a, b]) - 1, np.concatenate([b, a]) - 1)),
                               shape=(n, n)).tocsr()
    matrix.data[:] = 1.0          # duplicates were summed; binary weights
    return matrix


def morans_i(values: np.ndarray, weights: sparse.spmatrix, transformation: str = "b") -> float:
    """Global Moran's I: ``I = n / S0 * (z' W z) / (z' z)`` with ``z = y - mean(y)``.

    Moran (1950), *Biometrika* 37:17-23; the same statistic as ``esda.Moran(y, w).I``.

    Args:
        values: one value per unit (segment).
        weights: n x n spatial weights (e.g. :func:`adjacency_matrix`).
        transformation: ``"b"`` binary weights as given (Espindola et al. 2006) or ``"r"``
            row-standardised (esda's default); units without neighbours keep a zero row.

    Returns:
        I, or NaN when it is undefined (fewer than 2 units, all values equal, no neighbours).

    >>> w = sparse.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], float))  # a chain
    >>> round(morans_i(np.array([1.0, 3.0, 2.0]), w), 4)   # z = (-1, 1, 0): 3/4 * (-2) / 2
    -0.75
    """
    validation.check_choice(transformation, "transformation", ("b", "r"),
                            "'b' = binary weights as given, 'r' = row-standardised.")
    y = validation.as_array(values, "values", ndim=1,
                            fix="One value per unit (segment).").astype(np.float64)
    if not np.isfinite(y).all():
        raise ValueError(f"values has {int((~np.isfinite(y)).sum())} NaN or infinite values; "
                         "Moran's I needs a value for every unit. Drop those units (and their "
                         "rows and columns of the weights) or fill them first.")
    if not (sparse.issparse(weights) or isinstance(weights, np.ndarray)):
        raise TypeError(validation.expected_message(
            "weights", "an n x n spatial weights matrix (scipy.sparse or numpy)", weights,
            "Build it with adjacency_matrix(labels)."))
    w = sparse.csr_matrix(weights, dtype=np.float64)
    if w.shape != (len(y), len(y)):
        raise ValueError(f"weights must be {len(y)} x {len(y)} for {len(y)} values; got {w.shape}.")
    if transformation == "r":
        row_sums = np.asarray(w.sum(axis=1)).ravel()
        w = sparse.diags(np.divide(1.0, row_sums, out=np.zeros_like(row_sums),
                                   where=row_sums > 0)) @ w
    z = y - y.mean()
    s0 = w.sum()
    denominator = float(z @ z)
    if len(y) < 2 or s0 == 0 or denominator == 0:
        return float("nan")
    return float(len(y) / s0 * (z @ (w @ z)) / denominator)


def segment_means(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Mean of ``values`` (2-D) per segment 1..n, with ``np.bincount`` (index 0 = label 1).

    Raises:
        ValueError: shapes differ, or ``values`` is NaN inside a segment.
    """
    labels = as_labels(labels)
    values = _check_layer(values, "values", labels)
    sizes = np.bincount(labels.ravel(), minlength=int(labels.max()) + 1)
    sums = np.bincount(labels.ravel(), weights=np.where(labels > 0, values, 0.0).ravel(),
                       minlength=len(sizes))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sums / sizes)[1:]


def _check_layer(values: Any, name: str, labels: np.ndarray, bands: bool = False) -> np.ndarray:
    """A 2-D layer (or ``(rows, cols, bands)`` image) on the labels' grid, finite in segments."""
    array = validation.as_array(values, name, ndim=(2, 3) if bands else 2,
                                fix="Pass the layer on the labels' grid.").astype(np.float64)
    if array.shape[:2] != labels.shape:
        raise ValueError(f"{name} has shape {array.shape[:2]} but labels have {labels.shape}: "
                         "put them on the same pixel grid.")
    inside = labels > 0
    finite = np.isfinite(array) if array.ndim == 2 else np.isfinite(array).all(axis=-1)
    if (inside & ~finite).any():
        raise ValueError(f"{name} is NaN or infinite on {int((inside & ~finite).sum()):,} pixels "
                         "inside segments; segment with valid= covering it, so nodata pixels get "
                         "label 0.")
    return array


def within_segment_variance(image: np.ndarray, labels: np.ndarray) -> float:
    """Area-weighted mean of the within-segment (population) variance, averaged over bands.

    ``v = sum_i a_i var_i / sum_i a_i`` (Espindola et al. 2006), ``a_i`` = pixels of segment i.
    ``image`` is ``(rows, cols)`` or ``(rows, cols, bands)``; label 0 is ignored.
    """
    labels = as_labels(labels)
    image = _check_layer(image, "image", labels, bands=True)
    if image.ndim == 2:
        image = image[..., None]
    if not (labels > 0).any():
        raise ValueError("labels has no segment (every pixel is 0 = no segment): nothing to "
                         "measure.")
    sizes = np.bincount(labels.ravel(), minlength=int(labels.max()) + 1)[1:].astype(np.float64)
    flat = labels.ravel()
    per_band = []
    for b in range(image.shape[-1]):
        x = image[..., b].ravel()
        total = np.bincount(flat, weights=x, minlength=len(sizes) + 1)[1:]
        squares = np.bincount(flat, weights=x * x, minlength=len(sizes) + 1)[1:]
        present = sizes > 0
        variance = squares[present] / sizes[present] - (total[present] / sizes[present]) ** 2
        per_band.append(float(np.sum(sizes[present] * np.maximum(variance, 0)) / sizes.sum()))
    return float(np.mean(per_band))


def segment_morans_i(image: np.ndarray, labels: np.ndarray, queen: bool = True,
                     transformation: str = "b") -> float:
    """Global Moran's I of the segment means, averaged over bands (queen contiguity)."""
    validation.check_choice(transformation, "transformation", ("b", "r"),
                            "'b' = binary weights as given, 'r' = row-standardised.")
    labels = as_labels(labels)
    image = _check_layer(image, "image", labels, bands=True)
    if image.ndim == 2:
        image = image[..., None]
    w = adjacency_matrix(labels, queen=queen)
    return float(np.mean([morans_i(segment_means(image[..., b], labels), w, transformation)
                          for b in range(image.shape[-1])]))


def choose_plateau(radii: Sequence[float], objective: Sequence[float], ddof: int = 1
                   ) -> tuple[float, float]:
    """The first radius whose objective exceeds ``max(F) - std(F)``.

    Args:
        radii: the range radii, increasing.
        objective: F at each radius; NaN values are ignored.
        ddof: 1 for the sample standard deviation (as SALaD; pandas' ``Series.std``), 0 for
            the population one (numpy's ``np.std``).

    Returns ``(chosen radius, threshold)``.

    >>> choose_plateau([2, 4, 6, 8], [0.2, 1.0, 1.9, 2.0])  # doctest: +ELLIPSIS
    (6, 1.153...)
    """
    if isinstance(radii, (str, bytes)) or not hasattr(radii, "__len__"):
        raise TypeError(validation.expected_message(
            "radii", "a sequence of range radii", radii, "e.g. [2, 4, 6, 8]."))
    f = validation.as_array(objective, "objective", ndim=1, kinds="biuf").astype(np.float64)
    if len(f) != len(radii):
        raise ValueError(f"radii and objective must have the same length (one objective per "
                         f"radius); got {len(radii)} radii and {len(f)} objectives.")
    ok = np.isfinite(f)
    if not ok.any():
        raise ValueError("The objective is undefined (NaN) at every radius; try a wider range.")
    if ddof not in (0, 1):
        raise ValueError(f"ddof must be 0 (population) or 1 (sample, SALaD); got {ddof!r}.")
    spread = float(np.std(f[ok], ddof=ddof)) if ok.sum() > ddof else 0.0
    threshold = float(np.max(f[ok]) - spread)
    index = int(np.flatnonzero(ok & (f > threshold))[0]) if (ok & (f > threshold)).any() \
        else int(np.nanargmax(f))
    return radii[index], threshold


def _normalise_down(x: np.ndarray) -> np.ndarray:
    """``(max - x) / (max - min)``: 1 at the smallest value, 0 at the largest; NaN if flat."""
    span = np.nanmax(x) - np.nanmin(x)
    if not span > 0:
        return np.full_like(x, np.nan)
    return (np.nanmax(x) - x) / span


@dataclass
class POFResult:
    """The plateau objective function over range radii.

    Attributes:
        table: one row per range radius: ``range_radius``, ``n_segments``, ``variance`` (v),
            ``morans_i`` (I), ``v_norm``, ``i_norm``, ``objective`` (F), ``seconds``.
        chosen: the chosen range radius.
        threshold: ``max(F) - std(F)``.
        params: the other segmentation parameters used.
    """

    table: pd.DataFrame
    chosen: float
    threshold: float
    params: dict[str, Any] = field(default_factory=dict)


def plateau_objective(image: Any, range_radii: Sequence[float], *, method: str = "mean-shift",
                      spatial_radius: float = 10, min_size: int = 10, valid: Any = None,
                      nodata: str = "raise", queen: bool = True, transformation: str = "r",
                      ddof: int = 1, score_layer: Any = None,
                      percentiles: tuple[float, float] = (2.0, 98.0)) -> POFResult:
    """Segment at each range radius, score v and I, and choose the radius (see module doc).

    Args:
        image: ``(rows, cols, 3)`` bands last, as for :func:`~course_lib.obia.segmentation.segment`
            (use a representative crop: the POF runs one segmentation per radius).
        range_radii: increasing radii to try, e.g. ``range(2, 31, 2)`` (SALaD's range).
        method, spatial_radius, min_size, valid, nodata, percentiles: passed to ``segment``.
        queen, transformation: contiguity and weights of Moran's I (``"r"``, row-standardised:
            PySAL's default, which SALaD uses; ``"b"`` binary, as Espindola et al. 2006).
        ddof: standard deviation of the plateau rule (1 sample, as SALaD; 0 population).
        score_layer: the 2-D layer ``(rows, cols)`` on which v and I are computed (SALaD: the
            brightness layer). None: the 8-bit stretch of ``image``, averaged over its bands.

    Returns:
        a :class:`POFResult`.
    """
    if isinstance(range_radii, (str, bytes)) or not hasattr(range_radii, "__iter__"):
        raise TypeError(validation.expected_message(
            "range_radii", "a sequence of at least 3 range radii", range_radii,
            "e.g. range(2, 33, 2) (SALaD's range)."))
    radii = list(range_radii)
    for radius in radii:
        validation.check_number(radius, "range_radii", minimum=0, min_inclusive=False,
                                fix="Every radius is a positive number of 8-bit units, e.g. "
                                    "range(2, 33, 2).")
    if len(radii) < 3:
        raise ValueError(f"range_radii needs at least 3 values to find a plateau; got {radii}.")
    if any(b <= a for a, b in zip(radii, radii[1:])):
        raise ValueError(f"range_radii must increase; got {radii}.")
    array, mask = check_image(image, valid, nodata=nodata)
    if score_layer is None:
        scored = to_uint8(array, mask, percentiles).astype(np.float64)
    else:
        scored = np.asarray(score_layer, dtype=np.float64)
        if scored.shape != array.shape[:2]:
            raise ValueError(f"score_layer has shape {scored.shape} but image has "
                             f"{array.shape[:2]}; pass the layer cropped like the image.")
        if not np.isfinite(scored[mask]).all():
            raise ValueError("score_layer is NaN or infinite on pixels that are segmented; "
                             "pass valid= covering it (e.g. valid & np.isfinite(layer)).")
        scored = np.where(mask, scored, 0.0)
    rows = []
    for radius in radii:
        seg = segment(array, method, spatial_radius=spatial_radius, range_radius=radius,
                      min_size=min_size, valid=mask, percentiles=percentiles)
        rows.append({"range_radius": radius, "n_segments": seg.n_segments,
                     "variance": within_segment_variance(scored, seg.labels),
                     "morans_i": segment_morans_i(scored, seg.labels, queen, transformation),
                     "seconds": seg.seconds})
    table = pd.DataFrame(rows)
    table["v_norm"] = _normalise_down(table["variance"].to_numpy())
    table["i_norm"] = _normalise_down(table["morans_i"].to_numpy())
    table["objective"] = table["v_norm"] + table["i_norm"]
    chosen, threshold = choose_plateau(radii, table["objective"].to_numpy(), ddof=ddof)
    return POFResult(table=table, chosen=chosen, threshold=threshold,
                     params={"method": method, "spatial_radius": spatial_radius,
                             "min_size": min_size, "queen": queen,
                             "transformation": transformation, "ddof": ddof,
                             "score_layer": "given" if score_layer is not None else
                             "8-bit stretch, mean over bands"})
