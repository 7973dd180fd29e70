"""Build the rendered course: a static HTML site with every notebook's outputs (``./course book``).

Reads ``book/book.yml`` (the chapters, in order), executes each notebook with the course's own
runner (``devtools.notebook_runner``: nbclient without the widget stall of nbclient #312),
and renders the executed notebooks, the glossary and the instructor guide with Sphinx, MyST-NB
and sphinx-book-theme (the engine of Jupyter Book 1), with Binder launch buttons.

Why not Jupyter Book 2 (mystmd)? Its HTML build downloads its theme from the internet at build
time, which breaks the course's promise to build and run without network; this build needs
only pip packages (the course's dev extra).

Usage::

    python scripts/build_book.py                 # execute in full mode (about 1-3 min a notebook)
    python scripts/build_book.py --fast          # fast mode, as the tests run notebooks
    python scripts/build_book.py --no-execute    # render without outputs (checks the site only)

The site is written to ``_build/book/html/index.html`` (``--out`` moves it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BOOK = ROOT / "book"


def read_config(path: Path = BOOK / "book.yml") -> dict:
    """The book's configuration: title, repository, ``chapters`` and ``appendix`` paths."""
    config = yaml.safe_load(path.read_text())
    for key in ("title", "chapters", "appendix"):
        if key not in config:
            raise ValueError(f"{path}: missing '{key}'")
    return config


def index_text(config: dict, chapters: list[str], appendix: list[str]) -> str:
    """The landing page: what the course is, how to run it, and the table of contents."""
    binder = (f"{config['binderhub_url']}/v2/gh/{config['repository_url'].split('github.com/')[-1]}"
              f"/{config['branch']}?urlpath=lab/tree/notebooks/00_welcome_and_data.ipynb")

    def toctree(caption: str, entries: list[str]) -> str:
        lines = [f"```{{toctree}}", f":caption: {caption}", ":maxdepth: 1", ""]
        lines += [str(Path(e).with_suffix("")) for e in entries]
        return "\n".join(lines + ["```", ""])

    return "\n".join([
        f"# {config['title']}", "",
        "A hands-on course in Python on mapping landslides from Sentinel-2 and Sentinel-1 "
        "imagery, built around the debris flows of 30 July 2019 in Jølster, Norway (Ganerød, "
        "Lindsay et al. 2023). This site shows every notebook **with its outputs**, so you can "
        "read the course without running it. To run it: the launch button (rocket) at the top "
        f"of each notebook, [Binder]({binder}), or on your machine `./course lab` (see the "
        "repository's README).", "",
        "The landslide study area is **simulated** (known truth); the Sentinel-2 and Landsat "
        "samples of notebooks 00 and 01 are real. Terms are explained in the "
        "[glossary](notebooks/glossary.md).", "",
        toctree("Notebooks", chapters),
        toctree("Reference", appendix),
    ])


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: What the page shows where a live notebook has widgets that are not an explorer's.
CONTROLS_LINE = "[interactive controls: run the notebook to use them]"


def static_widget_outputs(nb) -> int:
    """Make an executed notebook's widget outputs readable on a static page; returns how many
    outputs changed.

    A widget output carries the widget's view (``application/vnd.jupyter.widget-view+json``),
    which a page without a kernel cannot draw: MyST-NB would render an empty box, or the
    ``text/plain`` fallback ``interactive(children=(FloatSlider(...), Output()))``. Here the
    view is dropped, so the page shows the text: an explorer's own line ("[interactive
    controls: threshold; run the notebook to move them]", :mod:`course_lib.viz.explore`),
    whose first view follows as an ordinary PNG output; any other widget's ``repr`` becomes
    :data:`CONTROLS_LINE`.
    """
    changed = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            if WIDGET_VIEW not in data:
                continue
            del data[WIDGET_VIEW]
            text = str(data.get("text/plain", ""))
            if not text.startswith("[interactive controls"):
                data["text/plain"] = CONTROLS_LINE
            changed += 1
    return changed


def build(out: Path, execute: bool = True, fast: bool = False, timeout: int = 900,
          chapters: list[str] | None = None) -> Path:
    """Write the site into ``out/html`` and return the path of its ``index.html``.

    Args:
        out: the build folder (``src``, ``course_outputs`` and ``html`` inside).
        execute: run the notebooks first (else render them as they are stored).
        fast: run them in fast mode.
        timeout: seconds allowed per cell.
        chapters: notebook paths (relative to the repository, or absolute) instead of
            ``book/book.yml``'s chapters, e.g. to build one notebook.
    """
    import nbformat

    from devtools.notebook_runner import execute_notebook

    config = read_config()
    if chapters is not None:
        config = {**config, "chapters": list(chapters)}
    src = out / "src"
    shutil.rmtree(src, ignore_errors=True)
    (src / "notebooks").mkdir(parents=True)
    outputs = out / "course_outputs"
    shutil.rmtree(outputs, ignore_errors=True)
    chapters, appendix = [], []
    for entry in config["chapters"]:
        path = ROOT / entry
        if not path.exists():
            print(f"book: {entry} is listed but does not exist yet: skipped")
            continue
        if Path(entry).is_absolute():            # given on the command line, or by a test
            entry = str(path.relative_to(ROOT) if path.is_relative_to(ROOT)
                        else Path("notebooks") / path.name)
        target = src / entry
        target.parent.mkdir(parents=True, exist_ok=True)
        if execute and path.suffix == ".ipynb":
            start = time.perf_counter()
            env = {"COURSE_OUTPUT_DIR": str(outputs)}
            nb = execute_notebook(path, timeout=timeout, env=env, fast=fast)
            print(f"book: executed {entry} in {time.perf_counter() - start:.0f} s", flush=True)
        elif path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
        else:
            shutil.copy2(path, target)
            chapters.append(entry)
            continue
        static_widget_outputs(nb)
        nbformat.write(nb, target)
        chapters.append(entry)
    for entry in config["appendix"]:
        path = ROOT / entry
        if path.exists():
            (src / entry).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, src / entry)
            appendix.append(entry)
    (src / "index.md").write_text(index_text(config, chapters, appendix))
    shutil.copy2(BOOK / "conf.py", src / "conf.py")
    html = out / "html"
    env = {**os.environ, "COURSE_BOOK_YML": str(BOOK / "book.yml")}
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", "1",
                    str(src), str(html)], check=True, env=env)
    return html / "index.html"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "book")
    parser.add_argument("--fast", action="store_true", help="execute in fast mode (devtools/fast_parameters.py)")
    parser.add_argument("--no-execute", action="store_true", help="render without outputs")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="build only these notebooks (default: book/book.yml's chapters)")
    args = parser.parse_args()
    chapters = [str(p.resolve()) for p in args.notebooks] or None
    index = build(args.out.resolve(), execute=not args.no_execute, fast=args.fast,
                  timeout=args.timeout, chapters=chapters)
    print(f"book: open {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
