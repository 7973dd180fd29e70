"""Every notebook shows its explorers with ``viz.explore.explorer``, not ``interact``.

``widgets.interact`` draws inside an ``Output`` widget, which a rendered notebook (the book,
GitHub) shows as nothing or as ``interactive(children=...)``. ``explorer`` shows the first view
as ordinary output; for that, its view must *return* what to show instead of displaying or
printing it. These checks read the notebook sources (the views themselves call course_lib
functions that have their own tests, e.g. ``test_change_plots``, ``test_cart_plots``,
``test_unet_plots``, ``test_evaluation_plots``, ``test_timeseries``, ``test_landslide4sense``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

#: Notebooks with an explorer: all of them.
WITH_EXPLORERS = ("00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10")
SOURCES = sorted(p for p in (Path(__file__).resolve().parents[1] / "notebooks_src").glob("*.py")
                 if p.name[:2] in WITH_EXPLORERS)
DISPLAYING = {"display", "show", "print", "interact"}


def _called_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _explorer_views(tree: ast.Module) -> list[str]:
    return [call.args[0].id for call in ast.walk(tree)
            if isinstance(call, ast.Call) and _called_name(call) == "explorer"
            and call.args and isinstance(call.args[0], ast.Name)]


def test_the_notebooks_are_found():
    assert tuple(p.name[:2] for p in SOURCES) == WITH_EXPLORERS


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_explorers_use_pure_views_and_no_interact(source):
    tree = ast.parse(source.read_text())
    calls = {_called_name(node) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    assert "interact" not in calls, f"{source.name} still calls widgets.interact"
    views = _explorer_views(tree)
    assert views, f"{source.name} has no explorer"
    functions = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    for name in views:
        assert name in functions, f"{source.name}: explorer view {name} is not defined there"
        body = functions[name]
        inner = {_called_name(n) for n in ast.walk(body) if isinstance(n, ast.Call)}
        assert not inner & DISPLAYING, (
            f"{source.name}: view {name} calls {sorted(inner & DISPLAYING)}; return the figure "
            "and the text instead, so the first view is ordinary output")
        returns = [n for n in ast.walk(body) if isinstance(n, ast.Return) and n.value is not None]
        assert returns, f"{source.name}: view {name} returns nothing"
