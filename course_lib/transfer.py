"""Globally vs locally trained: the same bands, made comparable between scenes.

The paper's question (Ganerød, Lindsay et al. 2023, *Remote Sensing* 15:895) is whether
models trained elsewhere ("globally": CCDC, Tehrani et al. 2021, Prakash et al. 2021) can map
landslides in a new region as well as models trained there ("locally": CART, a U-Net). A model
trained on one scene learns thresholds in that scene's units: dB of backscatter, NDVI change.
Another scene with another land-cover mix, other slopes facing the sensor, another season,
shifts those values, and the thresholds miss.

**Per-scene standardisation** is the cheapest remedy: express every band in units of its own
scene's spread, ``z = (x - mean_scene) / std_scene`` (per band, over the scene's valid pixels;
no labels needed, so a new scene can be standardised before anyone maps it). It removes shifts
and stretches of a whole scene, not differences in what a landslide looks like. Prakash et
al. (2021, *Scientific Reports* 11:9722) normalise every input image for their generalised
CNN; the course's U-Net does the same with :class:`course_lib.unet.BandStats` of the target
scene, and :func:`standardise` does it for a pixel classifier such as CART. Training on
**several scenes** is the other remedy: notebook 06 tries both.

NaN stays NaN (the course's NaN policy): a pixel without an observation is not given one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_lib.data.raster import Raster
from course_lib.validation import as_array, describe


def band_statistics(raster: Any) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each band over its finite pixels (float64).

    Args:
        raster: a Raster or an array ``(bands, rows, cols)``.

    Returns:
        ``(mean, std)``, one value per band; a constant band gets std 1.

    >>> mean, std = band_statistics(np.array([[[1.0, 3.0]], [[2.0, np.nan]]]))
    >>> mean.tolist(), std.tolist()
    ([2.0, 2.0], [1.0, 1.0])
    """
    data = as_array(raster, "raster", ndim=3, kinds="iuf",
                    fix="Pass a Raster or an array (bands, rows, cols).").astype(np.float64)
    flat = data.reshape(data.shape[0], -1)
    finite = np.isfinite(flat)
    if not finite.any(axis=1).all():
        empty = [int(i) for i in np.flatnonzero(~finite.any(axis=1))]
        raise ValueError(f"raster has bands without any finite pixel (band indices {empty}); "
                         "a scene statistic needs at least one observation per band.")
    count = finite.sum(axis=1)
    mean = np.where(finite, flat, 0.0).sum(axis=1) / count
    var = np.where(finite, (flat - mean[:, None]) ** 2, 0.0).sum(axis=1) / count
    std = np.sqrt(var)
    std[std < 1e-12] = 1.0
    return mean, std


def standardise(raster: Any, mean: Any = None, std: Any = None) -> Any:
    """Each band as ``(x - mean) / std``: by default its own scene's statistics.

    Args:
        raster: a Raster (returned as a Raster with the same grid and band names) or an array
            ``(bands, rows, cols)``.
        mean, std: per-band statistics to use instead (e.g. another scene's, to reproduce a
            model trained there); both or neither.

    Returns:
        float32, NaN where the input is NaN.

    >>> standardise(np.array([[[1.0, 3.0, np.nan]]])).tolist()
    [[[-1.0, 1.0, nan]]]
    """
    if (mean is None) != (std is None):
        raise ValueError("pass both mean and std, or neither (then the scene's own are used).")
    data = as_array(raster, "raster", ndim=3, kinds="iuf",
                    fix="Pass a Raster or an array (bands, rows, cols).")
    if mean is None:
        mean, std = band_statistics(data)
    mean = np.asarray(mean, dtype=np.float64).reshape(-1)
    std = np.asarray(std, dtype=np.float64).reshape(-1)
    if mean.size != data.shape[0] or std.size != data.shape[0] or not (std > 0).all():
        raise ValueError(f"mean and std must hold one value per band ({data.shape[0]}), std > 0; "
                         f"got {describe(mean)} and {describe(std)}.")
    out = ((data - mean[:, None, None]) / std[:, None, None]).astype(np.float32)
    if isinstance(raster, Raster):
        return Raster(out, raster.transform, raster.crs, raster.band_names, dates=raster.dates,
                      attrs={**raster.attrs, "standardised": "per band, (x - mean) / std"})
    return out
