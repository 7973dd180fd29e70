"""course_lib.pipeline.event_layers: the change layers of any loaded event, tested offline on
the simulated study area's own images (what stac.load_event returns online)."""

import numpy as np
import pytest

from course_lib.pipeline import event_layers as ev
from course_lib.pipeline import layers
from course_lib.simulator import load_study_area


@pytest.fixture(scope="module")
def loaded():
    area = load_study_area()
    crop = (slice(None), slice(None), slice(0, 256), slice(0, 256))
    from dataclasses import replace
    out = {}
    for key, name in (("s2_pre", "s2_pre"), ("s2_pre_scl", "s2_pre_scl"),
                      ("s2_post", "s2_post"), ("s2_post_scl", "s2_post_scl"),
                      ("s1_pre", "s1_asc_pre"), ("s1_post", "s1_asc_post")):
        raster = area[name]
        out[key] = replace(raster, data=raster.data[crop])
    return area, out


def test_layers_have_the_papers_names_and_values(loaded):
    area, images = loaded
    stack = ev.event_layers(images)
    assert stack.band_names == ev.S1_LAYERS + tuple(ev.S2_LAYERS)
    assert stack.data.shape == (11, 256, 256) and stack.data.dtype == np.float32
    assert set(layers.setting_bands(2)) <= set(stack.band_names)
    assert set(layers.setting_bands(4)) <= set(stack.band_names)
    # diff is post minus pre, in dB
    np.testing.assert_allclose(stack.band("diff-VV"), stack.band("post-VV") - stack.band("pre-VV"),
                               atol=1e-5)
    assert -30 < np.nanmedian(stack.band("post-VV")) < 0
    # the same reflectance and NDVI change as the course's pipeline where both saw the pixel
    reference = layers.setting_layers(4, area)
    for band in ("post-NIR", "dNDVI"):
        x, y = stack.band(band), reference.band(band)[:256, :256]
        both = np.isfinite(x) & np.isfinite(y)
        assert both.mean() > 0.5 and np.corrcoef(x[both], y[both])[0, 1] > 0.7, band
    assert np.isnan(stack.band("dNDVI")).any() == bool(np.isnan(stack.data[-1]).any())


def test_without_radar_and_bad_inputs(loaded):
    _, images = loaded
    optical = {k: v for k, v in images.items() if k.startswith("s2")}
    stack = ev.event_layers(optical)
    assert stack.band_names == tuple(ev.S2_LAYERS)
    with pytest.raises(ValueError, match="lacks 's2_post'"):
        ev.event_layers({k: v for k, v in images.items() if k != "s2_post"})
    with pytest.raises(TypeError, match="dict of Rasters"):
        ev.event_layers([images["s2_pre"]])
    from dataclasses import replace
    small = dict(images, s1_post=replace(images["s1_post"],
                                         data=images["s1_post"].data[..., :100, :100]))
    with pytest.raises(ValueError, match="different grids"):
        ev.event_layers(small)


def test_load_event_layers_is_load_event_then_event_layers(loaded, monkeypatch):
    _, images = loaded
    from course_lib.data import stac
    asked = {}

    def fake_load_event(window, resolution=20, with_s1=True):
        asked.update(window=window, resolution=resolution, with_s1=with_s1)
        return images

    monkeypatch.setattr(stac, "load_event", fake_load_event)
    stack = ev.load_event_layers(stac.JOLSTER, resolution=40)
    assert asked == {"window": stac.JOLSTER, "resolution": 40, "with_s1": True}
    assert stack.band_names[-1] == "dNDVI"
