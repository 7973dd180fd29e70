"""Apply a per-pixel model to a whole stack a block of rows at a time (the NaN policy kept).

Any model that maps a ``(pixels, bands)`` table to one or more numbers per pixel (a CART, a
random forest, a threshold) runs on a stack of any size this way: only one block of the chosen
bands is copied at a time, and pixels with NaN in any chosen band come out NaN. The Dask
version in :mod:`course_lib.scaling` calls :func:`predict_in_chunks` on every chunk.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from course_lib.data.raster import array_of
from course_lib.validation import as_array, check_integer, describe

#: Pixels per prediction chunk: 2**18 pixels of 13 float32 bands is about 14 MB.
DEFAULT_CHUNK_PIXELS = 2 ** 18


def predict_in_chunks(predict: Callable[[np.ndarray], np.ndarray], stack: Any,
                      band_names: Sequence[str] | None = None, *, n_outputs: int = 1,
                      chunk_pixels: int = DEFAULT_CHUNK_PIXELS) -> np.ndarray:
    """Apply a per-pixel function to a whole stack, a block of rows at a time.

    Only one block of the chosen bands is copied at a time, as a ``(pixels, bands)`` table.
    Pixels with NaN (or infinity) in any chosen band are not passed to ``predict`` and come
    out NaN: the course's NaN policy.

    Args:
        predict: maps float32 ``(n, bands)`` to ``(n,)`` or ``(n, n_outputs)`` numbers, e.g.
            ``lambda X: model.predict_proba(X)[:, 1]``.
        stack: Raster or array ``(bands, rows, cols)``.
        band_names: the bands to use, in order (default: every band of the stack).
        n_outputs: number of output values per pixel.
        chunk_pixels: pixels per block (at least one row).

    Returns:
        float32 ``(rows, cols)`` (or ``(n_outputs, rows, cols)``), NaN where any band is NaN.

    >>> x = np.array([[[1.0, np.nan], [3.0, 4.0]]])
    >>> predict_in_chunks(lambda X: X[:, 0] * 10, x, chunk_pixels=1).tolist()
    [[10.0, nan], [30.0, 40.0]]
    """
    data, index, n_outputs, chunk_pixels = _check_chunk_inputs(predict, stack, band_names,
                                                               n_outputs, chunk_pixels)
    _, rows, cols = data.shape
    step = max(1, chunk_pixels // cols)
    out = np.full((n_outputs, rows, cols), np.nan, dtype=np.float32)
    contiguous = index == list(range(index[0], index[0] + len(index))) if index else False
    for r0 in range(0, rows, step):
        r1 = min(rows, r0 + step)
        block = (data[index[0]:index[-1] + 1, r0:r1] if contiguous else data[index, r0:r1])
        X = block.reshape(len(index), -1).T.astype(np.float32, copy=False)
        ok = np.isfinite(X).all(axis=1)
        if not ok.any():
            continue
        values = _predicted(predict(X[ok]), int(ok.sum()), n_outputs)
        flat = out[:, r0:r1].reshape(n_outputs, -1)
        flat[:, ok] = values.T
        out[:, r0:r1] = flat.reshape(n_outputs, r1 - r0, cols)
    return out[0] if n_outputs == 1 else out


# --------------------------------------------------------------------------- input checks
def _stack_and_bands(stack: Any, band_names: Sequence[str] | None
                     ) -> tuple[np.ndarray, list[int]]:
    """The ``(bands, rows, cols)`` array of ``stack`` and the indices of ``band_names`` in it.

    A Raster is matched by band name (so extra bands or another order are fine); a plain
    array must hold exactly ``band_names``, in that order. None means every band, in order.
    """
    data = array_of(stack)
    if isinstance(data, (list, tuple)):
        data = as_array(data, "stack", kinds="biuf")
    if not isinstance(data, np.ndarray) or data.ndim != 3:
        raise ValueError(f"stack must be a Raster or an array (bands, rows, cols); got "
                         f"{describe(stack)}. Use layers.setting_layers(k), or add a band axis "
                         "to a single image with image[None].")
    if band_names is None:
        return data, list(range(data.shape[0]))
    names = getattr(stack, "band_names", None)
    if names is None:
        if data.shape[0] != len(band_names):
            raise ValueError(f"stack has {data.shape[0]} bands but the classifier was trained on "
                             f"{len(band_names)} ({list(band_names)}); pass a Raster with band "
                             "names, or an array of exactly those bands in that order.")
        return data, list(range(data.shape[0]))
    missing = [b for b in band_names if b not in names]
    if missing:
        raise ValueError(f"stack lacks the bands {missing} that the classifier was trained on; "
                         f"it has {list(names)}. Classify the stack of the same setting.")
    return data, [list(names).index(b) for b in band_names]


def _check_chunk_inputs(predict: Any, stack: Any, band_names: Any, n_outputs: Any,
                        chunk_pixels: Any) -> tuple[np.ndarray, list[int], int, int]:
    """The stack and the indices of the bands to use (default: all), the number of outputs
    and the block size, once ``predict`` is known to be callable."""
    if not callable(predict):
        raise TypeError(f"predict must be a function of a (pixels, bands) table, e.g. "
                        f"model.predict or lambda X: model.predict_proba(X)[:, 1]; got "
                        f"{describe(predict)}. Pass the method, not its result.")
    if isinstance(band_names, str):
        raise TypeError(f"band_names must be a sequence of names, e.g. ('pre-VV', 'dNDVI'); got "
                        f"{describe(band_names)}.")
    data, index = _stack_and_bands(stack, band_names)
    n_outputs = check_integer(n_outputs, "n_outputs", minimum=1)
    chunk_pixels = check_integer(chunk_pixels, "chunk_pixels", minimum=1)
    return data, index, n_outputs, chunk_pixels


def _predicted(values: Any, n_pixels: int, n_outputs: int) -> np.ndarray:
    """``predict``'s answer as float32 ``(n_pixels, n_outputs)``, or a clear error."""
    try:
        values = np.asarray(values, dtype=np.float32)
    except (TypeError, ValueError):
        raise TypeError(f"predict must return numbers, one (or n_outputs) per pixel; it returned "
                        f"{describe(values)}. Return numbers, e.g. lambda X: "
                        "model.predict_proba(X)[:, 1].") from None
    if values.size != n_pixels * n_outputs:
        raise ValueError(f"predict returned {values.size} values for {n_pixels} pixels and "
                         f"n_outputs={n_outputs}: it must return (pixels,) or (pixels, "
                         f"n_outputs), e.g. model.predict_proba(X)[:, 1] for one probability.")
    return values.reshape(n_pixels, n_outputs)
