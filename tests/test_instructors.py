"""The instructor guide: a generated, up-to-date schedule; notes for every notebook; an FAQ
that answers every question of the ARSET Q&A; the glossary."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from devtools import schedule
from devtools.notebook_runner import course_notebooks

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "instructors"


def _seed_file() -> Path | None:
    """The ARSET Q&A seed (``shared/seeds/000_*.txt`` beside the repository or above it)."""
    for folder in [ROOT, *ROOT.parents]:
        found = sorted((folder / "shared" / "seeds").glob("000_*.txt"))
        if found:
            return found[0]
    return None


def arset_questions(text: str) -> dict[str, str]:
    """``{"A1": "Is rainfall threshold ...", ...}`` from the Q&A text, per session A and B."""
    parts = re.split(r"Questions & Answers Session ([AB])", text)
    questions = {}
    for session, body in zip(parts[1::2], parts[2::2]):
        for m in re.finditer(r"^Question (\d+):\s*(.+)$", body, re.M):
            questions[f"{session}{m.group(1)}"] = " ".join(m.group(2).split())
    return questions


def faq_entries() -> dict[str, tuple[str, str]]:
    """``{"A1": (heading, answer)}`` from instructors/faq.md."""
    text = (GUIDE / "faq.md").read_text()
    entries = {}
    for m in re.finditer(r"^### ([AB]\d+) · (.+?)\n(.*?)(?=^### |^## |\Z)", text, re.M | re.S):
        entries[m.group(1)] = (m.group(2), m.group(3).strip())
    return entries


def test_schedule_is_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_instructor_guide.py"),
                             "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_notebook_states_its_minutes_and_is_scheduled():
    text = (GUIDE / "schedule.md").read_text()
    for path in course_notebooks():
        assert schedule.notebook_minutes(path) > 0
        assert schedule.notebook_title(path) in text, f"{path.name} missing from the schedule"


def test_layout_inserts_breaks_lunch_and_reports_overflow():
    blocks = [schedule.Block(f"nb{i}", 60, teaching=55, run_seconds=30) for i in range(8)]
    plan, left = schedule.lay_out(blocks, 9 * 60, 17 * 60)
    kinds = [b.kind for b in plan]
    assert "lunch" in kinds and kinds.count("lunch") == 1
    assert kinds[0] == "notebook" and kinds[1] == "break"   # 60 + 60 > 105: a break between
    assert all(a.end == b.start for a, b in zip(plan, plan[1:])), "gaps or overlaps"
    assert plan[-1].end <= 17 * 60 and left and left[0].title == f"nb{8 - len(left)}"
    lunch = next(b for b in plan if b.kind == "lunch")
    assert lunch.start >= 11 * 60 + 30


def test_schedule_from_fake_notebooks(tmp_path):
    import json
    for name, minutes in (("00_a", 25), ("01_b", 45), ("07_ext", 30)):
        nb = {"cells": [{"cell_type": "markdown", "source": f"# {name} title\n\n### Time to "
                         f"learn\n\nAbout **{minutes} minutes** (all)."}]}
        (tmp_path / f"{name}.ipynb").write_text(json.dumps(nb))
    report = "| 00_a.ipynb | 130.0 | 600 | yes |  |\n"
    text = schedule.render(sorted(tmp_path.glob("*.ipynb")), report)
    assert "| 09:15-09:45 | 00_a title | 30 | 25 | 130 s |" in text   # 25 + 3 min, up to 30
    assert "01_b title | 45 | 45 | not measured" in text
    assert "07_ext title" in text
    (tmp_path / "02_bad.ipynb").write_text(json.dumps({"cells": []}))
    with pytest.raises(ValueError, match="02_bad.ipynb"):
        schedule.notebook_minutes(tmp_path / "02_bad.ipynb")


def test_notes_cover_every_notebook():
    notes = (GUIDE / "notes.md").read_text()
    for path in course_notebooks():
        assert re.search(rf"^## {path.stem[:2]} · ", notes, re.M), \
            f"instructors/notes.md has no section for {path.name}"


def test_faq_answers_every_arset_question():
    seed = _seed_file()
    if seed is None:
        pytest.skip("the ARSET Q&A seed (shared/seeds/000_*.txt) is not beside this checkout")
    questions = arset_questions(seed.read_text())
    assert len(questions) >= 40 and "A1" in questions and "B22" in questions
    entries = faq_entries()
    assert set(entries) == set(questions), (
        f"missing {sorted(set(questions) - set(entries))}, "
        f"extra {sorted(set(entries) - set(questions))}")
    for key, question in questions.items():
        heading, answer = entries[key]
        opening = " ".join(question.split()[:5])
        assert opening in heading, f"{key}: heading should quote '{opening}'"
        assert len(answer) > 40, f"{key}: answer too short"
        assert re.search(r"[Nn]otebooks? \d\d|[Nn]ot covered|Not a course",
                         answer), f"{key}: point to a notebook or say it is not covered"


def test_faq_says_where_the_course_stops():
    text = (GUIDE / "faq.md").read_text()
    for topic in ("InSAR", "coherence", "ixel-offset"):
        assert re.search(rf"{topic}[^.]*\*\*not covered\*\*|\*\*{topic}", text) or \
            topic in text.split("## Session A")[0], topic
    assert "Further reading" in text or "further reading" in text


def test_glossary_defines_the_core_terms():
    text = (ROOT / "notebooks" / "glossary.md").read_text()
    headings = re.findall(r"^### (.+)$", text, re.M)
    for term in ("sigma0", "gamma0", "ENL", "SCL", "MCC", "OBIA", "dNDVI", "NDVI", "speckle",
                 "Lee filter", "CART", "U-Net", "SALaD"):
        assert term in headings, f"glossary lacks {term}"
    assert headings == sorted(headings, key=str.lower), "keep the glossary alphabetical"


def test_guide_covers_binder_offline_and_reset():
    text = (GUIDE / "README.md").read_text()
    for phrase in ("Shut Down", "idle", "no network", "./course reset", "schedule.md",
                   "faq.md", "notes.md"):
        assert phrase.lower() in text.lower(), phrase
