"""Cloud, cloud-shadow and snow masks: Sentinel-2 SCL, Landsat CFmask, s2cloudless, shadow projection.

Conventions:

* Masks are boolean arrays, ``True`` where the condition holds (``cloud``, ``shadow``...),
  with the same shape as the classification layer they come from. A layer stored with a
  singleton band axis, e.g. SCL as ``(time, 1, rows, cols)``, gives masks ``(time, rows, cols)``.
* Images are band-first, ``(bands, rows, cols)``, as in :class:`~course_lib.data.raster.Raster`,
  except the s2cloudless input, which the library wants band-LAST: ``(N, rows, cols, 10)``.
* Reflectance is float on the 0-1 scale; raw digital numbers are refused with a clear error.

Sources:

* Sentinel-2 Scene Classification (SCL) codes: ESA Sentinel-2 L2A Product Specification /
  Sen2Cor user manual. Processing baseline 04.00 (25 January 2022) added an offset of 1000 to
  the digital numbers: reflectance = (DN - 1000) / 10000 (ESA, "Sentinel-2: Processing Baseline
  04.00", BOA_ADD_OFFSET / RADIO_ADD_OFFSET).
* CFmask codes: Foga et al. 2017, *Remote Sens. Environ.* 194:379 (Zhu and Woodcock 2012 Fmask).
* s2cloudless: Zupanc 2017, Sentinel Hub blog "Improving cloud detection with machine
  learning"; Skakun et al. 2022, *Remote Sens. Environ.* 274:112990 (the CMIX comparison).
* Shadow projection: the Google Earth Engine community tutorial "Sentinel-2 Cloud Masking
  with s2cloudless" (J. Braaten): dark NIR pixels that are not water, inside the cloud mask
  projected away from the sun, then erode / dilate the cloud-or-shadow mask.

Examples:
    >>> scl = np.array([[4, 8, 9], [3, 11, 0]], dtype=np.uint8)
    >>> masks = scl_masks(scl)
    >>> masks.cloud.astype(int).tolist(), masks.clear.astype(int).tolist()
    ([[0, 1, 1], [0, 0, 0]], [[1, 0, 0], [0, 0, 0]])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np
from scipy import ndimage

from course_lib.data.sentinel2 import SCL_CLASSES
from course_lib.shifts import azimuth_offset, shift
from course_lib.validation import (as_array, check_bool, check_fraction, check_integer,
                                   check_mask, check_number, check_reflectance, describe)

SCL_CLOUD = (8, 9, 10)
SCL_SHADOW = (3,)
SCL_SNOW = (11,)
SCL_NODATA = (0, 1)
SCL_WATER = 6

#: Landsat CFmask codes (checked in the bundled data: 0, 1, 2, 3, 4 and 255 occur).
FMASK_CLEAR, FMASK_WATER, FMASK_SHADOW, FMASK_SNOW, FMASK_CLOUD, FMASK_FILL = 0, 1, 2, 3, 4, 255

#: The 10 bands the s2cloudless model uses, in the order it expects.
S2CLOUDLESS_BANDS = ("B01", "B02", "B04", "B05", "B08", "B8A", "B09", "B10", "B11", "B12")

#: s2cloudless post-processing as GROUND distances, the one statement of them in the course.
#: Sentinel Hub's example notebook for the s2cloudless package (sentinel-hub/
#: sentinel2-cloud-detector, ``examples/cloud_detection.ipynb``) runs the detector on bands
#: requested at 60 m and calls ``average_over=4, dilation_size=2`` (disk radii in PIXELS)
#: "appropriate for this resolution": 4 x 60 = 240 m of averaging and 2 x 60 = 120 m of
#: dilation. :func:`s2cloudless_settings` turns these distances into pixels for any pixel
#: size (10 m: 24 and 12 pixels; 20 m: 12 and 6). (Sentinel Hub's precomputed CLP/CLM layers
#: are made at 160 m instead: docs.sentinel-hub.com, "Cloud Masks and Cloud Probabilities".)
S2CLOUDLESS_THRESHOLD = 0.4
S2CLOUDLESS_AVERAGE_M = 240.0
S2CLOUDLESS_DILATION_M = 120.0

#: The settings at 60 m, the resolution of notebook 01: threshold 0.4, 4 and 2 pixels. Set
#: explicitly: ``S2PixelCloudDetector``'s own defaults are average_over=1, dilation_size=1.
S2CLOUDLESS_DEFAULTS = {"threshold": S2CLOUDLESS_THRESHOLD, "average_over": 4, "dilation_size": 2}


def s2cloudless_settings(pixel_size: float, threshold: float = S2CLOUDLESS_THRESHOLD) -> dict:
    """s2cloudless threshold, averaging and dilation radii (pixels) for a pixel size in metres.

    The radii keep the same ground distances, :data:`S2CLOUDLESS_AVERAGE_M` (240 m) and
    :data:`S2CLOUDLESS_DILATION_M` (120 m), at any resolution.

    >>> s2cloudless_settings(60) == S2CLOUDLESS_DEFAULTS
    True
    >>> s2cloudless_settings(10)
    {'threshold': 0.4, 'average_over': 24, 'dilation_size': 12}
    """
    pixel_size = _check_pixel_size(pixel_size)
    threshold = check_number(threshold, "threshold", minimum=0, maximum=1,
                             fix="It is a probability: pass 0.4, not 40.")
    return {"threshold": threshold,
            "average_over": int(round(S2CLOUDLESS_AVERAGE_M / pixel_size)),
            "dilation_size": int(round(S2CLOUDLESS_DILATION_M / pixel_size))}


@dataclass(frozen=True)
class CloudMasks:
    """Boolean masks from one classification layer, all the same shape.

    Attributes:
        cloud: cloud (and cirrus) pixels.
        shadow: cloud-shadow pixels.
        snow: snow and ice pixels.
        nodata: pixels with no valid measurement (fill, saturated, outside the swath).
    """

    cloud: np.ndarray
    shadow: np.ndarray
    snow: np.ndarray
    nodata: np.ndarray

    @property
    def invalid(self) -> np.ndarray:
        """Pixels to drop before compositing: cloud, shadow, snow or nodata."""
        return self.cloud | self.shadow | self.snow | self.nodata

    @property
    def clear(self) -> np.ndarray:
        """Pixels to keep: not cloud, shadow, snow or nodata."""
        return ~self.invalid

    def fractions(self) -> dict[str, float]:
        """Fraction of pixels in each mask (and clear), for reporting."""
        return {name: float(np.mean(getattr(self, name)))
                for name in ("cloud", "shadow", "snow", "nodata", "clear")}


def scl_masks(scl, cloud: Iterable[int] = SCL_CLOUD, shadow: Iterable[int] = SCL_SHADOW,
              snow: Iterable[int] = SCL_SNOW, nodata: Iterable[int] = SCL_NODATA) -> CloudMasks:
    """Cloud, shadow, snow and nodata masks from a Sentinel-2 SCL layer.

    Args:
        scl: SCL codes, ``(rows, cols)``, ``(time, rows, cols)`` or ``(time, 1, rows, cols)``.
        cloud: SCL codes counted as cloud (default 8, 9, 10: medium, high, cirrus).
        shadow: codes counted as cloud shadow (default 3).
        snow: codes counted as snow or ice (default 11).
        nodata: codes counted as no data (default 0 no data, 1 saturated or defective).

    Returns:
        :class:`CloudMasks` with the band axis squeezed.

    >>> scl_masks(np.array([[10, 2]]), cloud=(8, 9)).cloud.tolist()   # cirrus kept as clear
    [[False, False]]
    """
    codes, groups = _check_scl(scl, cloud=cloud, shadow=shadow, snow=snow, nodata=nodata)
    return CloudMasks(**{name: np.isin(codes, values) for name, values in groups.items()})


def fmask_masks(fmask, reflectance=None, water_is_clear: bool = True) -> CloudMasks:
    """Cloud, shadow, snow and nodata masks from a Landsat CFmask layer.

    Args:
        fmask: CFmask codes (0 clear, 1 water, 2 shadow, 3 snow, 4 cloud, 255 fill),
            ``(rows, cols)`` or ``(time, rows, cols)``.
        reflectance: optional reflectance stack, ``(bands, rows, cols)`` or
            ``(time, bands, rows, cols)`` matching ``fmask``; pixels with any NaN band are
            nodata too (in the bundled series some fill pixels carry values and some clear
            pixels have no values, so mask with both).
        water_is_clear: keep water (code 1) as a valid observation (default) or drop it.

    Returns:
        :class:`CloudMasks` of the shape of ``fmask``.

    >>> fmask_masks(np.array([[0, 1, 2, 3, 4, 255]])).clear.astype(int).tolist()
    [[1, 1, 0, 0, 0, 0]]
    """
    codes, values = _check_fmask(fmask, reflectance, water_is_clear)
    nodata = codes == FMASK_FILL
    if not water_is_clear:
        nodata = nodata | (codes == FMASK_WATER)
    if values is not None:
        nodata = nodata | np.isnan(values).any(axis=-3)
    return CloudMasks(cloud=codes == FMASK_CLOUD, shadow=codes == FMASK_SHADOW,
                      snow=codes == FMASK_SNOW, nodata=nodata)


def s2cloudless_input(bands: np.ndarray, band_names: Iterable[str] | None = None) -> np.ndarray:
    """Arrange Sentinel-2 L1C reflectance for s2cloudless: ``(N, rows, cols, 10)``, band-last.

    Args:
        bands: band-first reflectance, ``(bands, rows, cols)`` or ``(time, bands, rows, cols)``.
            Either exactly the 10 model bands in :data:`S2CLOUDLESS_BANDS` order, or any set
            that contains them when ``band_names`` is given (e.g. all 13 bands of a Raster).
        band_names: names of the bands along the band axis.

    Raises:
        ValueError: wrong band count or missing bands, or digital numbers instead of
            reflectance (values > 2).
    """
    data = _check_s2cloudless_bands(bands, band_names)
    return np.ascontiguousarray(np.moveaxis(data, 1, -1), dtype=np.float32)


def s2cloudless_probability(data: np.ndarray) -> np.ndarray:
    """Cloud probability (0-1) from the real s2cloudless LightGBM model.

    Args:
        data: L1C top-of-atmosphere reflectance ``(N, rows, cols, 10)`` (band-last, bands
            :data:`S2CLOUDLESS_BANDS`), e.g. from :func:`s2cloudless_input`. NaN pixels get NaN.

    Returns:
        float32 ``(N, rows, cols)``. This per-pixel probability is what the threshold,
        averaging and dilation of :func:`s2cloudless_mask` act on, so compute it once.
    """
    try:
        from s2cloudless import S2PixelCloudDetector
    except ImportError as err:  # pragma: no cover - installed with the course
        raise ImportError("s2cloudless is not installed: pip install s2cloudless") from err
    data = _check_s2cloudless_array(data)
    nan = np.isnan(data).any(axis=-1)
    detector = S2PixelCloudDetector(all_bands=False, **S2CLOUDLESS_DEFAULTS)
    prob = detector.get_cloud_probability_maps(np.nan_to_num(data, nan=0.0))
    prob[nan] = np.nan
    return prob


def s2cloudless_mask(probability: np.ndarray, threshold: float = 0.4, average_over: int = 4,
                     dilation_size: int = 2) -> np.ndarray:
    """Binary cloud mask from s2cloudless probabilities, with the library's post-processing.

    The probability is averaged over a disk of radius ``average_over`` pixels, thresholded,
    then the mask is dilated with a disk of radius ``dilation_size`` pixels. Both sizes are in
    PIXELS; the course's defaults, 4 and 2, are for 60 m pixels (240 m and 120 m on the
    ground, see :data:`S2CLOUDLESS_AVERAGE_M`). For another pixel size use
    ``s2cloudless_mask(prob, **s2cloudless_settings(pixel_size))``.

    Args:
        probability: ``(N, rows, cols)`` or ``(rows, cols)`` from :func:`s2cloudless_probability`.
        threshold: probability above which a pixel is cloud (course default 0.4).
        average_over: disk radius for averaging, pixels (0 = none).
        dilation_size: disk radius for dilation, pixels (0 = none).

    Returns:
        Boolean mask of the shape of ``probability``, True for cloud **and where the
        probability is NaN** (no data: not known to be clear, so it is masked too). Next to
        nodata the averaging uses the valid pixels only (the library would take NaN as 0, a
        clear sky, and lower the probability of the cloud beside a gap).

    Raises:
        ValueError: a probability outside 0-1 (e.g. in percent), a threshold outside 0-1, or
            negative sizes.
    """
    from s2cloudless import S2PixelCloudDetector

    prob, threshold, average_over, dilation_size = _check_mask_inputs(
        probability, threshold, average_over, dilation_size)
    squeeze = prob.ndim == 2
    if squeeze:
        prob = prob[None]
    nodata = np.isnan(prob)
    detector = S2PixelCloudDetector(threshold=threshold, average_over=average_over or None,
                                    dilation_size=None, all_bands=False)
    if average_over and nodata.any():
        # Average over the valid pixels only: NaN taken as 0 would lower the probability of
        # every pixel near nodata and turn cloud beside a nodata gap into clear sky.
        prob = _average_valid(prob, detector.conv_filter)
        detector = S2PixelCloudDetector(threshold=threshold, average_over=None,
                                        dilation_size=None, all_bands=False)
    mask = detector.get_mask_from_prob(np.nan_to_num(prob, nan=0.0)).astype(np.uint8)
    mask[nodata] = 1   # no data is not clear sky
    if dilation_size:
        # The library's own dilation (cv2 with its disk), applied here because s2cloudless
        # 1.7 fails to dilate when averaging is off (cv2 cannot dilate its int8 mask).
        import cv2
        from s2cloudless.utils import cv2_disk

        kernel = cv2_disk(dilation_size)
        mask = np.stack([cv2.dilate(m, kernel) for m in mask])
    mask = mask.astype(bool)
    return mask[0] if squeeze else mask


def _disk(radius: int) -> np.ndarray:
    from skimage.morphology import disk

    return disk(radius).astype(bool)


def project_clouds(cloud: np.ndarray, solar_azimuth: float, max_distance_m: float,
                   pixel_size: float) -> np.ndarray:
    """The cloud mask smeared away from the sun, up to ``max_distance_m``.

    A pixel is inside the projection when a cloud lies between it and the sun within
    ``max_distance_m``: the Earth Engine tutorial's ``directionalDistanceTransform`` along
    ``90 - solar_azimuth`` (mathematical angle, i.e. towards the sun). The mask is shifted one
    pixel at a time along the shadow direction with :func:`course_lib.shifts.shift` (the
    course's one shift convention) and OR-ed: vectorised over all pixels, about 15x faster
    than ``ndimage.binary_dilation`` with a 100-pixel line footprint.

    Args:
        cloud: boolean ``(rows, cols)`` on a north-up grid (row 0 north, columns eastwards).
        solar_azimuth: mean solar azimuth, degrees clockwise from north.
        max_distance_m: CLD_PRJ_DIST in metres (the tutorial uses 1-2 km).
        pixel_size: pixel size in metres.

    >>> c = np.zeros((5, 5), bool); c[2, 2] = True
    >>> project_clouds(c, 90.0, 20.0, 10.0).astype(int)[2].tolist()  # sun in the east
    [1, 1, 1, 0, 0]
    """
    cloud = check_mask(cloud, "cloud", ndim=2, example="cloud = probability > 0.4")
    solar_azimuth, max_distance_m, pixel_size = _check_projection(solar_azimuth, max_distance_m,
                                                                  pixel_size)
    away = solar_azimuth + 180.0                        # the shadow falls away from the sun
    n_steps = int(round(max_distance_m / pixel_size))
    offsets = {azimuth_offset(away, k) for k in range(1, n_steps + 1)} - {(0, 0)}
    projected = cloud.copy()
    for drow, dcol in offsets:
        projected |= shift(cloud, drow, dcol, fill=False)   # the cloud moved (drow, dcol)
    return projected


@dataclass(frozen=True)
class CloudShadowResult:
    """Outputs of :func:`cloud_shadow_mask` (boolean ``(rows, cols)`` each)."""

    cloud: np.ndarray
    dark: np.ndarray
    projection: np.ndarray
    shadow: np.ndarray
    mask: np.ndarray


#: Sun elevations below this many degrees are taken for radians (pi / 2 = 1.57 is the highest
#: sun in radians); such a low sun casts shadows over 80 km long and no optical image is taken.
MIN_SUN_ELEVATION = 2.0
#: Cloud heights below this many metres are taken for kilometres (a cloud that low is fog).
MIN_CLOUD_HEIGHT_M = 100.0
_SCL_GROUP_EXAMPLES = {"cloud": "(8, 9, 10)", "shadow": "(3,)", "snow": "(11,)",
                       "nodata": "(0, 1)"}

#: CLD_PRJ_DIST of the Earth Engine tutorial: 1 km, the shadow reach of a cloud 1 km above the
#: ground with the sun 45 degrees high. Too short for high clouds or a low sun: derive it with
#: :func:`shadow_projection_distance` from the scene's sun elevation instead.
DEFAULT_SHADOW_DISTANCE_M = 1000.0
#: Assumed height of the highest cloud bases for :func:`shadow_projection_distance`: low and
#: middle clouds are mostly below 3 km (the simulated world draws its clouds 1-3 km high).
ASSUMED_CLOUD_HEIGHT_M = 3000.0


def shadow_projection_distance(sun_elevation: float,
                               cloud_height_m: float = ASSUMED_CLOUD_HEIGHT_M) -> float:
    """How far (metres, horizontally) a cloud at ``cloud_height_m`` casts its shadow.

    ``distance = cloud_height / tan(sun_elevation)``: with the sun 45 degrees high a 1 km cloud
    casts its shadow 1 km away (the tutorial's CLD_PRJ_DIST); in February at 50 N (sun about
    23 degrees high) the same cloud's shadow is 2.4 km away. Use it as ``max_distance_m`` of
    :func:`cloud_shadow_mask` with the scene's mean sun elevation (in the metadata).

    >>> round(shadow_projection_distance(45.0, 1000.0))
    1000
    >>> round(shadow_projection_distance(23.0, 1000.0))
    2356
    """
    sun_elevation, cloud_height_m = _check_sun_and_cloud(sun_elevation, cloud_height_m)
    return float(cloud_height_m / np.tan(np.radians(sun_elevation)))


def cloud_shadow_mask(cloud: np.ndarray, nir: np.ndarray, solar_azimuth: float,
                      pixel_size: float, water: np.ndarray | None = None,
                      nir_dark_threshold: float = 0.15,
                      max_distance_m: float = DEFAULT_SHADOW_DISTANCE_M,
                      erode_m: float = 40.0, buffer_m: float = 50.0) -> CloudShadowResult:
    """Cloud-shadow detection and the final buffered mask, as in the Earth Engine tutorial.

    1. dark = NIR (B8) < ``nir_dark_threshold`` and not water (SCL != 6);
    2. shadow = dark pixels inside the cloud mask projected away from the sun
       (:func:`project_clouds`, up to CLD_PRJ_DIST = ``max_distance_m``);
    3. mask = (cloud or shadow), eroded by ``erode_m`` metres (drops specks narrower than
       about twice that) and then dilated by ``erode_m + buffer_m`` metres, so every region
       that survives the erosion comes back whole and grows by ``buffer_m`` (BUFFER).

    The tutorial runs step 3 at 20 m as ``focalMin(2).focalMax(BUFFER * 2 / 20)``: an erosion
    of 2 pixels (40 m) and a dilation of BUFFER / 10 pixels (2 x BUFFER metres), i.e. always
    larger than the erosion. Both radii are given here in metres, so the result means the same
    at 10, 20 or 60 m pixels; with a fixed erosion in pixels and a dilation of only BUFFER the
    step would be a morphological opening at 20 and 60 m and the final mask would be SMALLER
    than the clouds it started from.

    Args:
        cloud: boolean ``(rows, cols)`` cloud mask (e.g. s2cloudless probability > 0.4-0.5).
        nir: NIR reflectance ``(rows, cols)`` (Sentinel-2 B08, 0-1 scale).
        solar_azimuth: mean solar azimuth of the scene, degrees clockwise from north.
        pixel_size: metres.
        water: optional boolean water mask (SCL == 6) excluded from the dark pixels.
        nir_dark_threshold: NIR_DRK_THRESH (0.15).
        max_distance_m: CLD_PRJ_DIST in metres; default 1 km as in the tutorial
            (:data:`DEFAULT_SHADOW_DISTANCE_M`). Better: ``shadow_projection_distance(sun
            elevation)`` for the scene.
        erode_m: erosion radius in metres (40 m: the tutorial's 2 pixels at 20 m); rounded
            to whole pixels, 0 = no erosion.
        buffer_m: BUFFER, how far the final mask reaches beyond the clouds and shadows, metres
            (the tutorial suggests 50-100 m).
    """
    cloud, nir, water = _check_shadow_layers(cloud, nir, water)
    nir_dark_threshold, erode_m, buffer_m = _check_shadow_settings(
        nir_dark_threshold, erode_m, buffer_m, solar_azimuth, max_distance_m, pixel_size)
    with np.errstate(invalid="ignore"):
        dark = nir < nir_dark_threshold
    if water is not None:
        dark &= ~water
    projection = project_clouds(cloud, solar_azimuth, max_distance_m, pixel_size)
    shadow = projection & dark & ~cloud
    mask = cloud | shadow
    erode_px = int(round(erode_m / pixel_size))
    dilate_px = erode_px + int(round(buffer_m / pixel_size))
    if erode_px > 0:
        mask = ndimage.binary_erosion(mask, structure=_disk(erode_px), border_value=1)
    if dilate_px > 0:
        mask = ndimage.binary_dilation(mask, structure=_disk(dilate_px))
    return CloudShadowResult(cloud=cloud, dark=dark, projection=projection, shadow=shadow,
                             mask=mask)


def clear_sky_mask(scl, cloudprob=None, pixel_size: float = 10.0) -> np.ndarray:
    """Clear-sky mask ``(time, rows, cols)`` the way Ganerød et al. (2023) masked their images.

    * **clouds** from the s2cloudless(-style) cloud probability: thresholded, averaged and
      dilated with :func:`s2cloudless_settings` for ``pixel_size``
      (0.4; 240 m and 120 m on the ground);
    * **cloud shadow** (SCL 3), **snow** (SCL 11) and **nodata** (SCL 0, 1) from the SCL
      layer. (The paper: "the S2 cloudless algorithm for cloud filtering and the SCL band for
      snow filtering"; it does not say how shadows were handled, SCL's shadow class is the
      simplest stand-in.)

    Without ``cloudprob`` the SCL cloud classes (8, 9, 10) are used for clouds instead.

    Args:
        scl: SCL codes ``(time, 1, rows, cols)`` or ``(time, rows, cols)`` (array or Raster).
        cloudprob: cloud probability 0-1 of the same shape (array or Raster), e.g. the
            simulated study area's ``s2_pre_cloudprob``.
        pixel_size: metres, to turn the s2cloudless ground distances into pixels.
    """
    scl_data = getattr(scl, "data", scl)
    if cloudprob is None:
        return scl_masks(scl_data).clear
    masks = scl_masks(scl_data, cloud=())
    prob = _check_cloudprob(cloudprob, masks.cloud.shape)
    cloud = s2cloudless_mask(prob, **s2cloudless_settings(pixel_size))
    return masks.clear & ~cloud


# --------------------------------------------------------------------------- input checks
def _squeeze_band_axis(layer: np.ndarray, what: str) -> np.ndarray:
    layer = as_array(layer, what, kinds="iuf", fix="Pass the classification layer's codes "
                     "(e.g. area['s2_post_scl'].data).")
    if layer.ndim == 4:
        if layer.shape[1] != 1:
            raise ValueError(f"{what} of shape {layer.shape}: expected (time, 1, rows, cols), "
                             f"one classification band. Pick that band, e.g. {what}[:, [0]].")
        layer = layer[:, 0]
    if layer.ndim < 2:
        raise ValueError(f"{what} must be at least 2-D (rows, cols); got shape {layer.shape}. "
                         "Pass the whole layer, e.g. area['s2_post_scl'].data, not one row.")
    if not np.issubdtype(layer.dtype, np.integer):
        if np.isnan(layer).any() or not np.all(layer == np.round(layer)):
            raise ValueError(f"{what} must hold integer class codes; got {layer.dtype} values "
                             f"such as {layer.flat[0]!r}. Pass the layer as stored (integers), "
                             "e.g. area['s2_post_scl'].data; NaN has no class (SCL and CFmask "
                             "have their own nodata codes).")
        layer = layer.astype(np.int32)
    return layer


def _check_scl(scl, **groups: Iterable[int]) -> tuple[np.ndarray, dict[str, tuple[int, ...]]]:
    """SCL codes with the band axis squeezed, all SCL classes, and the groups of codes."""
    codes = _squeeze_band_axis(scl, "scl")
    unknown = np.setdiff1d(np.unique(codes), list(SCL_CLASSES))
    if unknown.size:
        hint = ("255 is the CFmask fill code: for Landsat use fmask_masks(fmask)."
                if 255 in unknown else "Codes x 10? Divide them by 10: class codes are used "
                "as they are stored."
                if np.all(np.isin(np.unique(codes), [c * 10 for c in SCL_CLASSES])) else
                "Is this an SCL layer (Sentinel-2 L2A scene classification)? Check the "
                "product you read.")
        raise ValueError(f"scl holds codes {unknown[:8].tolist()} that are not SCL classes "
                         f"(0-11: {SCL_CLASSES}). {hint}")
    checked = {}
    for name, values in groups.items():
        if isinstance(values, (int, np.integer, str)) or not hasattr(values, "__iter__"):
            raise TypeError(f"{name} must be a tuple of SCL codes, e.g. (8, 9, 10) or (3,); got "
                            f"{describe(values)}.")
        checked[name] = tuple(values)
        bad = [v for v in checked[name] if v not in SCL_CLASSES]
        if bad:
            raise ValueError(f"{name} codes {bad} are not SCL classes; valid codes are 0-11. "
                             f"Pass a tuple of them, e.g. {name}={_SCL_GROUP_EXAMPLES[name]}.")
    return codes, checked


def _check_fmask(fmask, reflectance, water_is_clear) -> tuple[np.ndarray, np.ndarray | None]:
    """CFmask codes (band axis squeezed) and the optional reflectance on their grid."""
    codes = _squeeze_band_axis(fmask, "fmask")
    unknown = np.setdiff1d(np.unique(codes), [0, 1, 2, 3, 4, 255])
    if unknown.size:
        raise ValueError(f"Fmask codes {unknown.tolist()} are not CFmask codes "
                         "(0 clear, 1 water, 2 shadow, 3 snow, 4 cloud, 255 fill).")
    check_bool(water_is_clear, "water_is_clear")
    if reflectance is None:
        return codes, None
    values = as_array(reflectance, "reflectance", kinds="f",
                      fix="Pass scaled reflectance as floats (NaN for nodata), e.g. the "
                      "Raster's data from load_landsat_series().")
    if values.ndim != codes.ndim + 1 or values.shape[:-3] + values.shape[-2:] != codes.shape:
        raise ValueError(f"reflectance of shape {values.shape} does not match Fmask "
                         f"{codes.shape}: expected (..., bands, rows, cols) on the same grid. "
                         "Pass the reflectance of the same scenes as the CFmask layer.")
    return codes, values


def _check_s2cloudless_bands(bands, band_names) -> np.ndarray:
    """The 10 model bands, band-first ``(N, 10, rows, cols)``, checked to be reflectance."""
    data = as_array(bands, "bands", kinds="iuf")
    if isinstance(band_names, str):
        raise TypeError(f"band_names must be a sequence of names, e.g. raster.band_names; got "
                        f"{describe(band_names)}.")
    if data.ndim == 3:
        data = data[None]
    if data.ndim != 4:
        raise ValueError(f"bands must be band-first (bands, rows, cols) or (time, bands, rows, "
                         f"cols); got shape {data.shape}.")
    if band_names is not None:
        names = list(band_names)
        if len(names) != data.shape[1]:
            raise ValueError(f"band_names has {len(names)} names for {data.shape[1]} bands: "
                             "pass one name per band, e.g. raster.band_names.")
        missing = [b for b in S2CLOUDLESS_BANDS if b not in names]
        if missing:
            raise ValueError(f"s2cloudless needs bands {list(S2CLOUDLESS_BANDS)}; missing "
                             f"{missing}.")
        data = data[:, [names.index(b) for b in S2CLOUDLESS_BANDS]]
    elif data.shape[1] != len(S2CLOUDLESS_BANDS):
        raise ValueError(f"s2cloudless needs the 10 bands {list(S2CLOUDLESS_BANDS)}; got "
                         f"{data.shape[1]} bands. Pass band_names to pick them from more bands.")
    return check_reflectance(data, "Sentinel-2 L1C input")


def _check_s2cloudless_array(data: np.ndarray) -> np.ndarray:
    data = np.asarray(data)
    if data.ndim != 4 or data.shape[-1] != len(S2CLOUDLESS_BANDS):
        raise ValueError(f"s2cloudless input must be (N, rows, cols, 10) reflectance of bands "
                         f"{list(S2CLOUDLESS_BANDS)}; got shape {data.shape}. Use "
                         "s2cloudless_input() to arrange band-first data.")
    return check_reflectance(data, "Sentinel-2 L1C input").astype(np.float32, copy=False)


def _check_mask_inputs(probability, threshold, average_over, dilation_size
                       ) -> tuple[np.ndarray, float, int, int]:
    """Probability (float32, 0-1, NaN = nodata), threshold and the two radii in pixels."""
    prob = as_array(probability, "probability", ndim=(2, 3), kinds="iuf",
                    fix="Pass (N, rows, cols) or (rows, cols) from s2cloudless_probability."
                    ).astype(np.float32)
    check_fraction(prob, "probability", what="a cloud probability")
    threshold = check_number(threshold, "threshold", minimum=0, maximum=1,
                             fix="It is a probability: pass 0.4, not 40.")
    average_over = check_integer(average_over, "average_over", minimum=0,
                                 fix="Pass a disk radius in whole pixels, e.g. 4 (0 = no "
                                 "averaging).")
    dilation_size = check_integer(dilation_size, "dilation_size", minimum=0,
                                  fix="Pass a disk radius in whole pixels, e.g. 2 (0 = no "
                                  "dilation).")
    return prob, threshold, average_over, dilation_size


def _average_valid(prob: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """The probability averaged with ``kernel`` over valid pixels only (NaN where none is)."""
    import cv2

    valid = np.isfinite(prob)
    filled = np.where(valid, prob, 0).astype(np.float32)
    out = np.empty_like(filled)
    for i in range(len(prob)):
        total = cv2.filter2D(filled[i], -1, kernel, borderType=cv2.BORDER_REFLECT)
        weight = cv2.filter2D(valid[i].astype(np.float32), -1, kernel,
                              borderType=cv2.BORDER_REFLECT)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[i] = np.where(weight > 1e-6, total / weight, np.nan)
    return out


def _check_projection(solar_azimuth, max_distance_m, pixel_size) -> tuple[float, float, float]:
    """Sun azimuth (degrees), projection distance and pixel size (metres) as floats."""
    solar_azimuth = check_number(solar_azimuth, "solar_azimuth", units="degrees",
                                 fix="The scene's mean solar azimuth in degrees clockwise from "
                                 "north, e.g. 150.0 (in the metadata).")
    max_distance_m = check_number(max_distance_m, "max_distance_m", minimum=0, units="metres",
                                  fix="Pass a distance in metres, e.g. 1000, or "
                                  "shadow_projection_distance(sun_elevation).")
    pixel_size = _check_pixel_size(pixel_size)
    return solar_azimuth, max_distance_m, pixel_size


def _check_pixel_size(pixel_size) -> float:
    """A pixel size in metres of a Sentinel-2 band (not degrees)."""
    pixel_size = check_number(pixel_size, "pixel_size", minimum=0, min_inclusive=False,
                              units="metres", fix="Pass the pixel size in metres, e.g. 10 for "
                              "Sentinel-2's 10 m bands.")
    if pixel_size < 1:
        raise ValueError(f"pixel_size must be in metres; got {pixel_size:g}, which looks like "
                         "degrees of a geographic CRS. Pass the pixel size in metres, e.g. 10 "
                         "(reproject the image to UTM first if it is in EPSG:4326).")
    return pixel_size


def _check_sun_and_cloud(sun_elevation, cloud_height_m) -> tuple[float, float]:
    """A sun above the horizon (degrees) and a positive cloud height (metres)."""
    sun_elevation = check_number(sun_elevation, "sun_elevation", units="degrees")
    cloud_height_m = check_number(cloud_height_m, "cloud_height_m", units="metres")
    if not 0 < sun_elevation <= 90:
        raise ValueError(f"sun_elevation must be in degrees, 0 < elevation <= 90; got "
                         f"{sun_elevation!r} (a sun below the horizon casts no shadow). Pass the "
                         "scene's mean sun elevation (in its metadata), e.g. 45.0.")
    if sun_elevation < MIN_SUN_ELEVATION:
        raise ValueError(f"sun_elevation must be in degrees; got {sun_elevation:g}, which looks "
                         f"like radians: convert with np.degrees(sun_elevation). (A sun below "
                         f"{MIN_SUN_ELEVATION:g} degrees casts shadows over 80 km long, and "
                         "optical satellites do not image then.)")
    if not cloud_height_m > 0:
        raise ValueError(f"cloud_height_m must be positive metres; got {cloud_height_m!r}. "
                         "Pass the height of the cloud base in metres, e.g. 3000.")
    if cloud_height_m < MIN_CLOUD_HEIGHT_M:
        raise ValueError(f"cloud_height_m must be in metres; got {cloud_height_m:g}, which looks "
                         f"like kilometres: multiply by 1000 (a cloud below "
                         f"{MIN_CLOUD_HEIGHT_M:g} m is fog, and casts no separate shadow).")
    return sun_elevation, cloud_height_m


def _check_shadow_layers(cloud, nir, water) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Boolean cloud, NIR reflectance and optional boolean water, on one ``(rows, cols)`` grid."""
    cloud = check_mask(cloud, "cloud", ndim=2, example="cloud = probability > 0.4")
    nir = check_reflectance(nir, "nir")
    if nir.shape != cloud.shape:
        raise ValueError(f"nir {nir.shape} and cloud {cloud.shape} must be the same (rows, cols). "
                         "Pass the NIR band of the scene the cloud mask was made from.")
    if water is not None:
        water = check_mask(water, "water", example="water = scl == 6")
        if water.shape != cloud.shape:
            raise ValueError(f"water {water.shape} and cloud {cloud.shape} differ in shape. "
                             "Pass the water mask of the same scene, e.g. scl == 6.")
    return cloud, nir, water


def _check_shadow_settings(nir_dark_threshold, erode_m, buffer_m, solar_azimuth,
                           max_distance_m, pixel_size) -> tuple[float, float, float]:
    """The dark-NIR threshold (reflectance) and the radii in metres; the projection's too."""
    nir_dark_threshold = check_number(nir_dark_threshold, "nir_dark_threshold", minimum=0,
                                      maximum=1, fix="Pass a reflectance, e.g. 0.15 (not 1500).")
    erode_m = check_number(erode_m, "erode_m", minimum=0, units="metres",
                           fix="Pass a radius in metres, e.g. 40 (0 = no erosion).")
    buffer_m = check_number(buffer_m, "buffer_m", minimum=0, units="metres",
                            fix="Pass a distance in metres, e.g. 50.")
    _check_projection(solar_azimuth, max_distance_m, pixel_size)
    return nir_dark_threshold, erode_m, buffer_m


def _check_cloudprob(cloudprob, shape: tuple[int, ...]) -> np.ndarray:
    """Cloud probability as float32 ``(time, rows, cols)`` on the SCL layer's grid."""
    prob = as_array(cloudprob, "cloudprob", kinds="iuf").astype(np.float32)
    if prob.ndim == 4 and prob.shape[1] == 1:
        prob = prob[:, 0]
    if prob.shape != shape:
        raise ValueError(f"cloudprob of shape {prob.shape} does not match the SCL layer "
                         f"{shape}: expected (time, rows, cols) on the same grid. Pass the "
                         "probability of the same dates, e.g. area['s2_post_cloudprob'].")
    return prob
