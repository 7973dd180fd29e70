"""Landslides of 30 July 2019: debris flows and debris slides that run downslope.

Each landslide starts on a steep (> 30 degrees), vegetated slope, where the rain field of the
storm is strong, and follows the D8 steepest-descent path of the DEM (O'Callaghan & Mark
1984): an elongated **scar** (vegetation and soil stripped) down the slope, then a wider
**deposit** where the ground flattens (debris flows deposit below about 12-15 degrees; Hungr
et al. 2014 classification; Rickenmann 1999 on run-out) or where a short debris slide stops.

Sizes are heavy-tailed, as landslide inventories are (Malamud et al. 2004): a magnitude
``m`` is drawn from a Pareto distribution and sets the width and the maximum run-out, so most
slides cover a few pixels and a few reach the valley floor over hundreds of metres.
Deposits are "light" (rock-rich) or "dark" (wet, organic-rich), as the paper describes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from course_lib.data.study_area.fields import smooth_noise
from course_lib.data.study_area.landcover import LANDCOVER_CODES
from course_lib.data.study_area.landscape import Landscape
from course_lib.data.study_area.params import StudyAreaParams

SCAR, DEPOSIT = 1, 2
INITIATION_MIN_SLOPE = 30.0
DEPOSITION_SLOPE = 12.0
_INITIATION_COVER = (LANDCOVER_CODES["alpine_scrub"], LANDCOVER_CODES["spruce_forest"],
                     LANDCOVER_CODES["birch_forest"])


@dataclass
class LandslideSet:
    """Raster and tabular description of the simulated landslides."""

    ids: np.ndarray                   # uint16 (rows, cols), 0 = no landslide
    parts: np.ndarray                 # uint8, 0 none, 1 scar, 2 deposit
    records: list[dict] = field(default_factory=list)

    @property
    def mask(self) -> np.ndarray:
        return (self.ids > 0).astype(np.uint8)


_DISK_CACHE: dict[float, tuple[np.ndarray, np.ndarray]] = {}


def _disk(radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Row and column offsets of the pixels within ``radius`` (always the centre)."""
    key = round(radius * 4) / 4
    if key not in _DISK_CACHE:
        k = int(np.ceil(key))
        dr, dc = np.mgrid[-k:k + 1, -k:k + 1]
        keep = dr**2 + dc**2 <= max(key, 0.0) ** 2 + 1e-9
        _DISK_CACHE[key] = (dr[keep], dc[keep])
    return _DISK_CACHE[key]


def _paint(points: np.ndarray, radii: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Flat indices of the union of disks centred on ``points`` (n, 2) with ``radii``."""
    out = []
    for (r, c), rad in zip(points, radii):
        dr, dc = _disk(float(rad))
        rr, cc = r + dr, c + dc
        ok = (rr >= 0) & (rr < shape[0]) & (cc >= 0) & (cc < shape[1])
        out.append(rr[ok] * shape[1] + cc[ok])
    return np.unique(np.concatenate(out)) if out else np.array([], dtype=np.int64)


def routing_surface(dem: np.ndarray) -> np.ndarray:
    """The DEM lightly smoothed (sigma 1 pixel), on which debris paths are traced."""
    return ndimage.gaussian_filter(dem.astype(np.float64), 1.0)


_D8_STEPS = np.array([(-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)])
_D8_DIST = np.hypot(_D8_STEPS[:, 0], _D8_STEPS[:, 1])


def trace_debris_path(surface: np.ndarray, start: tuple[int, int], max_steps: int,
                      max_climb_steps: int = 30) -> np.ndarray:
    """Steepest descent (D8, O'Callaghan & Mark 1984) from ``start``, over small pits.

    Each step goes to the unvisited neighbour with the largest drop per distance. In a pit
    (no lower neighbour) the flow fills it and spills over: it steps to the lowest unvisited
    neighbour, at most ``max_climb_steps`` times in a row, which is what depression filling
    would do for a plain D8 path. Stops at the grid edge.
    """
    rows, cols = surface.shape
    r, c = start
    path = [(r, c)]
    visited = {(r, c)}
    climbs = 0
    for _ in range(max_steps):
        nr, nc = r + _D8_STEPS[:, 0], c + _D8_STEPS[:, 1]
        ok = (nr >= 0) & (nr < rows) & (nc >= 0) & (nc < cols)
        if not ok.all():
            break
        drop = (surface[r, c] - surface[nr, nc]) / _D8_DIST
        for k in range(8):
            if (nr[k], nc[k]) in visited:
                drop[k] = -np.inf
        k = int(np.argmax(drop))
        if not np.isfinite(drop[k]):
            break
        climbs = climbs + 1 if drop[k] <= 0 else 0
        if climbs > max_climb_steps:
            break
        r, c = int(nr[k]), int(nc[k])
        path.append((r, c))
        visited.add((r, c))
    return np.asarray(path)


def _path_length_m(path: np.ndarray, resolution: float) -> float:
    """Length of a pixel path in metres (diagonal steps count sqrt(2) pixels).

    >>> _path_length_m(np.array([[0, 0], [1, 1], [1, 2]]), 10.0)
    24.14
    """
    steps = np.diff(path, axis=0)
    return round(float(np.hypot(steps[:, 0], steps[:, 1]).sum() * resolution), 2)


def _magnitude(rng: np.random.Generator) -> float:
    """Heavy-tailed landslide magnitude: Pareto with tail index 1.3, between 1 and 60."""
    return float(np.clip((1.0 - rng.uniform()) ** (-1.0 / 1.3), 1.0, 60.0))


def _shape_slide(path: np.ndarray, slope_deg: np.ndarray, water: np.ndarray, kind: str,
                 m: float, size_scale: float, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split a flow path into scar and deposit points with their disk radii (pixels)."""
    slopes = slope_deg[path[:, 0], path[:, 1]]
    r0 = (0.2 + 0.55 * np.sqrt(m)) * size_scale   # radius < 1 pixel: a one-pixel track
    if kind == "debris flow":
        max_scar = max(3, int((2 + 10 * m) * size_scale))
        flat = np.nonzero((slopes < DEPOSITION_SLOPE) & (np.arange(len(path)) >= 3))[0]
        n_scar = min(max_scar, int(flat[0]) if flat.size else len(path), len(path))
        n_dep = max(2, int((5.0 * np.sqrt(m) - 1) * size_scale))
    else:
        n_scar = min(len(path), max(2, int((1 + 2.5 * m**0.8) * size_scale)))
        n_dep = max(1, int((0.5 + 1.5 * np.sqrt(m)) * size_scale))
    n_scar = max(1, n_scar)
    scar = path[:n_scar]
    deposit = path[n_scar:n_scar + n_dep]
    if deposit.size:
        dry = ~water[deposit[:, 0], deposit[:, 1]]
        # Debris that reaches the lake or a river is carried away: stop at the shore.
        stop = np.nonzero(~dry)[0]
        deposit = deposit[:stop[0]] if stop.size else deposit
    along = np.linspace(0, 1, len(scar))
    wiggle = 1 + 0.2 * rng.standard_normal(len(scar))
    scar_r = np.clip(r0 * (1.15 - 0.25 * along + 0.35 * along**2) * wiggle, 0.0, None)
    if r0 >= 1:
        scar_r[: min(3, len(scar_r))] *= 1.2  # the head scarp is wider than the track
    along_d = np.linspace(0, 1, max(len(deposit), 1))[: len(deposit)]
    fan = 1.4 if kind == "debris flow" else 0.6   # flows spread into fans
    dep_r = r0 * (1.0 + fan * np.sqrt(along_d)) + 0.1
    return scar, scar_r, deposit, dep_r


def make_landslides(land: Landscape, landcover: np.ndarray, slope_deg: np.ndarray,
                    aspect_deg: np.ndarray, params: StudyAreaParams,
                    rng: np.random.Generator, count: int | None = None,
                    big_one_near_town: bool = True) -> LandslideSet:
    """Trigger ``count`` (default ``params.n_landslides``) landslides and rasterise them.

    With ``big_one_near_town`` the first is a large debris flow on the slope above the town
    (like Vassenden).
    """
    n_slides = params.n_landslides if count is None else count
    shape = land.dem.shape
    n = params.size
    ids = np.zeros(shape, dtype=np.uint16)
    parts = np.zeros(shape, dtype=np.uint8)
    records: list[dict] = []
    if n_slides == 0:
        return LandslideSet(ids, parts, records)

    surface = routing_surface(land.dem)
    road_distance = ndimage.distance_transform_edt(~land.road) * params.resolution \
        if land.road.any() else np.full(shape, np.inf)
    water = land.lake | land.river
    e = land.effective_elevation
    rain = smooth_noise(rng, shape, correlation_px=max(3.0, 160 * params.scale))
    near_water_or_road = ndimage.binary_dilation(water | land.road, iterations=2)
    candidate = ((slope_deg > INITIATION_MIN_SLOPE) & (slope_deg < 52)
                 & np.isin(landcover, _INITIATION_COVER) & (e > 250) & (e < 950)
                 & ~near_water_or_road)
    cand_idx = np.flatnonzero(candidate)
    if cand_idx.size == 0:
        raise RuntimeError("No steep vegetated slopes to start landslides on; the terrain "
                           "parameters leave none. Try another seed or a larger size.")
    # Heavier rain and lower, soil-covered valley sides make failures more likely.
    weight = (np.exp(0.9 * rain.ravel()[cand_idx]) * (slope_deg.ravel()[cand_idx] - 28.0)
              * np.exp(-(e.ravel()[cand_idx] - 250.0) / 350.0))
    weight /= weight.sum()
    order = rng.choice(cand_idx.size, size=min(cand_idx.size, 40 * n_slides + 200),
                       replace=False, p=weight)
    queue = list(cand_idx[order])

    # The first one is the big one near the town (like Vassenden, subplot C).
    tr, tc = land.town_center
    rr, cc = np.unravel_index(cand_idx, shape)
    town_dist = np.hypot(rr - tr, cc - tc) * params.resolution / params.scale
    near_town = cand_idx[(town_dist < 2200) & (e.ravel()[cand_idx] > 600)]
    forced_big = None
    if near_town.size and big_one_near_town:
        forced_big = int(near_town[np.argmin(np.hypot(*np.unravel_index(near_town, shape)
                                                      - np.array([[tr], [tc]])))])
        queue.insert(0, forced_big)

    min_sep = max(3.0, 10.0 * params.scale)
    starts: list[tuple[int, int]] = []
    for start in queue:
        if len(records) >= n_slides:
            break
        r, c = divmod(int(start), n)
        if ids[r, c] or any(abs(r - a) < min_sep and abs(c - b) < min_sep for a, b in starts):
            continue
        big = start == forced_big and not records
        kind = "debris flow" if (big or rng.uniform() < 0.65) else "debris slide"
        m = 45.0 if big else _magnitude(rng)
        path = trace_debris_path(surface, (r, c), max_steps=int(400 * max(params.scale, 0.25)))
        scar, scar_r, deposit, dep_r = _shape_slide(path, slope_deg, water, kind, m,
                                                     params.landslide_size_scale, rng)
        scar_px = _paint(scar, scar_r, shape)
        dep_px = _paint(deposit, dep_r, shape) if len(deposit) else np.array([], dtype=np.int64)
        dep_px = np.setdiff1d(dep_px, scar_px)
        dep_px = dep_px[~water.ravel()[dep_px]]
        scar_px = scar_px[~water.ravel()[scar_px]]
        all_px = np.concatenate([scar_px, dep_px])
        if all_px.size < 3 or (ids.ravel()[all_px] > 0).mean() > 0.1:
            continue
        slide_id = len(records) + 1
        scar_px = scar_px[ids.ravel()[scar_px] == 0]
        dep_px = dep_px[ids.ravel()[dep_px] == 0]
        if scar_px.size + dep_px.size < 3:      # too small to map from 10 m pixels
            continue
        ids.ravel()[scar_px] = slide_id
        ids.ravel()[dep_px] = slide_id
        parts.ravel()[scar_px] = SCAR
        parts.ravel()[dep_px] = DEPOSIT
        starts.append((r, c))
        covered = landcover.ravel()[np.concatenate([scar_px, dep_px])]
        end = deposit[-1] if len(deposit) else scar[-1]
        records.append({
            "id": slide_id,
            "type": kind,
            "magnitude": round(m, 3),
            "init_row": r, "init_col": c,
            "init_elevation_m": float(land.dem[r, c]),
            "init_slope_deg": float(slope_deg[r, c]),
            "init_aspect_deg": float(aspect_deg[r, c]),
            "end_elevation_m": float(land.dem[end[0], end[1]]),
            "runout_m": _path_length_m(np.concatenate([scar, deposit]), params.resolution),
            "n_scar_px": int(scar_px.size),
            "n_deposit_px": int(dep_px.size),
            "deposit_tone": "light" if rng.uniform() < 0.5 else "dark",
            "reaches_agriculture": bool((covered == LANDCOVER_CODES["agriculture"]).any()),
            "reaches_road": bool((covered == LANDCOVER_CODES["road"]).any()),
            "road_distance_m": round(float(road_distance.ravel()[
                np.concatenate([scar_px, dep_px])].min()), 1),
            "forest_fraction": float(np.isin(covered, (5, 6)).mean()),
            "near_town": bool(big),
        })
    return LandslideSet(ids, parts, records)
