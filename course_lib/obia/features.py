"""Object features: per-segment means of image layers, GLCM texture and shape.

SALaD describes each segment by the object means of five layers (Amatya et al. 2021,
*Engineering Geology* 282:106000): NDVI, brightness (mean of blue, green, red, NIR), slope,
and two grey-level co-occurrence (GLCM; Haralick, Shanmugam and Dinstein 1973, *IEEE SMC*
3(6):610-621) textures of the red band, the **GLCM mean** and the **GLCM homogeneity**
(inverse difference moment, ``sum P(i,j) / (1 + (i-j)^2)``), each from a 7 x 7 window, 32 grey
levels between 0 and the band's maximum, averaged over the 0, 45, 90 and 135 degree
directions at distance 1. The course adds
dNDVI and the Sentinel-1 change layers where a setting has them, and shape features that
SALaD lacks (area, elongation, the long axis against the downslope direction): debris flows
are long and run downhill, clear-cuts are blocky and follow property lines.

Everything is vectorised: segment statistics with ``np.bincount`` (no Python loop over
segments), the GLCM with integral images over pixel pairs (:func:`glcm_texture`), checked
against scikit-image's ``graycomatrix``/``graycoprops`` in ``tests/test_obia.py``.

Label 0 in a label raster means "no segment" and is ignored everywhere.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from course_lib import validation
from course_lib.obia.checks import as_labels

__all__ = ["GLCM_ANGLES", "quantize", "glcm_texture", "segment_mean", "segment_mean_finite",
           "segment_means_table",
           "shape_features", "object_features"]

#: GLCM directions in degrees (SALaD: four directions averaged).
GLCM_ANGLES: tuple[float, ...] = (0.0, 45.0, 90.0, 135.0)


def quantize(band: np.ndarray, levels: int = 32,
             value_range: tuple[float, float] | None = None) -> np.ndarray:
    """Grey levels ``0..levels-1`` of a band (int16), -1 where the band is not finite.

    ``q = floor((x - low) / (high - low) * levels)``, clipped to the levels; ``value_range``
    defaults to the band's finite minimum and maximum.

    >>> quantize(np.array([0.0, 0.5, 1.0, np.nan]), levels=4).tolist()
    [0, 2, 3, -1]
    """
    band = validation.as_array(band, "band", kinds="biuf").astype(np.float64)
    levels = validation.check_integer(levels, "levels", minimum=2, maximum=256,
                                      fix="SALaD uses 32 grey levels.")
    finite = np.isfinite(band)
    if not finite.any():
        raise ValueError("band has no finite value to quantize (all NaN): check the layer "
                         "(or the mask that made it).")
    low, high = _check_range(value_range) if value_range is not None else (
        band[finite].min(), band[finite].max())
    span = high - low if high > low else 1.0
    q = np.floor((np.where(finite, band, low) - low) / span * levels)
    q = np.clip(q, 0, levels - 1).astype(np.int16)
    q[~finite] = -1
    return q


def _check_range(value_range: Any) -> tuple[float, float]:
    if not isinstance(value_range, (tuple, list, np.ndarray)) or len(value_range) != 2:
        raise TypeError(validation.expected_message(
            "value_range", "a pair (low, high)", value_range,
            "e.g. (0.0, 0.3) for red reflectance, or None for the band's own range."))
    low = validation.check_number(value_range[0], "value_range")
    high = validation.check_number(value_range[1], "value_range")
    if not low < high:
        raise ValueError(f"value_range must be (low, high) with low < high; got "
                         f"{tuple(value_range)}.")
    return low, high


def _offset(angle_deg: float, distance: int) -> tuple[int, int]:
    """Row and column step of a direction, as scikit-image's ``graycomatrix`` takes it."""
    angle = np.radians(angle_deg)
    return int(round(np.sin(angle) * distance)), int(round(np.cos(angle) * distance))


def _window_sum(values: np.ndarray, r_lo: int, r_hi: int, c_lo: int, c_hi: int) -> np.ndarray:
    """For every pixel x: sum of ``values[x_r + r_lo : x_r + r_hi + 1, x_c + c_lo : ...]``,
    the window clipped at the array's edges (an integral image; Crow 1984)."""
    rows, cols = values.shape
    integral = np.zeros((rows + 1, cols + 1), dtype=np.float64)
    # float64 before summing: a float32 running sum over a million pixels keeps about 7
    # digits of ~10^6, i.e. errors of 0.1 in a window's sum of about 40
    np.cumsum(np.asarray(values, dtype=np.float64), axis=0, out=integral[1:, 1:])
    np.cumsum(integral[1:, 1:], axis=1, out=integral[1:, 1:])
    r = np.arange(rows)
    c = np.arange(cols)
    r0, r1 = np.clip(r + r_lo, 0, rows), np.clip(r + r_hi + 1, 0, rows)
    c0, c1 = np.clip(c + c_lo, 0, cols), np.clip(c + c_hi + 1, 0, cols)
    return (integral[np.ix_(r1, c1)] - integral[np.ix_(r0, c1)]
            - integral[np.ix_(r1, c0)] + integral[np.ix_(r0, c0)])


def glcm_texture(band: np.ndarray, *, levels: int = 32, window: int = 7, distance: int = 1,
                 angles: Sequence[float] = GLCM_ANGLES,
                 value_range: tuple[float, float] | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel GLCM mean and homogeneity in a moving window, averaged over directions.

    For each pixel, each direction: the symmetric, normalised GLCM of the pixel pairs inside
    the ``window x window`` neighbourhood (scikit-image's ``graycomatrix(..., symmetric=True,
    normed=True)``), and from it (``graycoprops``) the **mean** ``sum_i i P_i`` and the
    **homogeneity** ``sum P(i,j) / (1 + (i-j)^2)``. The value of a normalised GLCM property is
    the average of a pair quantity over the window's pairs, so the whole image is done with
    window sums of pair maps, no loop over pixels.

    Windows are clipped at the image edge and pairs touching a non-finite pixel are left out;
    a direction with no valid pair in the window is left out of the average, and where no
    direction has one the result is NaN.

    Args:
        band: 2-D band (SALaD: red), reflectance or grey levels.
        levels: grey levels (SALaD: 32), see :func:`quantize`.
        window: odd window size (SALaD: 7).
        distance: pixel distance of the pairs (1).
        angles: directions in degrees (0, 45, 90, 135).
        value_range: quantisation range. Default, as SALaD: from 0 to the band's maximum
            (from the minimum instead when the band has negative values, e.g. dNDVI).

    Returns:
        ``(glcm_mean, glcm_homogeneity)``, float64 arrays; the mean is in grey levels. They
        equal scikit-image's ``graycoprops`` of each window within 1e-6 (the window sums are
        accumulated in float64; ``tests/test_obia.py`` checks windows of the full study area).
    """
    window = validation.check_integer(window, "window", minimum=1)
    if window % 2 == 0:
        raise ValueError(f"window must be an odd number of pixels; got {window}. SALaD: 7.")
    distance = validation.check_integer(distance, "distance", minimum=1,
                                        fix="Pairs are 1 pixel apart in SALaD.")
    angles = _check_angles(angles)
    validation.as_array(band, "band", ndim=2, fix="Pass one 2-D band, e.g. the red band.")
    if value_range is None:
        values = np.asarray(band, dtype=np.float64)
        finite = values[np.isfinite(values)]
        if finite.size:
            value_range = (min(0.0, float(finite.min())), float(finite.max()))
    q = quantize(band, levels, value_range).astype(np.float64)
    ok = q >= 0
    rows, cols = q.shape
    half = window // 2
    mean_sum = np.zeros(q.shape, np.float64)      # running sums over directions, so memory
    homog_sum = np.zeros(q.shape, np.float64)     # stays a few arrays whatever the angles
    n_directions = np.zeros(q.shape, np.int16)
    for angle in angles:
        dr, dc = _offset(angle, distance)
        first = np.zeros_like(q)
        second = np.zeros_like(q)
        pair_ok = np.zeros(q.shape, dtype=bool)
        rs = slice(max(0, -dr), rows - max(0, dr))
        cs = slice(max(0, -dc), cols - max(0, dc))
        rt = slice(rs.start + dr, rs.stop + dr)
        ct = slice(cs.start + dc, cs.stop + dc)
        first[rs, cs], second[rs, cs] = q[rs, cs], q[rt, ct]
        pair_ok[rs, cs] = ok[rs, cs] & ok[rt, ct]
        # anchors p with p and p + (dr, dc) both inside the window centred on x
        r_lo, r_hi = -half + max(0, -dr), half - max(0, dr)
        c_lo, c_hi = -half + max(0, -dc), half - max(0, dc)
        count = _window_sum(pair_ok.astype(np.float64), r_lo, r_hi, c_lo, c_hi)
        has_pairs = count > 0
        count[~has_pairs] = 1.0
        pair_mean = np.where(pair_ok, (first + second) / 2.0, 0.0)
        mean_sum += np.where(has_pairs, _window_sum(pair_mean, r_lo, r_hi, c_lo, c_hi) / count, 0)
        del pair_mean
        pair_homog = np.where(pair_ok, 1.0 / (1.0 + (first - second) ** 2), 0.0)
        homog_sum += np.where(has_pairs, _window_sum(pair_homog, r_lo, r_hi, c_lo, c_hi) / count,
                              0)
        n_directions += has_pairs
    # directions without a pair in the window (a one-pixel-wide strip between nodata) are
    # left out of the average, as an empty GLCM has no properties
    with np.errstate(invalid="ignore", divide="ignore"):
        return mean_sum / n_directions, homog_sum / n_directions


def _check_angles(angles: Any) -> list[float]:
    """GLCM directions in degrees; radians (all within 2 pi, some not whole) are refused."""
    if isinstance(angles, (str, bytes)) or not hasattr(angles, "__iter__"):
        raise TypeError(validation.expected_message(
            "angles", "a sequence of directions in degrees", angles,
            "e.g. (0, 45, 90, 135); one direction: [45]."))
    values = [validation.check_number(a, "angles") for a in angles]
    if not values:
        raise ValueError("angles is empty: pass at least one direction, e.g. (0, 45, 90, 135).")
    if all(abs(a) <= 2 * np.pi for a in values) and any(a != round(a) for a in values):
        raise ValueError(f"angles must be in degrees; got {values}, which look like radians. "
                         "Convert with np.degrees(angles), e.g. (0, 45, 90, 135).")
    return values


def _check_labels(labels: Any) -> np.ndarray:
    return as_labels(labels)


def _sizes(labels: np.ndarray) -> np.ndarray:
    return np.bincount(labels.ravel(), minlength=int(labels.max()) + 1)


def segment_mean(values: Any, labels: Any, name: str = "values") -> np.ndarray:
    """Mean of a 2-D layer over each segment 1..n (``np.bincount``); index 0 is segment 1.

    Raises:
        ValueError: a segment pixel is NaN or infinite in ``values`` (segment with
            ``valid=`` covering this layer, so nodata pixels get label 0), or shapes differ.

    >>> segment_mean(np.array([[1.0, 3.0, 10.0]]), np.array([[1, 1, 2]])).tolist()
    [2.0, 10.0]
    """
    labels = _check_labels(labels)
    values = validation.as_array(values, name, kinds="biuf", allow_empty=True).astype(np.float64)
    if values.shape != labels.shape:
        raise ValueError(f"{name} has shape {values.shape} but labels have {labels.shape}: put "
                         "them on the same pixel grid.")
    bad = (labels > 0) & ~np.isfinite(values)
    if bad.any():
        raise ValueError(
            f"{name} is NaN or infinite on {int(bad.sum()):,} pixels inside segments "
            f"(e.g. segment {int(labels[bad][0])}). Segment with valid= covering every feature "
            "layer (course_lib.sampling.valid_mask), so nodata pixels get label 0.")
    sizes = _sizes(labels)
    sums = np.bincount(labels.ravel(), weights=np.where(labels > 0, values, 0).ravel(),
                       minlength=len(sizes))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sums / sizes)[1:]


def segment_mean_finite(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Object mean over the finite pixels only; NaN for a segment with no finite pixel.

    For derived layers that may be undefined where the input is not nodata (a texture window
    with no valid pair); input layers go through :func:`segment_mean`, which refuses NaN.

    >>> segment_mean_finite(np.array([[1.0, np.nan, 4.0]]), np.array([[1, 1, 2]])).tolist()
    [1.0, 4.0]
    """
    labels = _check_labels(labels)
    values = validation.as_array(values, "values", kinds="biuf").astype(np.float64)
    if values.shape != labels.shape:
        raise ValueError(f"values has shape {values.shape} but labels have {labels.shape}: put "
                         "them on the same pixel grid.")
    ok = np.isfinite(values) & (labels > 0)
    n = np.bincount(labels.ravel(), weights=ok.ravel(), minlength=int(labels.max()) + 1)
    sums = np.bincount(labels.ravel(), weights=np.where(ok, values, 0).ravel(),
                       minlength=len(n))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sums / n)[1:]


def segment_means_table(layers: Mapping[str, Any], labels: Any) -> pd.DataFrame:
    """One column per layer (its object mean), one row per segment (index = label 1..n)."""
    _check_layers(layers)
    labels = _check_labels(labels)
    index = pd.RangeIndex(1, int(labels.max()) + 1, name="segment")
    return pd.DataFrame({name: segment_mean(v, labels, name) for name, v in layers.items()},
                        index=index)


def _check_layers(layers: Any) -> None:
    if not isinstance(layers, Mapping):
        raise TypeError(validation.expected_message(
            "layers", "a dict of name -> 2-D layer", layers,
            "e.g. {'NDVI': ndvi, 'slope': slope}: the names become the table's columns."))
    if not layers:
        raise ValueError("layers is empty: pass at least one layer, e.g. {'NDVI': ndvi} (for "
                         "shape features alone use shape_features(labels)).")


def shape_features(labels: Any, resolution: float = 1.0,
                   aspect: np.ndarray | None = None) -> pd.DataFrame:
    """Area, elongation and orientation of each segment from its pixel moments.

    * ``area_m2``: pixels x ``resolution``²;
    * ``major_axis_m``, ``minor_axis_m``: 4 sqrt of the eigenvalues of the covariance of the
      pixel centres (scikit-image ``regionprops`` convention) x ``resolution``;
    * ``elongation``: ``1 - minor / major`` (0 round or square, towards 1 long and thin);
    * ``axis_azimuth_deg``: the long axis, degrees clockwise from north, 0-180 (NaN when round);
    * with ``aspect`` (degrees clockwise from north, the downslope direction; NaN where flat,
      :func:`course_lib.terrain.aspect`): ``downslope_deg``, the segment's circular mean
      aspect, and ``axis_vs_downslope_deg``, the angle 0-90 between the long axis and the
      downslope direction (0 = the segment runs straight downhill, like a debris flow).

    Rows, columns: row 0 is the north edge, columns run east (a north-up grid).
    """
    labels = _check_labels(labels)
    resolution = validation.check_number(resolution, "resolution", minimum=0, min_inclusive=False,
                                         units="m", fix="The pixel size in metres, e.g. 10.")
    if aspect is not None:
        aspect = validation.as_array(aspect, "aspect", ndim=2, allow_empty=True)
        if aspect.shape != labels.shape:
            raise ValueError(f"aspect has shape {aspect.shape} but labels have {labels.shape}: "
                             "put them on the same pixel grid.")
        aspect = validation.check_angle_degrees(aspect, "aspect", kind="aspect")
    rows, cols = labels.shape
    flat = labels.ravel()
    n = _sizes(labels).astype(np.float64)
    east = np.tile(np.arange(cols, dtype=np.float64), rows)
    north = -np.repeat(np.arange(rows, dtype=np.float64), cols)

    def total(weights: np.ndarray) -> np.ndarray:
        return np.bincount(flat, weights=weights, minlength=len(n))

    with np.errstate(invalid="ignore", divide="ignore"):
        mx, my = total(east) / n, total(north) / n
        cxx = total(east * east) / n - mx ** 2
        cyy = total(north * north) / n - my ** 2
        cxy = total(east * north) / n - mx * my
        root = np.sqrt(np.maximum(((cxx - cyy) / 2) ** 2 + cxy ** 2, 0))
        lam1 = np.maximum((cxx + cyy) / 2 + root, 0)
        lam2 = np.maximum((cxx + cyy) / 2 - root, 0)
        major, minor = 4 * np.sqrt(lam1), 4 * np.sqrt(lam2)
        elongation = np.where(major > 0, 1 - minor / major, 0.0)
        theta = 0.5 * np.degrees(np.arctan2(2 * cxy, cxx - cyy))    # from east, anticlockwise
        azimuth = np.where(root > 1e-12, (90.0 - theta) % 180.0, np.nan)
    table = pd.DataFrame({"area_m2": n * resolution ** 2, "major_axis_m": major * resolution,
                          "minor_axis_m": minor * resolution, "elongation": elongation,
                          "axis_azimuth_deg": azimuth}).iloc[1:]
    if aspect is not None:
        ok = np.isfinite(aspect) & (labels > 0)
        rad = np.radians(np.where(ok, aspect, 0.0)).ravel()
        s = np.bincount(flat, weights=np.sin(rad) * ok.ravel(), minlength=len(n))
        c = np.bincount(flat, weights=np.cos(rad) * ok.ravel(), minlength=len(n))
        downslope = np.where((s != 0) | (c != 0), np.degrees(np.arctan2(s, c)) % 360, np.nan)
        difference = (azimuth - downslope) % 180.0
        table["downslope_deg"] = downslope[1:]
        table["axis_vs_downslope_deg"] = np.minimum(difference, 180.0 - difference)[1:]
    table.index = pd.RangeIndex(1, len(n), name="segment")
    return table


def object_features(labels: Any, layers: Mapping[str, Any], *, red: np.ndarray | None = None,
                    resolution: float = 1.0, aspect: np.ndarray | None = None,
                    glcm_levels: int = 32, glcm_window: int = 7,
                    glcm_range: tuple[float, float] | None = None) -> pd.DataFrame:
    """The object feature table: layer means, GLCM texture of ``red`` and shape features.

    Args:
        labels: segment raster (0 = no segment).
        layers: name -> 2-D layer, e.g. ``{"NDVI": ..., "brightness": ..., "slope": ...,
            "dNDVI": ..., "diff-VV": ...}``; each becomes a column of object means.
        red: the band for the GLCM features (SALaD: red); columns ``GLCM mean`` and
            ``GLCM homogeneity`` (object means of the per-pixel texture). None skips them.
        resolution: pixel size in metres, for the shape features.
        aspect: optional downslope aspect (degrees) for the orientation features.
        glcm_levels, glcm_window, glcm_range: see :func:`glcm_texture` (``glcm_range`` None:
            0 to the band's maximum, as SALaD).

    Returns:
        a DataFrame indexed by segment label 1..n.
    """
    labels = _check_labels(labels)
    table = segment_means_table(layers, labels)
    if red is not None:
        red = validation.as_array(red, "red", ndim=2).astype(np.float64)
        if red.shape != labels.shape:
            raise ValueError(f"red has shape {red.shape} but labels have {labels.shape}: put "
                             "them on the same pixel grid.")
        inside = labels > 0
        if (inside & ~np.isfinite(red)).any():
            segment_mean(red, labels, "red")          # raises the clear error
        g_mean, g_homog = glcm_texture(red, levels=glcm_levels, window=glcm_window,
                                       value_range=glcm_range)
        table["GLCM mean"] = segment_mean_finite(g_mean, labels)
        table["GLCM homogeneity"] = segment_mean_finite(g_homog, labels)
    shapes = shape_features(labels, resolution, aspect)
    return table.join(shapes)
