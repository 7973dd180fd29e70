"""Benchmark: what the fair race of notebooks 03, 04 and 06 rests on, measured with more runs.

The notebooks print one forest (03), tens of CART runs (04) and one U-Net per recipe (06); this
script repeats what is too slow for a notebook and writes ``bench/comparison.md``:

1. **OBIA, the forest's seed**: notebook 03's whole pipeline once (segmentation, features,
   labels, the evaluation split), then a 500-tree forest per seed, scored on the held-out
   pixels (and over the whole area, which includes the training segments);
2. **OBIA, the plateau objective's choices**: the range radius chosen on notebook 03's window
   with SALaD's choices and with each one changed back, and the cost of the mean-shift
   stopping rule (OTB's 100 iterations / 0.1 against OpenCV's 5 / 1);
3. **CART, tree seeds and resampled points**: notebook 04's runs, all four settings;
4. **Globally vs locally trained, the U-Net**: notebook 06's four recipes on valley B, with
   several training seeds (the notebook runs one).

Every score here is counted in steps or trees, never seconds, so another machine prints the
same numbers; the timings are the machine's and say so. Run it (about half an hour on one
quiet CPU) and commit the report::

    taskset -c 0 .venv/bin/python bench/comparison.py
    .venv/bin/python bench/comparison.py --only unet --unet-seeds 2019 0 1
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_lib import cart, indices, metrics, sampling, splits, terrain  # noqa: E402
from course_lib.config import DEFAULT_SEED  # noqa: E402
from course_lib.data.atomic import atomic_write  # noqa: E402
from course_lib.pipeline import layers  # noqa: E402
from course_lib.simulator import StudyAreaParams, load_study_area  # noqa: E402

REPORT = ROOT / "bench" / "comparison.md"
PARTS = ("obia", "pof", "cart", "unet")


def pct(value: float) -> str:
    return metrics.format_score(value, digits=1)


def obia_inputs(area):
    """Notebook 03's image, layers, segmentation, features and labels."""
    from course_lib.obia import features, segment
    from course_lib.obia import labels as segment_labels

    stack = layers.change_layers(area)
    valid = sampling.valid_mask(stack)
    band = {n: stack.band(n) for n in stack.band_names}
    brightness = indices.brightness(band["post-B"], band["post-G"], band["post-R"],
                                    band["post-NIR"])
    image = np.dstack([band["post-NIR"], band["post-R"], band["post-G"]])
    return stack, valid, band, brightness, image, features, segment, segment_labels


def window_of(truth2d: np.ndarray, size: int = 256) -> tuple[slice, slice]:
    """Notebook 03's window: the 256 x 256 block with the most landslide pixels."""
    n = truth2d.shape[0] // size
    counts = truth2d[: n * size, : n * size].reshape(n, size, n, size).sum(axis=(1, 3))
    r, c = np.unravel_index(np.argmax(counts), counts.shape)
    return slice(r * size, (r + 1) * size), slice(c * size, (c + 1) * size)


def bench_pof(area) -> list[str]:
    from course_lib.obia import scale
    from course_lib.obia import segmentation as sg

    _, valid, _, brightness, image, *_ = obia_inputs(area)
    crop = window_of(area["landslide_mask"].data[0])
    salad = dict(radii=list(range(2, 31, 2)), layer="brightness", transformation="r", ddof=1)
    variants = {"SALaD's choices (the notebook)": {},
                "radii 2-32": {"radii": list(range(2, 33, 2))},
                "v and I on the 3-band stretch": {"layer": None},
                "binary Moran's I weights": {"transformation": "b"},
                "population standard deviation": {"ddof": 0},
                "all four changed back (the course before)": {
                    "radii": list(range(2, 33, 2)), "layer": None, "transformation": "b",
                    "ddof": 0}}
    lines = ["| plateau objective | chosen range radius |", "|---|---:|"]
    for name, change in variants.items():
        v = {**salad, **change}
        pof = scale.plateau_objective(
            image[crop], v["radii"], spatial_radius=10, min_size=10, valid=valid[crop],
            transformation=v["transformation"], ddof=v["ddof"],
            score_layer=brightness[crop] if v["layer"] else None)
        lines.append(f"| {name} | {pof.chosen} |")
    arr, mask = sg.check_image(image, valid)
    image8 = np.ascontiguousarray(sg.to_uint8(arr, mask))
    lines += ["", "| mean-shift stopping rule (whole area, range radius 10; this machine) | CPU s |",
              "|---|---:|"]
    for label, (iterations, eps) in {"OTB's 100 iterations / 0.1 (the notebook)": (100, 0.1),
                                     "OpenCV's 5 / 1": (5, 1.0)}.items():
        start = time.process_time()
        sg.mean_shift_smooth(image8, 10, 10, max_iter=iterations, epsilon=eps)
        lines.append(f"| {label} | {time.process_time() - start:.1f} |")
    return lines


def chosen_radius(area) -> int:
    """The range radius notebook 03 chooses: SALaD's plateau objective on its window."""
    from course_lib.obia import scale

    _, valid, _, brightness, image, *_ = obia_inputs(area)
    crop = window_of(area["landslide_mask"].data[0])
    return scale.plateau_objective(image[crop], list(range(2, 31, 2)), spatial_radius=10,
                                   min_size=10, valid=valid[crop],
                                   score_layer=brightness[crop]).chosen


def bench_obia(area, seeds: list[int], n_trees: int) -> list[str]:
    from course_lib.obia import classifier

    radius = chosen_radius(area)
    stack, valid, band, brightness, image, features, segment, segment_labels = obia_inputs(area)
    truth = area["landslide_mask"]
    evalmask = layers.evaluation_mask(area)
    ndvi_post = indices.ndvi(band["post-R"], band["post-NIR"])
    aspect = terrain.aspect(np.nan_to_num(band["elevation"]), stack.resolution)
    seg = segment(image, range_radius=radius, spatial_radius=10, min_size=10, valid=valid)
    table = features.object_features(
        seg.labels, {"NDVI": ndvi_post, "brightness": brightness, "slope": band["slope"],
                     "dNDVI": band["dNDVI"], "diff-VV": band["diff-VV"],
                     "diff-VH": band["diff-VH"]},
        red=band["post-R"], resolution=stack.resolution, aspect=aspect)
    table["axis_vs_downslope_deg"] = table["axis_vs_downslope_deg"].fillna(45.0)
    glcm = ["GLCM mean", "GLCM homogeneity"]
    table[glcm] = table[glcm].fillna(table[glcm].median())
    X = table[["NDVI", "brightness", "slope", "GLCM mean", "GLCM homogeneity", "dNDVI",
               "diff-VV", "diff-VH", "area_m2", "elongation", "axis_vs_downslope_deg"]]
    y, _ = segment_labels.label_segments(seg.labels, truth)
    split = splits.evaluation_split(area)
    train = (classifier.split_segments_by_region(seg.labels, split.region("test"))
             == "outside").to_numpy()
    held = split.held_out(evalmask)
    lines = [f"{seg.n_segments:,} segments at range radius {radius}, the plateau objective's "
             f"choice (the count on this machine); the forest trains "
             f"on the {train.sum():,} outside the test blocks.", "",
             f"| forest seed ({n_trees} trees) | held-out MCC % | precision % | recall % | "
             "whole-area MCC % (includes training) | CPU s to fit |", "|---|---:|---:|---:|---:|---:|"]
    scores = []
    for seed in seeds:
        start = time.process_time()
        forest = classifier.train_random_forest(X[train], y[train], n_estimators=n_trees,
                                                seed=seed)
        fit = time.process_time() - start
        p = classifier.landslide_class(classifier.landslide_probability(forest, X))
        m = classifier.segment_values_to_pixels(seg.labels, p)
        s, w = metrics.evaluate(truth, m, valid=held), metrics.evaluate(truth, m, valid=evalmask)
        scores.append(s.mcc)
        lines.append(f"| {seed} | {pct(s.mcc)} | {pct(s.precision)} | {pct(s.recall)} | "
                     f"{pct(w.mcc)} | {fit:.1f} |")
    lines += ["", f"Held-out MCC over {len(seeds)} forest seeds: mean {pct(np.mean(scores))} %, "
              f"range {pct(min(scores))}-{pct(max(scores))} % "
              f"({100 * (max(scores) - min(scores)):.1f} points)."]
    return lines


def bench_cart(area, n_seeds: int, n_resamples: int) -> list[str]:
    split = splits.evaluation_split(area)
    points = area["training_points"]
    keep = splits.outside(split, points["row"].to_numpy(), points["col"].to_numpy())
    held = split.held_out(layers.evaluation_mask(area))
    truth = area["landslide_mask"]
    by_seed, by_points = {}, {}
    for k in (1, 2, 3, 4):
        stack = layers.setting_layers(k, area)
        table = sampling.sample_at_points(stack, points, on_invalid="keep")[keep]
        by_seed[f"setting {k}"] = cart.seed_runs(
            table, stack, truth, held, split.blocks("test"),
            seeds=sorted({DEFAULT_SEED, *range(n_seeds - 1)}))["mcc"]
        by_points[f"setting {k}"] = cart.resample_runs(
            table, stack, truth, held, split.blocks("test"), n_resamples=n_resamples,
            seed=DEFAULT_SEED)["mcc"]
    by_seed, by_points = pd.DataFrame(by_seed), pd.DataFrame(by_points)
    runs = pd.concat([by_seed, by_points], ignore_index=True)
    summary = pd.DataFrame({f"{len(by_seed)} tree seeds": metrics.format_spread(
        metrics.spread_summary(by_seed)), f"{len(by_points)} resamples": metrics.format_spread(
        metrics.spread_summary(by_points)), "all": metrics.format_spread(
        metrics.spread_summary(runs))})
    lines = [f"{int(keep.sum())} of {len(points)} points outside the test blocks train the trees.",
             "", "| setting | " + " | ".join(summary.columns) + " |",
             "|---|" + "---:|" * len(summary.columns)]
    lines += [f"| {k} | " + " | ".join(row) + " |" for k, row in summary.iterrows()]
    held_rank = metrics.rankings_that_hold(runs)
    lines += ["", "Rankings that hold in every run: " + ("; ".join(held_rank) or "none") + ".",
              "Best / worst: " + "; ".join(f"{k} {v['first']} / {v['last']}"
                                           for k, v in metrics.first_and_last(runs).items())
              + f" of {len(runs)} runs."]
    return lines


def bench_unet(seeds: list[int], steps: int, tile: int, world_size: int) -> list[str]:
    from course_lib import unet

    unet.import_keras_quietly()
    params = {"Jølster": StudyAreaParams(),
              "B": StudyAreaParams(seed=7, size=world_size, treeline_shift_m=200.0,
                                   cloud_cover=1.5),
              "C": StudyAreaParams(seed=11, size=world_size, valley_axis="north-south",
                                   treeline_shift_m=-100.0)}
    worlds = {}
    for name, p in params.items():
        area = load_study_area(p)
        x = layers.setting_layers(2, area)
        truth = area["landslide_mask"].data[0]
        block = max(128, 256 * p.size // 1024)
        split = splits.evaluation_split(truth, block=block)
        worlds[name] = (x, truth, split.held_out(layers.evaluation_mask(area)),
                        unet.prepare_scene(x, truth, block=block, tile=tile, stride=tile // 2,
                                           seed=0))
    xb, tb, hb, B = worlds["B"]
    _, _, _, J = worlds["Jølster"]
    _, _, _, C = worlds["C"]
    own = unet.fit_band_stats(unet.channels_last(xb.data, 3), xb.band_names)
    rows = {}
    for seed in seeds:
        config = unet.TrainConfig(tile=tile, depth=3, base_filters=8, batch_size=8,
                                  steps_per_epoch=max(1, steps // 3), epochs=3,
                                  max_val_tiles=32, seed=seed, verbose=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            local = unet.train_unet(B.train, B.val, B.stats, config)
            jolster = unet.train_unet(J.train, J.val, J.stats, config)
            both = unet.train_unet(J.train + C.train, J.val + C.val, J.stats, config)
        models = {"local": local, "trained on Jølster": jolster,
                  "Jølster, per-scene statistics": dataclasses.replace(jolster, stats=own),
                  "Jølster + valley C": dataclasses.replace(both, stats=own)}
        rows[seed] = {r: metrics.evaluate(tb, m.predict(xb), valid=hb).mcc
                      for r, m in models.items()}
        unet.clear_compiled_models()
    table = pd.DataFrame(rows).T
    lines = [f"Valley B ({world_size} x {world_size} px), setting 2, {steps} steps per network, "
             f"tiles of {tile} px; held-out MCC %, one row per training seed:", "",
             "| seed | " + " | ".join(table.columns) + " |", "|---|" + "---:|" * len(table.columns)]
    lines += [f"| {s} | " + " | ".join(pct(v) for v in row) + " |" for s, row in table.iterrows()]
    lines += ["", "Rankings that hold for every seed: "
              + ("; ".join(metrics.rankings_that_hold(table)) or "none") + "."]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--forest-seeds", type=int, nargs="+",
                        default=[DEFAULT_SEED, 0, 1, 2, 3, 4, 5, 6, 7, 8])
    parser.add_argument("--trees", type=int, default=500)
    parser.add_argument("--cart-seeds", type=int, default=20)
    parser.add_argument("--cart-resamples", type=int, default=20)
    parser.add_argument("--unet-seeds", type=int, nargs="+", default=[DEFAULT_SEED, 0, 1])
    parser.add_argument("--unet-steps", type=int, default=90)
    parser.add_argument("--unet-tile", type=int, default=64)
    parser.add_argument("--world-size", type=int, default=512)
    args = parser.parse_args(argv)
    area = load_study_area()
    load = os.getloadavg()[0]
    sections = []
    titles = {"obia": "OBIA: the forest's seed (notebook 03)",
              "pof": "OBIA: SALaD's plateau objective and stopping rule (notebook 03, section 11)",
              "cart": "CART: tree seeds and resampled points (notebook 04, section 7)",
              "unet": "Globally vs locally trained, the U-Net, several seeds (notebook 06, "
                      "section 10)"}
    for part in args.only:
        start = time.perf_counter()
        if part == "obia":
            lines = bench_obia(area, args.forest_seeds, args.trees)
        elif part == "pof":
            lines = bench_pof(area)
        elif part == "cart":
            lines = bench_cart(area, args.cart_seeds, args.cart_resamples)
        else:
            lines = bench_unet(args.unet_seeds, args.unet_steps, args.unet_tile, args.world_size)
        sections.append((titles[part], lines, time.perf_counter() - start))
        print(f"{part}: {time.perf_counter() - start:.0f} s", flush=True)
    old = REPORT.read_text() if REPORT.exists() else ""
    kept = {}
    for block in old.split("\n## ")[1:]:
        title, _, body = block.partition("\n")
        kept[title.strip()] = body.strip()
    for title, lines, seconds in sections:
        kept[title] = "\n".join(lines) + (
            f"\n\n(Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC in {seconds:.0f} s; "
            f"load average {load:.1f} on {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}.)")
    order = [titles[p] for p in PARTS if titles[p] in kept]
    text = ("# The fair race: seeds and choices behind notebooks 03, 04 and 06\n\n"
            "Generated by `bench/comparison.py` (see its docstring); do not edit by hand. "
            "Scores count trees, seeds and training steps, never seconds, so they are the "
            "same on another machine, except where a line says it depends on the machine "
            "(OpenCV's mean-shift can differ by a few segments between processors; times "
            "are this machine's).\n\n"
            + "\n\n".join(f"## {t}\n\n{kept[t]}" for t in order) + "\n")
    with atomic_write(REPORT, overwrite=True) as tmp:
        Path(tmp).write_text(text)
    print(f"wrote {REPORT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
