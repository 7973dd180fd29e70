"""Post-processing of classified maps: the focal mode (majority) filter.

The paper removed salt-and-pepper noise from its CART maps with Earth Engine's focal mode
(Ganerød, Lindsay et al. 2023, section 3.2 (iv)). One definition serves every method of the
course (CART, OBIA, U-Net) and the Dask notebook, so they all clean maps the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_lib.validation import as_2d, binary_and_valid, check_odd_window


def focal_mode(binary: Any, window: int = 3) -> np.ndarray:
    """The majority (mode) of a binary map in a ``window`` x ``window`` square, NaN-aware.

    Earth Engine's ``focal_mode(radius, 'square')`` on the binary map, as the paper used to
    remove salt-and-pepper noise; ``window = 2 * radius + 1``. Computed with
    ``skimage.filters.rank.majority`` and its ``mask``: NaN pixels (no observation) do not
    vote and stay NaN, and pixels outside the image do not vote either. Where the votes tie
    (only possible next to NaN or the edge, where the window holds an even number of valid
    pixels) the result is 0, "no landslide" (scikit-image picks the smallest most common
    value).

    Args:
        binary: 2-D map (or a single-band Raster) of 0, 1 and NaN (bool also accepted).
        window: odd side of the square window in pixels; 1 returns the map unchanged.

    Returns:
        float32 ``(rows, cols)``: 1, 0 or NaN.

    >>> m = np.zeros((5, 5)); m[2, 2] = 1
    >>> int(np.nansum(focal_mode(m, 3)))
    0
    """
    from skimage.filters.rank import majority

    window, ones, valid = _check_focal_inputs(binary, window)
    out = np.where(valid, ones, np.nan).astype(np.float32)
    if window == 1 or not valid.any():
        return out
    footprint = np.ones((window, window), dtype=bool)
    mode = majority(ones.astype(np.uint8), footprint, mask=valid)
    out[valid] = mode[valid]
    return out


# --------------------------------------------------------------------------- input checks
def _check_focal_inputs(binary: Any, window: Any) -> tuple[int, np.ndarray, np.ndarray]:
    """An odd window >= 1 and the binary map split into its ones and its valid pixels."""
    window = check_odd_window(window, "window", minimum=1,
                              fix="Pass an odd number of pixels: 1 (no filter), 3, 5, 7...")
    ones, valid = binary_and_valid(as_2d(binary, "binary"), "binary")
    return window, ones, valid
