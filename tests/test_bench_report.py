"""The one-CPU benchmark report keeps the scores the notebooks print (cells tagged report)."""

import importlib.util
from pathlib import Path

import nbformat

from devtools.notebook_runner import report_outputs

ROOT = Path(__file__).resolve().parents[1]


def _bench_module():
    spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "bench" / "run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_report_outputs_takes_only_tagged_stdout():
    tagged = nbformat.v4.new_code_cell("x", metadata={"tags": ["report", "other"]})
    tagged.outputs = [nbformat.v4.new_output("stream", name="stdout", text="MCC 0.81\n"),
                      nbformat.v4.new_output("stream", name="stderr", text="warning\n"),
                      nbformat.v4.new_output("execute_result", data={"text/plain": "7"})]
    untagged = nbformat.v4.new_code_cell("y")
    untagged.outputs = [nbformat.v4.new_output("stream", name="stdout", text="noise\n")]
    nb = nbformat.v4.new_notebook(cells=[untagged, tagged, nbformat.v4.new_markdown_cell("m")])
    assert report_outputs(nb) == "MCC 0.81"


def test_scores_are_written_and_kept_for_notebooks_not_rerun(tmp_path, monkeypatch):
    bench = _bench_module()
    monkeypatch.setattr(bench, "REPORT", tmp_path / "REPORT.md")
    rows = [{"notebook": "03_a.ipynb", "seconds": 1.0, "peak_rss_mb": 2, "error": None,
             "scores": "pixel MCC 0.86\nobjects found 47 of 52"},
            {"notebook": "04_b.ipynb", "seconds": 3.0, "peak_rss_mb": 4, "error": None,
             "scores": ""}]
    bench.write_report(rows, "test machine")
    text = (tmp_path / "REPORT.md").read_text()
    assert "| 03_a.ipynb | 1.0 | 2 | yes |" in text
    assert bench.read_previous_scores(text) == {"03_a.ipynb": "pixel MCC 0.86\nobjects found 47 of 52"}
    # the score section does not confuse the table parser that keeps earlier rows
    table = text.split(bench.SCORES_HEADING)[0]
    assert "04_b.ipynb" in table and "pixel MCC" not in table
