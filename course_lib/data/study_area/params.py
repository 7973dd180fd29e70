"""The knobs of the simulated study area, as one frozen (hashable) dataclass."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields

from course_lib.config import DEFAULT_SEED

#: Bumped whenever the generator changes what it makes, so old caches are not reused.
GENERATOR_VERSION = "9"


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
        landslide_size_scale: multiplies landslide widths and run-out lengths (0.5 = smaller).
        cloud_cover: multiplies each acquisition's cloud fraction (0 = cloud-free summer;
            13 August stays clear whatever the value, 31 July is the cloudiest).
        snow_cover: multiplies the seasonal snow (0 = no seasonal snow patches).
        speckle_looks: equivalent number of looks of the Sentinel-1 speckle (ESA: 4.4 for IW
            GRDH); speckle is gamma distributed with mean 1 and variance 1 / looks.
        sar_landslide_contrast: multiplies the landslide backscatter change in dB (0 = none).
        terrain_overcorrection: 0 leaves terrain shading as it is; > 0 brightens dark,
            sun-facing-away slopes (bluish), like the over-corrected Level-2A shadows that
            gave the paper false positives on north-facing slopes.
        origin_x, origin_y: UTM 32N (EPSG:32632) coordinates of the top-left corner.
    """

    seed: int = DEFAULT_SEED
    size: int = 1024
    resolution: float = 10.0
    n_landslides: int = 120
    landslide_size_scale: float = 1.0
    cloud_cover: float = 1.0
    snow_cover: float = 1.0
    speckle_looks: float = 4.4
    sar_landslide_contrast: float = 1.0
    terrain_overcorrection: float = 0.0
    origin_x: float = 345000.0
    origin_y: float = 6822000.0

    def __post_init__(self) -> None:
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative int; got {self.seed!r}.")
        if not isinstance(self.size, int) or not 64 <= self.size <= 4096:
            raise ValueError(f"size must be an int between 64 and 4096 pixels; got {self.size!r}.")
        if not self.resolution > 0:
            raise ValueError(f"resolution must be positive metres; got {self.resolution}.")
        if not isinstance(self.n_landslides, int) or self.n_landslides < 0:
            raise ValueError(f"n_landslides must be an int >= 0; got {self.n_landslides!r}.")
        for name in ("landslide_size_scale", "speckle_looks"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0; got {getattr(self, name)}.")
        for name in ("cloud_cover", "snow_cover", "sar_landslide_contrast",
                     "terrain_overcorrection"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0; got {getattr(self, name)}.")

    @property
    def scale(self) -> float:
        """Size of this world relative to the default 10 km one (a smaller world is a miniature)."""
        return self.size * self.resolution / 10240.0

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
