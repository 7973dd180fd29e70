"""Figures for notebook 00's data tour, and the layer browser's callback.

Every function returns a matplotlib Figure and is a plain function: the notebook wraps it in
ipywidgets, the tests call it directly.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from course_lib.data.samples import FMASK_CODES, load_landsat_series, load_sentinel2_l1c
from course_lib.viz import style

#: Colours for the CFmask classes (Okabe-Ito colours, snow white: colour-blind safe); fill (255)
#: in the course's no-data colour.
FMASK_COLOURS = {0: "#009E73", 1: "#0072B2", 2: "#000000", 3: "#FFFFFF", 4: "#F0E442",
                 255: style.NODATA_COLOR}

#: The layers the browser offers for the real Sentinel-2 scene: name -> bands (R, G, B) or one.
S2_LAYERS = {
    "true colour (B04, B03, B02)": ("B04", "B03", "B02"),
    "false colour, vegetation red (B08, B04, B03)": ("B08", "B04", "B03"),
    "SWIR composite (B12, B8A, B04)": ("B12", "B8A", "B04"),
    "cirrus band (B10)": ("B10",),
    "water vapour band (B09)": ("B09",),
}


def percentile_stretch(image: np.ndarray, low: float = 2, high: float = 98) -> np.ndarray:
    """Scale ``image`` (any shape, NaN allowed) to 0-1 between two percentiles, clipped.

    One pair of percentiles over all channels keeps the colour balance of an RGB image.

    >>> percentile_stretch(np.array([0.0, 5.0, 10.0]), 0, 100).tolist()
    [0.0, 0.5, 1.0]
    """
    lo, hi = np.nanpercentile(image, [low, high])
    if hi <= lo:
        return np.zeros_like(image, dtype=np.float32)
    return np.clip((image - lo) / (hi - lo), 0, 1).astype(np.float32)


@lru_cache(maxsize=2)
def _sentinel2(resolution: int):
    return load_sentinel2_l1c(resolution=resolution)


@lru_cache(maxsize=1)
def _landsat():
    return load_landsat_series()


def sentinel2_layer_figure(layer: str = "true colour (B04, B03, B02)", upper_percentile: float = 98,
                           resolution: int = 20) -> Figure:
    """Show one layer of the real Sentinel-2 L1C scene with a percentile stretch.

    Args:
        layer: a key of :data:`S2_LAYERS`.
        upper_percentile: upper end of the stretch (lower end is 2 %); lower it to see
            dark land better, raise it to see inside bright clouds.
        resolution: 10, 20 or 60 m (20 m keeps the browser fast).
    """
    if layer not in S2_LAYERS:
        raise KeyError(f"Unknown layer {layer!r}; choose from {list(S2_LAYERS)}.")
    raster = _sentinel2(resolution).select(S2_LAYERS[layer])
    image = percentile_stretch(raster.data, 2, upper_percentile)
    fig = Figure(figsize=(9, 5))
    ax = fig.subplots()
    if image.shape[0] == 3:
        style.image_layer(ax, np.moveaxis(image, 0, -1), extent=raster.extent)
    else:
        im = style.image_layer(ax, image[0], "reflectance", vmin=0, vmax=1,
                               extent=raster.extent)
        style.add_colorbar(im, ax, "stretched reflectance (2-98 %)")
    ax.set_title(f"Sentinel-2 L1C, 16 Feb 2017 (real): {layer}")
    style.map_axes(ax, raster.extent, crs="UTM 33N")
    fig.tight_layout()
    return fig


def landsat_scene_figure(index: int = 0) -> Figure:
    """One date of the real Landsat series: false colour (SWIR1, NIR, red) beside its CFmask.

    Args:
        index: position in the date-sorted series (0-104).
    """
    refl, fmask = _landsat()
    n = refl.data.shape[0]
    if not 0 <= index < n:
        raise IndexError(f"index must be between 0 and {n - 1}, not {index}.")
    rgb = refl.data[index][[2, 1, 0]]
    fig = Figure(figsize=(9, 4.2))
    ax_img, ax_mask = fig.subplots(1, 2)
    style.image_layer(ax_img, np.moveaxis(np.clip(rgb / 0.4, 0, 1), 0, -1), extent=refl.extent)
    ax_img.set_title(f"{refl.dates[index]} {refl.attrs['sensors'][index]}: SWIR1/NIR/red")
    codes = sorted(FMASK_CODES)
    lookup = np.zeros(256, dtype=np.uint8)
    lookup[codes] = np.arange(len(codes))
    cmap, norm = style.categorical_colormap([FMASK_COLOURS[c] for c in codes])
    style.image_layer(ax_mask, lookup[fmask[index]], cmap=cmap, norm=norm, extent=refl.extent)
    ax_mask.set_title("CFmask")
    ax_mask.legend(handles=[Patch(facecolor=FMASK_COLOURS[c], edgecolor="0.3", linewidth=0.5,
                                  label=FMASK_CODES[c]) for c in codes],
                   loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8)
    for ax in (ax_img, ax_mask):
        style.map_axes(ax, refl.extent, ticks=False)
    fig.tight_layout()
    return fig


def landsat_clear_fraction() -> np.ndarray:
    """Fraction of clear pixels (CFmask 0 or 1) per date of the real Landsat series."""
    _, fmask = _landsat()
    return np.isin(fmask, (0, 1)).mean(axis=(1, 2))
