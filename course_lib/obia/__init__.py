"""SALaD-style object-based landslide mapping (OBIA), ported to maintained Python libraries.

SALaD, the Semi-Automatic Landslide Detection system (Amatya et al. 2021, *Engineering
Geology* 282:106000; NASA), segments an image, describes each segment by a few object
features and classifies the segments with a random forest. The original runs the Orfeo
ToolBox in a container; this package follows the method (not the code) with OpenCV,
scikit-image, SciPy and scikit-learn, one step per module:

* :mod:`~course_lib.obia.segmentation`: mean-shift (OTB LSMS style), SLIC, Felzenszwalb,
  quickshift, one interface, connected labels, small-region merging;
* :mod:`~course_lib.obia.scale`: the plateau objective function (variance, Moran's I) that
  picks the range radius;
* :mod:`~course_lib.obia.features`: object means, GLCM texture, shape;
* :mod:`~course_lib.obia.labels`: the 50 % rule and slides no segment captures;
* :mod:`~course_lib.obia.classifier`: the seeded random forest, importances, spatial split;
* :mod:`~course_lib.obia.inventory`: dissolved polygons with metadata (GeoPackage, shapefile);
* :mod:`~course_lib.obia.assessment`: landslides found and false objects by size class;
* :mod:`~course_lib.obia.checks`: the input checks the steps share (label rasters, images,
  polygons on a grid), so a bad input gets one clear message wherever it goes in.

Arrays are ``(rows, cols)`` or ``(rows, cols, bands)`` (bands last) on a north-up grid; label
rasters use 0 for "no segment" (nodata) and 1..n for segments.
"""

from course_lib.obia import assessment, classifier, features, inventory, labels, scale, segmentation
from course_lib.obia.segmentation import METHODS, Segmentation, segment

__all__ = ["assessment", "classifier", "features", "inventory", "labels", "scale",
           "segmentation", "METHODS", "Segmentation", "segment"]
