"""Widget explorers whose first view survives rendering: a figure now, redrawn in place later.

``ipywidgets.interact`` draws its figure inside an ``Output`` widget, so a notebook rendered
without a live kernel (the course's book, GitHub, nbviewer) shows nothing, or the text
``interactive(children=...)``, where the figure should be. :func:`explorer` does it the other
way round: it shows the view for the controls' starting values as an **ordinary cell output**
(a PNG and text that every renderer shows), and when a control moves in a live notebook it
**updates that same output in place** (IPython's display handles, ``display_id``), so nothing
is drawn twice. The controls render as widgets in JupyterLab and as one line of plain text
elsewhere.

A view is a plain function of the controls' values that **returns** what to show: a matplotlib
``Figure``, a string, or a tuple of them. The tests call views directly, so every explorer is
tested without a browser::

    def show_threshold(threshold):
        view = ep.threshold_explorer(score, truth, threshold)
        return view.figure, view.scores.text()

    explorer(show_threshold, threshold=widgets.FloatSlider(value=-0.3, min=-0.8, max=0.0))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["explorer", "view_outputs"]


def view_outputs(result: Any) -> list[Any]:
    """What a view returned, as a list of displayable items (figures and strings).

    ``None`` gives an empty list; a tuple or list is flattened one level.

    >>> view_outputs(("MCC 0.5", None))
    ['MCC 0.5']
    """
    items = list(result) if isinstance(result, (tuple, list)) else [result]
    return [item for item in items if item is not None]


def _displayable(item: Any) -> Any:
    """A figure as PNG (closing a pyplot figure so it is not shown twice), text as text."""
    from IPython.display import Image, Pretty

    if isinstance(item, str):
        return Pretty(item)
    if hasattr(item, "savefig"):
        import io

        buffer = io.BytesIO()
        item.savefig(buffer, format="png", dpi=item.get_dpi(), bbox_inches="tight")
        try:
            import matplotlib.pyplot as plt

            plt.close(item)
        except Exception:  # noqa: BLE001 - a Figure made without pyplot is not registered
            pass
        return Image(data=buffer.getvalue(), format="png")
    return item


def _controls_text(controls: Mapping[str, Any]) -> str:
    names = ", ".join(getattr(w, "description", "") or name for name, w in controls.items())
    return f"[interactive controls: {names}; run the notebook to move them]"


def explorer(view: Callable[..., Any], slots: int | None = None, **controls: Any) -> Any:
    """Show ``view(**values)`` now, as ordinary output, and redraw it whenever a control moves.

    Args:
        view: a plain function of the controls' values returning a ``Figure``, a string, or a
            tuple of them (``None`` items are skipped).
        slots: how many outputs the view can return at most (default: as many as the first
            view returned). A later view that returns more shows the extra items as text.
        **controls: ipywidgets value widgets (``FloatSlider``, ``Dropdown``, ...) by the name
            of the view's argument they set.

    Returns:
        The ``VBox`` of controls (already displayed above the view).

    Raises:
        TypeError: ``view`` is not callable, or a control is not a value widget.
    """
    import ipywidgets
    from IPython.display import display

    if not callable(view):
        raise TypeError(f"view must be a function of the controls' values; got {view!r}.")
    bad = [name for name, w in controls.items() if not isinstance(w, ipywidgets.ValueWidget)]
    if bad:
        raise TypeError(f"controls {bad} must be ipywidgets value widgets (e.g. "
                        "widgets.FloatSlider(...)); wrap a fixed value in widgets.fixed(...) or "
                        "pass it to the view with functools.partial.")

    def values() -> dict[str, Any]:
        return {name: w.value for name, w in controls.items()}

    box = ipywidgets.VBox(list(controls.values()))
    bundle = {"text/plain": _controls_text(controls),
              "application/vnd.jupyter.widget-view+json": {
                  "version_major": 2, "version_minor": 0, "model_id": box.model_id}}
    display(bundle, raw=True)
    first = view_outputs(view(**values()))
    count = max(slots or len(first), 1)
    handles = [display(_displayable(item), display_id=True) for item in first]
    handles += [display(_displayable(""), display_id=True) for _ in range(count - len(first))]

    def redraw(_change: Any = None) -> None:
        items = view_outputs(view(**values()))
        if len(items) > len(handles):   # keep every output: the extras as text in the last slot
            items = items[:len(handles) - 1] + ["\n".join(map(str, items[len(handles) - 1:]))]
        for handle, item in zip(handles, items + [""] * (len(handles) - len(items))):
            handle.update(_displayable(item))

    for w in controls.values():
        w.observe(redraw, names="value")
    return box
