"""Draw training points and landslide polygons on a map of a georeferenced raster, offline.

A learner picks a class, clicks points (training samples for a pixel classifier such as CART)
and draws polygons (landslide outlines for a U-Net's masks) on an ipyleaflet map of their own
raster, saves them to a GeoPackage, and turns them into a training table, a mask or chips::

    from course_lib.viz.labelling_map import LabellingMap
    labels = LabellingMap({"true colour": (stack, {"bands": ("post-R", "post-G", "post-B")}),
                           "dNDVI": (stack, {"bands": ("dNDVI",), "cmap": "RdBu",
                                             "vmin": -0.5, "vmax": 0.5})})
    labels                                   # the map, the class picker and the counts
    labels.save("my_labels.gpkg")            # later: labels.load("my_labels.gpkg")
    points = labels.training_points()        # GeoDataFrame of points in the raster's CRS
    mask = labels.polygon_mask("landslide")  # uint8 0/1 array on the raster's grid

The labels themselves (coordinates, the feature table, the GeoPackage, points, masks and
chips) are :mod:`course_lib.data.labels`; this module is the map and its widgets.

Classes
-------
By default the classes are those of the study area's training points, **with the same
names** (``"landslide"`` and ``course_lib.simulator.TRAINING_CLASSES``: ``"water"``,
``"snow_ice"``, ``"bare_rock"``, ...), so the learner's points and the 130 provided points
train the same classifier; the buttons show friendly labels ("snow / ice"). A learner may
pass their own list. Colours: Okabe and Ito's colour-blind-safe palette (2008) for the first
eight, Paul Tol's "muted" palette after that.

How exactly the image is placed
-------------------------------
The map displays in Web Mercator (EPSG:3857). Each image layer is reprojected to EPSG:3857
before it is shown (:func:`display_grid`: nearest neighbour onto a grid ``upsample`` times
finer than the raster, or less for large rasters, at most ``max_pixels`` display pixels; the
centre of every display pixel is converted exactly to the raster's CRS), so a raster pixel is
drawn where it is: its edges are off by at most half a display pixel (0.125 raster pixel at
``upsample=4``, 0.5 for a 1024 x 1024 raster at the default ``max_pixels``). Placing a UTM
image by its corner bounds alone would be wrong by the meridian convergence (about 2.5
degrees at 6 E, 61.5 N in zone 32: several pixels across a 2 km image). Leaflet snaps the
image's corners to whole screen pixels: up to half a *screen* pixel more. A point drawn on the
map is converted back exactly (:mod:`course_lib.data.labels`).

Only the visible layer's image is sent to the browser; the others are rendered when first
picked and kept (the layer buttons swap the overlay's picture). Offline the map has no tile
layer at all and requests nothing from the network; an OpenStreetMap basemap is added under
the images only when its server answers (``course_lib.data.online.network_available``, which
honours ``COURSE_OFFLINE``).

The drawn features live in the draw control's ``data`` (GeoJSON in lon/lat, each with the
properties ``class_name``, ``label_id`` and ``source``), which the browser and the kernel keep
in sync; :attr:`LabellingMap.features` turns it into a GeoDataFrame in the raster's CRS. Tests
and a fast notebook run add features without a person through :meth:`LabellingMap.add_geojson`,
with exactly the GeoJSON the draw control emits.

Problems the learner causes (nothing drawn, one class only, a point outside the image or on
nodata) give a plain message: in the widget's message line while drawing, and as a
:class:`~course_lib.data.labels.LabellingProblem` (shown without a traceback) from the methods
that need labels.
"""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from course_lib.data import labels as lb
from course_lib.data.labels import LabellingProblem
from course_lib.data.raster import Raster

__all__ = ["OKABE_ITO", "TOL_MUTED", "WEB_MERCATOR", "TILE_HOST", "LabellingProblem",
           "default_classes", "class_label", "class_colours", "render_rgba", "DisplayGrid",
           "display_grid", "to_web_mercator", "png_data_url", "fit_zoom", "LabellingMap"]

#: Okabe & Ito's colour-blind-safe palette (2008), one colour per default class, in order:
#: landslide vermillion, water blue, snow/ice sky blue, bare rock black, agriculture yellow,
#: forest bluish green, alpine scrub orange, urban reddish purple.
OKABE_ITO = ("#D55E00", "#0072B2", "#56B4E9", "#000000", "#F0E442", "#009E73", "#E69F00",
             "#CC79A7")
#: Paul Tol's 'muted' palette, for a learner's classes beyond the first eight.
TOL_MUTED = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99",
             "#999933", "#AA4499")
WEB_MERCATOR = "EPSG:3857"
#: Where the OpenStreetMap basemap comes from (added only when this host answers).
TILE_HOST = "tile.openstreetmap.org"
#: Web Mercator metres per screen pixel at zoom 0 (256-pixel tiles).
ZOOM0_RESOLUTION = 2 * np.pi * 6378137.0 / 256
#: The map pane of the image layer: above tiles (200), below the drawings (400).
IMAGE_PANE = "labelling_images"
#: The pane of results shown over the image (a landslide map), below the drawings.
RESULT_PANE = "labelling_results"
#: Friendly labels of class names that do not read well with "_" replaced by a space.
_LABELS = {"snow_ice": "snow / ice"}


def default_classes() -> tuple[str, ...]:
    """The classes of the study area's training points: ``"landslide"`` and the seven of
    ``course_lib.simulator.TRAINING_CLASSES``, with their names."""
    from course_lib.simulator.landcover import TRAINING_CLASSES

    return ("landslide", *TRAINING_CLASSES)


def class_label(name: str) -> str:
    """The friendly label of a class name: ``"bare_rock"`` -> ``"bare rock"``.

    >>> class_label("snow_ice"), class_label("alpine_scrub"), class_label("forest")
    ('snow / ice', 'alpine scrub', 'forest')
    """
    return _LABELS.get(name, name.replace("_", " "))


def class_colours(classes: Sequence[str] | Mapping[str, str] | None = None) -> dict[str, str]:
    """Class name -> colour: :func:`default_classes` by default, or the learner's list (new
    names get Okabe-Ito colours no other class uses, then Paul Tol's), or a mapping kept as
    given."""
    if classes is None:
        return dict(zip(default_classes(), OKABE_ITO))
    if isinstance(classes, str):
        raise TypeError(f"classes must be a list of class names; got the string {classes!r}. "
                        f"For one class write [{classes!r}] (you will need two to train).")
    names = [str(c) for c in classes]
    if not names:
        raise ValueError("classes is empty: give at least two class names.")
    if len(set(names)) != len(names):
        raise ValueError(f"classes has repeated names: {names}.")
    if isinstance(classes, Mapping):
        return {str(k): str(v) for k, v in classes.items()}
    defaults = dict(zip(default_classes(), OKABE_ITO))
    free = [c for c in OKABE_ITO + TOL_MUTED if c not in {defaults.get(n) for n in names}]
    return {name: defaults.get(name) or (free.pop(0) if free else "#777777") for name in names}


# ---------------------------------------------------------------- image layers
def _check_raster(raster: Any, what: str) -> Raster:
    if not isinstance(raster, Raster):
        raise TypeError(f"{what} must be a course_lib Raster; got {type(raster).__name__}.")
    if raster.data.ndim != 3:
        raise ValueError(f"{what} is a time series {raster.data.shape}; pick one date first, "
                         "e.g. Raster(data=series.data[0], ...).")
    if raster.crs is None:
        raise ValueError(f"{what} has no CRS: the map cannot place it.")
    return raster


def render_rgba(raster: Raster, style: Mapping[str, Any] | None = None) -> np.ndarray:
    """An ``(rows, cols, 4)`` uint8 RGBA image of ``raster``; transparent where nodata.

    ``style`` keys (all optional):
        ``bands``: three band names (an RGB composite) or one (a colour-mapped band);
        default the first three bands, or the first band when there are fewer.
        ``vmin``, ``vmax``: the values shown darkest and brightest, one number or one per
        band; default the 2nd and 98th percentiles of each band.
        ``cmap``: the matplotlib colour map of a single band (default ``"viridis"``).
    """
    import matplotlib

    style = dict(style or {})
    unknown = set(style) - {"bands", "vmin", "vmax", "cmap"}
    if unknown:
        raise ValueError(f"Unknown style keys {sorted(unknown)}; use bands, vmin, vmax, cmap.")
    names = style.get("bands")
    if names is None:
        names = raster.band_names[:3] if len(raster.band_names) >= 3 else raster.band_names[:1]
    if isinstance(names, str):
        names = (names,)
    if len(names) not in (1, 3):
        raise ValueError(f"style['bands'] must name 1 or 3 bands; got {list(names)}.")
    data = np.stack([raster.band(n) for n in names]).astype(np.float32)
    nodata = raster.attrs.get("nodata")
    if not np.issubdtype(raster.data.dtype, np.floating) and nodata is not None:
        data[np.stack([raster.band(n) for n in names]) == nodata] = np.nan
    invalid = np.isnan(data).any(axis=0)

    def per_band(value, q):
        if value is None:
            return np.array([np.nanpercentile(b, q) if np.isfinite(b).any() else 0.0
                             for b in data])
        return np.broadcast_to(np.asarray(value, dtype=float), (len(data),)).copy()

    vmin, vmax = per_band(style.get("vmin"), 2), per_band(style.get("vmax"), 98)
    span = np.where(vmax > vmin, vmax - vmin, 1.0)
    scaled = np.clip((data - vmin[:, None, None]) / span[:, None, None], 0, 1)
    scaled = np.nan_to_num(scaled, nan=0.0)
    if len(names) == 1:
        rgba = matplotlib.colormaps[style.get("cmap", "viridis")](scaled[0], bytes=True)
    else:
        rgba = np.concatenate([np.round(np.moveaxis(scaled, 0, -1) * 255),
                               np.full(raster.shape + (1,), 255.0)], -1).astype(np.uint8)
    rgba[..., 3] = np.where(invalid, 0, 255)
    return rgba


@dataclass(frozen=True)
class DisplayGrid:
    """Where each pixel of a Web Mercator display image comes from.

    Attributes:
        index: ``(height, width)`` int64: the flat index (``row * cols + col``) of the raster
            pixel under each display pixel's centre, -1 outside the raster.
        transform: the display image's EPSG:3857 affine transform.
        bounds: ``[[south, west], [north, east]]`` in degrees, for Leaflet.
    """

    index: np.ndarray
    transform: Any
    bounds: list

    def image(self, rgba: np.ndarray) -> np.ndarray:
        """The display image of an ``(rows, cols, 4)`` RGBA image on the raster's grid."""
        flat = rgba.reshape(-1, 4)
        out = np.zeros(self.index.shape + (4,), dtype=np.uint8)
        inside = self.index >= 0
        out[inside] = flat[self.index[inside]]
        return out


def display_grid(raster: Raster, upsample: int = 4, max_pixels: int = 2_000_000
                 ) -> DisplayGrid:
    """The Web Mercator display grid of ``raster`` (see the module doc for its accuracy).

    The grid is ``upsample`` times finer than the Web Mercator grid of the raster's own size
    (``rasterio.warp.calculate_default_transform``), or less when it would exceed
    ``max_pixels`` (down to 1). The centre of every display pixel is converted to the
    raster's CRS with PROJ (about 0.5 s per million pixels) and shows the raster pixel it
    falls in. (GDAL's warper, ``rasterio.warp.reproject``, interpolates the transformation
    along each row: with rasterio 1.4 about 1 % of display pixels next to a raster pixel edge
    came out in the neighbouring pixel, up to 0.015 pixel away. Harmless, but not exact.)
    """
    from affine import Affine
    from rasterio.warp import calculate_default_transform

    rows, cols = raster.shape
    base, width, height = calculate_default_transform(raster.crs, WEB_MERCATOR, cols, rows,
                                                      *raster.bounds)
    factor = max(1, min(int(upsample), int(np.sqrt(max_pixels / max(width * height, 1)))))
    resolution = base.a / factor
    left, top = base.c, base.f
    width, height = int(width * factor), int(height * factor)
    transform = Affine(resolution, 0.0, left, 0.0, -resolution, top)
    index = np.full((height, width), -1, dtype=np.int64)
    centres = np.arange(width) + 0.5
    for start in range(0, height, 256):           # a block of rows at a time: bounded memory
        stop = min(height, start + 256)
        dcol, drow = np.meshgrid(centres, np.arange(start, stop) + 0.5)
        mx, my = transform @ (dcol.ravel(), drow.ravel())
        xs, ys = lb.reproject_xy(mx, my, WEB_MERCATOR, raster.crs)
        fc, fr = ~raster.transform @ (xs, ys)
        r, c = np.floor(fr).astype(np.int64), np.floor(fc).astype(np.int64)
        inside = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
        index[start:stop] = np.where(inside, r * cols + c, -1).reshape(stop - start, width)
    right, bottom = transform @ (width, height)
    (west, east), (south, north) = lb.xy_to_lonlat([left, right], [bottom, top], WEB_MERCATOR)
    return DisplayGrid(index, transform, [[float(south), float(west)], [float(north),
                                                                        float(east)]])


def to_web_mercator(rgba: np.ndarray, raster: Raster, upsample: int = 4,
                    max_pixels: int = 2_000_000):
    """An RGBA image on ``raster``'s grid reprojected for display (:func:`display_grid`).

    Returns:
        ``(image, transform, bounds)``: the ``(h, w, 4)`` uint8 image, its EPSG:3857 affine
        transform, and its ``[[south, west], [north, east]]`` in degrees for Leaflet.
    """
    grid = display_grid(raster, upsample, max_pixels)
    return grid.image(rgba), grid.transform, grid.bounds


def png_data_url(rgba: np.ndarray) -> str:
    """A ``data:image/png;base64,...`` URL of an RGBA uint8 image (made locally)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba), "RGBA").save(buffer, format="PNG",
                                                             compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def fit_zoom(bounds_3857: tuple[float, float, float, float], width_px: int, height_px: int,
             max_zoom: int = 20) -> int:
    """The largest whole zoom at which ``(left, bottom, right, top)`` in EPSG:3857 metres
    fits in ``width_px`` x ``height_px`` screen pixels.

    >>> fit_zoom((0, 0, 4200, 3100), 900, 700)
    15
    """
    left, bottom, right, top = bounds_3857
    scale = min(width_px / max(right - left, 1e-9), height_px / max(top - bottom, 1e-9))
    return int(np.clip(np.floor(np.log2(scale * ZOOM0_RESOLUTION)), 1, max_zoom))


def _style(kind: str, colour: str) -> dict[str, Any]:
    if kind == "point":
        return {"color": "#ffffff", "weight": 1.5, "fillColor": colour, "fillOpacity": 0.95,
                "opacity": 1.0, "radius": 6}
    return {"color": colour, "weight": 2.5, "fillColor": colour, "fillOpacity": 0.15,
            "opacity": 1.0}


def _geometry_of(feature: Any) -> Mapping:
    geometry = feature.get("geometry", feature) if isinstance(feature, Mapping) else None
    if not isinstance(geometry, Mapping) or "type" not in geometry:
        raise TypeError(f"feature must be a GeoJSON Feature or geometry dict; got "
                        f"{type(feature).__name__}.")
    return geometry


# ---------------------------------------------------------------- the widget
class LabellingMap:
    """An ipyleaflet map of one or more image layers of a raster, with a class picker, a
    draw toolbar (circle markers for points, polygons; edit, drag and delete) and a live
    count per class.

    Args:
        layers: image layers, name -> ``(Raster, style)`` (or a bare Raster); styles as
            :func:`render_rgba`. The first is shown first; buttons above the map switch.
        classes: class names (default :func:`default_classes`) or a mapping name -> colour.
        raster: the labelling grid (pixels, nodata checks, masks); default the first
            layer's raster.
        basemap: add OpenStreetMap under the images: ``None`` when its server answers
            (checked once), ``True``/``False`` to decide. Without it the map has no tile
            layer at all and fetches nothing from the network.
        upsample, max_pixels: the display grid (:func:`display_grid`).
        width_px, height_px: the map's size; the start zoom fits the raster in it.
    """

    def __init__(self, layers: Mapping[str, Any], classes=None, *, raster: Raster | None = None,
                 basemap: bool | None = None, upsample: int = 4, max_pixels: int = 2_000_000,
                 width_px: int = 900, height_px: int = 600) -> None:
        import ipyleaflet
        import ipywidgets as widgets

        if not isinstance(layers, Mapping) or not layers:
            raise TypeError("layers must be a dict: name -> (Raster, style), e.g. "
                            "{'true colour': (raster, {'bands': ('B4', 'B3', 'B2')})}.")
        self.layers = {}
        for name, value in layers.items():
            layer_raster, style = (value if isinstance(value, tuple) else (value, None))
            self.layers[str(name)] = (_check_raster(layer_raster, f"layer {name!r}"), style)
        first = next(iter(self.layers.values()))[0]
        self.raster = _check_raster(raster if raster is not None else first, "raster")
        self.colours = class_colours(classes)
        self.messages: list[str] = []
        self._next_id = 1
        self._pushing = False
        self._upsample, self._max_pixels = upsample, max_pixels
        self._grids: dict[tuple, DisplayGrid] = {}
        self._urls: dict[str, str] = {}

        first_name = next(iter(self.layers))
        grid = self._grid(first)
        self.overlay = ipyleaflet.ImageOverlay(
            url=self._url(first_name), bounds=grid.bounds, name="image", pane=IMAGE_PANE,
            pm_ignore=True, snap_ignore=True)
        h, w = grid.index.shape
        right, bottom = grid.transform @ (w, h)
        self.display_bounds_3857 = (grid.transform.c, bottom, right, grid.transform.f)
        left, bottom, right, top = self.display_bounds_3857
        centre_lon, centre_lat = lb.xy_to_lonlat((left + right) / 2, (bottom + top) / 2,
                                                 WEB_MERCATOR)
        if basemap is None:
            from course_lib.data.online import network_available
            basemap = network_available(TILE_HOST, timeout=1.5)
        self.basemap = bool(basemap)
        map_layers = []
        if self.basemap:
            osm = ipyleaflet.basemap_to_tiles(ipyleaflet.basemaps.OpenStreetMap.Mapnik)
            osm.name, osm.base = "OpenStreetMap", True
            map_layers.append(osm)
        # layers given explicitly: ipyleaflet adds no default basemap, so offline nothing is
        # requested from any tile server
        self.map = ipyleaflet.Map(
            center=[centre_lat, centre_lon], zoom=fit_zoom(self.display_bounds_3857,
                                                          width_px, height_px),
            layers=tuple(map_layers + [self.overlay]), min_zoom=2, max_zoom=22,
            interpolation="nearest", scroll_wheel_zoom=True,
            panes={IMAGE_PANE: {"zIndex": 350}, RESULT_PANE: {"zIndex": 360}},
            layout=widgets.Layout(width=f"{width_px}px", height=f"{height_px}px"))
        self.map.attribution_control = self.basemap
        self.map.add(ipyleaflet.ScaleControl(position="bottomleft", imperial=False))

        current = next(iter(self.colours))
        self.draw = ipyleaflet.GeomanDrawControl(
            position="topleft", marker={}, circle={}, rectangle={}, polyline={}, text={},
            circlemarker={"pathOptions": _style("point", self.colours[current]),
                          "snappable": False},
            polygon={"pathOptions": _style("polygon", self.colours[current]),
                     "snappable": False},
            edit=True, drag=True, remove=True, cut=False, rotate=False)
        self.map.add(self.draw)
        self.draw.observe(self._on_data, names="data")

        self.picker = widgets.ToggleButtons(
            options=[(class_label(n), n) for n in self.colours], value=current,
            description="Class:", style={"button_width": "auto"})
        self.picker.observe(self._on_class, names="value")
        self.layer_picker = widgets.ToggleButtons(options=list(self.layers),
                                                  description="Image:",
                                                  style={"button_width": "auto"})
        self.layer_picker.observe(self._on_layer, names="value")
        self.legend = widgets.HTML()
        self.message = widgets.HTML()
        self.results: dict[str, Any] = {}
        self.result_picker = widgets.ToggleButtons(options=["none"], description="Result:",
                                                   style={"button_width": "auto"},
                                                   layout=widgets.Layout(display="none"))
        self.result_picker.observe(self._on_result, names="value")
        help_text = ("Pick a class, then in the map's toolbar: <b>circle marker</b> = one "
                     "training point per click; <b>polygon</b> = click the corners, click the "
                     "first corner again to close. Edit, drag and delete tools are below them. "
                     "Scroll to zoom, drag to pan.")
        self.widget = widgets.VBox([widgets.HTML(help_text), self.layer_picker,
                                    self.result_picker, self.picker, self.legend, self.map,
                                    self.message])
        self._update_counts()

    # ------------------------------------------------------------ display
    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _grid(self, raster: Raster) -> DisplayGrid:
        key = (tuple(raster.transform), str(raster.crs), raster.shape)
        if key not in self._grids:
            self._grids[key] = display_grid(raster, self._upsample, self._max_pixels)
        return self._grids[key]

    def _url(self, name: str) -> str:
        """The PNG of layer ``name`` (rendered once, then kept)."""
        if name not in self._urls:
            raster, style = self.layers[name]
            self._urls[name] = png_data_url(self._grid(raster).image(render_rgba(raster, style)))
        return self._urls[name]

    def show_layer(self, name: str) -> None:
        """Show the image layer ``name`` (what the layer buttons do)."""
        if name not in self.layers:
            raise ValueError(f"No image layer {name!r}; the layers are {list(self.layers)}.")
        raster, _ = self.layers[name]
        self.overlay.bounds = self._grid(raster).bounds
        self.overlay.url = self._url(name)
        if self.layer_picker.value != name:
            self.layer_picker.value = name

    def add_result(self, name: str, rgba: np.ndarray, opacity: float = 0.8) -> None:
        """Show a result over the image, e.g. a landslide map: ``rgba`` is ``(rows, cols, 4)``
        uint8 on the labelling raster's grid (transparent where nothing is to be shown). A
        button row above the map switches results on and off; the newest is shown."""
        import ipyleaflet

        rgba = np.asarray(rgba)
        if rgba.shape != self.raster.shape + (4,) or rgba.dtype != np.uint8:
            raise ValueError(f"rgba must be uint8 {self.raster.shape + (4,)} (the labelling "
                             f"raster's grid); got {rgba.dtype} {rgba.shape}.")
        grid = self._grid(self.raster)
        overlay = ipyleaflet.ImageOverlay(url=png_data_url(grid.image(rgba)), bounds=grid.bounds,
                                          name=name, pane=RESULT_PANE, opacity=float(opacity),
                                          pm_ignore=True, snap_ignore=True)
        if name in self.results:
            self.map.remove(self.results[name])
        self.results[name] = overlay
        self.map.add(overlay)
        self.result_picker.options = ["none", *self.results]
        self.result_picker.layout.display = None
        self.result_picker.value = name
        self._on_result({"new": name})

    def _on_result(self, change) -> None:
        for name, overlay in self.results.items():
            overlay.visible = name == change["new"]

    def _say(self, text: str, problem: bool = False) -> None:
        """Show one line under the map (problems in red) and keep it in :attr:`messages`."""
        self.messages.append(text)
        colour = "#b00020" if problem else "#1b5e20"
        self.message.value = f"<span style='color:{colour}'>{html.escape(text)}</span>"

    def _on_layer(self, change) -> None:
        self.show_layer(change["new"])

    def _on_class(self, change) -> None:
        colour = self.colours[change["new"]]
        self.draw.circlemarker = {**self.draw.circlemarker,
                                  "pathOptions": _style("point", colour)}
        self.draw.polygon = {**self.draw.polygon, "pathOptions": _style("polygon", colour)}

    def _update_counts(self) -> None:
        counts = {name: [0, 0] for name in self.colours}
        for feature in self.draw.data:
            props = feature.get("properties") or {}
            kind = lb.geometry_kind((feature.get("geometry") or {}).get("type"))
            if props.get("class_name") in counts and kind:
                counts[props["class_name"]][kind == "polygon"] += 1
        self.counts = {name: {"points": p, "polygons": q} for name, (p, q) in counts.items()}
        items = "".join(
            f"<span style='display:inline-block;white-space:nowrap;margin:1px 16px 1px 0'>"
            f"<span style='display:inline-block;width:12px;height:12px;background:{colour};"
            f"border:1px solid #888;vertical-align:middle'></span> "
            f"{html.escape(class_label(name))}: "
            f"<b>{counts[name][0]}</b> pts, <b>{counts[name][1]}</b> poly</span>"
            for name, colour in self.colours.items())
        self.legend.value = f"<div class='labelling-counts'>{items}</div>"

    # ------------------------------------------------------------ features
    def _problems(self, geometries: Sequence[Mapping]) -> list[str]:
        """Why each new feature cannot be kept ("" when it can)."""
        frame = lb.features_from_geojson(
            [{"geometry": g, "properties": {"label_id": i}} for i, g in enumerate(geometries)],
            self.raster.crs)
        out = [f"A {g.get('type')} cannot be used: draw points (circle marker) or polygons."
               for g in geometries]
        if frame.empty:
            return out
        whys = lb.pixel_problems(frame, self.raster)
        for i, why in zip(frame["label_id"], whys):
            out[i] = {"": "", "outside": "That was outside the image, so it was not kept: "
                      "draw on the image.",
                      "nodata": "That pixel has no data (masked cloud or outside the scene), "
                      "so the point was not kept: click on a pixel with data."}[why]
        return out

    def _feature(self, geometry: Mapping, class_name: str, label_id: int,
                 source: str) -> dict:
        kind = lb.geometry_kind(geometry.get("type"))
        return {"type": "Feature", "geometry": dict(geometry),
                "properties": {"class_name": class_name, "label_id": int(label_id),
                               "source": source,
                               "type": "circlemarker" if kind == "point" else "polygon",
                               "style": _style(kind, self.colours[class_name])}}

    def next_step(self) -> str:
        """What to draw next, in one sentence (shown under the map after every change)."""
        missing = [class_label(n) for n, c in self.counts.items() if c["points"] == 0]
        total = sum(c["points"] for c in self.counts.values())
        if total == 0:
            return "Nothing drawn yet: pick a class and click on the image."
        if missing:
            return f"{total} point(s) so far. Classes without a point: {', '.join(missing)}."
        fewest = min(self.counts, key=lambda n: self.counts[n]["points"])
        return (f"{total} points, every class has some; the fewest: {class_label(fewest)} "
                f"({self.counts[fewest]['points']}).")

    def _on_data(self, change) -> None:
        """The browser changed the drawings: label new features with the current class,
        drop those that cannot be used, and update the counts."""
        if self._pushing:
            self._update_counts()
            return
        new = [f for f in change["new"]
               if not {"class_name", "label_id"} <= set(f.get("properties") or {})]
        if not new:
            self._update_counts()
            return
        problems = self._problems([f.get("geometry") or {} for f in new])
        bad = dict(zip(map(id, new), problems))
        kept, said, is_problem = [], "", False
        for feature in change["new"]:
            if id(feature) not in bad:
                kept.append(feature)
            elif bad[id(feature)]:
                said, is_problem = bad[id(feature)], True
            else:
                kept.append(self._feature(feature["geometry"], self.picker.value,
                                          self._next_id, "mouse"))
                said, is_problem = f"Added {class_label(self.picker.value)} #{self._next_id}.", False
                self._next_id += 1
        self._push(kept)
        if said:
            self._say(said if is_problem else f"{said} {self.next_step()}", problem=is_problem)

    def _push(self, data: list) -> None:
        self._pushing = True
        try:
            self.draw.data = data
        finally:
            self._pushing = False
        self._update_counts()

    def add_geojson(self, features: Any, class_name: str | None = None,
                    source: str = "code") -> list[int]:
        """Add features as the draw control emits them: one GeoJSON Feature or geometry in
        lon/lat, or a list of them (e.g. :func:`course_lib.data.labels.features_to_geojson`).

        Args:
            features: the feature(s).
            class_name: the class of all of them; default each feature's ``class_name``
                property, else the picker's class.
            source: recorded with each feature (the browser's own drawings say ``"mouse"``).

        Returns:
            the new label ids, in order.

        Raises:
            LabellingProblem: an unknown class, or a feature outside the image or (a point)
                on nodata; nothing is added then.
        """
        items = list(features) if isinstance(features, (list, tuple)) else [features]
        geometries = [_geometry_of(f) for f in items]
        names = []
        for feature in items:
            props = feature.get("properties") or {} if isinstance(feature, Mapping) else {}
            name = class_name if class_name is not None else props.get("class_name",
                                                                      self.picker.value)
            if str(name) not in self.colours:
                raise LabellingProblem(f"Unknown class {name!r}; the classes are "
                                       f"{list(self.colours)}.")
            names.append(str(name))
        problems = self._problems(geometries)
        if any(problems):
            first = next(i for i, p in enumerate(problems) if p)
            raise LabellingProblem(f"Feature {first + 1} of {len(items)}: {problems[first]}")
        ids = list(range(self._next_id, self._next_id + len(items)))
        self._next_id += len(items)
        self._push(list(self.draw.data) + [self._feature(g, n, i, source)
                                           for g, n, i in zip(geometries, names, ids)])
        return ids

    def top_up(self, features: Sequence[Mapping], points_per_class: Mapping[str, int] | int,
               polygons: int = 0, source: str = "simulated learner") -> dict[str, int]:
        """Add features from ``features`` (GeoJSON with a ``class_name`` property, e.g. a
        simulated learner's clicks) only where the learner drew fewer than wanted; a point
        on a pixel the learner already gave the same class is skipped.

        Args:
            features: candidates, in the order they would be drawn.
            points_per_class: the points wanted per class (one number for every class).
            polygons: the landslide polygons wanted.
            source: recorded with the added features.

        Returns:
            how many features were added per class (polygons under ``"landslide polygons"``).
        """
        wanted = (dict.fromkeys(self.colours, int(points_per_class))
                  if not isinstance(points_per_class, Mapping) else dict(points_per_class))
        have = {n: c["points"] for n, c in self.counts.items()}
        polys = self.counts.get("landslide", {}).get("polygons", 0)
        mine = self.features
        mine = mine[mine["kind"] == "point"]
        taken = set(zip(mine["class_name"], *lb.xy_to_rowcol(
            mine.geometry.x.to_numpy(), mine.geometry.y.to_numpy(), self.raster.transform)))
        chosen: list[Mapping] = []
        added: dict[str, int] = {}
        for feature in features:
            name = (feature.get("properties") or {}).get("class_name")
            geometry = _geometry_of(feature)
            kind = lb.geometry_kind(geometry.get("type"))
            if kind == "point":
                pixel = (name, *lb.lonlat_to_rowcol(*geometry["coordinates"][:2], self.raster))
                if pixel in taken:          # the learner already clicked this pixel
                    continue
            if kind == "point" and have.get(name, 0) < wanted.get(name, 0):
                have[name] += 1
                added[name] = added.get(name, 0) + 1
                chosen.append(feature)
            elif kind == "polygon" and name == "landslide" and polys < polygons:
                polys += 1
                added["landslide polygons"] = added.get("landslide polygons", 0) + 1
                chosen.append(feature)
        if chosen:
            self.add_geojson(chosen, source=source)
        return added

    def remove(self, label_id: int) -> None:
        """Delete one feature by its label id."""
        data = [f for f in self.draw.data
                if (f.get("properties") or {}).get("label_id") != label_id]
        if len(data) == len(self.draw.data):
            raise LabellingProblem(f"No feature with label id {label_id}.")
        self._push(data)

    @property
    def features(self):
        """All drawn features: GeoDataFrame in the raster's CRS, columns ``label_id``,
        ``class_name``, ``kind`` (``"point"``/``"polygon"``), ``source`` and geometry."""
        return lb.features_from_geojson(self.draw.data, self.raster.crs)

    def count_table(self):
        """Points and polygons per class, and how many of the points came from the mouse."""
        import pandas as pd

        features = self.features
        rows = []
        for name in self.colours:
            mine = features[features["class_name"] == name]
            points = mine[mine["kind"] == "point"]
            rows.append({"class": class_label(name), "points": len(points),
                         "of them drawn with the mouse": int((points["source"] == "mouse").sum()),
                         "polygons": int((mine["kind"] == "polygon").sum())})
        table = pd.DataFrame(rows).set_index("class")
        table.loc["total"] = table.sum()
        return table

    def check(self, min_points: int = 1) -> list[str]:
        """Plain-language problems with the labels so far, each saying what to draw next
        (printed; an empty list when there are none)."""
        features = self.features
        found = []
        points = features[features["kind"] == "point"]
        if features.empty:
            found.append("Nothing drawn yet: pick a class above the map, choose the "
                         "circle-marker tool and click on the image.")
        else:
            short = [class_label(n) for n in self.colours
                     if (points["class_name"] == n).sum() < min_points]
            if short:
                found.append(f"Fewer than {min_points} point(s) for: {', '.join(short)}. "
                             "Pick each of them above the map and click some of its pixels.")
            problems = lb.pixel_problems(features, self.raster)
            for why in ("outside", "nodata"):
                ids = features.loc[problems == why, "label_id"].tolist()
                if ids:
                    where = "outside the image" if why == "outside" else "on nodata pixels"
                    found.append(f"Features {ids} are {where} (moved there after drawing?): "
                                 "drag them back onto the image or delete them.")
        for line in found:
            print(line)
        return found

    def training_points(self, min_classes: int = 2):
        """The points as a GeoDataFrame in the raster's CRS
        (:func:`course_lib.data.labels.training_points`; ``min_classes=1`` accepts points of
        one class)."""
        return lb.training_points(self.features, self.raster, list(self.colours),
                                  min_classes=min_classes)

    def polygon_mask(self, class_name: str | None = "landslide",
                     all_touched: bool = False) -> np.ndarray:
        """The polygons of ``class_name`` as a 0/1 mask on the raster's grid."""
        return lb.polygons_to_mask(self.features, self.raster, class_name, all_touched)

    def chips(self, image: Raster, folder: str | os.PathLike, size: int = 64,
              overwrite: bool = False) -> list:
        """Image / mask chips around the landslide polygons
        (:func:`course_lib.data.labels.polygon_chips`)."""
        return lb.polygon_chips(self.features, image, folder, size, overwrite=overwrite)

    def save(self, path: str | os.PathLike, overwrite: bool = False) -> Path:
        """Save the features and the class list to a GeoPackage
        (:func:`course_lib.data.labels.save_labels`)."""
        written = lb.save_labels(self.features, path, self.colours, overwrite=overwrite)
        self._say(f"Saved {len(self.draw.data)} feature(s) to {written}.")
        return written

    def load(self, path: str | os.PathLike, replace: bool = False) -> int:
        """Continue from a saved GeoPackage; returns the number of features loaded.

        Classes in the file that this map lacks are added to the picker. Refuses when
        features are already drawn, unless ``replace=True`` (they are then dropped).
        """
        features, colours = lb.load_labels(path)
        if self.draw.data and not replace:
            raise LabellingProblem(
                f"The map already has {len(self.draw.data)} feature(s). Pass replace=True to "
                "drop them and load the file, or load it into a new map.")
        new = [name for name in colours if name not in self.colours]
        for name in dict.fromkeys(list(features["class_name"])):
            if name not in self.colours and name not in colours:
                colours[name] = "#777777"
                new.append(name)
        if new:
            for name in new:
                self.colours[name] = colours[name]
            self.picker.options = [(class_label(n), n) for n in self.colours]
        data = []
        for row in features.itertuples():
            geometry = lb.transform_geometry(row.geometry, features.crs or self.raster.crs,
                                             lb.LONLAT)
            data.append(self._feature(geometry.__geo_interface__, row.class_name,
                                      row.label_id, row.source))
        self._next_id = int(features["label_id"].max()) + 1 if len(features) else 1
        self._push(data)
        self._say(f"Loaded {len(data)} feature(s) from {path}. {self.next_step()}")
        return len(data)
