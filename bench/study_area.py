"""Benchmark of the simulated study area: generation time, memory, cache size, paper check.

Run on one core, as on Binder::

    taskset -c 0 .venv/bin/python bench/study_area.py          # writes bench/study_area.md

It generates the default world into a fresh temporary cache folder (so nothing is reused),
in a child process whose wall time and peak resident memory are measured; then it times
reading the products and writes the difficulty table of ``bench/difficulty.py`` (single
layers, CART, pixel random forests on the 13 change layers) next to the paper's Table 4.
The machine's load average is recorded with the timings: on a shared machine they are
inflated by contention.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

OUT = REPO / "bench" / "study_area.md"


PEAK = ("\nimport resource\nu = resource.getrusage(resource.RUSAGE_SELF)\n"
        "print('CPU_S', u.ru_utime + u.ru_stime)\n"
        "print('PEAK_RSS_KB', u.ru_maxrss)")


CPU_SECONDS: dict[str, float] = {}


def run_child(code: str, env: dict, name: str = "") -> tuple[float, float, str]:
    """Run ``python -c code``; return wall seconds, the child's peak RSS in MB and stdout.

    The child's CPU time (user + system) is kept in ``CPU_SECONDS[name]``: unlike the wall
    time it hardly grows when other processes share the cores.
    """
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code + PEAK], env=env, capture_output=True,
                          text=True, cwd=REPO, check=True)
    seconds = time.perf_counter() - t0
    lines = proc.stdout.strip().splitlines()
    peak_kb = int(lines[-1].split()[1])
    CPU_SECONDS[name] = float(lines[-2].split()[1])
    return seconds, peak_kb / 1024, "\n".join(lines[:-2])


def main() -> None:
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    tmp = Path(tempfile.mkdtemp(prefix="study-area-bench-"))
    env = {**os.environ, "COURSE_CACHE_DIR": str(tmp), "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    gen_code = ("from course_lib.simulator import load_study_area\n"
                "a = load_study_area(progress=False); print(a.folder)")
    gen_s, gen_mb, out = run_child(gen_code, env, "generation")
    folder = Path(out.strip().splitlines()[-1])
    small_s, _, _ = run_child(
        "from course_lib.simulator import StudyAreaParams, generate_in_memory\n"
        "generate_in_memory(StudyAreaParams(size=256, n_landslides=15))", env)
    load_code = (
        "import time\nfrom course_lib.simulator import load_study_area\n"
        "a = load_study_area(progress=False)\n"
        "for n in ['dem','landcover','s2_pre','s2_post','s2_post_scl','s2_post_cloudprob',"
        "'s1_asc_pre','s1_asc_post','s1_desc_pre','s1_desc_post','landslides',"
        "'training_points']:\n"
        "    t = time.perf_counter(); a[n]; print(n, round(time.perf_counter() - t, 3))")
    load_s, load_mb, load_out = run_child(load_code, env)
    load_times = [line.split() for line in load_out.strip().splitlines()]
    sizes = sorted(((p.stat().st_size, p.name) for p in folder.iterdir()), reverse=True)
    total_mb = sum(s for s, _ in sizes) / 1e6

    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    os.environ["COURSE_CACHE_DIR"] = str(tmp)
    sys.path.insert(0, str(REPO / "bench"))
    from difficulty import difficulty, table_lines
    from scipy import ndimage

    from course_lib.simulator import CHANGE_CLASSES, LANDCOVER_CLASSES, load_study_area

    area = load_study_area(progress=False)
    t0 = time.perf_counter()
    hard = difficulty(area)
    hard_s = time.perf_counter() - t0
    slides = area["landslides"]
    meta = area.metadata
    lc = area["landcover"].data[0]
    big = slides[slides.near_town].iloc[0] if slides.near_town.any() else slides.loc[
        slides.area_m2.idxmax()]
    ids = area["landslide_id"].data[0]
    touches_town = bool((lc[ndimage.binary_dilation(ids == int(big.id))] == 8).any())
    parts = area["landslide_parts"].data[0]
    sub = area["subplots"].set_index("name")
    r0, c0, r1, c1 = (int(v) for v in sub.loc["D", ["row0", "col0", "row1", "col1"]])
    farm_deposit_d = int(((parts[r0:r1, c0:c1] == 2) & (lc[r0:r1, c0:c1] == 7)).sum())

    scl_rows = []
    for period in ("pre", "post"):
        scl = area[f"s2_{period}_scl"].data[:, 0]
        truth = area[f"s2_{period}_truth"].data
        for t, date in enumerate(area[f"s2_{period}"].dates):
            cloud, flag = truth[t, 0].astype(bool), np.isin(scl[t], (8, 9, 10))
            false, shadow = flag & ~cloud, truth[t, 1].astype(bool)
            missed = f"{(cloud & ~flag).sum() / cloud.sum():.0%}" if cloud.any() else "-"
            on_rock = np.isin(lc[false], (2, 3)).mean() if false.any() else 0.0
            found = (f"{((scl[t] == 3) & shadow).sum() / shadow.sum():.0%}" if shadow.any()
                     else "-")
            scl_rows.append(f"| {date} | {cloud.mean():.0%} | {missed} | {false.mean():.2%}; "
                            f"{on_rock:.0%} | {found} |")
    lines = [
        "# Study area benchmark",
        "",
        f"Generated by `bench/study_area.py` ({platform.python_version()}, "
        f"{platform.machine()}, CPU cores allowed: {cores}). Run it with "
        "`taskset -c 0 .venv/bin/python bench/study_area.py` to measure one core, as on "
        "Binder. Load average (1 min) before / after generating: "
        f"{load_before:.1f} / {load_after:.1f} (above 1, other processes inflate the "
        "timings).",
        "",
        "## Generation of the default world (1024 x 1024, 10 m, 120 landslides)",
        "",
        "| what | value |",
        "|---|---|",
        f"| generation, fresh cache, wall time (incl. Python start-up) | {gen_s:.1f} s |",
        f"| generation, CPU time (user + system; robust to contention) | "
        f"{CPU_SECONDS['generation']:.1f} s |",
        f"| generation, peak resident memory | {gen_mb:.0f} MB |",
        f"| a small world in memory (256 x 256, 15 landslides; the widget) | {small_s:.1f} s |",
        f"| cache size on disk | {total_mb:.1f} MB in {len(sizes)} files |",
        f"| reading 12 main products in a fresh process, wall time / peak memory | "
        f"{load_s:.1f} s / {load_mb:.0f} MB |",
        "",
        "Largest files: " + ", ".join(f"{n} {s / 1e6:.1f} MB" for s, n in sizes[:6]) + ".",
        "",
        "Read times (s): " + ", ".join(f"{n} {t}" for n, t in load_times) + ".",
        "",
        "## The world",
        "",
        f"- Landslides: {len(slides)} ({(slides['type'] == 'debris flow').sum()} debris flows, "
        f"{(slides['type'] == 'debris slide').sum()} debris slides), "
        f"{meta['landslide_pixel_fraction']:.2%} of the pixels; area (m2) min "
        f"{slides.area_m2.min():.0f}, median {slides.area_m2.median():.0f}, max "
        f"{slides.area_m2.max():.0f}; {int(slides.reaches_agriculture.sum())} reach farmland, "
        f"{int(slides.reaches_road.sum())} a road (the road authority reported 14); run-out "
        f"median {slides.runout_m.median():.0f} m, max {slides.runout_m.max():.0f} m; travel "
        f"angle {slides.travel_angle_deg.min():.0f}-{slides.travel_angle_deg.max():.0f} "
        f"degrees; per subplot "
        + ", ".join(f"{k}: {v}" for k, v in
                    slides[slides.subplot != ""].subplot.value_counts().sort_index().items())
        + ".",
        f"- The large slide near the town: {big.area_m2:.0f} m2, run-out {big.runout_m:.0f} m, "
        f"reaches a road: {bool(big.reaches_road)}, touches the town: {touches_town}; "
        f"subplot D has {farm_deposit_d} deposit pixels on farmland.",
        "- Other changes between the dates (pixels): " + ", ".join(
            f"{name} {meta['other_changes'][name]}" for name in list(CHANGE_CLASSES.values())[1:])
        + ".",
        "- Land cover: " + ", ".join(f"{name} {np.mean(lc == code):.1%}"
                                     for code, name in LANDCOVER_CLASSES.items()) + ".",
        "- Sentinel-2 true cloud fraction per date: pre "
        + ", ".join(f"{d} {c:.0%}" for d, c in zip(meta["s2"]["pre"]["dates"],
                                                  meta["s2"]["pre"]["cloud_fraction_true"]))
        + "; post " + ", ".join(f"{d} {c:.0%}" for d, c in zip(
            meta["s2"]["post"]["dates"], meta["s2"]["post"]["cloud_fraction_true"])) + ".",
        "- Sentinel-1 layover / radar shadow fraction: ascending "
        f"{meta['s1']['s1_asc_pre']['layover_fraction']:.1%} / "
        f"{meta['s1']['s1_asc_pre']['shadow_fraction']:.1%}, descending "
        f"{meta['s1']['s1_desc_pre']['layover_fraction']:.1%} / "
        f"{meta['s1']['s1_desc_pre']['shadow_fraction']:.1%}.",
        "",
        "How imperfect the simulated SCL is, against the true masks (`s2_*_truth`; cloud = "
        "opacity > 0.1 or cirrus):",
        "",
        "| date | true cloud | SCL misses (of true cloud) | SCL false cloud (of all "
        "pixels; share on rock/snow) | SCL finds true shadow |",
        "|---|---|---|---|---|",
        *scl_rows,
        "",
        "## How hard is the world? (difficulty table)",
        "",
        "On the 13 change layers of the paper's Table 1 (`course_lib.pipeline.layers`: greenest-pixel "
        "composites, slope-corrected Sentinel-1 medians, ascending and descending averaged), "
        "judged on the pixels valid in all 13 layers. Methods as described in "
        f"`bench/difficulty.py` ({hard_s:.0f} s):",
        "",
        *table_lines(hard),
    ]
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
