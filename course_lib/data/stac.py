"""Real Sentinel-2 L2A and Sentinel-1 over an area and dates, through a STAC API.

Searching uses ``pystac-client``; loading uses ``odc-stac`` (it reads only the pixels of the
requested box from cloud-optimised GeoTIFFs, reprojected onto one grid). Each loader comes in
two forms, one code path: ``load_*_dataset`` returns the ``xarray.Dataset`` odc-stac makes (what
the xarray ecosystem, Dask and the Pangeo tutorials work with), and ``load_*`` turns that
Dataset into the course's :class:`~course_lib.data.raster.Raster` with
:meth:`~course_lib.data.raster.Raster.from_xarray`, so every function of ``course_lib`` works on
real images as on the simulated study area:

* :func:`load_s2_dataset` / :func:`load_s2`: reflectance (float32, NaN = no data) and the
  Scene Classification layer ``SCL`` for masking. The digital numbers are turned into
  reflectance **per processing baseline**: from baseline 04.00 (25 January 2022) ESA adds
  ``BOA_ADD_OFFSET`` = -1000 (reflectance = (DN - 1000) / 10000), before it did not;
  :func:`course_lib.data.sentinel2.dn_to_reflectance` does the arithmetic. Items whose provider
  already removed the offset (Earth Search's ``earthsearch:boa_offset_applied``) are not
  shifted twice.
* :func:`load_s1_dataset` / :func:`load_s1`: radiometrically terrain-corrected backscatter
  ``VV, VH`` in linear units (Planetary Computer's ``sentinel-1-rtc``, gamma0), NaN = no data.

The output grid's ``resolution`` is in the units of its ``crs`` (odc-stac's rule): metres for a
UTM zone, degrees for EPSG:4326; a grid of fewer than 2 x 2 pixels is refused with the fix.

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
from typing import TYPE_CHECKING, Iterable, Sequence
from urllib.parse import urlparse

import numpy as np

from course_lib.data.raster import Raster
from course_lib.validation import check_number, expected_message

if TYPE_CHECKING:
    import xarray

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


def _check_grid(items: Sequence, bbox: Sequence[float] | None, crs: str,
                resolution: float) -> dict:
    """The grid arguments of ``odc.stac.load``, checked: a grid of at least 2 x 2 pixels.

    ``resolution`` is in the units of ``crs`` (odc-stac's rule): metres for UTM, **degrees** for
    a geographic CRS such as EPSG:4326, where 20 would mean pixels of 20 degrees (about 2,200 km
    north-south): one all-NaN pixel. Such a grid is refused with the fix.
    """
    from rasterio.crs import CRS
    from rasterio.errors import CRSError
    from rasterio.warp import transform_bounds

    resolution = check_number(resolution, "resolution", minimum=0, min_inclusive=False,
                              fix="The pixel size in the units of crs, e.g. 20 (metres in UTM).")
    try:
        parsed = CRS.from_user_input(crs)
    except CRSError:
        raise ValueError(expected_message("crs", "a coordinate reference system", crs,
                                          "Pass e.g. 'EPSG:32632' (UTM zone 32N).")) from None
    if bbox is not None:
        bbox = _check_bbox(bbox, "bbox")
    if parsed.is_geographic and resolution >= 1:
        raise ValueError(
            f"resolution={resolution:g} is in the units of crs={crs!r}, which are degrees: pixels "
            f"{resolution:g} degrees (about {resolution * 111:,.0f} km north-south), so the area "
            "would be a pixel or two of no data. "
            "For pixel sizes in metres use a projected CRS, e.g. the UTM zone "
            "crs='EPSG:32632' with resolution=20; or give degrees, e.g. resolution=0.0002 "
            "(about 20 m north-south).")
    footprints = [it.bbox for it in items if getattr(it, "bbox", None)]
    if bbox is not None and footprints and not any(
            b[0] < bbox[2] and bbox[0] < b[2] and b[1] < bbox[3] and bbox[1] < b[3]
            for b in footprints):
        shown = ", ".join(str(tuple(b)) for b in footprints[:3]) + (", ..." if len(footprints) > 3
                                                                     else "")
        raise ValueError(
            f"bbox={bbox} does not overlap any item (their boxes: {shown}), so every pixel "
            "would be no data. Give (west, south, east, north) in degrees, longitude "
            "first, or bbox=None for the items' footprint.")
    boxes = [bbox] if bbox is not None else footprints
    if boxes:
        west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
        east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
        left, bottom, right, top = transform_bounds("EPSG:4326", parsed, west, south, east, north)
        cols, rows = (right - left) / resolution, (top - bottom) / resolution
        if min(cols, rows) < 2:
            units = "degrees" if parsed.is_geographic else f"{parsed.linear_units}s"
            raise ValueError(
                f"resolution={resolution:g} gives a grid of {rows:.1f} x {cols:.1f} pixels over "
                f"the area {tuple(round(v, 4) for v in (west, south, east, north))} (the "
                f"resolution is in the units of crs={crs!r}: {units}). Use a smaller resolution "
                "(Sentinel-2 pixels are 10-60 m) or a larger bbox.")
    kwargs: dict = {"crs": crs, "resolution": resolution}
    if bbox is not None:
        kwargs["bbox"] = bbox
    return kwargs


def _check_bbox(bbox, name: str = "bbox") -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` in degrees, checked.

    >>> _check_bbox((6.0, 61.44, 6.3, 61.54))
    (6.0, 61.44, 6.3, 61.54)
    >>> _check_bbox((6.0, 61.44, 6.3))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: bbox must be 4 numbers (west, south, east, north) in degrees; got tuple of 3 ...
    """
    fix = "E.g. (6.00, 61.44, 6.30, 61.54) for Jølster."
    if isinstance(bbox, (str, bytes)) or not hasattr(bbox, "__len__") or len(bbox) != 4:
        raise ValueError(expected_message(name, "4 numbers (west, south, east, north) in degrees",
                                          bbox, fix))
    west, south, east, north = (check_number(v, name) for v in bbox)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValueError(expected_message(
            name, "(west, south, east, north) in degrees with west < east and south < north",
            tuple(bbox), f"Longitude first, then latitude. {fix}"))
    return west, south, east, north


def load_s2_dataset(items: Sequence, bbox: Sequence[float] | None = None,
                    crs: str = "EPSG:32632", resolution: float = 20,
                    bands: Sequence[str] = S2_BANDS, catalog: str = "planetary-computer",
                    groupby: str = "solar_day", chunks: dict | None = None) -> xarray.Dataset:
    """Load Sentinel-2 L2A items as the ``xarray.Dataset`` odc-stac returns, in reflectance.

    This is ``odc.stac.load`` as it comes (dimensions ``time, y, x``; ``x``/``y`` pixel-centre
    coordinates; the CRS and transform in ``spatial_ref``, so ``ds.rio.crs`` and
    ``ds.odc.geobox`` work), with three things done that a Sentinel-2 time series needs:

    * **Reflectance per processing baseline.** Items are loaded in groups of equal baseline,
      on one grid, and each group's digital numbers are converted with
      :func:`course_lib.data.sentinel2.dn_to_reflectance`: from baseline 04.00 (25 January 2022)
      ESA adds ``BOA_ADD_OFFSET`` = -1000, so reflectance = (DN - 1000) / 10000; before,
      DN / 10000. Items whose provider already removed the offset (Earth Search's
      ``earthsearch:boa_offset_applied``) are not shifted twice (baseline ``"00.00"`` here). The
      groups are then put in date order; the ``processing_baseline`` coordinate says which
      baseline each time step had.
    * **SCL kept** as ``uint8`` codes (0 = no data) for masking.
    * **Names**: variables are named as in ESA products (``B02``... ``B12``, ``SCL``) whatever the
      catalogue calls its assets; reflectances are float32 with NaN for no data.

    Every band, SCL included, is resampled with nearest neighbour, so SCL codes stay codes and
    reflectances are not smoothed. With ``chunks`` the variables are lazy Dask arrays (the
    conversion too): nothing is read until computed.

    Args:
        items: ``pystac.Item`` objects (from :func:`search`, or local ones).
        bbox: ``(west, south, east, north)`` in degrees; None = the items' footprint.
        crs: output CRS (a UTM zone suits a small area).
        resolution: output pixel size **in the units of crs** (odc-stac's rule): metres for
            UTM. A geographic CRS with a resolution of 1 or more, or any grid of fewer than
            2 x 2 pixels, is refused with the fix.
        bands: course band names (keys of the catalogue's asset map).
        catalog: which asset names to use (a key of :data:`CATALOGS`).
        groupby: odc-stac grouping of items into time steps (``"solar_day"`` merges tiles).
        chunks: e.g. ``{"x": 512, "y": 512}`` for lazy Dask arrays.

    Returns:
        The Dataset: one float32 variable per band, ``SCL`` (uint8), coordinates ``time``,
        ``y``, ``x``, ``spatial_ref`` and ``processing_baseline`` (along time); ``attrs`` name
        the source and the item ids. :func:`s2_rasters` turns it into the course's Rasters.
    """
    import odc.stac
    import xarray as xr

    from course_lib.data.sentinel2 import dn_to_reflectance

    items = list(items)
    if not items:
        raise ValueError("No items to load: the search found nothing; widen the dates, the "
                         "box or max_cloud.")
    assets = _catalog(catalog)["s2_assets"]
    unknown = [b for b in bands if b not in assets]
    if unknown:
        raise ValueError(f"Unknown bands {unknown}; choose from {[b for b in assets if b != 'SCL']}.")
    grid = _check_grid(items, bbox, crs, resolution)
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(offset_baseline(item), []).append(item)
    renames = {assets[b]: b for b in (*bands, "SCL") if assets[b] != b}
    # one grid for all the groups, over all the items (a lazy load reads no pixel)
    geobox = odc.stac.load(items, bands=[assets["SCL"]], chunks={}, **grid).odc.geobox
    parts = []
    for baseline, group in sorted(groups.items()):
        ds = odc.stac.load(group, bands=[assets[b] for b in (*bands, "SCL")], groupby=groupby,
                           chunks=chunks, resampling="nearest", geobox=geobox).rename(renames)
        decode = "02.00" if baseline == "00.00" else baseline     # offset already removed
        for band in bands:
            ds[band] = xr.apply_ufunc(dn_to_reflectance, ds[band], kwargs={
                "processing_baseline": decode}, dask="parallelized", output_dtypes=[np.float32],
            ).assign_attrs(units="reflectance", nodata=np.nan)
        parts.append(ds.assign_coords(processing_baseline=("time", [baseline] * ds.sizes["time"])))
    ds = parts[0] if len(parts) == 1 else xr.concat(parts, dim="time").sortby("time")
    return ds.assign_attrs(source=f"Sentinel-2 L2A via STAC ({catalog})",
                           item_ids=[it.id for it in items])


def s2_rasters(ds: xarray.Dataset, bands: Sequence[str] | None = None) -> tuple[Raster, Raster]:
    """The course's ``(reflectance, scl)`` Rasters from a :func:`load_s2_dataset` Dataset.

    Nothing but :meth:`Raster.from_xarray <course_lib.data.raster.Raster.from_xarray>` on the
    bands stacked along ``band`` (``ds[bands].to_dataarray("band")``) and on ``ds["SCL"]``:
    the same numbers; the grid becomes the affine transform of the pixels' corners, the dates
    become days. A lazy (Dask) Dataset is computed here.

    Args:
        ds: from :func:`load_s2_dataset`.
        bands: which reflectance variables, in order; None = all but SCL, as loaded.

    Returns:
        ``(reflectance, scl)``: ``(time, bands, rows, cols)`` float32 with
        ``attrs["processing_baselines"]``, and ``(time, 1, rows, cols)`` uint8 ``SCL``.
    """
    import xarray as xr

    if not isinstance(ds, xr.Dataset) or "SCL" not in ds.data_vars:
        raise TypeError(expected_message("ds", "the Dataset of load_s2_dataset (bands and SCL)",
                                         ds, "Load it with stac.load_s2_dataset(items, ...)."))
    bands = [str(v) for v in ds.data_vars if v != "SCL"] if bands is None else list(bands)
    reflectance = Raster.from_xarray(ds[bands].to_dataarray("band"))
    reflectance.attrs.update(units="reflectance",
                             processing_baselines=ds["processing_baseline"].values.tolist())
    scl = Raster.from_xarray(ds["SCL"])
    scl.attrs = {"source": ds.attrs.get("source", ""), "classes": "Sen2Cor SCL"}
    return reflectance, scl


def load_s2(items: Sequence, bbox: Sequence[float] | None = None, crs: str = "EPSG:32632",
            resolution: float = 20, bands: Sequence[str] = S2_BANDS,
            catalog: str = "planetary-computer", groupby: str = "solar_day",
            chunks: dict | None = None) -> tuple[Raster, Raster]:
    """Load Sentinel-2 L2A items as reflectance plus SCL Rasters, on one grid.

    ``s2_rasters(load_s2_dataset(...))``: the arguments, the offset per processing baseline and
    the checks are those of :func:`load_s2_dataset`; with ``chunks`` the loading is lazy and
    the Rasters hold the computed values of the requested box.

    Returns:
        ``(reflectance, scl)``: Rasters ``(time, len(bands), rows, cols)`` float32 and
        ``(time, 1, rows, cols)`` uint8, with ``attrs["processing_baselines"]``.
    """
    ds = load_s2_dataset(items, bbox=bbox, crs=crs, resolution=resolution, bands=bands,
                         catalog=catalog, groupby=groupby, chunks=chunks)
    return s2_rasters(ds, bands)


def load_s1_dataset(items: Sequence, bbox: Sequence[float] | None = None,
                    crs: str = "EPSG:32632", resolution: float = 20,
                    catalog: str = "planetary-computer", groupby: str = "solar_day",
                    chunks: dict | None = None) -> xarray.Dataset:
    """Load Sentinel-1 RTC items as the odc-stac Dataset: linear ``VV`` and ``VH`` backscatter.

    Planetary Computer's ``sentinel-1-rtc`` is gamma0, radiometrically terrain-corrected, in
    linear units; zero and negative values (no data in the product) become NaN. The
    ``orbit_state`` coordinate (``sat:orbit_state`` of the items) gives each time step's orbit
    direction, so ascending and descending can be composited apart, as in notebook 02. Grid
    arguments and checks as in :func:`load_s2_dataset`.
    """
    import odc.stac

    items = list(items)
    if not items:
        raise ValueError("No Sentinel-1 items to load; widen the dates or the box.")
    assets = _catalog(catalog)["s1_assets"]
    if not assets:
        raise ValueError(f"The {catalog!r} catalogue is not set up for Sentinel-1.")
    ds = odc.stac.load(items, bands=[assets[b] for b in S1_BANDS], groupby=groupby,
                       chunks=chunks, dtype="float32", **_check_grid(items, bbox, crs, resolution))
    ds = ds.rename({assets[b]: b for b in S1_BANDS if assets[b] != b})
    ds = ds.where(ds > 0).astype(np.float32)
    by_day = {np.datetime64(it.datetime.date() if it.datetime else "NaT", "D"):
              it.properties.get("sat:orbit_state", "unknown") for it in items}
    orbits = [by_day.get(d, "unknown") for d in ds.time.values.astype("datetime64[D]")]
    return ds.assign_coords(orbit_state=("time", orbits)).assign_attrs(
        source=f"Sentinel-1 RTC via STAC ({catalog})", units="linear gamma0")


def load_s1(items: Sequence, bbox: Sequence[float] | None = None, crs: str = "EPSG:32632",
            resolution: float = 20, catalog: str = "planetary-computer",
            groupby: str = "solar_day", chunks: dict | None = None) -> Raster:
    """Load Sentinel-1 RTC items as a linear ``VV, VH`` Raster ``(time, 2, rows, cols)``.

    :func:`load_s1_dataset` then :meth:`Raster.from_xarray
    <course_lib.data.raster.Raster.from_xarray>`; ``attrs["orbit_state"]`` lists each time
    step's orbit direction.
    """
    ds = load_s1_dataset(items, bbox=bbox, crs=crs, resolution=resolution, catalog=catalog,
                         groupby=groupby, chunks=chunks)
    raster = Raster.from_xarray(ds[list(S1_BANDS)].to_dataarray("band"))
    raster.attrs["orbit_state"] = ds["orbit_state"].values.tolist()
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
