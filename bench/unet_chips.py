"""Chip sets like a learner's, and notebook 05's recipe for your own chips run on them.

A learner brings 8-bit RGB crops of a landslide inventory: hundreds of PNGs of 60 to 1,200
pixels, 0/255 masks, landslides a sixth of the pixels, plain names (``ls_0000.png``), and
chips of another region from another sensor to see whether the model travels. This script
makes such sets from simulated worlds (``course_lib.simulator``), so the recipe can be
measured end to end without anyone's private data:

* **main** (train / val / test): four worlds (seeds 11-14) with landslides 2.5 times the
  default size (``landslide_size_scale=2.5``, 150 each). Around every landslide a square
  crop (1.3-3 times its extent, at least 90 % clear sky, no two crops of a world
  overlapping), enlarged 2, 3 or 4 times (bilinear; as if seen at 5, 3.3 or 2.5 m) so the
  chips are 61-1,200 px like the learner's. True colour: the post-event greenest-pixel
  composite (B04, B03, B02), stretched to 8 bits between the world's 2nd and 98th
  percentiles; NaN (never clear) is 0.
* **other** region: worlds of other seeds (7, 8, 9) and landscape (no seasonal snow, no
  over-corrected shadows), enlarged 2 times, cut into up to 36 windows of 512 x 512 px that hold
  landslides, and converted to 8 bits as another camera would: a 0.5-99.5 % stretch, a
  gamma of 0.8 and a warmer colour balance (red x 1.08, blue x 0.9).
* **big** (memory only): about 50 million pixels in some 400 chips of 61-1,200 px, cut from
  the main worlds around landslides at random, **overlapping** (so a random split of them
  leaks: their scores are not a measurement of skill), to measure the recipe's peak memory
  on a folder the size of the learner's.

Usage (from the repository root; ``COURSE_CACHE_DIR`` keeps the worlds)::

    python bench/unet_chips.py make --out /tmp/chipsets
    taskset -c 0,1 python bench/unet_chips.py recipe --data /tmp/chipsets --budget 900
    python bench/unet.py report        # bench/unet.md, with these runs

``recipe`` runs the code block of notebook 05's "with your own data" recipe **as the
notebook writes it** (read from ``notebooks_src/05_unet.py``; only the folder names and the
budget are replaced), then scores the other region, and appends one line to
``bench/unet_runs.jsonl`` (kind ``"recipe"``) with the scores, steps and peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if "--old" not in sys.argv:        # --old runs an older checkout's course_lib (PYTHONPATH)
    sys.path.insert(0, str(ROOT))

MAIN_SEEDS = (11, 12, 13, 14)
OTHER_SEEDS = (7, 8, 9)
WORLD = dict(landslide_size_scale=2.5, n_landslides=150)
OTHER_WORLD = dict(WORLD, terrain_overcorrection=0.0, snow_cover=0.0)


def _post_rgb(params) -> tuple[np.ndarray, np.ndarray]:
    """Post-event true colour (rows, cols, 3) reflectance and the landslide mask of a world."""
    from course_lib.pipeline.composites import study_area_composites
    from course_lib.simulator import load_study_area

    area = load_study_area(params, progress=False)
    post = study_area_composites(area, kinds=("greenest",))["post_greenest"]
    rgb = np.stack([post.band(b) for b in ("B04", "B03", "B02")], axis=-1)
    truth = area["landslide_mask"].data[0].astype(np.uint8)
    area.clear_cache()
    return rgb, truth


def to_8bit(rgb: np.ndarray, low: float = 2, high: float = 98, gamma: float = 1.0,
            gains: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> np.ndarray:
    """A true-colour export: percentile stretch, gamma, colour balance; NaN -> 0."""
    lo, hi = np.nanpercentile(rgb, low), np.nanpercentile(rgb, high)
    x = np.clip((rgb - lo) / (hi - lo), 0, 1) ** gamma * np.asarray(gains)
    return (np.clip(np.nan_to_num(x, nan=0.0), 0, 1) * 255).round().astype(np.uint8)


def _enlarge(img: np.ndarray, mask: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    from scipy import ndimage

    big = np.stack([ndimage.zoom(img[..., b].astype(np.float32), k, order=1)
                    for b in range(img.shape[-1])], axis=-1)
    return (np.clip(big, 0, 255).round().astype(np.uint8),
            ndimage.zoom(mask, k, order=0))


def landslide_crops(truth: np.ndarray, clear: np.ndarray, rng: np.random.Generator,
                    low: int = 61, high: int = 1200) -> list[tuple[int, int, int, int]]:
    """``(row, col, size, zoom)`` of non-overlapping square crops, one around each landslide
    (connected parts of the mask) where a crop fits, enlarged ``zoom`` times to 61-1,200 px."""
    from scipy import ndimage

    labels, n = ndimage.label(truth)
    boxes = ndimage.find_objects(labels)
    taken = np.zeros(truth.shape, bool)
    rows, cols = truth.shape
    out = []
    for i in rng.permutation(n):
        box = boxes[i]
        extent = max(box[0].stop - box[0].start, box[1].stop - box[1].start)
        zoom = int(rng.choice([2, 3, 4]))
        size = int(np.clip(extent * rng.uniform(1.3, 3.0), -(-low // zoom), high // zoom))
        if size > min(rows, cols):
            continue
        r_lo, r_hi = max(box[0].stop - size, 0), min(box[0].start, rows - size)
        c_lo, c_hi = max(box[1].stop - size, 0), min(box[1].start, cols - size)
        if r_lo > r_hi or c_lo > c_hi:                 # larger than the crop: centre on it
            r_lo = r_hi = int(np.clip((box[0].start + box[0].stop - size) // 2, 0, rows - size))
            c_lo = c_hi = int(np.clip((box[1].start + box[1].stop - size) // 2, 0, cols - size))
        r, c = int(rng.integers(r_lo, r_hi + 1)), int(rng.integers(c_lo, c_hi + 1))
        window = (slice(r, r + size), slice(c, c + size))
        if taken[window].any() or clear[window].mean() < 0.9:
            continue
        taken[window] = True
        out.append((r, c, size, zoom))
    return out


def make(args) -> None:
    from course_lib import unet
    from course_lib.simulator import StudyAreaParams

    out = Path(args.out)
    rng = np.random.default_rng(0)
    k = 0
    for seed in MAIN_SEEDS:
        rgb, truth = _post_rgb(StudyAreaParams(seed=seed, **WORLD))
        rgb8, clear = to_8bit(rgb), np.isfinite(rgb).all(axis=-1)
        for r, c, size, zoom in landslide_crops(truth, clear, rng):
            img, mask = _enlarge(rgb8[r:r + size, c:c + size], truth[r:r + size, c:c + size],
                                 zoom)
            unet.write_chip(img, mask, out / "main" / "images", out / "main" / "masks",
                            f"ls_{k:04d}", overwrite=True)
            k += 1
        print(f"world {seed}: {k} chips so far", flush=True)
    j = 0
    for seed in OTHER_SEEDS:
        rgb, truth = _post_rgb(StudyAreaParams(seed=seed, **OTHER_WORLD))
        rgb8 = to_8bit(rgb, 0.5, 99.5, gamma=0.8, gains=(1.08, 1.0, 0.9))
        clear = np.isfinite(rgb).all(axis=-1)
        img, mask = _enlarge(rgb8, truth, 2)
        clear = np.repeat(np.repeat(clear, 2, axis=0), 2, axis=1)
        for r in range(0, img.shape[0] - 511, 512):
            for c in range(0, img.shape[1] - 511, 512):
                window = (slice(r, r + 512), slice(c, c + 512))
                if j < 36 and mask[window].any() and clear[window].mean() > 0.9:
                    unet.write_chip(img[window], mask[window], out / "other" / "images",
                                    out / "other" / "masks", f"other_{j:02d}", overwrite=True)
                    j += 1
    big(out, target=50e6)
    for part in ("main", "other", "big"):
        chips = unet.load_chip_folder(out / part / "images", out / part / "masks",
                                      verbose=False)
        print(f"{part}: {unet.describe_chips(chips)}")


def big(out: Path, target: float = 50e6) -> None:
    """About ``target`` pixels of overlapping chips around landslides, for the memory test."""
    from scipy import ndimage

    from course_lib import unet
    from course_lib.simulator import StudyAreaParams

    rng = np.random.default_rng(1)
    worlds = [_post_rgb(StudyAreaParams(seed=s, **WORLD)) for s in MAIN_SEEDS]
    worlds = [(to_8bit(rgb), truth) for rgb, truth in worlds]
    total, k = 0, 0
    while total < target:
        rgb8, truth = worlds[k % len(worlds)]
        rows, cols = truth.shape
        zoom = int(rng.choice([2, 3, 4]))
        size = int(np.exp(rng.uniform(np.log(-(-61 // zoom)), np.log(1200 // zoom))))
        r, c = np.argwhere(truth)[rng.integers(truth.sum())]
        r = int(np.clip(r - rng.integers(size), 0, rows - size))
        c = int(np.clip(c - rng.integers(size), 0, cols - size))
        img, mask = _enlarge(rgb8[r:r + size, c:c + size], truth[r:r + size, c:c + size], zoom)
        unet.write_chip(img, mask, out / "big" / "images", out / "big" / "masks",
                        f"ls_{k:04d}", overwrite=True)
        total += mask.size
        k += 1
    del ndimage


def recipe_code(budget_s: float) -> str:
    """The recipe's code block from notebook 05's source, budget as given."""
    text = (ROOT / "notebooks_src" / "05_unet.py").read_text()
    block = re.search(r"# ```python\n(.*?)# ```", text, re.S)
    if block is None:
        raise SystemExit("no ```python block in notebooks_src/05_unet.py")
    code = "\n".join(line[2:] for line in block.group(1).splitlines())
    if "time_budget_s=15 * 60" not in code:
        raise SystemExit("the recipe no longer says time_budget_s=15 * 60")
    return code.replace("time_budget_s=15 * 60", f"time_budget_s={budget_s!r}")


#: Notebook 05's recipe before 7 Dec 2026 (commit d462fee), with ``by="random"`` (its
#: ``by="group"`` fails on names such as ``ls_0000``): run it with ``--old`` from a checkout of
#: that commit (``PYTHONPATH=<old checkout>``) to compare on the same chips.
OLD_RECIPE = """
chips = unet.load_chip_folder("my_chips/images", "my_chips/masks")
parts = unet.split_chips(chips, by="random")
stats = unet.fit_band_stats([c.image for c in parts["train"]], ["R", "G", "B"])
model = unet.train_unet(unet.samples_from_chips(parts["train"], stats),
                        unet.samples_from_chips(parts["val"], stats), stats,
                        time_budget_s=15 * 60)
model.save("my_unet.keras"); model = unet.load_unet("my_unet.keras")
probability = model.predict_proba(my_image, tta="flips")   # any size
"""


def _old_scores(model, chips) -> tuple[float, float]:
    """F1 and MCC pooled over all pixels, as a learner scored the old recipe (flips, the
    model's threshold)."""
    from course_lib.unet.threshold import scores_by_threshold

    p = np.concatenate([model.predict_proba(c.image, tta="flips").ravel() for c in chips])
    t = np.concatenate([c.mask.ravel() for c in chips])
    return (float(scores_by_threshold(p, t, [model.threshold], metric="f1")[0]),
            float(scores_by_threshold(p, t, [model.threshold], metric="mcc")[0]))


def recipe(args) -> None:
    load_before = os.getloadavg()[0]
    data = Path(args.data)
    code = OLD_RECIPE.replace("time_budget_s=15 * 60", f"time_budget_s={args.budget!r}") \
        if args.old else recipe_code(args.budget)
    code = code.replace('"my_chips/', f'"{data}/{args.set}/').replace(
        '"my_unet.keras"', f'"{Path(args.model_dir) / "bench_unet.keras"}"')
    if args.mode:                      # a variant: the normalisation forced, not by dtype
        old = '["R", "G", "B"])'
        if old not in code:
            raise SystemExit("the recipe's fit_band_stats call changed")
        code = code.replace(old, f'["R", "G", "B"], mode={args.mode!r})')
    namespace: dict = {}
    exec("from course_lib import unet\nimport numpy as np\n", namespace)
    from course_lib import unet

    quiet = {} if args.old else {"verbose": False}
    namespace["my_image"] = unet.load_chip_folder(data / "other" / "images",
                                                  data / "other" / "masks", **quiet)[0].image
    model_path = Path(args.model_dir) / "bench_unet.keras"
    if model_path.exists():
        model_path.unlink()
    t0, c0 = time.perf_counter(), time.process_time()
    print(code, flush=True)
    exec(code, namespace)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    model, parts = namespace["model"], namespace["parts"]
    other = unet.load_chip_folder(data / "other" / "images", data / "other" / "masks", **quiet)
    if args.old:
        from types import SimpleNamespace as Scores

        test = Scores(**dict(zip(("f1", "mcc"), _old_scores(model, parts["test"]))),
                      precision=float("nan"), recall=float("nan"))
        away = Scores(**dict(zip(("f1", "mcc"), _old_scores(model, other))))
        model.info.setdefault("tta", "flips (threshold without)")
        for key in ("validations", "val_seconds", "threshold_seconds", "best_step"):
            model.info.setdefault(key, None)
        model.info["validations"] = len(model.history.get("val_loss", []))
    else:
        test = model.evaluate(parts["test"])
        away = model.evaluate(other)
    row = {"kind": "recipe", "name": args.name, "set": args.set, "budget_s": args.budget,
           "variant": "before (d462fee)" if args.old else
           f"mode={args.mode}" if args.mode else "as written",
           "cpus": len(os.sched_getaffinity(0)), "load_before": round(load_before, 1),
           "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
           "chips": {k: len(v) for k, v in parts.items()}, "n_other": len(other),
           "test_f1": test.f1, "test_mcc": test.mcc, "test_precision": test.precision,
           "test_recall": test.recall, "other_f1": away.f1, "other_mcc": away.mcc,
           "threshold": model.threshold, "normalisation": model.stats.mode,
           **{k: model.info[k] for k in ("steps", "steps_per_second", "stop_reason",
                                         "best_step", "validations", "val_seconds",
                                         "threshold_seconds", "fit_seconds", "tta")},
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
           "when": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())}
    with open(HERE / "unet_runs.jsonl", "a") as f:
        f.write(json.dumps(row) + "\n")
    print(json.dumps(row, indent=1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    m = sub.add_parser("make")
    m.add_argument("--out", required=True)
    r = sub.add_parser("recipe")
    r.add_argument("--data", required=True)
    r.add_argument("--budget", type=float, default=900)
    r.add_argument("--name", default="recipe")
    r.add_argument("--model-dir", default="/tmp")
    r.add_argument("--set", default="main", help="main or big (the chips to train on)")
    r.add_argument("--old", action="store_true",
                   help="the recipe before 7 Dec 2026 (needs PYTHONPATH of that checkout)")
    r.add_argument("--mode", default=None,
                   help="force fit_band_stats(mode=...) (a variant, not the recipe)")
    args = ap.parse_args()
    {"make": make, "recipe": recipe}[args.what](args)


if __name__ == "__main__":
    main()
