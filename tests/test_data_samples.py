"""The bundled real data: checksums, provenance and the loaders."""

import numpy as np
import pytest

from course_lib.config import data_dir
from course_lib.data.manifest import read_manifest, verify_manifest
from course_lib.data.samples import FMASK_CODES, load_landsat_series, load_sentinel2_l1c


def test_every_file_matches_its_sha256():
    assert len(read_manifest(data_dir())) > 400
    assert verify_manifest(data_dir()) == []


def test_readme_names_every_top_level_item():
    readme = (data_dir() / "README.md").read_text()
    for item in data_dir().iterdir():
        if item.name not in {"README.md", "SHA256SUMS"}:
            assert item.name in readme, f"data_samples/README.md does not describe {item.name}"
    for word in ("Licence", "sha256", "Copernicus", "USGS"):
        assert word in readme


def test_total_size_stays_small():
    total = sum(p.stat().st_size for p in data_dir().rglob("*") if p.is_file())
    assert total < 30e6, f"data_samples/ is {total / 1e6:.1f} MB; keep it under 30 MB"


def test_sentinel2_loader_grid_and_values():
    s2 = load_sentinel2_l1c(bands=("B02", "B04", "B11"), resolution=20)
    assert s2.data.shape == (3, 384, 768) and s2.data.dtype == np.float32
    assert s2.crs.to_epsg() == 32633 and s2.resolution == 20
    assert 0 < np.nanmedian(s2.data) < 1, "reflectance should be a fraction"
    dn = load_sentinel2_l1c(bands=("B02",), resolution=10, as_reflectance=False)
    assert dn.data.dtype == np.uint16 and dn.data.shape == (1, 768, 1536)
    assert s2.bounds == dn.bounds


def test_sentinel2_loader_rejects_bad_requests():
    with pytest.raises(ValueError, match="resolution"):
        load_sentinel2_l1c(resolution=30)
    with pytest.raises(ValueError, match="Unknown Sentinel-2 bands"):
        load_sentinel2_l1c(bands=("B13",))


def test_landsat_series_dates_and_masks():
    refl, fmask = load_landsat_series()
    assert refl.data.shape == (105, 3, 61, 61) and fmask.shape == (105, 61, 61)
    assert np.all(np.diff(refl.dates.astype(int)) > 0)
    assert set(np.unique(fmask)) <= set(FMASK_CODES)
    # Most fill pixels carry the -9999 nodata in the reflectance bands; about 4 % do not, so
    # masking must use both (a point notebook 01 makes).
    assert 0.9 < np.isnan(refl.data[:, 0][fmask == 255]).mean() < 1
    assert refl.crs.to_epsg() == 32613


def test_missing_data_dir_gives_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="COURSE_DATA_DIR"):
        load_sentinel2_l1c()
