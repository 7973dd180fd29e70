"""Benchmark of course_lib.unet: the training levers on the study area and on a chip set.

Run on one CPU (the numbers in bench/unet.md were made this way)::

    taskset -c 0 python bench/unet.py study --name base --budget 180
    taskset -c 0 python bench/unet.py study --name no_aug --budget 180 --no-augment
    taskset -c 0 python bench/unet.py speed            # steps/s of model sizes
    taskset -c 0 python bench/unet.py chips --budget 120
    python bench/unet.py report                         # writes bench/unet.md

Each run appends one JSON line to bench/unet_runs.jsonl (kept in the repository, so the report
can be regenerated); peak memory is the process's maximum RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

# One CPU as on Binder (binder/start): one thread per pool.
for _k, _v in {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
               "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}.items():
    os.environ.setdefault(_k, _v)

HERE = Path(__file__).resolve().parent
RUNS = HERE / "unet_runs.jsonl"
sys.path.insert(0, str(HERE.parent))


def GENERATOR_VERSION() -> str:  # noqa: N802 (the constant's name)
    """The study area's generator version (the world the numbers were measured on)."""
    from course_lib.simulator.params import GENERATOR_VERSION as version

    return str(version)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> float:
    return os.getloadavg()[0]


def _record(row: dict) -> None:
    row.update({"when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "cpus": len(os.sched_getaffinity(0)), "load_before": row.get("load_before"),
                "peak_rss_mb": round(_peak_mb())})
    with open(RUNS, "a") as f:
        f.write(json.dumps(row) + "\n")
    print(json.dumps(row, indent=1))


def setting_raster(area, setting: int):
    from course_lib.pipeline import layers

    return layers.setting_layers(setting, area), layers.evaluation_mask(area)


def cart_scores(area, raster, truth, mask) -> dict:
    """Notebook 04's CART (course_lib.cart), scored on the same pixels.

    A tree grown to pure leaves on the study area's training points with their eight classes
    (points with NaN in a band of the setting left out), every pixel classified, the seven
    non-landslide classes merged, then a 3 x 3 focal mode: ``pc.classify_at_points``.
    """
    from course_lib import cart as pc, metrics

    cart, cart_map, _ = pc.classify_at_points(raster, area["training_points"], pc.make_cart(),
                                              focal_window=3, quiet=True)
    s = metrics.evaluate(truth, cart_map, valid=mask)
    return {"cart_mcc": s.mcc, "cart_precision": s.precision, "cart_recall": s.recall,
            "n_points": sum(cart.n_points.values()), "cart": "pixel_classifiers focal 3"}


def run_study(args) -> None:
    load_before = _load()
    from course_lib import metrics, unet
    from course_lib.simulator import load_study_area

    unet.import_keras_quietly()
    area = load_study_area()
    raster, evalmask = setting_raster(area, args.setting)
    truth = area["landslide_mask"].data[0]
    scene = unet.prepare_scene(raster, truth, block=args.block, seed=args.split_seed,
                               normalisation=args.normalisation)
    aug = unet.Augmentation() if not args.no_augment else unet.Augmentation.none()
    t0 = time.perf_counter()
    model = unet.train_unet(scene.train, scene.val, scene.stats, time_budget_s=args.budget,
                            steps=args.train_steps,
                            batch_size=args.batch, depth=args.depth,
                            base_filters=args.base, batch_norm=not args.no_bn,
                            bn_momentum=args.bn_momentum,
                            positive_fraction=args.positive,
                            schedule=args.schedule, peak_lr=args.lr, augmentation=aug,
                            tta=args.tta or False, seed=args.seed, clock=args.clock,
                            jit_compile=args.jit, **_architecture(args))
    train_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    prob = model.predict_proba(raster, tta=args.tta or False)
    predict_s = time.perf_counter() - t1
    mask = unet.held_out_mask(scene.split, evalmask)
    binary = np.where(np.isnan(prob), np.nan, prob >= model.threshold)
    s = metrics.evaluate(truth, binary, valid=mask)
    row = {"kind": "study", "name": args.name, "setting": args.setting, "budget_s": args.budget,
           "load_before": load_before, "train_wall_s": round(train_s, 1),
           "predict_s": round(predict_s, 1), "clock": args.clock,
           "budget_seconds_used": model.info["budget_seconds_used"], "mcc": s.mcc, "precision": s.precision,
           "recall": s.recall, "f1": s.f1, "threshold": model.threshold,
           **{k: model.info[k] for k in ("steps", "steps_per_second", "first_step_seconds",
                                         "stop_reason", "best_epoch", "val_score",
                                         "n_params")},
           "config": {k: v for k, v in model.info["config"].items()
                      if k not in ("verbose",)},
           "normalisation": args.normalisation, "trainer": "train_on_batch loop",
           "world": f"v{GENERATOR_VERSION()}",
           "test_landslide_pixels": int(truth[mask].sum())}
    row.update(cart_scores(area, raster, truth, mask))
    _record(row)


def run_speed(args) -> None:
    load_before = _load()
    from course_lib import unet

    keras = unet.import_keras_quietly()
    from course_lib.unet.model import bce_dice_loss, build_unet

    x = np.random.default_rng(0).normal(size=(args.batch, 128, 128, 3)).astype(np.float32)
    y = (np.random.default_rng(1).random((args.batch, 128, 128, 1)) < 0.02).astype(np.float32)
    for depth, base in [(3, 8), (3, 16), (4, 8), (4, 16)]:
        keras.utils.set_random_seed(0)
        m = build_unet(3, depth=depth, base_filters=base)
        m.compile(optimizer=keras.optimizers.Adam(1e-3), loss=bce_dice_loss,
                  jit_compile=args.jit)
        clock = time.process_time if args.clock == "process" else time.perf_counter
        t = clock()
        m.train_on_batch(x, y)
        first = clock() - t
        t = clock()
        for _ in range(args.steps):
            m.train_on_batch(x, y)
        sps = args.steps / (clock() - t)
        m.predict_on_batch(x)
        t = clock()
        for _ in range(5):
            m.predict_on_batch(x)
        tiles = 5 * args.batch / (clock() - t)
        _record({"kind": "speed", "depth": depth, "base_filters": base, "batch": args.batch,
                 "n_params": int(m.count_params()), "first_step_s": round(first, 1),
                 "clock": args.clock, "jit": str(args.jit),
                 "steps_per_second": round(sps, 3), "predict_tiles_per_second": round(tiles, 1),
                 "load_before": load_before})
        load_before = _load()


def make_chip_set(folder: Path, seed: int = 0, n: int = 48) -> tuple[Path, Path]:
    """A synthetic chip set of mixed sizes from the study area's post-event RGB (8-bit).

    The chips do not overlap (``unet.chip_windows``; runs before 29 Nov 2026 04:40 UTC cut
    them at random places, so their random split leaked), are at least 90 % clear (runs
    before 05:00 UTC had no such rule) and are named by the cell of a 3 x 3 grid that holds
    them, for ``--by-group``.
    """
    from course_lib import unet
    from course_lib.simulator import load_study_area

    area = load_study_area()
    raster, _ = setting_raster(area, 4)
    rgb = np.stack([raster.band(b) for b in ("post-R", "post-G", "post-B")], axis=-1)
    lo, hi = np.nanpercentile(rgb, 2), np.nanpercentile(rgb, 98)
    rgb8 = (np.clip((np.nan_to_num(rgb, nan=lo) - lo) / (hi - lo), 0, 1) * 255).astype(np.uint8)
    truth = area["landslide_mask"].data[0]
    images, masks = folder / "images", folder / "masks"
    clear = np.isfinite(rgb).all(axis=-1)      # at least 90 % of a chip with a clear view
    for w in unet.chip_windows(truth.shape, sizes=(64, 96, 160, 256, 400), n=n, seed=seed,
                               valid=clear, min_valid=0.9):
        unet.write_chip(rgb8[w.slices], truth[w.slices], images, masks, w.name)
    return images, masks


def run_chips(args) -> None:
    import tempfile

    load_before = _load()
    from course_lib import unet
    from course_lib.unet.threshold import scores_by_threshold

    unet.import_keras_quietly()
    with tempfile.TemporaryDirectory() as tmp:
        images, masks = make_chip_set(Path(tmp))
        chips = unet.load_chip_folder(images, masks)
    parts = unet.split_chips(chips, by="group" if args.by_group else "random", seed=0)
    stats = unet.fit_band_stats([c.image for c in parts["train"]], ["R", "G", "B"],
                                mode=args.normalisation)
    tr = unet.samples_from_chips(parts["train"], stats)
    va = unet.samples_from_chips(parts["val"], stats)
    model = unet.train_unet(tr, va, stats, time_budget_s=args.budget, steps=args.train_steps,
                            batch_size=args.batch,
                            depth=args.depth, base_filters=args.base, seed=args.seed,
                            bn_momentum=args.bn_momentum, peak_lr=args.lr,
                            clock=args.clock, jit_compile=args.jit, **_architecture(args),
                            augmentation=unet.Augmentation() if not args.no_augment
                            else unet.Augmentation.none())
    probs, labels = [], []
    for c in parts["test"]:
        probs.append(model.predict_proba(c.image, tta=args.tta or False).ravel())
        labels.append(c.mask.ravel())
    p, t = np.concatenate(probs), np.concatenate(labels)
    mcc = float(scores_by_threshold(p, t, [model.threshold])[0])
    f1 = float(scores_by_threshold(p, t, [model.threshold], metric="f1")[0])
    _record({"kind": "chips", "name": args.name, "budget_s": args.budget, "mcc": mcc, "f1": f1,
             "chip_set": "not overlapping, >= 90 % clear",
             "n_chips": {k: len(v) for k, v in parts.items()}, "by_group": args.by_group,
             "normalisation": args.normalisation, "threshold": model.threshold,
             "load_before": load_before, "clock": args.clock, "trainer": "train_on_batch loop",
             "world": f"v{GENERATOR_VERSION()}",
             **{k: model.info[k] for k in ("steps", "steps_per_second", "stop_reason",
                                           "best_epoch", "n_params")}})


def _architecture(args) -> dict:
    """The TrainConfig fields of ``--arch`` and its encoder options."""
    return {"architecture": args.arch, "encoder_weights": args.encoder_weights,
            "encoder_alpha": args.alpha, "train_encoder": not args.frozen_encoder}


def _fmt(v, digits=2):
    if v is None:
        return "-"
    if isinstance(v, float):
        return "-" if np.isnan(v) else f"{v:.{digits}f}"
    return str(v)


def _levers(r: dict) -> str:
    cfg = r["config"]
    aug = cfg.get("augmentation", {})
    if cfg.get("architecture", "unet") == "mobilenet_v2":
        head = (f"MobileNetV2 {cfg.get('encoder_alpha'):g} encoder "
                f"({cfg.get('encoder_weights') or 'random start'}"
                f"{', frozen' if not cfg.get('train_encoder', True) else ''})")
    else:
        head = f"depth {cfg.get('depth')}, base {cfg.get('base_filters')}"
    parts = [head,
             f"BN {cfg.get('bn_momentum', 0.99):g}" if cfg.get("batch_norm") else "no BN",
             f"{cfg.get('schedule')} {cfg.get('peak_lr'):g}",
             "aug" if aug.get("flips") or aug.get("gain") else "no aug",
             f"batch {cfg.get('batch_size')}",
             f"positive {cfg.get('positive_fraction', 0):g}",
             f"XLA {cfg.get('jit_compile', 'auto')}",
             r.get("trainer", "keras fit")]
    if cfg.get("tta"):
        parts.append(f"TTA {cfg['tta']}")
    return ", ".join(parts)


def _table(title: str, columns: list[tuple[str, object]], rows: list[dict]) -> list[str]:
    """A markdown table: one ``(header, row -> cell text)`` per column, one line per row."""
    if not rows:
        return []
    out = [title, "", "| " + " | ".join(h for h, _ in columns) + " |",
           "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(str(cell(r)) for _, cell in columns) + " |" for r in rows]
    return out + [""]


STUDY_COLUMNS = [
    ("run", lambda r: r["name"]), ("levers", _levers),
    ("normalisation", lambda r: r.get("normalisation", "-")),
    ("budget (clock)", lambda r: f"{r['budget_s']:.0f} s ({r.get('clock', 'wall')})"),
    ("steps", lambda r: r["steps"]), ("steps/s", lambda r: _fmt(r["steps_per_second"])),
    ("first step s", lambda r: _fmt(r["first_step_seconds"], 0)),
    ("U-Net MCC", lambda r: _fmt(r["mcc"], 3)), ("precision", lambda r: _fmt(r["precision"], 3)),
    ("recall", lambda r: _fmt(r["recall"], 3)), ("threshold", lambda r: _fmt(r["threshold"])),
    ("CART MCC (same pixels)", lambda r: _fmt(r["cart_mcc"], 3)),
    ("CART", lambda r: r.get("cart", "bare tree, no focal")),
    ("world", lambda r: r.get("world", "before v11")),
    ("peak RSS MB", lambda r: r["peak_rss_mb"]),
    ("load before", lambda r: _fmt(r.get("load_before"), 1))]

SPEED_COLUMNS = [
    ("depth", lambda r: r["depth"]), ("base filters", lambda r: r["base_filters"]),
    ("weights", lambda r: f"{r['n_params']:,}"), ("batch", lambda r: r["batch"]),
    ("clock", lambda r: r.get("clock", "wall")),
    ("first step s", lambda r: _fmt(r["first_step_s"], 0)),
    ("steps/s", lambda r: _fmt(r["steps_per_second"])),
    ("tiles/s (training)", lambda r: _fmt(r["steps_per_second"] * r["batch"], 1)),
    ("tiles/s (prediction)", lambda r: _fmt(r["predict_tiles_per_second"], 1)),
    ("load before", lambda r: _fmt(r["load_before"], 1))]

CHIP_COLUMNS = [
    ("run", lambda r: r["name"]), ("normalisation", lambda r: r["normalisation"]),
    ("chips cut", lambda r: r.get("chip_set", "overlapping (a random split leaks)")),
    ("split", lambda r: "by group" if r["by_group"] else "random"),
    ("chips train/val/test", lambda r: "/".join(str(r["n_chips"][k])
                                                for k in ("train", "val", "test"))),
    ("budget s", lambda r: f"{r['budget_s']:.0f} ({r.get('clock', 'process')})"),
    ("steps", lambda r: r["steps"]), ("steps/s", lambda r: _fmt(r.get("steps_per_second"))),
    ("MCC (test chips)", lambda r: _fmt(r["mcc"], 3)), ("F1", lambda r: _fmt(r["f1"], 3)),
    ("threshold", lambda r: _fmt(r["threshold"])),
    ("world", lambda r: r.get("world", "before v11")),
    ("load before", lambda r: _fmt(r.get("load_before"), 1))]


RECIPE_COLUMNS = [
    ("run", lambda r: r["name"]), ("recipe", lambda r: r.get("variant", "as written")),
    ("chip set", lambda r: r.get("set", "main")),
    ("chips train/val/test", lambda r: "/".join(str(r["chips"][k])
                                                for k in ("train", "val", "test"))),
    ("budget (wall)", lambda r: f"{r['budget_s']:.0f} s"),
    ("cores", lambda r: r["cpus"]), ("steps", lambda r: f"{r['steps']:,}"),
    ("steps/s", lambda r: _fmt(r["steps_per_second"])),
    ("validations", lambda r: r["validations"]), ("best step", lambda r: _fmt(r["best_step"])),
    ("threshold (TTA)", lambda r: f"{_fmt(r['threshold'])} ({r['tta']})"),
    ("normalisation", lambda r: r["normalisation"]),
    ("test F1", lambda r: _fmt(r["test_f1"], 3)), ("test MCC", lambda r: _fmt(r["test_mcc"], 3)),
    ("other region F1", lambda r: _fmt(r["other_f1"], 3)),
    ("other region MCC", lambda r: _fmt(r["other_mcc"], 3)),
    ("recipe wall s", lambda r: _fmt(r["wall_s"], 0)),
    ("peak RSS MB", lambda r: r["peak_rss_mb"]),
    ("load before", lambda r: _fmt(r.get("load_before"), 1))]


def run_report(args) -> None:
    rows = [json.loads(line) for line in RUNS.read_text().splitlines() if line.strip()]
    kind = {k: [r for r in rows if r["kind"] == k] for k in ("study", "speed", "chips",
                                                             "recipe")}
    out = [REPORT_HEAD]
    out += _table("## Study area, setting 2 (pre-VV, post-VV, dNDVI), test blocks",
                  STUDY_COLUMNS, kind["study"])
    out += _table("## Model size: training steps per second on one CPU (batch of 128 x 128 x 3)",
                  SPEED_COLUMNS, kind["speed"])
    out += _table("## Synthetic chip set of mixed sizes (8-bit RGB from the study area)",
                  CHIP_COLUMNS, kind["chips"])
    out += _table("## Notebook 05's recipe for your own chips, on chip sets like a learner's "
                  "(`bench/unet_chips.py`)", RECIPE_COLUMNS, kind["recipe"])
    notes = HERE / "unet_notes.md"
    if notes.exists():
        out.append(notes.read_text())
    text = "\n".join(out) + "\n"
    tmp = HERE / ".unet.md.tmp"
    tmp.write_text(text)
    tmp.replace(HERE / "unet.md")
    print(f"wrote {HERE / 'unet.md'} from {len(rows)} runs")


REPORT_HEAD = """# U-Net benchmark: training levers on one CPU

Made by `bench/unet.py` (every run appends a line to `bench/unet_runs.jsonl`; `python
bench/unet.py report` rewrites this file from it, followed by `bench/unet_notes.md`).

**Conditions.** Each run was pinned to one core (`taskset -c 0` or `-c 1`) with every thread
pool capped to one thread, as `binder/start` does. The machine has 2 cores shared with other
work (column *load before*: the load average when the run started), so wall-clock times are
inflated and noisy. The training budgets of the study-area and chip runs count **CPU seconds
of the process** (`TrainConfig(clock="process")`, column *clock*): on a quiet single CPU the
same run takes about that long on the wall clock. The one run with a wall-clock budget shows
what contention does. Steps per second are per CPU second after the first step (which builds
the graph). Column *world* is the study area's generator version (the numbers of different
worlds are not comparable); *levers* ends with the training loop (Keras `fit` or the
`train_on_batch` loop of `course_lib.unet.train`). Compare ratios, not absolute
speeds. The test blocks are the 3 of 16 blocks of 256 x 256 px that `blocked_split(seed=0)`
deals to the test set; scores are on those blocks where all 13 layers are valid
(`layers.evaluation_mask`). CART: notebook 04's (`course_lib.cart.classify_stack`:
a tree grown to pure leaves on the study area's training points with their eight classes,
points with NaN in a band of the setting left out, merged to landslide / not, 3 x 3 focal
mode); runs before 29 Nov 2026 used a bare `DecisionTreeClassifier` on the landslide label
without the focal mode (column *CART*).
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["study", "speed", "chips", "report"])
    ap.add_argument("--name", default="base")
    ap.add_argument("--setting", type=int, default=2)
    ap.add_argument("--budget", type=float, default=180)
    ap.add_argument("--train-steps", type=int, default=None,
                    help="training steps (default: as many as --budget allows)")
    ap.add_argument("--steps", type=int, default=25, help="steps timed by 'speed'")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--base", type=int, default=8)   # TrainConfig's default
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--schedule", default="cosine")
    ap.add_argument("--block", type=int, default=256)
    ap.add_argument("--normalisation", default="training")
    ap.add_argument("--no-augment", action="store_true")
    ap.add_argument("--no-bn", action="store_true")
    ap.add_argument("--bn-momentum", type=float, default=0.9)
    ap.add_argument("--positive", type=float, default=0.5,
                    help="share of training tiles drawn around a landslide pixel")
    ap.add_argument("--by-group", action="store_true")
    ap.add_argument("--tta", default=None)
    ap.add_argument("--seed", type=int, default=2019)
    ap.add_argument("--split-seed", type=int, default=0)
    ap.add_argument("--clock", default="process", help="budget in CPU seconds (process) or wall")
    ap.add_argument("--arch", default="unet", choices=["unet", "mobilenet_v2"])
    ap.add_argument("--encoder-weights", default=None, help='"imagenet" or a weights file')
    ap.add_argument("--alpha", type=float, default=0.35, help="MobileNetV2 width")
    ap.add_argument("--frozen-encoder", action="store_true")
    ap.add_argument("--jit", default=False, type=lambda v: {"1": True, "0": False}.get(v, v))
    args = ap.parse_args()
    {"study": run_study, "speed": run_speed, "chips": run_chips,
     "report": run_report}[args.what](args)


if __name__ == "__main__":
    main()
