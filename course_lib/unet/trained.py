"""A trained U-Net with everything needed to use it: normalisation, bands, threshold, TTA.

:class:`TrainedUNet` bundles the Keras model with its :class:`~course_lib.unet.normalise.BandStats`
(band names, means, standard deviations), the tile size, the validation-chosen threshold and
the test-time augmentation it was chosen with, so ``predict_proba`` and ``predict`` take a raw
image (a Raster or an array, any dtype) and return maps of its size, NaN where an input band
is NaN (the NaN policy of :mod:`course_lib.sampling`). They predict with that augmentation
by default: a threshold chosen on flip-averaged probabilities fits flip-averaged
probabilities (averaging makes them less extreme), not single predictions.

:func:`save_unet` and :func:`load_unet` keep a trained model as one ``.keras`` file: the Keras
archive (a zip with the architecture, ``config.json``, and the weights) gets one more member,
``course_lib_unet.json``, with the band names, the normalisation statistics, the tile size, the
threshold, the training history and facts. Keras ignores members it does not know, so the file
also loads with plain ``keras.saving.load_model`` (for the network alone). Loading uses
``safe_mode=True``: no Python code (lambda layers) is ever deserialised from a file, only
registered classes and functions such as :func:`course_lib.unet.model.bce_dice_loss`. Writing is
atomic (:func:`course_lib.data.atomic.atomic_write`): a save that is killed leaves the earlier
file, and its hidden temporary file is removed by the next save into the same folder. A
damaged file (cut short by a full disk or an interrupted copy) is refused with its path and
the fix.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from course_lib.data.atomic import atomic_write
from course_lib.unet.normalise import BandStats, check_band_names, normalise, valid_pixels
from course_lib.unet.predict import check_tta
from course_lib.validation import CorruptFileError, check_number, check_path, expected_message


@dataclass
class TrainedUNet:
    """A Keras U-Net and its metadata.

    Attributes:
        model: the Keras model.
        stats: normalisation and band names.
        threshold: probability at or above which a pixel is a landslide (chosen on validation).
        tile: tile size it was trained on.
        tta: the test-time augmentation the threshold was chosen with, and the default of
            :meth:`predict_proba` (False, ``"flips"`` or ``"d4"``).
        history: per epoch: ``loss``, ``val_loss``, ``lr``, ``seconds``, ``steps``; per
            step: ``step_lr`` (lists).
        info: training facts (steps, steps per second, stop reason, validation score...).
    """

    model: Any
    stats: BandStats
    threshold: float = 0.5
    tile: int = 128
    history: dict[str, list[float]] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    tta: Any = False

    @property
    def band_names(self) -> tuple[str, ...]:
        """The bands the model expects, in order."""
        return self.stats.band_names

    def _image(self, image: Any, band_names: Any = None) -> np.ndarray:
        from course_lib.data.raster import Raster

        if isinstance(image, Raster):
            check_band_names(self.stats, image.band_names)
            return image.data
        check_band_names(self.stats, band_names)
        return np.asarray(image)

    def predict_proba(self, image: Any, *, band_names: Any = None, stride: int | None = None,
                      tta: Any = None, batch_size: int = 8) -> np.ndarray:
        """Landslide probability of every pixel, float32 ``(rows, cols)``, NaN where inputs are.

        Args:
            image: a Raster (its band names are checked) or an array ``(rows, cols, bands)`` /
                ``(bands, rows, cols)`` with the model's bands in order.
            band_names: optional names of an array's bands, checked against the model's.
            stride: tile step (default half a tile).
            tta: test-time augmentation (see :func:`course_lib.unet.predict.predict_scene`);
                None (default) uses the model's own :attr:`tta`, the one its threshold was
                chosen with.
            batch_size: tiles per model call.
        """
        from course_lib.unet.predict import predict_scene

        data = self._image(image, band_names)
        n = len(self.band_names)
        x = normalise(data, self.stats)
        prob = predict_scene(self.model, x, tile=self.tile, stride=stride or self.tile // 2,
                             batch_size=batch_size,
                             tta=self.tta if tta is None else check_tta(tta))
        prob[~valid_pixels(data, n)] = np.nan
        return prob

    def predict(self, image: Any, *, threshold: float | None = None, **kwargs: Any) -> np.ndarray:
        """Binary map: 1 landslide, 0 not, NaN where an input band is NaN (float32).

        Args:
            image, kwargs: as :meth:`predict_proba`.
            threshold: a probability in [0, 1] (default: the validation-chosen one).
        """
        t = self.threshold if threshold is None else check_number(
            threshold, "threshold", minimum=0, maximum=1,
            fix="A probability between 0 and 1 (percent? divide by 100), or None for the "
                "threshold chosen on validation.")
        prob = self.predict_proba(image, **kwargs)
        with np.errstate(invalid="ignore"):
            return np.where(np.isnan(prob), np.nan, prob >= t).astype(np.float32)

    def evaluate(self, chips: Any, *, threshold: float | None = None, tta: Any = None) -> Any:
        """Precision, recall, F1 and MCC pooled over every pixel of ``chips``.

        Each chip is predicted whole (:meth:`predict`) and all pixels count together, so a
        big chip weighs more than a small one, as in a map; pixels whose prediction is NaN
        (nodata) are left out.

        Args:
            chips: a list of :class:`~course_lib.data.chips.Chip` (e.g. ``parts["test"]``).
            threshold, tta: as :meth:`predict` (default: the model's own).

        Returns:
            :class:`course_lib.metrics.Scores` (``.f1``, ``.mcc``, ``.text()``).
        """
        from course_lib import metrics

        if isinstance(chips, (str, bytes)) or not isinstance(chips, (list, tuple)) or not chips \
                or not all(hasattr(c, "image") and hasattr(c, "mask") for c in chips):
            raise TypeError(expected_message("chips", "a non-empty list of Chip objects", chips,
                                             "E.g. model.evaluate(parts['test'])."))
        total = np.zeros(4, dtype=np.int64)
        for c in chips:
            pred = self.predict(c.image, threshold=threshold, tta=tta)
            truth = (np.asarray(c.mask) > 0).astype(np.uint8)
            one = metrics.confusion_counts(truth, pred)
            total += (one.tp, one.fp, one.fn, one.tn)
        return metrics.ConfusionCounts(*(int(v) for v in total)).scores()

    def save(self, path: str | Path, overwrite: bool = False) -> Path:
        """Save to a ``.keras`` file (see :func:`save_unet`)."""
        return save_unet(self, path, overwrite=overwrite)


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
    if not isinstance(trained, TrainedUNet):
        raise TypeError(expected_message("trained", "a TrainedUNet", trained,
                                         "Train one with unet.train_unet(...)."))
    path = check_path(path, "path")
    if path.suffix != ".keras":
        raise ValueError(f"path must end in .keras (Keras 3's format); got {str(path)!r}.")
    meta = {"format_version": FORMAT_VERSION, "stats": trained.stats.to_dict(),
            "threshold": float(trained.threshold), "tile": int(trained.tile),
            "tta": trained.tta,
            "history": _jsonable(trained.history), "info": _jsonable(trained.info)}
    with atomic_write(path, overwrite=overwrite, suffix=".keras") as tmp:
        trained.model.save(tmp)
        with zipfile.ZipFile(tmp, "a") as zf:
            zf.writestr(METADATA_NAME, json.dumps(meta, indent=1))
    return path


def load_unet(path: str | Path) -> TrainedUNet:
    """Read a file written by :func:`save_unet` (Keras ``safe_mode=True``).

    Raises:
        FileNotFoundError: no such file.
        CorruptFileError: the file is damaged (e.g. cut short); the message names it.
        ValueError: a ``.keras`` file without the course's metadata (a plain Keras model).
    """
    import keras

    import course_lib.unet.model  # noqa: F401  (registers the loss for deserialisation)

    path = check_path(path, "path")
    if not path.exists():
        raise FileNotFoundError(f"no model file at {path}; save one with trained.save(path).")
    damaged = (f"{path} is not a complete model file: it may have been cut short (a full disk, "
               "an interrupted copy or download). Copy or save it again (trained.save(path, "
               "overwrite=True)), or train the model again.")
    try:
        with zipfile.ZipFile(path) as zf:
            if METADATA_NAME not in zf.namelist():
                raise ValueError(f"{path} is a Keras file without {METADATA_NAME}: not saved by "
                                 "course_lib.unet.save_unet (load it with "
                                 "keras.saving.load_model).")
            meta = json.loads(zf.read(METADATA_NAME))
            bad = zf.testzip()
        if bad is not None:
            raise CorruptFileError(f"{damaged} (member {bad} is damaged)")
        model = keras.saving.load_model(path, safe_mode=True)
    except (zipfile.BadZipFile, EOFError, OSError, json.JSONDecodeError) as err:
        if isinstance(err, (CorruptFileError, FileNotFoundError)):
            raise
        raise CorruptFileError(f"{damaged} (reading it said: {err})") from err
    return TrainedUNet(model=model, stats=BandStats.from_dict(meta["stats"]),
                       threshold=float(meta["threshold"]), tile=int(meta["tile"]),
                       history=meta.get("history", {}), info=meta.get("info", {}),
                       tta=meta.get("tta", False))
