"""Unit tests for course_lib.shifts: the one shift convention of the course."""

import numpy as np
import pytest

from course_lib import clouds, sar, shifts


def test_shift_moves_content_and_fills():
    a = np.arange(12).reshape(3, 4)
    moved = shifts.shift(a, 1, -1, fill=-1)
    # out[r, c] = a[r - 1, c + 1]
    assert moved.tolist() == [[-1, -1, -1, -1], [1, 2, 3, -1], [5, 6, 7, -1]]
    assert shifts.shift(a, 0, 0).tolist() == a.tolist()
    assert (shifts.shift(a, 5, 0) == 0).all()                 # moved off the grid
    stack = np.stack([a, a + 100])                             # leading axes are carried
    assert shifts.shift(stack, 1, -1, fill=-1)[1, 1, 0] == 101
    f = shifts.shift(np.ones((2, 2), np.float32), 1, 0, fill=np.nan)
    assert f.dtype == np.float32 and np.isnan(f[0]).all()


def test_shift_rejects_bad_input():
    with pytest.raises(ValueError, match="whole pixels"):
        shifts.shift(np.zeros((3, 3)), 0.5, 0)
    with pytest.raises(ValueError, match="rows, cols"):
        shifts.shift(np.zeros(3), 1, 0)


@pytest.mark.parametrize("azimuth, expected", [(0, (-3, 0)), (90, (0, 3)), (180, (3, 0)),
                                               (270, (0, -3)), (45, (-2, 2))])
def test_azimuth_offset_on_a_north_up_grid(azimuth, expected):
    assert shifts.azimuth_offset(azimuth, 3) == expected


def test_shift_along_an_azimuth_moves_a_feature_that_way():
    m = np.zeros((7, 7), bool)
    m[3, 3] = True
    assert np.argwhere(shifts.shift(m, *shifts.azimuth_offset(180.0, 2))).tolist() == [[5, 3]]


def test_generator_shift_uses_the_same_convention():
    """The simulated world's shift2d moves content the same way as shifts.shift."""
    from course_lib.simulator.fields import shift2d

    rng = np.random.default_rng(0)
    a = rng.random((2, 9, 11))
    for drow, dcol in [(2, -3), (-1, 4), (0, 0), (5, 5)]:
        np.testing.assert_array_equal(shift2d(a, drow, dcol), shifts.shift(a, drow, dcol))


def test_cloud_projection_and_radar_edges_use_the_convention():
    cloud = np.zeros((9, 9), bool)
    cloud[4, 4] = True
    # Sun in the south (azimuth 180): shadows fall north, towards row 0.
    projected = clouds.project_clouds(cloud, 180.0, 20.0, 10.0)
    assert np.argwhere(projected).tolist() == [[2, 4], [3, 4], [4, 4]]
    # A radar looking north (sensor in the south): the near edge is the southern rim.
    patch = np.zeros((12, 5), bool)
    patch[3:8, 1:4] = True
    near, far = sar.look_direction_edges(patch, 0.0, near_width=1, far_width=2)
    assert set(np.nonzero(near)[0]) == {7} and set(np.nonzero(far)[0]) == {1, 2}
