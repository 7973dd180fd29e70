"""The knobs of the simulated study area, as one frozen (hashable) dataclass."""

from __future__ import annotations

import hashlib
import json
import math
import numbers
from dataclasses import asdict, dataclass, fields

from course_lib.config import DEFAULT_SEED
from course_lib.data.cache import STAGE_VERSIONS

#: Landslides the paper mapped in its 10 x 10 km-ish study area (Ganerød et al. 2023).
PAPER_LANDSLIDES = 120

#: The largest useful ``cloud_cover``: the clearest date's cloud fraction is 0.08
#: (:data:`course_lib.simulator.sentinel2.S2_CLOUD_FRACTION`), so at 12.5 every date is overcast.
MAX_CLOUD_COVER = 12.5

#: The generator's version (:data:`course_lib.data.cache.STAGE_VERSIONS`), part of
#: :meth:`StudyAreaParams.short_hash`, so a new generator never reuses an old world's files.
GENERATOR_VERSION = str(STAGE_VERSIONS["study_area"])


@dataclass(frozen=True)
class StudyAreaParams:
    """Parameters of the simulated Jølster-like study area.

    The defaults reproduce the shipped world. Change one and you get a different world in its
    own cache folder, e.g. ``StudyAreaParams(cloud_cover=2.0)`` for a cloudier summer.

    Attributes:
        seed: seed of every random draw (terrain, land cover, landslides, clouds, speckle).
        size: rows = columns of the square grid.
        resolution: pixel size in metres (Sentinel-2's 10 m bands).
        n_landslides: number of landslides triggered on 30 July 2019 (the paper mapped 120).
            ``None`` (the default) scales the paper's 120 with the area of the world, so a
            smaller world is a miniature with the same landslide density (see
            :attr:`landslide_count`); an int is used as it is.
        landslide_size_scale: multiplies landslide widths and run-out lengths (0.5 = smaller).
        cloud_cover: multiplies each acquisition's cloud fraction (0 = cloud-free summer;
            31 July, the day after the storm, is the cloudiest; 13 August the clearest).
        snow_cover: multiplies the seasonal snow (0 = no seasonal snow patches).
        speckle_looks: equivalent number of looks of the Sentinel-1 speckle (ESA: 4.4 for IW
            GRDH); speckle is gamma distributed with mean 1 and variance 1 / looks.
        sar_landslide_contrast: multiplies the landslide backscatter change in dB (0 = none).
        terrain_overcorrection: 0 leaves terrain shading as it is; > 0 brightens dark,
            sun-facing-away slopes (bluish), like the over-corrected Level-2A shadows that
            gave the paper false positives on north-facing slopes. The default 0.5 is a
            moderate artefact (fully shaded slopes up to 1.8 times brighter in blue).
        origin_x, origin_y: UTM 32N (EPSG:32632) coordinates of the top-left corner.
    """

    seed: int = DEFAULT_SEED
    size: int = 1024
    resolution: float = 10.0
    n_landslides: int | None = None
    landslide_size_scale: float = 1.0
    cloud_cover: float = 1.0
    snow_cover: float = 1.0
    speckle_looks: float = 4.4
    sar_landslide_contrast: float = 1.0
    terrain_overcorrection: float = 0.5
    origin_x: float = 345000.0
    origin_y: float = 6822000.0

    def __post_init__(self) -> None:
        for name in ("seed", "size", "n_landslides"):     # numpy ints become plain ints
            value = getattr(self, name)
            if isinstance(value, numbers.Integral) and not isinstance(value, (bool, int)):
                object.__setattr__(self, name, int(value))
        if not _is_int(self.seed) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative int; got {self.seed!r}.")
        if not _is_int(self.size) or not 64 <= self.size <= 4096:
            raise ValueError(f"size must be an int between 64 and 4096 pixels; got {self.size!r}.")
        if self.n_landslides is not None and (not _is_int(self.n_landslides)
                                              or self.n_landslides < 0):
            raise ValueError(f"n_landslides must be None (scale with the area) or an int >= 0; "
                             f"got {self.n_landslides!r}.")
        for name in ("resolution", "landslide_size_scale", "speckle_looks"):
            if not _is_number(getattr(self, name)) or not getattr(self, name) > 0:
                raise ValueError(f"{name} must be a positive number; got "
                                 f"{getattr(self, name)!r}.")
        for name in ("cloud_cover", "snow_cover", "sar_landslide_contrast",
                     "terrain_overcorrection"):
            if not _is_number(getattr(self, name)) or not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be a number >= 0; got {getattr(self, name)!r}.")
        if self.cloud_cover > MAX_CLOUD_COVER:
            raise ValueError(f"cloud_cover multiplies each date's cloud fraction (1 = the shipped "
                             f"summer, 2 = twice as cloudy), it is not a percent; got "
                             f"{self.cloud_cover!r}. At {MAX_CLOUD_COVER} every date is already "
                             "overcast.")
        for name in ("origin_x", "origin_y"):
            if not _is_number(getattr(self, name)):
                raise ValueError(f"{name} must be a number (UTM 32N metres); got "
                                 f"{getattr(self, name)!r}.")

    @property
    def scale(self) -> float:
        """Size of this world relative to the default 10 km one (a smaller world is a miniature)."""
        return self.size * self.resolution / 10240.0

    @property
    def landslide_count(self) -> int:
        """How many landslides this world gets: ``n_landslides``, or 120 scaled by the area.

        >>> StudyAreaParams().landslide_count, StudyAreaParams(size=256).landslide_count
        (120, 8)
        >>> StudyAreaParams(size=256, n_landslides=15).landslide_count
        15
        """
        if self.n_landslides is not None:
            return self.n_landslides
        return max(1, int(round(PAPER_LANDSLIDES * self.scale**2)))

    def to_dict(self) -> dict:
        """Plain dict of the parameters (JSON-serialisable)."""
        return asdict(self)

    def short_hash(self) -> str:
        """10 hex digits identifying these parameters and the generator version.

        >>> StudyAreaParams().short_hash() == StudyAreaParams().short_hash()
        True
        >>> StudyAreaParams().short_hash() != StudyAreaParams(seed=1).short_hash()
        True
        """
        payload = json.dumps({"version": GENERATOR_VERSION, **self.to_dict()}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:10]

    @classmethod
    def from_dict(cls, values: dict) -> "StudyAreaParams":
        """Parameters from a dict, ignoring unknown keys (e.g. read from metadata.json)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    """A finite real number (not a bool, not a string)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and \
        math.isfinite(float(value))
