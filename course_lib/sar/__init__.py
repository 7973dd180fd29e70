"""Sentinel-1 backscatter: decibels, speckle filtering, change images and slope correction.

One concept per module:

* :mod:`~course_lib.sar.units`: linear power and dB (:func:`to_db`, :func:`to_linear`), the
  equivalent number of looks (:func:`equivalent_number_of_looks`);
* :mod:`~course_lib.sar.speckle`: :func:`lee_filter`, :func:`refined_lee_filter`;
* :mod:`~course_lib.sar.change`: :func:`median_backscatter`, :func:`log_ratio_db`,
  :func:`combine_geometries`, :func:`look_direction_edges`;
* :mod:`~course_lib.sar.geometry`: the radiometric slope correction
  (:func:`radiometric_slope_correction` and its parts).

Conventions used by every function here:

* **Units.** Backscatter arrives as *linear* power (sigma0, a ratio of powers, >= 0). Decibels
  are ``dB = 10 log10(linear)``. Averaging, filtering, compositing and ratios are done in
  **linear** units (the speckle model is multiplicative in linear power); dB is for looking at
  images and for the final log-ratio change layer. A function that expects linear values and
  receives negative ones raises :class:`ValueError`, because negative values almost always
  mean the input is already in dB.
* **Axes.** Arrays are **band-first**: the last two axes are always ``(rows, cols)``; any
  leading axes (bands, or time and bands) are carried along untouched. Spatial filters work on
  the last two axes only.
* **Nodata** is NaN. NaN propagates: a NaN input pixel gives a NaN output pixel, and filters
  and composites ignore NaN neighbours or dates (they are "NaN-aware").
* **Angles** are in **degrees**. Azimuths are measured clockwise from grid north (0 = north,
  90 = east), like terrain aspect. See :func:`range_slope_angle` for the look direction.

All of these are pure functions on arrays; the simulated study area's composites are built in
:mod:`course_lib.pipeline.sentinel1`.

Sources: the Lee filter follows Lee (1980, *IEEE TPAMI* 2:165), the refined Lee filter Lee
(1981, *CGIP* 15:380); the slope correction is the angular-based volume model of Vollrath,
Mullissa and Reiche (2020, *Remote Sensing* 12:1867), as used by Ganerød et al. (2023, *Remote
Sensing* 15:895) for the Jølster landslides.
"""

from course_lib.sar.change import (FAR_BAND_PIXELS, NEAR_EDGE_PIXELS, combine_geometries,
                                   log_ratio_db, look_direction_edges, median_backscatter)
from course_lib.sar.geometry import (SlopeCorrection, layover_shadow_masks,
                                     look_azimuth_from_heading, radiometric_slope_correction,
                                     range_slope_angle, volume_scf)
from course_lib.sar.speckle import lee_filter, refined_lee_filter
from course_lib.sar.units import S1_IW_GRDH_ENL, equivalent_number_of_looks, to_db, to_linear

__all__ = [
    "S1_IW_GRDH_ENL", "to_db", "to_linear", "equivalent_number_of_looks", "lee_filter",
    "refined_lee_filter", "median_backscatter", "log_ratio_db", "combine_geometries",
    "look_direction_edges", "NEAR_EDGE_PIXELS", "FAR_BAND_PIXELS", "look_azimuth_from_heading", "range_slope_angle", "volume_scf",
    "layover_shadow_masks", "SlopeCorrection", "radiometric_slope_correction",
]
