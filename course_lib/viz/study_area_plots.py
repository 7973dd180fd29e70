"""Figures of the simulated study area, and the "change the world" widget callback.

* :func:`plot_study_area_overview`: terrain, land cover (with a legend), the true landslides,
  the evaluation subplots A-D and the training points.
* :func:`plot_acquisitions`: every date of one time-series product (Sentinel-2 true colour,
  SCL, cloud probability, or Sentinel-1 VV in dB), or one single-band product.
* :func:`world_explorer`: regenerates a small world in memory from the knobs a learner can
  turn (seed, cloud cover, speckle looks, number and size of landslides) and shows what the
  satellites would see. Notebook 00 wraps it with ``ipywidgets.interact``.

Nothing here changes data; the world is made in ``course_lib.simulator``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import BoundaryNorm, LightSource, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from course_lib.data.sentinel2 import SCL_CLASSES
from course_lib.simulator import LANDCOVER_CLASSES, StudyAreaParams, generate_in_memory
from course_lib.viz import style
from course_lib.viz.outlines import draw_outline

__all__ = ["plot_study_area_overview", "plot_acquisitions", "world_explorer", "explore_world",
           "format_world_numbers",
           "true_colour", "SCL_COLORS"]

#: Colours for the Sentinel-2 scene classification (close to ESA's SCL legend).
SCL_COLORS = {
    0: "#000000", 1: "#ff0000", 2: "#2f2f2f", 3: "#643200", 4: "#00a000", 5: "#ffe65a",
    6: "#0000ff", 7: "#808080", 8: "#c0c0c0", 9: "#ffffff", 10: "#64c8ff", 11: "#ff96ff",
}
#: The training classes' colours (:data:`course_lib.viz.style.CLASS_COLORS`: colour-blind safe).
TRAINING_POINT_COLORS = style.CLASS_COLORS
#: Land cover by code, in the course's colour-blind-safe land-cover colours.
LANDCOVER_COLORS = {code: style.LANDCOVER_COLORS[name]
                    for code, name in LANDCOVER_CLASSES.items()}


def _km_extent(raster) -> tuple[float, float, float, float]:
    """``imshow`` extent in km from the top-left corner (easier to read than UTM metres)."""
    rows, cols = raster.shape
    res = raster.resolution / 1000
    return 0.0, cols * res, rows * res, 0.0


def _to_km(raster, x, y):
    left, bottom, right, top = raster.bounds
    return (np.asarray(x) - left) / 1000, (top - np.asarray(y)) / 1000


def true_colour(reflectance: np.ndarray, max_reflectance: float = 0.25) -> np.ndarray:
    """(rows, cols, 3) RGB in 0-1 from band-first (6, rows, cols) B02 B03 B04 ... reflectance.

    >>> true_colour(np.full((6, 2, 2), 0.125)).shape
    (2, 2, 3)
    """
    if reflectance.ndim != 3 or reflectance.shape[0] < 3:
        raise ValueError("true_colour needs band-first (bands, rows, cols) data with B02, B03, "
                         f"B04 first; got shape {reflectance.shape}.")
    rgb = np.stack([reflectance[2], reflectance[1], reflectance[0]], axis=-1)
    rgb = np.clip(rgb / max_reflectance, 0, 1) ** (1 / 1.6)   # a gentle gamma for dark valleys
    return np.nan_to_num(rgb)


def _landcover_cmap():
    codes = sorted(LANDCOVER_CLASSES)
    return style.categorical_colormap([LANDCOVER_COLORS[c] for c in codes], codes)


def _scl_cmap():
    return style.categorical_colormap([SCL_COLORS[c] for c in range(12)], range(12))


def _scl_legend_handles(codes) -> list:
    """Legend patches ``"<code> <name>"`` in the SCL colours, for the given SCL codes."""
    return [Patch(facecolor=SCL_COLORS[c], edgecolor="k", linewidth=0.3,
                  label=f"{c} {SCL_CLASSES[c]}") for c in codes]


def _shaded(dem: np.ndarray, res: float) -> np.ndarray:
    ls = LightSource(azdeg=315, altdeg=45)
    return ls.hillshade(dem, vert_exag=1.0, dx=res, dy=res)


def _outline(ax, mask, extent, color, lw=0.8):
    """The mask's boundary, aligned with the imshow images (see :mod:`course_lib.viz.outlines`)."""
    draw_outline(ax, mask, extent, color, lw)


def plot_study_area_overview(area, figsize: tuple[float, float] = (13, 12)) -> Figure:
    """Four panels: relief, land cover, true landslides with subplots, training points.

    Args:
        area: a study area from ``load_study_area()`` (or ``generate_in_memory``).

    Returns:
        The matplotlib Figure (not registered with pyplot, so it shows once in a notebook).
    """
    dem = area["dem"]
    extent = _km_extent(dem)
    res = dem.resolution
    shade = _shaded(dem.data[0], res)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(2, 2)

    ax = axes[0, 0]
    style.image_layer(ax, shade, "hillshade", extent=extent)
    im = style.image_layer(ax, dem.data[0], "elevation", alpha=0.55, extent=extent, vmin=0,
                           vmax=1700)
    style.add_colorbar(im, ax, "elevation (m)", shrink=0.8)
    ax.set_title("Terrain: U-shaped valleys, a lake, mountains")

    ax = axes[0, 1]
    cmap, norm = _landcover_cmap()
    style.image_layer(ax, area["landcover"].data[0], cmap=cmap, norm=norm, extent=extent)
    handles = [Patch(facecolor=LANDCOVER_COLORS[c], edgecolor="k", linewidth=0.3,
                     label=name.replace("_", " ")) for c, name in LANDCOVER_CLASSES.items()]
    ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.85)
    ax.set_title("Land cover before the event")

    ax = axes[1, 0]
    style.image_layer(ax, shade, "hillshade", extent=extent)
    parts = area["landslide_parts"].data[0]
    overlay = np.zeros((*parts.shape, 4))
    overlay[parts == 1] = (0.85, 0.1, 0.1, 1.0)
    overlay[parts == 2] = (1.0, 0.75, 0.0, 1.0)
    ax.imshow(overlay, extent=extent, interpolation="nearest")
    subplots = area["subplots"]
    for row in subplots.itertuples():
        x0, y0, x1, y1 = row.geometry.bounds
        (kx0, kx1), (ky1, ky0) = _to_km(dem, [x0, x1], [y0, y1])
        ax.plot([kx0, kx1, kx1, kx0, kx0], [ky0, ky0, ky1, ky1, ky0], color="cyan", lw=1.2)
        ax.text(kx0, ky0 - 0.1, row.name, color="k", fontsize=11, weight="bold",
                ha="left", va="bottom", bbox=dict(facecolor="cyan", edgecolor="none", pad=1.5))
    n = len(area["landslides"])
    ax.legend(handles=[Patch(color=(0.85, 0.1, 0.1), label="scar"),
                       Patch(color=(1.0, 0.75, 0.0), label="deposit"),
                       Patch(edgecolor="cyan", facecolor="none", label="subplots A-D")],
              loc="lower left", fontsize=8)
    ax.set_title(f"{n} landslides of 30 July 2019 (the truth)")

    ax = axes[1, 1]
    post = area["s2_post"]
    clear = int(np.argmin(area.metadata["s2"]["post"]["cloud_fraction_true"]))
    style.image_layer(ax, true_colour(post.data[clear]), extent=extent)
    pts = area["training_points"]
    px, py = _to_km(dem, pts.geometry.x, pts.geometry.y)
    for name, colour in TRAINING_POINT_COLORS.items():
        sel = (pts["class_name"] == name).to_numpy()
        if sel.any():
            ax.scatter(px[sel], py[sel], s=22 if name == "landslide" else 12, c=colour,
                       edgecolors="k", linewidths=0.4, label=f"{name.replace('_', ' ')} "
                       f"({sel.sum()})", marker="^" if name == "landslide" else "o")
    ax.legend(loc="lower left", fontsize=7, framealpha=0.85)
    ax.set_title(f"Training points on Sentinel-2, {str(post.dates[clear])}")
    for ax in axes.ravel():
        ax.set_xlabel("km east")
        ax.set_ylabel("km south")
    fig.suptitle("The simulated study area (Jølster-like, UTM 32N, 10 m pixels)")
    return fig


def plot_acquisitions(area, name: str, ncols: int = 4, panel: float = 3.4) -> Figure:
    """Every date of a product: S2 true colour, SCL, cloud probability or S1 VV (dB).

    Args:
        area: a study area.
        name: a product name, e.g. ``"s2_post"``, ``"s2_pre_scl"``, ``"s2_post_cloudprob"``,
            ``"s2_post_truth"`` (true cloud, shadow, snow), ``"s1_asc_post"``, or a
            single-band product such as ``"dem"``.
        ncols: panels per row.
        panel: size of each panel in inches.
    """
    raster = area[name]
    extent = _km_extent(raster)
    data = raster.data if raster.data.ndim == 4 else raster.data[None]
    n = data.shape[0]
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig = Figure(figsize=(panel * ncols + (1.5 if name.endswith("_scl") else 0.8),
                          panel * nrows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    dates = raster.dates if raster.dates is not None else [None] * n
    im = None
    for t in range(n):
        ax = axes[t]
        if name in ("s2_pre", "s2_post"):
            style.image_layer(ax, true_colour(data[t]), extent=extent)
        elif name.endswith("_scl"):
            cmap, norm = _scl_cmap()
            im = style.image_layer(ax, data[t, 0], cmap=cmap, norm=norm, extent=extent)
        elif name.endswith("_truth"):
            # Red = cloud, blue = cloud shadow, white = snow, on black.
            rgb = np.zeros((*data.shape[-2:], 3))
            rgb[data[t, 2] > 0] = 1.0
            rgb[data[t, 1] > 0] = (0.2, 0.4, 1.0)
            rgb[data[t, 0] > 0] = (1.0, 0.2, 0.2)
            ax.imshow(rgb, extent=extent, interpolation="nearest")
        elif name.endswith("_cloudprob"):
            im = style.image_layer(ax, data[t, 0], "probability", extent=extent)
        elif name.startswith("s1_"):
            db = 10 * np.log10(np.maximum(data[t, 0], 1e-6))
            im = style.image_layer(ax, db, "db", vmin=-22, vmax=2, extent=extent)
        else:
            im = style.image_layer(ax, data[t, 0], "sequential", extent=extent)
        label = str(dates[t]) if dates[t] is not None else name
        ax.set_title(label, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        style.scale_bar(ax, units_per_metre=0.001)      # the panels are in km
    for ax in axes[n:]:
        ax.set_visible(False)
    if name.endswith("_scl"):
        fig.legend(handles=_scl_legend_handles(range(12)), loc="outside right center",
                   fontsize=7)
    elif name.endswith("_truth"):
        handles = [Patch(facecolor=c, edgecolor="k", linewidth=0.3, label=lab) for c, lab in
                   (((1.0, 0.2, 0.2), "cloud"), ((0.2, 0.4, 1.0), "cloud shadow"),
                    ((1.0, 1.0, 1.0), "snow"))]
        fig.legend(handles=handles, loc="outside right center", fontsize=8)
    elif im is not None:
        label = {"s1": "VV sigma0 (dB)", "cl": "cloud probability"}.get(
            name[:2] if name.startswith("s1") else "cl" if "cloudprob" in name else "", name)
        style.add_colorbar(im, list(axes[:n]), label, shrink=0.8)
    fig.suptitle(f"{name} ({'simulated'})")
    return fig


def world_explorer(seed: int = 2019, cloud_cover: float = 1.0, speckle_looks: float = 4.4,
                   n_landslides: int = 15, landslide_size_scale: float = 1.0,
                   snow_cover: float = 1.0, sar_landslide_contrast: float = 1.0,
                   size: int = 256) -> Figure:
    """Widget callback: the figure of :func:`explore_world` for these knobs.

    Notebook use::

        import ipywidgets as widgets
        widgets.interact(world_explorer, seed=(0, 50), cloud_cover=(0.0, 2.0, 0.25),
                         speckle_looks=(1.0, 20.0, 0.5), n_landslides=(0, 40),
                         landslide_size_scale=(0.3, 2.0, 0.1))
    """
    return explore_world(seed, cloud_cover, speckle_looks, n_landslides, landslide_size_scale,
                         snow_cover, sar_landslide_contrast, size)[0]


def format_world_numbers(numbers: dict[str, float]) -> str:
    """The numbers of :func:`explore_world` as short lines to print under the figure.

    >>> print(format_world_numbers({"landslide_pixels": 10, "dndvi_on_landslides": -0.41,
    ...     "dndvi_elsewhere": 0.01, "vv_logratio_on_landslides": -1.2,
    ...     "vv_logratio_elsewhere_std": 0.9, "post_cloud_fraction": 0.25}))
    landslide pixels: 10
    mean dNDVI on landslides -0.41, elsewhere +0.01
    mean VV log-ratio (ascending) on landslides -1.2 dB; spread elsewhere (std) 0.9 dB
    mean cloud cover of the post-event dates: 25 %
    """
    return "\n".join([
        f"landslide pixels: {numbers['landslide_pixels']}",
        f"mean dNDVI on landslides {numbers['dndvi_on_landslides']:+.2f}, "
        f"elsewhere {numbers['dndvi_elsewhere']:+.2f}",
        f"mean VV log-ratio (ascending) on landslides {numbers['vv_logratio_on_landslides']:+.1f}"
        f" dB; spread elsewhere (std) {numbers['vv_logratio_elsewhere_std']:.1f} dB",
        f"mean cloud cover of the post-event dates: {100 * numbers['post_cloud_fraction']:.0f} %",
    ])


def explore_world(seed: int = 2019, cloud_cover: float = 1.0, speckle_looks: float = 4.4,
                  n_landslides: int = 15, landslide_size_scale: float = 1.0,
                  snow_cover: float = 1.0, sar_landslide_contrast: float = 1.0,
                  size: int = 256) -> tuple[Figure, dict[str, float]]:
    """Regenerate a small world from the learner's knobs and show what the satellites see.

    Panels: the truth on the relief; a cloudy post-event Sentinel-2 date and its SCL; the
    dNDVI of the clearest dates; the ascending and the ascending+descending Sentinel-1 VV
    log-ratio (post - pre, dB, medians over dates). The numbers say how visible the
    landslides are: mean dNDVI and mean VV log-ratio on and off the landslides.

    A 256 x 256 world (2.56 km, a miniature of the full one) takes about a second.
    """
    params = StudyAreaParams(seed=int(seed), size=int(size), n_landslides=int(n_landslides),
                             landslide_size_scale=float(landslide_size_scale),
                             cloud_cover=float(cloud_cover), speckle_looks=float(speckle_looks),
                             snow_cover=float(snow_cover),
                             sar_landslide_contrast=float(sar_landslide_contrast))
    area = generate_in_memory(params)
    truth = area["landslide_mask"].data[0].astype(bool)
    pre, post = area["s2_pre"], area["s2_post"]
    meta = area.metadata["s2"]
    t_pre = int(np.argmin(meta["pre"]["cloud_fraction_true"]))
    t_post = int(np.argmin(meta["post"]["cloud_fraction_true"]))
    t_cloudy = int(np.argmax(meta["post"]["cloud_fraction_true"][1:])) + 1

    def ndvi(x):
        return (x[3] - x[2]) / np.maximum(x[3] + x[2], 1e-6)

    dndvi = ndvi(post.data[t_post]) - ndvi(pre.data[t_pre])
    # Hide what the SCL flags as cloud, cloud shadow or cirrus on either date.
    flagged = (np.isin(area["s2_pre_scl"].data[t_pre, 0], (3, 8, 9, 10))
               | np.isin(area["s2_post_scl"].data[t_post, 0], (3, 8, 9, 10)))
    dndvi = np.where(flagged, np.nan, dndvi)

    def vv(name):
        return np.median(area[name].data[:, 0], axis=0)

    asc_lr = 10 * np.log10(vv("s1_asc_post") / vv("s1_asc_pre"))
    mean_lr = 10 * np.log10((vv("s1_asc_post") + vv("s1_desc_post"))
                            / (vv("s1_asc_pre") + vv("s1_desc_pre")))
    extent = _km_extent(pre)
    fig = Figure(figsize=(15, 8.6), layout="constrained")
    axes = fig.subplots(2, 3)
    dem = area["dem"].data[0]
    style.image_layer(axes[0, 0], _shaded(dem, params.resolution), "hillshade", extent=extent)
    _outline(axes[0, 0], truth, extent, "red")
    axes[0, 0].set_title(f"Truth: {len(area['landslides'])} landslides")
    style.image_layer(axes[0, 1], true_colour(post.data[t_cloudy]), extent=extent)
    _outline(axes[0, 1], truth, extent, "red", 0.5)
    axes[0, 1].set_title(f"Sentinel-2 {post.dates[t_cloudy]} "
                         f"({meta['post']['cloud_fraction_true'][t_cloudy]:.0%} cloud)")
    cmap, norm = _scl_cmap()
    style.image_layer(axes[0, 2], area["s2_post_scl"].data[t_cloudy, 0], cmap=cmap, norm=norm,
                      extent=extent)
    axes[0, 2].set_title("Its SCL layer (scene classification)")
    shown = np.unique(area["s2_post_scl"].data[t_cloudy, 0])
    axes[0, 2].legend(handles=_scl_legend_handles(int(c) for c in shown), loc="upper left",
                      bbox_to_anchor=(1.01, 1.0), fontsize=7, title="SCL class",
                      title_fontsize=7, frameon=False)
    im = style.image_layer(axes[1, 0], dndvi, "change", vmin=-0.6, vmax=0.6, extent=extent)
    style.add_colorbar(im, axes[1, 0], "dNDVI", shrink=0.8)
    axes[1, 0].set_title(f"dNDVI {post.dates[t_post]} - {pre.dates[t_pre]}\n(SCL clouds: no data)")
    for ax, img, title in ((axes[1, 1], asc_lr, "S1 VV log-ratio, ascending"),
                           (axes[1, 2], mean_lr, "S1 VV log-ratio, asc + desc averaged")):
        im = style.image_layer(ax, img, "change", vmin=-6, vmax=6, extent=extent)
        _outline(ax, truth, extent, "k", 0.5)
        ax.set_title(title)
    style.add_colorbar(im, list(axes[1, 1:]), "dB (post - pre)", shrink=0.8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
        style.scale_bar(ax, units_per_metre=0.001)      # the panels are in km
    numbers = {
        "landslide_pixels": int(truth.sum()),
        "dndvi_on_landslides": float(np.nanmean(dndvi[truth])) if truth.any() else float("nan"),
        "dndvi_elsewhere": float(np.nanmean(dndvi[~truth])),
        "vv_logratio_on_landslides": float(np.nanmean(asc_lr[truth])) if truth.any()
        else float("nan"),
        "vv_logratio_elsewhere_std": float(np.nanstd(asc_lr[~truth])),
        "post_cloud_fraction": float(np.mean(meta["post"]["cloud_fraction_true"])),
    }
    fig.suptitle(f"A simulated world (seed {seed}): clouds x{cloud_cover:g}, "
                 f"{speckle_looks:g} looks, landslide size x{landslide_size_scale:g}")
    return fig, numbers
