"""Matching predicted segments to ground-truth segments, then scoring the overlap.

* One to one (Hungarian algorithm, maximising overlapping pixels), then scored
  as if it were a supervised prediction: :func:`hungarian_match`,
  :func:`hungarian_scores`, :func:`pixel_accuracy`, :func:`hungarian_miou`.
  The protocol of IIC, PiCIE and STEGO.
* Many to one (each ground-truth segment takes the predicted segment that
  overlaps it best): :func:`best_overlap_miou` (the mean over ground-truth
  segments) and :func:`segmentation_covering` (the same, weighted by segment
  area; Arbelaez et al. 2011).
"""

from __future__ import annotations

import numpy as np

from .._validate import check_bool
from .components import connected_components
from .contingency import _pair, contingency_table


def hungarian_match(pred, gt) -> dict:
    """One-to-one matching of predicted labels to ground-truth labels.

    Solves the assignment problem that maximises the number of pixels on which
    matched labels agree (scipy's ``linear_sum_assignment``, the Hungarian
    algorithm). With more predicted labels than ground-truth ones, the extra
    predicted labels stay unmatched (and are absent from the result); with fewer,
    some ground-truth labels stay unmatched.

    Returns
    -------
    mapping : dict
        ``{predicted label: ground-truth label}``.

    Examples
    --------
    >>> hungarian_match(np.array([[1, 1], [0, 0]]), np.array([[0, 0], [1, 1]]))
    {0: 1, 1: 0}
    """
    from scipy.optimize import linear_sum_assignment

    table, pred_ids, gt_ids = contingency_table(pred, gt)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return {int(pred_ids[r]): int(gt_ids[c]) for r, c in zip(rows, cols)}


def hungarian_scores(pred, gt) -> dict:
    """Pixel accuracy and mIoU after Hungarian matching, in one pass.

    Pixel accuracy = (pixels whose predicted label is matched to their
    ground-truth label) / (all pixels). For each ground-truth class c matched
    to predicted cluster p, IoU_c = |p ∩ c| / |p ∪ c|; an unmatched class has
    IoU 0. mIoU is the mean over ground-truth classes. Unmatched predicted
    clusters count as wrong everywhere.

    References
    ----------
    Ji, Henriques and Vedaldi, "Invariant Information Clustering", ICCV 2019;
    Hamilton et al., "Unsupervised Semantic Segmentation by Distilling Feature
    Correspondences" (STEGO), ICLR 2022.

    Returns
    -------
    scores : dict with ``accuracy``, ``miou`` and ``iou`` (per ground-truth label)
    """
    from scipy.optimize import linear_sum_assignment

    table, pred_ids, gt_ids = contingency_table(pred, gt)
    rows, cols = linear_sum_assignment(table, maximize=True)
    n = table.sum()
    pred_sizes = table.sum(axis=1)
    gt_sizes = table.sum(axis=0)
    iou = np.zeros(gt_ids.size)
    for r, c in zip(rows, cols):
        inter = table[r, c]
        iou[c] = inter / (pred_sizes[r] + gt_sizes[c] - inter)
    return {
        "accuracy": float(table[rows, cols].sum() / n),
        "miou": float(iou.mean()),
        "iou": {int(g): float(v) for g, v in zip(gt_ids, iou)},
    }


def pixel_accuracy(pred, gt) -> float:
    """Fraction of pixels labelled correctly after Hungarian matching.

    See :func:`hungarian_scores` for the formula.

    Examples
    --------
    >>> pred = np.array([[2, 2, 2], [0, 0, 2]])
    >>> gt = np.array([[0, 0, 0], [1, 1, 1]])
    >>> round(pixel_accuracy(pred, gt), 4)
    0.8333
    """
    return hungarian_scores(pred, gt)["accuracy"]


def hungarian_miou(pred, gt) -> float:
    """Mean IoU over ground-truth classes after Hungarian matching.

    See :func:`hungarian_scores` for the formula.

    Examples
    --------
    >>> pred = np.array([[2, 2, 2], [0, 0, 2]])
    >>> gt = np.array([[0, 0, 0], [1, 1, 1]])
    >>> round(hungarian_miou(pred, gt), 4)  # IoUs 3/4 and 2/3
    0.7083
    """
    return hungarian_scores(pred, gt)["miou"]


def _best_overlaps(pred, gt):
    table, _, _ = contingency_table(pred, gt)
    pred_sizes = table.sum(axis=1, keepdims=True)
    gt_sizes = table.sum(axis=0, keepdims=True)
    iou = table / (pred_sizes + gt_sizes - table)
    return iou.max(axis=0), gt_sizes.ravel()


def best_overlap_miou(pred, gt, *, split_components: bool = False) -> float:
    """Mean over ground-truth segments of the IoU of their best-matching predicted segment.

    .. math:: \\mathrm{mIoU}_{bo} = \\frac{1}{|G|} \\sum_{g \\in G} \\max_{p \\in P}
              \\frac{|g \\cap p|}{|g \\cup p|}

    Many-to-one: two ground-truth segments may both pick the same predicted
    segment. This is the per-image protocol used for BSDS500 in the
    unsupervised-CNN work, where predicted clusters are first split into
    connected components (``split_components=True``): a cluster id that covers
    two separate objects is two segments, not one.

    Parameters
    ----------
    pred, gt : (H, W) ndarray of int
    split_components : bool
        Relabel every connected component (4-connectivity) of each predicted
        cluster as a segment of its own before matching.

    Raises
    ------
    TypeError
        If ``split_components`` is not True or False.

    Examples
    --------
    >>> pred = np.array([[0, 0, 1, 1], [0, 0, 1, 1]])
    >>> gt = np.array([[0, 0, 0, 1], [0, 0, 0, 1]])
    >>> round(best_overlap_miou(pred, gt), 4)  # (4/6 + 2/4) / 2
    0.5833
    """
    pred, gt = _pair(pred, gt)
    if check_bool(split_components, "split_components"):
        pred = connected_components(pred)
    best, _ = _best_overlaps(pred, gt)
    return float(best.mean())


def segmentation_covering(pred, gt) -> float:
    """Covering of the ground truth by the prediction (Arbelaez et al., TPAMI 2011).

    .. math:: C(P \\rightarrow G) = \\frac{1}{N} \\sum_{g \\in G} |g| \\max_{p \\in P}
              \\frac{|g \\cap p|}{|g \\cup p|}

    The area-weighted version of :func:`best_overlap_miou`. 1 is perfect.

    Examples
    --------
    >>> pred = np.array([[0, 0, 1, 1], [0, 0, 1, 1]])
    >>> gt = np.array([[0, 0, 0, 1], [0, 0, 0, 1]])
    >>> round(segmentation_covering(pred, gt), 4)  # (6 * 4/6 + 2 * 2/4) / 8
    0.625
    """
    pred, gt = _pair(pred, gt)
    best, sizes = _best_overlaps(pred, gt)
    return float((best * sizes).sum() / sizes.sum())
