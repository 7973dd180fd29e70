"""Unit tests for course_lib.indices on small hand-made arrays."""

import numpy as np
import pytest
import xarray as xr

from course_lib import indices


def test_ndvi_values_and_zero_denominator():
    red = np.array([[0.05, 0.10], [0.0, np.nan]], dtype=np.float32)
    nir = np.array([[0.45, 0.10], [0.0, 0.3]], dtype=np.float32)
    out = indices.ndvi(red, nir)
    np.testing.assert_allclose(out[0], [0.8, 0.0], atol=1e-6)
    assert np.isnan(out[1, 0]), "0/0 must be NaN (undefined), not 0"
    assert np.isnan(out[1, 1]), "NaN input must give NaN"
    assert out.dtype == np.float32


def test_ndvi_accepts_xarray_and_time_series():
    red = xr.DataArray(np.full((3, 2, 2), 0.1))
    nir = xr.DataArray(np.full((3, 2, 2), 0.3))
    out = indices.ndvi(red, nir)
    assert out.shape == (3, 2, 2)
    np.testing.assert_allclose(out, 0.5)


def test_dndvi_sign_and_shape_check():
    assert indices.dndvi(np.array([0.8]), np.array([0.2]))[0] == pytest.approx(-0.6)
    with pytest.raises(ValueError, match="shapes differ"):
        indices.dndvi(np.zeros(3), np.zeros(4))


def test_brightness_is_mean_and_refuses_dn():
    b = indices.brightness(0.1, 0.2, 0.3, 0.4)
    assert float(b) == pytest.approx(0.25)
    dn = np.array([60000, 60000], dtype=np.uint16)  # a uint16 sum of these would overflow
    with pytest.raises(TypeError, match="integer"):
        indices.brightness(dn, dn, dn, dn)
    with pytest.raises(ValueError, match="digital numbers"):
        indices.brightness(*(dn.astype(float),) * 4)


@pytest.mark.parametrize("func,a,b,expected", [
    (indices.gndvi, 0.1, 0.3, 0.5),      # (nir - green) / (nir + green)
    (indices.ndwi, 0.3, 0.1, 0.5),       # (green - nir) / ...
    (indices.nbr, 0.3, 0.1, 0.5),        # (nir - swir2) / ...
    (indices.ndsi, 0.3, 0.1, 0.5),       # (green - swir1) / ...
    (indices.ndmi, 0.3, 0.1, 0.5),       # (nir - swir1) / ...
])
def test_normalised_differences(func, a, b, expected):
    assert float(func(np.array(a), np.array(b))) == pytest.approx(expected)


def test_savi():
    assert float(indices.savi(np.array(0.1), np.array(0.5))) == pytest.approx(1.5 * 0.4 / 1.1)


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="shapes do not match"):
        indices.ndvi(np.zeros((2, 3)), np.zeros((3, 2)))


def test_dn_passed_for_reflectance_raises():
    with pytest.raises(ValueError, match="digital numbers"):
        indices.ndvi(np.array([1200.0]), np.array([3000.0]))


def test_catalogue_entries_compute():
    rng = np.random.default_rng(0)
    bands = {b: rng.uniform(0.01, 0.5, (4, 4)).astype(np.float32)
             for b in ("B02", "B03", "B04", "B08", "B11", "B12")}
    for name, info in indices.INDEX_CATALOGUE.items():
        out = indices.compute_index(name, bands)
        assert out.shape == (4, 4), name
        assert np.isfinite(out).all(), name
        assert info.formula and info.reference
    with pytest.raises(KeyError, match="Unknown index"):
        indices.compute_index("XYZ", bands)
    with pytest.raises(KeyError, match="missing"):
        indices.compute_index("NDVI", {"B04": bands["B04"]})


def test_spyndex_catalogue_and_compute_match_course_formulas():
    rng = np.random.default_rng(1)
    study_bands = ("B02", "B03", "B04", "B08", "B11", "B12")
    bands = {b: rng.uniform(0.01, 0.5, (5, 5)).astype(np.float32) for b in study_bands}
    catalogue = indices.spyndex_catalogue(study_bands)
    assert len(catalogue) > 50
    assert all(set(v["bands"]) <= set(study_bands) for v in catalogue.values())
    for name, ours in [("NDVI", indices.ndvi(bands["B04"], bands["B08"])),
                       ("NBR", indices.nbr(bands["B08"], bands["B12"])),
                       ("NDSI", indices.ndsi(bands["B03"], bands["B11"]))]:
        np.testing.assert_allclose(indices.compute_spyndex_index(name, bands), ours, rtol=1e-5)
    snow = indices.spyndex_catalogue(study_bands, domains=("snow",))
    assert snow and all(v["domain"] == "snow" for v in snow.values())
    with pytest.raises(KeyError, match="needs Sentinel-2 band"):
        indices.compute_spyndex_index("NDVI", {"B04": bands["B04"]})
    with pytest.raises(KeyError, match="no index"):
        indices.compute_spyndex_index("NOPE", bands)
    with pytest.raises(ValueError, match="digital numbers"):
        indices.compute_spyndex_index("NDVI", {"B04": bands["B04"] * 1e4,
                                               "B08": bands["B08"] * 1e4})
    zero = {"B04": np.zeros(2, np.float32), "B08": np.zeros(2, np.float32)}
    assert np.isnan(indices.compute_spyndex_index("NDVI", zero)).all()


def test_every_listed_spyndex_index_computes_on_the_study_area_bands():
    rng = np.random.default_rng(2)
    study_bands = ("B02", "B03", "B04", "B08", "B11", "B12")
    bands = {b: rng.uniform(0.01, 0.5, (4, 4)).astype(np.float32) for b in study_bands}
    for name in indices.spyndex_catalogue(study_bands):
        assert indices.compute_spyndex_index(name, bands).shape == (4, 4), name
