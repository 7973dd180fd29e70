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

from course_lib.simulator.fields import smooth_noise
from course_lib.simulator.landcover import LANDCOVER_CODES
from course_lib.simulator.landscape import Landscape
from course_lib.simulator.params import StudyAreaParams

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
    flat = surface.ravel()
    r, c = int(start[0]), int(start[1])
    path = [(r, c)]
    visited = {r * cols + c}
    climbs = 0
    steps = [(int(dr), int(dc), float(d)) for (dr, dc), d in zip(_D8_STEPS, _D8_DIST)]
    for _ in range(max_steps):
        if r == 0 or c == 0 or r == rows - 1 or c == cols - 1:
            break
        here = flat[r * cols + c]
        best_drop, best = -np.inf, None
        for dr, dc, dist in steps:
            idx = (r + dr) * cols + c + dc
            if idx in visited:
                continue
            drop = (here - flat[idx]) / dist
            if drop > best_drop:
                best_drop, best = drop, (r + dr, c + dc, idx)
        if best is None:
            break
        climbs = climbs + 1 if best_drop <= 0 else 0
        if climbs > max_climb_steps:
            break
        r, c, idx = best
        path.append((r, c))
        visited.add(idx)
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


def reach_tangent(volume_m3: float, kind: str) -> float:
    """Tangent of the travel angle (Fahrböschung) H / L for a landslide of ``volume_m3``.

    Corominas (1996, *Can. Geotech. J.* 33:260-271) fitted the angle of reach of debris
    flows as ``H / L = 0.97 V^-0.105`` (V in m3): bigger flows travel further for the same
    drop. Flows channelised in gullies, as most in western Norway are, travel further than
    that mean line (his channelised cases lie below it): we use 0.85 times it. Debris slides
    are less mobile: 1.2 times it. Clipped to 12-35 degrees.

    >>> round(reach_tangent(1e3, "debris flow"), 3), round(reach_tangent(1e5, "debris flow"), 3)
    (0.399, 0.246)
    """
    tan = 0.97 * float(volume_m3) ** -0.105 * (0.85 if kind == "debris flow" else 1.2)
    return float(np.clip(tan, np.tan(np.radians(12.0)), np.tan(np.radians(35.0))))


def _volume(m: float, size_scale: float) -> float:
    """Volume (m3) of a landslide of magnitude ``m``: 400 m3 at m = 1, ~4e5 m3 at m = 45."""
    return 400.0 * (m * size_scale**2) ** 1.8


def runout_end(path: np.ndarray, dem: np.ndarray, resolution: float, tan_reach: float,
               min_steps: int = 3) -> int:
    """Index of the path point where the slide stops: where H / L first falls below
    ``tan_reach`` (H the drop from the start, L the distance travelled along the path).

    >>> z = np.array([[100.0, 80.0, 60.0, 50.0, 48.0, 47.0, 46.5]])
    >>> path = np.array([[0, i] for i in range(7)])
    >>> runout_end(path, z, 10.0, 1.1)
    5
    """
    z = dem[path[:, 0], path[:, 1]].astype(np.float64)
    steps = np.hypot(*np.diff(path, axis=0).T) * resolution
    length = np.concatenate([[0.0], np.cumsum(steps)])
    drop = z[0] - z
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(length > 0, drop / length, np.inf)
    below = np.nonzero((ratio < tan_reach) & (np.arange(len(path)) >= min_steps))[0]
    return int(below[0]) if below.size else len(path) - 1


def _path_slope_deg(path: np.ndarray, dem: np.ndarray, resolution: float,
                    half_window: int = 3) -> np.ndarray:
    """Slope (degrees) along a path, over +-``half_window`` steps: the gradient the debris
    feels, without the pixel-scale roughness of the DEM.

    >>> z = np.array([[30.0, 20.0, 10.0, 10.0, 10.0]])
    >>> _path_slope_deg(np.array([[0, i] for i in range(5)]), z, 10.0, 1).round(1).tolist()
    [45.0, 45.0, 26.6, 0.0, 0.0]
    """
    z = dem[path[:, 0], path[:, 1]].astype(np.float64)
    steps = np.hypot(*np.diff(path, axis=0).T) * resolution if len(path) > 1 else np.zeros(0)
    length = np.concatenate([[0.0], np.cumsum(steps)])
    idx = np.arange(len(path))
    lo = np.clip(idx - half_window, 0, len(path) - 1)
    hi = np.clip(idx + half_window, 0, len(path) - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = np.where(hi > lo, (z[lo] - z[hi]) / (length[hi] - length[lo]), 0.0)
    return np.degrees(np.arctan(np.maximum(grad, 0.0)))


def _shape_slide(path: np.ndarray, dem: np.ndarray, slope_deg: np.ndarray,
                 water: np.ndarray, kind: str, m: float, size_scale: float,
                 resolution: float, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Split a flow path into scar and deposit points with their disk radii (pixels).

    The slide travels until its travel angle (:func:`reach_tangent`) is used up. A debris
    flow erodes (scar) down to where the ground flattens below ``DEPOSITION_SLOPE`` and
    deposits beyond, spreading into a fan with lobes on the flat ground; a slide that stops
    on the slope leaves its last third as deposit. Debris that reaches a lake or river is
    carried away. Returns ``(scar, scar_r, deposit, dep_r, travelled, tan_reach)`` where
    ``travelled`` is the centre line from the start to where the debris stopped.
    """
    tan_reach = reach_tangent(_volume(m, size_scale), kind)
    n_end = runout_end(path, dem, resolution, tan_reach) + 1
    path = path[:n_end]
    slopes = _path_slope_deg(path, dem, resolution)
    r0 = (0.2 + 0.55 * np.sqrt(m)) * size_scale   # radius < 1 pixel: a one-pixel track
    limit = DEPOSITION_SLOPE if kind == "debris flow" else 22.0
    flat = np.nonzero((slopes < limit) & (np.arange(len(path)) >= 3))[0]
    if flat.size and flat[0] < len(path) - 1:
        n_scar = int(flat[0])
    else:
        n_scar = max(1, int(round(0.67 * len(path))))
    scar = path[:n_scar]
    deposit = path[n_scar:]
    if deposit.size:
        stop = np.nonzero(water[deposit[:, 0], deposit[:, 1]])[0]
        deposit = deposit[:stop[0]] if stop.size else deposit
    travelled = np.concatenate([scar, deposit]) if len(deposit) else scar
    along = np.linspace(0, 1, len(scar))
    wiggle = 1 + 0.2 * rng.standard_normal(len(scar))
    scar_r = np.clip(r0 * (1.15 - 0.25 * along + 0.35 * along**2) * wiggle, 0.0, None)
    if r0 >= 1:
        scar_r[: min(3, len(scar_r))] *= 1.2  # the head scarp is wider than the track
    along_d = np.linspace(0, 1, max(len(deposit), 1))[: len(deposit)]
    fan = 1.4 if kind == "debris flow" else 0.6   # flows spread into fans
    dep_r = r0 * (1.0 + fan * np.sqrt(along_d)) * (1 + 0.15 * rng.standard_normal(
        len(deposit))) + 0.1
    if kind == "debris flow" and len(deposit) >= 4:
        # Lobes: the fan splits into two or three tongues that spread sideways on the flat
        # ground (surge fronts and levees; Hungr et al. 2014; Iverson 1997).
        start = max(1, len(deposit) // 3)
        direction = deposit[-1] - deposit[start]
        norm = np.hypot(*direction)
        side = np.array([-direction[1], direction[0]]) / norm if norm else np.array([0, 1])
        extra_pts, extra_r = [], []
        for _ in range(int(rng.integers(2, 4))):
            offset = rng.uniform(-1, 1) * (1.5 + r0)
            reach = rng.uniform(0.3, 0.8)
            for k in range(start, len(deposit)):
                f = (k - start) / max(1, len(deposit) - 1 - start)
                p = deposit[k] + side * offset * f + (deposit[-1] - deposit[start]) * reach * f
                extra_pts.append(np.round(p).astype(int))
                extra_r.append(max(0.5, r0 * (0.9 - 0.5 * f)))
        lobes = np.asarray(extra_pts)
        ok = ((lobes[:, 0] >= 0) & (lobes[:, 0] < water.shape[0]) & (lobes[:, 1] >= 0)
              & (lobes[:, 1] < water.shape[1]))
        lobes, lobe_r = lobes[ok], np.asarray(extra_r)[ok]
        dry = ~water[lobes[:, 0], lobes[:, 1]] & (slope_deg[lobes[:, 0], lobes[:, 1]] < 20)
        deposit = np.concatenate([deposit, lobes[dry]])
        dep_r = np.concatenate([dep_r, lobe_r[dry]])
    return scar, scar_r, deposit, dep_r, travelled, tan_reach


BIG_MAGNITUDE = 45.0


def _pick_big_start(candidates: np.ndarray, land: Landscape, surface: np.ndarray,
                    slope_deg: np.ndarray, water: np.ndarray, params: StudyAreaParams) -> int:
    """The start above the town whose large debris flow crosses a road and gets nearest the
    town (like Vassenden, where the 2019 flow crossed the E39 into the edge of the village).

    Tries up to 30 candidates nearest the town; the choice is deterministic.
    """
    shape = land.dem.shape
    n = shape[0]
    tr, tc = land.town_center
    rr, cc = np.unravel_index(candidates, shape)
    nearest = candidates[np.argsort(np.hypot(rr - tr, cc - tc), kind="stable")[:30]]
    town_dist = ndimage.distance_transform_edt(~land.town) if land.town.any() else \
        np.hypot(*(np.indices(shape) - np.array([tr, tc])[:, None, None]))
    road_near = ndimage.binary_dilation(land.road, iterations=1)
    best, best_score = int(nearest[0]), np.inf
    for start in nearest:
        r, c = divmod(int(start), n)
        path = trace_debris_path(surface, (r, c), max_steps=int(400 * max(params.scale, 0.25)))
        _, _, _, _, travelled, _ = _shape_slide(path, land.dem, slope_deg, water,
                                                "debris flow", BIG_MAGNITUDE,
                                                params.landslide_size_scale, params.resolution,
                                                np.random.default_rng(0))
        edge = min(r, c, n - 1 - r, n - 1 - c) * params.resolution
        if edge < _path_length_m(travelled, params.resolution):
            continue
        crosses = road_near[travelled[:, 0], travelled[:, 1]].any()
        score = float(town_dist[travelled[:, 0], travelled[:, 1]].min()) + (0 if crosses
                                                                            else 1000.0)
        if score < best_score:
            best, best_score = int(start), score
    return best


def make_landslides(land: Landscape, landcover: np.ndarray, slope_deg: np.ndarray,
                    aspect_deg: np.ndarray, params: StudyAreaParams,
                    rng: np.random.Generator, count: int | None = None,
                    big_one_near_town: bool = True) -> LandslideSet:
    """Trigger ``count`` (default ``params.landslide_count``) landslides and rasterise them.

    With ``big_one_near_town`` the first is a large debris flow on the slope above the town
    (like Vassenden). A slide whose start lies closer to the grid edge than its own run-out
    length is rejected (its path could have left the mapped area), so no slide is cut by the
    edge of the world.
    """
    n_slides = params.landslide_count if count is None else count
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
              * np.exp(-(e.ravel()[cand_idx] - 250.0) / 700.0))
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
        forced_big = _pick_big_start(near_town, land, surface, slope_deg, water, params)
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
        m = BIG_MAGNITUDE if big else _magnitude(rng)
        path = trace_debris_path(surface, (r, c), max_steps=int(400 * max(params.scale, 0.25)))
        scar, scar_r, deposit, dep_r, travelled, tan_reach = _shape_slide(
            path, land.dem, slope_deg, water, kind, m, params.landslide_size_scale,
            params.resolution, rng)
        scar_px = _paint(scar, scar_r, shape)
        dep_px = _paint(deposit, dep_r, shape) if len(deposit) else np.array([], dtype=np.int64)
        dep_px = np.setdiff1d(dep_px, scar_px)
        dep_px = dep_px[~water.ravel()[dep_px]]
        scar_px = scar_px[~water.ravel()[scar_px]]
        all_px = np.concatenate([scar_px, dep_px])
        if all_px.size < 3 or (ids.ravel()[all_px] > 0).mean() > 0.1:
            continue
        runout_m = _path_length_m(travelled, params.resolution)
        edge_m = min(r, c, n - 1 - r, n - 1 - c) * params.resolution
        pr, pc = np.divmod(all_px, n)
        if edge_m < runout_m or pr.min() == 0 or pc.min() == 0 or pr.max() == n - 1 \
                or pc.max() == n - 1:
            continue   # too close to the edge: the real slide might run out of the area
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
        end = travelled[-1]
        records.append({
            "id": slide_id,
            "type": kind,
            "magnitude": round(m, 3),
            "init_row": r, "init_col": c,
            "init_elevation_m": float(land.dem[r, c]),
            "init_slope_deg": float(slope_deg[r, c]),
            "init_aspect_deg": float(aspect_deg[r, c]),
            "end_elevation_m": float(land.dem[end[0], end[1]]),
            "runout_m": runout_m,
            "travel_angle_deg": round(float(np.degrees(np.arctan(tan_reach))), 2),
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
