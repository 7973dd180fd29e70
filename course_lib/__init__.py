"""Helper package for the landslide-mapping course.

The package has three layers, each importing only the ones below it:

1. ``course_lib.data``: the bundled real samples, the simulated study area and the online
   loaders. They return plain arrays with their georeferencing and band names.
2. Science modules, one per step of the course (clouds, composites, indices, SAR, terrain,
   OBIA, pixel classifiers, U-Net, metrics, time series): pure functions on arrays.
3. ``course_lib.viz``: plots, maps and widget explorers, each widget a plain function that the
   tests call directly.

Heavy libraries (TensorFlow, s2cloudless, folium) are imported inside the functions that need
them, so ``import course_lib`` stays fast.
"""

__version__ = "0.1.0"
