"""Pre-event land cover placed by elevation, slope and aspect, as in a west-Norwegian valley.

Rules (elevations in metres of the default world; noise makes every boundary ragged):

* water: the lake and the rivers;
* snow / ice: permanent snow fields above about 1400 m, lower on north-facing slopes;
* bare rock: above about 1050 m, and cliffs steeper than about 45 degrees;
* alpine scrub (heath, dwarf birch, willow): between the tree line (about 650 m, higher on
  sun-facing slopes) and the bare rock;
* forest below the tree line: spruce (mostly planted, lower down) and birch (higher up);
* on the flat valley floor and the gentle foot of the valley sides: agriculture (grass
  fields for fodder), the town, farms, roads.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage, spatial

from course_lib.simulator.fields import smooth_noise
from course_lib.simulator.landscape import Landscape
from course_lib.simulator.params import StudyAreaParams

#: Land-cover codes (uint8) and their names.
LANDCOVER_CLASSES: dict[int, str] = {
    1: "water",
    2: "snow_ice",
    3: "bare_rock",
    4: "alpine_scrub",
    5: "spruce_forest",
    6: "birch_forest",
    7: "agriculture",
    8: "urban",
    9: "road",
}
LANDCOVER_CODES: dict[str, int] = {name: code for code, name in LANDCOVER_CLASSES.items()}

#: Colours for maps (matplotlib names or hex), one per code.
LANDCOVER_COLORS: dict[int, str] = {
    1: "#2c7fb8", 2: "#f0f8ff", 3: "#9e9e9e", 4: "#c2b280", 5: "#1b5e20", 6: "#66bb6a",
    7: "#d4e157", 8: "#d32f2f", 9: "#424242",
}

#: The paper's seven non-landslide training classes and the land-cover codes in each.
TRAINING_CLASSES: dict[str, tuple[int, ...]] = {
    "water": (1,),
    "snow_ice": (2,),
    "bare_rock": (3,),
    "agriculture": (7,),
    "forest": (5, 6),
    "alpine_scrub": (4,),
    "urban": (8, 9),
}

VEGETATED_CODES = (4, 5, 6, 7)


def make_landcover(land: Landscape, slope_deg: np.ndarray, aspect_deg: np.ndarray,
                   params: StudyAreaParams, rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Land-cover codes (uint8) and agricultural field ids (int32, 0 outside fields)."""
    shape = land.dem.shape
    e = land.effective_elevation
    corr = max(2.0, 15 * params.scale)
    n1, n2, n3 = (smooth_noise(rng, shape, corr) for _ in range(3))
    north = np.cos(np.radians(np.nan_to_num(aspect_deg, nan=90.0)))  # +1 north-facing
    south = -north

    treeline = 650 + 60 * n1 + 70 * south
    rockline = 1120 + 90 * n2 + 50 * south
    snowline = 1430 + 70 * n3 - 160 * north
    if params.treeline_shift_m:       # another climate: every vegetation belt moves together
        treeline = treeline + params.treeline_shift_m
        rockline = rockline + params.treeline_shift_m
        snowline = snowline + params.treeline_shift_m

    # Zones follow the smoothed terrain: pixel-scale roughness does not flip a pixel from
    # scrub to rock (real boundaries follow soils and snow beds over tens of metres).
    e = ndimage.gaussian_filter(e, 2.0)
    lc = np.full(shape, LANDCOVER_CODES["alpine_scrub"], dtype=np.uint8)
    below_trees = e < treeline
    spruce = below_trees & (e < 420 + 90 * n2) & (n3 > -0.6)
    lc[below_trees] = LANDCOVER_CODES["birch_forest"]
    lc[spruce] = LANDCOVER_CODES["spruce_forest"]
    # Bare rock: the high ground, cliff bands (where the slope, smoothed over ~30 m, stays
    # steep: continuous bands, not single steep pixels) and the talus cones of scree below
    # them (screes stand at their angle of repose, 30-38 degrees; Statham 1976).
    steep = ndimage.gaussian_filter(slope_deg.astype(np.float32), 1.5)
    cliffs = steep > 43 + 3 * n1
    near_cliff = ndimage.distance_transform_edt(~cliffs) * params.resolution / params.scale \
        if cliffs.any() else np.full(shape, np.inf)
    cliff_base = ndimage.grey_erosion(e, size=3)
    below = e <= ndimage.maximum_filter(np.where(cliffs, cliff_base, -np.inf), size=9)
    talus = (near_cliff < 50 + 30 * n3) & below & (slope_deg > 26) & (slope_deg < 40) \
        & (n2 > -0.3)
    talus = ndimage.binary_opening(talus, iterations=1)
    lc[(e > rockline) | cliffs | talus] = LANDCOVER_CODES["bare_rock"]
    lc[(e > snowline) & (steep < 38)] = LANDCOVER_CODES["snow_ice"]

    # Valley floor: farmland, with a few woods kept along the river and some rough ground.
    flat = land.floor & (slope_deg < 8)
    # Farms also climb the gentle foot of the valley sides (the lowest few hundred metres).
    foot = (land.valley_edge_m < 260 + 80 * n2) & (slope_deg < 16) & (e < 450)
    farm = (flat | foot) & (n1 > -1.0) & ~(land.lake | land.river)
    lc[farm] = LANDCOVER_CODES["agriculture"]
    # Fields: Voronoi cells of random seeds about 120 m apart (default world).
    field_ids = np.zeros(shape, dtype=np.int32)
    rows, cols = np.nonzero(farm)
    if rows.size:
        spacing = max(2.0, 12.0 * params.scale)
        n_seeds = max(1, int(rows.size / spacing**2))
        pick = rng.choice(rows.size, size=min(n_seeds, rows.size), replace=False)
        tree = spatial.cKDTree(np.column_stack([rows[pick], cols[pick]]))
        _, nearest = tree.query(np.column_stack([rows, cols]))
        field_ids[rows, cols] = nearest.astype(np.int32) + 1

    lc[land.town] = LANDCOVER_CODES["urban"]
    # Farmsteads: small built-up spots scattered on the farmland near the roads.
    near_road = ndimage.binary_dilation(land.road, iterations=3) & farm & ~land.town
    rr, cc = np.nonzero(near_road)
    if rr.size:
        k = min(rr.size, max(1, int(25 * params.scale**2)))
        pick = rng.choice(rr.size, size=k, replace=False)
        farms = np.zeros(shape, dtype=bool)
        farms[rr[pick], cc[pick]] = True
        farms = ndimage.binary_dilation(farms, iterations=1) & flat
        lc[farms] = LANDCOVER_CODES["urban"]
        field_ids[farms] = 0
    lc[land.road] = LANDCOVER_CODES["road"]
    lc[land.lake | land.river] = LANDCOVER_CODES["water"]
    field_ids[lc != LANDCOVER_CODES["agriculture"]] = 0
    return lc, field_ids
