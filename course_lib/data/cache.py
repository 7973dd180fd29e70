"""The cache of generated data: one table of versions, one key per cached stage.

The course computes some products once and keeps them as GeoTIFFs under
:func:`course_lib.config.cache_dir`: the simulated study area, its Sentinel-2 and Sentinel-1
composites, and the paper's input layers. Each stage reads the ones before it, so a cached
file is valid only while **its own code and the code of every stage it reads** are unchanged.
:data:`STAGE_VERSIONS` holds each stage's version (bump one when its code changes what it
computes) and :func:`stage_key` spells a stage's version together with those of its inputs,
so a change anywhere upstream gives new file names and old files are never reused. The study
area's parameters (``StudyAreaParams.short_hash()``) name the folder, so two worlds never share
files.

>>> stage_key("layers")
'layers2-s1_composites2-s2_composites2-study_area13'
"""

from __future__ import annotations

from pathlib import Path

from course_lib.config import cache_dir

#: Version of each cached stage. Bump one when its code changes what it computes.
#: ``study_area`` 13: training points dealt over aspect quadrants; ``s2_composites`` 2: clouds
#: from the cloud probability; ``s1_composites`` 2: the Lee filter runs on every date, before
#: the median; ``layers`` 2: the 13 layers of setting 1 with the geometry options.
STAGE_VERSIONS: dict[str, int] = {
    "study_area": 13,
    "s2_composites": 2,
    "s1_composites": 2,
    "layers": 2,
}

#: The stages each stage reads (directly).
STAGE_INPUTS: dict[str, tuple[str, ...]] = {
    "study_area": (),
    "s2_composites": ("study_area",),
    "s1_composites": ("study_area",),
    "layers": ("s1_composites", "s2_composites"),
}


def _upstream(stage: str) -> set[str]:
    if stage not in STAGE_VERSIONS:
        raise ValueError(f"stage must be one of {sorted(STAGE_VERSIONS)}; got {stage!r}.")
    found = {stage}
    for parent in STAGE_INPUTS[stage]:
        found |= _upstream(parent)
    return found


def stage_key(stage: str) -> str:
    """The versions of ``stage`` and of every stage it reads, as part of a file name."""
    others = sorted(_upstream(stage) - {stage})
    return "-".join(f"{name}{STAGE_VERSIONS[name]}" for name in [stage, *others])


def stage_folder(stage: str, area_key: str) -> Path:
    """``cache_dir()/<stage>/<area_key>``: where one world's files of one stage live."""
    _upstream(stage)
    return cache_dir() / stage / area_key
