"""The documented way to execute a notebook with plain ``jupyter nbconvert`` does not stall on
widget cells (nbclient issue #312; see ``devtools.notebook_runner.ShortPollChannel``)."""

import json
import os
import re
import shlex
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def documented_command() -> list[str]:
    """The nbconvert command in the README's Troubleshooting, as arguments."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n\s*(jupyter nbconvert .*?)```", readme, re.S)
    assert block, "README lacks the nbconvert command"
    return shlex.split(block.group(1).replace("\\\n", " "))


def cell_gaps(nb: dict) -> list[float]:
    """Seconds between one code cell's execute reply and the next cell's start."""
    def when(stamp: str) -> datetime:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))

    gaps, previous = [], None
    for cell in nb["cells"]:
        timing = cell.get("metadata", {}).get("execution") if cell["cell_type"] == "code" else None
        if not timing:
            continue
        if previous is not None:
            gaps.append((when(timing["iopub.execute_input"]) - previous).total_seconds())
        previous = when(timing["shell.execute_reply"])
    return gaps


def test_command_names_the_fix():
    args = documented_command()
    assert args[:2] == ["jupyter", "nbconvert"] and "--execute" in args
    assert ("--ExecutePreprocessor.kernel_manager_class="
            "devtools.notebook_runner.ShortPollKernelManager") in args


@pytest.mark.notebook
def test_documented_nbconvert_command_runs_notebook_00_without_stalls(tmp_path):
    """Notebook 00 stalled ~85 s after two of its widget cells without the fix (timeout 90)."""
    args = documented_command()
    args = [sys.executable, "-m", "jupyter"] + args[1:]
    args[args.index("--output-dir=executed/") if "--output-dir=executed/" in args
         else args.index("executed/")] = str(tmp_path)
    env = {**os.environ, "COURSE_OUTPUT_DIR": str(tmp_path / "outputs"),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    nb = json.loads((tmp_path / "00_welcome_and_data.ipynb").read_text())
    gaps = cell_gaps(nb)
    assert gaps and max(gaps) < 10, f"a cell waited {max(gaps):.0f} s for its reply: {gaps}"
    assert not [o for c in nb["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
