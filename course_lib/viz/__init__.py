"""Presentation layer: plots, maps and widget explorers (each widget a plain, tested function).

Every figure follows the rules of :mod:`course_lib.viz.style`: no data in its own colour (with
a "no data" key), colour-blind-safe colour maps for each kind of layer, map axes in km or a
scale bar, and one function to draw a raster layer (``style.image_layer``).
"""
