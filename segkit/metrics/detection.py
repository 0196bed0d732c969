"""The papers' protocols: segments as detections (Kanezaki, ICASSP 2018).

Kanezaki (2018) scores a segmentation the way an object detector is scored:
every predicted segment is a "detection", correct when it overlaps a
ground-truth segment with an IoU above a threshold (0.5 or 0.7). Precision
is the fraction of predicted segments that are correct, recall the fraction
of ground-truth segments that are found, and the paper's table reports the
average precision (AP, in ``average_precision.py``). This file holds the IoU
table, the matching rule and precision / recall.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_bool, check_choice, check_float
from .components import connected_components
from .contingency import _pair, contingency_table


#: The IoU thresholds of Kanezaki (2018), Table 1.
KANEZAKI_THRESHOLDS = (0.5, 0.7)
#: How predicted segments are ordered for average precision (see :func:`segment_pr_curve`).
RANKINGS = ("area", "tied")


def segment_iou_table(pred, gt, *, split_components: bool = True):
    """IoU of every predicted segment with every ground-truth segment.

    Parameters
    ----------
    pred, gt : (H, W) ndarray of int
        Predicted clusters and one human segmentation.
    split_components : bool
        Split every predicted cluster into its connected components
        (4-connectivity) first, so that the segments are connected regions:
        cluster ids are not objects. Kanezaki (2018) and Kim et al. (2020)
        evaluate this way. The ground truth is used as given.

    Returns
    -------
    iou : (P, G) ndarray of float64
        ``iou[i, j] = |p_i ∩ g_j| / |p_i ∪ g_j|``.
    pred_sizes : (P,) ndarray of int64
        Pixel count of each predicted segment, in the order of ``iou``'s rows
        (segment ids in increasing order; after ``split_components``, ids
        number the components in row-major order of first appearance).
    gt_sizes : (G,) ndarray of int64

    Raises
    ------
    ValueError
        If ``pred`` or ``gt`` is not a non-empty 2-D label map (a ragged
        list included), or the two differ in shape.
    TypeError
        If ``split_components`` is not True or False (a string such as
        ``"no"`` is refused, not taken as true).

    Examples
    --------
    >>> pred = np.array([[0, 0, 1, 0]])   # cluster 0 has two components
    >>> gt = np.array([[0, 0, 1, 1]])
    >>> iou, ps, gs = segment_iou_table(pred, gt)
    >>> iou.round(3), ps
    (array([[1. , 0. ],
           [0. , 0.5],
           [0. , 0.5]]), array([2, 1, 1]))
    """
    pred, gt = _pair(pred, gt)
    if check_bool(split_components, "split_components"):
        pred = connected_components(pred)
    table, _, _ = contingency_table(pred, gt)
    pred_sizes = table.sum(axis=1)
    gt_sizes = table.sum(axis=0)
    iou = table / (pred_sizes[:, None] + gt_sizes[None, :] - table)
    return iou, pred_sizes, gt_sizes


def _check_threshold(threshold):
    return check_float(threshold, "threshold", min_value=0.0, max_value=1.0, max_inclusive=False)


def _ranking(pred_sizes, rank_by):
    check_choice(rank_by, "rank_by", RANKINGS)
    if rank_by == "area":
        # largest first; equal areas keep the segments' id order (stable sort)
        return np.argsort(-pred_sizes, kind="stable")
    return np.arange(pred_sizes.size)


def _greedy_match(iou, order, threshold):
    """Walk down ``order``; each segment claims its best ground-truth segment if free and above threshold."""
    n_pred, n_gt = iou.shape
    best = iou.argmax(axis=1)
    best_iou = iou[np.arange(n_pred), best]
    correct = np.zeros(n_pred, bool)
    matched = np.full(n_gt, -1, np.int64)
    for i in order:
        j = best[i]
        if best_iou[i] > threshold and matched[j] < 0:
            correct[i] = True
            matched[j] = i
    return correct, matched


def segment_matches(pred, gt, *, threshold: float = 0.5, split_components: bool = True,
                    rank_by: str = "area") -> dict:
    """Match predicted segments to ground-truth segments one to one at an IoU threshold.

    A predicted segment p is *correct* when its best-overlapping ground-truth
    segment g (largest IoU) has ``IoU(p, g) > threshold`` and g has not been
    claimed by an earlier segment; segments are visited in the order given by
    ``rank_by``. This is the matching rule of detection benchmarks (PASCAL
    VOC). For ``threshold >= 0.5`` the order never matters: in a partition, a
    segment can overlap at most one segment of the other partition with
    IoU > 0.5 (more than half of each would have to lie in the other), so
    matches are automatically one to one.

    Parameters
    ----------
    pred, gt : (H, W) ndarray of int
    threshold : float
        IoU a match must exceed, in [0, 1).
    split_components : bool
        See :func:`segment_iou_table`.
    rank_by : {"area", "tied"}
        Visiting order: largest segment first, or segment id order.

    Returns
    -------
    matches : dict
        ``iou`` (P, G), ``pred_sizes`` (P,), ``gt_sizes`` (G,), ``order`` (P,)
        (the visiting order), ``correct`` (P,) bool, ``matched`` (G,) int (the
        row of the predicted segment that found each ground-truth segment, or
        -1).

    Raises
    ------
    ValueError
        For label maps of different shapes, ``threshold`` outside [0, 1) or an
        unknown ``rank_by``.

    Examples
    --------
    >>> gt = np.array([[0, 0, 0, 1, 1, 1]])
    >>> pred = np.array([[0, 0, 1, 1, 1, 1]])
    >>> m = segment_matches(pred, gt, threshold=0.5)
    >>> m["correct"], m["matched"]   # IoUs 2/3 and 3/4
    (array([ True,  True]), array([0, 1]))
    """
    threshold = _check_threshold(threshold)
    iou, pred_sizes, gt_sizes = segment_iou_table(pred, gt, split_components=split_components)
    order = _ranking(pred_sizes, rank_by)
    correct, matched = _greedy_match(iou, order, threshold)
    return {"iou": iou, "pred_sizes": pred_sizes, "gt_sizes": gt_sizes, "order": order,
            "correct": correct, "matched": matched}


def segment_precision_recall(pred, gt, *, threshold: float = 0.5, split_components: bool = True) -> dict:
    """Segment precision, recall and F-measure at an IoU threshold (Kanezaki 2018).

    .. math:: P = \\frac{\\#\\{\\text{correct predicted segments}\\}}{\\#\\{\\text{predicted segments}\\}},
              \\quad R = \\frac{\\#\\{\\text{ground-truth segments found}\\}}{\\#\\{\\text{ground-truth segments}\\}},
              \\quad F = \\frac{2PR}{P + R}

    with correctness as in :func:`segment_matches` (one-to-one, IoU strictly
    above ``threshold``; F = 0 when P = R = 0). Over-segmenting is punished by
    precision (many small segments, few of them correct), under-segmenting by
    recall.

    Parameters
    ----------
    pred, gt : (H, W) ndarray of int
    threshold : float
        In [0, 1); the paper uses 0.5 and 0.7.
    split_components : bool
        See :func:`segment_iou_table` (True: the paper's protocol).

    Returns
    -------
    scores : dict
        ``precision``, ``recall``, ``f_measure`` and the counts ``n_pred``,
        ``n_gt``, ``n_correct``.

    Raises
    ------
    ValueError
        As :func:`segment_matches`.

    References
    ----------
    A. Kanezaki, "Unsupervised image segmentation by backpropagation", ICASSP
    2018 (segments counted correct above an IoU threshold; precision, recall,
    F-measure; AP at IoU 0.5 and 0.7 on the BSDS500 test set).

    Examples
    --------
    >>> gt = np.array([[0, 0, 0, 0, 1, 1, 1, 1]])
    >>> pred = np.array([[0, 0, 0, 1, 1, 1, 2, 2]])   # IoUs with gt: 3/4, -, 2/4
    >>> s = segment_precision_recall(pred, gt, threshold=0.5)
    >>> round(s["precision"], 4), s["recall"], round(s["f_measure"], 4)
    (0.3333, 0.5, 0.4)
    """
    threshold = _check_threshold(threshold)
    iou, pred_sizes, gt_sizes = segment_iou_table(pred, gt, split_components=split_components)
    return _pr_from_table(iou, pred_sizes, threshold)


def _pr_from_table(iou, pred_sizes, threshold):
    order = _ranking(pred_sizes, "area")
    correct, _ = _greedy_match(iou, order, threshold)
    n_pred, n_gt = iou.shape
    n_correct = int(correct.sum())
    p = n_correct / n_pred
    r = n_correct / n_gt
    f = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return {"precision": float(p), "recall": float(r), "f_measure": float(f),
            "n_pred": int(n_pred), "n_gt": int(n_gt), "n_correct": n_correct}
