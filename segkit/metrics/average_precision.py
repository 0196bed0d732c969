"""Average precision of segments, and Kanezaki (2018)'s protocol in one call.

The paper does not say how its segments, which carry no confidence score, are
ranked for AP; the choice made here is documented in
:func:`segment_average_precision`. The matching rule and precision / recall
are in ``detection.py``.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import check_choice, describe
from .detection import (
    KANEZAKI_THRESHOLDS,
    RANKINGS,
    _check_threshold,
    _greedy_match,
    _pr_from_table,
    _ranking,
    segment_iou_table,
)


def _curve_from_table(iou, pred_sizes, threshold, rank_by):
    order = _ranking(pred_sizes, rank_by)
    correct, _ = _greedy_match(iou, order, threshold)
    hits = np.cumsum(correct[order])
    ranks = np.arange(1, order.size + 1)
    if rank_by == "tied":
        # no order among the segments: a single operating point
        precision = np.array([hits[-1] / ranks[-1]], float)
        recall = np.array([hits[-1] / iou.shape[1]], float)
    else:
        precision = hits / ranks
        recall = hits / iou.shape[1]
    return precision, recall


def _ap_from_curve(precision, recall):
    # non-interpolated area under the step curve: sum of precision x recall increments
    steps = np.diff(np.concatenate([[0.0], recall]))
    return float(np.sum(precision * steps))


def segment_pr_curve(pred, gt, *, threshold: float = 0.5, split_components: bool = True,
                     rank_by: str = "area"):
    """The precision-recall curve of predicted segments ranked without scores.

    Segments carry no confidence, so an order has to be chosen (see
    :func:`segment_average_precision`). With ``rank_by="area"`` the k-th point
    is the precision and recall of the k largest segments; with
    ``rank_by="tied"`` there is one point, the whole segmentation's
    (:func:`segment_precision_recall`). The last point is always that one.

    Returns
    -------
    precision, recall : (P,) or (1,) ndarray of float64

    Raises
    ------
    ValueError
        As :func:`segment_matches`.

    Examples
    --------
    >>> gt = np.array([[0, 0, 0, 0, 1, 1, 1, 1]])
    >>> pred = np.array([[0, 0, 0, 1, 1, 1, 2, 2]])   # areas 3, 3, 2
    >>> p, r = segment_pr_curve(pred, gt, threshold=0.5)
    >>> p.round(3), r
    (array([1.   , 0.5  , 0.333]), array([0.5, 0.5, 0.5]))
    """
    threshold = _check_threshold(threshold)
    iou, pred_sizes, _ = segment_iou_table(pred, gt, split_components=split_components)
    return _curve_from_table(iou, pred_sizes, threshold, rank_by)


def segment_average_precision(pred, gt, *, threshold: float = 0.5, split_components: bool = True,
                              rank_by: str = "area") -> float:
    """Average precision of predicted segments at an IoU threshold, ranking segments by area.

    .. math:: AP = \\sum_k P(k)\\,\\bigl(R(k) - R(k-1)\\bigr)
              = \\frac{1}{|G|} \\sum_{k\\,:\\,\\text{segment } k \\text{ correct}} P(k)

    where P(k) and R(k) are the precision and recall of the k first segments
    of the ranking (the non-interpolated area under the precision-recall
    curve, as in scikit-learn's ``average_precision_score``).

    **The ranking is our choice.** Kanezaki (2018) reports AP at IoU 0.5 and
    0.7 (Table 1) but an AP needs the detections ordered by a confidence, and
    the paper does not say what orders segments that have none. segkit ranks
    them by area, largest first (``rank_by="area"``): the one "confidence" a
    plain partition carries, and the order in which a person would check
    them. A method scores high when its large segments are right, and the
    long tail of tiny fragments (speckle of k-means, for instance) only lowers
    the end of the curve. With ``rank_by="tied"`` no order is assumed: the
    curve is the single point (R, P) of :func:`segment_precision_recall` and
    AP = P x R, which is about what a detection AP gives when all scores
    tie. :mod:`segkit.evaluation` reports both (``AP`` and ``AP tied``);
    neither is guaranteed to be the paper's computation, so compare with its
    figures as orders of magnitude. Ranking by area is lenient with
    over-segmentation (tiny fragments come last) and rewards coarse
    segmentations whose few large segments are right; ``AP tied`` is harsh
    with fragments (each one lowers P).

    Parameters
    ----------
    pred, gt : (H, W) ndarray of int
    threshold : float
        IoU a match must exceed, in [0, 1) (the paper: 0.5 and 0.7).
    split_components : bool
        See :func:`segment_iou_table` (True: the paper's protocol).
    rank_by : {"area", "tied"}

    Returns
    -------
    ap : float in [0, 1]

    Raises
    ------
    ValueError
        As :func:`segment_matches`.

    References
    ----------
    A. Kanezaki, "Unsupervised image segmentation by backpropagation", ICASSP
    2018 (AP at IoU 0.5 / 0.7 on the 200 BSDS500 test images: k-means
    0.049 / 0.0129, Felzenszwalb-Huttenlocher 0.1161 / 0.0449, the proposed
    CNN 0.1394 / 0.0578). M. Everingham et al., "The PASCAL Visual Object
    Classes (VOC) challenge", IJCV 88, 2010 (the matching rule and AP).

    Examples
    --------
    >>> gt = np.array([[0, 0, 0, 0, 1, 1, 1, 1]])
    >>> pred = np.array([[0, 0, 0, 1, 1, 1, 2, 2]])   # only the first segment is correct
    >>> segment_average_precision(pred, gt)           # P(1) = 1, R jumps by 1/2
    0.5
    >>> round(segment_average_precision(pred, gt, rank_by="tied"), 4)   # P x R = 1/3 x 1/2
    0.1667
    """
    return _ap_from_curve(*segment_pr_curve(pred, gt, threshold=threshold, split_components=split_components,
                                            rank_by=rank_by))


def _check_thresholds(thresholds) -> list:
    """``thresholds`` as a non-empty list of IoU thresholds in [0, 1); one number is a list of one."""
    if isinstance(thresholds, numbers.Real) and not isinstance(thresholds, (bool, np.bool_)):
        thresholds = (thresholds,)
    if isinstance(thresholds, np.ndarray):
        thresholds = thresholds.ravel().tolist()
    if not isinstance(thresholds, (list, tuple)):
        raise TypeError(f"`thresholds` must be a number or a list of numbers in [0, 1); "
                        f"got {describe(thresholds)}")
    if not thresholds:
        raise ValueError("`thresholds` must hold at least one IoU threshold; got none")
    checked = []
    for i, t in enumerate(thresholds):
        try:
            checked.append(_check_threshold(t))
        except (TypeError, ValueError) as exc:  # name the item the caller typed
            raise type(exc)(f"`thresholds[{i}]`: each {exc}") from None
    return checked


def kanezaki_scores(pred, gt, *, thresholds=KANEZAKI_THRESHOLDS, split_components: bool = True,
                    rank_by: str = "area") -> dict:
    """Kanezaki (2018)'s protocol at several IoU thresholds, from one IoU table.

    Parameters
    ----------
    pred, gt : (H, W) ndarray of int
    thresholds : sequence of float
        Each in [0, 1); default (0.5, 0.7), the paper's.
    split_components : bool
        See :func:`segment_iou_table`.
    rank_by : {"area", "tied"}
        Ranking for AP (see :func:`segment_average_precision`).

    Returns
    -------
    scores : dict
        ``{"precision@0.5": ..., "recall@0.5": ..., "f_measure@0.5": ...,
        "ap@0.5": ..., "precision@0.7": ..., ...}`` (keys use ``f"{t:g}"``).

    Raises
    ------
    ValueError
        For an empty ``thresholds``, one outside [0, 1), or as :func:`segment_matches`.
    TypeError
        If ``thresholds`` is not a number or a list of numbers, or
        ``split_components`` is not True or False.

    Examples
    --------
    >>> gt = np.array([[0, 0, 0, 0, 1, 1, 1, 1]])
    >>> pred = np.array([[0, 0, 0, 1, 1, 1, 2, 2]])
    >>> s = kanezaki_scores(pred, gt)
    >>> s["ap@0.5"], s["recall@0.7"], s["ap@0.7"]
    (0.5, 0.5, 0.5)
    """
    thresholds = _check_thresholds(thresholds)
    check_choice(rank_by, "rank_by", RANKINGS)
    iou, pred_sizes, _ = segment_iou_table(pred, gt, split_components=split_components)
    out = {}
    for t in thresholds:
        pr = _pr_from_table(iou, pred_sizes, t)
        key = f"{t:g}"
        out[f"precision@{key}"] = pr["precision"]
        out[f"recall@{key}"] = pr["recall"]
        out[f"f_measure@{key}"] = pr["f_measure"]
        out[f"ap@{key}"] = _ap_from_curve(*_curve_from_table(iou, pred_sizes, t, rank_by))
    return out
