"""The fast mode: smaller sizes and budgets for the automatic runs of the notebooks.

Every notebook has one cell tagged ``parameters`` (papermill's convention) with its sizes and
budgets as plain assignments. The tests, the browser test and ``./course book --fast`` run the
notebooks with the values below injected right after that cell (by
:func:`papermill.parameterize.parameterize_notebook`), so every cell still runs, on less data or
for fewer steps. A learner never needs them. The fast mode never does more work than the
notebook's own values: ``tests/test_notebook_files.py`` compares the two.
"""

from __future__ import annotations

#: Notebook stem -> parameter -> fast value (numbers, booleans, strings or lists: what papermill
#: writes into a Python cell as they are; a tuple would arrive as a string).
FAST_PARAMETERS: dict[str, dict[str, object]] = {
    "02_change_images": {"PANEL_INCHES": 2.0},
    "03_salad_obia": {"RADII": [4, 8, 16, 24, 30], "N_TREES": 60, "IMPORTANCE_REPEATS": 1,
                      "EXERCISE_TREES": 30},
    "04_cart": {"N_SEEDS": 3, "N_RESAMPLES": 2, "FOREST_TREES": 10, "OWN_POINT_SEEDS": 2},
    "05_unet": {"STEPS": 4, "N_CHIPS": 16, "CHIP_STEPS": 3, "EXERCISE_STEPS": 2,
                "LEAKY_STEPS": 2},
    "06_evaluation": {"WORLD_SIZE": 256, "TRANSFER_SEEDS": 2, "UNET_STEPS": 3},
    "07_time_series_backdating": {"SIM_SIZE": 24, "N_FEW": 4},
    "08_scaling_out": {"FACTOR": 1, "TREES": 5},
    "09_real_data_online": {"USE_NETWORK": False, "RESOLUTION": 40, "STAC_LIMIT": 6,
                            "N_L4S_TRAIN": 12, "N_EXAMPLE_PATCHES": 8, "UNET_STEPS": 4},
    "10_your_own_area": {"USE_NETWORK": False, "N_CHIPS": 3, "UNET_EPOCHS": 1,
                         "UNET_STEPS_PER_EPOCH": 3},
}

#: Parameters for which a LARGER value is less work (a coarser pixel).
LARGER_IS_LESS_WORK = frozenset({"RESOLUTION"})


def fast_parameters(notebook: str) -> dict[str, object]:
    """The fast values of one notebook (its file stem, e.g. ``"05_unet"``); {} if it has none."""
    return dict(FAST_PARAMETERS.get(notebook, {}))


def no_more_work(name: str, full: object, fast: object) -> bool:
    """True when the fast value ``fast`` of parameter ``name`` asks for no more work than ``full``.

    >>> no_more_work("N_TREES", 500, 60), no_more_work("N_TREES", 60, 500)
    (True, False)
    >>> no_more_work("RESOLUTION", 20, 40), no_more_work("RESOLUTION", 20, 10)
    (True, False)
    >>> no_more_work("RADII", [2, 4, 6, 8], [4, 8]), no_more_work("USE_NETWORK", True, False)
    (True, True)
    """
    if isinstance(full, bool) or isinstance(fast, bool):
        return not fast or bool(full)
    if isinstance(full, (int, float)) and isinstance(fast, (int, float)):
        return fast >= full if name in LARGER_IS_LESS_WORK else fast <= full
    if isinstance(full, list) and isinstance(fast, list):
        return len(fast) <= len(full) and set(fast) <= set(full)
    return False
