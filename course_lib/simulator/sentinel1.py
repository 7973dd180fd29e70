"""Sentinel-1 IW GRD-like VV and VH backscatter, ascending and descending, pre and post.

Model, per geometry and date:

* **land cover** sets gamma0 (the backscatter normalised by the illuminated area), typical
  C-band summer values: forest about -6.5 dB VV / -12 dB VH (volume scattering), grass and
  heath about -10 / -17 dB, smooth water and roads very dark, built-up areas bright (double
  bounce); wind roughens the lake differently each date and the storm wets the ground of the
  first post-event dates (+1 dB);
* **terrain**: sigma0 = gamma0 cos(theta) SCF, with theta the ellipsoid incidence angle and
  SCF = tan(90 - theta + alpha_r) / tan(90 - theta) the volume-model slope correction factor of
  Vollrath et al. (2020, Remote Sensing 12:1867), alpha_r = atan(tan(slope) cos(phi_s -
  aspect)) the slope in the range direction and phi_s the azimuth towards the sensor. So the
  slope correction in ``course_lib.sar`` exactly undoes the terrain effect outside layover
  and shadow. **Layover** (alpha_r >= theta) is bright; **radar shadow** (alpha_r <=
  -(90 - theta)) holds only the noise floor (NESZ);
* **landslides**: where vegetation is stripped, gamma0 drops to that of soil and boulders;
  as the paper describes (its Fig. 8, after Lindsay et al.), the side of a scar nearest the
  sensor darkens further (the standing trees on the near edge shadow it) and a band of
  increased backscatter lies beyond the far edge (trees facing the sensor across the
  opening). Ascending passes look east and descending passes look west, so the two
  signatures mirror each other and averaging the geometries blurs them;
* **speckle**: multiplicative with mean 1 and variance 1/L (L the looks), correlated over
  about two pixels (see :func:`correlated_speckle`), independent per band and date, after
  adding the noise floor;
* **date-to-date variation** of forest backscatter (wind, canopy moisture) and the **other
  changes** between the dates (clear-cuts, flood sediment, mowing; ``confusers``);
* the **edge signature fades** for slides smaller than about 0.5 ha (:func:`edge_weight`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib.shifts import azimuth_offset
from course_lib.simulator.confusers import CHANGE_CODES, CHANGE_DB, ChangeSet
from course_lib.simulator.fields import shift2d, smooth_noise
from course_lib.simulator.landcover import LANDCOVER_CODES
from course_lib.simulator.landslides import DEPOSIT, SCAR, LandslideSet
from course_lib.simulator.params import StudyAreaParams

S1_BANDS = ("VV", "VH")
#: Acquisition geometry: heading of the satellite, look azimuth (from the sensor towards the
#: ground, heading + 90 for a right-looking radar) and incidence at the centre of the area.
S1_GEOMETRY = {
    "asc": {"orbit_direction": "ascending", "heading_deg": 348.0, "look_azimuth_deg": 78.0,
            "incidence_center_deg": 39.0},
    "desc": {"orbit_direction": "descending", "heading_deg": 192.0, "look_azimuth_deg": 282.0,
             "incidence_center_deg": 35.0},
}
#: Incidence grows by about 0.068 degrees per km across the 250 km IW swath (29-46 degrees).
INCIDENCE_GRADIENT_DEG_PER_KM = 0.068
S1_DATES = {
    "asc_pre": ("2019-07-06", "2019-07-12", "2019-07-24"),
    "asc_post": ("2019-08-05", "2019-08-11", "2019-08-17"),
    "desc_pre": ("2019-07-04", "2019-07-16", "2019-07-28"),
    "desc_post": ("2019-08-01", "2019-08-09", "2019-08-21"),
}
#: Dates within a week after the storm have wetter soil.
WET_UNTIL = "2019-08-06"
NESZ_LINEAR = {"VV": 10 ** (-2.3), "VH": 10 ** (-2.6)}   # noise floor, about -23 / -26 dB

# gamma0 in dB (VV, VH) per land cover, and for landslide materials.
GAMMA0_DB = {
    "water": (-24.0, -30.0),
    "snow_ice": (-16.0, -24.0),   # wet summer snow absorbs
    "bare_rock": (-9.0, -17.0),
    "alpine_scrub": (-9.5, -16.5),
    "spruce_forest": (-6.5, -12.0),
    "birch_forest": (-7.0, -12.5),
    "agriculture": (-10.0, -17.5),
    "urban": (1.0, -6.0),
    "road": (-15.0, -23.0),
}
#: Landslide surfaces. Losing the forest canopy costs only about 2 dB in VV and 3 dB in VH
#: at C-band, because the rough, wet soil and boulders left behind still scatter: forest
#: clearing lowers Sentinel-1 gamma0 by about 1-3 dB in VH and less in VV (Bouvet et al. 2018,
#: *Remote Sensing* 10:1250; Hoekman et al. 2020, *Remote Sensing* 12:3263), and fresh
#: landslides show changes of a few dB of either sign (Mondini et al. 2021, *Earth-Sci. Rev.*
#: 216:103574; Handwerger et al. 2022, *NHESS* 22:753). On heath and grass the rough debris is
#: brighter than the old cover.
SCAR_DB = (-8.5, -15.0)
DEPOSIT_DB = {"light": (-7.5, -15.0), "dark": (-10.5, -18.0)}
NEAR_EDGE_DB = -3.0      # extra darkening on the sensor side of a scar
FAR_BAND_DB = 3.0        # brightening beyond the far edge (forest); scaled by cover height
#: The edge signature needs a scar wider than the radar resolution (20 x 22 m for IW GRDH):
#: it fades in from 0.1 ha and is full above 0.5 ha.
EDGE_FULL_AREA_M2, EDGE_MIN_AREA_M2 = 5000.0, 1000.0
#: Date-to-date variation of forest backscatter (dB): wind moving the crowns and the changing
#: water content of needles and branches (about 1 dB; Rüetschi et al. 2018, *Remote Sensing*
#: 10:55; Dostálová et al. 2018, *Remote Sensing* 10:1741).
FOREST_DATE_STD_DB = 1.0
#: Gaussian smoothing (pixels) that correlates the speckle. IW GRDH has a 20 x 22 m
#: resolution on 10 m pixels (ESA Sentinel-1 Product Specification), an impulse response
#: about two pixels wide, and terrain correction resamples the product again onto the DEM
#: grid (bilinear), which spreads each value further. A Gaussian of sigma 1 pixel gives a
#: neighbour correlation of exp(-1/4) = 0.78 and a correlation length of about two pixels.
#: Correlated speckle is why the paper's CART on Sentinel-1 alone kept many false positives
#: after its focal mode filter: a 3 x 3 majority removes isolated noisy pixels, not clumps.
SPECKLE_CORRELATION_PX = 1.0
FAR_BAND_PX, NEAR_EDGE_PX = 3, 2
#: How tall the cover beyond a scar is, for the far-band brightening.
COVER_HEIGHT = {4: 0.4, 5: 1.0, 6: 0.9, 7: 0.1}


@dataclass
class S1Geometry:
    """Per-pixel angles of one orbit geometry (degrees)."""

    incidence: np.ndarray        # ellipsoid incidence angle theta
    local_incidence: np.ndarray  # angle between the surface normal and the sensor direction
    alpha_r: np.ndarray          # slope in the range direction (positive facing the sensor)
    layover: np.ndarray          # bool
    shadow: np.ndarray           # bool
    attrs: dict


def geometry(slope_deg: np.ndarray, aspect_deg: np.ndarray, which: str,
             params: StudyAreaParams) -> S1Geometry:
    """Incidence, local incidence, range slope, layover and shadow for ``which`` geometry."""
    g = S1_GEOMETRY[which]
    n = slope_deg.shape[0]
    look = np.radians(g["look_azimuth_deg"])
    rows, cols = np.indices(slope_deg.shape)
    # Ground distance along the look direction from the centre (east = +col, north = -row).
    along_km = ((cols - n / 2) * np.sin(look) - (rows - n / 2) * np.cos(look)) \
        * params.resolution / 1000
    theta = (g["incidence_center_deg"] + INCIDENCE_GRADIENT_DEG_PER_KM * along_km)
    phi_s = np.radians(g["look_azimuth_deg"] + 180.0)   # azimuth towards the sensor
    s = np.radians(slope_deg)
    asp = np.radians(np.nan_to_num(aspect_deg, nan=0.0))
    facing = np.where(np.isnan(aspect_deg), 0.0, np.cos(phi_s - asp))
    alpha_r = np.degrees(np.arctan(np.tan(s) * facing))
    th = np.radians(theta)
    cos_loc = np.cos(th) * np.cos(s) + np.sin(th) * np.sin(s) * facing
    local = np.degrees(np.arccos(np.clip(cos_loc, -1, 1)))
    layover = alpha_r >= theta
    shadow = alpha_r <= -(90.0 - theta)
    attrs = {
        "orbit_direction": g["orbit_direction"],
        "heading_deg": g["heading_deg"],
        "look_azimuth_deg": g["look_azimuth_deg"],
        "sensor_azimuth_deg": (g["look_azimuth_deg"] + 180.0) % 360.0,
        "incidence_angle_deg": g["incidence_center_deg"],
        "incidence_min_deg": round(float(theta.min()), 3),
        "incidence_max_deg": round(float(theta.max()), 3),
        "layover_fraction": round(float(layover.mean()), 4),
        "shadow_fraction": round(float(shadow.mean()), 4),
    }
    return S1Geometry(theta.astype(np.float32), local.astype(np.float32),
                      alpha_r.astype(np.float32), layover, shadow, attrs)


def _terrain_factor(geo: S1Geometry) -> np.ndarray:
    """sigma0 / gamma0 = cos(theta) * SCF, with layover bright and shadow at zero."""
    th = np.radians(geo.incidence.astype(np.float64))
    ar = np.radians(geo.alpha_r.astype(np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        scf = np.tan(np.pi / 2 - th + ar) / np.tan(np.pi / 2 - th)
    scf = np.where(geo.layover | (scf > 8) | (scf < 0), 8.0, scf)
    factor = np.cos(th) * scf
    factor[geo.layover] *= 1.5
    factor[geo.shadow] = 0.0
    return factor.astype(np.float32)


def edge_weight(slides: LandslideSet, resolution: float) -> np.ndarray:
    """Per-pixel weight 0-1 of the edge signature: 0 for slides under 0.1 ha, 1 above 0.5 ha.

    >>> ids = np.zeros((5, 80), np.uint16); ids[1:4, 1:4] = 1; ids[:, 10:70] = 2
    >>> w = edge_weight(LandslideSet(ids, (ids > 0).astype(np.uint8)), 10.0)
    >>> float(w[2, 2]), float(w[2, 20])
    (0.0, 1.0)
    """
    from course_lib.simulator.fields import smoothstep

    area_m2 = np.bincount(slides.ids.ravel()).astype(np.float64) * resolution**2
    weight = smoothstep(area_m2, EDGE_MIN_AREA_M2, EDGE_FULL_AREA_M2).astype(np.float32)
    weight[0] = 0.0
    return weight[slides.ids]


def _landslide_change_db(slides: LandslideSet, landcover: np.ndarray, look_azimuth: float,
                         contrast: float, weight: np.ndarray | None = None
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Extra dB from the near-edge darkening and the far-side band, and the far-band mask.

    ``weight`` (per pixel inside the slides, 0-1) scales the signature of each slide (see
    :func:`edge_weight`); the far band takes the weight of the slide it borders.
    """
    inside = slides.ids > 0
    if weight is None:
        weight = inside.astype(np.float32)
    near = np.zeros_like(inside)
    for k in range(1, NEAR_EDGE_PX + 1):
        # Pixels whose neighbour k pixels towards the sensor is outside the scar.
        dr, dc = azimuth_offset(look_azimuth, k)   # k pixels along the look direction
        near |= inside & ~shift2d(inside, dr, dc, fill=False)
    far = np.zeros_like(inside)
    far_w = np.zeros(inside.shape, dtype=np.float32)
    for k in range(1, FAR_BAND_PX + 1):
        dr, dc = azimuth_offset(look_azimuth, k)
        here = ~inside & shift2d(inside, dr, dc, fill=False)
        far |= here
        far_w = np.maximum(far_w, np.where(here, shift2d(weight, dr, dc, fill=0.0), 0.0))
    height = np.zeros(256, dtype=np.float32)
    for code, value in COVER_HEIGHT.items():
        height[code] = value
    change = np.zeros(inside.shape, dtype=np.float32)
    change[near] += NEAR_EDGE_DB * contrast * weight[near]
    change[far] += FAR_BAND_DB * contrast * height[landcover[far]] * far_w[far]
    return change, far


def simulate_s1(name: str, landcover: np.ndarray, slides: LandslideSet, geo: S1Geometry,
                params: StudyAreaParams, rng: np.random.Generator,
                texture: np.ndarray, changes: ChangeSet | None = None
                ) -> tuple[np.ndarray, tuple[str, ...]]:
    """Linear sigma0 ``(time, 2, rows, cols)`` float32 for ``name`` like ``"asc_post"``.

    ``changes`` (optional) adds the other changes (clear-cuts, flood sediment, mowing, ...)
    from the day each happened.
    """
    which, period = name.split("_")
    dates = S1_DATES[name]
    shape = landcover.shape
    post = period == "post"
    table = np.zeros((256, 2), dtype=np.float32)
    for cname, values in GAMMA0_DB.items():
        table[LANDCOVER_CODES[cname]] = values
    gamma_db = np.moveaxis(table[landcover], -1, 0)   # (2, rows, cols)
    if post and slides.records:
        tones = {rec["id"]: rec["deposit_tone"] for rec in slides.records}
        scar = slides.parts == SCAR
        gamma_db[:, scar] = np.asarray(SCAR_DB, dtype=np.float32)[:, None]
        for tone in ("light", "dark"):
            ids = [i for i, t in tones.items() if t == tone]
            sel = (slides.parts == DEPOSIT) & np.isin(slides.ids, ids)
            gamma_db[:, sel] = np.asarray(DEPOSIT_DB[tone], dtype=np.float32)[:, None]
        # Blend the material change by the contrast knob (0 = no landslide signal).
        base = np.moveaxis(table[landcover], -1, 0)
        gamma_db = base + params.sar_landslide_contrast * (gamma_db - base)
        change, _ = _landslide_change_db(slides, landcover, geo.attrs["look_azimuth_deg"],
                                         params.sar_landslide_contrast,
                                         edge_weight(slides, params.resolution))
        gamma_db = gamma_db + change[None]
    gamma_db = gamma_db + texture
    terrain = _terrain_factor(geo)
    water = landcover == LANDCOVER_CODES["water"]
    wettable = np.isin(landcover, (3, 4, 7)) | (slides.parts > 0 if post else False)
    forest = np.isin(landcover, (5, 6))
    sway_fields = (smooth_noise(rng, shape, 15.0), smooth_noise(rng, shape, 15.0))
    out = np.empty((len(dates), 2, *shape), dtype=np.float32)
    for t, date in enumerate(dates):
        offset = rng.normal(0, 0.25, size=2).astype(np.float32)
        db = gamma_db + offset[:, None, None]
        wind = rng.uniform(-4.0, 8.0)        # the lake, roughened by wind or calm
        db[:, water] += wind
        if post and date <= WET_UNTIL:
            db[:, wettable] += 1.0
        # Forest backscatter varies from date to date (wind, canopy moisture).
        a, b, c = rng.standard_normal(3)
        sway = FOREST_DATE_STD_DB * (0.45 * (a * sway_fields[0] + b * sway_fields[1])
                                     + 0.8 * c)
        db[:, forest] += sway[forest]
        if changes is not None:
            doy = _doy(date)
            active = changes.active(doy)
            for code, (dvv, dvh) in CHANGE_DB.items():
                sel = active == code
                db[0, sel] += dvv
                db[1, sel] += dvh
            mowed = active == CHANGE_CODES["hay harvest"]
            if mowed.any():
                fresh = np.exp(-(doy - changes.doy[mowed]) / 18.0).astype(np.float32)
                db[0, mowed] += -0.5 * fresh
                db[1, mowed] += -1.2 * fresh
        sigma0 = 10 ** (db / 10) * terrain[None]
        for b, band in enumerate(S1_BANDS):
            noisy = sigma0[b] + NESZ_LINEAR[band]
            out[t, b] = (noisy * correlated_speckle(rng, shape, params.speckle_looks)
                         ).astype(np.float32)
    return out, dates


def _doy(date: str) -> int:
    from datetime import date as _date

    return _date.fromisoformat(date).timetuple().tm_yday


def correlated_speckle(rng: np.random.Generator, shape: tuple[int, int], looks: float,
                       sigma_px: float = SPECKLE_CORRELATION_PX) -> np.ndarray:
    """Multiplicative speckle with mean 1, variance ``1 / looks`` and correlated over about
    ``2 sigma_px`` pixels.

    Gamma speckle of ``looks * sum(w^2)`` looks is smoothed with a normalised Gaussian kernel
    ``w``: a weighted sum of independent values has variance ``sum(w^2)`` times theirs, so
    the result keeps the variance ``1 / looks`` of ``looks``-look speckle per pixel while
    neighbours now share part of it, as in a GRD product resampled to half its resolution.

    >>> x = correlated_speckle(np.random.default_rng(0), (256, 256), 4.4)
    >>> round(float(x.mean()), 2), round(float(x.var() * 4.4), 1)
    (1.0, 1.0)
    """
    from scipy import ndimage

    radius = int(np.ceil(3 * sigma_px))
    grid = np.arange(-radius, radius + 1)
    w1 = np.exp(-0.5 * (grid / sigma_px) ** 2)
    w1 /= w1.sum()
    sum_w2 = float((w1**2).sum()) ** 2
    base_looks = looks * sum_w2
    raw = rng.gamma(base_looks, 1.0 / base_looks, size=shape).astype(np.float32)
    return ndimage.gaussian_filter(raw, sigma_px, truncate=radius / sigma_px, mode="wrap")


def static_texture(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A fixed (2, rows, cols) dB texture of the ground (canopy gaps, boulders, fields)."""
    return (0.8 * smooth_noise(rng, shape, 1.5)[None] * np.array([1.0, 1.2])[:, None, None]
            ).astype(np.float32)
