"""Terrain derivatives from a DEM: slope, aspect, hillshade, cast shadows, D8 flow paths.

Arrays are 2-D ``(rows, cols)`` on a north-up grid: row 0 is the northern edge and columns
increase eastwards (the usual GeoTIFF layout with a negative ``transform.e``). ``resolution``
is the pixel size in metres (square pixels).

Conventions (the same as GDAL ``gdaldem`` and ArcGIS):

* **slope** in degrees from horizontal, 0-90;
* **aspect** in degrees clockwise from north, the direction the slope *faces* (the steepest
  downhill direction): 0 = north-facing, 90 = east-facing, 180 = south, 270 = west. Flat cells
  have no aspect and get NaN;
* **hillshade** = cos(i), the cosine of the solar incidence angle on the sloping surface,
  clipped to 0-1 (multiply by 255 for the 8-bit picture GDAL makes).

Gradients use Horn's (1981) 3 x 3 weighted finite differences, like ``gdaldem``; edge cells
are extrapolated linearly. Sources: Horn, B.K.P. (1981) "Hill shading and the reflectance
map", Proc. IEEE 69(1); Burrough & McDonnell (1998) *Principles of GIS*, ch. 8; the solar
position follows the NOAA low-accuracy formulas (Spencer 1971 declination and equation of
time), good to a few tenths of a degree, plenty for illumination.
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
from scipy import ndimage

from course_lib.validation import as_array, check_bool, check_integer, check_number

__all__ = [
    "gradient",
    "slope",
    "aspect",
    "slope_aspect",
    "illumination",
    "hillshade",
    "cast_shadow",
    "solar_position",
    "d8_next_pixel",
    "trace_flow_path",
]

# Horn kernels for d/dx (east) and d/dy (north) on a north-up grid, divided by 8 * resolution.
_KX = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64)
_KY = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=np.float64)


#: Pixel sizes below this many metres are taken for degrees of a geographic CRS (1 arc-second
#: is 0.00028 degrees); the finest DEMs (drone photogrammetry) have about 1-5 cm pixels.
MIN_RESOLUTION_M = 0.01


def gradient(dem: np.ndarray, resolution: float) -> tuple[np.ndarray, np.ndarray]:
    """Horn (1981) gradient ``(dz/dx east, dz/dy north)`` in metres per metre.

    >>> dem = np.tile(np.arange(5.0) * 10, (5, 1))   # rises 10 m per 10 m pixel eastwards
    >>> dzdx, dzdy = gradient(dem, 10.0)
    >>> float(dzdx[2, 2]), float(dzdy[2, 2])
    (1.0, 0.0)
    """
    dem = _check_dem(dem, resolution)
    # Pad by linear extrapolation (odd reflection: 2 * edge - inner), so a plane keeps its
    # gradient up to the edge; ndimage.correlate applies the kernel as written (no flip).
    padded = np.pad(dem, 1, mode="reflect", reflect_type="odd")
    dzdx = ndimage.correlate(padded, _KX)[1:-1, 1:-1] / (8.0 * resolution)
    dzdy = ndimage.correlate(padded, _KY)[1:-1, 1:-1] / (8.0 * resolution)
    return dzdx, dzdy


def slope_aspect(dem: np.ndarray, resolution: float) -> tuple[np.ndarray, np.ndarray]:
    """Slope and aspect in degrees (see the module docstring for conventions), float32.

    >>> dem = np.tile(np.arange(5.0)[:, None] * 10, (1, 5))  # rises southwards: faces north
    >>> s, a = slope_aspect(dem, 10.0)
    >>> round(float(s[2, 2]), 1), float(a[2, 2])
    (45.0, 0.0)
    """
    dzdx, dzdy = gradient(dem, resolution)
    slope_deg = np.degrees(np.arctan(np.hypot(dzdx, dzdy)))
    # Downhill direction is -grad; its azimuth is atan2(east, north) = atan2(-dzdx, -dzdy).
    aspect_deg = np.degrees(np.arctan2(-dzdx, -dzdy)) % 360.0
    aspect_deg[(dzdx == 0) & (dzdy == 0)] = np.nan
    return slope_deg.astype(np.float32), aspect_deg.astype(np.float32)


def slope(dem: np.ndarray, resolution: float) -> np.ndarray:
    """Slope in degrees from horizontal (0-90), float32."""
    return slope_aspect(dem, resolution)[0]


def aspect(dem: np.ndarray, resolution: float) -> np.ndarray:
    """Aspect in degrees clockwise from north (direction the slope faces); NaN where flat."""
    return slope_aspect(dem, resolution)[1]


def illumination(dem: np.ndarray, resolution: float, sun_azimuth: float,
                 sun_elevation: float) -> np.ndarray:
    """cos(i): cosine of the angle between the sun and the surface normal (unclipped).

    cos(i) = cos(z) cos(s) + sin(z) sin(s) cos(azimuth_sun - aspect), with z the solar
    zenith angle and s the slope. Negative values are slopes facing away from the sun
    (self-shadow).

    >>> flat = np.zeros((4, 4))
    >>> round(float(illumination(flat, 10.0, 150.0, 30.0)[0, 0]), 3)   # = sin(elevation)
    0.5
    """
    _check_sun(sun_azimuth, sun_elevation)
    dzdx, dzdy = gradient(dem, resolution)
    zen = np.radians(90.0 - sun_elevation)
    az = np.radians(sun_azimuth)
    # Same formula written with the unit normal n = (-dzdx, -dzdy, 1)/|.| and the unit
    # vector towards the sun, which avoids the undefined aspect of flat cells.
    norm = np.sqrt(1.0 + dzdx**2 + dzdy**2)
    sun_e, sun_n, sun_u = np.sin(zen) * np.sin(az), np.sin(zen) * np.cos(az), np.cos(zen)
    return ((-dzdx * sun_e - dzdy * sun_n + sun_u) / norm).astype(np.float32)


def hillshade(dem: np.ndarray, resolution: float, sun_azimuth: float = 315.0,
              sun_elevation: float = 45.0, *, cast_shadows: bool = False) -> np.ndarray:
    """Shaded relief 0-1: cos(i) clipped at 0, optionally with cast shadows set to 0.

    The defaults (315 degrees, 45 degrees) are the cartographic convention (light from the
    north-west), which makes relief easy to read. For the *real* illumination of an image pass
    the sun position of its acquisition, e.g. from :func:`solar_position`.
    """
    check_bool(cast_shadows, "cast_shadows")
    shade = np.clip(illumination(dem, resolution, sun_azimuth, sun_elevation), 0.0, 1.0)
    if cast_shadows:
        shade[cast_shadow(dem, resolution, sun_azimuth, sun_elevation)] = 0.0
    return shade


def cast_shadow(dem: np.ndarray, resolution: float, sun_azimuth: float,
                sun_elevation: float) -> np.ndarray:
    """Boolean mask of cells hidden from the sun by terrain between them and the sun.

    A ray is marched from every cell towards the sun one pixel at a time (vectorised over all
    cells); a cell is shadowed when the terrain at some step rises above the ray. The march
    stops once the ray is higher than the highest cell of the DEM.

    >>> dem = np.zeros((5, 20)); dem[:, 10] = 100.0     # a 100 m wall; the sun in the east
    >>> shadow = cast_shadow(dem, 10.0, 90.0, 60.0)     # shadow 100 / tan(60) = 58 m long
    >>> shadow[2, [3, 5, 9, 15]].tolist()
    [False, True, True, False]
    """
    _check_sun(sun_azimuth, sun_elevation)
    dem = _check_dem(dem, resolution)
    rows, cols = dem.shape
    az = np.radians(sun_azimuth)
    step_c, step_r = np.sin(az), -np.cos(az)          # one pixel towards the sun
    rise = resolution * np.tan(np.radians(sun_elevation))  # ray height gained per pixel
    relief = float(dem.max() - dem.min())
    n_steps = int(np.ceil(relief / rise)) if rise > 0 else max(rows, cols)
    n_steps = min(n_steps, rows + cols)
    shadow = np.zeros(dem.shape, dtype=bool)
    # float32 halves the memory traffic of the march (heights to 0.1 mm are plenty).
    heights = dem.astype(np.float32)
    for k in range(1, n_steps + 1):
        dr, dc = int(round(k * step_r)), int(round(k * step_c))
        if abs(dr) >= rows or abs(dc) >= cols:
            break
        # Cells (r, c) whose sun-ward sample (r + dr, c + dc) is inside the grid.
        r0, r1 = max(0, -dr), min(rows, rows - dr)
        c0, c1 = max(0, -dc), min(cols, cols - dc)
        rise_to_blocker = heights[r0 + dr:r1 + dr, c0 + dc:c1 + dc] - heights[r0:r1, c0:c1]
        # The ray climbs tan(elevation) metres per metre of the (rounded) horizontal offset.
        ray_height = np.float32(np.hypot(dr, dc) * rise)
        shadow[r0:r1, c0:c1] |= rise_to_blocker > ray_height
    return shadow


def solar_position(when: datetime, latitude: float, longitude: float) -> tuple[float, float]:
    """Sun ``(azimuth, elevation)`` in degrees for a UTC time and place (NOAA formulas).

    Azimuth is clockwise from north. Accurate to a few tenths of a degree.

    >>> az, el = solar_position(datetime(2019, 7, 30, 10, 40), 61.45, 6.3)  # S2 overpass
    >>> 155 < az < 170, 45 < el < 50
    (True, True)
    """
    when, latitude, longitude = _check_time_and_place(when, latitude, longitude)
    doy = when.timetuple().tm_yday
    hour = when.hour + when.minute / 60 + when.second / 3600
    g = 2 * np.pi / 365 * (doy - 1 + (hour - 12) / 24)  # fractional year, radians
    decl = (0.006918 - 0.399912 * np.cos(g) + 0.070257 * np.sin(g) - 0.006758 * np.cos(2 * g)
            + 0.000907 * np.sin(2 * g) - 0.002697 * np.cos(3 * g) + 0.00148 * np.sin(3 * g))
    eqtime = 229.18 * (0.000075 + 0.001868 * np.cos(g) - 0.032077 * np.sin(g)
                       - 0.014615 * np.cos(2 * g) - 0.040849 * np.sin(2 * g))  # minutes
    true_solar_minutes = hour * 60 + eqtime + 4 * longitude
    hour_angle = np.radians(true_solar_minutes / 4 - 180)
    lat = np.radians(latitude)
    cos_zen = np.sin(lat) * np.sin(decl) + np.cos(lat) * np.cos(decl) * np.cos(hour_angle)
    zen = np.arccos(np.clip(cos_zen, -1, 1))
    # Azimuth clockwise from north.
    az = np.degrees(np.arctan2(np.sin(hour_angle),
                               np.cos(hour_angle) * np.sin(lat) - np.tan(decl) * np.cos(lat)))
    return float((az + 180) % 360), float(90 - np.degrees(zen))


# D8 neighbour offsets (drow, dcol), clockwise from north.
_D8 = np.array([(-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)])


def d8_next_pixel(dem: np.ndarray) -> np.ndarray:
    """D8 steepest descent (O'Callaghan & Mark 1984): flat index of each cell's receiver.

    Each cell drains to the one of its 8 neighbours with the largest drop per distance
    (diagonals are sqrt(2) further). Cells with no lower neighbour (pits, flats, and the grid
    edge looking outwards) receive -1.

    >>> dem = np.array([[3., 2., 1.], [3., 2., 0.5], [3., 2., 1.]])
    >>> int(d8_next_pixel(dem).reshape(3, 3)[1, 1])   # the centre drains east: flat index 5
    5
    """
    dem = as_array(dem, "dem", ndim=2, kinds="iuf",
                   fix="Pass one band, e.g. raster.data[0].").astype(np.float64)
    rows, cols = dem.shape
    padded = np.pad(dem, 1, mode="constant", constant_values=np.inf)
    best_drop = np.zeros(dem.shape)
    best_k = np.full(dem.shape, -1, dtype=np.int64)
    for k, (dr, dc) in enumerate(_D8):
        neighbour = padded[1 + dr:1 + dr + rows, 1 + dc:1 + dc + cols]
        drop = (dem - neighbour) / np.hypot(dr, dc)
        better = drop > best_drop
        best_drop[better] = drop[better]
        best_k[better] = k
    rr, cc = np.indices(dem.shape)
    has = best_k >= 0
    k_safe = np.where(has, best_k, 0)
    nxt = (rr + _D8[k_safe, 0]) * cols + (cc + _D8[k_safe, 1])
    return np.where(has, nxt, -1)


def trace_flow_path(next_pixel: np.ndarray, start: tuple[int, int],
                    max_steps: int = 10_000) -> np.ndarray:
    """Follow a D8 receiver grid from ``start`` (row, col) downhill until a pit or the edge.

    Returns an ``(n, 2)`` array of (row, col), starting with ``start``.

    >>> dem = np.add.outer(np.arange(4.0), np.arange(4.0))   # lowest at the top-left
    >>> trace_flow_path(d8_next_pixel(dem), (3, 3)).tolist()
    [[3, 3], [2, 2], [1, 1], [0, 0]]
    """
    next_pixel, (r, c), max_steps = _check_flow_inputs(next_pixel, start, max_steps)
    cols = next_pixel.shape[1]
    flat = next_pixel.ravel()
    idx = r * cols + c
    path = [idx]
    for _ in range(max_steps):
        idx = int(flat[idx])
        if idx < 0:
            break
        path.append(idx)
    path_arr = np.asarray(path)
    return np.stack([path_arr // cols, path_arr % cols], axis=1)


# --------------------------------------------------------------------------- input checks
def _check_resolution(resolution: float) -> float:
    resolution = check_number(resolution, "resolution", minimum=0, min_inclusive=False,
                              units="metres", fix="Pass the pixel size in metres, e.g. "
                              "raster.resolution for a DEM in a metric CRS.")
    if resolution < MIN_RESOLUTION_M:
        raise ValueError(
            f"resolution must be the pixel size in metres; got {resolution:g}, which looks like "
            "degrees of a geographic CRS (EPSG:4326): slopes would all come out near 90 "
            "degrees. Reproject the DEM to a metric CRS first (e.g. UTM with "
            "rasterio.warp.reproject) and pass its pixel size in metres.")
    return resolution


def _check_dem(dem: np.ndarray, resolution: float) -> np.ndarray:
    dem = as_array(dem, "dem", kinds="iuf", fix="Pass one band, e.g. raster.data[0].")
    if dem.ndim != 2:
        raise ValueError(f"The DEM must be a 2-D (rows, cols) array; got shape {dem.shape}. "
                         "Pass one band, e.g. raster.data[0].")
    if dem.shape[0] < 3 or dem.shape[1] < 3:
        raise ValueError(f"The DEM needs at least 3 x 3 cells for Horn's method; got {dem.shape}. "
                         "Pass a larger area (crop with a margin around the area of interest).")
    if not np.isfinite(dem).all():
        raise ValueError("The DEM contains NaN or infinite values; fill nodata first "
                         "(e.g. with scipy.ndimage or rasterio.fill.fillnodata).")
    _check_resolution(resolution)
    return dem.astype(np.float64, copy=False)


def _check_sun(sun_azimuth: float, sun_elevation: float) -> None:
    """A sun position in degrees, above the horizon; both angles as small as radians are
    refused (a sun due north and lower than 1.6 degrees is a polar-night curiosity)."""
    azimuth = check_number(sun_azimuth, "sun_azimuth", units="degrees clockwise from north",
                           fix="E.g. 150.0 for the south-south-east (solar_position() gives it).")
    elevation = check_number(sun_elevation, "sun_elevation", minimum=0, maximum=90,
                             min_inclusive=False, units="degrees",
                             fix="A sun at or below the horizon lights nothing; the elevation "
                             "is in degrees (np.degrees() converts radians).")
    if 0 <= azimuth <= 2 * np.pi and elevation <= np.pi / 2:
        raise ValueError(f"sun_azimuth and sun_elevation must be in degrees; got {azimuth:.3g} "
                         f"and {elevation:.3g}, which look like radians. Convert both with "
                         "np.degrees(...).")


def _check_time_and_place(when, latitude, longitude) -> tuple[datetime, float, float]:
    """A naive UTC datetime (an aware one is converted) and a place in degrees."""
    if not isinstance(when, datetime):
        raise TypeError(f"when must be a datetime.datetime (UTC); got {type(when).__name__} "
                        f"{when!r}. E.g. datetime(2019, 7, 30, 10, 40).")
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    latitude = check_number(latitude, "latitude", minimum=-90, maximum=90, units="degrees",
                            fix="Degrees north, e.g. 61.45 for Jølster (latitude comes first, "
                            "then longitude).")
    longitude = check_number(longitude, "longitude", minimum=-180, maximum=360, units="degrees",
                             fix="Degrees east, e.g. 6.3 for Jølster.")
    return when, latitude, longitude


def _check_flow_inputs(next_pixel, start, max_steps) -> tuple[np.ndarray, tuple[int, int], int]:
    """A D8 receiver grid, a ``(row, col)`` start inside it and a step limit."""
    next_pixel = as_array(next_pixel, "next_pixel", ndim=2, kinds="iu",
                          fix="Pass the output of d8_next_pixel(dem).")
    max_steps = check_integer(max_steps, "max_steps", minimum=0)
    if not (isinstance(start, (tuple, list, np.ndarray)) and len(start) == 2):
        raise TypeError(f"start must be a (row, col) pair of integers; got {start!r}. E.g. "
                        "start=(10, 20).")
    r, c = (check_integer(v, f"start[{i}]") for i, v in enumerate(start))
    rows, cols = next_pixel.shape
    if not (0 <= r < rows and 0 <= c < cols):
        raise ValueError(f"start {start} is outside the grid of shape {next_pixel.shape}. "
                         f"Pass a (row, col) with row 0-{rows - 1} and col 0-{cols - 1}.")
    return next_pixel, (r, c), max_steps
