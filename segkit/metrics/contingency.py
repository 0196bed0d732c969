"""The contingency table: how many pixels each pair of labels shares.

Every overlap score in this package (Hungarian matching, best overlap,
covering, under-segmentation error, the segment IoU table) starts from this
table of counts, so it is the first thing to read.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_label_map, check_same_shape


def _pair(pred, gt):
    pred = check_label_map(pred, "pred")
    gt = check_label_map(gt, "gt")
    check_same_shape(pred, gt, "pred", "gt")
    return pred, gt


def contingency_table(pred, gt):
    """Pixel counts of every (predicted label, ground-truth label) pair.

    Parameters
    ----------
    pred, gt : (H, W) ndarray of int
        Two label maps of the same shape.

    Returns
    -------
    table : (P, G) ndarray of int64
        ``table[i, j]`` = number of pixels with label ``pred_ids[i]`` in
        ``pred`` and ``gt_ids[j]`` in ``gt``.
    pred_ids : (P,) ndarray
    gt_ids : (G,) ndarray

    Examples
    --------
    >>> table, p, g = contingency_table(np.array([[0, 0], [1, 1]]), np.array([[5, 5], [5, 7]]))
    >>> table
    array([[2, 0],
           [1, 1]])
    """
    pred, gt = _pair(pred, gt)
    pred_ids, p = np.unique(pred.ravel(), return_inverse=True)
    gt_ids, g = np.unique(gt.ravel(), return_inverse=True)
    table = np.bincount(p * gt_ids.size + g, minlength=pred_ids.size * gt_ids.size)
    return table.reshape(pred_ids.size, gt_ids.size).astype(np.int64), pred_ids, gt_ids
