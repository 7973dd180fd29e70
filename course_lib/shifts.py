"""Shifting rasters by whole pixels, and pixel offsets along a compass direction.

One sign convention for the whole course (cloud-shadow projection, radar near/far edges,
terrain cast shadows, the simulated world):

* :func:`shift` MOVES the content: ``out[..., r, c] = array[..., r - drow, c - dcol]``. A
  feature at ``(r, c)`` appears at ``(r + drow, c + dcol)``; pixels that come from outside
  the grid get ``fill``. Same direction as ``np.roll``, but without wrapping around.
* :func:`azimuth_offset` gives the whole-pixel ``(drow, dcol)`` of a step of ``k`` pixels
  towards a compass azimuth (degrees clockwise from north) on a north-up grid (row 0 is the
  north edge, rows grow southwards, columns eastwards).

So "move the cloud mask 5 pixels away from the sun" is
``shift(cloud, *azimuth_offset(sun_azimuth + 180, 5))``.

Examples:
    >>> shift(np.arange(4).reshape(1, 4), 0, 1).tolist()
    [[0, 0, 1, 2]]
    >>> azimuth_offset(90.0, 2), azimuth_offset(0.0, 2), azimuth_offset(180.0, 1)
    ((0, 2), (-2, 0), (1, 0))
    >>> m = np.zeros((3, 3), bool); m[1, 1] = True
    >>> np.argwhere(shift(m, *azimuth_offset(90.0, 1))).tolist()   # moved one pixel east
    [[1, 2]]
"""

from __future__ import annotations

import numpy as np

from course_lib.validation import as_array, check_number

__all__ = ["shift", "azimuth_offset", "azimuth_step"]


def shift(array: np.ndarray, drow: int, dcol: int, fill=0) -> np.ndarray:
    """Move the content of ``array`` by ``(drow, dcol)`` pixels: ``out[r, c] = array[r - drow, c - dcol]``.

    Works on the last two axes; leading axes (bands, time) are carried along.

    Args:
        array: ``(..., rows, cols)``.
        drow: rows to move down (south on a north-up grid); negative moves up.
        dcol: columns to move right (east); negative moves left.
        fill: value of the pixels that come from outside the grid (0, False, NaN...).

    Returns:
        A new array of the same shape and dtype.

    >>> shift(np.array([[1, 2], [3, 4]]), -1, 0, fill=9).tolist()
    [[3, 4], [9, 9]]
    """
    array, drow, dcol = _check_shift(array, drow, dcol)
    out = np.full_like(array, fill)
    rows, cols = array.shape[-2:]
    if abs(drow) >= rows or abs(dcol) >= cols:
        return out
    src_r = slice(max(0, -drow), rows - max(0, drow))
    dst_r = slice(max(0, drow), rows - max(0, -drow))
    src_c = slice(max(0, -dcol), cols - max(0, dcol))
    dst_c = slice(max(0, dcol), cols - max(0, -dcol))
    out[..., dst_r, dst_c] = array[..., src_r, src_c]
    return out


def azimuth_step(azimuth_deg: float) -> tuple[float, float]:
    """The fractional ``(drow, dcol)`` of one pixel towards ``azimuth_deg`` on a north-up grid.

    >>> [round(v, 3) for v in azimuth_step(135.0)]   # south-east: down and right
    [0.707, 0.707]
    """
    az = np.radians(check_number(azimuth_deg, "azimuth_deg", units="degrees",
                                 fix="Degrees clockwise from north, e.g. 90.0 for east."))
    return float(-np.cos(az)), float(np.sin(az))


def azimuth_offset(azimuth_deg: float, k: float) -> tuple[int, int]:
    """Whole-pixel ``(drow, dcol)`` of a step of ``k`` pixels towards ``azimuth_deg``.

    Args:
        azimuth_deg: compass direction, degrees clockwise from north (90 = east).
        k: distance in pixels (may be fractional; the offset is rounded).
    """
    k = check_number(k, "k", fix="A distance in pixels, e.g. 3.")
    step_r, step_c = azimuth_step(azimuth_deg)
    return int(round(k * step_r)), int(round(k * step_c))


# --------------------------------------------------------------------------- input checks
def _check_shift(array, drow, dcol) -> tuple[np.ndarray, int, int]:
    """An array with ``(rows, cols)`` last and two whole-pixel offsets."""
    array = as_array(array, "array", kinds="biuf", allow_empty=True,
                     fix="Pass an array (..., rows, cols).")
    if array.ndim < 2:
        raise ValueError(f"shift needs an array with (rows, cols) last; got shape {array.shape}. "
                         "For a profile add an axis, e.g. profile[None].")
    for name, value in (("drow", drow), ("dcol", dcol)):
        number = check_number(value, name, fix="A whole number of pixels, e.g. from "
                              "azimuth_offset(azimuth, k).")
        if int(number) != number:
            raise ValueError(f"shift moves by whole pixels; got drow={drow!r}, dcol={dcol!r} "
                             "(round them first, e.g. with azimuth_offset).")
    return array, int(drow), int(dcol)
