"""Radar geometry and radiometric slope correction of Sentinel-1 backscatter.

The angular-based volume model of Vollrath, Mullissa and Reiche (2020, *Remote Sensing*
12:1867), as used by Ganerød et al. (2023, *Remote Sensing* 15:895): the slope angle in the
range direction, the slope correction factor, layover and radar shadow, and sigma0 to
gamma0 on flat ground. Angles are in degrees; azimuths clockwise from grid north.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib.sar.units import _array, _check_linear
from course_lib.validation import check_angle_degrees, check_bool, check_number


def look_azimuth_from_heading(heading_deg: float, right_looking: bool = True) -> float:
    """Azimuth of the radar look direction (from the sensor towards the ground), in degrees.

    Sentinel-1 looks to the right of its flight direction, so the look azimuth is
    ``heading + 90``: about 80 degrees (east) on ascending passes over Norway (heading about
    -10) and about 280 degrees (west) on descending passes (heading about 190).

    >>> look_azimuth_from_heading(-10.0), look_azimuth_from_heading(190.0)
    (80.0, 280.0)
    """
    heading_deg = check_number(heading_deg, "heading_deg", units="degrees",
                               fix="The satellite's heading in degrees clockwise from north, "
                               "e.g. -10.0 (ascending over Norway) or 190.0 (descending).")
    check_bool(right_looking, "right_looking")
    return float((heading_deg + (90.0 if right_looking else -90.0)) % 360.0)


def range_slope_angle(slope_deg: np.ndarray, aspect_deg: np.ndarray,
                      look_azimuth_deg: float | np.ndarray) -> np.ndarray:
    """Terrain slope projected into the radar's range direction (``alpha_r``), in degrees.

    Vollrath et al. (2020) write ``alpha_r = atan(tan(slope) * cos(phi_i - aspect))`` with
    ``phi_i`` the azimuth of the incidence-angle gradient *pointing back towards the sensor*
    (their ``ee.Terrain.aspect`` of the incidence-angle image). This function takes the more
    familiar **look azimuth** (sensor towards ground, ``heading + 90`` for Sentinel-1; see
    :func:`look_azimuth_from_heading`) and uses ``phi_i = look_azimuth + 180``. So:

    * ``alpha_r > 0``: the slope **faces the sensor** (foreshortening; layover when steeper than
      the incidence angle);
    * ``alpha_r < 0``: the slope **faces away** (darker; radar shadow when steeper than
      ``90 - incidence``).

    Args:
        slope_deg: terrain slope, 0..90 degrees, ``(rows, cols)``.
        aspect_deg: downslope direction, degrees clockwise from north. NaN aspect (flat cells)
            is allowed where the slope is 0: ``alpha_r`` is then 0.
        look_azimuth_deg: look azimuth, a scalar or broadcastable array.

    >>> round(float(range_slope_angle(30.0, 270.0, 90.0)), 6)  # looking east, west-facing
    30.0
    >>> round(float(range_slope_angle(30.0, 90.0, 90.0)), 6)  # an east-facing slope faces away
    -30.0
    """
    slope, aspect, look = _check_terrain_angles(slope_deg, aspect_deg, look_azimuth_deg)
    phi_i = np.radians(look + 180.0)
    alpha_r = np.degrees(np.arctan(np.tan(np.radians(slope)) * np.cos(phi_i - np.radians(aspect))))
    return np.where(slope == 0, 0.0, alpha_r)  # flat cells have no aspect but no slope either


def volume_scf(incidence_deg: np.ndarray | float, alpha_r_deg: np.ndarray) -> np.ndarray:
    """Slope correction factor of the volume-scattering model (Vollrath et al. 2020, eq. 7).

    ``SCF = tan(90 - theta_i + alpha_r) / tan(90 - theta_i)``: 1 on flat ground, > 1 on slopes
    facing the sensor (which look too bright), < 1 on slopes facing away. It is negative or
    infinite inside layover and shadow, where no correction is meaningful: mask those.

    >>> float(volume_scf(35.0, 0.0))
    1.0
    """
    theta, alpha_r = _check_incidence_and_alpha(incidence_deg, alpha_r_deg)
    theta, alpha_r = np.radians(theta), np.radians(alpha_r)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.tan(np.pi / 2 - theta + alpha_r) / np.tan(np.pi / 2 - theta)


def layover_shadow_masks(incidence_deg: np.ndarray | float,
                         alpha_r_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Active layover and shadow (Vollrath et al. 2020): where the geometry loses information.

    * layover: ``alpha_r > theta_i`` (a slope facing the sensor steeper than the incidence
      angle: its top is imaged before its foot);
    * shadow: ``alpha_r < -(90 - theta_i)`` (a slope facing away steeper than the grazing
      angle: the radar beam never reaches it).

    These are the *active* masks only; the passive ones (pixels hidden behind a layover or
    shadow further along the range line) need a ray trace and are not computed.

    Returns:
        ``(layover, shadow)`` boolean arrays (False where the inputs are NaN).

    >>> lay, sha = layover_shadow_masks(35.0, np.array([40.0, 0.0, -60.0]))
    >>> lay.tolist(), sha.tolist()
    ([True, False, False], [False, False, True])
    """
    theta, alpha_r = _check_incidence_and_alpha(incidence_deg, alpha_r_deg)
    with np.errstate(invalid="ignore"):
        return alpha_r > theta, alpha_r < -(90.0 - theta)


@dataclass
class SlopeCorrection:
    """Result of :func:`radiometric_slope_correction` (all arrays band-first like the input).

    Attributes:
        gamma0: terrain-flattened gamma0 in linear power, NaN inside layover and shadow if
            ``mask=True`` was used.
        scf: slope correction factor (volume model), ``(rows, cols)``.
        alpha_r: range slope angle in degrees, ``(rows, cols)``.
        layover: boolean layover mask, ``(rows, cols)``.
        shadow: boolean radar-shadow mask, ``(rows, cols)``.
    """

    gamma0: np.ndarray
    scf: np.ndarray
    alpha_r: np.ndarray
    layover: np.ndarray
    shadow: np.ndarray


def radiometric_slope_correction(sigma0: np.ndarray, slope_deg: np.ndarray,
                                 aspect_deg: np.ndarray, incidence_deg: float | np.ndarray,
                                 look_azimuth_deg: float, mask: bool = True) -> SlopeCorrection:
    """Angular-based radiometric slope correction with the volume model (Vollrath et al. 2020).

    ``gamma0_flat = sigma0 / cos(theta_i) / SCF`` with ``SCF`` from :func:`volume_scf` and
    ``alpha_r`` from :func:`range_slope_angle`. On flat terrain this is the usual
    ``gamma0 = sigma0 / cos(theta_i)``. Ganerød et al. (2023) applied this correction (in Google
    Earth Engine) before compositing.

    Args:
        sigma0: linear sigma0, band-first ``(..., rows, cols)`` (e.g. ``(2, rows, cols)`` for
            VV and VH, or ``(time, 2, rows, cols)``).
        slope_deg, aspect_deg: terrain slope and aspect (degrees), ``(rows, cols)``, on the same
            grid as ``sigma0`` (e.g. from ``course_lib.terrain``).
        incidence_deg: ellipsoid incidence angle, a scalar or ``(rows, cols)`` array (it grows
            from near to far range, about 30 to 46 degrees across a Sentinel-1 IW swath).
        look_azimuth_deg: azimuth of the look direction, sensor towards ground
            (:func:`look_azimuth_from_heading`).
        mask: set gamma0 to NaN inside layover and shadow (recommended).

    Raises:
        ValueError: on grids that do not match or negative (dB) sigma0.
    """
    sigma0, slope, aspect, theta = _check_correction_inputs(sigma0, slope_deg, aspect_deg,
                                                            incidence_deg, mask)
    alpha_r = range_slope_angle(slope, aspect, look_azimuth_deg)
    scf = volume_scf(theta, alpha_r)
    layover, shadow = layover_shadow_masks(theta, alpha_r)
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma0 = sigma0 / np.cos(np.radians(theta)) / scf
    if mask:
        gamma0 = np.where(layover | shadow, np.nan, gamma0)
    dtype = sigma0.dtype if np.issubdtype(sigma0.dtype, np.floating) else np.float64
    return SlopeCorrection(gamma0=gamma0.astype(dtype), scf=scf, alpha_r=alpha_r,
                           layover=layover, shadow=shadow)


# --------------------------------------------------------------------------- input checks
def _check_incidence(theta: np.ndarray, name: str = "incidence_deg") -> None:
    """Incidence angles must be degrees of a real SAR geometry (Sentinel-1 IW: 30-46)."""
    with np.errstate(invalid="ignore"):
        if np.any((theta < 10) | (theta > 80)):
            raise ValueError(
                f"{name} must be in degrees between 10 and 80 (Sentinel-1 IW: about 30 "
                f"to 46); got values from {np.nanmin(theta):.3g} to {np.nanmax(theta):.3g}. "
                "Values below 10 are probably radians: use np.degrees().")


def _check_terrain_angles(slope_deg, aspect_deg, look_azimuth_deg
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Slope and aspect in degrees on one grid, and a look azimuth that broadcasts onto it."""
    slope = check_angle_degrees(_array(slope_deg, "slope_deg"), "slope_deg", kind="slope")
    aspect = check_angle_degrees(_array(aspect_deg, "aspect_deg"), "aspect_deg", kind="aspect")
    if slope.shape != aspect.shape:
        raise ValueError(f"slope_deg {slope.shape} and aspect_deg {aspect.shape} must have the "
                         "same shape (the same DEM grid). Compute both from one DEM, e.g. "
                         "course_lib.terrain.slope_aspect(dem, resolution).")
    look = _array(look_azimuth_deg, "look_azimuth_deg").astype(np.float64)
    try:
        np.broadcast_shapes(look.shape, slope.shape)
    except ValueError:
        raise ValueError(f"look_azimuth_deg must be one angle in degrees or an array on the "
                         f"slope's grid {slope.shape}; got shape {look.shape}. Pass one angle, "
                         "e.g. look_azimuth_from_heading(-10.0).") from None
    return slope, aspect, look


def _check_incidence_and_alpha(incidence_deg, alpha_r_deg) -> tuple[np.ndarray, np.ndarray]:
    """Incidence angles in degrees of a real SAR geometry and the range slope angle (float64)."""
    theta = _array(incidence_deg, "incidence_deg").astype(np.float64)
    _check_incidence(theta)
    alpha_r = _array(alpha_r_deg, "alpha_r_deg").astype(np.float64)
    return theta, alpha_r


def _check_correction_inputs(sigma0, slope_deg, aspect_deg, incidence_deg, mask
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Linear sigma0 and slope, aspect and incidence on its ``(rows, cols)`` grid."""
    sigma0 = _array(sigma0, "sigma0", min_ndim=2)
    slope = _array(slope_deg, "slope_deg")
    aspect = _array(aspect_deg, "aspect_deg")
    grid = sigma0.shape[-2:]
    for name, arr in (("slope_deg", slope), ("aspect_deg", aspect)):
        if arr.shape != grid:
            raise ValueError(
                f"{name} {arr.shape} must match the (rows, cols) {grid} of sigma0 "
                f"{sigma0.shape}; resample it to the SAR grid first."
            )
    theta = _array(incidence_deg, "incidence_deg").astype(np.float64)
    if theta.ndim and theta.shape != grid:
        raise ValueError(f"incidence_deg {theta.shape} must be a scalar or match {grid}. Pass "
                         "one angle (e.g. 38.0) or the incidence layer on the SAR grid.")
    _check_incidence(theta)
    check_bool(mask, "mask")
    _check_linear(sigma0, "radiometric_slope_correction sigma0")
    return sigma0, slope, aspect, theta
