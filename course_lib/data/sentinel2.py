"""Facts of real Sentinel-2 products: the scene classification (SCL) codes and DN to reflectance.

* SCL codes: ESA Sentinel-2 L2A Product Specification / Sen2Cor user manual.
* Processing baseline 04.00 (25 January 2022) added an offset of 1000 to the digital numbers:
  reflectance = (DN - 1000) / 10000 (ESA, "Sentinel-2: Processing Baseline 04.00",
  BOA_ADD_OFFSET / RADIO_ADD_OFFSET); before, reflectance = DN / 10000.
"""

from __future__ import annotations

import numpy as np

from course_lib.validation import MAX_REFLECTANCE, as_array, describe

#: Sentinel-2 L2A Scene Classification codes and their names (Sen2Cor / ESA L2A Product
#: Specification). The one definition in the course: the cloud masks, the simulated study area,
#: the plots and the legends import it from here.
SCL_CLASSES = {
    0: "no data", 1: "saturated or defective", 2: "dark area pixels", 3: "cloud shadows",
    4: "vegetation", 5: "not vegetated", 6: "water", 7: "unclassified",
    8: "cloud medium probability", 9: "cloud high probability", 10: "thin cirrus",
    11: "snow or ice",
}


def _baseline_number(processing_baseline: str | float) -> float:
    """The baseline as a number: ``"04.00"``, ``"N0400"``, ``"0400"``, ``4`` and ``4.0`` -> 4.0.

    The four-digit form of product names (``N0204``) is two digits of major and two of minor
    version, so ``"0204"`` is 2.04, not 204.

    >>> [_baseline_number(b) for b in ("02.04", "N0204", "0204", "04.00", 4, 5.09)]
    [2.04, 2.04, 2.04, 4.0, 4.0, 5.09]
    """
    import re

    hint = ("processing_baseline must look like '04.00', 'N0400' (as in the product name) or "
            "4.0")
    if isinstance(processing_baseline, str):
        text = processing_baseline.strip()
        four = re.fullmatch(r"[Nn]?(\d{2})(\d{2})", text)
        if four:
            return int(four.group(1)) + int(four.group(2)) / 100
        if re.fullmatch(r"\d{1,2}(\.\d{1,2})?", text):
            return float(text)
        raise ValueError(f"{hint}; got {processing_baseline!r}.")
    if isinstance(processing_baseline, bool) or not isinstance(processing_baseline,
                                                               (int, float, np.number)):
        raise TypeError(f"{hint}; got {describe(processing_baseline)}.")
    number = float(processing_baseline)
    if not 0 < number < 100:
        raise ValueError(f"{hint}; got {processing_baseline!r} (for the product-name form "
                         "pass the string, e.g. '0204').")
    return number


def dn_to_reflectance(dn, processing_baseline: str | float) -> np.ndarray:
    """Sentinel-2 L1C/L2A digital numbers to reflectance (float32, NaN where DN is 0).

    From processing baseline 04.00 (25 January 2022) ESA adds an offset of 1000:
    reflectance = (DN - 1000) / 10000; before, reflectance = DN / 10000. DN 0 is no data
    (NaN in float input stays NaN); negative DN (e.g. the Landsat fill -9999) are refused.

    Args:
        dn: digital numbers (any shape, integer or float).
        processing_baseline: the product's baseline, e.g. ``"02.04"`` or ``"04.00"`` (in the
            product name as ``N0204``, and in the metadata); ``"N0204"`` and ``"0204"`` are
            read as 02.04.

    >>> dn_to_reflectance(np.array([0, 1500, 11000]), "04.00").tolist()
    [nan, 0.05000000074505806, 1.0]
    >>> dn_to_reflectance(np.array([1500]), "02.04").tolist()
    [0.15000000596046448]
    >>> dn_to_reflectance(np.array([1500]), "N0400").tolist()   # as in the product name
    [0.05000000074505806]
    """
    dn, baseline = _check_dn(dn), _baseline_number(processing_baseline)
    offset = 1000.0 if baseline >= 4.0 else 0.0
    out = (dn.astype(np.float32) - np.float32(offset)) / np.float32(10000)
    return np.where(dn == 0, np.float32(np.nan), out).astype(np.float32)


# --------------------------------------------------------------------------- input checks
def _check_dn(dn) -> np.ndarray:
    """Sentinel-2 digital numbers: no negative fill values, not reflectance already."""
    dn = as_array(dn, "dn", kinds="iuf", allow_empty=True)
    if dn.size and np.issubdtype(dn.dtype, np.floating) and np.isfinite(dn).any() and \
            np.nanmax(dn) <= MAX_REFLECTANCE:
        raise ValueError("dn must be digital numbers; got values <= 2, which look like "
                         "reflectance already: use them as they are, or pass the stored digital "
                         "numbers.")
    with np.errstate(invalid="ignore"):
        negative = dn < 0
    if negative.any():
        raise ValueError(
            f"dn must be Sentinel-2 digital numbers (unsigned, 0 = no data); got "
            f"{int(negative.sum())} negative value(s) such as {dn[negative].flat[0]!r}. -9999 is "
            "the Landsat fill value: mask it first (np.where(dn == -9999, 0, dn)), and scale "
            "Landsat with its own factor, not with this function.")
    return dn
