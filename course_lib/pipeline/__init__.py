"""The pipeline: the simulated study area turned into composites, input layers and saved maps.

Every later notebook starts from the same products, computed once and cached
(:mod:`course_lib.data.cache` keys them by the versions of every stage they read):

* :mod:`~course_lib.pipeline.composites`: the pre- and post-event Sentinel-2 composites;
* :mod:`~course_lib.pipeline.sentinel1`: the Sentinel-1 median composites per geometry;
* :mod:`~course_lib.pipeline.layers`: the paper's input layers (its Table 1);
* :mod:`~course_lib.pipeline.predictions`: each method's saved landslide map, and the results
  table that scores them all.
"""
