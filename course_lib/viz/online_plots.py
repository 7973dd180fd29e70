"""Plots for notebook 09: a Landslide4Sense patch explorer and a pre/post change panel.

:func:`patch_explorer` is the widget callback (a plain function the tests call).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from course_lib.data.landslide4sense import Patches
from course_lib.viz import style


def _stretch(image: np.ndarray, low: float = 2, high: float = 98) -> np.ndarray:
    finite = image[np.isfinite(image)]
    if finite.size == 0:
        return np.zeros_like(image)
    lo, hi = np.percentile(finite, [low, high])
    return np.clip((image - lo) / max(hi - lo, 1e-9), 0, 1)


def patch_explorer(patches: Patches, index: int = 0, band: str = "B08",
                   show_mask: bool = True) -> tuple[Figure, dict[str, Any]]:
    """One patch: true colour (B04, B03, B02), one chosen band, and the landslide mask.

    Returns ``(figure, numbers)`` with the patch name, its landslide fraction and the band's
    mean and standard deviation (in the patches' current units: raw or normalised).
    """
    if not 0 <= index < len(patches):
        raise ValueError(f"index must be between 0 and {len(patches) - 1}; got {index}.")
    image = patches.images[index]
    rgb = np.dstack([_stretch(image[..., patches.band_names.index(b)])
                     for b in ("B04", "B03", "B02")])
    values = patches.band(band)[index]
    mask = None if patches.masks is None else patches.masks[index]
    numbers = {"name": patches.names[index], "band": band,
               "landslide_fraction": float("nan") if mask is None else float(mask.mean()),
               "band_mean": float(np.nanmean(values)), "band_std": float(np.nanstd(values))}
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    axes = fig.subplots(1, 3)
    style.image_layer(axes[0], rgb)
    axes[0].set_title(f"{patches.names[index]}: true colour (stretched)", fontsize=9)
    finite = values[np.isfinite(values)]
    im = style.image_layer(axes[1], values, cmap="magma",
                           vmin=float(finite.min()) if finite.size else None,
                           vmax=float(finite.max()) if finite.size else None)
    style.add_colorbar(im, axes[1], band, shrink=0.8)
    axes[1].set_title(f"{band} ({'normalised' if patches.normalised else 'as stored'})",
                      fontsize=9)
    if mask is not None:
        style.image_layer(axes[2], mask, "binary")
        if show_mask:
            for ax in axes[:2]:
                ax.contour(mask, levels=[0.5], colors="cyan", linewidths=0.8)
    axes[2].set_title(f"mask: {numbers['landslide_fraction']:.1%} landslide", fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig, numbers
