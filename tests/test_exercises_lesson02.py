"""The checks of lesson 02's exercises: placeholder, typical wrong answers (with what they say), right answer."""

import numpy as np
import pytest

from segkit.exercises import lesson02


def _d2(features, centers):
    return ((features[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)


def assign_right(features, centers):
    return _d2(features, centers).argmin(axis=1)


def assign_argmax(features, centers):
    return _d2(features, centers).argmax(axis=1)


def assign_l1(features, centers):
    return np.abs(features[:, None, :] - centers[None, :, :]).sum(axis=2).argmin(axis=1)


def assign_distances(features, centers):
    return _d2(features, centers)


def assign_axis0(features, centers):
    return _d2(features, centers).argmin(axis=0)


def update_right(features, labels, centers):
    new = centers.copy()
    for j in range(len(centers)):
        if (labels == j).any():
            new[j] = features[labels == j].mean(axis=0)
    return new


def update_sum(features, labels, centers):
    new = centers.copy()
    for j in range(len(centers)):
        if (labels == j).any():
            new[j] = features[labels == j].sum(axis=0)
    return new


def update_median(features, labels, centers):
    new = centers.copy()
    for j in range(len(centers)):
        if (labels == j).any():
            new[j] = np.median(features[labels == j], axis=0)
    return new


def update_nan_when_empty(features, labels, centers):
    with np.errstate(all="ignore"):
        return np.array([features[labels == j].mean(axis=0) if (labels == j).any() else np.full(features.shape[1], np.nan)
                         for j in range(len(centers))])


def update_transposed(features, labels, centers):
    return update_right(features, labels, centers).T


def test_assign_placeholder():
    fb = lesson02.check_assign(lambda features, centers: None)
    assert fb.status == "not attempted" and "assign" in fb.message


def test_assign_right():
    assert lesson02.check_assign(assign_right).status == "right"


@pytest.mark.parametrize("fn, words", [
    (assign_argmax, "argmin, not argmax"),
    (assign_l1, "sum of absolute differences"),
    (assign_distances, "the table of distances"),
    (assign_axis0, "one per centre"),
])
def test_assign_names_the_mistake(fn, words):
    fb = lesson02.check_assign(fn)
    assert fb.status == "wrong" and words in fb.message


def test_update_placeholder():
    fb = lesson02.check_update(lambda features, labels, centers: None)
    assert fb.status == "not attempted" and "update" in fb.message


def test_update_right_alone_and_with_the_students_assign():
    fb = lesson02.check_update(update_right)
    assert fb.status == "right" and "assign and your update" in fb.message
    fb = lesson02.check_update(update_right, assign_right)
    assert fb.status == "right" and "your assign and update" in fb.message and "inertia" in fb.message


@pytest.mark.parametrize("fn, words", [
    (update_sum, "divide by their number"),
    (update_median, "the median"),
    (update_nan_when_empty, "leave such a centre where it was"),
    (update_transposed, "transpose"),
])
def test_update_names_the_mistake(fn, words):
    fb = lesson02.check_update(fn)
    assert fb.status == "wrong" and words in fb.message


def test_update_error_is_feedback():
    fb = lesson02.check_update(lambda features, labels, centers: features.nosuch)
    assert fb.status == "wrong" and "AttributeError" in fb.message
