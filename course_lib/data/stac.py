"""Real Sentinel-2 L2A and Sentinel-1 over an area and dates, through a STAC API.

Searching uses ``pystac-client``; loading uses ``odc-stac`` (it reads only the pixels of the
requested box from cloud-optimised GeoTIFFs, reprojected onto one grid). Results are the
course's :class:`~course_lib.data.raster.Raster`, so every function of ``course_lib`` works on
them as on the simulated study area:

* :func:`load_s2` returns reflectance ``(time, bands, rows, cols)`` (float32, NaN = no data)
  and the Scene Classification layer ``SCL`` ``(time, 1, rows, cols)`` for masking. The
  digital numbers are turned into reflectance **per processing baseline**: from baseline 04.00
  (25 January 2022) ESA adds ``BOA_ADD_OFFSET`` = -1000 (reflectance = (DN - 1000) / 10000),
  before it did not; :func:`course_lib.data.sentinel2.dn_to_reflectance` does the arithmetic. Items
  whose provider already removed the offset (Earth Search's ``earthsearch:boa_offset_applied``)
  are not shifted twice.
* :func:`load_s1` returns radiometrically terrain-corrected backscatter ``VV, VH`` in linear
  units (Planetary Computer's ``sentinel-1-rtc``, gamma0), NaN = no data.

:data:`JOLSTER` is the preset for the event of 30 July 2019 in Jølster, Norway (Ganerød et al.
2023): a box around Vassenden and lake Jølstravatnet (approximate; widen it to taste), one
month before and one month after. Every search first checks the network and, without one,
raises :class:`~course_lib.data.online.OfflineError` saying how to go on with the bundled
data. Loading works offline on items that point at local files (the tests do that).

Catalogues: Microsoft Planetary Computer (Sentinel-2 L2A and Sentinel-1 RTC; its asset URLs are
signed with a short-lived token from its public SAS endpoint) and Element 84 Earth Search
(Sentinel-2 L2A only here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence
from urllib.parse import urlparse

import numpy as np

from course_lib.data.raster import Raster

#: The bands the course uses, named as in ESA products, plus the scene classification.
S2_BANDS: tuple[str, ...] = ("B02", "B03", "B04", "B08", "B11", "B12")
S1_BANDS: tuple[str, ...] = ("VV", "VH")

CATALOGS: dict[str, dict] = {
    "planetary-computer": {
        "url": "https://planetarycomputer.microsoft.com/api/stac/v1",
        "s2": "sentinel-2-l2a", "s1": "sentinel-1-rtc",
        "s2_assets": {b: b for b in (*S2_BANDS, "SCL")},
        "s1_assets": {"VV": "vv", "VH": "vh"},
        "sas": "https://planetarycomputer.microsoft.com/api/sas/v1/token/{collection}",
    },
    "earth-search": {
        "url": "https://earth-search.aws.element84.com/v1",
        "s2": "sentinel-2-l2a", "s1": None,
        "s2_assets": {"B02": "blue", "B03": "green", "B04": "red", "B08": "nir",
                      "B11": "swir16", "B12": "swir22", "SCL": "scl"},
        "s1_assets": {},
        "sas": None,
    },
}


@dataclass(frozen=True)
class EventWindow:
    """An area and the dates around an event.

    Attributes:
        name: for titles.
        bbox: ``(west, south, east, north)`` in degrees (WGS 84).
        event: the event date, ISO ``YYYY-MM-DD``.
        pre: ``(start, end)`` of the pre-event search window (inclusive dates).
        post: ``(start, end)`` of the post-event window.
        crs: the output grid's CRS (a UTM zone suits a small area).
    """

    name: str
    bbox: tuple[float, float, float, float]
    event: str
    pre: tuple[str, str]
    post: tuple[str, str]
    crs: str = "EPSG:32632"

    def period(self, which: str) -> tuple[str, str]:
        """The ``pre`` or ``post`` window."""
        if which not in ("pre", "post"):
            raise ValueError(f"period must be 'pre' or 'post'; got {which!r}.")
        return self.pre if which == "pre" else self.post

    def datetime(self, which: str) -> str:
        """The window as a STAC ``datetime`` interval string."""
        start, end = self.period(which)
        return f"{start}/{end}"


#: Jølster, 30 July 2019: debris flows around Vassenden, Slåtten, Svidalen and Årnes
#: (Ganerød et al. 2023, Figure 1). The box is approximate; one month on either side.
JOLSTER = EventWindow(name="Jølster, Norway (30 July 2019)",
                      bbox=(6.00, 61.44, 6.30, 61.54), event="2019-07-30",
                      pre=("2019-06-30", "2019-07-29"), post=("2019-07-31", "2019-08-30"),
                      crs="EPSG:32632")


def _catalog(name: str) -> dict:
    if name not in CATALOGS:
        raise ValueError(f"catalog must be one of {list(CATALOGS)}; got {name!r}.")
    return CATALOGS[name]


_TOKENS: dict[str, str] = {}


def _sas_token(catalog: dict, collection: str) -> str:
    import requests

    if collection not in _TOKENS:
        response = requests.get(catalog["sas"].format(collection=collection), timeout=30)
        response.raise_for_status()
        _TOKENS[collection] = response.json()["token"]
    return _TOKENS[collection]


def sign_items(items: Iterable, catalog: str = "planetary-computer") -> list:
    """Append the Planetary Computer's read token to every blob-storage asset URL (in place)."""
    cat = _catalog(catalog)
    items = list(items)
    if not cat["sas"]:
        return items
    for item in items:
        token = None
        for asset in item.assets.values():
            if ".blob.core.windows.net" in asset.href and "?" not in asset.href:
                token = token or _sas_token(cat, item.collection_id)
                asset.href = f"{asset.href}?{token}"
    return items


def search(kind: str, window: EventWindow = JOLSTER, period: str = "pre",
           catalog: str = "planetary-computer", max_cloud: float | None = 80,
           limit: int = 50) -> list:
    """Search a STAC API for Sentinel-2 L2A (``kind="s2"``) or Sentinel-1 (``"s1"``) items.

    Args:
        kind: ``"s2"`` or ``"s1"``.
        window: area and dates (default :data:`JOLSTER`).
        period: ``"pre"`` or ``"post"``.
        catalog: a key of :data:`CATALOGS`.
        max_cloud: for Sentinel-2, keep scenes with ``eo:cloud_cover`` below this (percent).
        limit: at most this many items.

    Returns:
        ``pystac.Item`` objects sorted by date (asset URLs signed where the catalogue needs it).

    Raises:
        OfflineError: without a network, saying how to continue with the bundled data.
    """
    from course_lib.data.online import require_network

    if kind not in ("s2", "s1"):
        raise ValueError(f"kind must be 's2' or 's1'; got {kind!r}.")
    cat = _catalog(catalog)
    if not cat[kind]:
        raise ValueError(f"The {catalog!r} catalogue is not set up for {kind}; use "
                         "catalog='planetary-computer'.")
    require_network(urlparse(cat["url"]).hostname, what=f"the {kind.upper()} STAC search")
    import pystac_client

    client = pystac_client.Client.open(cat["url"])
    query = {"eo:cloud_cover": {"lt": max_cloud}} if (kind == "s2" and max_cloud is not None) \
        else None
    found = client.search(collections=[cat[kind]], bbox=window.bbox,
                          datetime=window.datetime(period), query=query, max_items=limit)
    items = sorted(found.items(), key=lambda it: it.datetime)
    return sign_items(items, catalog)


def processing_baseline(item) -> str:
    """The Sentinel-2 processing baseline of an item, e.g. ``"02.13"`` or ``"04.00"``.

    Read from ``s2:processing_baseline``; failing that, from the ``N0213``-style part of the
    product ID. Raises ``ValueError`` when neither is there (the offset would be a guess).
    """
    value = item.properties.get("s2:processing_baseline")
    if value:
        return str(value)
    for text in (item.id, str(item.properties.get("s2:product_uri", ""))):
        for part in text.replace(".", "_").split("_"):
            if len(part) == 5 and part[0] == "N" and part[1:].isdigit():
                return f"{part[1:3]}.{part[3:]}"
    raise ValueError(f"Item {item.id} names no processing baseline (s2:processing_baseline); "
                     "cannot tell whether its DNs carry the 1000 offset of baseline 04.00.")


def offset_baseline(item) -> str:
    """The baseline to use for the DN conversion: ``"00.00"`` when the offset was removed."""
    if item.properties.get("earthsearch:boa_offset_applied"):
        return "00.00"
    return processing_baseline(item)


def _grid_kwargs(bbox, crs, resolution) -> dict:
    if not isinstance(resolution, (int, float)) or resolution <= 0:
        raise ValueError(f"resolution must be a positive number of metres; got {resolution!r}.")
    kwargs = {"crs": crs, "resolution": resolution}
    if bbox is not None:
        kwargs["bbox"] = tuple(bbox)
    return kwargs


def _to_raster(ds, variables: Sequence[str], names: Sequence[str], attrs: dict) -> Raster:
    from rasterio.crs import CRS

    geobox = ds.odc.geobox
    data = np.stack([ds[v].values for v in variables], axis=1)
    return Raster(data=data, transform=geobox.affine, crs=CRS.from_user_input(str(geobox.crs)),
                  band_names=tuple(names), dates=ds.time.values.astype("datetime64[D]"),
                  attrs=attrs)


def load_s2(items: Sequence, bbox: Sequence[float] | None = None, crs: str = "EPSG:32632",
            resolution: float = 20, bands: Sequence[str] = S2_BANDS,
            catalog: str = "planetary-computer", groupby: str = "solar_day",
            chunks: dict | None = None) -> tuple[Raster, Raster]:
    """Load Sentinel-2 L2A items as reflectance plus SCL, on one grid.

    Items are loaded in groups of equal processing baseline, each converted with
    :func:`course_lib.data.sentinel2.dn_to_reflectance`, then put in date order.

    Args:
        items: ``pystac.Item`` objects (from :func:`search`, or local ones).
        bbox: ``(west, south, east, north)`` in degrees; None = the items' footprint.
        crs: output CRS.
        resolution: output pixel size in metres (every band resampled with nearest
            neighbour, so SCL codes stay codes and reflectances are not smoothed).
        bands: course band names (keys of the catalogue's asset map).
        catalog: which asset names to use (a key of :data:`CATALOGS`).
        groupby: odc-stac grouping of items into time steps (``"solar_day"`` merges tiles).
        chunks: pass e.g. ``{"x": 512, "y": 512}`` for lazy Dask arrays (not computed here:
            the Raster then holds the computed values of the requested box).

    Returns:
        ``(reflectance, scl)``: Rasters ``(time, len(bands), rows, cols)`` float32 and
        ``(time, 1, rows, cols)`` uint8, with ``attrs["processing_baselines"]``.
    """
    import odc.stac

    from course_lib.data.sentinel2 import dn_to_reflectance

    items = list(items)
    if not items:
        raise ValueError("No items to load: the search found nothing; widen the dates, the "
                         "box or max_cloud.")
    assets = _catalog(catalog)["s2_assets"]
    unknown = [b for b in bands if b not in assets]
    if unknown:
        raise ValueError(f"Unknown bands {unknown}; choose from {[b for b in assets if b != 'SCL']}.")
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(offset_baseline(item), []).append(item)
    refl, scl, dates, baselines = [], [], [], []
    grid = _grid_kwargs(bbox, crs, resolution)
    geobox = None
    for baseline, group in sorted(groups.items()):
        names = [assets[b] for b in bands] + [assets["SCL"]]
        kwargs = dict(grid) if geobox is None else {"geobox": geobox}
        ds = odc.stac.load(group, bands=names, groupby=groupby, chunks=chunks,
                           resampling={assets["SCL"]: "nearest", "*": "nearest"}, **kwargs)
        geobox = ds.odc.geobox
        dn = np.stack([np.asarray(ds[n].values) for n in names[:-1]], axis=1)
        refl.append(dn_to_reflectance(dn, baseline if baseline != "00.00" else "02.00"))
        scl.append(np.asarray(ds[names[-1]].values)[:, None].astype(np.uint8))
        dates.append(ds.time.values.astype("datetime64[D]"))
        baselines += [baseline] * ds.sizes["time"]
    order = np.argsort(np.concatenate(dates), kind="stable")
    from rasterio.crs import CRS

    common = dict(transform=geobox.affine, crs=CRS.from_user_input(str(geobox.crs)),
                  dates=np.concatenate(dates)[order])
    attrs = {"source": "Sentinel-2 L2A via STAC (" + catalog + ")", "units": "reflectance",
             "processing_baselines": [baselines[i] for i in order],
             "item_ids": [it.id for it in items]}
    reflectance = Raster(data=np.concatenate(refl)[order], band_names=tuple(bands),
                         attrs=attrs, **common)
    scl_raster = Raster(data=np.concatenate(scl)[order], band_names=("SCL",),
                        attrs={"source": attrs["source"], "classes": "Sen2Cor SCL"}, **common)
    return reflectance, scl_raster


def load_s1(items: Sequence, bbox: Sequence[float] | None = None, crs: str = "EPSG:32632",
            resolution: float = 20, catalog: str = "planetary-computer",
            groupby: str = "solar_day", chunks: dict | None = None) -> Raster:
    """Load Sentinel-1 RTC items as linear ``VV, VH`` backscatter ``(time, 2, rows, cols)``.

    Zero and negative values (no data in the RTC product) become NaN. ``attrs`` records each
    time step's orbit direction (``sat:orbit_state``) so ascending and descending can be
    composited apart, as in notebook 02.
    """
    import odc.stac

    items = list(items)
    if not items:
        raise ValueError("No Sentinel-1 items to load; widen the dates or the box.")
    assets = _catalog(catalog)["s1_assets"]
    if not assets:
        raise ValueError(f"The {catalog!r} catalogue is not set up for Sentinel-1.")
    names = [assets[b] for b in S1_BANDS]
    ds = odc.stac.load(items, bands=names, groupby=groupby, chunks=chunks, dtype="float32",
                       **_grid_kwargs(bbox, crs, resolution))
    raster = _to_raster(ds, names, S1_BANDS, {
        "source": f"Sentinel-1 RTC via STAC ({catalog})", "units": "linear gamma0"})
    raster.data = np.where(raster.data > 0, raster.data, np.nan).astype(np.float32)
    by_day = {np.datetime64(it.datetime.date() if it.datetime else "NaT", "D"):
              it.properties.get("sat:orbit_state", "unknown") for it in items}
    raster.attrs["orbit_state"] = [by_day.get(d, "unknown") for d in raster.dates]
    return raster


def load_event(window: EventWindow = JOLSTER, resolution: float = 20,
               catalog: str = "planetary-computer", max_cloud: float = 80,
               with_s1: bool = True, limit: int = 30) -> dict[str, Raster]:
    """Search and load pre- and post-event Sentinel-2 (and Sentinel-1) for ``window``.

    Returns ``{"s2_pre", "s2_pre_scl", "s2_post", "s2_post_scl"[, "s1_pre", "s1_post"]}``,
    the same names as the simulated study area uses, so ``course_lib.composites.
    composite_raster`` and the change layers apply directly. Needs the network
    (:class:`~course_lib.data.online.OfflineError` otherwise).
    """
    out: dict[str, Raster] = {}
    for period in ("pre", "post"):
        items = search("s2", window, period, catalog=catalog, max_cloud=max_cloud, limit=limit)
        out[f"s2_{period}"], out[f"s2_{period}_scl"] = load_s2(
            items, bbox=window.bbox, crs=window.crs, resolution=resolution, catalog=catalog)
        if with_s1:
            s1_items = search("s1", window, period, catalog="planetary-computer", limit=limit)
            out[f"s1_{period}"] = load_s1(s1_items, bbox=window.bbox, crs=window.crs,
                                          resolution=resolution)
    return out


def items_from_rasters(reflectance: Raster, scl: Raster, folder, processing_baseline: str = "02.13",
                       prefix: str = "local") -> list:
    """Write a Sentinel-2 time series as one GeoTIFF per date and band, with STAC items.

    The digital numbers follow the given processing baseline (``round(reflectance x 10000)``,
    plus 1000 from baseline 04.00; 0 = no data), and each item carries
    ``s2:processing_baseline`` and the projection and raster extensions, as a real catalogue's
    items do. Offline, this turns the simulated study area into items that :func:`load_s2`
    reads exactly as it reads real ones (and the tests use it).

    Args:
        reflectance: ``(time, bands, rows, cols)`` Raster with band names from :data:`S2_BANDS`.
        scl: ``(time, 1, rows, cols)`` SCL Raster on the same grid.
        folder: where to write the files (created).
        processing_baseline: e.g. ``"02.13"`` or ``"04.00"``.
        prefix: start of the item ids.

    Returns:
        one ``pystac.Item`` per date (assets named as in the Planetary Computer catalogue).
    """
    from datetime import datetime, timezone
    from pathlib import Path

    import pystac
    import rasterio
    from pystac.extensions.projection import ProjectionExtension
    from pystac.extensions.raster import RasterBand, RasterExtension
    from rasterio.warp import transform_bounds

    if reflectance.dates is None or reflectance.data.ndim != 4:
        raise ValueError("reflectance must be a time series Raster (time, bands, rows, cols) "
                         "with dates.")
    if scl.data.shape[0] != reflectance.data.shape[0] or scl.shape != reflectance.shape:
        raise ValueError(f"scl {scl.data.shape} does not match reflectance "
                         f"{reflectance.data.shape} (same dates and grid needed).")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    offset = 1000 if float(processing_baseline) >= 4.0 else 0
    rows, cols = reflectance.shape
    left, bottom, right, top = reflectance.bounds
    w, s, e, n = transform_bounds(reflectance.crs, "EPSG:4326", left, bottom, right, top)
    geometry = {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}
    epsg = reflectance.crs.to_epsg()
    items = []
    for t, date in enumerate(reflectance.dates):
        when = datetime.fromisoformat(str(date)).replace(hour=10, minute=30, tzinfo=timezone.utc)
        item = pystac.Item(f"{prefix}_{str(date).replace('-', '')}", geometry, [w, s, e, n], when,
                           properties={"s2:processing_baseline": processing_baseline})
        ProjectionExtension.add_to(item)
        RasterExtension.add_to(item)
        layers = {b: reflectance.data[t, i] for i, b in enumerate(reflectance.band_names)}
        layers["SCL"] = scl.data[t, 0]
        for band, values in layers.items():
            if band == "SCL":
                data, dtype = np.asarray(values, dtype=np.uint8), "uint8"
            else:
                finite = np.isfinite(values)
                dn = np.clip(np.round(np.where(finite, values, 0) * 10000) + offset, 1, 65535)
                data, dtype = np.where(finite, dn, 0).astype(np.uint16), "uint16"
            path = folder / f"{item.id}_{band}.tif"
            with rasterio.open(path, "w", driver="GTiff", width=cols, height=rows, count=1,
                               dtype=dtype, crs=reflectance.crs, transform=reflectance.transform,
                               nodata=0, compress="deflate") as dst:
                dst.write(data, 1)
            asset = pystac.Asset(str(path), media_type=pystac.MediaType.GEOTIFF, roles=["data"])
            item.add_asset(band, asset)
            proj = ProjectionExtension.ext(asset)
            proj.epsg, proj.shape = epsg, [rows, cols]
            proj.transform = list(reflectance.transform)[:6]
            RasterExtension.ext(asset).bands = [RasterBand.create(data_type=dtype, nodata=0)]
        items.append(item)
    return items
