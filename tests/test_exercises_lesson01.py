"""The checks of lesson 01's exercises: placeholder, typical wrong answers (with what they say), right answer."""

import numpy as np
import pytest

from segkit.exercises import lesson01


# --------------------------------------------------------------------------- between-class variance

def bcv_right(gray, T):
    low = gray <= T
    w0 = low.mean()
    w1 = 1.0 - w0
    if w0 == 0 or w1 == 0:
        return 0.0
    return w0 * w1 * (gray[low].mean() - gray[~low].mean()) ** 2


def bcv_no_weights(gray, T):
    low = gray <= T
    if low.all() or not low.any():
        return 0.0
    return (gray[low].mean() - gray[~low].mean()) ** 2


def bcv_counts(gray, T):
    low = gray <= T
    if low.all() or not low.any():
        return 0.0
    return low.sum() * (~low).sum() * (gray[low].mean() - gray[~low].mean()) ** 2


def bcv_within(gray, T):
    low = gray <= T
    if low.all() or not low.any():
        return 0.0
    return low.mean() * gray[low].var() + (~low).mean() * gray[~low].var()


def bcv_nan_on_empty(gray, T):
    low = gray <= T
    with np.errstate(all="ignore"):
        return low.mean() * (1 - low.mean()) * (np.mean(gray[low]) - np.mean(gray[~low])) ** 2


def test_between_class_variance_placeholder():
    fb = lesson01.check_between_class_variance(lambda gray, T: None)
    assert fb.status == "not attempted" and "between_class_variance" in fb.message


def test_between_class_variance_right():
    fb = lesson01.check_between_class_variance(bcv_right)
    assert fb.status == "right" and "Otsu's threshold" in fb.message


@pytest.mark.parametrize("fn, words", [
    (bcv_no_weights, "(mu0 - mu1)^2 alone"),
    (bcv_counts, "numbers of pixels"),
    (bcv_within, "within-class variance"),
])
def test_between_class_variance_names_the_mistake(fn, words):
    fb = lesson01.check_between_class_variance(fn)
    assert fb.status == "wrong"
    assert words in fb.message and "your function gives" in fb.message and "T = " in fb.message


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_between_class_variance_empty_class_must_be_zero():
    fb = lesson01.check_between_class_variance(bcv_nan_on_empty)
    assert fb.status == "wrong" and "nan" in fb.message and "return 0.0" in fb.message


def test_between_class_variance_student_error_is_feedback():
    fb = lesson01.check_between_class_variance(lambda gray, T: gray.nosuch)
    assert fb.status == "wrong" and "AttributeError" in fb.message


# --------------------------------------------------------------------------- region growing step

def _neighbours(frontier):
    out = np.zeros_like(frontier)
    out[1:] |= frontier[:-1]
    out[:-1] |= frontier[1:]
    out[:, 1:] |= frontier[:, :-1]
    out[:, :-1] |= frontier[:, 1:]
    return out


def step_right(gray, region, frontier, reference, tolerance):
    return _neighbours(frontier) & ~region & (np.abs(gray - reference) <= tolerance)


def step_roll(gray, region, frontier, reference, tolerance):
    near = np.roll(frontier, 1, 0) | np.roll(frontier, -1, 0) | np.roll(frontier, 1, 1) | np.roll(frontier, -1, 1)
    return near & ~region & (np.abs(gray - reference) <= tolerance)


def step_eight(gray, region, frontier, reference, tolerance):
    from scipy import ndimage

    near = ndimage.binary_dilation(frontier, np.ones((3, 3), bool))   # the diagonals too
    return near & ~region & (np.abs(gray - reference) <= tolerance)


def step_signed(gray, region, frontier, reference, tolerance):
    return _neighbours(frontier) & ~region & (gray - reference <= tolerance)


def step_keeps_region(gray, region, frontier, reference, tolerance):
    return _neighbours(frontier) & (np.abs(gray - reference) <= tolerance)


def step_strict(gray, region, frontier, reference, tolerance):
    return _neighbours(frontier) & ~region & (np.abs(gray - reference) < tolerance)


def test_grow_step_placeholder():
    fb = lesson01.check_grow_step(lambda gray, region, frontier, reference, tolerance: None)
    assert fb.status == "not attempted" and "grow_step" in fb.message


def test_grow_step_right():
    fb = lesson01.check_grow_step(step_right)
    assert fb.status == "right" and "region_grow" in fb.message


@pytest.mark.parametrize("fn, words", [
    (step_roll, "np.roll wraps around"),
    (step_eight, "not the diagonals"),
    (step_signed, "absolute difference"),
    (step_keeps_region, "already in the region"),
    (step_strict, "is the test <= tolerance"),
])
def test_grow_step_names_the_mistake(fn, words):
    fb = lesson01.check_grow_step(fn)
    assert fb.status == "wrong" and words in fb.message


def test_grow_step_wrong_type():
    fb = lesson01.check_grow_step(lambda gray, region, frontier, reference, tolerance: frontier.astype(int))
    assert fb.status == "wrong" and "boolean mask" in fb.message
