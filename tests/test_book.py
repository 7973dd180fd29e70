"""The rendered course (``./course book``): its configuration lists every notebook, and the
site builds (here without executing the notebooks, to stay fast; ``./course book --fast``
executes them)."""

import importlib.util
import re
from pathlib import Path

import pytest

from devtools.notebook_runner import course_notebooks

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("build_book", ROOT / "scripts" / "build_book.py")
build_book = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_book)


def test_config_lists_every_notebook_and_the_glossary():
    config = build_book.read_config()
    listed = config["chapters"]
    for path in course_notebooks():
        assert f"notebooks/{path.name}" in listed, f"book/book.yml does not list {path.name}"
    assert listed == sorted(listed), "chapters out of course order"
    assert "notebooks/glossary.md" in config["appendix"]
    for entry in config["appendix"]:
        assert (ROOT / entry).exists(), f"book/book.yml lists a missing file {entry}"


def test_index_has_launch_link_and_contents():
    config = build_book.read_config()
    text = build_book.index_text(config, ["notebooks/00_welcome_and_data.ipynb"],
                                 ["notebooks/glossary.md"])
    assert "mybinder.org/v2/gh/" in text and "notebooks/00_welcome_and_data" in text
    assert "```{toctree}" in text and "notebooks/glossary" in text


def test_course_script_has_book_command():
    text = (ROOT / "course").read_text()
    assert "book)" in text and "scripts/build_book.py" in text


@pytest.mark.skipif(importlib.util.find_spec("sphinx") is None, reason="sphinx not installed")
def test_site_builds_with_every_page(tmp_path):
    index = build_book.build(tmp_path, execute=False)
    html = index.parent
    assert index.exists()
    for path in course_notebooks():
        page = html / "notebooks" / f"{path.stem}.html"
        assert page.exists(), f"no page for {path.name}"
    page = (html / "notebooks" / f"{course_notebooks()[0].stem}.html").read_text()
    assert re.search(r"mybinder\.org/v2/gh/[^\"]+notebooks/00_", page), "no Binder launch link"
    assert (html / "notebooks" / "glossary.html").exists()


def _explorer_notebook(path: Path) -> Path:
    """A made-up executed notebook with what the course's explorers output (the controls'
    widget view with its readable line, then the first view: a PNG and a score line) and a
    legacy ``ipywidgets.interact`` output."""
    import base64
    import io

    import nbformat
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 2))
    fig.subplots().plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    png = base64.b64encode(buffer.getvalue()).decode()
    view = {"version_major": 2, "version_minor": 0, "model_id": "0123456789abcdef"}
    explorer_cell = nbformat.v4.new_code_cell("explorer(show_threshold, threshold=slider)")
    explorer_cell.outputs = [
        nbformat.v4.new_output("display_data", data={
            "text/plain": "[interactive controls: threshold; run the notebook to move them]",
            build_book.WIDGET_VIEW: view}),
        nbformat.v4.new_output("display_data", data={"image/png": png,
                                                     "text/plain": "<Image>"}),
        nbformat.v4.new_output("display_data", data={"text/plain": "MCC 0.61 at -0.30"}),
    ]
    legacy = nbformat.v4.new_code_cell("widgets.interact(f, x=(0, 2))")
    legacy.outputs = [nbformat.v4.new_output("display_data", data={
        "text/plain": "interactive(children=(FloatSlider(value=1.0), Output()))",
        build_book.WIDGET_VIEW: view})]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Explorer page"),
                                         explorer_cell, legacy])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def test_widget_outputs_become_readable_text(tmp_path):
    import nbformat

    nb = nbformat.read(_explorer_notebook(tmp_path / "x.ipynb"), as_version=4)
    assert build_book.static_widget_outputs(nb) == 2
    explorer_out, legacy_out = nb.cells[1].outputs[0], nb.cells[2].outputs[0]
    assert build_book.WIDGET_VIEW not in explorer_out.data
    assert explorer_out.data["text/plain"].startswith("[interactive controls: threshold")
    assert legacy_out.data["text/plain"] == build_book.CONTROLS_LINE
    assert "image/png" in nb.cells[1].outputs[1].data


@pytest.mark.skipif(importlib.util.find_spec("sphinx") is None, reason="sphinx not installed")
def test_explorer_page_shows_its_first_view_and_a_readable_line(tmp_path):
    """The rendered page of a notebook with an explorer has the first view's image and the
    controls' line, never ``interactive(children=...)`` or an empty widget box."""
    notebook = _explorer_notebook(tmp_path / "99_explorer.ipynb")
    index = build_book.build(tmp_path / "site", execute=False, chapters=[str(notebook)])
    page = (index.parent / "notebooks" / "99_explorer.html").read_text()
    images = re.findall(r'<img[^>]+src="([^"]+\.png)"', page)
    assert images, "the explorer's first view is not on the page"
    assert all((index.parent / "notebooks" / src).exists() for src in images), images
    assert "[interactive controls: threshold; run the notebook to move them]" in page
    assert "MCC 0.61 at -0.30" in page
    assert build_book.CONTROLS_LINE in page
    assert "interactive(children=" not in page and "widget-view+json" not in page
