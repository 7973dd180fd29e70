"""Benchmark: at what work per chunk do two Dask workers on two cores beat one process?

The workload is notebook 08's landslide map (``course_lib.scaling.landslide_graph``), made
heavy enough per chunk to be worth distributing: on a ``factor x factor`` mirrored mosaic of
the simulated study area,

1. the course's clear-sky masks (``clouds.clear_sky_mask``: the cloud probability averaged,
   thresholded and dilated as s2cloudless does, SCL's shadow, snow and nodata), through
   ``map_overlap`` with the mask's 36-pixel reach;
2. greenest-pixel composites of the pre- and post-event dates, dNDVI, and the paper's setting-4
   layers (post-event R, G, B, NIR and dNDVI), as ``pipeline.layers.setting_layers(4)`` makes
   them;
3. a pixel classifier on those layers: a **random forest** of ``--trees`` trees (the default)
   or notebook 04's CART (``--model cart``), trained as notebook 04 trains it
   (``cart.fit_pixel_classifier`` on the 130 training points sampled from
   ``setting_layers(4)``; eight classes, the seven others merged into "not landslide");
4. the 3 x 3 focal mode (``postprocess.focal_mode``) through ``map_overlap`` with a 1-pixel
   margin and ``boundary="none"`` (pixels outside the image do not vote).

Steps 2-3 are fused into one task per chunk (``scaling.landslide_chunk``). Every step is the
course's own function, called through ``course_lib.scaling``; this script only measures.

It runs the same workload in several set-ups, each in a fresh Python process, and checks the
results against the first one:

* ``numpy``: one process, the course's plain functions on whole NumPy arrays
  (``scaling.landslide_maps`` on the mosaic read at once with ``scaling.read_product``);
  the baseline;
* ``sync``: the Dask graph with the synchronous scheduler (one process, one chunk at a time:
  what notebook 08 runs on one CPU), optional;
* ``1x1``: a ``LocalCluster`` of 1 worker process x 1 thread (``scaling.start_cluster``);
* ``2x1``: 2 worker processes x 1 thread;
* ``1x2``: 1 worker process x 2 threads (do the steps release the GIL?), optional.

BLAS / OpenMP thread pools are capped to 1 thread in every process (the variables below are
set before NumPy is imported and inherited by the workers), so each set-up uses exactly as
many cores as it has worker threads. Seeds are fixed (the classifiers' ``random_state``).

Reported per set-up: wall time of the whole computation (reading the GeoTIFFs to having the
three maps in this process; the cluster's start-up and the workers' imports,
``scaling.warm_up``, are timed apart), min and median over ``--repeats``, the speed-up
against ``numpy``, the peak memory of the process plus all its children
(``scaling.measure``) and each process's own peak (``ru_maxrss``), minor page faults, and
the CPU the rest of the machine used meanwhile (other users' jobs; from ``/proc/stat``), so
that a slow repeat on a busy machine shows.

Usage (from the repository root, with the study area already generated)::

    .venv/bin/python bench/dask_speedup.py                     # ~3 min on 2 free cores
    .venv/bin/python bench/dask_speedup.py --model cart        # notebook 04's CART
    taskset -c 0 .venv/bin/python bench/dask_speedup.py --factor 1   # as on Binder: 1 CPU
    .venv/bin/python bench/dask_speedup.py --record bench/dask_speedup_runs.jsonl

On one CPU the default set-ups are ``numpy`` and ``1x1`` only (a second worker would share
the same core). The findings are in ``bench/dask_speedup.md``.
"""

from __future__ import annotations

import os

# One thread per process for every BLAS / OpenMP pool, before NumPy is imported; the Dask
# workers inherit these (dask.distributed also sets them for its workers by default).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
for _name in THREAD_VARIABLES:
    os.environ[_name] = "1"

import argparse
import json
import pickle
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# --------------------------------------------------------------------------------------------
# The course's functions: the workload lives in course_lib.scaling; only the glue is here.
# --------------------------------------------------------------------------------------------
from course_lib import cart, sampling, scaling
from course_lib.config import DEFAULT_SEED, available_cpus

PRODUCTS = scaling.LANDSLIDE_PRODUCTS
CONFIGS = {  # name: (workers, threads per worker); None = not a cluster
    "numpy": None, "sync": None, "1x1": (1, 1), "2x1": (2, 1), "1x2": (1, 2)}
MB = 1e6
#: The workers' memory allocator (glibc): ``dask`` keeps dask.distributed's
#: MALLOC_TRIM_THRESHOLD_=65536 (``start_cluster(trim_memory=True)``), ``glibc`` keeps glibc's
#: defaults (``trim_memory=False``, notebook 08's choice), ``main-arena`` also sends every
#: thread's allocations to glibc's main arena (MALLOC_ARENA_MAX=1).
WORKER_MALLOC = {"dask": (True, {}), "glibc": (False, {}),
                 "main-arena": (False, {"MALLOC_ARENA_MAX": 1})}


def read_whole(folder: Path, factor: int) -> dict[str, np.ndarray]:
    """The six products of the mosaic as NumPy arrays, read at once."""
    return {name: scaling.read_product(folder / f"{name}.tif", factor) for name in PRODUCTS}


def numpy_pipeline(folder: Path, factor: int, classifier, window: int) -> np.ndarray:
    """The baseline: every step once, on whole arrays, in this process."""
    return scaling.landslide_maps(read_whole(folder, factor), classifier, window)


def dask_pipeline(folder: Path, factor: int, chunk: int, classifier, window: int):
    """The same steps as a Dask graph (lazy ``(3, rows, cols)``: dNDVI, map, cleaned map)."""
    inputs = {name: scaling.lazy_product(folder / f"{name}.tif", factor=factor, chunk=chunk)
              for name in PRODUCTS}
    return scaling.landslide_graph(inputs, classifier, window)


def train_classifier(model: str, trees: int):
    """The classifier, fitted as notebook 04 fits its CART: the 130 training points sampled from
    ``setting_layers(4)`` (points with NaN left out), eight classes. Seeded."""
    from course_lib.pipeline import layers
    from course_lib.simulator import load_study_area

    area = load_study_area()
    stack = layers.setting_layers(4, area)
    table = sampling.sample_at_points(stack, area["training_points"], on_invalid="keep")
    estimator = (cart.make_random_forest(trees, random_state=DEFAULT_SEED) if model == "rf"
                 else cart.make_cart(random_state=DEFAULT_SEED))
    return cart.fit_pixel_classifier(table, stack.band_names, estimator, on_nan="drop")


# --------------------------------------------------------------------------------------------
# Measuring: peak memory of a process tree, CPU used by others
# --------------------------------------------------------------------------------------------
def machine_busy_s() -> tuple[float, float]:
    """CPU seconds the whole machine spent busy (all cores), and stolen by the hypervisor."""
    t = psutil.cpu_times()
    busy = t.user + t.nice + t.system + getattr(t, "irq", 0) + getattr(t, "softirq", 0)
    return busy, getattr(t, "steal", 0.0)


def tree_cpu_s() -> float:
    """CPU seconds used so far by this process and its live children."""
    total = 0.0
    me = psutil.Process()
    for proc in [me] + me.children(recursive=True):
        try:
            t = proc.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        total += t.user + t.system
    return total


def wait_for_idle(max_wait: float, busy_limit: float = 0.25, quiet_for: int = 3) -> float:
    """Wait until the other programs on this machine use less than ``busy_limit`` cores for
    ``quiet_for`` seconds in a row (at most ``max_wait`` seconds). Returns the seconds waited.

    Other people's jobs share the two cores; a run that starts while they are busy measures
    them as much as this workload.
    """
    start, quiet = time.perf_counter(), 0
    while quiet < quiet_for and time.perf_counter() - start < max_wait:
        busy = psutil.cpu_percent(interval=1.0) / 100 * psutil.cpu_count()
        quiet = quiet + 1 if busy < busy_limit else 0
    return time.perf_counter() - start


def _spin(n: int) -> float:
    """Pure-Python arithmetic (no memory traffic, no GIL release); returns its wall time."""
    start, total = time.perf_counter(), 0
    for i in range(n):
        total += i * i
    return time.perf_counter() - start


def two_core_check(n: int = 4_000_000) -> dict:
    """How much work two busy processes do here compared with one (2.0 = two whole cores).

    Two vCPUs of a virtual machine may share a physical core (SMT) or be throttled together;
    then no Dask set-up can reach a speed-up of 2, whatever the work per chunk.
    """
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_spin, [n // 10, n // 10])                     # start both, warm up
        alone = min(pool.apply(_spin, (n,)) for _ in range(2))
        both = max(pool.map(_spin, [n, n]))
    return {"alone_s": alone, "both_s": both, "throughput": 2 * alone / both}


def _own_page_faults() -> int:
    """Minor page faults of this process so far (memory mapped and touched afresh)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _own_peak_mb() -> float:
    """This process's peak RSS over its life (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB


# --------------------------------------------------------------------------------------------
# One set-up, in a fresh process
# --------------------------------------------------------------------------------------------
def run_child(args) -> dict:
    import dask

    with open(args.child_model, "rb") as f:
        classifier = pickle.load(f)
    folder = Path(args.folder)
    config = args.child
    cluster_shape = CONFIGS[config]
    result = {"config": config, "pid": os.getpid(), "loadavg_before": os.getloadavg()}
    client = cluster = None
    if cluster_shape:
        n_workers, threads = cluster_shape
        trim, extra = WORKER_MALLOC[args.worker_malloc]
        import distributed  # noqa: F401  (loads its config defaults before we add to them)

        dask.config.set({f"distributed.nanny.pre-spawn-environ.{name}": value
                         for name, value in extra.items()})   # for this process's life
        start = time.perf_counter()
        client, cluster = scaling.start_cluster(n_workers=n_workers,
                                                memory_limit=args.memory_limit,
                                                threads_per_worker=threads, trim_memory=trim)
        client.wait_for_workers(n_workers)
        scaling.warm_up(client)
        result["startup_s"] = time.perf_counter() - start
    busy0, steal0 = machine_busy_s()
    own0 = tree_cpu_s()
    faults0 = (sum(client.run(_own_page_faults).values()) if client is not None
               else _own_page_faults())
    if config == "numpy":
        measured = scaling.measure(lambda: numpy_pipeline(folder, args.factor, classifier,
                                                          args.focal_window))
    else:
        graph = dask_pipeline(folder, args.factor, args.chunk, classifier, args.focal_window)
        result["tasks"] = sum(scaling.task_counts(graph).values())
        result["chunks"] = int(np.prod(graph.numblocks[1:]))
        measured = scaling.measure(graph, scheduler="synchronous" if config == "sync" else None)
    wall = measured.seconds
    busy1, steal1 = machine_busy_s()
    own1 = tree_cpu_s()
    result.update(wall_s=wall, cpu_s=own1 - own0,
                  other_cores=max(0.0, (busy1 - busy0) - (own1 - own0)) / wall,
                  steal_cores=(steal1 - steal0) / wall,
                  peak_total_mb=measured.peak_mb, process_peak_mb=_own_peak_mb(),
                  loadavg_after=os.getloadavg())
    if config == "numpy" or config == "sync":
        result["page_faults"] = _own_page_faults() - faults0
    if client is not None:
        result["page_faults"] = sum(client.run(_own_page_faults).values()) - faults0
        peaks = client.run(_own_peak_mb)
        result["worker_peak_mb"] = sorted(peaks.values())
        env = client.run(lambda: {k: v for k, v in os.environ.items() if k.startswith("MALLOC")})
        result["worker_malloc_env"] = next(iter(env.values()))
        client.close()
        cluster.close()
    np.save(args.child_out, np.asarray(measured.results[0]))
    return result


# --------------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------------
def compare(reference: np.ndarray, maps: np.ndarray) -> dict:
    """Equality of the three maps, NaN equal to NaN; if not identical, how far apart."""
    out = {"identical": True, "max_abs_diff": 0.0, "differing_pixels": 0}
    for a, b in zip(reference, maps):
        if a.shape != b.shape:
            return {"identical": False, "max_abs_diff": float("inf"), "differing_pixels": -1}
        if not np.array_equal(a, b, equal_nan=True):
            out["identical"] = False
            differ = ~((a == b) | (np.isnan(a) & np.isnan(b)))
            out["differing_pixels"] += int(differ.sum())
            with np.errstate(invalid="ignore"):
                out["max_abs_diff"] = max(out["max_abs_diff"], float(np.nanmax(np.abs(a - b))))
    return out


def summarise(runs: list[dict], configs: list[str]) -> dict:
    summary = {}
    base = [r["wall_s"] for r in runs if r["config"] == "numpy"]
    for config in configs:
        mine = [r for r in runs if r["config"] == config]
        walls = [r["wall_s"] for r in mine]
        row = {"repeats": len(walls), "wall_min_s": min(walls),
               "wall_median_s": statistics.median(walls), "walls_s": walls,
               "peak_total_mb": max(r["peak_total_mb"] for r in mine),
               "other_cores_max": max(r["other_cores"] for r in mine),
               "page_faults_median": statistics.median(r["page_faults"] for r in mine),
               "all_identical": all(r["check"]["identical"] for r in mine)}
        if base:
            row["speedup_median"] = statistics.median(base) / row["wall_median_s"]
            row["speedup_min"] = min(base) / row["wall_min_s"]
        if "startup_s" in mine[0]:
            row["startup_median_s"] = statistics.median(r["startup_s"] for r in mine)
            row["worker_peak_mb"] = max(max(r["worker_peak_mb"]) for r in mine)
        summary[config] = row
    return summary


def table(summary: dict) -> str:
    lines = [("| set-up | repeats | wall min (s) | wall median (s) | speed-up (median, min) "
              "| start-up (s) | peak MB, all processes | peak MB, one worker | page faults (k) "
              "| others' load (cores, max) | identical |"),
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for config, row in summary.items():
        speed = (f"x{row['speedup_median']:.2f}, x{row['speedup_min']:.2f}"
                 if "speedup_median" in row else "")
        lines.append(
            f"| {config} | {row['repeats']} | {row['wall_min_s']:.1f} | "
            f"{row['wall_median_s']:.1f} | {speed} | {row.get('startup_median_s', 0):.1f} | "
            f"{row['peak_total_mb']:.0f} | {row.get('worker_peak_mb', 0):.0f} | "
            f"{row['page_faults_median'] / 1e3:.0f} | "
            f"{row['other_cores_max']:.2f} | {'yes' if row['all_identical'] else 'NO'} |")
    return "\n".join(lines)


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factor", type=int, default=2,
                        help="mirrored mosaic of factor x factor copies (2: 4x the area)")
    parser.add_argument("--chunk", type=int, default=512, help="chunk side in pixels")
    parser.add_argument("--model", choices=("rf", "cart"), default="rf")
    parser.add_argument("--trees", type=int, default=50, help="trees in the random forest")
    parser.add_argument("--focal-window", type=int, default=3)
    parser.add_argument("--configs", default=None,
                        help=f"comma-separated set-ups from {list(CONFIGS)} (default: "
                             "numpy,1x1,2x1; numpy,1x1 on one CPU)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-limit", default="1GB", help="per worker")
    parser.add_argument("--worker-malloc", choices=list(WORKER_MALLOC), default="glibc",
                        help="glibc (default): the workers keep glibc's defaults, like the "
                             "baseline process (start_cluster(trim_memory=False), as notebook "
                             "08 starts them); dask: dask's MALLOC_TRIM_THRESHOLD_=65536 "
                             "(trim_memory=True); main-arena: glibc's defaults and "
                             "MALLOC_ARENA_MAX=1 (the task thread allocates from the main "
                             "arena, as the baseline does)")
    parser.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                        help="before each run, wait (at most this long) until other programs "
                             "use less than a quarter of a core for 3 s")
    parser.add_argument("--no-core-check", action="store_true",
                        help="skip the 3-second check of how much two cores give here")
    parser.add_argument("--record", type=Path, default=None,
                        help="append this run (all repeats, summary) as one JSON line")
    parser.add_argument("--folder", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child", choices=list(CONFIGS), default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-model", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        warnings.filterwarnings("ignore")
        print(json.dumps(run_child(args)))
        return 0

    from course_lib.simulator.products import study_area_folder

    cpus = available_cpus()
    configs = (args.configs.split(",") if args.configs
               else ["numpy", "1x1", "2x1"] if cpus >= 2 else ["numpy", "1x1"])
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        parser.error(f"unknown set-ups {unknown}; choose from {list(CONFIGS)}")
    folder = Path(args.folder) if args.folder else study_area_folder()
    started = datetime.now(timezone.utc)
    print(f"{uptime()}\n{cpus} CPU(s) available; set-ups {configs}; {args.repeats} repeat(s)")
    if cpus < 2:
        print(scaling.scaling_workload(cpus, factor=args.factor, trees=args.trees).reason)

    begin = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dask_speedup_") as tmp:
        start = time.perf_counter()
        classifier = train_classifier(args.model, args.trees)
        model_path = Path(tmp) / "classifier.pkl"
        model_path.write_bytes(pickle.dumps(classifier))
        size = model_path.stat().st_size
        import rasterio

        with rasterio.open(folder / "s2_pre.tif") as ds:
            rows, cols = ds.height * args.factor, ds.width * args.factor
        print(f"workload: {rows} x {cols} pixels (mosaic x{args.factor}), chunks of "
              f"{args.chunk}; classifier {args.model}"
              f"{f' ({args.trees} trees)' if args.model == 'rf' else ''}, "
              f"{size / 1e3:.0f} kB pickled, trained on {sum(classifier.n_points.values())} "
              f"points in {time.perf_counter() - start:.1f} s; focal mode "
              f"{args.focal_window} x {args.focal_window}")
        cores = None
        if cpus >= 2 and not args.no_core_check:
            cores = two_core_check()
            print(f"two-core check: pure-Python work, one process {cores['alone_s']:.2f} s, "
                  f"two at once {cores['both_s']:.2f} s each: two cores do "
                  f"x{cores['throughput']:.2f} the work of one here (2.00 = two whole cores)")
        runs, reference = [], None
        for repeat in range(args.repeats):
            order = configs[repeat % len(configs):] + configs[:repeat % len(configs)]
            for config in order:   # each set-up takes its turn to go first
                out = Path(tmp) / f"{config}-{repeat}.npy"
                command = [sys.executable, str(Path(__file__).resolve()), "--child", config,
                           "--child-model", str(model_path), "--child-out", str(out),
                           "--folder", str(folder), "--factor", str(args.factor),
                           "--chunk", str(args.chunk), "--focal-window",
                           str(args.focal_window), "--memory-limit", args.memory_limit,
                           "--worker-malloc", args.worker_malloc]
                waited = wait_for_idle(args.wait_idle) if args.wait_idle > 0 else 0.0
                done = subprocess.run(command, check=False, capture_output=True, text=True)
                if done.returncode != 0:
                    print(done.stderr[-3000:], file=sys.stderr)
                    raise SystemExit(f"set-up {config} failed (exit {done.returncode})")
                run = json.loads(done.stdout.strip().splitlines()[-1])
                maps = np.load(out)
                out.unlink()
                if reference is None:
                    reference, run["reference"] = maps, True
                run["check"] = compare(reference, maps)
                run["repeat"], run["waited_s"] = repeat, waited
                runs.append(run)
                extra = (f", start-up {run['startup_s']:.1f} s, workers' peaks "
                         f"{', '.join(f'{m:.0f}' for m in run['worker_peak_mb'])} MB"
                         if "startup_s" in run else "")
                print(f"  repeat {repeat + 1} {config:>5}: {run['wall_s']:6.1f} s, peak "
                      f"{run['peak_total_mb']:.0f} MB in all processes{extra}; others used "
                      f"{run['other_cores']:.2f} cores; {run['page_faults'] / 1e3:.0f} k page "
                      f"faults; identical: {run['check']['identical']}",
                      flush=True)
    landslide = float(np.nansum(reference[2]))
    summary = summarise(runs, configs)
    print()
    print(table(summary))
    print(f"\nlandslide pixels after the clean-up: {landslide:.0f}; "
          f"{uptime()}; total {time.perf_counter() - begin:.0f} s")
    if not all(r["check"]["identical"] for r in runs):
        print("WARNING: some results differ from the first run (see 'check').")
    if args.record:
        record = {"started": started.isoformat(timespec="seconds"), "cpus": cpus,
                  "machine": platform.processor() or platform.machine(),
                  "python": platform.python_version(), "args": {
                      k: v for k, v in vars(args).items()
                      if not k.startswith("child") and k not in ("record", "folder")},
                  "two_core_check": cores, "rows": rows, "cols": cols, "model_kb": size / 1e3,
                  "landslide_pixels": landslide, "summary": summary, "runs": runs}
        with open(args.record, "a") as f:
            f.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
