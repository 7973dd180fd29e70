"""A score is a distribution: its spread over seeds, and the rankings that survive it.

A method trained with randomness (a tree's tie-breaking seed, a forest's bootstrap draws, the
130 training points a person happened to click) gives a different map, and a different MCC,
for every draw. One run is one sample of that distribution. Where a run is cheap, the course
repeats it and reports the **mean and range** (Efron and Tibshirani 1993 for the bootstrap of
training points), and states "A beats B" only when A scored higher than B **in every run
tried** (same seeds, same held-out pixels): a ranking that flips with the seed is not a
result (Bouthillier et al. 2021, "Accounting for variance in machine learning benchmarks",
*MLSys* 3).

Tables here are "wide": one row per run (seed or resample), one column per contender (a
method, a setting), values are scores (fractions, NaN = undefined).
"""

from __future__ import annotations

from itertools import permutations
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from course_lib.validation import describe


def _runs(table: Any, name: str = "runs") -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise TypeError(f"{name} must be a non-empty DataFrame, one row per run (seed) and one "
                        f"column per contender; got {describe(table)}.")
    values = table.apply(pd.to_numeric, errors="coerce")
    if values.isna().all().any():
        empty = [c for c in values.columns if values[c].isna().all()]
        raise ValueError(f"{name} has no score at all for {empty}: drop those columns or run "
                         "them first.")
    return values


def spread_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean, min, max and number of runs of each column (NaN runs left out of each column).

    >>> t = pd.DataFrame({"a": [0.5, 0.7], "b": [0.2, float("nan")]})
    >>> spread_summary(t).round(2).to_dict("index")
    {'a': {'mean': 0.6, 'min': 0.5, 'max': 0.7, 'runs': 2}, 'b': {'mean': 0.2, 'min': 0.2, 'max': 0.2, 'runs': 1}}
    """
    values = _runs(runs)
    out = pd.DataFrame({"mean": values.mean(), "min": values.min(), "max": values.max(),
                        "runs": values.notna().sum().astype(int)})
    out.index.name = runs.columns.name
    return out


def wins(runs: pd.DataFrame) -> pd.DataFrame:
    """How many runs each row contender scored strictly higher than each column contender.

    Runs where either score is undefined (NaN) count for neither.

    >>> t = pd.DataFrame({"a": [0.5, 0.7, 0.6], "b": [0.4, 0.8, 0.1]})
    >>> wins(t).loc["a", "b"], wins(t).loc["b", "a"]
    (np.int64(2), np.int64(1))
    """
    values = _runs(runs)
    names = list(values.columns)
    table = pd.DataFrame(0, index=pd.Index(names, name="wins"), columns=names, dtype=int)
    for a, b in permutations(names, 2):
        table.loc[a, b] = int((values[a] > values[b]).sum())
    return table


def rankings_that_hold(runs: pd.DataFrame) -> list[str]:
    """The "A beats B" statements that are true in **every** run in which both are defined.

    Returns short sentences, e.g. ``["setting 4 > setting 3 (20 of 20 runs)"]``, strongest
    contender first; an empty list when no pair keeps its order over all runs.

    >>> t = pd.DataFrame({"a": [0.5, 0.7], "b": [0.4, 0.8], "c": [0.1, 0.2]})
    >>> rankings_that_hold(t)
    ['b > c (2 of 2 runs)', 'a > c (2 of 2 runs)']
    """
    values = _runs(runs)
    order = values.mean().sort_values(ascending=False, kind="stable").index
    out = []
    for i, a in enumerate(order):
        for b in order[i + 1:]:
            both = values[[a, b]].dropna()
            if len(both) and (both[a] > both[b]).all():
                out.append(f"{a} > {b} ({len(both)} of {len(both)} runs)")
    return out


def separated(samples: Mapping[str, Sequence[float]]) -> list[str]:
    """"A > B" for each pair whose runs do not overlap: every run of A above every run of B.

    For contenders whose runs are not paired (different methods, each with its own seeds or
    with a single run), this is the strict reading of "A beats B for every seed tried".
    Undefined (NaN) runs are ignored; a contender without a defined run is left out.

    >>> separated({"OBIA": [0.71, 0.70], "CART": [0.60, 0.55, 0.61], "U-Net": [0.65]})
    ['OBIA > U-Net (2 and 1 runs)', 'OBIA > CART (2 and 3 runs)', 'U-Net > CART (1 and 3 runs)']
    """
    if not isinstance(samples, Mapping) or not samples:
        raise TypeError(f"samples must be a dict of name -> scores (one per run); got "
                        f"{describe(samples)}.")
    clean = {str(k): np.asarray(v, dtype=float)[np.isfinite(np.asarray(v, dtype=float))]
             for k, v in samples.items()}
    clean = {k: v for k, v in clean.items() if v.size}
    order = sorted(clean, key=lambda k: -clean[k].mean())
    out = []
    for i, a in enumerate(order):
        for b in order[i + 1:]:
            if clean[a].min() > clean[b].max():
                out.append(f"{a} > {b} ({clean[a].size} and {clean[b].size} runs)")
    return out


def order_counts(runs: pd.DataFrame) -> pd.Series:
    """How often each order from best to worst occurred (e.g. ``"4 > 2 > 1 > 3": 12``).

    Runs with an undefined score are left out.

    >>> t = pd.DataFrame({"a": [0.5, 0.7, 0.9], "b": [0.4, 0.8, 0.1]})
    >>> order_counts(t).to_dict()
    {'a > b': 2, 'b > a': 1}
    """
    values = _runs(runs).dropna()
    orders = [" > ".join(str(c) for c in row.sort_values(ascending=False).index)
              for _, row in values.iterrows()]
    return pd.Series(orders, dtype=object).value_counts().rename("runs")


def first_and_last(runs: pd.DataFrame) -> dict[str, dict[str, int]]:
    """For each contender: in how many runs it was best (``"first"``) and worst (``"last"``).

    >>> first_and_last(pd.DataFrame({"a": [0.5, 0.7], "b": [0.4, 0.8]}))
    {'a': {'first': 1, 'last': 1}, 'b': {'first': 1, 'last': 1}}
    """
    values = _runs(runs).dropna()
    best = values.idxmax(axis=1).value_counts()
    worst = values.idxmin(axis=1).value_counts()
    return {str(c): {"first": int(best.get(c, 0)), "last": int(worst.get(c, 0))}
            for c in values.columns}


def format_spread(summary: pd.DataFrame, digits: int = 1) -> pd.Series:
    """``mean (min-max)`` in percent per row of :func:`spread_summary`; ``"-"`` if undefined.

    >>> format_spread(spread_summary(pd.DataFrame({"a": [0.5, 0.7]}))).tolist()
    ['60.0 (50.0-70.0)']
    """
    def one(row: pd.Series) -> str:
        if not np.isfinite(row["mean"]):
            return "-"
        if row["runs"] == 1:
            return f"{100 * row['mean']:.{digits}f} (1 run)"
        return (f"{100 * row['mean']:.{digits}f} ({100 * row['min']:.{digits}f}-"
                f"{100 * row['max']:.{digits}f})")

    return summary.apply(one, axis=1).rename("mean (range)")
