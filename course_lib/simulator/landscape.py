"""A glacially shaped landscape: U-shaped valleys, a lake, mountains to about 1650 m.

The main valley runs west-east through the middle of the area with a lake on its floor (like
Jølstravatnet, 207 m a.s.l.) and a town at the lake's western end (like Vassenden); a hanging
side valley joins from the north and another from the south. Valley cross-sections follow a
power law ``z = floor + A (d - w)^p`` beyond a flat floor of half-width ``w`` (glacial troughs
are well fitted by power laws with p of about 1.5-2; Svensson 1959, Harbor 1992), which gives
gentle lower slopes and steep upper walls. The mountains between are fractal noise, and the
valley walls get gully-scale roughness and, in patches, narrow furrows incised down the fall
line (gullies), so that D8 flow paths converge into channels.

All horizontal lengths are written in metres of the default 10.24 km world; a smaller world
is a miniature (lengths and relief scaled by ``params.scale``), so its slopes stay realistic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from course_lib.simulator.fields import fractal_noise, smooth_noise, smoothstep
from course_lib.simulator.params import StudyAreaParams

LAKE_LEVEL_M = 207.0  # Jølstravatnet


@dataclass
class Landscape:
    """The landscape layers other modules build on (all ``(rows, cols)``)."""

    dem: np.ndarray            # float32 metres
    lake: np.ndarray           # bool
    river: np.ndarray          # bool
    floor: np.ndarray          # bool, flat valley floors (where farms and towns are)
    road: np.ndarray           # bool
    town: np.ndarray           # bool
    effective_elevation: np.ndarray  # float32, elevation in metres of the default world
    town_center: tuple[int, int]
    valley_edge_m: np.ndarray  # float32, distance beyond the nearest valley floor's edge
                               # (default-world metres, negative on the floor)


def _polyline_mask(shape: tuple[int, int], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Mark densely sampled polyline points on a boolean grid."""
    mask = np.zeros(shape, dtype=bool)
    r = np.clip(np.round(rows).astype(int), 0, shape[0] - 1)
    c = np.clip(np.round(cols).astype(int), 0, shape[1] - 1)
    mask[r, c] = True
    return mask


def _valley(shape, centre_mask, floor_values, world_px_m, half_floor_m, rise_m, wall_m, power):
    """Elevation surface of one U-shaped valley and its distance field (world metres)."""
    dist_px, (ir, ic) = ndimage.distance_transform_edt(~centre_mask, return_indices=True)
    dist_m = (dist_px * world_px_m).astype(np.float32)
    del dist_px
    floor_here = floor_values[ir, ic].astype(np.float32)
    del ir, ic
    a = rise_m / wall_m**power
    surface = floor_here + np.float32(a) * np.maximum(dist_m - half_floor_m, 0.0) ** power
    return surface.astype(np.float32), dist_m, floor_here


def _soft_min(surfaces: list[np.ndarray], k: float) -> np.ndarray:
    """-k log(sum(exp(-z_i / k))): the lowest surface, with rounded junctions (float32)."""
    lowest = np.minimum.reduce(surfaces)
    total = np.zeros_like(lowest, dtype=np.float32)
    for z in surfaces:
        total += np.exp(-(z - lowest) / np.float32(k))
    return (lowest - np.float32(k) * np.log(total)).astype(np.float32)


def _downslope_streaks(rng: np.random.Generator, z: np.ndarray, along_px: float,
                       across_px: float) -> np.ndarray:
    """Noise elongated down the fall line of the smoothed surface ``z`` (unit std, float32).

    Four streak fields (:func:`~course_lib.simulator.fields.streaky_noise`) at 0, 45, 90
    and 135 degrees are blended with weights ``cos^2`` of the angle between each and the local
    downslope direction, so the streaks follow the valley walls as gullies do.
    """
    from course_lib.simulator.fields import streaky_noise

    smooth = ndimage.gaussian_filter(z, 8.0)
    gy, gx = np.gradient(smooth)
    direction = np.arctan2(gx, -gy)          # azimuth of the uphill gradient (row = south)
    total = np.zeros(z.shape, dtype=np.float32)
    norm = np.zeros(z.shape, dtype=np.float32)
    for angle in (0.0, 45.0, 90.0, 135.0):
        weight = np.cos(direction - np.radians(angle)).astype(np.float32) ** 4
        total += weight * streaky_noise(rng, z.shape, along_px, across_px, angle)
        norm += weight**2
    return (total / np.sqrt(np.maximum(norm, 1e-6))).astype(np.float32)


def turned(land: Landscape, quarter_turns: int) -> Landscape:
    """The landscape turned by ``quarter_turns`` x 90 degrees clockwise (a square grid).

    Every layer turns together, so the valley, its lake, roads and town keep their shapes
    while the slopes face other directions (``StudyAreaParams.valley_axis``).
    """
    k = -int(quarter_turns) % 4           # np.rot90 turns anticlockwise
    if k == 0:
        return land
    n = land.dem.shape[0]
    r, c = land.town_center
    for _ in range(k):                    # (r, c) -> (n - 1 - c, r): one anticlockwise turn
        r, c = n - 1 - c, r
    layers = {name: np.ascontiguousarray(np.rot90(getattr(land, name), k))
              for name in ("dem", "lake", "river", "floor", "road", "town",
                           "effective_elevation", "valley_edge_m")}
    return Landscape(town_center=(r, c), **layers)


def make_landscape(params: StudyAreaParams, rng: np.random.Generator) -> Landscape:
    """Generate the DEM and the water / floor / road / town masks.

    With ``params.valley_axis == "north-south"`` the finished landscape is turned a quarter
    turn clockwise (:func:`turned`), after every random draw, so it is the same valley facing
    another way.
    """
    land = _make_landscape(params, rng)
    return turned(land, 1) if params.valley_axis == "north-south" else land


def _make_landscape(params: StudyAreaParams, rng: np.random.Generator) -> Landscape:
    n = params.size
    shape = (n, n)
    s = params.scale
    world_px_m = params.resolution / s          # metres of the default world per pixel
    t = np.linspace(0.0, 1.0, 6 * n)
    phase = rng.uniform(0, 2 * np.pi, 6)

    # --- valley centre lines (u east, v south, both 0-1) -------------------------------
    v_main = 0.5 + 0.05 * np.sin(2 * np.pi * (0.8 * t) + phase[0]) \
        + 0.02 * np.sin(2 * np.pi * (2.1 * t) + phase[1])
    main_rows, main_cols = v_main * (n - 1), t * (n - 1)
    main_mask = _polyline_mask(shape, main_rows, main_cols)
    # Floor: the lake in the middle, the river falling west, rising gently east.
    lake_u0, lake_u1 = 0.24, 0.86
    floor_main = np.where(t < lake_u0, LAKE_LEVEL_M - 4 - 120 * (lake_u0 - t),
                          np.where(t > lake_u1, LAKE_LEVEL_M + 1 + 220 * (t - lake_u1),
                                   LAKE_LEVEL_M + 1))
    floor_grid = np.zeros(shape, dtype=np.float64)
    floor_grid[np.clip(np.round(main_rows).astype(int), 0, n - 1),
               np.clip(np.round(main_cols).astype(int), 0, n - 1)] = floor_main

    def junction_row(u: float) -> float:
        return float(np.interp(u, t, v_main))

    # North side valley: from the top edge down to the main valley at u ~ 0.33.
    u_north = 0.33 + 0.03 * np.sin(2 * np.pi * 1.3 * t + phase[2])
    v_n_end = junction_row(0.33)
    v_north = t * v_n_end
    north_mask = _polyline_mask(shape, v_north * (n - 1), u_north * (n - 1))
    floor_north = LAKE_LEVEL_M + 25 + 330 * (1 - t) ** 1.3
    # South side valley: from the main valley at u ~ 0.68 to the bottom edge.
    u_south = 0.68 + 0.035 * np.sin(2 * np.pi * 1.1 * t + phase[3])
    v_s_start = junction_row(0.68)
    v_south = v_s_start + t * (1 - v_s_start)
    south_mask = _polyline_mask(shape, v_south * (n - 1), u_south * (n - 1))
    floor_south = LAKE_LEVEL_M + 30 + 380 * t**1.2

    def side_floor(mask_rows, mask_cols, values):
        grid = np.zeros(shape)
        grid[np.clip(np.round(mask_rows).astype(int), 0, n - 1),
             np.clip(np.round(mask_cols).astype(int), 0, n - 1)] = values
        return grid

    floor_n_grid = side_floor(v_north * (n - 1), u_north * (n - 1), floor_north)
    floor_s_grid = side_floor(v_south * (n - 1), u_south * (n - 1), floor_south)

    main_w = 480.0
    z_main, d_main, _ = _valley(shape, main_mask, floor_grid, world_px_m, main_w, 1000.0,
                                1600.0, 1.5)
    z_north, d_north, _ = _valley(shape, north_mask, floor_n_grid, world_px_m, 170.0, 800.0,
                                  1150.0, 1.5)
    z_south, d_south, _ = _valley(shape, south_mask, floor_s_grid, world_px_m, 190.0, 800.0,
                                  1100.0, 1.5)

    # --- mountains between the valleys ------------------------------------------------
    large = fractal_noise(rng, shape, beta=3.6, largest_px=0.6 * n, smallest_px=max(3, n / 40))
    medium = smooth_noise(rng, shape, correlation_px=max(2.0, 20 * params.scale))
    mountains = 1020 + 260 * large + 60 * medium
    mountains = 1640 - 60 * np.logaddexp(0, (1640 - mountains) / 60)  # soft cap ~1650 m

    # Soft minimum (log-sum-exp) so the valleys blend into the mountains without creases.
    z = _soft_min([mountains, z_main, z_north, z_south], k=45.0)
    del z_main, z_north, z_south

    # --- gullies and roughness on the walls --------------------------------------------
    on_floor = (d_main < main_w) | (d_north < 170.0) | (d_south < 190.0)
    wall = smoothstep(np.minimum.reduce([d_main - main_w, d_north - 170.0, d_south - 190.0]),
                      0.0, 250.0)
    gullies = fractal_noise(rng, shape, beta=2.6, largest_px=40.0, smallest_px=3.0)
    fine = smooth_noise(rng, shape, correlation_px=1.5)
    # Channels: ridges and furrows drawn out down the fall line of the walls (gullies cut by
    # water and debris flows), from four streak fields blended by the wall's direction.
    # Incised where the streak field crosses zero (narrow V-shaped furrows), only on the
    # valley walls and only in patches.
    channels = _downslope_streaks(rng, z, max(4.0, 40 * s), max(1.0, 3.0 * s))
    incised = (1.0 - np.clip(np.abs(channels) / 0.35, 0.0, 1.0)) ** 2
    edge_m = np.minimum.reduce([d_main - main_w, d_north - 170.0, d_south - 190.0])
    on_walls = wall * (1.0 - smoothstep(edge_m, 900.0, 1500.0))
    patches = smoothstep(smooth_noise(rng, shape, max(2.0, 25 * s)), -0.8, 0.6)
    z = z + (0.4 + 0.6 * wall) * (12.0 * gullies) - on_walls * patches * (9.0 * incised) \
        + 1.0 * fine

    # --- water ---------------------------------------------------------------------------
    u = np.broadcast_to(np.linspace(0, 1, n)[None, :], shape)
    shore = smooth_noise(rng, shape, correlation_px=max(2.0, 20 * params.scale))
    # A natural shoreline: the lake fills the flat floor and narrows to rounded ends (a
    # super-ellipse along the valley), with bays and points from the noise.
    t_lake = (u - 0.5 * (lake_u0 + lake_u1)) / (0.5 * (lake_u1 - lake_u0)) + 0.02 * shore
    taper = np.sqrt(np.clip(1.0 - np.abs(t_lake) ** 4, 0.0, 1.0))
    lake = d_main < main_w * (0.74 + 0.1 * np.clip(shore, -1, 1)) * taper
    river = ((main_mask & ~lake) | north_mask | south_mask)
    river = ndimage.binary_dilation(river, iterations=1) if params.size >= 512 else river
    river &= ~lake
    z = np.where(on_floor, np.maximum(z, LAKE_LEVEL_M + 0.5), z)  # no floor below the lake
    z = np.where(river, z - 1.5, z)
    z = np.where(lake, LAKE_LEVEL_M, z)

    # Elevation back in default-world metres, then shrink the relief for a miniature world.
    effective = z.astype(np.float32)
    dem = (LAKE_LEVEL_M + s * (z - LAKE_LEVEL_M)).astype(np.float32)

    # --- roads and the town --------------------------------------------------------------
    rows_idx = np.arange(n)[:, None]
    centre_row = np.interp(np.arange(n) / (n - 1), t, v_main)[None, :] * (n - 1)
    north_side = rows_idx < centre_row
    half_px = 0.75 * world_px_m
    # Roads follow the foot of the valley sides, just above the flat floor (like the E39
    # along Jølstravatnet), where debris flows that reach the valley cross them.
    road = (np.abs(d_main - (main_w + 40.0)) < half_px) & north_side
    road |= (np.abs(d_main - (main_w + 25.0)) < half_px) & ~north_side   # the local road
    road |= (np.abs(d_south - 215.0) < half_px) & (d_main > main_w + 40.0)
    road &= ~lake & ~river

    town_u = lake_u0 - 0.02
    town_rc = (int(round(junction_row(town_u) * (n - 1))), int(round(town_u * (n - 1))))
    rr, cc = np.indices(shape)
    town_dist_m = np.hypot(rr - town_rc[0], cc - town_rc[1]) * world_px_m
    ragged = smooth_noise(rng, shape, max(1.5, 5 * params.scale))
    town = (town_dist_m < 430.0 + 80 * shore + 110 * ragged) & on_floor & ~lake & ~river

    edge = np.minimum.reduce([d_main - main_w, d_north - 170.0, d_south - 190.0])
    return Landscape(dem=dem, lake=lake, river=river, floor=on_floor & ~lake, road=road,
                     town=town, effective_elevation=effective, town_center=town_rc,
                     valley_edge_m=edge.astype(np.float32))
