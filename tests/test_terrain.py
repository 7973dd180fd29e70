"""Tests of course_lib.terrain on small analytic surfaces."""

from datetime import datetime

import numpy as np
import pytest

from course_lib import terrain


def plane(rows=20, cols=20, east=0.0, north=0.0, res=10.0):
    """A plane rising ``east`` m/m eastwards and ``north`` m/m northwards (row 0 = north)."""
    r, c = np.indices((rows, cols))
    return c * res * east + (rows - 1 - r) * res * north


@pytest.mark.parametrize("east,north,expected_aspect", [
    (0.0, 1.0, 180.0),   # rises to the north: faces south
    (0.0, -1.0, 0.0),    # rises to the south: faces north
    (1.0, 0.0, 270.0),   # rises to the east: faces west
    (-1.0, 0.0, 90.0),   # faces east
    (-1.0, -1.0, 45.0),  # faces north-east
])
def test_aspect_is_clockwise_from_north_and_downhill(east, north, expected_aspect):
    s, a = terrain.slope_aspect(plane(east=east, north=north), 10.0)
    assert a[10, 10] == pytest.approx(expected_aspect, abs=1e-4)
    assert s[10, 10] == pytest.approx(np.degrees(np.arctan(np.hypot(east, north))), abs=1e-4)


def test_slope_of_known_gradient_and_flat_aspect_nan():
    s, a = terrain.slope_aspect(plane(east=np.tan(np.radians(30))), 10.0)
    assert np.allclose(s, 30.0, atol=1e-3)
    s0, a0 = terrain.slope_aspect(np.zeros((5, 5)), 10.0)
    assert np.all(s0 == 0) and np.all(np.isnan(a0))


def test_hillshade_brightest_facing_sun_and_zero_facing_away():
    towards = plane(north=-1.0)   # faces north
    away = plane(north=1.0)       # faces south
    h_north = terrain.hillshade(towards, 10.0, sun_azimuth=180.0, sun_elevation=30.0)
    h_south = terrain.hillshade(away, 10.0, sun_azimuth=180.0, sun_elevation=30.0)
    assert h_south[10, 10] > 0.95          # 45 deg slope facing a 30 deg sun: cos(15 deg)
    assert h_north[10, 10] == 0.0          # self-shadow
    flat = terrain.hillshade(np.zeros((5, 5)), 10.0, 0.0, 30.0)
    assert np.allclose(flat, 0.5)


def test_illumination_matches_textbook_formula():
    dem = plane(east=0.3, north=-0.5)
    s, a = terrain.slope_aspect(dem, 10.0)
    cos_i = terrain.illumination(dem, 10.0, 140.0, 40.0)
    z, sr, ar = np.radians(50.0), np.radians(s[5, 5]), np.radians(a[5, 5])
    expected = np.cos(z) * np.cos(sr) + np.sin(z) * np.sin(sr) * np.cos(np.radians(140.0) - ar)
    assert cos_i[5, 5] == pytest.approx(expected, abs=1e-5)


def test_cast_shadow_falls_away_from_sun():
    dem = np.zeros((30, 30))
    dem[14:16, 14:16] = 200.0  # a tower
    sun_south = terrain.cast_shadow(dem, 10.0, sun_azimuth=180.0, sun_elevation=45.0)
    rows, _ = np.nonzero(sun_south)
    assert rows.size > 0 and rows.max() < 14   # shadow north of the tower (smaller rows)


def test_solar_position_summer_morning_jolster():
    az, el = terrain.solar_position(datetime(2019, 7, 30, 10, 40), 61.45, 6.3)
    assert 150 < az < 170 and 43 < el < 50
    az_noon, el_noon = terrain.solar_position(datetime(2019, 6, 21, 11, 35), 61.45, 6.3)
    assert abs(az_noon - 180) < 3 and el_noon == pytest.approx(90 - 61.45 + 23.44, abs=0.5)


def test_d8_paths_go_downhill():
    rng = np.random.default_rng(0)
    dem = plane(east=0.2, north=0.4) + rng.normal(0, 0.5, (20, 20))
    path = terrain.trace_flow_path(terrain.d8_next_pixel(dem), (0, 19))
    heights = dem[path[:, 0], path[:, 1]]
    assert len(path) > 5 and np.all(np.diff(heights) < 0)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="2-D"):
        terrain.slope(np.zeros((2, 5, 5)), 10.0)
    with pytest.raises(ValueError, match="NaN"):
        terrain.slope(np.full((5, 5), np.nan), 10.0)
    with pytest.raises(ValueError, match="sun_elevation"):
        terrain.hillshade(np.zeros((5, 5)), 10.0, 180.0, -5.0)
