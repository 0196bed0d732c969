"""Scoring one segmentation against an image's human annotators, with every protocol.

:func:`score_image` scores a method's labels against each annotator and
reports the mean over annotators (``all``), the finest and the coarsest;
:data:`PROTOCOL_NAMES` lists the protocols in table order.

Which segments each protocol sees
---------------------------------
* Hungarian accuracy and mIoU: the method's labels as output (clusters),
  matched one to one to the annotator's segments (IIC, PiCIE, STEGO).
* Every other protocol: the connected components of the labels (a cluster id
  that covers two separate regions is two segments), as Kanezaki (2018) and
  Kim et al. (2020) evaluate on BSDS500: best-overlap mIoU, segmentation
  covering, variation of information, adapted Rand error, and the segment
  precision, recall, F-measure and AP at IoU 0.5 and 0.7 of
  :func:`segkit.metrics.kanezaki_scores` (``AP`` ranks segments by area,
  ``AP tied`` is precision x recall; see
  :func:`segkit.metrics.segment_average_precision`).
"""

from __future__ import annotations

import numpy as np

from .._validate import describe


_THRESHOLDS = (0.5, 0.7)
#: The protocols of every row, in table order.
PROTOCOL_NAMES = (
    "hungarian accuracy", "hungarian mIoU", "best-overlap mIoU", "covering", "VI", "adapted Rand error",
    *(f"{m}@{t:g}" for t in _THRESHOLDS for m in ("precision", "recall", "F", "AP", "AP tied")),
)
#: Protocols for which lower is better.
LOWER_IS_BETTER = ("VI", "adapted Rand error")


def _score_one(labels, components, gt) -> dict:
    from .. import metrics as M

    h = M.hungarian_scores(labels, gt)
    out = {"hungarian accuracy": h["accuracy"], "hungarian mIoU": h["miou"],
           "best-overlap mIoU": M.best_overlap_miou(components, gt),
           "covering": M.segmentation_covering(components, gt),
           "VI": M.variation_of_information(components, gt),
           "adapted Rand error": M.adapted_rand_error(components, gt)}
    area = M.kanezaki_scores(components, gt, thresholds=_THRESHOLDS, split_components=False)
    tied = M.kanezaki_scores(components, gt, thresholds=_THRESHOLDS, split_components=False, rank_by="tied")
    for t in _THRESHOLDS:
        key = f"{t:g}"
        out[f"precision@{key}"] = area[f"precision@{key}"]
        out[f"recall@{key}"] = area[f"recall@{key}"]
        out[f"F@{key}"] = area[f"f_measure@{key}"]
        out[f"AP@{key}"] = area[f"ap@{key}"]
        out[f"AP tied@{key}"] = tied[f"ap@{key}"]
    return out


def score_image(labels, gts) -> dict:
    """Score one segmentation with every protocol against every annotator.

    Parameters
    ----------
    labels : (H, W) ndarray of int
        A method's output.
    gts : sequence of (H, W) ndarray of int
        One human segmentation per annotator.

    Returns
    -------
    scores : dict
        ``{protocol: {"all": mean over annotators, "finest": ..., "coarsest": ...}}``
        for every name in :data:`PROTOCOL_NAMES`; the finest annotation has
        the most segments, the coarsest the fewest (ties: the first).

    Raises
    ------
    ValueError
        If a map is not a 2-D label map or the shapes differ.

    Examples
    --------
    >>> gt = np.repeat(np.array([[0, 0, 1, 1]]), 2, axis=0)
    >>> s = score_image(gt, [gt, np.zeros_like(gt)])
    >>> s["AP@0.5"]   # against one segment, each half has IoU 0.5: not above 0.5
    {'all': 0.5, 'finest': 1.0, 'coarsest': 0.0}
    >>> s["hungarian accuracy"]
    {'all': 0.75, 'finest': 1.0, 'coarsest': 0.5}
    """
    from .._validate import check_label_map, check_same_shape
    from ..metrics import connected_components

    labels = check_label_map(labels, "labels")
    if isinstance(gts, np.ndarray) and gts.ndim == 2:
        gts = [gts]
    if not isinstance(gts, (list, tuple)) or not gts:
        raise ValueError(f"`gts` must be a non-empty list of (H, W) label maps; got {describe(gts)}")
    gts = [check_label_map(g, f"gts[{i}]") for i, g in enumerate(gts)]
    for i, g in enumerate(gts):
        check_same_shape(labels, g, "labels", f"gts[{i}]")
    components = connected_components(labels)
    per = [_score_one(labels, components, g) for g in gts]
    counts = [np.unique(g).size for g in gts]
    fine, coarse = int(np.argmax(counts)), int(np.argmin(counts))
    return {p: {"all": float(np.mean([s[p] for s in per])), "finest": per[fine][p], "coarsest": per[coarse][p]}
            for p in PROTOCOL_NAMES}
