"""The course's figure rules, in one place: every plot of :mod:`course_lib.viz` follows them.

1. **No data has its own colour**, :data:`NODATA_COLOR` (a bright orchid), which no colour map
   or palette of the course contains: a masked cloud is never drawn white (white is "no change"
   in a diverging map), black (a shadow, a lake) or grey (a mid value of a grey-scale radar
   image). Legends and colour bars say so with a "no data" key (:func:`nodata_patch`,
   :func:`add_colorbar`).
2. **Colour maps a colour-blind reader can read**, one per kind of layer (:data:`COLORMAPS`),
   none of them red-green (:func:`is_red_green`):

   * NDVI: ColorBrewer ``YlGn`` (sequential, light = bare, dark green = dense vegetation);
   * dNDVI and every other signed change (log-ratio dB, differences): ColorBrewer ``PRGn``,
     purple = decrease, green = increase, white = no change (the convention of the paper's
     Figure 8, Ganerød, Lindsay et al. 2023);
   * backscatter in dB, single reflectance bands, hillshade: ``gray``;
   * probabilities (0-1) and elevation: ``cividis`` (Nuñez, Anderton and Renslow 2018, *PLOS
     ONE* 13: e0199239), made to look the same to readers with and without a red-green
     deficiency;
   * counts, dates and other magnitudes: ``viridis`` (van der Walt and Smith 2015, matplotlib's
     default);
   * categories: the Okabe-Ito palette (Okabe and Ito 2008, *Color Universal Design*) and
     Paul Tol's schemes (Tol 2021, *Colour schemes*, SRON/EPS/TN/09-002); land cover in
     :data:`LANDCOVER_COLORS`, which stay apart for deuteranopes and protanopes (checked with
     :func:`min_colour_distance`).

   ColorBrewer's schemes are by Brewer, Hatchard and Harrower (2003, *Cartography and GIS*
   30: 5-32); ``YlGn``, ``PRGn`` and ``Greys`` are among those it marks colour-blind safe.
3. **Map axes carry units**: coordinates in km (never raw metres with a "1e6" offset), with
   axis labels, or, on small panels, no ticks and a scale bar (:func:`map_axes`).
4. **One way to draw a raster layer**: :func:`image_layer` (``imshow`` with the no-data colour,
   the layer's colour map and limits, the raster's extent, north up).

Colour-vision deficiency is simulated with the matrices of Machado, Oliveira and Fernandes
(2009, *IEEE Transactions on Visualization and Computer Graphics* 15: 1291-1298, severity 1)
applied to linear RGB; colour differences are CIEDE2000 (Sharma, Wu and Dalal 2005), for which
about 10 is an obvious difference and below about 2 is barely visible.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib import colormaps, colors
from matplotlib.patches import Patch

from course_lib import validation

__all__ = [
    "NODATA_COLOR", "NODATA_LABEL", "OKABE_ITO", "COLORMAPS", "LIMITS", "UNITS",
    "LANDCOVER_COLORS", "CLASS_COLORS", "LANDSLIDE_COLOR",
    "colormap", "categorical_colormap", "nodata_patch", "image_layer", "rgba_with_nodata",
    "add_colorbar", "map_axes", "scale_bar", "pixel_extent",
    "simulate_colour_vision", "colour_distance", "min_colour_distance", "is_red_green",
]

#: The colour of "no data" in every figure of the course (a bright orchid). It is at least
#: 10 CIEDE2000 units from every colour of :data:`COLORMAPS`' maps and of the course's
#: palettes, for normal, deuteranopic and protanopic vision (``tests/test_figures.py``).
NODATA_COLOR = "#E15AFF"
#: How legends and colour bars name it.
NODATA_LABEL = "no data"

#: The Okabe-Ito palette (Okabe and Ito 2008), distinguishable with the common colour-vision
#: deficiencies.
OKABE_ITO: dict[str, str] = {
    "black": "#000000", "orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7",
}

#: The colour map of each kind of layer (see the module docstring for the sources).
COLORMAPS: dict[str, str] = {
    "ndvi": "YlGn",
    "change": "PRGn",
    "db": "gray",
    "reflectance": "gray",
    "hillshade": "gray",
    "probability": "cividis",
    "elevation": "cividis",
    "sequential": "viridis",
    "binary": "Greys",
}

#: Default colour limits of the kinds that have natural ones (others: the data's range, or
#: symmetric about 0 for changes).
LIMITS: dict[str, tuple[float, float]] = {
    "ndvi": (-0.2, 0.9),
    "db": (-25.0, 0.0),
    "reflectance": (0.0, 0.3),
    "hillshade": (0.0, 1.0),
    "probability": (0.0, 1.0),
    "binary": (0.0, 1.0),
}

#: Default colour-bar label of each kind.
UNITS: dict[str, str] = {
    "ndvi": "NDVI", "change": "change", "db": "dB", "reflectance": "reflectance",
    "hillshade": "hillshade", "probability": "probability (0-1)", "elevation": "elevation (m)",
    "sequential": "", "binary": "",
}

#: Land cover of the simulated study area, by class name (``course_lib.simulator``'s
#: ``LANDCOVER_CLASSES``): Paul Tol's and Okabe-Ito's colours, chosen so that every pair stays
#: at least 12 CIEDE2000 units apart for normal, deuteranopic and protanopic vision (water dark
#: blue, snow white, rock grey, scrub olive, spruce dark green, birch bluish green, fields
#: pale yellow, buildings wine, roads black).
LANDCOVER_COLORS: dict[str, str] = {
    "water": "#1F4E99",
    "snow_ice": "#FFFFFF",
    "bare_rock": "#BBBBBB",
    "alpine_scrub": "#999933",
    "spruce_forest": "#117733",
    "birch_forest": "#009E73",
    "agriculture": "#EEDD88",
    "urban": "#882255",
    "road": "#000000",
}

#: The colour of landslides wherever they are a class among others (Tol's vibrant magenta,
#: apart from every land-cover colour and from the no-data colour).
LANDSLIDE_COLOR = "#EE3377"

#: The paper's eight training classes (landslide and seven others), as in notebooks 00 and 04.
CLASS_COLORS: dict[str, str] = {
    "landslide": LANDSLIDE_COLOR,
    "water": LANDCOVER_COLORS["water"],
    "snow_ice": LANDCOVER_COLORS["snow_ice"],
    "bare_rock": LANDCOVER_COLORS["bare_rock"],
    "agriculture": LANDCOVER_COLORS["agriculture"],
    "forest": LANDCOVER_COLORS["spruce_forest"],
    "alpine_scrub": LANDCOVER_COLORS["alpine_scrub"],
    "urban": LANDCOVER_COLORS["urban"],
}


# --------------------------------------------------------------------------- colour maps
def colormap(kind_or_name: str | colors.Colormap) -> colors.Colormap:
    """The colour map of a kind of layer (a key of :data:`COLORMAPS`) or a matplotlib name,
    with no data (NaN, masked) drawn in :data:`NODATA_COLOR`.

    >>> colors.to_hex(colormap("ndvi").get_bad())
    '#e15aff'
    """
    if isinstance(kind_or_name, colors.Colormap):
        base = kind_or_name
    else:
        name = COLORMAPS.get(kind_or_name, kind_or_name)
        if name not in colormaps:
            raise ValueError(validation.expected_message(
                "cmap", f"a kind of layer {sorted(COLORMAPS)} or a matplotlib colour map name",
                kind_or_name, "e.g. cmap='change' (purple-green) or cmap='viridis'."))
        base = colormaps[name]
    return base.with_extremes(bad=NODATA_COLOR)


def categorical_colormap(colours: Sequence[str], codes: Sequence[int] | None = None
                         ) -> tuple[colors.ListedColormap, colors.BoundaryNorm]:
    """A colour map and norm that draw integer ``codes`` (default 0, 1, ...) in ``colours``,
    and NaN or masked pixels in :data:`NODATA_COLOR`.

    >>> cmap, norm = categorical_colormap(["#000000", "#FFFFFF"], [1, 5])
    >>> colors.to_hex(cmap(norm(5))), colors.to_hex(cmap.get_bad())
    ('#ffffff', '#e15aff')
    """
    colours = list(colours)
    codes = list(range(len(colours))) if codes is None else [int(c) for c in codes]
    if len(codes) != len(colours) or not colours:
        raise ValueError(f"categorical_colormap: {len(colours)} colours for {len(codes)} codes; "
                         "give one colour per code.")
    order = np.argsort(codes)
    codes = [codes[i] for i in order]
    cmap = colors.ListedColormap([colours[i] for i in order]).with_extremes(bad=NODATA_COLOR)
    edges = [codes[0] - 0.5] + [(a + b) / 2 for a, b in zip(codes[:-1], codes[1:])] + [
        codes[-1] + 0.5]
    return cmap, colors.BoundaryNorm(edges, cmap.N)


def nodata_patch(label: str = NODATA_LABEL) -> Patch:
    """A legend key for no data, in :data:`NODATA_COLOR`."""
    return Patch(facecolor=NODATA_COLOR, edgecolor="0.3", linewidth=0.5, label=label)


# --------------------------------------------------------------------------- drawing a layer
def rgba_with_nodata(rgb: Any) -> np.ndarray:
    """A displayable float RGBA image from ``(rows, cols, 3 or 4)`` values in 0-1 (or uint8),
    with pixels that are NaN in any channel drawn in :data:`NODATA_COLOR`.

    >>> out = rgba_with_nodata(np.array([[[0.5, 0.5, 0.5], [np.nan, 0.0, 0.0]]]))
    >>> out[0, 0].tolist(), colors.to_hex(out[0, 1])
    ([0.5, 0.5, 0.5, 1.0], '#e15aff')
    """
    image = np.asarray(rgb)
    if image.ndim != 3 or image.shape[-1] not in (3, 4):
        raise ValueError(validation.expected_message(
            "rgb", "an image (rows, cols, 3) or (rows, cols, 4)", rgb,
            "Put the bands last: np.moveaxis(bands, 0, -1)."))
    image = image.astype(np.float64) / 255.0 if image.dtype.kind in "ui" else \
        image.astype(np.float64)
    nodata = ~np.isfinite(image).all(axis=-1)
    out = np.ones(image.shape[:2] + (4,))
    out[..., :image.shape[-1]] = np.clip(np.nan_to_num(image), 0, 1)
    out[nodata] = colors.to_rgba(NODATA_COLOR)
    return out


def _check_extent(extent: Any) -> tuple[float, float, float, float] | None:
    if extent is None:
        return None
    values = tuple(float(v) for v in extent)
    if len(values) != 4:
        raise ValueError(validation.expected_message(
            "extent", "(left, right, bottom, top) as Raster.extent gives", extent))
    left, right, bottom, top = values
    if not (right > left and top != bottom):
        raise ValueError(validation.expected_message(
            "extent", "(left, right, bottom, top) with right > left and top != bottom", extent,
            "Pass Raster.extent (map coordinates, north up), or (0, width, height, 0) for "
            "distances from the top-left corner."))
    return values


def image_layer(ax: Any, data: Any, kind: str | None = None, *, cmap: Any = None,
                vmin: float | None = None, vmax: float | None = None, norm: Any = None,
                extent: Sequence[float] | None = None, alpha: float | None = None,
                interpolation: str = "nearest", nodata_key: bool = True) -> Any:
    """Draw one raster layer on ``ax`` by the course's rules; returns the ``AxesImage``.

    A 2-D layer is drawn with the colour map of its ``kind`` (:data:`COLORMAPS`, or ``cmap``:
    a kind, a matplotlib name or a Colormap) and its default limits (:data:`LIMITS`; for
    ``"change"`` symmetric about 0 at the 98th percentile of ``|value|``); NaN is drawn in
    :data:`NODATA_COLOR`. A ``(rows, cols, 3)`` image (0-1, NaN = no data) is drawn as RGB,
    no data in the same colour, with a "no data" key when there is some (``nodata_key``).
    Row 0 is drawn at the top (``origin="upper"``): with ``extent = Raster.extent`` (left,
    right, bottom, top, in the raster's CRS) a north-up raster shows north up; with
    ``(0, width, height, 0)`` the axes count distances east and south of the top-left corner,
    still north up.

    Args:
        ax: the matplotlib Axes.
        data: ``(rows, cols)`` values or ``(rows, cols, 3|4)`` RGB(A); a Raster's one band.
        kind: a key of :data:`COLORMAPS` (``"ndvi"``, ``"change"``, ``"db"``,
            ``"probability"``...), or None for ``viridis``.
        cmap, vmin, vmax, norm: override the kind's colour map and limits.
        extent: ``Raster.extent`` (map coordinates), or None for pixel coordinates.
        alpha: opacity (e.g. a layer over a hillshade).
        interpolation: ``"nearest"`` shows pixels as they are.
        nodata_key: add a "no data" legend key to an RGB image that has no data.
    """
    array = validation.as_array(data, "data", ndim=(2, 3))
    extent = _check_extent(extent)
    if array.ndim == 3:
        rgba = rgba_with_nodata(array)
        image = ax.imshow(rgba, extent=extent, origin="upper", interpolation=interpolation,
                          alpha=alpha)
        if nodata_key and not np.isfinite(array[..., :3]).all():
            ax.legend(handles=[nodata_patch()], loc="lower left", fontsize="x-small",
                      framealpha=0.85)
        return image
    if kind is not None and kind not in COLORMAPS:
        raise ValueError(validation.expected_message("kind", f"one of {sorted(COLORMAPS)}",
                                                     kind))
    values = np.ma.masked_invalid(array.astype(np.float64) if array.dtype.kind == "b"
                                  else array)
    if norm is None:
        lo, hi = LIMITS.get(kind, (None, None))
        if kind == "change" and vmin is None and vmax is None:
            finite = np.abs(values.compressed())
            hi = float(np.percentile(finite, 98)) if finite.size else 1.0
            hi = hi if hi > 0 else 1.0
            lo = -hi
        vmin = lo if vmin is None else vmin
        vmax = hi if vmax is None else vmax
    chosen = colormap(cmap if cmap is not None else COLORMAPS.get(kind, "viridis"))
    return ax.imshow(values, cmap=chosen, vmin=None if norm is not None else vmin,
                     vmax=None if norm is not None else vmax, norm=norm, extent=extent,
                     origin="upper", interpolation=interpolation, alpha=alpha)


def _has_nodata(image: Any) -> bool:
    array = image.get_array()
    if array is None:
        return False
    if np.ma.isMaskedArray(array) and np.ma.is_masked(array):
        return True
    return not np.isfinite(np.ma.getdata(array)).all()


def add_colorbar(image: Any, ax: Any = None, label: str = "", *, nodata: bool | None = None,
                 **kwargs: Any) -> Any:
    """A colour bar for ``image`` with its label, and a "no data" key under it when the
    image has no-data pixels (``nodata=None``) or when asked (``nodata=True``).

    Args:
        image: the ``AxesImage`` (from :func:`image_layer`).
        ax: the Axes (or list of Axes) the colour bar takes room from; default the image's.
        label: what and in which unit, e.g. ``"dNDVI"`` or ``"VV change (dB)"``.
        nodata: force the key on (True) or off (False); None: when the image has no data.
        **kwargs: passed to ``Figure.colorbar`` (``shrink``, ``fraction``...).
    """
    figure = image.axes.figure
    cbar = figure.colorbar(image, ax=ax if ax is not None else image.axes, label=label,
                           **kwargs)
    if nodata if nodata is not None else _has_nodata(image):
        vertical = cbar.orientation == "vertical"
        key = cbar.ax.inset_axes([0.0, -0.1, 1.0, 0.05] if vertical else
                                 [1.04, 0.0, 0.06, 1.0])
        key.set_facecolor(NODATA_COLOR)
        key.set_xticks([])
        key.set_yticks([])
        key.set_label(NODATA_LABEL)
        if vertical:
            key.text(1.25, 0.5, NODATA_LABEL, transform=key.transAxes, va="center",
                     ha="left", fontsize="small")
        else:
            key.text(0.5, -0.3, NODATA_LABEL, transform=key.transAxes, va="top",
                     ha="center", fontsize="small")
    return cbar


# --------------------------------------------------------------------------- map axes
def pixel_extent(shape: tuple[int, int], pixel_size: float) -> tuple[float, float, float,
                                                                     float]:
    """An ``imshow`` extent in metres for a grid without coordinates: the south-west corner at
    (0, 0), north up.

    >>> pixel_extent((100, 200), 10.0)
    (0.0, 2000.0, 0.0, 1000.0)
    """
    rows, cols = int(shape[0]), int(shape[1])
    size = validation.check_number(pixel_size, "pixel_size", minimum=0, min_inclusive=False,
                                   units="m")
    return 0.0, cols * size, 0.0, rows * size


def _nice_length(span: float) -> float:
    """The 1-2-5 x 10^k length closest below a quarter of ``span``."""
    target = span / 4
    if not target > 0:
        return 1.0
    power = 10 ** math.floor(math.log10(target))
    return max(m * power for m in (1, 2, 5) if m * power <= target)


def scale_bar(ax: Any, *, units_per_metre: float | None = 1.0, pixel_size: float | None = None,
              loc: str = "lower right") -> Any:
    """Add a scale bar to a map panel (``mpl_toolkits``' ``AnchoredSizeBar``).

    Args:
        ax: the Axes; its data coordinates are metres (``units_per_metre=1``), or pixels.
        units_per_metre: data units per metre (1 for map coordinates in metres); None when
            the axes are in pixels.
        pixel_size: metres per pixel when the axes are in pixels (the bar is then labelled in
            metres or km); None labels it in pixels.
        loc: where in the panel.
    """
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    left, right = ax.get_xlim()
    span = abs(right - left)
    if units_per_metre is not None:
        metres = _nice_length(span / units_per_metre)
        size, label = metres * units_per_metre, _metres_label(metres)
    elif pixel_size:
        metres = _nice_length(span * pixel_size)
        size, label = metres / pixel_size, _metres_label(metres)
    else:
        size = _nice_length(span)
        label = f"{size:g} px"
    bar = AnchoredSizeBar(ax.transData, size, label, loc, pad=0.3, borderpad=0.4, sep=3,
                          frameon=True, color="black", size_vertical=span / 150,
                          fontproperties={"size": "small"})
    bar.patch.set_alpha(0.8)
    ax.add_artist(bar)
    return bar


def _metres_label(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def map_axes(ax: Any, extent: Sequence[float] | None = None, *, ticks: bool = True,
             crs: str | None = None, pixel_size: float | None = None) -> None:
    """Give a map panel its units: km ticks with axis labels, or no ticks and a scale bar.

    With ``extent`` (map coordinates in metres) and ``ticks``, tick labels are in km (the
    full coordinate, never a "1e6" offset) and the axes are labelled "easting (km)" and
    "northing (km)" (with ``crs``, e.g. "UTM 32N", in the label). Without ticks (small
    panels) or without an extent (pixel coordinates), the ticks go and a scale bar is drawn,
    in metres or km when the pixel size is known (``pixel_size``), else in pixels.
    """
    from matplotlib.ticker import FuncFormatter

    if extent is not None and ticks:
        km = FuncFormatter(lambda value, _pos: f"{value / 1000:g}")
        ax.xaxis.set_major_formatter(km)
        ax.yaxis.set_major_formatter(km)
        suffix = f", {crs}" if crs else ""
        ax.set_xlabel(f"easting (km{suffix})")
        ax.set_ylabel(f"northing (km{suffix})")
        ax.tick_params(labelsize="x-small")
        return
    ax.set_xticks([])
    ax.set_yticks([])
    scale_bar(ax, units_per_metre=1.0 if extent is not None else None, pixel_size=pixel_size)


# --------------------------------------------------------------------------- colour vision
#: Machado, Oliveira and Fernandes (2009), severity 1, for linear RGB.
_CVD_MATRICES: dict[str, np.ndarray] = {
    "normal": np.eye(3),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}


def _srgb(colours: Any) -> np.ndarray:
    if isinstance(colours, str) or (isinstance(colours, tuple) and len(colours) in (3, 4)
                                    and all(isinstance(v, (int, float)) for v in colours)):
        colours = [colours]
    if isinstance(colours, np.ndarray) and colours.ndim == 2 and colours.shape[1] in (3, 4):
        return colours[:, :3].astype(np.float64)
    return np.array([colors.to_rgb(c) for c in colours], dtype=np.float64)


def simulate_colour_vision(colours: Any, vision: str = "deuteranopia") -> np.ndarray:
    """How ``colours`` (names, hex or an ``(n, 3)`` sRGB array) look with a colour-vision
    deficiency (Machado et al. 2009, severity 1): an ``(n, 3)`` sRGB array in 0-1.

    >>> simulate_colour_vision(["#000000", "#FFFFFF"]).round(3).tolist()
    [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
    """
    validation.check_choice(vision, "vision", tuple(_CVD_MATRICES))
    rgb = _srgb(colours)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    seen = np.clip(linear @ _CVD_MATRICES[vision].T, 0, 1)
    return np.where(seen <= 0.0031308, 12.92 * seen, 1.055 * seen ** (1 / 2.4) - 0.055)


def colour_distance(a: Any, b: Any, vision: str = "normal") -> np.ndarray:
    """CIEDE2000 differences between every colour of ``a`` and every colour of ``b`` as seen
    with ``vision`` (``"normal"``, ``"deuteranopia"``, ``"protanopia"``, ``"tritanopia"``):
    an ``(len(a), len(b))`` array.

    >>> float(colour_distance("#000000", "#FFFFFF")[0, 0]).__round__()
    100
    """
    from skimage.color import deltaE_ciede2000, rgb2lab

    lab_a = rgb2lab(simulate_colour_vision(a, vision)[:, None, :])[:, 0, :]
    lab_b = rgb2lab(simulate_colour_vision(b, vision)[:, None, :])[:, 0, :]
    return deltaE_ciede2000(lab_a[:, None, :], lab_b[None, :, :])


def min_colour_distance(colours: Sequence[Any], visions: Sequence[str] = (
        "normal", "deuteranopia", "protanopia")) -> float:
    """The smallest CIEDE2000 difference between two of ``colours``, over ``visions``.

    >>> round(min_colour_distance(["#000000", "#FFFFFF"]))
    100
    """
    rgb = _srgb(colours)
    if len(rgb) < 2:
        raise ValueError("min_colour_distance needs at least two colours.")
    upper = np.triu_indices(len(rgb), 1)
    return float(min(colour_distance(rgb, rgb, v)[upper].min() for v in visions))


def is_red_green(cmap: Any, samples: int = 64) -> bool:
    """Whether a colour map holds both a clear red and a clear green: the maps a reader with a
    red-green deficiency cannot read (``RdYlGn``, ``Spectral``, ``jet``, ``turbo``, ``hsv``...).

    Red: CIELAB chroma above 30 with hue between -20 and 70 degrees (red to orange); green:
    chroma above 30 with hue between 100 and 170 degrees. Purple-green (``PRGn``), brown-teal
    (``BrBG``) and the viridis family pass.

    >>> is_red_green("RdYlGn"), is_red_green("PRGn"), is_red_green("viridis")
    (True, False, False)
    """
    from skimage.color import rgb2lab

    cmap = colormaps[cmap] if isinstance(cmap, str) else cmap
    lab = rgb2lab(cmap(np.linspace(0, 1, samples))[None, :, :3])[0]
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1]))
    red = (chroma > 30) & (hue > 10) & (hue < 70)
    green = (chroma > 30) & (hue > 115) & (hue < 175)
    return bool(red.any() and green.any())
