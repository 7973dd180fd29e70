"""The paper's facts the course compares with: its four input settings and its Table 4.

Ganerød, Lindsay, Fredin, Myrvoll, Nordal and Rød (2023), "Globally vs. Locally Trained Machine
Learning Models for Landslide Detection: A Case Study of a Glacial Landscape", *Remote Sensing*
15(4):895, doi:10.3390/rs15040895 (open access, CC BY 4.0): Table 1 (the settings) and Table 4
(precision, recall, F1 and MCC of CART and the U-Net on each setting).
"""

from __future__ import annotations

import pandas as pd

#: The paper's four input settings (Ganerød, Lindsay et al. 2023, Table 1), by number.
#: Use these names in ``save_prediction`` so every notebook's results line up.
SETTINGS: dict[int, str] = {
    1: "S1, S2 and DEM (13)",
    2: "S1 (VV) and S2 (3)",
    3: "S1 (VV) only (2)",
    4: "S2 only (5)",
}


#: The input bands of each setting (paper, Table 1), in the paper's order.
SETTING_BANDS: dict[str, tuple[str, ...]] = {
    SETTINGS[1]: ("pre-VV", "post-VV", "diff-VV", "pre-VH", "post-VH", "diff-VH", "post-R",
                  "post-G", "post-B", "post-NIR", "dNDVI", "elevation", "slope"),
    SETTINGS[2]: ("pre-VV", "post-VV", "dNDVI"),
    SETTINGS[3]: ("pre-VV", "post-VV"),
    SETTINGS[4]: ("post-R", "post-G", "post-B", "post-NIR", "dNDVI"),
}


def _paper_table4() -> pd.DataFrame:
    percent = {  # Ganerød, Lindsay et al. 2023, Table 4 (percent)
        ("CART", "precision"): (62, 72, 6, 59),
        ("CART", "recall"): (73, 74, 72, 72),
        ("CART", "f1"): (67, 73, 11, 65),
        ("CART", "mcc"): (63, 73, 20, 65),
        ("U-Net", "precision"): (80, 83, 85, 84),
        ("U-Net", "recall"): (33, 79, 74, 73),
        ("U-Net", "f1"): (47, 81, 79, 78),
        ("U-Net", "mcc"): (51, 89, 79, 78),
    }
    rows = []
    for method in ("CART", "U-Net"):
        for i, number in enumerate(SETTINGS):
            rows.append({"method": method, "setting": SETTINGS[number],
                         **{m: percent[(method, m)][i] / 100
                            for m in ("precision", "recall", "f1", "mcc")}})
    return pd.DataFrame(rows).set_index(["method", "setting"])


#: The paper's Table 4 (whole study area), as fractions 0-1, indexed by (method, setting).
#: Its MCC is the standard one (Matthews 1975), WITH the square root: the formula printed in
#: the paper's Table 2 lacks the root, a typo (see :func:`course_lib.metrics.mcc`). With true
#: negatives dominating, MCC is about sqrt(precision x recall), and 6 of these 8 MCCs match that
#: within a percentage point; CART setting 1 (63 vs about 67) and U-Net setting 2 (89 vs about
#: 81) do not fit their own precision and recall. MCC runs from -1 to 1 (the paper describes
#: it as 0-1; it is negative for maps worse than chance); stored here as printed, /100.
PAPER_TABLE4: pd.DataFrame = _paper_table4()
