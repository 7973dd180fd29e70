"""Landslide4Sense (Ghorbanzadeh et al. 2022): read its HDF5 patches, normalise, download a subset.

The dataset (IEEE TGRS 60:4417516, arXiv 2206.00515; Zenodo record 10463239, CC BY 4.0) holds
128 x 128 pixel patches from four landslide events (Iburi, Kodagu, Gorkha, Taiwan), each a
composite of **14 bands**: Sentinel-2 B1-B12 (12 bands, *without* B8A), ALOS PALSAR slope and
DEM, all resampled to about 10 m. Each image is an HDF5 file ``image_N.h5`` with one dataset
``img`` shaped ``(128, 128, 14)`` (band-last); its label is ``mask_N.h5`` with a dataset
``mask`` shaped ``(128, 128)``, 1 = landslide. Splits: 3799 training, 245 validation and 800
test patches; the Zenodo record publishes masks for the training split only, and an MD5
checksum for ``TrainData.zip``.

The values are not reflectances: the authors rescaled every band before release. Their own
data loader standardises each band with a fixed mean and standard deviation
(:data:`BAND_MEANS`, :data:`BAND_STDS`; iarai/Landslide4Sense-2022, ``dataset/
landslide_dataset.py``: ``(x - mean) / std`` per band). :func:`normalise` ports that idea.

Downloading: the training archive is 2.5 GB, too big for Binder. :func:`download_subset` reads
only the archive's table of contents and the chosen members over HTTP range requests, each
member fetched through :func:`pooch.retrieve` into the course cache; the zip's own CRC-32 of
every member is checked on reading, and the SHA-256 of each file is recorded in a registry
beside it and checked again on every later load. :func:`download_archive` fetches a whole
archive through pooch with the MD5 Zenodo publishes (where it publishes one).

The course's real subset: :func:`fetch_course_subset` (``./course data``, and Binder's build)
fetches a fixed subset of the training split (:data:`COURSE_SUBSET_SIZE` patches chosen by
:data:`COURSE_SUBSET_RULE`, about 90 MB on disk) with its licence and citation
(:data:`LICENCE_FILE`) and a manifest of every file's SHA-256 (:data:`MANIFEST`), written last
before the folder is renamed into place, so a half-fetched subset is never taken for complete.
:func:`course_subset` returns it, checked, or None with how to fetch it.

Made-up patches: :func:`write_example_patches` writes patches in the real format for tests
and offline use, and marks every file with the HDF5 attribute :data:`MADE_UP_ATTRIBUTE`.
:func:`load_patches` reports them (``Patches.made_up``) and refuses a folder that mixes
made-up and real patches, :func:`download_subset` refuses to download into a folder of
made-up patches, and :func:`write_example_patches` never writes over a real patch (nor into a
folder holding other files unless ``overwrite=True``), so made-up data cannot pass for real.

Examples:
    >>> import tempfile
    >>> folder = write_example_patches(tempfile.mkdtemp(), n=3, seed=1)
    >>> patches = load_patches(folder)
    >>> patches.images.shape, patches.masks.shape, patches.band_names[-3:], patches.made_up
    ((3, 128, 128, 14), (3, 128, 128), ('B12', 'slope', 'DEM'), True)
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import urlparse

import numpy as np

from course_lib import validation
from course_lib.data.atomic import atomic_write
from course_lib.data.chips import Chip
from course_lib.validation import CorruptFileError, describe, expected_message

#: The 14 bands of a patch, in file order: Sentinel-2 B1-B12 without B8A, then slope and DEM.
BAND_NAMES: tuple[str, ...] = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B09",
                               "B10", "B11", "B12", "slope", "DEM")
#: Per-band means and standard deviations the authors standardise with (iarai/
#: Landslide4Sense-2022, dataset/landslide_dataset.py), in :data:`BAND_NAMES` order.
BAND_MEANS = np.array([-0.4914, -0.3074, -0.1277, -0.0625, 0.0439, 0.0803, 0.0644, 0.0802,
                       0.3000, 0.4082, 0.0823, 0.0516, 0.3338, 0.7819], dtype=np.float32)
BAND_STDS = np.array([0.9325, 0.8775, 0.8860, 0.8869, 0.8857, 0.8418, 0.8354, 0.8491,
                      0.9061, 1.6072, 0.8848, 0.9232, 0.9018, 1.2913], dtype=np.float32)
PATCH_SIZE = 128

ZENODO_RECORD = "10463239"
ZENODO_URL = "https://zenodo.org/api/records/10463239/files/{name}/content"
#: The archives of the record and the checksums it publishes (None: not published).
ARCHIVES = {"train": ("TrainData.zip", "md5:408f09247e3dd256458bc2f6e9edbffb"),
            "validation": ("ValidData.zip", None),
            "test": ("TestData.zip", None)}
#: Patches per split (Ghorbanzadeh et al. 2022).
SPLIT_SIZES = {"train": 3799, "validation": 245, "test": 800}
REGISTRY = "registry.json"

#: HDF5 attribute marking a patch written by :func:`write_example_patches` (not real data).
MADE_UP_ATTRIBUTE = "course_lib_made_up"
MADE_UP_NOTE = ("made-up patch in the Landslide4Sense format, written by "
                "course_lib.data.landslide4sense.write_example_patches: not real data, never "
                "score a model on it as if it were")

_IMAGE_RE = re.compile(r"(?:^|/)image_(\d+)\.h5$")
_MASK_RE = re.compile(r"(?:^|/)mask_(\d+)\.h5$")


@dataclass
class Patches:
    """A stack of Landslide4Sense patches.

    Attributes:
        images: float32 ``(N, 128, 128, bands)``, band-last as stored (and as Keras wants).
        masks: uint8 ``(N, 128, 128)``, 1 = landslide; None for unlabelled splits.
        names: the patch file stems, e.g. ``image_17``.
        band_names: one name per band (default :data:`BAND_NAMES`).
        normalised: True once :func:`normalise` was applied.
        made_up: True for patches of :func:`write_example_patches` (not real data).
    """

    images: np.ndarray
    masks: np.ndarray | None
    names: tuple[str, ...]
    band_names: tuple[str, ...] = BAND_NAMES
    normalised: bool = False
    made_up: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.images, np.ndarray):
            raise TypeError(expected_message("images", "a numpy array (N, rows, cols, bands)",
                                             self.images, "e.g. np.stack(list_of_patches)."))
        for field_name in ("names", "band_names"):
            if isinstance(getattr(self, field_name), str):
                raise TypeError(f"{field_name} must be a list of names; got the string "
                                f"{getattr(self, field_name)!r}. E.g. ['image_1'].")
        self.names, self.band_names = tuple(self.names), tuple(self.band_names)
        if self.images.ndim != 4 or self.images.shape[-1] != len(self.band_names):
            raise ValueError(f"images must be (N, rows, cols, {len(self.band_names)}) for bands "
                             f"{self.band_names}; got shape {self.images.shape}.")
        if self.masks is not None:
            self.masks = np.asarray(self.masks)
            if self.masks.shape != self.images.shape[:3]:
                raise ValueError(f"masks of shape {self.masks.shape} do not match images "
                                 f"{self.images.shape[:3]}.")
            if not np.isin(np.unique(self.masks), (0, 1)).all():
                raise ValueError(f"masks must hold 0 and 1 (1 = landslide); got values "
                                 f"{np.unique(self.masks)[:5].tolist()}. A 0/255 mask: "
                                 "(masks > 0).astype(np.uint8).")
        if len(self.names) != len(self.images):
            raise ValueError(f"{len(self.names)} names for {len(self.images)} patches.")

    def __len__(self) -> int:
        return len(self.images)

    def band(self, name: str) -> np.ndarray:
        """One band of every patch, ``(N, 128, 128)``."""
        if not isinstance(name, str):
            raise TypeError(f"name must be a band name such as 'B04' (one of "
                            f"{list(self.band_names)}); got {describe(name)}.")
        if name not in self.band_names:
            raise KeyError(f"No band {name!r}; these patches have {list(self.band_names)}.")
        return self.images[..., self.band_names.index(name)]

    def select(self, names: Sequence[str]) -> "Patches":
        """The same patches with only the named bands, in that order (one name: one band)."""
        names = [names] if isinstance(names, str) else list(names)
        missing = [n for n in names if n not in self.band_names]
        if missing:
            raise KeyError(f"No bands {missing}; these patches have {list(self.band_names)}.")
        index = [self.band_names.index(n) for n in names]
        return replace(self, images=self.images[..., index], band_names=tuple(names))

    def landslide_fraction(self) -> float:
        """Share of landslide pixels over all patches (NaN when unlabelled)."""
        return float("nan") if self.masks is None else float(self.masks.mean())


def normalise(images: np.ndarray, band_names: Sequence[str] = BAND_NAMES) -> np.ndarray:
    """Standardise each band with the authors' mean and standard deviation.

    ``(x - mean[band]) / std[band]`` with :data:`BAND_MEANS` and :data:`BAND_STDS` (ported from
    the idea of iarai/Landslide4Sense-2022's data loader), for band-last arrays of any leading
    shape. ``band_names`` says which of the 14 bands the last axis holds.

    >>> x = np.tile(BAND_MEANS, (2, 2, 1))
    >>> float(np.abs(normalise(x)).max())
    0.0
    """
    images = validation.as_array(images, "images", min_ndim=1,
                                 fix="Band-last patches (..., rows, cols, bands).")
    images = images.astype(np.float32, copy=False)
    band_names = [band_names] if isinstance(band_names, str) else list(band_names)
    unknown = [b for b in band_names if b not in BAND_NAMES]
    if unknown:
        raise ValueError(f"No published statistics for bands {unknown}; the Landslide4Sense "
                         f"bands are {BAND_NAMES}.")
    if images.shape[-1] != len(band_names):
        first = images.ndim >= 3 and len(band_names) in images.shape[:-1]
        raise ValueError(f"The last axis has {images.shape[-1]} bands but band_names names "
                         f"{len(band_names)}; pass band-last arrays (..., rows, cols, bands)"
                         + (": these look bands-first, use np.moveaxis(images, 1, -1)."
                            if first else "."))
    index = [BAND_NAMES.index(b) for b in band_names]
    return (images - BAND_MEANS[index]) / BAND_STDS[index]


def normalise_patches(patches: Patches) -> Patches:
    """A copy of ``patches`` standardised with :func:`normalise` (refuses to do it twice)."""
    _check_patches(patches)
    if patches.normalised:
        raise ValueError("These patches are already normalised.")
    return replace(patches, images=normalise(patches.images, patches.band_names),
                   normalised=True)


def _check_patches(patches: object) -> None:
    if not isinstance(patches, Patches):
        raise TypeError(expected_message("patches", "a Patches object", patches,
                                         "Read them with load_patches(folder)."))


# ----------------------------------------------------------------------------- reading files
def _open_h5(path: Path):
    import h5py

    try:
        return h5py.File(path, "r")
    except OSError as err:
        raise CorruptFileError(f"{path} is not a readable HDF5 file ({err}): a damaged download "
                               "or another format. Delete it and download it again.") from err


def _read_h5(path: Path, key: str) -> np.ndarray:
    path = validation.check_path(path, "path", must_exist=True)
    with _open_h5(path) as f:
        if key not in f:
            raise KeyError(f"{path} has no dataset {key!r} (it has {list(f.keys())}); "
                           f"Landslide4Sense images use 'img' and masks 'mask'.")
        return f[key][()]


def is_made_up(path: str | os.PathLike) -> bool:
    """True if the HDF5 file carries :data:`MADE_UP_ATTRIBUTE` (a made-up example patch)."""
    path = validation.check_path(path, "path", must_exist=True)
    with _open_h5(path) as f:
        return MADE_UP_ATTRIBUTE in f.attrs


def read_image(path: str | os.PathLike) -> np.ndarray:
    """One image patch as float32 ``(128, 128, 14)``, checked against the published format."""
    data = np.asarray(_read_h5(path, "img"), dtype=np.float32)
    if data.ndim != 3 or data.shape[-1] != len(BAND_NAMES):
        raise ValueError(f"{path}: 'img' has shape {data.shape}; Landslide4Sense images are "
                         f"(128, 128, 14) with bands {BAND_NAMES}.")
    return data


def read_mask(path: str | os.PathLike) -> np.ndarray:
    """One mask patch as uint8 ``(128, 128)`` of 0 and 1."""
    data = np.asarray(_read_h5(path, "mask"))
    if data.ndim != 2:
        raise ValueError(f"{path}: 'mask' has shape {data.shape}; expected (rows, cols).")
    values = np.unique(data)
    if not np.isin(values, (0, 1)).all():
        raise ValueError(f"{path}: mask values {values.tolist()}; expected 0 and 1.")
    return data.astype(np.uint8)


def _index_of(path: Path, pattern: re.Pattern) -> int | None:
    match = pattern.search(path.as_posix())
    return int(match.group(1)) if match else None


def find_pairs(folder: str | os.PathLike) -> list[tuple[Path, Path | None]]:
    """``(image, mask or None)`` paths under ``folder`` (searched recursively), by patch number."""
    folder = validation.check_path(folder, "folder")
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of Landslide4Sense patches.")
    images = {_index_of(p, _IMAGE_RE): p for p in folder.rglob("image_*.h5")}
    masks = {_index_of(p, _MASK_RE): p for p in folder.rglob("mask_*.h5")}
    images.pop(None, None)
    if not images:
        raise FileNotFoundError(f"No image_N.h5 files under {folder}.")
    return [(images[i], masks.get(i)) for i in sorted(images)]


def load_patches(folder: str | os.PathLike, limit: int | None = None,
                 require_masks: bool = True, verify: bool = True) -> Patches:
    """Read the patches under ``folder`` (``image_N.h5`` with ``mask_N.h5``), sorted by N.

    Args:
        folder: a folder written by :func:`download_subset` or an unpacked archive.
        limit: read at most this many patches.
        require_masks: raise if an image has no mask (False: ``masks`` is None when no image
            has one, as for the unlabelled validation and test splits).
        verify: check each file's SHA-256 against the folder's registry, when there is one.

    Returns:
        :class:`Patches`; ``made_up`` is True when they are :func:`write_example_patches`'s
        (a folder mixing made-up and real patches is refused).
    """
    if limit is not None:
        limit = validation.check_integer(limit, "limit", minimum=1,
                                         fix="None reads every patch.")
    pairs = find_pairs(folder)[:limit]
    if verify:
        verify_registry(folder)
    missing = [img.name for img, mask in pairs if mask is None]
    if missing and (require_masks or len(missing) < len(pairs)):
        raise FileNotFoundError(f"No mask for {missing[:5]}{'...' if len(missing) > 5 else ''} "
                                f"in {folder}; pass require_masks=False for unlabelled splits.")
    made_up = {path.name: is_made_up(path) for pair in pairs for path in pair if path}
    if len(set(made_up.values())) > 1:
        fake = sorted(n for n, m in made_up.items() if m)
        raise ValueError(f"{folder} mixes made-up patches (e.g. {fake[:3]}, written by "
                         "write_example_patches) with real ones: scores on such a set would "
                         "pass made-up data for real. Keep them in separate folders.")
    images = np.stack([read_image(img) for img, _ in pairs])
    masks = None if missing else np.stack([read_mask(mask) for _, mask in pairs])
    return Patches(images=images, masks=masks, names=tuple(img.stem for img, _ in pairs),
                   made_up=any(made_up.values()))


def training_arrays(patches: Patches, bands: Sequence[str] | None = None,
                    normalise_bands: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` for a Keras segmentation model: x float32 ``(N, 128, 128, C)``, y float32
    ``(N, 128, 128, 1)`` of 0/1, standardised with the authors' statistics unless told not to.
    """
    _check_patches(patches)
    if patches.masks is None:
        raise ValueError("These patches have no masks (an unlabelled split); training needs "
                         "the training split.")
    chosen = patches.select(bands) if bands else patches
    x = chosen.images if (chosen.normalised or not normalise_bands) else \
        normalise(chosen.images, chosen.band_names)
    return x.astype(np.float32), patches.masks[..., None].astype(np.float32)


# ----------------------------------------------------------------------------- writing files
def _write_h5(path: Path, key: str, data: np.ndarray, *, overwrite: bool = False,
              made_up: bool = False) -> None:
    """Write one dataset atomically (:func:`~course_lib.data.atomic.atomic_write`)."""
    import h5py

    with atomic_write(path, overwrite=overwrite, suffix=".h5") as tmp:
        with h5py.File(tmp, "w") as f:
            f.create_dataset(key, data=data)
            if made_up:
                f.attrs[MADE_UP_ATTRIBUTE] = MADE_UP_NOTE


def write_example_patches(folder: str | os.PathLike, n: int = 8, seed: int = 2019,
                          size: int = PATCH_SIZE, *, overwrite: bool = False) -> Path:
    """Write ``n`` **made-up** patches in the Landslide4Sense file format (for tests and offline).

    ``folder/img/image_N.h5`` (``img``: float64 ``(size, size, 14)``, values spread like the
    normalised published statistics) and ``folder/mask/mask_N.h5`` (``mask``: uint8, one
    elongated landslide per patch, darker in the visible bands and brighter in B12). Nothing
    here is real data; it only has the real format, and every file carries the attribute
    :data:`MADE_UP_ATTRIBUTE` so it is never taken for real.

    Args:
        folder: an empty (or new) folder.
        n: number of patches.
        seed: random seed.
        size: rows = columns of each patch (at least 16).
        overwrite: write into a folder that holds other files, replacing earlier made-up
            patches of the same names. A real patch (a file without the made-up mark) is
            never replaced.

    Raises:
        FileExistsError: the folder holds other files and ``overwrite`` is False, or a real
            patch has one of the names to write.
    """
    folder = validation.check_path(folder, "folder")
    n = validation.check_integer(n, "n", minimum=1)
    size = validation.check_integer(size, "size", minimum=16,
                                    fix=f"Real patches are {PATCH_SIZE} x {PATCH_SIZE}.")
    validation.check_integer(seed, "seed", minimum=0)
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"folder: {folder} is a file, not a folder. Pass a new or empty "
                              "folder, e.g. Path(tempfile.mkdtemp()).")
    targets = [folder / sub / f"{kind}_{i}.h5" for i in range(1, n + 1)
               for sub, kind in (("img", "image"), ("mask", "mask"))]
    real = [t for t in targets if t.exists() and not _made_up_file(t)]
    if real:
        raise FileExistsError(
            f"{folder} holds real (or unmarked) patches with the names to write, e.g. "
            f"{real[0].relative_to(folder)}: made-up patches never replace them, even with "
            "overwrite=True. Write the examples into a new, empty folder.")
    others = [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
    if others and not overwrite:
        raise FileExistsError(
            f"folder {folder} is not empty ({len(others)} files, e.g. "
            f"{others[0].relative_to(folder)}); nothing was written. Write the made-up patches "
            "into a new, empty folder, or pass overwrite=True to replace earlier made-up ones.")
    (folder / "img").mkdir(parents=True, exist_ok=True)
    (folder / "mask").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[:size, :size]
    for i in range(1, n + 1):
        image = BAND_MEANS + BAND_STDS * rng.normal(0, 0.3, (size, size, len(BAND_NAMES)))
        r0, c0 = rng.integers(size // 4, 3 * size // 4, 2)
        angle = rng.uniform(0, np.pi)
        along = (rows - r0) * np.cos(angle) + (cols - c0) * np.sin(angle)
        across = -(rows - r0) * np.sin(angle) + (cols - c0) * np.cos(angle)
        mask = ((along / (size / 4)) ** 2 + (across / (size / 16)) ** 2 <= 1).astype(np.uint8)
        image[mask == 1, 1:8] -= 0.8 * BAND_STDS[1:8]          # bare soil: less vegetation
        image[mask == 1, 11] += 0.8 * BAND_STDS[11]
        _write_h5(folder / "img" / f"image_{i}.h5", "img", image.astype(np.float64),
                  overwrite=True, made_up=True)
        _write_h5(folder / "mask" / f"mask_{i}.h5", "mask", mask, overwrite=True, made_up=True)
    return folder


def _made_up_file(path: Path) -> bool:
    """True for a readable HDF5 file with the made-up mark (an unreadable one counts as real)."""
    try:
        return is_made_up(path)
    except (OSError, KeyError):
        return False


# ----------------------------------------------------------------------------- checksums
def sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file."""
    path = validation.check_path(path, "path", must_exist=True)
    if not path.is_file():
        raise IsADirectoryError(f"path: {path} is a folder; sha256 needs a file.")
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_registry(folder: Path) -> dict[str, dict]:
    path = folder / REGISTRY
    if not path.exists():
        return {}
    try:
        registry = json.loads(path.read_text())
        if not isinstance(registry, dict) or not all(
                isinstance(v, dict) and "sha256" in v for v in registry.values()):
            raise ValueError("not a table of files and their sha256")
    except ValueError as err:
        raise CorruptFileError(f"{path} is damaged ({err}). Delete it: the next "
                               "download_subset into this folder writes a new one.") from err
    return registry


def _write_registry(folder: Path, registry: dict[str, dict]) -> None:
    with atomic_write(folder / REGISTRY, overwrite=True, suffix=".json") as tmp:
        tmp.write_text(json.dumps(registry, indent=1, sort_keys=True))


def verify_registry(folder: str | os.PathLike) -> int:
    """Check every file listed in ``folder/registry.json`` against its SHA-256.

    Returns the number of files checked (0 without a registry). Raises ``ValueError`` naming
    the corrupt files and how to fix it (delete them and download again).
    """
    folder = validation.check_path(folder, "folder", must_exist=True)
    registry = _read_registry(folder)
    bad = [name for name, entry in registry.items()
           if (folder / name).exists() and sha256(folder / name) != entry["sha256"]]
    if bad:
        raise ValueError(f"Checksum mismatch for {bad} in {folder}: the files changed since "
                         "they were downloaded. Delete them and run download_subset again.")
    return len(registry)


# ----------------------------------------------------------------------------- downloading
class HTTPRangeFile(io.RawIOBase):
    """A read-only, seekable file over HTTP range requests (enough for :mod:`zipfile`).

    Only the bytes asked for travel: reading a zip's table of contents and a few members of
    a 2.5 GB archive costs a few megabytes.
    """

    def __init__(self, url: str, session=None, timeout: float = 60.0) -> None:
        import requests

        if not isinstance(url, str) or urlparse(url).scheme not in ("http", "https"):
            raise ValueError(expected_message("url", "an http(s) URL", url,
                                              "e.g. the Zenodo record's file URL."))
        self.url, self.timeout = url, timeout
        self.session = session or requests.Session()
        # One byte, to learn the size from Content-Range (works where HEAD is not allowed).
        first = self.session.get(url, headers={"Range": "bytes=0-0"}, allow_redirects=True,
                                 timeout=timeout, stream=True)
        first.raise_for_status()
        total = first.headers.get("Content-Range", "").rpartition("/")[2]
        first.close()
        if first.status_code != 206 or not total.isdigit():
            raise OSError(f"{url} does not accept range requests; use download_archive() to "
                          "fetch the whole archive instead.")
        self.url = first.url  # follow redirects once
        self.size = int(total)
        self.position = 0
        self.requests_made = 0
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer) -> int:
        if self.position >= self.size or len(buffer) == 0:
            return 0
        end = min(self.position + len(buffer), self.size) - 1
        response = self.session.get(self.url, headers={"Range": f"bytes={self.position}-{end}"},
                                    timeout=self.timeout)
        response.raise_for_status()
        if response.status_code != 206:
            raise OSError(f"{self.url} ignored the range request (HTTP {response.status_code}).")
        data = response.content
        buffer[:len(data)] = data
        self.position += len(data)
        self.requests_made += 1
        self.bytes_read += len(data)
        return len(data)


def _open_archive(url: str) -> zipfile.ZipFile:
    """A ZipFile over a local path, a ``file://`` URL or an HTTP(S) URL (range requests)."""
    parsed = urlparse(url)
    if parsed.scheme in ("", "file"):
        local = Path(parsed.path if parsed.scheme else url)
        if not local.is_file():
            raise FileNotFoundError(f"url: {local} does not exist (a local archive was given).")
        try:
            return zipfile.ZipFile(local)
        except zipfile.BadZipFile as err:
            raise ValueError(f"url: {local} is not a zip archive ({err}); pass the "
                             "Landslide4Sense archive, e.g. TrainData.zip.") from err
    raw = HTTPRangeFile(url)
    return zipfile.ZipFile(io.BufferedReader(raw, buffer_size=1 << 20))


def _check_online(url: str, what: str) -> None:
    from course_lib.data.online import require_network

    parsed = urlparse(url)
    if parsed.scheme in ("http", "https"):
        require_network(parsed.hostname, what=what,
                        port=parsed.port or (443 if parsed.scheme == "https" else 80))


def archive_members(archive: zipfile.ZipFile) -> dict[int, dict[str, str]]:
    """``{N: {"image": member, "mask": member}}`` for the patches listed in a zip."""
    if not isinstance(archive, zipfile.ZipFile):
        raise TypeError(expected_message("archive", "an open zipfile.ZipFile", archive,
                                         "e.g. zipfile.ZipFile('TrainData.zip')."))
    found: dict[int, dict[str, str]] = {}
    for name in archive.namelist():
        for kind, pattern in (("image", _IMAGE_RE), ("mask", _MASK_RE)):
            match = pattern.search(name)
            # Some mirrors carry stray image_N.h5 files in the mask folder: keep masks by name.
            if match and not (kind == "image" and "/mask" in name):
                found.setdefault(int(match.group(1)), {})[kind] = name
    return found


class ZipMemberDownloader:
    """A pooch downloader that extracts one member of an (HTTP-range or local) zip archive.

    zipfile checks each member's CRC-32 from the archive's table of contents as it reads.
    """

    def __init__(self, archive: zipfile.ZipFile, member: str) -> None:
        if not isinstance(archive, zipfile.ZipFile):
            raise TypeError(expected_message("archive", "an open zipfile.ZipFile", archive))
        if member not in archive.namelist():
            raise ValueError(f"member {member!r} is not in the archive; it lists e.g. "
                             f"{archive.namelist()[:3]}.")
        self.archive, self.member = archive, member

    def __call__(self, url: str, output_file, pooch_instance=None, check_only: bool = False):
        if check_only:
            return self.member in self.archive.namelist()
        data = self.archive.read(self.member)  # raises BadZipFile on a CRC mismatch
        if hasattr(output_file, "write"):
            output_file.write(data)
        else:
            Path(output_file).write_bytes(data)
        return None


def default_folder(split: str) -> Path:
    """Where downloads go: ``cache_dir()/landslide4sense/<split>``."""
    from course_lib.config import cache_dir

    validation.check_choice(split, "split", tuple(ARCHIVES))
    return cache_dir() / "landslide4sense" / split


def download_subset(n: int = 16, split: str = "train", indices: Iterable[int] | None = None,
                    seed: int = 2019, folder: str | os.PathLike | None = None,
                    url: str | None = None, progress: bool = True) -> Path:
    """Download ``n`` patches (image and mask) of one split, not the whole archive.

    Reads the archive's table of contents over HTTP range requests, chooses ``indices`` (or
    ``n`` patch numbers at random with ``seed``, among those with a mask when the split has
    masks), and fetches each file through :func:`pooch.retrieve` into ``folder``
    (default :func:`default_folder`). Files already there are not fetched again. Each file's
    CRC-32 is checked against the archive while extracting, and its SHA-256 is recorded in
    ``folder/registry.json`` and checked by :func:`load_patches`.

    Args:
        n: how many patches when ``indices`` is not given.
        split: ``"train"`` (the only split with published masks), ``"validation"``, ``"test"``.
        indices: patch numbers N of ``image_N.h5`` to fetch.
        seed: random seed for choosing patches.
        folder: where to store them.
        url: the archive's URL (default: the Zenodo record); also a local path or ``file://``.
        progress: show a tqdm progress bar.

    Returns:
        the folder, ready for :func:`load_patches`.

    Raises:
        OfflineError: without a network, with advice on how to continue offline.
    """
    import pooch
    from tqdm.auto import tqdm

    if split not in ARCHIVES:
        raise ValueError(f"split must be one of {list(ARCHIVES)}; got {split!r}.")
    if indices is None:
        n = validation.check_integer(n, "n", minimum=1, fix="The number of patches to fetch.")
    else:
        if isinstance(indices, (str, bytes)) or not hasattr(indices, "__iter__"):
            raise TypeError(expected_message("indices", "a list of patch numbers", indices,
                                             "e.g. [12, 40] for image_12.h5 and image_40.h5."))
        indices = [validation.check_integer(i, "indices", minimum=0) for i in indices]
    validation.check_integer(seed, "seed", minimum=0)
    if url is not None and not isinstance(url, (str, os.PathLike)):
        raise TypeError(expected_message("url", "a URL or a local path", url))
    url = str(url) if url is not None else ZENODO_URL.format(name=ARCHIVES[split][0])
    folder = validation.check_path(folder, "folder") if folder is not None else \
        default_folder(split)
    fake = [p for p in folder.rglob("*.h5") if _made_up_file(p)] if folder.is_dir() else []
    if fake:
        raise FileExistsError(
            f"folder {folder} holds made-up patches (e.g. {fake[0].relative_to(folder)}, "
            "written by write_example_patches): real downloads must not mix with them (files "
            "already there are not fetched again). Download into another folder.")
    _check_online(url, what=f"the Landslide4Sense {split} patches")
    folder.mkdir(parents=True, exist_ok=True)
    with _open_archive(url) as archive:
        members = archive_members(archive)
        if not members:
            raise ValueError(f"{url} lists no image_N.h5 files: is it a Landslide4Sense archive?")
        labelled = sorted(i for i, m in members.items() if "mask" in m and "image" in m)
        pool = labelled or sorted(i for i, m in members.items() if "image" in m)
        if indices is None:
            rng = np.random.default_rng(seed)
            chosen = sorted(rng.choice(pool, size=min(n, len(pool)), replace=False).tolist())
        else:
            chosen = sorted(int(i) for i in indices)
            unknown = [i for i in chosen if i not in members]
            if unknown:
                raise ValueError(f"Patches {unknown[:10]} are not in the {split} archive, which "
                                 f"numbers {min(members)}-{max(members)}.")
        registry = _read_registry(folder)
        # In the archive's order: neighbours then share one buffered range request.
        jobs = sorted(((kind, members[i][kind]) for i in chosen for kind in ("image", "mask")
                       if kind in members[i]),
                      key=lambda job: archive.getinfo(job[1]).header_offset)
        for kind, member in tqdm(jobs, disable=not progress, desc="Landslide4Sense"):
            sub = "img" if kind == "image" else "mask"
            (folder / sub).mkdir(exist_ok=True)
            fname = Path(member).name
            pooch.retrieve(url=f"{url}#{member}", known_hash=None, fname=fname,
                           path=folder / sub, downloader=ZipMemberDownloader(archive, member),
                           progressbar=False)
            info = archive.getinfo(member)
            registry[f"{sub}/{fname}"] = {"sha256": sha256(folder / sub / fname),
                                          "crc32": f"{info.CRC:08x}", "member": member,
                                          "source": url.split("#")[0]}
        _write_registry(folder, registry)
    return folder


def download_archive(split: str = "validation", folder: str | os.PathLike | None = None,
                     url: str | None = None) -> Path:
    """Download a whole archive through pooch, checked against the MD5 Zenodo publishes.

    Sizes: train 2.5 GB (MD5 published), validation 143 MB, test 471 MB (no checksum
    published: pooch then logs the SHA-256 it computed). Unpacks next to the zip and returns
    the folder with the patches. Prefer :func:`download_subset` on Binder.
    """
    import pooch

    validation.check_choice(split, "split", tuple(ARCHIVES))
    if split not in ARCHIVES:
        raise ValueError(f"split must be one of {list(ARCHIVES)}; got {split!r}.")
    name, known_hash = ARCHIVES[split]
    url = url or ZENODO_URL.format(name=name)
    _check_online(url, what=f"the Landslide4Sense {split} archive")
    folder = Path(folder) if folder is not None else default_folder(split).parent
    pooch.retrieve(url=url, known_hash=known_hash, fname=name, path=folder,
                   processor=pooch.Unzip(extract_dir=Path(name).stem), progressbar=True)
    return folder / Path(name).stem


def to_chips(patches: Patches, bands: Sequence[str] | None = None) -> list:
    """The patches as :class:`course_lib.data.chips.Chip` objects for notebook 05's training functions.

    Each chip holds one patch band-last (raw values: the U-Net fits its own band statistics on
    the training chips, or pass patches already normalised with :func:`normalise_patches`) and
    its mask; the group is the patch name (Landslide4Sense patches carry no coordinates).
    """
    _check_patches(patches)
    if patches.masks is None:
        raise ValueError("These patches have no masks (an unlabelled split); chips need masks.")
    chosen = patches.select(bands) if bands else patches
    return [Chip(name=name, image=np.ascontiguousarray(image, dtype=np.float32), mask=mask,
                 group=name)
            for name, image, mask in zip(chosen.names, chosen.images, patches.masks)]


# ----------------------------------------------------------------------------- the course subset
#: Patches in the course's fixed real subset, and the seed that chooses them (the same choice
#: as ``download_subset(n=48, seed=2019)``, so notebook 09 online reads the same patches).
COURSE_SUBSET_SIZE = 48
COURSE_SUBSET_SEED = 2019
#: The rule that chooses them, as written into the subset's manifest.
COURSE_SUBSET_RULE = (
    "the Landslide4Sense training split (TrainData.zip); among the patch numbers N that have "
    "both img/image_N.h5 and mask/mask_N.h5 in the archive, sorted, "
    "numpy.random.default_rng(seed).choice(numbers, size=n, replace=False), then sorted")
MANIFEST = "MANIFEST.json"
LICENCE_FILE = "LICENCE_AND_CITATION.txt"
#: The licence Zenodo record 10463239 states for the data.
LICENCE = "CC BY 4.0 (Creative Commons Attribution 4.0 International)"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
CITATION = ("Ghorbanzadeh, O., Xu, Y., Ghamisi, P., Kopp, M., & Kreil, D. (2022). "
            "Landslide4Sense: reference benchmark data and deep learning models for landslide "
            "detection. IEEE Transactions on Geoscience and Remote Sensing, 60, 4417516 "
            "(arXiv 2206.00515). Data: Zenodo record 10463239.")
FETCH_ADVICE = ("Fetch it once with `./course data` in a terminal at the course's folder "
                "(or, in Python, course_lib.data.landslide4sense.fetch_course_subset()); it needs "
                "the network for a minute or two.")


def _course_subset_folder() -> Path:
    return default_folder("train").parent / "course_subset"


def _read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text())
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict) or not \
                all(isinstance(v, dict) and "sha256" in v for v in manifest["files"].values()):
            raise ValueError("not a course-subset manifest with a table of files")
    except ValueError as err:
        raise CorruptFileError(f"{path} is damaged ({err}). Fetch the subset again: "
                               "`./course data --force`.") from err
    return manifest


def _verify_subset(folder: Path) -> dict:
    """The manifest of a complete subset in ``folder``, every file checked, or an error."""
    manifest = _read_manifest(folder)
    missing = [name for name in manifest["files"] if not (folder / name).is_file()]
    changed = [name for name, entry in manifest["files"].items()
               if name not in missing and sha256(folder / name) != entry["sha256"]]
    listed = set(manifest["files"]) | {MANIFEST}
    extra = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.h5")
                   if p.relative_to(folder).as_posix() not in listed)
    if missing or changed or extra:
        problems = "; ".join(text for text in (
            f"missing {missing[:5]}" if missing else "",
            f"checksum mismatch for {changed[:5]}" if changed else "",
            f"patches not in the manifest {extra[:5]}" if extra else "") if text)
        raise CorruptFileError(
            f"The Landslide4Sense course subset in {folder} does not match its manifest "
            f"({problems}): files changed since they were fetched, so it is not used. Fetch "
            "it again with `./course data --force` (fetch_course_subset(overwrite=True)).")
    return manifest


def course_subset(folder: str | os.PathLike | None = None, *,
                  quiet: bool = False) -> Path | None:
    """The folder of the course's real Landslide4Sense subset, checked, or None if not fetched.

    Every file is checked against the SHA-256 in the subset's manifest (:data:`MANIFEST`,
    written last by :func:`fetch_course_subset`), so a half-fetched or altered subset is never
    taken for the real one.

    Args:
        folder: where the subset lives (default ``cache_dir()/landslide4sense/course_subset``).
        quiet: do not print how to fetch the subset when it is missing.

    Returns:
        The folder, ready for :func:`load_patches`; None when there is no complete subset
        (after printing how to fetch it, unless ``quiet``).

    Raises:
        CorruptFileError: the subset is there but a file does not match its checksum.
    """
    folder = validation.check_path(folder, "folder") if folder is not None else \
        _course_subset_folder()
    quiet = validation.check_bool(quiet, "quiet")
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"folder: {folder} is a file; pass the subset's folder.")
    if not (folder / MANIFEST).is_file():
        if not quiet:
            # the folder's name, not its path on this machine (a notebook prints this)
            where = ("the course's data cache" if folder == _course_subset_folder()
                     else f"the folder {folder.name!r}")
            print(f"No Landslide4Sense course subset in {where} yet. {FETCH_ADVICE}")
        return None
    _verify_subset(folder)
    return folder


def fetch_course_subset(folder: str | os.PathLike | None = None, *, url: str | None = None,
                        n: int = COURSE_SUBSET_SIZE, seed: int = COURSE_SUBSET_SEED,
                        overwrite: bool = False, progress: bool = True) -> Path:
    """Fetch the course's fixed subset of real Landslide4Sense training patches, atomically.

    The patches (:data:`COURSE_SUBSET_SIZE` image and mask pairs, chosen by
    :data:`COURSE_SUBSET_RULE` with :data:`COURSE_SUBSET_SEED`) are read out of the Zenodo
    archive by :func:`download_subset` (range requests; the zip's CRC-32 checked on every
    file) into a hidden staging folder beside ``folder``. The licence and citation
    (:data:`LICENCE_FILE`) and then the manifest (:data:`MANIFEST`: the rule, the source and
    each file's SHA-256 and size) are written, and only then is the staging folder renamed to
    ``folder``. An interrupted fetch therefore leaves no ``folder`` (and its staging folder is
    removed, or cleared by the next fetch once its process is gone).

    A complete subset is left alone: a second call checks it and returns without the network.

    Args:
        folder: where to put it (default ``cache_dir()/landslide4sense/course_subset``).
        url: the archive (default: TrainData.zip of Zenodo record 10463239); also a local path
            or ``file://`` URL of a copy.
        n: patches to fetch (the course uses :data:`COURSE_SUBSET_SIZE`).
        seed: the seed of the choice (the course uses :data:`COURSE_SUBSET_SEED`).
        overwrite: fetch again, replacing a subset that fails its checksums or was fetched
            with another ``n`` or ``seed``.
        progress: show a progress bar.

    Returns:
        The folder, ready for :func:`load_patches`.

    Raises:
        OfflineError: no network (nothing is written).
        CorruptFileError: a file failed the archive's CRC-32 while fetching (nothing is kept),
            or the subset already there fails its checksums and ``overwrite`` is False.
        FileExistsError: ``folder`` holds something else, or another subset, and ``overwrite``
            is False.
        ValueError: the archive's patches carry the made-up mark (not real data).
    """
    import logging
    import shutil
    import tempfile

    import pooch

    from course_lib.data.atomic import TEMP_MARKER, file_mode_mask, remove_stale_temps

    folder = validation.check_path(folder, "folder") if folder is not None else \
        _course_subset_folder()
    if url is not None and not isinstance(url, (str, os.PathLike)):
        raise TypeError(expected_message("url", "a URL or a local path", url,
                                         "e.g. the Zenodo record's TrainData.zip URL."))
    url = str(url) if url is not None else ZENODO_URL.format(name=ARCHIVES["train"][0])
    n = validation.check_integer(n, "n", minimum=1,
                                 fix=f"The course uses {COURSE_SUBSET_SIZE} patches.")
    seed = validation.check_integer(seed, "seed", minimum=0,
                                    fix=f"The course uses {COURSE_SUBSET_SEED}.")
    overwrite = validation.check_bool(overwrite, "overwrite")
    progress = validation.check_bool(progress, "progress")
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"folder: {folder} is a file, not a folder. Pass a new folder "
                              "or leave folder=None for the course's data folder.")
    if (folder / MANIFEST).is_file():
        try:
            manifest = _verify_subset(folder)
        except CorruptFileError:
            if not overwrite:
                raise
        else:
            same = (manifest.get("n"), manifest.get("seed")) == (n, seed)
            if same and not overwrite:
                return folder                  # complete: the archive is not read again
            if not overwrite:
                raise FileExistsError(
                    f"{folder} holds a subset fetched with n={manifest.get('n')} and "
                    f"seed={manifest.get('seed')}, not n={n} and seed={seed}; nothing was "
                    "fetched. Pass overwrite=True (./course data --force) to replace it, or "
                    "another folder.")
    elif folder.is_dir() and any(folder.iterdir()) and not overwrite:
        raise FileExistsError(f"folder: {folder} holds files but no subset manifest; nothing "
                              "was fetched. Choose a new folder (or leave folder=None).")
    _check_online(url, what="the Landslide4Sense course subset")

    folder.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(folder.parent, folder.name)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}{TEMP_MARKER}{os.getpid()}-",
                                    dir=folder.parent))
    pooch_logger = pooch.get_logger()
    level = pooch_logger.level
    try:
        pooch_logger.setLevel(logging.WARNING)     # not one line per file
        try:
            download_subset(n=n, split="train", seed=seed, folder=staging, url=url,
                            progress=progress)
        except zipfile.BadZipFile as err:
            raise CorruptFileError(
                f"Checksum mismatch while fetching the Landslide4Sense course subset from "
                f"{url}: {err} (the zip's CRC-32 of that file does not match what arrived). "
                f"Nothing was kept; {folder} is unchanged. Run the fetch again (a damaged "
                "transfer); if it repeats, the archive itself is damaged.") from err
        finally:
            pooch_logger.setLevel(level)
        pairs = find_pairs(staging)
        fake = [img.name for img, _ in pairs if _made_up_file(img)]
        if fake:
            raise ValueError(f"url: the archive at {url} holds made-up patches (e.g. {fake[0]}, "
                             "marked by write_example_patches), not Landslide4Sense data; "
                             "nothing was kept. Fetch from the Zenodo record (url=None).")
        pixels = [float(read_mask(mask).mean()) for _, mask in pairs if mask]
        with_slides = sum(p > 0 for p in pixels)
        (staging / LICENCE_FILE).write_text(
            "Landslide4Sense: a subset of the training patches, fetched by the landslide-mapping "
            "course (course_lib.data.landslide4sense.fetch_course_subset).\n\n"
            f"Source: {url}\nLicence: {LICENCE}, {LICENCE_URL}, as stated on Zenodo record "
            f"{ZENODO_RECORD}. Reuse needs attribution: cite the paper below.\n\n"
            f"Cite as: {CITATION}\n\n"
            f"Chosen by: {COURSE_SUBSET_RULE}, with n={n} and seed={seed}.\n"
            "Files are unchanged from the archive (each one's CRC-32 checked against the "
            "archive while extracting; SHA-256 in MANIFEST.json).\n")
        files = {p.relative_to(staging).as_posix(): {"sha256": sha256(p), "bytes": p.stat().st_size}
                 for p in sorted(staging.rglob("*")) if p.is_file()}
        manifest = {"dataset": "Landslide4Sense", "split": "train", "source": url,
                    "zenodo_record": ZENODO_RECORD, "licence": LICENCE,
                    "licence_url": LICENCE_URL, "citation": CITATION,
                    "rule": COURSE_SUBSET_RULE, "n": n, "seed": seed,
                    "patches": [img.stem for img, _ in pairs],
                    "patches_with_landslides": with_slides,
                    "landslide_pixel_fraction": round(float(np.mean(pixels)), 6) if pixels else None,
                    "files": files}
        with atomic_write(staging / MANIFEST, suffix=".json") as tmp:
            tmp.write_text(json.dumps(manifest, indent=1))
        mode = 0o777 & ~file_mode_mask()
        for sub in [staging, *(p for p in staging.rglob("*") if p.is_dir())]:
            os.chmod(sub, mode)           # mkdtemp's 0700 would hide a shared cache
        if overwrite and folder.exists():     # move the old one aside first
            old = folder.parent / f".{folder.name}{TEMP_MARKER}{os.getpid()}-old"
            shutil.rmtree(old, ignore_errors=True)
            os.rename(folder, old)
            os.rename(staging, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            try:
                os.rename(staging, folder)
            except OSError:
                if not (folder / MANIFEST).is_file():
                    raise
                _verify_subset(folder)    # another fetch finished first: keep its subset
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def main(argv: Sequence[str] | str | None = None) -> int:
    """``./course data``: fetch the course subset and say what it got, or why not.

    Returns the exit code: 0 the subset is there (fetched now or before), 1 it could not be
    fetched (the message says why and that the course works without it), 2 bad arguments.
    """
    import argparse
    import shlex
    import sys

    from course_lib.data.online import OfflineError

    if isinstance(argv, str):
        argv = shlex.split(argv)
    parser = argparse.ArgumentParser(
        prog="./course data",
        description="Fetch the course's subset of real Landslide4Sense training patches "
                    f"({COURSE_SUBSET_SIZE} patches, about 90 MB, {LICENCE}).")
    parser.add_argument("--force", action="store_true",
                        help="fetch again, replacing a subset that fails its checksums")
    parser.add_argument("--url", default=None,
                        help="the archive (default: TrainData.zip of Zenodo record "
                             f"{ZENODO_RECORD}); also a local path to a copy")
    parser.add_argument("--folder", default=None, help="where to put it (default: the cache)")
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        if args.force or course_subset(args.folder, quiet=True) is None:
            _check_online(args.url or ZENODO_URL.format(name=ARCHIVES["train"][0]),
                          what="the Landslide4Sense course subset")
            print(f"course data: fetching {COURSE_SUBSET_SIZE} Landslide4Sense training patches "
                  f"from {args.url or 'Zenodo record ' + ZENODO_RECORD} (about 90 MB on disk; "
                  "a few minutes)...", flush=True)
        folder = fetch_course_subset(args.folder, url=args.url, overwrite=args.force,
                                     progress=sys.stderr.isatty())
        manifest = _verify_subset(folder)
    except (OfflineError, CorruptFileError, FileExistsError, ValueError, OSError) as err:
        print(f"course data: the Landslide4Sense subset was not fetched.\n{err}\n"
              "The course works without it: notebook 09 then uses made-up patches in the "
              "Landslide4Sense format, labelled as such. Run `./course data` again later.",
              file=sys.stderr)
        return 1
    size = sum(entry["bytes"] for entry in manifest["files"].values())
    print(f"Landslide4Sense course subset: {len(manifest['patches'])} real training patches "
          f"({manifest['patches_with_landslides']} with landslides) in {folder}, "
          f"{size / 1e6:.1f} MB, checked against {MANIFEST}.\n"
          f"Licence: {manifest['licence']}. Cite: {manifest['citation']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
