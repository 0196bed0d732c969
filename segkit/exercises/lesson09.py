"""Checks for the exercises of lesson 09 (evaluation against human ground truth).

* :func:`check_best_overlap` - the best-overlap mIoU of one prediction
  against one annotation, by hand from the label maps;
* :func:`check_matched_accuracy` - Hungarian-matched pixel accuracy from a
  contingency table.

Each check runs the student's function on cases the student does not see and
compares it with segkit's tested metrics (:func:`segkit.metrics.best_overlap_miou`,
:func:`segkit.metrics.pixel_accuracy`). numpy (and scipy) only.
"""

from __future__ import annotations

import numpy as np

from ..metrics.contingency import contingency_table
from ..metrics.detection import segment_iou_table
from ..metrics.matching import best_overlap_miou, hungarian_miou, pixel_accuracy
from ._feedback import Feedback, right, student_number, wrong

__all__ = ["check_best_overlap", "check_matched_accuracy"]


def _overlap_cases():
    """Hidden (pred, gt) pairs; ids that skip numbers, more and fewer predicted segments than human ones."""
    rng = np.random.default_rng(8)
    gt1 = np.repeat(np.array([[3, 3, 7, 7, 7, 10]]), 5, axis=0)
    gt1[3:, :2] = 12
    pred1 = np.repeat(np.array([[0, 0, 0, 5, 5, 5]]), 5, axis=0)
    gt2 = (np.arange(8)[:, None] // 3) * 3 + (np.arange(9)[None, :] // 4)
    pred2 = rng.integers(0, 3, size=(8, 9)) * 2 + 1
    pred2[:4, :4] = 1
    gt3 = np.zeros((6, 6), int)
    gt3[:, 3:] = 1
    gt3[4:, :] = 2
    pred3 = np.zeros((6, 6), int)
    pred3[2:, 1:] = 4
    pred3[:, 5] = 9
    return [(pred1, gt1), (pred2, gt2), (pred3, gt3)]


def check_best_overlap(fn) -> Feedback:
    """Check ``fn(pred, gt) -> float``: the mean over human segments g of max over predicted p of IoU(g, p).

    No connected-component split: the label maps are used as given.

    Examples
    --------
    >>> check_best_overlap(lambda pred, gt: None).status
    'not attempted'
    """
    for pred, gt in _overlap_cases():
        with np.errstate(divide="ignore", invalid="ignore"):  # an empty segment reads as feedback
            got = student_number(fn, pred.copy(), gt.copy(), name="best_overlap", what="one number (a mean IoU)",
                                 hint=". Labels need not be 0, 1, 2, ...: loop over np.unique(gt) and np.unique(pred).")
        if isinstance(got, Feedback):
            return got
        want = best_overlap_miou(pred, gt)
        if np.isclose(got, want, rtol=1e-9, atol=1e-12):
            continue
        iou = segment_iou_table(pred, gt, split_components=False)[0]
        table = contingency_table(pred, gt)[0]
        where = (f"for a hidden {pred.shape[0]}x{pred.shape[1]} prediction with {iou.shape[0]} segments against an "
                 f"annotation with {iou.shape[1]} segments (ids {np.unique(gt).tolist()}) you get {got:.4f}; "
                 f"it should be {want:.4f}")
        recall = (table / table.sum(axis=0, keepdims=True)).max(axis=0).mean()
        precision_like = (table / table.sum(axis=1, keepdims=True)).max(axis=0).mean()
        variants = [
            (iou.max(axis=1).mean(), "you averaged over the predicted segments. The mean runs over the human "
                                     "segments: each human segment g takes its best predicted segment."),
            (recall, "you divided the overlap by the human segment's size |g|. IoU divides by the union "
                     "|g| + |p| - |g ∩ p|, so a huge predicted segment that covers g is not a perfect match."),
            (precision_like, "you divided the overlap by the predicted segment's size |p|; divide by the union "
                             "|g| + |p| - |g ∩ p|."),
            (hungarian_miou(pred, gt), "that is the Hungarian (one-to-one) mIoU. Best overlap is many-to-one: "
                                       "two human segments may both pick the same predicted segment."),
            (iou.max(axis=0).sum() / (int(gt.max()) + 1),
             f"you looped over range(gt.max() + 1) = 0..{int(gt.max())}: ids that do not occur counted as segments "
             "with IoU 0. Loop over the ids that occur, np.unique(gt) (and np.unique(pred))."),
            (iou.max(), "that is the single best IoU; take each human segment's best IoU, then their mean."),
        ]
        for value_, message in variants:
            if np.isclose(got, value_, rtol=1e-9, atol=1e-12):
                return wrong(f"{where}: {message}")
        return wrong(f"{where}. For every human segment g: its IoU |g ∩ p| / |g ∪ p| with every predicted "
                     "segment p, keep the largest; then average over the human segments.")
    return right("your best-overlap mIoU equals segkit.metrics.best_overlap_miou on hidden label maps with ids "
                 "that skip numbers: each human segment takes its best predicted segment (many-to-one).")


def _table_cases():
    rng = np.random.default_rng(9)
    return [
        np.array([[50, 40, 0], [45, 5, 2], [0, 3, 30]]),        # greedy: rows 0 and 1 both pick column 0
        rng.integers(0, 40, size=(5, 3)),                       # more clusters than segments
        np.array([[30, 28, 1, 0], [29, 2, 0, 5]]),               # fewer clusters than segments
        rng.integers(0, 25, size=(4, 4)) * (rng.random((4, 4)) < 0.7),
    ]


def _accuracy_from_table(table) -> float:
    """segkit's pixel accuracy of the label maps this table counts (one pixel per count)."""
    rows, cols = np.nonzero(table)
    counts = table[rows, cols]
    pred = np.repeat(rows, counts)[None]
    gt = np.repeat(cols, counts)[None]
    return pixel_accuracy(pred, gt)


def check_matched_accuracy(fn) -> Feedback:
    """Check ``fn(table) -> float``: pixel accuracy after one-to-one (Hungarian) matching.

    ``table[p, g]`` counts the pixels of predicted cluster p in human segment
    g; the answer is the largest sum of ``table[p, sigma(p)]`` over a
    one-to-one assignment sigma, divided by all pixels.

    Examples
    --------
    >>> check_matched_accuracy(lambda table: None).status
    'not attempted'
    """
    for table in _table_cases():
        got = student_number(fn, table.copy(), name="matched_accuracy", what="one number (a fraction of the pixels)",
                             hint=". The table may have more rows (clusters) than columns (segments), or fewer.")
        if isinstance(got, Feedback):
            return got
        want = _accuracy_from_table(table)
        if np.isclose(got, want, rtol=1e-9, atol=1e-12):
            continue
        n = table.sum()
        where = (f"for a hidden {table.shape[0]}x{table.shape[1]} table of {n} pixels you get {got:.4f}; "
                 f"it should be {want:.4f}")
        from scipy.optimize import linear_sum_assignment

        r, c = linear_sum_assignment(table)
        variants = [
            (table.max(axis=1).sum() / n, "each cluster took its best segment on its own (a row-wise argmax), so "
                                          "two clusters can claim the same segment. The matching is one-to-one: "
                                          "use scipy.optimize.linear_sum_assignment(table, maximize=True)."),
            (table.max(axis=0).sum() / n, "each segment took its best cluster on its own (a column-wise argmax); "
                                          "the matching must be one-to-one (linear_sum_assignment)."),
            (want * n, "that is the number of matched pixels; divide by all the pixels of the table."),
            (table[r, c].sum() / n, "linear_sum_assignment minimises by default: you found the worst matching. "
                                    "Pass maximize=True (or use -table)."),
            (np.trace(table[: min(table.shape), : min(table.shape)]) / n,
             "you read the diagonal: cluster p is not segment p. Find the matching first."),
        ]
        for value_, message in variants:
            if np.isclose(got, value_, rtol=1e-9, atol=1e-12):
                return wrong(f"{where}: {message}")
        return wrong(f"{where}. Find the one-to-one matching of rows to columns with the largest total, "
                     "add the matched counts, divide by all pixels.")
    return right("your accuracy equals segkit.metrics.pixel_accuracy on hidden tables, square or not: a one-to-one "
                 "matching that maximises the matched pixels, unmatched clusters counted wrong.")
