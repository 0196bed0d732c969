"""Scoring a segmentation against a human one.

Unsupervised methods output cluster ids, not class names: cluster 3 of one run
may be cluster 0 of the next. Every measure here is therefore invariant to
renaming the label ids of either map; the tests check it.

Which measure answers which question
------------------------------------
* :func:`pixel_accuracy`, :func:`hungarian_miou` -- match predicted clusters to
  ground-truth classes one to one (Hungarian algorithm, maximising overlapping
  pixels), then score as if it were a supervised prediction. The protocol of
  IIC, PiCIE and STEGO.
* :func:`best_overlap_miou` -- each ground-truth segment takes the IoU of the
  predicted segment that overlaps it best; the mean over ground-truth segments.
  Many-to-one: several ground-truth segments may pick the same prediction.
* :func:`segmentation_covering` -- the same best overlaps, weighted by segment
  area (Arbelaez et al. 2011).
* :func:`variation_of_information`, :func:`adapted_rand_error` -- information
  and pair-counting distances between partitions (from scikit-image).
* :func:`boundary_recall`, :func:`undersegmentation_error` -- for superpixels.
* :func:`segment_precision_recall`, :func:`segment_average_precision`,
  :func:`kanezaki_scores` -- segments scored as detections at an IoU
  threshold (Kanezaki 2018).
* :func:`over_annotators` -- BSDS500 has several annotators per image; score
  against all of them (the mean), the finest and the coarsest.
* :func:`pooled_best_overlap` -- the BSDS500 protocol of Kim et al. (2020):
  best overlap after connected components, pooled over every annotated
  segment of a whole data set (all, finest or coarsest annotations).

One concept per file:

- ``contingency.py``: :func:`contingency_table`, the pixel counts of every
  (predicted, ground-truth) label pair that the overlap scores start from.
  Start reading there.
- ``components.py``: :func:`connected_components`, from cluster ids to
  connected segments.
- ``matching.py``: Hungarian matching (:func:`hungarian_match`,
  :func:`hungarian_scores`, :func:`pixel_accuracy`, :func:`hungarian_miou`)
  and best overlap (:func:`best_overlap_miou`, :func:`segmentation_covering`).
- ``partition.py``: :func:`variation_of_information`,
  :func:`adapted_rand_error`.
- ``superpixel_scores.py``: :func:`boundary_recall`,
  :func:`undersegmentation_error`.
- ``detection.py``: segments as detections (Kanezaki 2018):
  :func:`segment_iou_table`, :func:`segment_matches`,
  :func:`segment_precision_recall`, :data:`KANEZAKI_THRESHOLDS`,
  :data:`RANKINGS`.
- ``average_precision.py``: :func:`segment_pr_curve`,
  :func:`segment_average_precision`, and :func:`kanezaki_scores` (the
  paper's protocol at several thresholds in one call).
- ``annotators.py``: :func:`over_annotators`, any metric against several
  annotators.
- ``protocols.py``: the named protocols (:data:`PROTOCOL_NAMES`,
  :data:`LOWER_IS_BETTER`) and the one function that scores a segmentation
  against its image's annotators, :func:`score_annotators` (and
  :func:`score` for one annotation, :func:`score_dataset` for the mean over
  images), used by the evaluation runner, IIC, STEGO and the lessons.
- ``pooled.py``: :func:`pooled_best_overlap`, the authors' pooled protocol.

>>> import numpy as np
>>> from segkit import metrics
>>> a = np.array([[0, 0, 1, 1]] * 2)
>>> metrics.hungarian_miou(a, 1 - a)
1.0
"""

from __future__ import annotations

from .annotators import over_annotators
from .average_precision import kanezaki_scores, segment_average_precision, segment_pr_curve
from .components import connected_components
from .contingency import contingency_table
from .detection import (
    KANEZAKI_THRESHOLDS,
    RANKINGS,
    segment_iou_table,
    segment_matches,
    segment_precision_recall,
)
from .matching import (
    best_overlap_miou,
    hungarian_match,
    hungarian_miou,
    hungarian_scores,
    pixel_accuracy,
    segmentation_covering,
)
from .partition import adapted_rand_error, variation_of_information
from .protocols import LOWER_IS_BETTER, PROTOCOL_NAMES, score, score_annotators, score_dataset
from .pooled import POOLED_MODES, pooled_best_overlap
from .superpixel_scores import boundary_recall, undersegmentation_error

__all__ = [
    "contingency_table",
    "hungarian_match",
    "pixel_accuracy",
    "hungarian_miou",
    "hungarian_scores",
    "best_overlap_miou",
    "segmentation_covering",
    "variation_of_information",
    "adapted_rand_error",
    "boundary_recall",
    "undersegmentation_error",
    "connected_components",
    "over_annotators",
    "PROTOCOL_NAMES",
    "LOWER_IS_BETTER",
    "score_annotators",
    "score_dataset",
    "score",
    "segment_iou_table",
    "segment_matches",
    "segment_precision_recall",
    "segment_pr_curve",
    "segment_average_precision",
    "kanezaki_scores",
    "KANEZAKI_THRESHOLDS",
    "RANKINGS",
    "pooled_best_overlap",
    "POOLED_MODES",
]
