"""Helper package for the landslide-mapping course: every algorithm of the notebooks, once.

The package has layers, each importing only the ones below it (checked by import-linter in
``tests/test_architecture.py``, so this description cannot drift):

1. **Foundation**: :mod:`~course_lib.config` (paths, seeds, fast mode),
   :mod:`~course_lib.validation` (the input checks every function uses, one message style),
   :mod:`~course_lib.paper` (the paper's settings and its Table 4).
2. **Data in and out**, :mod:`course_lib.data`: the georeferenced :class:`~course_lib.data.raster.Raster`
   (GeoTIFF and xarray both ways), atomic writes, the bundled real samples, chips of image and
   mask, Sentinel-2 product facts, the STAC and Landslide4Sense loaders, the network check and
   the cache's versions.
3. **Methods**, one concept per module, pure functions on arrays: :mod:`~course_lib.clouds`,
   :mod:`~course_lib.composites`, :mod:`~course_lib.indices`, :mod:`~course_lib.sar`,
   :mod:`~course_lib.terrain`, :mod:`~course_lib.metrics`, :mod:`~course_lib.sampling` (values at
   points, the NaN policy), :mod:`~course_lib.blockwise` (a per-pixel model over a whole
   stack), :mod:`~course_lib.postprocess` (the one focal-mode filter), :mod:`~course_lib.shifts`,
   :mod:`~course_lib.splits` (the one evaluation split every method is scored on),
   :mod:`~course_lib.transfer` (per-scene standardisation, for models applied to another scene);
   and the methods built on them, which never import each other: :mod:`~course_lib.obia`,
   :mod:`~course_lib.cart`, :mod:`~course_lib.unet`, :mod:`~course_lib.timeseries`,
   :mod:`~course_lib.scaling` (the same methods on Dask arrays).
4. **The simulator**, :mod:`course_lib.simulator`: the Jølster-like study area with known
   truth (a world generator; it uses terrain physics and the methods' masks).
5. **The pipeline**, :mod:`course_lib.pipeline`: the study area turned into composites, the
   paper's input layers and saved predictions, computed once and cached.
6. **Presentation and the learner's commands**: :mod:`course_lib.viz` (plots, maps, widget
   explorers, each widget a plain function that the tests call directly) and
   :mod:`course_lib.learner` (set-up check, self-checks, reset).

Developer tooling (the notebook runner, the browser-test driver, the schedule builder) lives
outside the package, in ``devtools/``. Heavy libraries (TensorFlow, s2cloudless, folium) are
imported inside the functions that need them, so ``import course_lib`` stays fast.
"""

__version__ = "0.1.0"
