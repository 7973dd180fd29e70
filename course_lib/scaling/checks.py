"""Input checks of the scaling functions, done when the lazy graph is built.

A Dask graph runs later, in worker processes: a bad input found only then surfaces as a long
traceback from deep inside Dask, far from the call that caused it. These checks look at what
is known without computing (shapes, dtypes, band names, the model) and refuse a bad input at
once, with the argument's name and the fix, in the style of :mod:`course_lib.validation`.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from course_lib import validation
from course_lib.validation import describe, expected_message

__all__ = ["as_dask", "check_band_names", "check_reflectance_dtype", "check_model",
           "check_window", "check_cluster_args", "check_scheduler", "check_cloud_inputs",
           "check_products", "check_classifier"]

#: Schedulers ``dask.compute`` knows by name (None = the active Client, else threads).
SCHEDULERS = ("sync", "synchronous", "single-threaded", "threads", "threading", "processes",
              "multiprocessing", "distributed")


def as_dask(value: Any, name: str, ndim: int, layout: str) -> Any:
    """A NumPy or Dask array as a Dask array with ``ndim`` dimensions (``layout`` names them).

    >>> as_dask(np.zeros((2, 4, 4)), "pre", 3, "(bands, rows, cols)").shape
    (2, 4, 4)
    """
    import dask.array as da

    if value is None or isinstance(value, (str, bytes, dict)) or not hasattr(value, "shape"):
        raise TypeError(expected_message(name, f"a {layout} array (NumPy or Dask)", value,
                                         "e.g. lazy_product(path) or a Raster's .data."))
    if value.dtype.kind not in "biuf":
        raise TypeError(expected_message(name, "an array of numbers", value))
    if len(value.shape) != ndim:
        raise ValueError(f"{name} must be {layout}; got shape {tuple(value.shape)}.")
    return da.asarray(value)


def check_band_names(band_names: Any, n_bands: int, needed: Sequence[str],
                     name: str = "band_names") -> list[str]:
    """Band names: one per band of the stack, including every band in ``needed``."""
    if isinstance(band_names, str) or not hasattr(band_names, "__iter__"):
        raise TypeError(expected_message(name, "a list of band names", band_names,
                                         "e.g. ('B02', 'B03', 'B04', 'B08', 'B11', 'B12')."))
    names = [str(b) for b in band_names]
    if len(names) != n_bands:
        raise ValueError(f"{name} names {len(names)} bands but the stack has {n_bands}: one name "
                         "per band, in the stack's order.")
    missing = [b for b in needed if b not in names]
    if missing:
        raise ValueError(f"{name} lacks {missing} (needed for NDVI: red B04, near-infrared B08); "
                         f"got {names}. Use Sentinel-2 names, e.g. 'B04' not 'B4'.")
    return names


def check_reflectance_dtype(array: Any, name: str) -> None:
    """Reflectance is stored as floats; integers are digital numbers (refused without reading)."""
    if np.dtype(array.dtype).kind in "biu":
        raise TypeError(f"{name} is an integer array ({array.dtype}): pass reflectance as floats "
                        "(DN / 10000, or course_lib.data.sentinel2.dn_to_reflectance), not raw "
                        "DN; lazy_product decodes study-area products for you.")


def check_model(model: Any, n_bands: int, proba: bool = False) -> None:
    """A fitted scikit-learn model that takes ``n_bands`` features per pixel."""
    method = "predict_proba" if proba else "predict"
    if not hasattr(model, method):
        raise TypeError(expected_message("model", f"a fitted scikit-learn model (with "
                                                  f".{method})", model,
                                         "e.g. the CART of notebook 04 (classifier.estimator)."))
    n_features = getattr(model, "n_features_in_", None)
    if n_features is None:
        raise ValueError("model is not fitted yet: fit it first (fit_pixel_classifier(...) or "
                         "model.fit(X, y)).")
    if n_features != n_bands:
        raise ValueError(f"layers has {n_bands} bands but the model was trained on {n_features} "
                         "features: pass the same bands, in the training order.")


def check_window(window: Any, name: str = "window") -> int:
    """An odd positive window size in pixels."""
    value = validation.check_integer(window, name, minimum=1, fix="e.g. 3 for a 3 x 3 window.")
    if value % 2 == 0:
        raise ValueError(f"{name} must be odd (the window has a centre pixel); got {value}. "
                         "E.g. 3 or 5.")
    return value


#: The smallest memory limit per worker (bytes) that leaves room for tasks: a worker that
#: has imported the course holds about 300 MB, and dask.distributed pauses it at 80 %.
MIN_WORKER_MEMORY = 600e6


def check_cluster_args(n_workers: Any, memory_limit: Any, threads_per_worker: Any) -> None:
    """Arguments of :func:`~course_lib.scaling.cluster.start_cluster`, before any process starts."""
    from dask.utils import parse_bytes

    if n_workers is not None:
        validation.check_integer(n_workers, "n_workers", minimum=1,
                                 fix="None picks suggested_workers() (1 on Binder).")
    validation.check_integer(threads_per_worker, "threads_per_worker", minimum=1)
    limit = None
    if isinstance(memory_limit, str) and memory_limit != "auto":
        try:
            limit = parse_bytes(memory_limit)
        except (ValueError, TypeError):
            raise ValueError(expected_message("memory_limit", "a memory size", memory_limit,
                                              "e.g. '1GB' or '800MB' per worker.")) from None
    elif not isinstance(memory_limit, str) and memory_limit is not None:
        limit = validation.check_number(memory_limit, "memory_limit", minimum=0,
                                        min_inclusive=False,
                                        fix="Bytes, or a string such as '1GB'.")
    if limit is not None and limit < MIN_WORKER_MEMORY:
        # a worker pauses at 80 % of its limit (dask.distributed's default) and its imports
        # alone hold ~300 MB that spilling cannot free: below this it pauses for ever
        raise ValueError(f"memory_limit must be at least {MIN_WORKER_MEMORY / 1e6:.0f} MB per "
                         f"worker; got {memory_limit!r}. A worker that has imported the course "
                         "holds about 300 MB before its first task and stops working at 80 % "
                         "of its limit, so a smaller limit hangs the computation. Use fewer "
                         "workers with more memory each (e.g. 1 worker, '1GB').")


def check_scheduler(scheduler: Any) -> None:
    """None or one of :data:`SCHEDULERS` (a Client object is accepted as it is)."""
    if scheduler is None or not isinstance(scheduler, str):
        return
    if scheduler not in SCHEDULERS:
        raise ValueError(f"scheduler must be None (the active Client) or one of {SCHEDULERS}; "
                         f"got {describe(scheduler)}.")


def check_cloud_inputs(scl: Any, cloudprob: Any, pixel_size: Any) -> tuple[Any, Any]:
    """SCL codes and an optional cloud probability of the same shape, as Dask arrays."""
    scl = as_dask(scl, "scl", 4, "(time, 1, rows, cols) SCL codes")
    if scl.dtype.kind not in "iu" or scl.shape[1] != 1:
        raise ValueError(f"scl must be SCL codes (integers), (time, 1, rows, cols); got "
                         f"{scl.dtype} {tuple(scl.shape)}. E.g. lazy_product(folder / "
                         "'s2_pre_scl.tif').")
    validation.check_number(pixel_size, "pixel_size", minimum=0, min_inclusive=False,
                            units="m", fix="The study area's pixels are 10 m.")
    if cloudprob is None:
        return scl, None
    cloudprob = as_dask(cloudprob, "cloudprob", 4, "(time, 1, rows, cols) cloud probability")
    if cloudprob.dtype.kind != "f":
        raise TypeError(f"cloudprob must be a probability 0-1 as floats; got {cloudprob.dtype}. "
                        "lazy_product decodes the study area's s2_<period>_cloudprob.tif for "
                        "you (stored as percent in uint8).")
    if tuple(cloudprob.shape) != tuple(scl.shape):
        raise ValueError(f"cloudprob {tuple(cloudprob.shape)} must have the shape of scl "
                         f"{tuple(scl.shape)}: the same dates and grid (same period).")
    return scl, cloudprob.rechunk(scl.chunks)


def check_products(inputs: Any, names: Sequence[str]) -> dict[str, Any]:
    """A mapping holding every product in ``names`` (Dask, NumPy or xarray arrays)."""
    if not hasattr(inputs, "keys") or not hasattr(inputs, "__getitem__"):
        raise TypeError(expected_message("inputs", "a dict of the study-area products by name",
                                         inputs, f"e.g. {{name: lazy_product(folder / "
                                         f"f'{{name}}.tif') for name in {tuple(names)}}}."))
    missing = [n for n in names if n not in inputs]
    if missing:
        raise ValueError(f"inputs lacks the products {missing}; it has {list(inputs.keys())}. "
                         f"The landslide map needs {list(names)}.")
    return {n: inputs[n] for n in names}


def check_classifier(classifier: Any, layer_names: Sequence[str]) -> None:
    """A fitted pixel classifier (``cart.PixelClassifier``) trained on some of ``layer_names``."""
    if not hasattr(classifier, "predict_landslides") or not hasattr(classifier, "band_names"):
        raise TypeError(expected_message("classifier", "a fitted pixel classifier", classifier,
                                         "e.g. cart.fit_pixel_classifier(table, "
                                         "stack.band_names) on setting 4's layers, as in "
                                         "notebook 04."))
    unknown = [b for b in classifier.band_names if b not in layer_names]
    if unknown:
        raise ValueError(f"classifier was trained on {list(classifier.band_names)}, but the "
                         f"landslide map makes only {list(layer_names)} (the paper's setting "
                         f"4); {unknown} are not among them. Train it on "
                         "layers.setting_layers(4).")
