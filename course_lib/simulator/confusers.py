"""Other changes between the dates that remove vegetation: the false positives of dNDVI.

In a real valley, landslides are not the only thing that strips vegetation in a summer
month. A change image shows every one of these, and the learner has to tell them apart by
combining cues (shape, slope, position, texture, radar), as the paper's U-Net learned to:

* **clear-cuts** (code 1): spruce stands harvested between the dates, blocky (rectangles of
  about 0.5-3 ha, straight edges) on moderate slopes below the tree line, often with a skid
  track down to a road. Slash and stumps stay: NDVI falls from about 0.8 to about 0.5, SWIR
  rises (Hansen et al. 2013, *Science* 342:850, use exactly this red/SWIR increase to map
  forest loss). In C-band the loss of canopy volume scattering is small, 1-3 dB in VH and
  0-2 dB in VV, because slash and ground roughness still scatter (Bouvet et al. 2018,
  *Remote Sensing* 10:1250, who for that reason detect cuts by the radar shadow at their
  edges instead; Hoekman et al. 2020, *Remote Sensing* 12:3263);
* **flood sediment** (code 2): the storm of 30 July also flooded the valley floor: silt and
  sand left on fields within a few tens of metres of the rivers, only on flat ground (slope
  under about 5 degrees, where floodwater spreads). Wet fine sediment is dark and smooth:
  NDVI about 0.2, and a smooth surface reflects the radar away (specular), so VV and VH
  drop by several dB (flooded/silted fields in Sentinel-1: Cian et al. 2018, *Remote Sens.
  Environ.* 209:712);
* **bank erosion** (code 3): the rivers cut their banks and left gravel bars: bare, bright
  gravel in narrow strips beside the channel;
* **road works** (code 4): repairs after the storm: bare gravel verges and new ditches in
  strips beside the roads;
* **slush-flow tracks** (code 5): high up (above the landslide zone), heavy rain on the last
  snow patches released slush flows that stripped heath and scrub in narrow downslope tracks
  (rain-on-snow slush flows are common in western Norway in such storms; Hestnes 1998, *Ann.
  Glaciol.* 26:370). They are elongated downslope, like debris flows, but start above 950 m
  on alpine ground;
* **hay harvest** (code 6): grass fields mowed between the last clear pre-event date and the
  post-event dates (the second cut in western Norway falls in late July to mid August):
  NDVI drops from about 0.8 to about 0.4 for two to three weeks. Mowing changes C-band
  intensity by only about 1 dB (Tamm et al. 2016, *Remote Sensing* 8:802), so the radar
  barely sees it.

The seasonal snow that melts upwards through the summer (``sentinel2``) is another
non-landslide change, but it raises NDVI.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from course_lib.simulator.fields import smooth_noise
from course_lib.simulator.landcover import LANDCOVER_CODES
from course_lib.simulator.landscape import Landscape
from course_lib.simulator.landslides import LandslideSet, trace_debris_path
from course_lib.simulator.params import StudyAreaParams

#: Codes of the ``other_changes`` product.
CHANGE_CLASSES: dict[int, str] = {
    0: "none", 1: "clear-cut", 2: "flood sediment", 3: "bank erosion", 4: "road works",
    5: "slush-flow track", 6: "hay harvest",
}
CHANGE_CODES = {name: code for code, name in CHANGE_CLASSES.items()}
#: Day of year of the storm (30 July 2019).
STORM_DOY = 211

# Surface reflectance (B02, B03, B04, B08, B11, B12) of the new surfaces.
CHANGE_SPECTRA = {
    1: (0.040, 0.060, 0.070, 0.225, 0.245, 0.150),   # slash, stumps, some bare soil
    2: (0.070, 0.085, 0.095, 0.150, 0.170, 0.130),   # wet silt and sand
    3: (0.110, 0.130, 0.145, 0.200, 0.260, 0.210),   # river gravel
    4: (0.095, 0.115, 0.125, 0.175, 0.260, 0.220),   # gravel verges, fresh ditches
    5: (0.060, 0.080, 0.095, 0.170, 0.220, 0.170),   # wet soil and broken scrub
}
#: gamma0 change in dB (VV, VH) relative to the old cover (sources in the module docstring).
CHANGE_DB = {
    1: (-1.0, -2.2),
    2: (-5.0, -5.5),
    3: (-2.0, -3.0),
    4: (-2.5, -4.0),
    5: (-1.0, -2.0),
}


@dataclass
class ChangeSet:
    """Where and when the non-landslide changes happened."""

    codes: np.ndarray                 # uint8 (rows, cols), CHANGE_CLASSES (6 = hay harvest)
    doy: np.ndarray                   # int16 (rows, cols): day of year of the change, 0 none
    records: list[dict] = field(default_factory=list)

    def active(self, doy: int) -> np.ndarray:
        """Codes of the changes that have happened by day of year ``doy`` (0 elsewhere)."""
        return np.where((self.doy > 0) & (self.doy <= doy), self.codes, 0).astype(np.uint8)


def _rectangle(center: tuple[float, float], half_len: float, half_wid: float, angle: float,
               shape: tuple[int, int]) -> np.ndarray:
    """Flat indices of a rotated rectangle (pixels)."""
    r0, c0 = center
    k = int(np.ceil(np.hypot(half_len, half_wid))) + 1
    rr, cc = np.mgrid[int(r0) - k:int(r0) + k + 1, int(c0) - k:int(c0) + k + 1]
    u = (rr - r0) * np.cos(angle) + (cc - c0) * np.sin(angle)
    v = -(rr - r0) * np.sin(angle) + (cc - c0) * np.cos(angle)
    keep = (np.abs(u) <= half_len) & (np.abs(v) <= half_wid)
    keep &= (rr >= 0) & (rr < shape[0]) & (cc >= 0) & (cc < shape[1])
    return rr[keep] * shape[1] + cc[keep]


def _line(a: np.ndarray, b: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Flat indices of a straight one-pixel line from ``a`` to ``b``."""
    n = int(max(abs(b[0] - a[0]), abs(b[1] - a[1]))) + 1
    r = np.round(np.linspace(a[0], b[0], n)).astype(int)
    c = np.round(np.linspace(a[1], b[1], n)).astype(int)
    ok = (r >= 0) & (r < shape[0]) & (c >= 0) & (c < shape[1])
    return r[ok] * shape[1] + c[ok]


def make_changes(land: Landscape, landcover: np.ndarray, field_ids: np.ndarray,
                 hay_cut_doy: np.ndarray, slides: LandslideSet, slope_deg: np.ndarray,
                 aspect_deg: np.ndarray, params: StudyAreaParams,
                 rng: np.random.Generator) -> ChangeSet:
    """Place the clear-cuts, flood sediment, bank erosion, road works and slush-flow tracks.

    ``hay_cut_doy`` (float per field id) is the day each grass field is mowed within the
    study period (from the Sentinel-2 simulator); fields mowed between 25 July and 25 August
    are marked as hay harvest. Counts scale with the area of the world. Nothing is placed on
    a landslide (the truth stays the landslides alone).
    """
    shape = landcover.shape
    n = shape[0]
    area = params.scale**2
    codes = np.zeros(shape, dtype=np.uint8)
    doy = np.zeros(shape, dtype=np.int16)
    records: list[dict] = []
    free = (slides.ids == 0).ravel()
    e = land.effective_elevation
    lc = landcover.ravel()

    def put(px: np.ndarray, code: int, day: int, **info) -> int:
        px = px[free[px] & (codes.ravel()[px] == 0)]
        codes.ravel()[px] = code
        doy.ravel()[px] = day
        if px.size:
            records.append({"kind": CHANGE_CLASSES[code], "doy": int(day),
                            "n_px": int(px.size), **info})
        return int(px.size)

    # --- clear-cuts: spruce on moderate slopes, blocky, some with a skid track --------
    spruce = (landcover == LANDCOVER_CODES["spruce_forest"]) & (slope_deg > 8) \
        & (slope_deg < 30)
    cand = np.flatnonzero(spruce)
    n_cuts = int(round(14 * area))
    road_idx = np.argwhere(land.road)
    s = max(params.scale, 0.2)
    if cand.size and n_cuts:
        for start in rng.choice(cand, size=min(cand.size, 4 * n_cuts), replace=False):
            if sum(r["kind"] == "clear-cut" for r in records) >= n_cuts:
                break
            r, c = divmod(int(start), n)
            asp = aspect_deg[r, c]
            # Harvest blocks are laid out along the contour or down the fall line.
            angle = np.radians(0.0 if np.isnan(asp) else asp) + rng.choice([0.0, np.pi / 2])
            half_len = rng.uniform(4, 10) * s
            half_wid = rng.uniform(2.5, 6) * s
            px = _rectangle((r, c), half_len, half_wid, angle, shape)
            px = px[np.isin(lc[px], (5, 6))]
            if px.size < 6 or (codes.ravel()[px] > 0).any() or not free[px].all():
                continue
            day = int(rng.integers(200, 227))
            if road_idx.size and rng.uniform() < 0.6:
                d = np.hypot(*(road_idx - np.array([r, c])).T)
                k = int(np.argmin(d))
                if d[k] * params.resolution < 600 * params.scale:
                    px = np.concatenate([px, _line(np.array([r, c]), road_idx[k], shape)])
            put(px, CHANGE_CODES["clear-cut"], day, row=r, col=c)

    # --- flood sediment and bank erosion beside the rivers on the flat floor ------------
    river = land.river
    if river.any():
        dist_m = ndimage.distance_transform_edt(~river) * params.resolution / params.scale
        patch = smooth_noise(rng, shape, max(2.0, 6 * params.scale))
        flat = (slope_deg < 5.0) & land.floor & ~land.lake & ~river & ~land.road
        soft = np.isin(landcover, (5, 6, 7))
        sediment = flat & soft & (dist_m < 40 + 25 * patch) & (patch > 0.3)
        bank = flat & (dist_m <= 1.5 * params.resolution / params.scale + 1) & (patch > 0.9)
        put(np.flatnonzero(bank), CHANGE_CODES["bank erosion"], STORM_DOY)
        put(np.flatnonzero(sediment), CHANGE_CODES["flood sediment"], STORM_DOY)

    # --- road works: strips beside the roads, after the storm ----------------------------
    if land.road.any():
        verge = ndimage.binary_dilation(land.road, iterations=1) & ~land.road & \
            ~(land.lake | land.river)
        along = smooth_noise(rng, shape, max(2.0, 25 * params.scale))
        works = verge & (along > 1.3)
        put(np.flatnonzero(works), CHANGE_CODES["road works"], int(rng.integers(214, 224)))

    # --- slush-flow tracks high up ---------------------------------------------------------
    alpine = (landcover == LANDCOVER_CODES["alpine_scrub"]) & (e > 950) & (slope_deg > 28)
    cand = np.flatnonzero(alpine)
    n_tracks = int(round(6 * area))
    if cand.size and n_tracks:
        surface = ndimage.gaussian_filter(land.dem.astype(np.float64), 1.0)
        made = 0
        for start in rng.choice(cand, size=min(cand.size, 5 * n_tracks), replace=False):
            if made >= n_tracks:
                break
            r, c = divmod(int(start), n)
            length = int(rng.uniform(15, 45) * max(params.scale, 0.3))
            path = trace_debris_path(surface, (r, c), max_steps=length)
            if len(path) < 5:
                continue
            px = path[:, 0] * n + path[:, 1]
            wide = rng.uniform() < 0.5
            if wide:
                px = np.unique(np.concatenate([px, px + 1]))
                px = px[px < n * n]
            px = px[np.isin(lc[px], (2, 3, 4))]
            made += put(px, CHANGE_CODES["slush-flow track"], STORM_DOY, row=r, col=c) > 0

    # --- hay harvest (the fields' own mowing dates) -------------------------------------
    if field_ids.max() > 0:
        cut = hay_cut_doy[field_ids]
        harvest = (field_ids > 0) & (cut >= 206) & (cut <= 237) & (codes == 0) \
            & (slides.ids == 0)
        codes[harvest] = CHANGE_CODES["hay harvest"]
        doy[harvest] = cut[harvest].astype(np.int16)
        records.append({"kind": "hay harvest", "doy": 0, "n_px": int(harvest.sum())})
    return ChangeSet(codes, doy, records)
