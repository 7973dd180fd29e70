"""How hard is the simulated world? Single layers, CART and random forests on the 13 layers.

Used by ``bench/study_area.py`` to write the difficulty table of ``bench/study_area.md``; it
can also be run alone on the cached default world::

    .venv/bin/python bench/difficulty.py

Every method is judged on the same pixels: those valid in all 13 layers (the evaluation
mask of ``course_lib.pipeline.layers``), with whole-area pixel counts.

* **single layer**: the best threshold of each layer on its own (either direction), found
  by scanning 400 quantiles: an upper bound of what one threshold can do, since it uses the
  truth to choose the threshold;
* **CART**: ``course_lib.cart.make_cart(max_depth=10)`` (a seeded
  ``DecisionTreeClassifier``) trained on the 130
  training points with their eight classes (as the paper's ``ee.Classifier.smileCart``),
  merged to landslide / not, then a 3 x 3 focal mode (majority) filter, as the paper did;
* **pixel random forest**: ``RandomForestClassifier(n_estimators=60, min_samples_leaf=2)``
  trained on 1 % of the valid pixels with their true labels (a pixel-wise stand-in for a
  model trained on an inventory, like the paper's U-Net), judged on the other 99 %;
* **+ 5 x 5 means**: the same forest with each layer's 5 x 5 neighbourhood mean added as a
  feature, a simple stand-in for the spatial context a U-Net sees.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy import ndimage

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def confusion(pred: np.ndarray, truth: np.ndarray) -> dict:
    """Counts and metrics of a boolean prediction against a boolean truth (same pixels)."""
    tp = int((pred & truth).sum())
    fp = int((pred & ~truth).sum())
    fn = int((~pred & truth).sum())
    tn = int((~pred & ~truth).sum())
    den = float(tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    return {"TP": tp, "FP": fp, "FN": fn, "TN": tn,
            "precision": tp / (tp + fp) if tp + fp else float("nan"),
            "recall": tp / (tp + fn) if tp + fn else float("nan"),
            "MCC": (tp * tn - fp * fn) / np.sqrt(den) if den else float("nan")}


def best_threshold_mcc(values: np.ndarray, truth: np.ndarray, n: int = 400) -> tuple:
    """Best MCC of ``values <= t`` or ``values >= t`` over ``n`` quantile thresholds.

    Returns ``(mcc, threshold, direction)`` with direction ``"<="`` or ``">="``.

    >>> v = np.r_[np.zeros(90), np.ones(10)]; t = v > 0.5
    >>> best_threshold_mcc(v, t, 10)[0]
    1.0
    """
    order = np.argsort(values, kind="stable")
    v, y = values[order], truth[order]
    pos = y.sum()
    total = y.size
    cum_pos = np.concatenate([[0], np.cumsum(y)])
    cuts = np.unique(np.searchsorted(v, np.quantile(v, np.linspace(0, 1, n)), side="right"))
    best = (-np.inf, np.nan, "<=")
    for k in cuts:
        tp_low = cum_pos[k]                 # predicted positive = the k lowest
        for tp, npred, direction in ((tp_low, k, "<="), (pos - tp_low, total - k, ">=")):
            fp = npred - tp
            fn = pos - tp
            tn = total - npred - fn
            den = float(npred) * pos * (tn + fp) * (tn + fn)
            if den <= 0:
                continue
            mcc = (tp * tn - fp * fn) / np.sqrt(den)
            if mcc > best[0]:
                thr = v[k - 1] if direction == "<=" else (v[k] if k < total else np.inf)
                best = (float(mcc), float(thr), direction)
    return best


def neighbourhood_means(data: np.ndarray, size: int = 5) -> np.ndarray:
    """NaN-aware ``size`` x ``size`` mean of each band of ``(bands, rows, cols)``."""
    finite = np.isfinite(data)
    filled = np.where(finite, data, 0.0).astype(np.float32)
    sums = ndimage.uniform_filter(filled, size=(1, size, size), mode="nearest")
    counts = ndimage.uniform_filter(finite.astype(np.float32), size=(1, size, size),
                                    mode="nearest")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / counts, np.nan).astype(np.float32)


def _layers(area):
    """The 13 change layers of the paper's setting 1."""
    from course_lib.pipeline import layers

    return layers.change_layers(area)


def _cart():
    """The course's CART (course_lib.cart), depth at most 10."""
    from course_lib.cart import make_cart

    return make_cart(max_depth=10)


def _focal(binary: np.ndarray) -> np.ndarray:
    """3 x 3 focal mode, as notebook 04 applies it."""
    from course_lib.postprocess import focal_mode

    return np.asarray(focal_mode(binary, window=3)) == 1


SETTING_NAMES = {1: "1: S1, S2 and DEM (13)", 2: "2: S1 (VV) and S2 (3)",
                 3: "3: S1 (VV) only (2)", 4: "4: S2 only (5)"}


def difficulty(area, seed: int = 0) -> dict:
    """All the numbers of the difficulty table for one study area."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import export_text

    from course_lib.paper import SETTING_BANDS, SETTINGS

    raster = _layers(area)
    names = list(raster.band_names)
    data = raster.data.astype(np.float32)
    truth = area["landslide_mask"].data[0].astype(bool)
    valid = np.isfinite(data).all(axis=0)
    t_valid = truth[valid]
    out: dict = {"valid_fraction": float(valid.mean()), "landslide_share": float(t_valid.mean())}

    out["single"] = {}
    for b, name in enumerate(names):
        mcc, thr, direction = best_threshold_mcc(data[b][valid], t_valid)
        out["single"][name] = {"MCC": mcc, "threshold": thr, "direction": direction}

    pts = area["training_points"]
    rng = np.random.default_rng(seed)
    vidx = np.flatnonzero(valid.ravel())
    train = rng.choice(vidx, size=max(200, vidx.size // 100), replace=False)
    test_mask = valid.copy()
    test_mask.ravel()[train] = False
    means = neighbourhood_means(data)
    out["cart"], out["rf"], out["rf_context"] = {}, {}, {}
    for k in (1, 2, 3, 4):
        bands = [names.index(b) for b in SETTING_BANDS[SETTINGS[k]]]
        x = data[bands]
        xp = x[:, pts.row.to_numpy(), pts.col.to_numpy()].T
        tree = _cart()
        tree.fit(xp, pts.class_name.to_numpy())
        flat = x.reshape(len(bands), -1).T
        pred = np.zeros(truth.size, dtype=bool)
        pred[vidx] = tree.predict(flat[vidx]) == "landslide"
        raw = confusion(pred.reshape(truth.shape)[valid], t_valid)
        pred = _focal(pred.reshape(truth.shape))
        rules = export_text(tree, feature_names=[names[b] for b in bands])
        used = sorted({names[bands[i]] for i in tree.tree_.feature if i >= 0})
        out["cart"][k] = {**confusion(pred[valid], t_valid), "raw": raw, "features_used": used,
                          "depth": int(tree.get_depth()), "rules": rules}
        for key, feats in (("rf", x), ("rf_context", np.concatenate([x, means[bands]]))):
            f2 = feats.reshape(feats.shape[0], -1).T
            forest = RandomForestClassifier(n_estimators=60, min_samples_leaf=2,
                                            random_state=0, n_jobs=1)
            forest.fit(f2[train], truth.ravel()[train])
            pred = np.zeros(truth.size, dtype=bool)
            test_idx = np.flatnonzero(test_mask.ravel())
            pred[test_idx] = forest.predict(f2[test_idx])
            out[key][k] = confusion(pred[test_idx], truth.ravel()[test_idx])
    return out


def table_lines(result: dict) -> list[str]:
    """Markdown lines of the difficulty table."""
    paper_cart = {1: (63, 62, 73), 2: (73, 72, 74), 3: (20, 6, 72), 4: (65, 59, 72)}
    single = result["single"]
    best_name = max(single, key=lambda n: single[n]["MCC"])
    lines = [
        f"Pixels judged: {result['valid_fraction']:.1%} of the area (valid in all 13 layers); "
        f"{result['landslide_share']:.2%} of them are landslide.",
        "",
        "Best single-threshold MCC of each layer (the threshold chosen with the truth, so an "
        "upper bound):",
        "",
        "| layer | best MCC | threshold |",
        "|---|---|---|",
    ]
    for name, r in single.items():
        lines.append(f"| {name} | {r['MCC']:.2f} | {r['direction']} {r['threshold']:.3g} |")
    lines += [
        "",
        "| setting | CART MCC / precision / recall | CART before the focal mode | CART features "
        "used | pixel RF MCC / P / R | RF + 5x5 means MCC / P / R | paper CART MCC / P / R (%) |",
        "|---|---|---|---|---|---|---|",
    ]
    for k in (1, 2, 3, 4):
        c, f, g = result["cart"][k], result["rf"][k], result["rf_context"][k]
        r = c["raw"]
        lines.append(
            f"| {SETTING_NAMES[k]} | {c['MCC']:.2f} / {c['precision']:.2f} / {c['recall']:.2f} "
            f"| {r['MCC']:.2f} / {r['precision']:.2f} / {r['recall']:.2f} "
            f"| {', '.join(c['features_used'])} | {f['MCC']:.2f} / {f['precision']:.2f} / "
            f"{f['recall']:.2f} | {g['MCC']:.2f} / {g['precision']:.2f} / {g['recall']:.2f} "
            f"| {' / '.join(str(v) for v in paper_cart[k])} |")
    cart = result["cart"]
    trees_differ = len({tuple(cart[k]["features_used"]) for k in (1, 2, 4)}) == 3 or len(
        {cart[k]["rules"] for k in (1, 2, 4)}) == 3
    s1_in_2 = any(n.endswith("VV") for n in cart[2]["features_used"])
    lowest3 = all(cart[3]["MCC"] < cart[k]["MCC"] for k in (1, 2, 4))
    ratio = cart[3]["recall"] / cart[3]["precision"] if cart[3]["precision"] else float("inf")
    gain_rf = result["rf"][1]["MCC"] - single[best_name]["MCC"]
    gain_ctx = result["rf_context"][3]["MCC"] - result["rf"][3]["MCC"]
    checks = [
        (f"no single layer reaches MCC 0.60 (best: {best_name} "
         f"{single[best_name]['MCC']:.2f})", single[best_name]["MCC"] < 0.60),
        ("the CART trees of settings 1, 2 and 4 differ", trees_differ),
        (f"Sentinel-1 appears in setting 2's tree ({', '.join(cart[2]['features_used'])})",
         s1_in_2),
        (f"CART setting 3 has the lowest MCC ({cart[3]['MCC']:.2f})", lowest3),
        (f"CART setting 3 recall >= 3 x precision (ratio {ratio:.1f})", ratio >= 3),
        (f"pixel RF setting 1 beats the best single layer by >= 0.10 (by {gain_rf:+.2f})",
         gain_rf >= 0.10),
        (f"5x5 means raise setting-3 RF MCC by >= 0.15 (by {gain_ctx:+.2f})", gain_ctx >= 0.15),
    ]
    lines += ["", "Targets for the study area's difficulty on this world:", ""]
    lines += [f"- [{'x' if ok else ' '}] {text}" for text, ok in checks]
    return lines


if __name__ == "__main__":
    import time

    from course_lib.simulator import load_study_area

    t0 = time.perf_counter()
    res = difficulty(load_study_area(progress=False))
    print("\n".join(table_lines(res)))
    for k in (1, 2, 3, 4):
        print(f"--- CART setting {k}\n{res['cart'][k]['rules']}")
    print(f"({time.perf_counter() - t0:.0f} s)")
