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
