"""Outlines of boolean masks drawn on top of ``imshow`` images, the right way up.

``imshow`` draws row 0 at the TOP (``origin="upper"``, north up for a north-up raster) and
reads ``extent`` as ``(left, right, bottom, top)``. ``contour`` must be told the same
``origin`` and the same extent, or its lines come out mirrored top-to-bottom (an outline drawn
where there is no signal).
"""

from __future__ import annotations

import numpy as np

__all__ = ["draw_outline"]


def draw_outline(ax, mask, extent=None, color: str = "k", linewidth: float = 0.8,
                 level: float = 0.5, linestyle: object = "solid") -> None:
    """Draw the boundary of a boolean ``(rows, cols)`` mask on ``ax``, aligned with ``imshow``.

    Args:
        ax: a matplotlib Axes on which the image was drawn with ``imshow(..., extent=extent)``
            (default origin "upper").
        mask: boolean or 0/1 array ``(rows, cols)``; nothing is drawn when it is empty.
        extent: ``Raster.extent``, i.e. ``(left, right, bottom, top)`` as for ``imshow``;
            None for pixel coordinates.
        color: line colour.
        linewidth: line width in points.
        level: contour level; 0.5 for a boolean mask, or e.g. a threshold to outline where a
            continuous layer (a cloud probability) crosses it.
        linestyle: a matplotlib line style (``"solid"``, ``"dashed"``, ``(0, (4, 2))``).
    """
    if mask is None:
        return
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"mask must be 2-D (rows, cols); got shape {mask.shape}.")
    if not mask.any():
        return
    kwargs = {}
    if extent is not None:
        # the same (left, right, bottom, top) and origin as imshow. Without an extent the
        # default (Z[r, c] at x = c, y = r) already matches imshow's pixel coordinates.
        kwargs = {"extent": tuple(extent), "origin": "upper"}
    ax.contour(mask.astype(float), levels=[level], colors=color, linewidths=linewidth,
               linestyles=[linestyle], **kwargs)
