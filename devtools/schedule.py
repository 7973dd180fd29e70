"""Workshop schedules built from the notebooks' own minutes and the measured run times.

Each notebook states its teaching time in its header ("Time to learn: About **45 minutes**")
and ``bench/REPORT.md`` holds how long "Run All" takes on one CPU. This module turns both into a
one-day and a two-half-day schedule with breaks; ``scripts/make_instructor_guide.py`` writes
them to ``instructors/schedule.md`` (a test fails when that file is stale).

A notebook's slot is its teaching minutes plus its measured run time (learners wait for cells
too), rounded up to 5 minutes. Breaks follow the Carpentries habit: a 15-minute break after at
most ``max_block`` minutes of teaching, and lunch at the first break at or after 12:00.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path

TIME_TO_LEARN = re.compile(r"Time to learn.*?About\s+\*\*(\d+)\s*minutes\*\*", re.S | re.I)
REPORT_ROW = re.compile(r"^\|\s*(\d\d_[\w]+)\.ipynb\s*\|\s*([\d.]+)\s*\|", re.M)


@dataclasses.dataclass
class Block:
    """One line of a schedule."""

    title: str
    minutes: int
    kind: str = "notebook"          # notebook | break | lunch | session
    teaching: int | None = None     # the notebook's own minutes
    run_seconds: float | None = None
    start: int = 0                  # minutes after midnight, set when scheduled

    @property
    def end(self) -> int:
        return self.start + self.minutes


def notebook_minutes(path: Path) -> int:
    """The teaching minutes a notebook's header states ("About **N minutes**").

    Raises:
        ValueError: naming the notebook, when its header has no such line.
    """
    nb = json.loads(Path(path).read_text())
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    found = TIME_TO_LEARN.search(text)
    if not found:
        raise ValueError(f"{Path(path).name}: no 'Time to learn ... About **N minutes**' in "
                         "its header; add one (see notebooks_src/06_evaluation.py)")
    return int(found.group(1))


def notebook_title(path: Path) -> str:
    """The first heading of a notebook, e.g. ``01 · Cloud masking and compositing``."""
    nb = json.loads(Path(path).read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return Path(path).stem


def measured_seconds(report_text: str) -> dict[str, float]:
    """Wall time per notebook stem from the table in ``bench/REPORT.md``.

    >>> measured_seconds("| 00_welcome.ipynb | 13.0 | 695 | yes |  |")
    {'00_welcome': 13.0}
    """
    return {m.group(1): float(m.group(2)) for m in REPORT_ROW.finditer(report_text)}


def slot_minutes(teaching: int, run_seconds: float | None) -> int:
    """Teaching minutes plus the run time, rounded up to 5 minutes.

    >>> slot_minutes(45, 14.3), slot_minutes(40, None), slot_minutes(25, 130)
    (50, 40, 30)
    """
    total = teaching + (math.ceil(run_seconds / 60) if run_seconds else 0)
    return 5 * math.ceil(total / 5)


def clock(minutes: int) -> str:
    """``570`` -> ``'09:30'``.

    >>> clock(570)
    '09:30'
    """
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def lay_out(blocks: list[Block], start: int, end: int, *, max_block: int = 105,
            lunch_after: int = 12 * 60, lunch: int = 60, coffee: int = 15,
            allow_lunch: bool = True) -> tuple[list[Block], list[Block]]:
    """Place ``blocks`` from ``start`` and insert breaks; stop before ``end``.

    Args:
        blocks: sessions and notebooks in teaching order.
        start, end: minutes after midnight.
        max_block: longest stretch of teaching without a break.
        lunch_after: the first break at or after this time is lunch (when ``allow_lunch``).

    Returns:
        ``(scheduled, left_over)``: the blocks with breaks and start times, and the blocks
        that did not fit before ``end`` (in order).
    """
    out: list[Block] = []
    now, since_break, had_lunch = start, 0, not allow_lunch
    for i, block in enumerate(blocks):
        if since_break and since_break + block.minutes > max_block:
            is_lunch = not had_lunch and now >= lunch_after - 30
            brk = Block("Lunch" if is_lunch else "Break", lunch if is_lunch else coffee,
                        "lunch" if is_lunch else "break")
            had_lunch |= is_lunch
            if now + brk.minutes + block.minutes > end:
                return out, blocks[i:]
            brk.start = now
            out.append(brk)
            now, since_break = brk.end, 0
        if now + block.minutes > end:
            return out, blocks[i:]
        placed = dataclasses.replace(block, start=now)
        out.append(placed)
        now, since_break = placed.end, since_break + block.minutes
    return out, []


def course_blocks(notebooks: list[Path], report_text: str) -> tuple[list[Block], list[Block]]:
    """(core, extensions): one block per notebook; numbers 07 and up are extensions."""
    seconds = measured_seconds(report_text)
    core, extra = [], []
    for path in notebooks:
        teaching = notebook_minutes(path)
        run = seconds.get(path.stem)
        block = Block(notebook_title(path), slot_minutes(teaching, run), "notebook", teaching,
                      run)
        (extra if int(path.stem[:2]) >= 7 else core).append(block)
    return core, extra


def one_day(core: list[Block], extra: list[Block]) -> tuple[list[Block], list[Block]]:
    """09:00-17:00: welcome and set-up check, the core notebooks, wrap-up; extensions if they
    fit, else left for self-study."""
    opening = Block("Welcome, `./course check` on every machine", 15, "session")
    closing = Block("Wrap-up: your table next to the paper's, questions, feedback", 15,
                    "session")
    plan, left = lay_out([opening] + core + extra, 9 * 60, 17 * 60 - closing.minutes)
    plan.append(dataclasses.replace(closing, start=plan[-1].end))
    return plan, left


def two_half_days(core: list[Block], extra: list[Block]) -> tuple[list[list[Block]], list[Block]]:
    """Two mornings, 09:00-12:30, each with one break; day 2 opens with a recap."""
    first, rest = lay_out([Block("Welcome, `./course check` on every machine", 15, "session")]
                          + core + extra, 9 * 60, 12 * 60 + 30, allow_lunch=False)
    second, left = lay_out([Block("Recap of day 1, questions", 10, "session")] + rest,
                           9 * 60, 12 * 60 + 30, allow_lunch=False)
    return [first, second], left


def _table(plan: list[Block]) -> list[str]:
    lines = ["| time | what | minutes | teaching (notebook header) | Run All on 1 CPU |",
             "|---|---|---:|---:|---:|"]
    for b in plan:
        what = f"*{b.title}*" if b.kind in ("break", "lunch") else b.title
        teaching = str(b.teaching) if b.teaching is not None else ""
        run = (f"{b.run_seconds:.0f} s" if b.run_seconds is not None
               else ("not measured" if b.kind == "notebook" else ""))
        lines.append(f"| {clock(b.start)}-{clock(b.end)} | {what} | {b.minutes} | {teaching} "
                     f"| {run} |")
    return lines


def render(notebooks: list[Path], report_text: str) -> str:
    """The whole ``instructors/schedule.md`` text."""
    core, extra = course_blocks(notebooks, report_text)
    day, day_left = one_day(core, extra)
    halves, halves_left = two_half_days(core, extra)
    lines = [
        "# Workshop schedules",
        "",
        "<!-- Generated by scripts/make_instructor_guide.py from the notebooks' 'Time to learn' "
        "and bench/REPORT.md. Do not edit: rerun the script (tests/test_instructors.py fails "
        "when this file is stale). -->",
        "",
        "Built from each notebook's own teaching minutes (its *Time to learn*) plus the run "
        "time measured on one CPU in [`bench/REPORT.md`](../bench/REPORT.md), rounded up to "
        "5 minutes. Breaks: 15 minutes after at most 105 minutes of teaching; lunch 60 minutes. "
        "Notebooks 07 and up are extensions: taught if they fit, otherwise self-study.",
        "",
        "## One day (09:00-17:00)",
        "",
        *_table(day),
        "",
    ]
    if day_left:
        lines += ["Does not fit the day (self-study or a follow-up session): "
                  + ", ".join(f"{b.title} ({b.minutes} min)" for b in day_left) + ".", ""]
    for n, plan in enumerate(halves, 1):
        lines += [f"## Two half-days: day {n} (09:00-12:30)", "", *_table(plan), ""]
    if halves_left:
        lines += ["Does not fit the two mornings (self-study, or add an afternoon): "
                  + ", ".join(f"{b.title} ({b.minutes} min)" for b in halves_left) + ".", ""]
    total = sum(b.minutes for b in core + extra)
    lines += [f"Teaching time of all notebooks: {total} minutes "
              f"({total / 60:.1f} hours) without breaks.", ""]
    return "\n".join(lines)
