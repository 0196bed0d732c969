"""The checks of lesson 09's exercises: segkit/exercises/lesson09.py."""

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from segkit.exercises import lesson09


def _ious(pred, gt, divide_by="union"):
    out = []
    for g in np.unique(gt):
        in_g = gt == g
        best = 0.0
        for p in np.unique(pred):
            in_p = pred == p
            inter = (in_g & in_p).sum()
            denominator = {"union": (in_g | in_p).sum(), "gt": in_g.sum()}[divide_by]
            best = max(best, inter / denominator)
        out.append(best)
    return out


def best_overlap(pred, gt):
    return float(np.mean(_ious(pred, gt)))


def test_best_overlap_placeholder_is_not_attempted():
    assert lesson09.check_best_overlap(lambda pred, gt: None).status == "not attempted"


def test_best_overlap_right():
    assert lesson09.check_best_overlap(best_overlap)


def _over_range(pred, gt):
    ious = dict(zip(np.unique(gt), _ious(pred, gt)))
    return float(np.mean([ious.get(g, 0.0) for g in range(gt.max() + 1)]))


@pytest.mark.parametrize("answer, words", [
    (lambda pred, gt: best_overlap(gt, pred), "averaged over the predicted segments"),
    (lambda pred, gt: float(np.mean(_ious(pred, gt, "gt"))), "divided the overlap by the human segment's size"),
    (_over_range, "looped over range(gt.max() + 1)"),
    (lambda pred, gt: max(_ious(pred, gt)), "single best IoU"),
])
def test_best_overlap_wrong_answers_say_what_is_wrong(answer, words):
    fb = lesson09.check_best_overlap(answer)
    assert fb.status == "wrong"
    assert words in fb.message
    assert "it should be 0.3750" in fb.message


def matched_accuracy(table):
    rows, cols = linear_sum_assignment(table, maximize=True)
    return table[rows, cols].sum() / table.sum()


def test_matched_accuracy_placeholder_is_not_attempted():
    assert lesson09.check_matched_accuracy(lambda table: None).status == "not attempted"


def test_matched_accuracy_right():
    assert lesson09.check_matched_accuracy(matched_accuracy)


@pytest.mark.parametrize("answer, words", [
    (lambda t: t.max(axis=1).sum() / t.sum(), "row-wise argmax"),
    (lambda t: t.max(axis=0).sum() / t.sum(), "column-wise argmax"),
    (lambda t: matched_accuracy(t) * t.sum(), "number of matched pixels"),
    (lambda t: (lambda r, c: t[r, c].sum() / t.sum())(*linear_sum_assignment(t)), "minimises by default"),
    (lambda t: np.trace(t) / t.sum(), "you read the diagonal"),
])
def test_matched_accuracy_wrong_answers_say_what_is_wrong(answer, words):
    fb = lesson09.check_matched_accuracy(answer)
    assert fb.status == "wrong"
    assert words in fb.message
    assert "it should be 0.6571" in fb.message
