"""Sentinel-2 Level-2A-like acquisitions of the study area before and after 30 July 2019.

For each date the simulator builds, band by band (B02 blue, B03 green, B04 red, B08 NIR,
B11 and B12 SWIR):

1. **surface reflectance** from a typical spectrum per land cover (values in the range of
   the USGS and ECOSTRESS spectral libraries), with a fixed within-class texture, a little
   seasonal change, soft (mixed-pixel) boundaries between covers, grass fields that are cut
   and regrow (each field on its own dates), seasonal snow patches that melt upwards through
   the summer, firn and dirty ice, the other changes between the dates (clear-cuts, flood
   sediment, road works, slush-flow tracks; ``confusers``), and, after the event, the
   landslide scars (wet soil and boulders) and light or dark deposits, mixed with the old
   cover at their edges;
2. **terrain illumination**: direct light scaled by cos(i) / cos(z) (i the local solar
   incidence, z the solar zenith) and cut by cast shadows, plus diffuse sky light scaled by
   the sky-view factor (1 + cos slope) / 2; the diffuse share is larger in blue, so shadows
   look bluish. ``terrain_overcorrection`` (on by default, moderate) mimics the
   over-brightened shadows of the paper's Level-2A images;
3. **clouds**: thick clouds (a thresholded fractal field with soft, thin edges), thin
   cirrus on some dates, and **cloud shadows** displaced away from the sun by
   h tan(z) for a cloud height h of 1-3 km;
4. the sensor: a Gaussian point spread and a seeded sub-pixel misregistration per date
   (:func:`shifted_gaussian`), a small per-date gain and blue offset (imperfect atmospheric
   correction) and sensor noise.

Then it derives the two quality layers a user gets with L2A, deliberately imperfect: the
**SCL** scene classification (codes as in ESA's Sen2Cor: 0 no data, 1 saturated/defective,
2 dark area, 3 cloud shadow, 4 vegetation, 5 not vegetated, 6 water, 7 unclassified, 8 cloud
medium probability, 9 cloud high probability, 10 thin cirrus, 11 snow/ice), which misses the
faint edges of clouds and some shadows, flags some bright rock as cloud and does not call
dirty ice snow; and an
s2cloudless-like **cloud probability** (0-1), smoothed like ``average_over``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import ndimage

from course_lib.data.sentinel2 import SCL_CLASSES  # noqa: F401  (re-exported by the package)
from course_lib.simulator.confusers import CHANGE_SPECTRA, ChangeSet
from course_lib.simulator.fields import (fractal_noise, shift2d, smooth_noise, smoothstep,
                                         streaky_noise)
from course_lib.simulator.landcover import LANDCOVER_CODES
from course_lib.simulator.landscape import Landscape
from course_lib.simulator.landslides import SCAR, LandslideSet
from course_lib.simulator.params import StudyAreaParams
from course_lib.terrain import cast_shadow, illumination, solar_position

S2_BANDS = ("B02", "B03", "B04", "B08", "B11", "B12")
#: Acquisition dates in the month before and the month after the event (30 July 2019).
S2_DATES = {
    "pre": ("2019-07-02", "2019-07-09", "2019-07-17", "2019-07-24"),
    "post": ("2019-07-31", "2019-08-07", "2019-08-13", "2019-08-25"),
}
#: Cloud fraction of each date at ``cloud_cover=1``: the day after the storm is almost
#: overcast and no post-event date is clear (13 August, the clearest, about 17 %), so the
#: composite has to combine dates.
S2_CLOUD_FRACTION = {"pre": (0.45, 0.15, 0.65, 0.08), "post": (0.92, 0.35, 0.17, 0.5)}
#: Thin cirrus on these dates (index within the period).
S2_CIRRUS = {"pre": (0, 2), "post": (1, 3)}
#: Overpass time (UTC) used for the sun position; Sentinel-2 crosses western Norway in the
#: late morning (local mean solar time about 11:00).
OVERPASS_UTC = (10, 40)
LATITUDE, LONGITUDE = 61.45, 6.3

#: The true masks stored with each period (what a perfect cloud mask would find).
TRUTH_BANDS = ("cloud", "cloud_shadow", "snow")
#: Opacity above which a pixel counts as cloud in the truth (thin edges below it are the
#: ones SCL tends to miss), and shadow strength above which it counts as cloud shadow.
TRUE_CLOUD_OPACITY, TRUE_SHADOW_STRENGTH = 0.1, 0.3

# SCL_CLASSES (the Sentinel-2 L2A scene classification codes) is defined once, in
# course_lib.clouds, and imported above.

# Surface reflectance spectra (B02, B03, B04, B08, B11, B12).
SPECTRA = {
    "water": (0.045, 0.060, 0.035, 0.015, 0.008, 0.005),       # glacier-fed, greenish
    "snow_ice": (0.78, 0.76, 0.73, 0.63, 0.07, 0.05),         # old summer snow and ice
    "bare_rock": (0.10, 0.13, 0.15, 0.22, 0.26, 0.20),        # gneiss
    "alpine_scrub": (0.035, 0.065, 0.055, 0.26, 0.19, 0.10),
    "spruce_forest": (0.015, 0.035, 0.020, 0.21, 0.10, 0.045),
    "birch_forest": (0.025, 0.060, 0.030, 0.36, 0.18, 0.075),
    "agriculture": (0.030, 0.075, 0.040, 0.42, 0.21, 0.095),  # uncut grass
    "urban": (0.085, 0.095, 0.105, 0.19, 0.21, 0.18),
    "road": (0.070, 0.080, 0.090, 0.12, 0.15, 0.13),
}
#: Firn and dirty glacier ice (dust, debris, cryoconite): far darker than clean snow in the
#: visible (about 0.2-0.4; Cuffey & Paterson 2010, table 5.2), so Sen2Cor's brightness test
#: does not call it snow.
DIRTY_ICE = (0.30, 0.30, 0.29, 0.25, 0.035, 0.03)
#: Below this green reflectance the simulated SCL does not call a snow pixel snow (Sen2Cor's
#: snow detection needs a bright green band as well as a high NDSI).
SCL_SNOW_MIN_GREEN = 0.32
CUT_GRASS = (0.055, 0.085, 0.085, 0.23, 0.27, 0.17)
SEASONAL_SNOW = (0.85, 0.83, 0.80, 0.70, 0.09, 0.06)
SCAR_SPECTRUM = (0.065, 0.085, 0.105, 0.17, 0.23, 0.18)     # wet soil, boulders, bedrock
DEPOSIT_SPECTRA = {"light": (0.10, 0.125, 0.15, 0.21, 0.28, 0.22),
                   "dark": (0.045, 0.055, 0.065, 0.11, 0.15, 0.11)}
CLOUD_SPECTRUM = (0.62, 0.60, 0.60, 0.62, 0.42, 0.30)
CIRRUS_SPECTRUM = (0.12, 0.11, 0.10, 0.10, 0.08, 0.06)
#: Share of diffuse sky light in the clear-sky irradiance, by band (larger in blue).
DIFFUSE_FRACTION = np.array([0.26, 0.19, 0.14, 0.08, 0.05, 0.04])
NOISE_STD = np.array([0.0015, 0.0015, 0.0015, 0.002, 0.002, 0.002])  # SNR of order 100
VEGETATION_CODES = (4, 5, 6, 7)
#: Point spread function of the 10 m bands as a Gaussian: sigma 0.5 pixel gives a modulation
#: transfer of about 0.3 at the Nyquist frequency, the order of Sentinel-2's measured MTF
#: (0.15-0.3; ESA Sentinel-2 Data Quality Report). The 20 m bands get twice as much.
PSF_SIGMA_PX = 0.5
#: Standard deviation of the date-to-date misregistration (pixels). Sentinel-2's multi-
#: temporal registration is specified at 0.3 pixel (2 sigma; Gascon et al. 2017, *Remote
#: Sensing* 9:584), and real stacks are often a little worse.
MISREGISTRATION_PX = 0.3
#: Mixed pixels at land-cover boundaries: the base reflectance is smoothed with this sigma.
BOUNDARY_SIGMA_PX = 0.8
#: Regrowth time constant (days) of mowed grass.
REGROWTH_DAYS = 18.0


@dataclass
class S2Series:
    """One period's acquisitions: reflectance, SCL, cloud probability and metadata."""

    reflectance: np.ndarray   # (time, 6, rows, cols) float32
    scl: np.ndarray           # (time, 1, rows, cols) uint8
    cloud_prob: np.ndarray    # (time, 1, rows, cols) float32 0-1
    truth: np.ndarray         # (time, 3, rows, cols) uint8 0/1: cloud, cloud shadow, snow
    dates: tuple[str, ...]
    sun_azimuth: tuple[float, ...]
    sun_elevation: tuple[float, ...]
    cloud_fraction: tuple[float, ...]   # true fraction of pixels with cloud opacity > 0.3


def _doy(date: str) -> int:
    return datetime.fromisoformat(date).timetuple().tm_yday


def _as_20m(bands: np.ndarray) -> np.ndarray:
    """Average 2 x 2 blocks and repeat them: a 20 m band resampled to 10 m (nearest).

    >>> _as_20m(np.arange(16, dtype=np.float32).reshape(1, 4, 4))[0, :2, :2].tolist()
    [[2.5, 2.5], [2.5, 2.5]]
    """
    rows, cols = bands.shape[-2:]
    r2, c2 = rows - rows % 2, cols - cols % 2
    out = bands.copy()
    blocks = bands[..., :r2, :c2].reshape(*bands.shape[:-2], r2 // 2, 2, c2 // 2, 2)
    means = blocks.mean(axis=(-3, -1))
    out[..., :r2, :c2] = np.repeat(np.repeat(means, 2, axis=-2), 2, axis=-1)
    return out


def shifted_gaussian(sigma: float, shift: float) -> np.ndarray:
    """1-D correlation weights that blur by a Gaussian of ``sigma`` pixels and move the image
    by ``shift`` pixels (``out[i] = blurred in[i - shift]``) in one pass.

    >>> w = shifted_gaussian(0.5, 0.0); len(w), round(float(w.sum()), 6), int(np.argmax(w))
    (7, 1.0, 3)
    >>> x = np.zeros(21); x[10] = 1.0
    >>> y = ndimage.correlate1d(x, shifted_gaussian(0.5, 1.0)); int(np.argmax(y))
    11
    """
    radius = int(np.ceil(3 * sigma + abs(shift))) + 1
    k = np.arange(-radius, radius + 1, dtype=np.float64)
    w = np.exp(-0.5 * ((k + shift) / sigma) ** 2)
    return w / w.sum()


def _base_reflectance(landcover: np.ndarray) -> np.ndarray:
    """(6, rows, cols) spectra looked up from the land cover."""
    table = np.zeros((256, 6), dtype=np.float32)
    for name, spectrum in SPECTRA.items():
        table[LANDCOVER_CODES[name]] = spectrum
    return np.moveaxis(table[landcover], -1, 0)


def _mix(base: np.ndarray, spectrum, weight: np.ndarray) -> None:
    """In place: base = (1 - w) base + w spectrum, for the pixels where w > 0."""
    sel = weight > 0
    if not sel.any():
        return
    w = weight[sel]
    for b, value in enumerate(spectrum):
        base[b][sel] = (1 - w) * base[b][sel] + w * value


class Sentinel2Simulator:
    """Holds the static layers so that each date only adds what changes."""

    def __init__(self, land: Landscape, landcover: np.ndarray, field_ids: np.ndarray,
                 slides: LandslideSet, slope_deg: np.ndarray, aspect_deg: np.ndarray,
                 params: StudyAreaParams, rng: np.random.Generator) -> None:
        self.land, self.landcover, self.params = land, landcover, params
        self.slope, self.aspect = slope_deg, aspect_deg
        shape = landcover.shape
        self.rng = rng
        self.base = _base_reflectance(landcover)
        # Part of the permanent snow and ice is firn or dirty ice (lower, flatter patches).
        dirt = smooth_noise(rng, shape, max(2.0, 6 * params.scale))
        self.dirty_ice = (landcover == LANDCOVER_CODES["snow_ice"]) & (dirt > 0.2)
        _mix(self.base, DIRTY_ICE, self.dirty_ice.astype(np.float32))
        # Soft boundaries: a 10 m pixel on an edge sees both covers (mixed pixels).
        self.base = ndimage.gaussian_filter(self.base, (0, BOUNDARY_SIGMA_PX, BOUNDARY_SIGMA_PX))
        # Within-class texture: canopy gaps and crowns (fine), stands and soils (coarse).
        forest = np.isin(landcover, (5, 6)).astype(np.float32)
        texture = (1 + (0.06 + 0.08 * forest) * smooth_noise(rng, shape, 1.0)
                   + 0.06 * smooth_noise(rng, shape, 6))
        self.base *= texture[None]
        # Grass fields: a first cut from mid June to early July, and a second cut for most
        # fields from late July to late August (two cuts a summer in western Norway).
        n_fields = int(field_ids.max())
        self.field_ids = field_ids
        self.cut1 = rng.uniform(165, 190, n_fields + 1)
        self.cut2 = np.where(rng.uniform(size=n_fields + 1) < 0.7,
                             rng.uniform(205, 240, n_fields + 1), 999.0)
        self.changes: ChangeSet | None = None   # other changes, set by the generator
        # Seasonal snow: a melt line rising through the summer.
        self.snow_noise = 80 * smooth_noise(rng, shape, max(2.0, 8 * params.scale))
        north = np.cos(np.radians(np.nan_to_num(aspect_deg, nan=90.0)))
        self.snow_local = land.effective_elevation + self.snow_noise + 150 * north
        self.snow_ok = (slope_deg < 40) & ~(land.lake | land.river)
        # Landslide materials (post-event), with sub-pixel mixing at the edges.
        self.slides = slides
        parts = slides.parts
        inside = parts > 0
        soft = ndimage.gaussian_filter(inside.astype(np.float32), 0.7)
        residual_veg = np.clip(0.12 + 0.1 * smooth_noise(rng, shape, 1.0), 0, 0.35)
        self.slide_weight = np.where(inside, 1 - residual_veg, np.clip(soft * 0.6, 0, 0.4))
        self.slide_weight[landcover == LANDCOVER_CODES["water"]] = 0
        # The material nearest each edge pixel decides its spectrum.
        _, (ir, ic) = ndimage.distance_transform_edt(~inside, return_indices=True)
        nearest_part = parts[ir, ic]
        nearest_id = slides.ids[ir, ic]
        tone = np.zeros(int(slides.ids.max()) + 1, dtype=np.uint8)
        for rec in slides.records:
            tone[rec["id"]] = 1 if rec["deposit_tone"] == "light" else 2
        self.slide_material = np.where(nearest_part == SCAR, 3,
                                       tone[nearest_id]).astype(np.uint8)
        self.slide_material[self.slide_weight <= 0] = 0
        self.field_noise = smooth_noise(rng, shape, 2.0)
        self.change_weight = np.clip(0.85 + 0.1 * smooth_noise(rng, shape, 1.0), 0.6, 1.0)

    # ------------------------------------------------------------------ surface
    def surface(self, date: str, post: bool) -> tuple[np.ndarray, np.ndarray]:
        """Surface reflectance (6, rows, cols) and the seasonal snow mask of one date."""
        doy = _doy(date)
        refl = self.base.copy()
        veg = np.isin(self.landcover, VEGETATION_CODES)
        season = 1 + 0.04 * np.cos(2 * np.pi * (doy - 205) / 120)
        refl[3][veg] *= season
        refl[2][veg] /= season
        # Grass fields: cut fields are stubble, regrowing over about two weeks.
        if self.field_ids.max() > 0:
            fid = self.field_ids
            since1 = doy - self.cut1[fid]
            since2 = doy - self.cut2[fid]
            since = np.where(since2 >= 0, since2, since1)
            cut_state = np.where(since >= 0, np.exp(-np.maximum(since, 0) / REGROWTH_DAYS), 0.0)
            cut_state = np.where(fid > 0, cut_state, 0).astype(np.float32)
            _mix(refl, CUT_GRASS, cut_state)
        # Seasonal snow melting upwards (about 5.5 m a day).
        snow = np.zeros(self.landcover.shape, dtype=bool)
        if self.params.snow_cover > 0:
            melt_line = 1150 + 5.5 * (doy - 183) - 300 * (self.params.snow_cover - 1)
            snow = self.snow_ok & (self.snow_local > melt_line)
            _mix(refl, SEASONAL_SNOW, snow.astype(np.float32))
        if self.changes is not None:
            active = self.changes.active(doy)
            for code, spectrum in CHANGE_SPECTRA.items():
                _mix(refl, spectrum, np.where(active == code, self.change_weight, 0))
        if post:
            mat = self.slide_material
            for code, spectrum in ((3, SCAR_SPECTRUM), (1, DEPOSIT_SPECTRA["light"]),
                                   (2, DEPOSIT_SPECTRA["dark"])):
                _mix(refl, spectrum, np.where(mat == code, self.slide_weight, 0))
        return refl, snow | (self.landcover == LANDCOVER_CODES["snow_ice"])

    # ------------------------------------------------------------------ one date
    def acquire(self, date: str, post: bool, cloud_fraction: float, cirrus: bool,
                with_truth: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
        """Reflectance (6, r, c) float32, SCL (r, c) uint8, cloud probability (r, c), info.

        With ``with_truth``, ``info`` also holds the true cloud ``opacity``, cloud
        ``shadow`` strength, ``cirrus`` opacity and ``snow`` mask (for tests and teaching).
        """
        rng, params = self.rng, self.params
        shape = self.landcover.shape
        n = shape[0]
        y, m, d = (int(v) for v in date.split("-"))
        sun_az, sun_el = solar_position(datetime(y, m, d, *OVERPASS_UTC), LATITUDE, LONGITUDE)
        zen = np.radians(90 - sun_el)
        refl, snow = self.surface(date, post)

        # Terrain illumination.
        cos_i = np.clip(illumination(self.land.dem, params.resolution, sun_az, sun_el), 0, None)
        cast = cast_shadow(self.land.dem, params.resolution, sun_az, sun_el)
        # float32 throughout: the per-date arrays are (6, rows, cols).
        direct = (cos_i * ~cast / np.float32(np.cos(zen))).astype(np.float32)
        sky_view = ((1 + np.cos(np.radians(self.slope))) / 2).astype(np.float32)

        # Clouds on a padded grid, so that shadows can come from outside the area.
        height_m = rng.uniform(1000, 3000) * params.scale
        shift_px = height_m * np.tan(zen) / params.resolution
        margin = int(np.ceil(shift_px)) + 2
        padded = (n + 2 * margin, n + 2 * margin)
        cloud_field = fractal_noise(rng, padded, beta=3.0, largest_px=max(8, 0.5 * n),
                                    smallest_px=2.0)
        frac = float(np.clip(cloud_fraction, 0.0, 0.98))
        if frac > 0:
            thr = np.quantile(cloud_field, 1 - frac)
            opacity_pad = smoothstep(cloud_field, thr - 0.25, thr + 0.9) ** 0.8
        else:
            opacity_pad = np.zeros(padded, dtype=np.float32)
        # The shadow is the cloud moved away from the sun: out[p] = cloud[p - offset].
        az = np.radians(sun_az)
        d_row, d_col = int(round(np.cos(az) * shift_px)), int(round(-np.sin(az) * shift_px))
        shadow_pad = shift2d(opacity_pad, d_row, d_col)
        crop = (slice(margin, margin + n), slice(margin, margin + n))
        opacity = opacity_pad[crop].astype(np.float32)
        shadow = np.clip(shadow_pad[crop] * 1.1, 0, 1).astype(np.float32)
        cirrus_op = np.zeros(shape, dtype=np.float32)
        if cirrus and params.cloud_cover > 0:
            angle = rng.uniform(0, 180)
            g = (0.6 * streaky_noise(rng, shape, max(4.0, 90 * params.scale),
                                     max(1.5, 6 * params.scale), angle)
                 + 0.4 * smooth_noise(rng, shape, max(3.0, 60 * params.scale)))
            cirrus_op = (0.35 * smoothstep(g, 0.2, 1.6) * min(1.0, params.cloud_cover)
                         ).astype(np.float32)

        # Illumination: direct (cut by cloud shadow) plus diffuse sky light, per band.
        direct_shadowed = direct * (1 - 0.85 * shadow)
        f = DIFFUSE_FRACTION.astype(np.float32)[:, None, None]
        illum = (1 - f) * direct_shadowed[None] + f * sky_view[None]
        ground = refl * illum
        if params.terrain_overcorrection > 0:
            dark = np.clip((0.45 - direct) / 0.45, 0, 1)
            tint = np.array([1.6, 1.3, 1.1, 0.9, 0.7, 0.7], dtype=np.float32)[:, None, None]
            ground *= 1 + np.float32(params.terrain_overcorrection) * dark[None] * tint

        # The sensor: point spread (blur) and this date's misregistration (sub-pixel shift).
        ground = self._sensor(ground, rng)

        brightness_texture = 0.8 + 0.2 * smoothstep(
            smooth_noise(rng, shape, 2.0), -2, 2)
        cloud = (np.asarray(CLOUD_SPECTRUM, dtype=np.float32)[:, None, None]
                 * brightness_texture.astype(np.float32)[None])
        toa = (1 - opacity[None]) * ground + opacity[None] * cloud
        toa = toa + cirrus_op[None] * np.asarray(CIRRUS_SPECTRUM, dtype=np.float32)[:, None, None]
        gain = rng.normal(1.0, 0.015)
        offset = np.array([rng.uniform(0, 0.008), rng.uniform(0, 0.004), 0, 0, 0, 0])
        toa = toa * np.float32(gain) + offset.astype(np.float32)[:, None, None]
        toa += (rng.standard_normal(toa.shape, dtype=np.float32)
                * NOISE_STD.astype(np.float32)[:, None, None])
        toa = np.clip(toa, 0.0001, 1.6).astype(np.float32)
        toa[4:] = _as_20m(toa[4:])   # B11 and B12 are 20 m bands, delivered on the 10 m grid

        scl, prob = self._quality(toa, opacity, shadow, cirrus_op, snow, direct)
        info = dict(sun_azimuth=round(sun_az, 2), sun_elevation=round(sun_el, 2),
                    cloud_fraction=round(float((opacity > 0.3).mean()), 4),
                    cloud_height_m=round(height_m, 1), shadow_shift_px=(d_row, d_col))
        if with_truth:
            info.update(opacity=opacity, shadow=shadow, cirrus=cirrus_op, snow=snow)
        return toa, scl, prob, info

    def _sensor(self, ground: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Blur by the point spread function and shift by a seeded sub-pixel offset."""
        shift = rng.normal(0.0, MISREGISTRATION_PX, size=2)
        out = np.empty_like(ground)
        for b in range(ground.shape[0]):
            sigma = PSF_SIGMA_PX * (2.0 if b >= 4 else 1.0)
            band = ground[b]
            for axis in (0, 1):
                band = ndimage.correlate1d(band, shifted_gaussian(sigma, shift[axis]),
                                           axis=axis, mode="nearest")
            out[b] = band
        self.last_shift = (float(shift[0]), float(shift[1]))
        return out

    # ------------------------------------------------------------------ SCL and cloud prob
    def _quality(self, toa, opacity, shadow, cirrus_op, snow, direct):
        rng = self.rng
        shape = opacity.shape
        red, nir = toa[2], toa[3]
        ndvi = (nir - red) / np.maximum(nir + red, 1e-6)
        vis = toa[:3].mean(axis=0)
        water = self.landcover == LANDCOVER_CODES["water"]
        bright_ground = np.isin(self.landcover, (2, 3)) | snow
        # s2cloudless-like probability: the cloud, some false alarms on bright ground, noise.
        false_alarm = 0.45 * smoothstep(vis, 0.25, 0.7) * bright_ground
        prob = np.clip(1.15 * opacity + 0.9 * cirrus_op + false_alarm
                       + 0.04 * smooth_noise(rng, shape, 3.0), 0, 1)
        prob = ndimage.uniform_filter(prob, size=5).astype(np.float32)  # like average_over

        scl = np.where(ndvi > 0.4, 4, 5).astype(np.uint8)
        scl[(ndvi > 0.36) & (ndvi <= 0.4)] = 7
        scl[water] = 6
        scl[snow & (opacity < 0.4) & (toa[1] > SCL_SNOW_MIN_GREEN)] = 11
        scl[(direct < 0.25) & ~water & (vis < 0.05)] = 2
        detect_noise = smooth_noise(rng, shape, 4.0)
        scl[(shadow > 0.45) & (detect_noise > -0.6) & (opacity < 0.3)] = 3
        scl[(cirrus_op > 0.15) & (opacity < 0.3)] = 10
        # Sen2Cor-like thresholds miss the faint cloud edges (opacity below about 0.3).
        seen = opacity * (1 + 0.15 * detect_noise)
        scl[(seen > 0.3) & (seen <= 0.65)] = 8
        scl[seen > 0.65] = 9
        false_cloud = bright_ground & (vis > 0.3) & (smooth_noise(rng, shape, 3.0) > 1.3)
        scl[false_cloud & (opacity < 0.3)] = 8
        return scl, prob


def simulate_period(period: str, land: Landscape, landcover: np.ndarray,
                    field_ids: np.ndarray, slides: LandslideSet, slope_deg: np.ndarray,
                    aspect_deg: np.ndarray, params: StudyAreaParams,
                    rng: np.random.Generator, simulator: Sentinel2Simulator | None = None
                    ) -> tuple[S2Series, Sentinel2Simulator]:
    """All acquisitions of ``period`` ("pre" or "post")."""
    if period not in S2_DATES:
        raise ValueError(f"period must be 'pre' or 'post'; got {period!r}.")
    sim = simulator or Sentinel2Simulator(land, landcover, field_ids, slides, slope_deg,
                                          aspect_deg, params, rng)
    dates = S2_DATES[period]
    n = params.size
    refl = np.empty((len(dates), len(S2_BANDS), n, n), dtype=np.float32)
    scl = np.empty((len(dates), 1, n, n), dtype=np.uint8)
    prob = np.empty((len(dates), 1, n, n), dtype=np.float32)
    truth = np.empty((len(dates), len(TRUTH_BANDS), n, n), dtype=np.uint8)
    infos = []
    for t, date in enumerate(dates):
        frac = S2_CLOUD_FRACTION[period][t] * params.cloud_cover
        refl[t], scl[t, 0], prob[t, 0], info = sim.acquire(
            date, period == "post", frac, t in S2_CIRRUS[period], with_truth=True)
        truth[t, 0] = (info.pop("opacity") > TRUE_CLOUD_OPACITY) | (info.pop("cirrus") > 0.15)
        truth[t, 1] = (info.pop("shadow") > TRUE_SHADOW_STRENGTH) & (truth[t, 0] == 0)
        truth[t, 2] = info.pop("snow") & (truth[t, 0] == 0)
        infos.append(info)
    series = S2Series(refl, scl, prob, truth, dates,
                      tuple(i["sun_azimuth"] for i in infos),
                      tuple(i["sun_elevation"] for i in infos),
                      tuple(i["cloud_fraction"] for i in infos))
    return series, sim
