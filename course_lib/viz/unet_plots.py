"""Plots for notebook 05 (U-Net): the architecture, the split, augmentation, training curves
and the threshold explorer on the probability map.

Figures are made with ``matplotlib.figure.Figure`` (not ``pyplot``) so that a widget redrawing
many times does not pile up open figures; show one with ``display(fig)``. The widget callback
:func:`probability_threshold_view` is a plain function the tests call directly. Colours: the
Okabe-Ito palette (:data:`course_lib.viz.evaluation_plots.OKABE_ITO`).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from course_lib.viz import style
from course_lib.viz.evaluation_plots import OKABE_ITO, ThresholdView, threshold_explorer

SET_COLORS = {"train": OKABE_ITO["sky blue"], "val": OKABE_ITO["orange"],
              "test": OKABE_ITO["reddish purple"]}


def plot_architecture(depth: int = 3, base_filters: int = 16, n_bands: int = 3,
                      tile: int = 128) -> Figure:
    """Draw a U-Net as a U: one box per level (size x size x filters), skips and arrows.

    Args:
        depth, base_filters, n_bands, tile: as in :func:`course_lib.unet.model.build_unet`.
    """
    fig = Figure(figsize=(11, 4.6), layout="constrained")
    ax = fig.subplots()
    ax.set_axis_off()
    width, gap = 1.6, 0.5
    n_cols = 2 * depth + 1
    xs = [i * (width + gap) for i in range(n_cols)]
    levels = list(range(depth)) + [depth] + list(reversed(range(depth)))
    for i, level in enumerate(levels):
        filters = base_filters * 2 ** level
        size = tile // 2 ** level
        y = -level * 1.3
        height = 0.9
        colour = (OKABE_ITO["bluish green"] if i < depth else
                  OKABE_ITO["vermillion"] if i == depth else OKABE_ITO["blue"])
        ax.add_patch(Rectangle((xs[i], y), width, height, facecolor=colour, alpha=0.25,
                               edgecolor=colour, lw=1.5))
        role = "encoder" if i < depth else "bottleneck" if i == depth else "decoder"
        ax.text(xs[i] + width / 2, y + height / 2,
                f"{role}\n2 x conv 3x3\n+ BN + ReLU\n{size} x {size} x {filters}",
                ha="center", va="center", fontsize=8)
        if i < n_cols - 1:
            nxt = -levels[i + 1] * 1.3
            label = "max-pool 2x2" if i < depth else "up-conv 2x2"
            ax.add_patch(FancyArrowPatch((xs[i] + width, y + height / 2),
                                         (xs[i + 1], nxt + height / 2), arrowstyle="-|>",
                                         mutation_scale=12, color="0.3"))
            # on the arrow's middle, on white, so the arrow passes under the label
            ax.text((xs[i] + width + xs[i + 1]) / 2, (y + nxt) / 2 + height / 2, label,
                    ha="center", va="center", fontsize=7, color="0.3", zorder=3,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})
    for level in range(depth):  # skip connections
        left, right = level, n_cols - 1 - level
        y = -level * 1.3 + 0.95
        ax.add_patch(FancyArrowPatch((xs[left] + width / 2, y), (xs[right] + width / 2, y),
                                     connectionstyle="arc3,rad=-0.12", arrowstyle="-|>",
                                     mutation_scale=12, color=OKABE_ITO["orange"], lw=1.5))
    ax.text(xs[depth] + width / 2, 2.05, "skip connections: copy encoder features to the "
            "decoder (detail)", ha="center", va="bottom", color=OKABE_ITO["orange"],
            fontsize=9)                   # above the highest arc, not on it
    ax.text(xs[0] - 0.2, 0.45, f"input\n{tile} x {tile}\nx {n_bands} bands", ha="right",
            va="center", fontsize=9)
    ax.text(xs[-1] + width + 0.2, 0.45, f"1x1 conv\n+ sigmoid\n{tile} x {tile} x 1\n"
            "probability", ha="left", va="center", fontsize=9)
    ax.set_xlim(xs[0] - 1.6, xs[-1] + width + 1.6)
    ax.set_ylim(-depth * 1.3 - 0.3, 2.5)
    ax.set_title(f"U-Net, depth {depth}, {base_filters} base filters (after Ronneberger et al. "
                 "2015)")
    return fig


def plot_split(split: Any, truth: np.ndarray | None = None, *,
               extent: Sequence[float] | None = None, show_tiles: int = 3,
               random_tiles: dict[str, np.ndarray] | None = None) -> Figure:
    """The blocked split on a map: blocks coloured by set, a few tiles of each set outlined.

    Args:
        split: a :class:`course_lib.unet.tiling.BlockedSplit`.
        truth: optional 0/1 mask drawn on top (black).
        extent: imshow extent (map coordinates); default pixel coordinates.
        show_tiles: tiles outlined per set.
        random_tiles: optionally a random split of the tiles (``random_tile_split``, the usual
            default and probably the paper's), drawn in a second panel to show tiles of
            different sets overlapping.
    """
    panels = 2 if random_tiles is not None else 1
    fig = Figure(figsize=(6.2 * panels, 5.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, panels))
    rows, cols = split.shape
    names = ("train", "val", "test")
    cmap = ListedColormap([SET_COLORS[n] for n in names])
    ax = axes[0]
    ax.imshow(split.region_map(), cmap=cmap, vmin=-0.5, vmax=2.5, interpolation="nearest",
              alpha=0.6)
    if truth is not None:
        t = np.asarray(truth, float)
        ax.imshow(np.where(t > 0, 1.0, np.nan), cmap=ListedColormap(["black"]),
                  interpolation="nearest")
    rng = np.random.default_rng(0)

    def outline(a, origins, colour, n):
        if len(origins) == 0:
            return
        for r, c in origins[rng.choice(len(origins), min(n, len(origins)), replace=False)]:
            a.add_patch(Rectangle((c - 0.5, r - 0.5), split.tile, split.tile, fill=False,
                                  edgecolor=colour, lw=2))

    for name in names:
        outline(ax, split.tiles[name], SET_COLORS[name], show_tiles)
    counts = split.counts()
    ax.set_title("blocked split: " + ", ".join(f"{n} {counts[n]} tiles" for n in names))
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=SET_COLORS[n], label=n) for n in names], loc="lower left",
              fontsize="small")
    if random_tiles is not None:
        ax2 = axes[1]
        ax2.imshow(np.zeros((rows, cols)), cmap=ListedColormap(["white"]))
        for name in names:
            outline(ax2, random_tiles[name], SET_COLORS[name], 40)
        ax2.set_title("random split: 40 tiles of each set;\n"
                      "overlapping tiles of different sets share pixels")
        ax2.set_xlim(0, cols)
        ax2.set_ylim(rows, 0)
    for a in axes:
        a.set_xlabel("column (pixels)")
        a.set_ylabel("row (pixels)")
    return fig


def plot_augmentations(image: np.ndarray, mask: np.ndarray, *, n: int = 6, seed: int = 0,
                       band: int = -1, augmentation: Any = None) -> Figure:
    """One tile and ``n`` augmented copies (one band in grey, mask outlined in colour).

    The outline follows the landslides in every copy: image and mask stay aligned. Copies
    whose flip and rotation repeat an earlier one are drawn again (up to 20 times each), so
    the figure shows different symmetries; at most 7 differ from the original.
    """
    from course_lib.unet.augment import Augmentation, augment_pair

    aug = augmentation or Augmentation()
    rng = np.random.default_rng(seed)
    pairs = [(image, mask)]
    for _ in range(n):
        for _ in range(20):
            img, msk = augment_pair(image, mask, rng, aug)
            if not any(np.array_equal(msk, earlier) for _, earlier in pairs):
                break
        pairs.append((img, msk))
    fig = Figure(figsize=(2.3 * len(pairs), 2.7), layout="constrained")
    axes = fig.subplots(1, len(pairs))
    lo, hi = np.nanpercentile(image[..., band], [2, 98])   # tiles may hold no data (NaN)
    for i, (ax, (img, msk)) in enumerate(zip(axes, pairs)):
        style.image_layer(ax, img[..., band], "reflectance", vmin=lo, vmax=hi)
        ax.contour(np.asarray(msk) == 1, levels=[0.5], colors=[OKABE_ITO["vermillion"]],
                   linewidths=1)
        ax.set_title("original" if i == 0 else f"augmented {i}", fontsize=9)
        ax.set_axis_off()
    return fig


def plot_history(history: dict[str, list[float]], title: str = "training") -> Figure:
    """Loss and validation loss per epoch, and the learning rate (second panel).

    The second panel draws the rate of every step when ``history`` has ``step_lr`` (as
    :func:`course_lib.unet.train_unet` records it: the warm-up lasts a few steps), else the
    rate at the end of each epoch.
    """
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax, ax_lr = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    epochs = np.arange(1, len(history.get("loss", [])) + 1)
    ax.plot(epochs, history.get("loss", []), "o-", color=OKABE_ITO["blue"], label="training")
    ax.plot(epochs, history.get("val_loss", []), "s-", color=OKABE_ITO["vermillion"],
            label="validation")
    if len(history.get("val_loss", [])):
        best = int(np.nanargmin(history["val_loss"]))
        ax.axvline(best + 1, color="0.5", ls="--", lw=1, label="best (kept)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("BCE + Dice loss")
    ax.set_title(title)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    if history.get("step_lr"):
        steps = np.arange(1, len(history["step_lr"]) + 1)
        ax_lr.plot(steps, history["step_lr"], "-", color=OKABE_ITO["bluish green"])
        ax_lr.set_xlabel("training step")
        ax_lr.set_ylabel("learning rate")
    else:
        ax_lr.plot(epochs, history.get("lr", []), "o-", color=OKABE_ITO["bluish green"])
        ax_lr.set_xlabel("epoch")
        ax_lr.set_ylabel("learning rate (end of epoch)")
    ax_lr.set_title("warm-up, then cosine decay")
    ax_lr.grid(alpha=0.3)
    return fig


def probability_threshold_view(probability: np.ndarray, truth: Any, threshold: float, *,
                               valid: Any = None, chosen: float | None = None,
                               extent: Sequence[float] | None = None) -> ThresholdView:
    """Widget callback: threshold the U-Net's probability map and score it.

    Left: the confusion map of ``probability >= threshold`` over ``valid`` pixels (e.g. the
    test blocks); right: precision, recall, F1 and MCC against the threshold, with the
    threshold chosen on validation (``chosen``) marked by a blue dash-dot line (orange is
    precision).

    Returns:
        ``ThresholdView(figure, counts, scores)`` (see
        :func:`course_lib.viz.evaluation_plots.threshold_explorer`).
    """
    grid = np.round(np.arange(0.02, 0.985, 0.02), 2)
    view = threshold_explorer(probability, truth, threshold, above=True, valid=valid,
                              thresholds=grid, extent=extent,
                              score_name="U-Net probability")
    if chosen is not None:
        ax_curve = view.figure.axes[-1]
        ax_curve.axvline(chosen, color=OKABE_ITO["blue"], lw=2, ls="-.",
                         label=f"chosen on validation ({chosen:.2f})")
        ax_curve.legend(loc="best", fontsize="small")
    return view


def plot_chip_predictions(images: Sequence[np.ndarray], masks: Sequence[np.ndarray],
                          probabilities: Sequence[np.ndarray], threshold: float, *,
                          n: int = 4, band: int | None = None,
                          band_name: str | None = None) -> Figure:
    """Chips, their truth outlined, and the predicted probability.

    Top row: the images with the true landslides outlined (vermillion); bottom row: the
    probability (0-1) with the predicted landslides (``>= threshold``) outlined (blue).
    An image is drawn as RGB from its first three bands, or, with ``band``, that band in grey
    (2-98 % stretch; for multi-band float chips whose bands have different units).
    """
    k = min(n, len(images))
    if k == 0:
        raise ValueError("no chips to show.")
    fig = Figure(figsize=(2.6 * k, 5.4), layout="constrained")
    axes = np.asarray(fig.subplots(2, k)).reshape(2, k)
    for i in range(k):
        img, msk, prob = np.asarray(images[i]), np.asarray(masks[i]), np.asarray(probabilities[i])
        if band is not None:
            shown = img[..., band] if img.ndim == 3 else img
            lo, hi = np.nanpercentile(shown, [2, 98])
            shown = np.clip((shown - lo) / max(hi - lo, 1e-9), 0, 1)
        elif img.ndim == 3 and img.shape[-1] >= 3:
            shown = img[..., :3]
        else:
            shown = img[..., 0] if img.ndim == 3 else img
        if shown.ndim == 3:
            lo, hi = np.nanmin(shown), np.nanmax(shown)
            shown = np.clip((shown - lo) / max(hi - lo, 1e-9), 0, 1)
        if shown.ndim == 3:
            style.image_layer(axes[0, i], shown, nodata_key=False)
        else:
            style.image_layer(axes[0, i], shown, "reflectance", vmin=0, vmax=1)
        if msk.any():
            axes[0, i].contour(msk == 1, levels=[0.5], colors=[OKABE_ITO["vermillion"]],
                               linewidths=1)
        what = f"{band_name}, truth" if band_name else "truth"
        axes[0, i].set_title(f"{img.shape[0]} x {img.shape[1]} px, {what}", fontsize=9)
        im = style.image_layer(axes[1, i], prob, "probability")
        if np.nanmax(prob) >= threshold:
            axes[1, i].contour(np.nan_to_num(prob) >= threshold, levels=[0.5],
                               colors=[OKABE_ITO["sky blue"]], linewidths=1)
        axes[1, i].set_title(f"probability, >= {threshold:.2f} outlined", fontsize=9)
        for ax in axes[:, i]:
            ax.set_axis_off()
    style.add_colorbar(im, list(axes[1]), "landslide probability", shrink=0.8)
    return fig
