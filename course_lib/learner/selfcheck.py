"""Self-check questions in the notebooks: the learner answers, a cell says whether it is right.

Each notebook asks at least one question partway through (Carpentries-style "check your
understanding"). The learner replaces ``...`` with an answer and runs the cell::

    from course_lib.learner import selfcheck

    answer = ...      # replace ... with your answer
    selfcheck.check_number(answer, expected=accuracy, tol=0.005,
                           hint="Accuracy = (TP + TN) / all pixels.")

An unanswered question (``...`` or ``None``) prints a reminder, never an error, so notebooks
still run from top to bottom (the tests run them unanswered). Each function prints one line
and returns ``True`` (right), ``False`` (wrong) or ``None`` (not answered yet).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from numbers import Real
from typing import Any

import numpy as np

RIGHT = "✅ Right"
WRONG = "❌ Not yet"
UNANSWERED = "✏️  Not answered yet: replace ... with your answer and run the cell again."


def _unanswered(answer: Any) -> bool:
    return answer is Ellipsis or answer is None


def _say(ok: bool, message: str, hint: str | None) -> bool:
    line = f"{RIGHT}: {message}" if ok else f"{WRONG}: {message}"
    if not ok and hint:
        line += f"  Hint: {hint}"
    print(line)
    return ok


def check_number(answer: Any, expected: float, *, tol: float | None = None,
                 rel: float | None = None, hint: str | None = None,
                 explain: str | None = None) -> bool | None:
    """Is ``answer`` within ``tol`` (absolute) or ``rel`` (relative) of ``expected``?

    Args:
        answer: the learner's number (``...`` while unanswered).
        expected: the right value, usually computed by the notebook itself.
        tol: allowed absolute difference (default: 1 % of ``expected``, at least 1e-9).
        rel: allowed relative difference instead of ``tol``.
        hint: shown after a wrong answer.
        explain: shown after a right answer (why it is right).

    Returns:
        True, False, or None when not answered yet.

    Raises:
        ValueError: when ``expected`` is not a finite number, or ``tol`` / ``rel`` are not
            a non-negative number and a fraction (a broken question).

    >>> check_number(0.99, expected=0.9891, tol=0.005)
    ✅ Right: 0.99 (expected 0.9891 ± 0.005).
    True
    >>> check_number(..., expected=3)
    ✏️  Not answered yet: replace ... with your answer and run the cell again.
    """
    if isinstance(expected, np.ndarray) and expected.ndim == 0:
        expected = expected[()]
    if isinstance(expected, bool) or not isinstance(expected, Real) or \
            not math.isfinite(float(expected)):
        raise ValueError(f"expected must be a finite number; got {expected!r}")
    if tol is not None and (isinstance(tol, bool) or not isinstance(tol, Real)
                            or not math.isfinite(float(tol)) or tol < 0):
        raise ValueError(f"tol must be a non-negative number (the allowed absolute "
                         f"difference); got {tol!r}")
    if rel is not None and (isinstance(rel, bool) or not isinstance(rel, Real)
                            or not 0 < float(rel) <= 1):
        raise ValueError(f"rel must be a fraction in (0, 1] (0.05 allows 5 %); got {rel!r}")
    if _unanswered(answer):
        print(UNANSWERED)
        return None
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return _say(False, f"{answer!r} is not a number.", hint)
    if rel is not None:
        allowed = abs(float(expected)) * rel
        bound = f"± {rel:.0%}"
    else:
        allowed = tol if tol is not None else max(abs(float(expected)) * 0.01, 1e-9)
        bound = f"± {allowed:g}"
    ok = math.isfinite(value) and abs(value - float(expected)) <= allowed
    message = f"{value:g} (expected {float(expected):g} {bound})."
    if ok and explain:
        message += f" {explain}"
    return _say(ok, message if ok else f"{value:g} is not close enough.", hint)


def check_choice(answer: Any, correct: str | Iterable[str], options: dict[str, str], *,
                 hint: str | None = None, explain: str | None = None) -> bool | None:
    """A multiple-choice question: ``answer`` is an option's key (case-insensitive).

    Args:
        answer: the learner's key, e.g. ``"b"`` (``...`` while unanswered).
        correct: the right key, or several keys that are all accepted.
        options: key -> option text (printed back with the verdict).
        hint: shown after a wrong answer.
        explain: shown after a right answer.

    Raises:
        ValueError: when a correct key is not among the options.

    >>> check_choice("B", "b", {"a": "accuracy", "b": "MCC"})
    ✅ Right: b) MCC.
    True
    >>> check_choice("a", "b", {"a": "accuracy", "b": "MCC"}, hint="Which one ignores TN?")
    ❌ Not yet: a) accuracy is not the best choice.  Hint: Which one ignores TN?
    False
    """
    if not isinstance(options, Mapping) or not options:
        raise TypeError(f"options must be a non-empty dict key -> option text, e.g. "
                        f"{{'a': 'accuracy', 'b': 'MCC'}}; got {options!r}")
    keys = {str(k).lower(): v for k, v in options.items()}
    if isinstance(correct, str):
        right = {correct.lower()}
    elif isinstance(correct, Iterable) and correct and all(isinstance(c, str) for c in correct):
        right = {c.lower() for c in correct}
    else:
        raise TypeError(f"correct must be an option's key (a string) or a list of keys; got "
                        f"{correct!r}")
    missing = right - set(keys)
    if missing:
        raise ValueError(f"correct answer(s) {sorted(missing)} are not among the options "
                         f"{sorted(keys)}")
    if _unanswered(answer):
        print(UNANSWERED)
        return None
    key = str(answer).strip().lower().rstrip(")")
    if key not in keys:
        return _say(False, f"{answer!r} is not one of {', '.join(sorted(keys))}.", hint)
    if key in right:
        return _say(True, f"{key}) {keys[key]}." + (f" {explain}" if explain else ""), None)
    return _say(False, f"{key}) {keys[key]} is not the best choice.", hint)


def check_true_false(answer: Any, correct: bool, *, hint: str | None = None,
                     explain: str | None = None) -> bool | None:
    """A true-or-false statement; ``answer`` is ``True``/``False`` (or "true"/"false").

    >>> check_true_false(False, False, explain="0/0 is undefined.")
    ✅ Right: False. 0/0 is undefined.
    True

    Raises:
        TypeError: when ``correct`` is not True or False (a broken question).
    """
    if not isinstance(correct, (bool, np.bool_)):
        raise TypeError(f"correct must be True or False; got {correct!r}")
    if _unanswered(answer):
        print(UNANSWERED)
        return None
    if isinstance(answer, str) and answer.strip().lower() in {"true", "false"}:
        answer = answer.strip().lower() == "true"
    if not isinstance(answer, bool):
        return _say(False, f"{answer!r}: answer True or False.", hint)
    if answer == correct:
        return _say(True, f"{answer}." + (f" {explain}" if explain else ""), None)
    return _say(False, f"{answer} is not right.", hint)
