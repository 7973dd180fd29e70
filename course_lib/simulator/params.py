"""The knobs of the simulated study area, as one frozen (hashable) dataclass."""

from __future__ import annotations

import hashlib
import json
import numbers
from dataclasses import asdict, dataclass, fields

from course_lib.config import DEFAULT_SEED
from course_lib.data.cache import STAGE_VERSIONS
from course_lib.validation import check_choice, check_integer, check_number

#: Landslides the paper mapped in its 10 x 10 km-ish study area (Ganerød et al. 2023).
PAPER_LANDSLIDES = 120

#: The largest useful ``cloud_cover``: the clearest date's cloud fraction is 0.08
#: (:data:`course_lib.simulator.sentinel2.S2_CLOUD_FRACTION`), so at 12.5 every date is overcast.
MAX_CLOUD_COVER = 12.5

#: The generator's version (:data:`course_lib.data.cache.STAGE_VERSIONS`), part of
#: :meth:`StudyAreaParams.short_hash`, so a new generator never reuses an old world's files.
GENERATOR_VERSION = str(STAGE_VERSIONS["study_area"])


#: The orientations of the main valley (:attr:`StudyAreaParams.valley_axis`).
VALLEY_AXES: tuple[str, ...] = ("west-east", "north-south")

#: Knobs added after generator version 13, with the defaults that leave a world unchanged.
LATER_KNOBS: dict[str, object] = {"valley_axis": "west-east", "treeline_shift_m": 0.0}


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
        valley_axis: ``"west-east"`` (the default, as Jølstravatnet: the long valley walls
            face north and south) or ``"north-south"`` (the landscape turned a quarter turn
            clockwise: the walls face east and west, so the morning sun, the radar's look
            directions and the shadows meet the slopes differently).
        treeline_shift_m: raises (+) or lowers (-) the tree line, rock line and snow line, in
            metres of the default world: another land-cover mix, as between valleys near the
            coast of western Norway (low tree lines) and valleys far inland (higher ones). 0
            (the default) leaves the world as it was.

    The last two knobs came after generator version 13; at their defaults they are left out of
    :meth:`to_dict` and :meth:`short_hash`, so the worlds made before them keep their cache
    folders and their files byte for byte.

    Every value is checked when the parameters are made (:data:`PARAM_RANGES`): a string, a
    percent where a multiplier goes (``cloud_cover=50``) or degrees where UTM metres go raise
    an error naming the parameter. Numbers are stored as ``int`` and ``float``, so
    ``cloud_cover=2`` and ``cloud_cover=2.0`` are one world with one cache folder.
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
    valley_axis: str = "west-east"
    treeline_shift_m: float = 0.0

    def __post_init__(self) -> None:
        _check_params(self)

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
        """Plain dict of the parameters (JSON-serialisable); later knobs only when changed.

        >>> "valley_axis" in StudyAreaParams().to_dict()
        False
        >>> StudyAreaParams(valley_axis="north-south").to_dict()["valley_axis"]
        'north-south'
        """
        values = asdict(self)
        for name, default in LATER_KNOBS.items():
            if values[name] == default:
                del values[name]
        return values

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


#: The range of each number, with how to read it. Multipliers stop where the world stops
#: changing: with ``cloud_cover`` above :data:`MAX_CLOUD_COVER` every date is overcast;
#: ``snow_cover`` 10 puts the melt line
#: 2.7 km lower, below the valley floor. The origin must be UTM 32N metres (the study area lies
#: near 345000 E, 6822000 N).
PARAM_RANGES: dict[str, tuple[float, float, str]] = {
    "resolution": (1.0, 100.0, "Pass the pixel size in metres, e.g. 10."),
    "landslide_size_scale": (0.0, 5.0, "Pass a multiplier, e.g. 0.5 for smaller slides or 2 "
                                       "for larger."),
    "cloud_cover": (0.0, MAX_CLOUD_COVER, "Pass a multiplier of each date's cloud fraction, "
                                          "e.g. 2.0 for twice as cloudy (1 = the shipped "
                                          "world), not a percent."),
    "snow_cover": (0.0, 10.0, "Pass a multiplier of the seasonal snow, e.g. 0 for none (1 = "
                              "the shipped world)."),
    "speckle_looks": (0.0, 1000.0, "Pass the equivalent number of looks, e.g. 4.4 for "
                                   "Sentinel-1 IW GRDH."),
    "sar_landslide_contrast": (0.0, 10.0, "Pass a multiplier of the landslide change in dB, "
                                          "e.g. 0.5 for a fainter signal."),
    "terrain_overcorrection": (0.0, 5.0, "Pass e.g. 0 for none or 0.5 for the shipped "
                                         "moderate artefact."),
    "origin_x": (100_000.0, 900_000.0, "Pass a UTM 32N easting in metres, e.g. 345000.0."),
    "origin_y": (100_000.0, 9_400_000.0, "Pass a UTM 32N northing in metres, e.g. 6822000.0."),
    "treeline_shift_m": (-400.0, 400.0, "Pass metres of the default world, e.g. 200.0 for the "
                                        "tree, rock and snow lines 200 m higher (tree lines in "
                                        "western Norway lie between about 500 and 1100 m)."),
}
#: Numbers that must be strictly positive (the others may be 0).
_POSITIVE = {"landslide_size_scale", "speckle_looks"}


def _check_params(params: StudyAreaParams) -> None:
    """Check every field and store it as a plain ``int`` or ``float`` (one world, one hash)."""
    def store(name: str, value: object) -> None:
        object.__setattr__(params, name, value)   # the dataclass is frozen

    store("seed", _check_int(params.seed, "seed", minimum=0,
                             fix="Any whole number >= 0, e.g. 2019."))
    store("size", _check_int(params.size, "size", minimum=64, maximum=4096,
                             fix="Rows = columns of the grid, e.g. 256 or 1024."))
    if params.n_landslides is not None:
        store("n_landslides", _check_int(
            params.n_landslides, "n_landslides", minimum=0,
            fix="None scales the paper's 120 with the area; or a whole number, e.g. 30."))
    for name, (low, high, what) in PARAM_RANGES.items():
        store(name, check_number(getattr(params, name), name, minimum=low, maximum=high,
                                 min_inclusive=name not in _POSITIVE, fix=what))
    check_choice(params.valley_axis, "valley_axis", VALLEY_AXES,
                 "'west-east' is the course's valley; 'north-south' turns it a quarter turn.")


def _check_int(value: object, name: str, *, minimum: int, maximum: int | None = None,
               fix: str) -> int:
    """A Python or numpy int (not a float such as 100.0, not a bool) within bounds."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return check_integer(int(value), name, minimum=minimum, maximum=maximum, fix=fix)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        raise TypeError(f"{name} must be an int; got {type(value).__name__} {value!r}. Pass a "
                        f"whole number without a decimal point. {fix}")
    return check_integer(value, name, minimum=minimum, maximum=maximum, fix=fix)
