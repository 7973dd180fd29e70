"""course_lib.learner.selfcheck: the notebooks' self-check questions."""

import math

import pytest

from course_lib.learner import selfcheck


def test_number_right_wrong_unanswered(capsys):
    assert selfcheck.check_number(0.5, expected=0.5004, tol=0.001) is True
    assert selfcheck.check_number(0.6, expected=0.5, tol=0.05, hint="TP / (TP + FP)") is False
    out = capsys.readouterr().out
    assert "Right" in out and "Not yet" in out and "Hint: TP / (TP + FP)" in out
    assert selfcheck.check_number(..., expected=1.0) is None
    assert selfcheck.check_number(None, expected=1.0) is None
    assert "Not answered yet" in capsys.readouterr().out


def test_number_default_and_relative_tolerance():
    assert selfcheck.check_number(101, expected=100) is True          # 1 % by default
    assert selfcheck.check_number(103, expected=100) is False
    assert selfcheck.check_number(109, expected=100, rel=0.1) is True
    assert selfcheck.check_number("0.5", expected=0.5) is True        # a numeric string
    assert selfcheck.check_number("half", expected=0.5) is False
    assert selfcheck.check_number(math.nan, expected=0.5) is False


def test_number_rejects_a_broken_question():
    with pytest.raises(ValueError, match="expected must be a finite number"):
        selfcheck.check_number(1, expected=math.nan)


def test_choice(capsys):
    options = {"a": "accuracy", "b": "MCC", "c": "recall"}
    assert selfcheck.check_choice("b)", "b", options) is True
    assert selfcheck.check_choice(" B ", "b", options) is True
    assert selfcheck.check_choice("c", ("b", "c"), options) is True
    assert selfcheck.check_choice("a", "b", options, hint="TN dominate") is False
    assert selfcheck.check_choice("z", "b", options) is False
    assert selfcheck.check_choice(..., "b", options) is None
    assert "not one of a, b, c" in capsys.readouterr().out
    with pytest.raises(ValueError, match="not among the options"):
        selfcheck.check_choice("a", "d", options)


def test_true_false():
    assert selfcheck.check_true_false(True, True) is True
    assert selfcheck.check_true_false("false", False) is True
    assert selfcheck.check_true_false(1, True) is False      # not a bool: asked again
    assert selfcheck.check_true_false(..., True) is None
