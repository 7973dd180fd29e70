"""A trained U-Net with everything needed to use it: normalisation, bands, threshold.

:class:`TrainedUNet` bundles the Keras model with its :class:`~course_lib.unet.normalise.BandStats`
(band names, means, standard deviations), the tile size and the validation-chosen threshold,
so ``predict_proba`` and ``predict`` take a raw image (a Raster or an array) and return maps of
its size, NaN where an input band is NaN (the NaN policy of :mod:`course_lib.layers`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from course_lib.unet.normalise import BandStats, check_band_names, normalise, valid_pixels


@dataclass
class TrainedUNet:
    """A Keras U-Net and its metadata.

    Attributes:
        model: the Keras model.
        stats: normalisation and band names.
        threshold: probability at or above which a pixel is a landslide (chosen on validation).
        tile: tile size it was trained on.
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
                      tta: Any = False, batch_size: int = 8) -> np.ndarray:
        """Landslide probability of every pixel, float32 ``(rows, cols)``, NaN where inputs are.

        Args:
            image: a Raster (its band names are checked) or an array ``(rows, cols, bands)`` /
                ``(bands, rows, cols)`` with the model's bands in order.
            band_names: optional names of an array's bands, checked against the model's.
            stride: tile step (default half a tile).
            tta: test-time augmentation, see :func:`course_lib.unet.predict.predict_scene`.
            batch_size: tiles per model call.
        """
        from course_lib.unet.predict import predict_scene

        data = self._image(image, band_names)
        n = len(self.band_names)
        x = normalise(data, self.stats)
        prob = predict_scene(self.model, x, tile=self.tile, stride=stride or self.tile // 2,
                             batch_size=batch_size, tta=tta)
        prob[~valid_pixels(data, n)] = np.nan
        return prob

    def predict(self, image: Any, *, threshold: float | None = None, **kwargs: Any) -> np.ndarray:
        """Binary map: 1 landslide, 0 not, NaN where an input band is NaN (float32)."""
        prob = self.predict_proba(image, **kwargs)
        t = self.threshold if threshold is None else float(threshold)
        with np.errstate(invalid="ignore"):
            return np.where(np.isnan(prob), np.nan, prob >= t).astype(np.float32)

    def save(self, path: str | Path, overwrite: bool = False) -> Path:
        """Save to a ``.keras`` file (see :func:`course_lib.unet.saving.save_unet`)."""
        from course_lib.unet.saving import save_unet

        return save_unet(self, path, overwrite=overwrite)
