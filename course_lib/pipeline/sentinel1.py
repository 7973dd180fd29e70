"""The simulated study area's Sentinel-1 median composites, per orbit geometry and period.

:func:`study_area_s1_composite` slope-corrects every date, optionally Lee-filters it, and takes
the temporal median; :mod:`course_lib.pipeline.layers` builds the paper's Table 1 layers from it.
"""

from __future__ import annotations

import numpy as np

from course_lib.sar import (S1_IW_GRDH_ENL, lee_filter, median_backscatter,
                            radiometric_slope_correction)
from course_lib.validation import check_bool, check_choice, check_odd_window, describe

#: The orbit geometries of the study area.
GEOMETRIES = ("asc", "desc")


def study_area_s1_composite(area, geometry: str, period: str, slope_correction: bool = True,
                            lee_window: int | None = None) -> np.ndarray:
    """Median composite ``(2, rows, cols)`` (VV, VH) in linear units for one geometry and period.

    Each date is first slope-corrected to gamma0 with :func:`radiometric_slope_correction`
    (layover and shadow become NaN), as Ganerød et al. (2023) did; optionally each date is
    Lee-filtered; then the NaN-aware temporal median is taken.

    Why filter each date and not the composite: the Lee filter needs the equivalent number of
    looks (ENL) of the image it filters. A single Sentinel-1 IW GRDH date has about 4.4
    (``speckle_looks`` in the metadata), but the median of three dates has an ENL near 9.5:
    filtering the composite with 4.4 would treat real texture as speckle and over-smooth.
    Filtering the dates, whose ENL is known, keeps the filter's assumption true.

    Args:
        area: the study area (``load_study_area()``), or a mapping with ``s1_<geometry>_<period>``,
            ``incidence_<geometry>``, ``slope`` and ``aspect`` Rasters.
        geometry: ``"asc"`` or ``"desc"``.
        period: ``"pre"`` or ``"post"``.
        slope_correction: False keeps sigma0 (no terrain flattening, no masks).
        lee_window: if given, Lee-filter every date with this window and the single-date ENL
            (``speckle_looks``, default :data:`S1_IW_GRDH_ENL`) before the median.
    """
    _check_s1_request(area, geometry, period, slope_correction, lee_window)
    stack = area[f"s1_{geometry}_{period}"]
    data = stack.data
    if slope_correction:
        incidence = area[f"incidence_{geometry}"]
        data = radiometric_slope_correction(
            data, area["slope"].data[0], area["aspect"].data[0], incidence.data[0],
            float(stack.attrs["look_azimuth_deg"])).gamma0
    if lee_window:
        looks = float(stack.attrs.get("speckle_looks", S1_IW_GRDH_ENL))
        data = lee_filter(data, window=lee_window, looks=looks)    # every date on its own
    return median_backscatter(data).astype(np.float32)


# --------------------------------------------------------------------------- input checks
def _check_s1_request(area, geometry, period, slope_correction, lee_window) -> None:
    """A known geometry and period, a bool, an optional odd Lee window, and an area holding
    the layers these need."""
    check_choice(geometry, "geometry", GEOMETRIES)
    check_choice(period, "period", ("pre", "post"))
    check_bool(slope_correction, "slope_correction")
    if lee_window is not None:
        check_odd_window(lee_window, "lee_window", fix="None (no filter), or e.g. 5 or 7 pixels.")
    needed = (f"s1_{geometry}_{period}",) + (
        (f"incidence_{geometry}", "slope", "aspect") if slope_correction else ())
    if isinstance(area, (str, bytes)) or not hasattr(area, "__getitem__") or \
            not hasattr(area, "__contains__") or not all(name in area for name in needed):
        raise TypeError(f"area must be the study area (load_study_area()) or a mapping with "
                        f"{needed}; got {describe(area)}. Pass area=load_study_area() "
                        "(from course_lib.simulator), or leave area out for the default.")
