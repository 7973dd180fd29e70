"""Sphinx configuration of the rendered course (built by scripts/build_book.py, which copies
this file next to the executed notebooks). MyST-NB renders the notebooks with their outputs;
sphinx-book-theme gives the Jupyter Book look and the Binder launch buttons."""

import os

import yaml

_book = yaml.safe_load(open(os.environ["COURSE_BOOK_YML"], encoding="utf-8"))

project = _book["title"]
author = _book["author"]
extensions = ["myst_nb"]
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3              # glossary.md#mcc links from the notebooks
nb_execution_mode = "off"             # executed by the course runner beforehand (nbclient #312)
nb_merge_streams = True
html_theme = "sphinx_book_theme"
html_title = _book["title"]
html_theme_options = {
    "repository_url": _book["repository_url"],
    "repository_branch": _book["branch"],
    "path_to_docs": "",
    "use_repository_button": True,
    "launch_buttons": {"binderhub_url": _book["binderhub_url"], "notebook_interface": "jupyterlab"},
    "show_toc_level": 2,
}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]
