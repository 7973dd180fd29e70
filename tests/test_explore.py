"""The explorer: the first view as ordinary output, redrawn in place when a control moves."""

from __future__ import annotations

import ipywidgets as widgets
import pytest
from matplotlib.figure import Figure

from course_lib.viz import explore


class FakeHandle:
    def __init__(self, log, item):
        self.log, self.item = log, item

    def update(self, item):
        self.log.append(("update", item))
        self.item = item


@pytest.fixture()
def shown(monkeypatch):
    """Record what ``explorer`` displays instead of sending it to a kernel."""
    log = []

    def fake_display(obj, raw=False, display_id=None):
        log.append(("display", obj))
        return FakeHandle(log, obj) if display_id else None

    import IPython.display

    monkeypatch.setattr(IPython.display, "display", fake_display)
    return log


def _text(item):
    return getattr(item, "data", item)


def test_first_view_is_ordinary_output_and_a_control_redraws_it_in_place(shown):
    calls = []

    def view(threshold):
        calls.append(threshold)
        fig = Figure()
        fig.subplots().plot([0, 1], [0, threshold])
        return fig, f"threshold {threshold}"

    slider = widgets.FloatSlider(value=0.5, min=0, max=1, description="threshold")
    box = explore.explorer(view, threshold=slider)
    assert calls == [0.5]
    controls, figure, text = shown[:3]
    assert "run the notebook to move them" in controls[1]["text/plain"]
    assert controls[1]["application/vnd.jupyter.widget-view+json"]["model_id"] == box.model_id
    assert figure[1].format == "png" and figure[1].data[:4] == b"\x89PNG"   # a static PNG
    assert _text(text[1]) == "threshold 0.5"
    slider.value = 0.25
    assert calls == [0.5, 0.25]
    updates = [item for kind, item in shown if kind == "update"]
    assert len(updates) == 2 and _text(updates[1]) == "threshold 0.25"   # same two slots
    assert len([kind for kind, _ in shown if kind == "display"]) == 3     # nothing new shown


def test_views_returning_fewer_or_more_items_keep_their_slots(shown):
    def view(n):
        return tuple(f"line {i}" for i in range(n))

    count = widgets.IntSlider(value=2, min=0, max=5)
    explore.explorer(view, n=count)
    count.value = 0
    count.value = 4
    updates = [_text(item) for kind, item in shown if kind == "update"]
    assert updates[:2] == ["", ""]                        # emptied, not removed
    assert updates[2:] == ["line 0", "line 1\nline 2\nline 3"]


def test_bad_explorers_are_refused():
    with pytest.raises(TypeError, match="view must be a function"):
        explore.explorer("not a function")
    with pytest.raises(TypeError, match="value widgets"):
        explore.explorer(lambda x: None, x=3)
