"""Classical segmentation: thresholds, region growing, edges, k-means, Felzenszwalb.

The methods the course opens with (lessons 1 and 2). Each returns a label map,
an (H, W) array of int64 with labels 0, 1, 2, ...; region growing returns a
boolean mask of the grown region.

One concept per file:

- ``threshold.py``: thresholding splits the grey levels: by a given value
  (:func:`threshold_segment`), by Otsu's value, the threshold that maximises
  the between-class variance (:func:`otsu_threshold`, :func:`otsu_segment`,
  and :func:`otsu_variance_curve`, the whole curve Otsu maximises, for
  plotting), or by several values (:func:`multi_otsu_thresholds`,
  :func:`multi_otsu_segment`). Also :func:`to_gray`, the grey levels every
  grey-level method here uses: ``skimage.color.rgb2gray`` of the RGB image,
  in [0, 1].
- ``region.py``: seeded region growing (:func:`region_grow`) starts at one
  pixel and adds neighbours while they are close enough in intensity or
  colour.
- ``edges.py``: edge-based segmentation finds edges, Sobel magnitude or
  Canny (:func:`edge_map`), and turns them into regions: a watershed from
  markers, or the areas enclosed by Canny's contours (:func:`edge_segment`).
- ``features.py``: per-pixel features for clustering, colour or colour plus
  position (:func:`pixel_features`).
- ``kmeans.py``: k-means written out as Lloyd's algorithm with k-means++
  seeding (:func:`kmeans`, its result :class:`KMeansResult`, the step-by-step
  :func:`kmeans_history`), and :func:`kmeans_segment`, k-means over the
  pixel features.
- ``felzenszwalb.py``: Felzenszwalb and Huttenlocher's graph-based method
  (:func:`felzenszwalb_segment`, the "GS" baseline of the unsupervised-CNN
  papers), from scikit-image.

>>> import numpy as np
>>> from segkit import classical
>>> image = np.zeros((8, 8, 3)); image[:, 4:] = 1.0
>>> classical.kmeans_segment(image, 2)[0]
array([0, 0, 0, 0, 1, 1, 1, 1])
"""

from __future__ import annotations

from .edges import edge_map, edge_segment
from .features import pixel_features
from .felzenszwalb import felzenszwalb_segment
from .kmeans import KMeansResult, kmeans, kmeans_history, kmeans_segment
from .region import region_grow
from .threshold import (
    multi_otsu_segment,
    multi_otsu_thresholds,
    otsu_segment,
    otsu_threshold,
    otsu_variance_curve,
    threshold_segment,
    to_gray,
)

__all__ = [
    "to_gray",
    "threshold_segment",
    "otsu_threshold",
    "otsu_segment",
    "otsu_variance_curve",
    "multi_otsu_thresholds",
    "multi_otsu_segment",
    "region_grow",
    "edge_map",
    "edge_segment",
    "pixel_features",
    "kmeans",
    "kmeans_history",
    "kmeans_segment",
    "KMeansResult",
    "felzenszwalb_segment",
]
