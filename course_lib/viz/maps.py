"""Interactive folium maps of course rasters and vectors that also work offline.

folium normally loads Leaflet, jQuery and Bootstrap from the web. In a workshop without network
(or a Binder pod with a flaky one) such a map stays blank, so :func:`layer_map` embeds the
Leaflet script and stylesheet from the ``xstatic-leaflet`` package in the page and drops the other
web assets (our maps use only Leaflet's own layers). A basemap is added only when the tile
server answers; rasters are reprojected to Web Mercator (EPSG:3857, the map's own projection) so
they line up exactly, and shown as PNG images inside the page.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from course_lib.data.online import network_available
from course_lib.data.raster import Raster

TILE_HOST = "tile.openstreetmap.org"


@lru_cache(maxsize=1)
def _embedded_leaflet() -> tuple[str, str]:
    """Leaflet's JS and CSS as ``data:`` URLs, from the xstatic-leaflet package."""
    try:
        import xstatic.pkg.leaflet as xleaflet
    except ImportError as err:  # pragma: no cover - a dependency of the course
        raise ImportError(
            "Offline maps need the 'xstatic-leaflet' package: pip install xstatic-leaflet"
        ) from err
    base = Path(xleaflet.BASE_DIR)
    js = base64.b64encode((base / "leaflet.js").read_bytes()).decode()
    css = base64.b64encode((base / "leaflet.css").read_bytes()).decode()
    return f"data:text/javascript;base64,{js}", f"data:text/css;base64,{css}"


def _to_web_mercator(raster: Raster, band: int | None, categorical: bool):
    """Reproject one band (or an RGB triple) of ``raster`` to EPSG:3857."""
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    if raster.data.ndim != 3:
        raise ValueError("Map layers must be (bands, rows, cols); pick a date first.")
    data = raster.data if band is None else raster.data[band:band + 1]
    data = data.astype(np.float32)
    rows, cols = raster.shape
    left, bottom, right, top = raster.bounds
    dst_transform, width, height = calculate_default_transform(
        raster.crs, "EPSG:3857", cols, rows, left, bottom, right, top)
    out = np.full((data.shape[0], height, width), np.nan, dtype=np.float32)
    reproject(data, out, src_transform=raster.transform, src_crs=raster.crs,
              dst_transform=dst_transform, dst_crs="EPSG:3857", src_nodata=np.nan,
              dst_nodata=np.nan,
              resampling=Resampling.nearest if categorical else Resampling.bilinear)
    from rasterio.transform import array_bounds
    from rasterio.warp import transform_bounds

    west, south, east, north = transform_bounds(
        "EPSG:3857", "EPSG:4326", *array_bounds(height, width, dst_transform))
    return out, [[south, west], [north, east]]


def colorize(array: np.ndarray, style: Mapping[str, Any]) -> np.ndarray:
    """Turn a ``(bands, rows, cols)`` array into RGBA uint8 (NaN and zero-class transparent).

    Style keys: ``colors`` (dict value -> colour, for categorical layers, values not listed are
    transparent), or ``cmap``, ``vmin``, ``vmax`` for one continuous band, or ``vmin``/``vmax``
    stretch for three bands (RGB); ``opacity`` (0-1).

    >>> rgba = colorize(np.array([[[0.0, 1.0], [np.nan, 0.5]]]), {"cmap": "gray", "vmin": 0, "vmax": 1})
    >>> rgba.shape, int(rgba[1, 0, 3]), int(rgba[0, 1, 0])
    ((2, 2, 4), 0, 255)
    """
    from matplotlib import colormaps, colors

    opacity = float(style.get("opacity", 1.0))
    valid = np.all(np.isfinite(array), axis=0)
    if "colors" in style:
        rgba = np.zeros(array.shape[1:] + (4,), dtype=np.float32)
        for value, colour in style["colors"].items():
            rgba[array[0] == value] = colors.to_rgba(colour, alpha=opacity)
    elif array.shape[0] == 3:
        lo, hi = style.get("vmin", 0.0), style.get("vmax", 0.3)
        rgb = np.clip((np.moveaxis(array, 0, -1) - lo) / (hi - lo), 0, 1)
        rgba = np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), opacity)], axis=-1)
    else:
        band = array[0]
        lo = style.get("vmin", np.nanmin(band) if valid.any() else 0.0)
        hi = style.get("vmax", np.nanmax(band) if valid.any() else 1.0)
        norm = colors.Normalize(vmin=lo, vmax=hi, clip=True)
        rgba = colormaps[style.get("cmap", "viridis")](norm(np.nan_to_num(band)))
        rgba[..., 3] = opacity
    rgba[~valid] = 0
    return (np.asarray(rgba) * 255).round().astype(np.uint8)


def layer_map(rasters: Mapping[str, tuple[Raster, Mapping[str, Any]]] | None = None,
              vectors: Mapping[str, Any] | None = None, basemap: bool | None = None,
              height: int = 450, legend: Mapping[str, str] | None = None,
              legend_title: str = ""):
    """A folium map with toggleable raster and vector layers, usable offline.

    Args:
        rasters: ``{layer name: (raster, style)}``. A raster with one band is coloured with the
            style (see :func:`colorize`); with three bands it is shown as RGB; otherwise give
            ``style["band"]`` (index) to pick one. ``style["categorical"]`` (default: True when
            ``colors`` is given) selects nearest-neighbour reprojection.
        vectors: ``{layer name: GeoDataFrame}`` or ``{name: (GeoDataFrame, style dict)}``
            (Leaflet path options such as ``color``, ``weight``, ``fillOpacity``). Any CRS.
        basemap: add OpenStreetMap tiles. ``None`` adds them only if the tile server answers.
        height: map height in pixels.
        legend: optional ``{label: colour}`` drawn as a fixed key in the bottom-right corner
            (e.g. the confusion colours and the outline colours).
        legend_title: heading of the key.

    Returns:
        A ``folium.Map``; display it as the last expression of a cell.
    """
    import folium

    rasters = dict(rasters or {})
    vectors = dict(vectors or {})
    if not rasters and not vectors:
        raise ValueError("layer_map needs at least one raster or vector layer.")
    if basemap is None:
        basemap = network_available(TILE_HOST, timeout=1.5)
    # The map lives in a Figure of the same height, so the notebook shows no blank band below.
    fmap = folium.Map(tiles="OpenStreetMap" if basemap else None, control_scale=True)
    fmap.add_to(folium.Figure(height=height))
    js, css = _embedded_leaflet()
    fmap.default_js = [("leaflet", js)]
    fmap.default_css = [("leaflet_css", css)]

    bounds = []
    for name, (raster, style) in rasters.items():
        categorical = bool(style.get("categorical", "colors" in style))
        band = style.get("band")
        if band is None and raster.data.shape[0] not in (1, 3):
            raise ValueError(f"Layer {name!r} has {raster.data.shape[0]} bands: give "
                             "style['band'] or select 1 or 3 bands.")
        merc, latlon = _to_web_mercator(raster, band, categorical)
        folium.raster_layers.ImageOverlay(
            image=colorize(merc, style), bounds=latlon, name=name, mercator_project=False,
        ).add_to(fmap)
        bounds.append(latlon)
    for name, layer in vectors.items():
        gdf, style = layer if isinstance(layer, tuple) else (layer, {})
        gdf = gdf.to_crs(4326)
        fields = [c for c in gdf.columns if c != gdf.geometry.name][:4]
        path_style = {"color": "#D55E00", "weight": 2, "fillOpacity": 0.1, **style}
        folium.GeoJson(
            gdf.__geo_interface__, name=name, style_function=lambda _f, s=path_style: s,
            tooltip=folium.GeoJsonTooltip(fields=fields) if fields else None,
        ).add_to(fmap)
        west, south, east, north = gdf.total_bounds
        bounds.append([[south, west], [north, east]])
    south = min(b[0][0] for b in bounds)
    west = min(b[0][1] for b in bounds)
    north = max(b[1][0] for b in bounds)
    east = max(b[1][1] for b in bounds)
    fmap.fit_bounds([[south, west], [north, east]])
    folium.LayerControl(collapsed=False).add_to(fmap)
    if legend:
        fmap.get_root().html.add_child(_legend_element(legend, legend_title))
    if not basemap and not rasters:
        # Offline and no image: the outlines would float on a blank page; say what to add.
        fmap.get_root().html.add_child(_note_element(
            "No background map offline: add an image layer, e.g. rasters={'post-event "
            "image': (raster, {'vmin': 0, 'vmax': 0.15})}"))
    return fmap


def _note_element(text: str):
    """A fixed HTML note (a branca Element) in the top-left corner of the map."""
    from html import escape

    from branca.element import Element

    return Element(
        '<div class="course-map-note" style="position:fixed;top:10px;left:50px;z-index:1000;'
        "background:rgba(255,255,255,0.9);padding:4px 8px;border-radius:4px;"
        f'font:12px sans-serif">{escape(text)}</div>')


def _legend_element(legend: Mapping[str, str], title: str = ""):
    """A fixed HTML key (a branca Element) with one coloured square per label."""
    from html import escape

    from branca.element import Element

    rows = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;margin-right:6px;'
        f'background:{escape(colour)};border:1px solid #444;vertical-align:middle"></span>'
        f"{escape(label)}</div>" for label, colour in legend.items())
    heading = f"<b>{escape(title)}</b><br>" if title else ""
    return Element(
        '<div class="course-map-legend" style="position:fixed;bottom:28px;right:10px;'
        "z-index:1000;background:rgba(255,255,255,0.9);padding:6px 8px;border-radius:4px;"
        f'font:12px sans-serif;line-height:18px">{heading}{rows}</div>')
