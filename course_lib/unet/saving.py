"""Save and load a :class:`~course_lib.unet.trained.TrainedUNet` as one ``.keras`` file.

The Keras archive (a zip with the architecture, ``config.json``, and the weights) gets one more
member, ``course_lib_unet.json``, with the band names, the normalisation statistics, the tile
size, the threshold, the training history and facts. Keras ignores members it does not know,
so the file also loads with plain ``keras.saving.load_model`` (for the network alone).
Loading uses ``safe_mode=True``: no Python code (lambda layers) is ever deserialised from a
file, only registered classes and functions such as
:func:`course_lib.unet.model.bce_dice_loss`. Writing is atomic (temporary file, then rename).
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from course_lib.unet.normalise import BandStats
from course_lib.unet.trained import TrainedUNet

METADATA_NAME = "course_lib_unet.json"
FORMAT_VERSION = 1


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def save_unet(trained: TrainedUNet, path: str | Path, overwrite: bool = False) -> Path:
    """Write ``trained`` to ``path`` (must end in ``.keras``) atomically.

    Raises:
        ValueError: a path without the ``.keras`` suffix.
        FileExistsError: the file exists and ``overwrite`` is False.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"path must end in .keras (Keras 3's format); got {str(path)!r}.")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"format_version": FORMAT_VERSION, "stats": trained.stats.to_dict(),
            "threshold": float(trained.threshold), "tile": int(trained.tile),
            "history": _jsonable(trained.history), "info": _jsonable(trained.info)}
    fd, tmp = tempfile.mkstemp(suffix=".keras", dir=path.parent, prefix=f".{path.stem}-")
    os.close(fd)
    try:
        trained.model.save(tmp)
        with zipfile.ZipFile(tmp, "a") as zf:
            zf.writestr(METADATA_NAME, json.dumps(meta, indent=1))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def load_unet(path: str | Path) -> TrainedUNet:
    """Read a file written by :func:`save_unet` (Keras ``safe_mode=True``).

    Raises:
        FileNotFoundError: no such file.
        ValueError: a ``.keras`` file without the course's metadata (a plain Keras model).
    """
    import keras

    import course_lib.unet.model  # noqa: F401  (registers the loss for deserialisation)

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no model file at {path}; save one with trained.save(path).")
    with zipfile.ZipFile(path) as zf:
        if METADATA_NAME not in zf.namelist():
            raise ValueError(f"{path} is a Keras file without {METADATA_NAME}: not saved by "
                             "course_lib.unet.save_unet (load it with keras.saving.load_model).")
        meta = json.loads(zf.read(METADATA_NAME))
    model = keras.saving.load_model(path, safe_mode=True)
    return TrainedUNet(model=model, stats=BandStats.from_dict(meta["stats"]),
                       threshold=float(meta["threshold"]), tile=int(meta["tile"]),
                       history=meta.get("history", {}), info=meta.get("info", {}))
