"""Training points and evaluation subplots, chosen as the paper chose them.

* **Training points** (paper, section 3.2): 18 on landslides and 112 from seven
  non-landslide classes (water, snow/ice, bare rock, agriculture, forest, alpine scrub,
  urban), 16 per class, spread over slope aspects (north, east, south, west), elevations
  and terrain shadow. Non-landslide points keep two pixels away from any landslide.
* **Subplots A-D** (paper, Fig. 2): A on a north-facing slope with several slides (like
  Slåtten), B with many small slides (like Svidalen), C around the large slide near the
  town (like Vassenden), D where deposits spread over farmland (like Årnes). Each is a
  square of about 1.5 km (scaled for smaller worlds), chosen by a score, without overlaps.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from course_lib.simulator.landcover import TRAINING_CLASSES, VEGETATED_CODES
from course_lib.simulator.landslides import DEPOSIT, LandslideSet

N_LANDSLIDE_POINTS = 18
N_POINTS_PER_CLASS = 16
SUBPLOT_TITLES = {
    "A": "north-facing slope (like Slåtten)",
    "B": "small landslides (like Svidalen)",
    "C": "large landslide near the town (like Vassenden)",
    "D": "deposits on farmland (like Årnes)",
}


def _aspect_quadrant(aspect_deg: np.ndarray) -> np.ndarray:
    """0 north, 1 east, 2 south, 3 west, -1 flat."""
    q = (((np.nan_to_num(aspect_deg, nan=-1) + 45) % 360) // 90).astype(int)
    q[np.isnan(aspect_deg)] = -1
    return q


def _spread_sample(idx: np.ndarray, strata: np.ndarray, k: int,
                   rng: np.random.Generator) -> np.ndarray:
    """Pick ``k`` of ``idx`` spread over the stratum labels (round-robin over strata).

    Strata are ``quadrant * 10 + rest``. The round goes through the aspect quadrants fastest
    (N, E, S, W, then the next elevation band / shade), so a class with fewer points than
    strata still gets points on every aspect; in label order (until generator v13) the first
    rounds filled north and east and west-facing slopes got few or none.

    >>> strata = np.array([q * 10 + r for q in range(4) for r in range(6)])
    >>> picked = _spread_sample(np.arange(24), strata, 8, np.random.default_rng(0))
    >>> sorted(np.bincount(strata[picked] // 10, minlength=4).tolist())
    [2, 2, 2, 2]
    """
    if idx.size <= k:
        return idx
    order = sorted(np.unique(strata).tolist(), key=lambda s: (s % 10, s // 10))
    groups = [rng.permutation(idx[strata == s]) for s in order]
    chosen: list[int] = []
    depth = 0
    while len(chosen) < k:
        for g in groups:
            if depth < len(g) and len(chosen) < k:
                chosen.append(int(g[depth]))
        depth += 1
    return np.asarray(chosen)


def training_points(landcover: np.ndarray, slides: LandslideSet, dem: np.ndarray,
                    slope_deg: np.ndarray, aspect_deg: np.ndarray, hillshade: np.ndarray,
                    rng: np.random.Generator, visible: np.ndarray | None = None,
                    usable: np.ndarray | None = None) -> list[dict]:
    """Pixel positions and attributes of the 18 + 112 training points.

    ``visible`` (optional, boolean ``(rows, cols)``) marks where a landslide can be seen in
    the imagery (clear on both dates, NDVI dropped); landslide points prefer those pixels, as
    a person mapping from the images would.

    ``usable`` (optional, boolean ``(rows, cols)``) marks where every change layer has a value
    (Sentinel-2 clear at least once before and after, Sentinel-1 outside layover and radar
    shadow). All points are placed there, so none is NaN in any layer: a person sampling a
    composite in Earth Engine sees no value elsewhere (``sampleRegions`` silently drops such
    points). Snow and ice points therefore lie on firn and dirty ice that the scene
    classification does not flag as snow (clean snow is masked on every date).
    """
    shape = landcover.shape
    ok = np.ones(shape, dtype=bool) if usable is None else np.asarray(usable, dtype=bool)
    ok = ok.ravel()
    quadrant = _aspect_quadrant(aspect_deg).ravel()
    shade = (hillshade < 0.25).ravel()
    elev_band = np.digitize(dem, np.quantile(dem, [0.33, 0.66])).ravel()
    strata = quadrant * 10 + elev_band * 2 + shade
    records: list[dict] = []

    # Landslide points: one per slide, the largest slides first, then more if needed. Like
    # a person clicking on a clear landslide, prefer inner pixels of scars in once-vegetated
    # ground (where vegetation was stripped), falling back to any landslide pixel.
    sizes = [(rec["n_scar_px"] + rec["n_deposit_px"], rec["id"]) for rec in slides.records]
    ids_flat = slides.ids.ravel()
    inner = ndimage.binary_erosion(slides.ids > 0).ravel() & ok
    clear = inner & np.isin(landcover.ravel(), VEGETATED_CODES)
    seen_ids: set[int] = set()
    if visible is not None and (clear & visible.ravel()).any():
        seen = clear & visible.ravel()
        seen_ids = {int(i) for i in np.unique(ids_flat[seen])}
        # Keep the plain preference for slides that are nowhere visible.
        clear = np.where(np.isin(ids_flat, list(seen_ids)), seen, clear)
    picked: list[int] = []
    # Visible slides first, larger first.
    order = sorted(sizes, key=lambda t: (t[1] in seen_ids, t[0]), reverse=True)
    for _, slide_id in order[: N_LANDSLIDE_POINTS]:
        pix = np.flatnonzero((ids_flat == slide_id) & ok)
        if not pix.size:
            continue
        good = pix[clear[pix]]
        picked.append(int(rng.choice(good if good.size else pix)))
    remaining = N_LANDSLIDE_POINTS - len(picked)
    if remaining > 0:
        pool = np.setdiff1d(np.flatnonzero((ids_flat > 0) & ok), picked)
        if pool.size:
            picked += list(rng.choice(pool, size=min(remaining, pool.size), replace=False))
    for p in picked:
        records.append({"class_name": "landslide", "label": 1, "flat_index": int(p)})

    away = ~ndimage.binary_dilation(slides.ids > 0, iterations=2).ravel() & ok
    lc = landcover.ravel()
    shortfall = 0
    for name, codes in TRAINING_CLASSES.items():
        idx = np.flatnonzero(np.isin(lc, codes) & away)
        k = N_POINTS_PER_CLASS
        chosen = _spread_sample(idx, strata[idx], k, rng)
        shortfall += k - chosen.size
        records += [{"class_name": name, "label": 0, "flat_index": int(p)} for p in chosen]
    if shortfall > 0:   # small worlds may lack a class: fill from the biggest classes
        used = {r["flat_index"] for r in records}
        idx = np.setdiff1d(np.flatnonzero(away & (lc > 0)), list(used))
        for p in rng.choice(idx, size=min(shortfall, idx.size), replace=False):
            code = int(lc[p])
            name = next(n for n, codes in TRAINING_CLASSES.items() if code in codes)
            records.append({"class_name": name, "label": 0, "flat_index": int(p)})

    for i, rec in enumerate(records, start=1):
        r, c = divmod(rec.pop("flat_index"), shape[1])
        rec.update(id=i, row=int(r), col=int(c), elevation_m=float(dem[r, c]),
                   slope_deg=float(slope_deg[r, c]), aspect_deg=float(aspect_deg[r, c]),
                   in_shadow=bool(hillshade[r, c] < 0.25))
    return records


def _box_sums(values: np.ndarray, box: int) -> np.ndarray:
    """Sum of ``values`` in every box x box window, indexed by the window's top-left."""
    integral = np.pad(values.astype(np.float64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    return (integral[box:, box:] - integral[:-box, box:] - integral[box:, :-box]
            + integral[:-box, :-box])


def choose_subplots(slides: LandslideSet, landcover: np.ndarray, aspect_deg: np.ndarray,
                    box: int) -> dict[str, tuple[int, int, int, int]]:
    """Subplot windows ``(row0, col0, row1, col1)`` chosen by score, C first, no overlaps."""
    shape = landcover.shape
    box = int(min(box, shape[0] // 2))
    mask = slides.ids > 0
    north = np.cos(np.radians(np.nan_to_num(aspect_deg, nan=90.0))) > 0.5
    small_ids = [rec["id"] for rec in slides.records
                 if rec["n_scar_px"] + rec["n_deposit_px"] <= 40]
    small_init = np.zeros(shape, dtype=np.float64)
    for rec in slides.records:
        if rec["id"] in small_ids:
            small_init[rec["init_row"], rec["init_col"]] = 1.0
    # C: the large slide placed above the town (or, failing that, the largest one).
    big = next((r for r in slides.records if r.get("near_town")), None) or max(
        slides.records, key=lambda r: r["n_scar_px"] + r["n_deposit_px"], default=None)
    big_map = np.zeros(shape)
    if big is not None:
        big_map[slides.ids == big["id"]] = 1.0
    scores = {
        "C": _box_sums(big_map, box) + 0.001 * _box_sums(landcover == 8, box),
        "D": _box_sums((slides.parts == DEPOSIT) & (landcover == 7), box),
        "A": _box_sums(mask & north, box),
        "B": _box_sums(small_init, box) + 0.01 * _box_sums(mask, box),
    }
    taken = np.zeros(shape, dtype=bool)
    windows: dict[str, tuple[int, int, int, int]] = {}
    for name in ("C", "D", "A", "B"):
        score = scores[name].copy()
        # Forbid windows overlapping the ones already chosen.
        overlap = _box_sums(taken, box) > 0
        score[overlap] = -1.0
        r0, c0 = np.unravel_index(int(np.argmax(score)), score.shape)
        windows[name] = (int(r0), int(c0), int(r0 + box), int(c0 + box))
        taken[r0:r0 + box, c0:c0 + box] = True
    return dict(sorted(windows.items()))
