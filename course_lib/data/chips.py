"""Load the learner's own labelled chips (image / mask pairs) and split them.

A *chip* is a small image with a mask of the same size, as exported by labelling tools and
datasets (e.g. Landslide4Sense patches, QGIS or ArcGIS "export training data"). Supported:

* images: PNG or JPEG (8-bit grey, RGB or RGBA; alpha is dropped) and GeoTIFF (any number of
  bands, any dtype; read with rasterio, nodata becomes NaN);
* masks: PNG, JPEG, GeoTIFF with values 0/1 or 0/255 (JPEG masks are compressed lossily, so
  their grey values are thresholded at half the maximum);
* chips of different sizes: smaller than a tile (padded at training and prediction time) up to
  several thousand pixels a side (tiles are cut from them).

An image and its mask are paired by file name: the mask's stem is the image's stem, optionally
followed by ``_mask``, ``-mask``, ``_label``, ``_labels``, ``_gt`` (``slope12.png`` <->
``slope12_mask.png``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
MASK_STEM_SUFFIXES = ("_mask", "-mask", "_label", "_labels", "-label", "_gt")


@dataclass
class Chip:
    """One labelled chip.

    Attributes:
        name: the image's file stem.
        image: float32 ``(rows, cols, bands)``; NaN = nodata.
        mask: uint8 ``(rows, cols)`` 0/1.
        group: region key for a region-aware split (from the name or the coordinates).
        bounds: (left, bottom, right, top) for georeferenced chips, else None.
    """

    name: str
    image: np.ndarray
    mask: np.ndarray
    group: str
    bounds: tuple[float, float, float, float] | None = None


def _read(path: Path) -> tuple[np.ndarray, tuple[float, float, float, float] | None]:
    """Array ``(rows, cols, bands)`` of a file, and its bounds when georeferenced."""
    if path.suffix.lower() in (".tif", ".tiff"):
        import warnings

        import rasterio
        from rasterio.errors import NotGeoreferencedWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            ds = rasterio.open(path)
        with ds:
            data = ds.read().astype(np.float32)
            if ds.nodata is not None:
                data[data == ds.nodata] = np.nan
            bounds = None
            if ds.crs is not None and not ds.transform.is_identity:
                b = ds.bounds
                bounds = (b.left, b.bottom, b.right, b.top)
        return np.moveaxis(data, 0, -1), bounds
    from PIL import Image

    with Image.open(path) as im:
        if im.mode in ("P", "LA", "RGBA", "I;16", "CMYK"):
            im = im.convert("RGB" if im.mode in ("P", "RGBA", "CMYK") else "L")
        arr = np.asarray(im)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return arr.astype(np.float32), None


def _mask_values(raw: np.ndarray, path: Path) -> np.ndarray:
    m = raw[..., 0] if raw.ndim == 3 else raw
    if raw.ndim == 3 and raw.shape[-1] > 1 and not all(
            np.array_equal(raw[..., 0], raw[..., i]) for i in range(1, raw.shape[-1])):
        if path.suffix.lower() not in (".jpg", ".jpeg"):
            raise ValueError(f"mask {path.name} has {raw.shape[-1]} different bands; a mask "
                             "must have one band (or identical grey RGB bands).")
    m = np.nan_to_num(m, nan=0.0)
    values = np.unique(m)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        return (m >= (127.5 if values.max() > 1 else 0.5)).astype(np.uint8)
    if set(values.tolist()) <= {0.0, 1.0}:
        return m.astype(np.uint8)
    if set(values.tolist()) <= {0.0, 255.0}:
        return (m > 0).astype(np.uint8)
    raise ValueError(f"mask {path.name} must hold 0/1 or 0/255; found values "
                     f"{values[:6].tolist()}{' ...' if values.size > 6 else ''}.")


def _group_from_name(stem: str, pattern: str | None) -> str:
    if pattern:
        match = re.search(pattern, stem)
        return match.group(1) if match and match.groups() else (match.group(0) if match
                                                                else stem)
    parts = re.split(r"[_\-\s]+", stem)
    return parts[0] if len(parts) > 1 else stem


def _files(folder: Path, what: str) -> list[Path]:
    if not folder.exists():
        raise FileNotFoundError(f"{what} {str(folder)!r} does not exist.")
    if not folder.is_dir():
        raise NotADirectoryError(f"{what} {str(folder)!r} is not a folder.")
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                  and not p.name.startswith("."))


def _mask_key(stem: str) -> str:
    for suffix in MASK_STEM_SUFFIXES:
        if stem.lower().endswith(suffix):
            return stem[: -len(suffix)]
    return stem


def load_chip_folder(images_dir: str | Path, masks_dir: str | Path, *,
                     group_pattern: str | None = None,
                     group_cell_m: float | None = None) -> list[Chip]:
    """Read every image / mask pair of two folders.

    Args:
        images_dir: folder of images (PNG, JPEG, GeoTIFF).
        masks_dir: folder of masks with matching names (see the module docstring); may be the
            same folder as ``images_dir`` when masks carry a suffix such as ``_mask``.
        group_pattern: optional regular expression whose first group is the chip's region in
            its file name (e.g. ``r"^(\\w+?)_\\d+$"``); default: the part before the first
            ``_`` or ``-`` (a name without one is its own group).
        group_cell_m: for georeferenced chips, group by a grid of this cell size (CRS units)
            instead of by name: neighbouring chips land in one group.

    Returns:
        a list of :class:`Chip`, sorted by name.

    Raises:
        FileNotFoundError: a folder is missing or holds no image files.
        ValueError: an image without a mask (or a mask without an image), a mask of another
            size than its image, chips with different numbers of bands, bad mask values.
    """
    images_dir, masks_dir = Path(images_dir), Path(masks_dir)
    image_files = _files(images_dir, "images_dir")
    mask_files = _files(masks_dir, "masks_dir")
    same = images_dir.resolve() == masks_dir.resolve()
    masks = {}
    for p in mask_files:
        key = _mask_key(p.stem)
        if same and key == p.stem:
            continue  # in a shared folder only suffixed files are masks
        masks.setdefault(key, p)
    if same:
        image_files = [p for p in image_files if _mask_key(p.stem) == p.stem]
    if not image_files:
        raise FileNotFoundError(f"images_dir {str(images_dir)!r} holds no image files "
                                f"({', '.join(IMAGE_SUFFIXES)}).")
    if not masks:
        raise FileNotFoundError(f"masks_dir {str(masks_dir)!r} holds no mask files "
                                f"({', '.join(IMAGE_SUFFIXES)}).")
    stems = {p.stem for p in image_files}
    missing = [p.name for p in image_files if p.stem not in masks]
    if missing:
        raise ValueError(f"{len(missing)} image(s) without a mask in {str(masks_dir)!r}, e.g. "
                         f"{missing[:5]}; a mask must have the image's name, optionally with "
                         f"one of {MASK_STEM_SUFFIXES} (e.g. slide1.png -> slide1_mask.png).")
    orphans = sorted(masks[k].name for k in masks if k not in stems)
    if orphans:
        raise ValueError(f"{len(orphans)} mask(s) without an image in {str(images_dir)!r}, "
                         f"e.g. {orphans[:5]}; remove them or add their images.")
    chips: list[Chip] = []
    for p in image_files:
        image, bounds = _read(p)
        mask_path = masks[p.stem]
        raw_mask, _ = _read(mask_path)
        if raw_mask.shape[:2] != image.shape[:2]:
            raise ValueError(f"mask {mask_path.name} is {raw_mask.shape[0]} x "
                             f"{raw_mask.shape[1]} px but image {p.name} is {image.shape[0]} x "
                             f"{image.shape[1]} px; they must be the same size.")
        mask = _mask_values(raw_mask, mask_path)
        if group_cell_m and bounds is not None:
            cx, cy = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
            group = f"cell_{int(cx // group_cell_m)}_{int(cy // group_cell_m)}"
        else:
            group = _group_from_name(p.stem, group_pattern)
        chips.append(Chip(p.stem, image, mask, group, bounds))
    bands = {c.image.shape[-1] for c in chips}
    if len(bands) > 1:
        by = {b: [c.name for c in chips if c.image.shape[-1] == b][:3] for b in sorted(bands)}
        raise ValueError(f"chips have different numbers of bands: {by}; a model needs the same "
                         "bands in every chip.")
    return chips


def split_chips(chips: Sequence[Chip], *, fractions: tuple[float, float, float] = (0.7, 0.15,
                                                                                   0.15),
                by: str = "random", seed: int = 0) -> dict[str, list[Chip]]:
    """Split chips into train / val / test, at random or by region.

    ``by="random"`` deals chips at random (fine when chips do not overlap and come from one
    region). ``by="group"`` keeps every group (region, see :func:`load_chip_folder`) in one
    set, with scikit-learn's ``GroupShuffleSplit``: the test then measures how well the model
    transfers to a region it never saw, as the paper's "locally vs. globally trained" question
    asks. Each set gets at least one chip (one group) when there are enough.

    Returns:
        ``{"train": [...], "val": [...], "test": [...]}``.
    """
    from sklearn.model_selection import GroupShuffleSplit

    chips = list(chips)
    if len(chips) < 3:
        raise ValueError(f"need at least 3 chips to split into train, val and test; got "
                         f"{len(chips)}.")
    if by not in ("random", "group"):
        raise ValueError(f"by must be 'random' or 'group'; got {by!r}.")
    frac = np.asarray(fractions, dtype=float) / np.sum(fractions)
    groups = np.array([c.group if by == "group" else c.name for c in chips])
    if by == "group" and len(set(groups)) < 3:
        found = sorted(set(groups.tolist()))
        raise ValueError(f"by='group' needs at least 3 groups; found {found}. "
                         "Set group_pattern / group_cell_m in load_chip_folder, or use "
                         "by='random'.")
    idx = np.arange(len(chips))
    outer = GroupShuffleSplit(n_splits=1, test_size=float(frac[2]), random_state=seed)
    rest, test = next(outer.split(idx, groups=groups))
    inner = GroupShuffleSplit(n_splits=1, test_size=float(frac[1] / (frac[0] + frac[1])),
                              random_state=seed)
    tr, va = next(inner.split(rest, groups=groups[rest]))
    out = {"train": [chips[i] for i in rest[tr]], "val": [chips[i] for i in rest[va]],
           "test": [chips[i] for i in test]}
    return out


def write_chip(image: np.ndarray, mask: np.ndarray, images_dir: str | Path,
               masks_dir: str | Path, name: str, fmt: str = "png") -> tuple[Path, Path]:
    """Write one chip as an 8-bit PNG / JPEG pair (image must be uint8) or GeoTIFF pair.

    Used by notebook 05 to make a small chip set from the study area, and by the tests.
    ``fmt="tif"`` writes float32 multi-band GeoTIFFs without georeferencing.
    """
    images_dir, masks_dir = Path(images_dir), Path(masks_dir)
    images_dir.mkdir(parents=True, exist_ok=True)
    masks_dir.mkdir(parents=True, exist_ok=True)
    if fmt in ("png", "jpg"):
        from PIL import Image

        img = np.asarray(image)
        if img.dtype != np.uint8:
            raise ValueError(f"PNG/JPEG chips must be uint8; got {img.dtype} (use fmt='tif').")
        ip = images_dir / f"{name}.{fmt}"
        mp = masks_dir / f"{name}.png"
        Image.fromarray(img.squeeze()).save(ip)
        Image.fromarray((np.asarray(mask) > 0).astype(np.uint8) * 255).save(mp)
        return ip, mp
    if fmt != "tif":
        raise ValueError(f"fmt must be 'png', 'jpg' or 'tif'; got {fmt!r}.")
    import warnings

    import rasterio
    from rasterio.errors import NotGeoreferencedWarning

    warnings.simplefilter("ignore", NotGeoreferencedWarning)
    img = np.asarray(image, dtype=np.float32)
    img = img[:, :, None] if img.ndim == 2 else img
    ip, mp = images_dir / f"{name}.tif", masks_dir / f"{name}.tif"
    with rasterio.open(ip, "w", driver="GTiff", width=img.shape[1], height=img.shape[0],
                       count=img.shape[2], dtype="float32") as ds:
        ds.write(np.moveaxis(img, -1, 0))
    with rasterio.open(mp, "w", driver="GTiff", width=img.shape[1], height=img.shape[0],
                       count=1, dtype="uint8") as ds:
        ds.write((np.asarray(mask) > 0).astype(np.uint8)[None])
    return ip, mp


@dataclass(frozen=True)
class ChipWindow:
    """A square window of a scene to cut a chip from: top-left ``row``, ``col``, ``size``."""

    name: str
    row: int
    col: int
    size: int

    @property
    def slices(self) -> tuple[slice, slice]:
        """The window as an index: ``image[w.slices]`` is the chip."""
        return slice(self.row, self.row + self.size), slice(self.col, self.col + self.size)

    @property
    def group(self) -> str:
        """The region part of the name (what :func:`load_chip_folder` reads back)."""
        return self.name.split("_")[0]


def chip_windows(shape: tuple[int, int], *, sizes: Sequence[int] = (64, 96, 160, 256),
                 n: int = 32, regions: int = 3, seed: int = 0, attempts: int = 200,
                 valid: np.ndarray | None = None,
                 min_valid: float = 0.9) -> list[ChipWindow]:
    """Non-overlapping square windows of mixed sizes, named by the region they lie in.

    Chips cut at random places from one scene overlap each other, and then a random split of
    the chips leaks exactly as a random split of overlapping tiles does (notebook 05): a test
    chip shares pixels with training chips. Here ``n`` sizes are drawn from ``sizes``, the
    largest placed first, and each is put at a random free place (a place no earlier window
    touches and, with ``valid``, where at least ``min_valid`` of the pixels are valid; up to
    ``attempts`` tries, else it is left out, so fewer than ``n`` may come back).
    Each window is named ``r{i}c{j}_{k:03d}`` after the cell of a ``regions`` x ``regions``
    grid that holds its centre, so that ``split_chips(by="group")`` keeps whole regions
    apart.

    Args:
        shape: (rows, cols) of the scene.
        sizes: chip sides to draw from (pixels).
        n: number of windows wanted.
        regions: grid cells per side for the names (``regions ** 2`` groups).
        seed: random seed.
        attempts: random places tried per window.
        valid: optional boolean ``(rows, cols)`` mask of usable pixels (e.g. a clear optical
            view): a chip of mostly nodata teaches nothing.
        min_valid: the share of a window's pixels that must be valid.

    Returns:
        the windows, in the order they were placed.

    >>> w = chip_windows((512, 512), sizes=(64, 128), n=12, seed=1)
    >>> len(w), sorted({x.size for x in w}), w[0].name[:2]
    (12, [64, 128], 'r0')
    """
    rows, cols = shape
    if not sizes or min(sizes) < 1 or max(sizes) > min(rows, cols):
        raise ValueError(f"sizes must be between 1 and the scene's shorter side "
                         f"({min(rows, cols)}); got {tuple(sizes)}.")
    if n < 1 or regions < 1:
        raise ValueError(f"n and regions must be >= 1; got n={n}, regions={regions}.")
    if valid is not None and np.shape(valid) != (rows, cols):
        raise ValueError(f"valid has shape {np.shape(valid)}, the scene {(rows, cols)}.")
    rng = np.random.default_rng(seed)
    taken = np.zeros((rows, cols), bool)
    valid = None if valid is None else np.asarray(valid, bool)
    windows: list[ChipWindow] = []
    for size in sorted((int(s) for s in rng.choice(sizes, n)), reverse=True):
        for _ in range(attempts):
            r, c = int(rng.integers(0, rows - size + 1)), int(rng.integers(0, cols - size + 1))
            window = (slice(r, r + size), slice(c, c + size))
            if valid is not None and valid[window].mean() < min_valid:
                continue
            if not taken[window].any():
                taken[window] = True
                i = min((r + size // 2) * regions // rows, regions - 1)
                j = min((c + size // 2) * regions // cols, regions - 1)
                windows.append(ChipWindow(f"r{i}c{j}_{len(windows):03d}", r, c, size))
                break
    return windows
