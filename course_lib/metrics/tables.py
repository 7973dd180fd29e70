"""Scores as text and tables: "-" for an undefined score, percent by default."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from course_lib.validation import check_bool, check_integer, describe

if TYPE_CHECKING:  # pragma: no cover - type hints only
    import pandas as pd

    from course_lib.metrics.pixel import Scores


def format_score(value: float | None, percent: bool = True, digits: int = 0) -> str:
    """One score as text: "-" when undefined (NaN or None), else e.g. ``'73'`` or ``'0.73'``.

    Scores are fractions (-1 to 1; MCC can be negative). With ``percent=True`` a value beyond
    that range is refused: it is in percent already and would print as ``'7340'``.

    >>> format_score(0.7349), format_score(float("nan")), format_score(0.7349, percent=False, digits=2)
    ('73', '-', '0.73')
    """
    value = _check_score(value, percent, digits)
    if value is None:
        return "-"
    return f"{value * 100:.{digits}f}" if percent else f"{value:.{digits}f}"


def scores_frame(scores: Mapping[str, Scores]) -> "pd.DataFrame":
    """A DataFrame with one row per named :class:`Scores` (fractions, NaN = undefined)."""
    import pandas as pd

    _check_scores(scores)
    return pd.DataFrame({name: s.as_dict() for name, s in scores.items()}).T


def format_percent(table: pd.DataFrame, digits: int = 0) -> pd.DataFrame:
    """Score columns as percent strings, "-" for undefined (NaN); count columns unchanged.

    >>> import pandas as pd
    >>> format_percent(pd.DataFrame({"mcc": [0.734, float("nan")], "tp": [3, 0]})).values.tolist()
    [['73', 3], ['-', 0]]
    """
    columns = _score_columns(table)
    out = table.copy()
    for column, values in columns.items():
        out[column] = [format_score(v, True, digits) for v in values]
    return out


#: Columns that :func:`format_percent` formats (by the last word of their name).
SCORE_COLUMNS = ("precision", "recall", "f1", "mcc", "accuracy", "landslide_fraction")


def _check_scores(scores: Any) -> None:
    """A mapping of name -> Scores."""
    if not isinstance(scores, Mapping) or not all(hasattr(s, "as_dict") and hasattr(s, "mcc")
                                                  for s in scores.values()):
        raise TypeError(f"scores must be a dict of name -> Scores (e.g. {{'CART': evaluate(truth,"
                        f" cart)}}); got {describe(scores)}.")


def _score_columns(table: Any) -> dict[Any, "pd.Series"]:
    """The score columns of ``table`` as floats, each checked to hold fractions (-1 to 1)."""
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a DataFrame of scores as fractions (e.g. from "
                        f"results_table); got {describe(table)}.")
    columns = {}
    for column in table.columns:
        name = column.split()[-1] if isinstance(column, str) and column.split() else column
        if name not in SCORE_COLUMNS:
            continue
        try:
            values = table[column].astype(float)
        except (TypeError, ValueError):
            raise ValueError(f"Column {column!r} of table is not numeric (already formatted "
                             "as text?); pass the table of fractions, e.g. from "
                             "results_table, not the output of format_percent.") from None
        if (values.abs() > 1 + 1e-9).any():
            raise ValueError(
                f"Column {column!r} of table holds {values.abs().max():g}: scores must be "
                "fractions (-1 to 1), so this table is probably in percent already. Pass "
                "the table of fractions, or divide it by 100 first.")
        columns[column] = values
    return columns


def _check_score(value: Any, percent: Any, digits: Any) -> float | None:
    """One score as a float, or None when undefined (None or NaN of any float type); the
    format's options checked."""
    check_bool(percent, "percent")
    check_integer(digits, "digits", minimum=0, maximum=10, fix="Pass a whole number of "
                  "decimals, e.g. digits=1.")
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"value must be one score, a number (NaN or None = undefined); got "
                        f"{describe(value)}. For a table use course_lib.metrics.format_percent.")
    if math.isnan(float(value)):   # any float type: numpy float32 NaN prints "-" too
        return None
    value = float(value)
    if percent and abs(value) > 1 + 1e-9:
        raise ValueError(f"value must be a score as a fraction (-1 to 1) to print in percent; got "
                         f"{value:g}, which is in percent already. Print it with "
                         f"format_score({value:g} / 100), or format_score(value, percent=False).")
    return value
