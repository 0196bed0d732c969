"""The checks of lesson 03's exercises: placeholder, typical wrong answers (with what they say), right answer."""

import numpy as np
import pytest

from segkit.exercises import lesson03


def grid_right(shape, n_segments):
    return float(np.sqrt(shape[0] * shape[1] / n_segments))


@pytest.mark.parametrize("fn, words", [
    (lambda shape, k: shape[0] * shape[1] / k, "the square root"),
    (lambda shape, k: np.sqrt(k / (shape[0] * shape[1])), "upside down"),
    (lambda shape, k: np.sqrt((shape[0] + shape[1]) / k), "H * W, not H + W"),
    (lambda shape, k: round(np.sqrt(shape[0] * shape[1] / k)), "not rounded"),
])
def test_grid_interval_names_the_mistake(fn, words):
    fb = lesson03.check_grid_interval(fn)
    assert fb.status == "wrong" and words in fb.message and "K = " in fb.message


def test_grid_interval_placeholder_and_right():
    assert lesson03.check_grid_interval(lambda shape, k: None).status == "not attempted"
    fb = lesson03.check_grid_interval(grid_right)
    assert fb.status == "right" and "S = 13.86" in fb.message


def test_grid_interval_not_a_number():
    fb = lesson03.check_grid_interval(lambda shape, k: "13")
    assert fb.status == "wrong" and "one number" in fb.message


def _parts(pixels, center):
    d_lab = np.sqrt(((pixels[:, :3] - center[:3]) ** 2).sum(axis=1))
    d_xy = np.sqrt(((pixels[:, 3:] - center[3:]) ** 2).sum(axis=1))
    return d_lab, d_xy


def dist_right(pixels, center, S, m):
    d_lab, d_xy = _parts(pixels, center)
    return np.sqrt(d_lab ** 2 + (d_xy / S) ** 2 * m ** 2)


def dist_squared(pixels, center, S, m):
    d_lab, d_xy = _parts(pixels, center)
    return d_lab ** 2 + (d_xy / S) ** 2 * m ** 2


def dist_no_s(pixels, center, S, m):
    d_lab, d_xy = _parts(pixels, center)
    return np.sqrt(d_lab ** 2 + d_xy ** 2 * m ** 2)


def dist_m_not_squared(pixels, center, S, m):
    d_lab, d_xy = _parts(pixels, center)
    return np.sqrt(d_lab ** 2 + (d_xy / S) ** 2 * m)


def dist_added(pixels, center, S, m):
    d_lab, d_xy = _parts(pixels, center)
    return d_lab + d_xy / S * m


def test_slic_distance_placeholder_and_right():
    assert lesson03.check_slic_distance(lambda pixels, center, S, m: None).status == "not attempted"
    fb = lesson03.check_slic_distance(dist_right)
    assert fb.status == "right" and "2S x 2S window" in fb.message


@pytest.mark.parametrize("fn, words", [
    (dist_squared, "take the square root"),
    (dist_no_s, "divided by S"),
    (dist_m_not_squared, "enters squared"),
    (dist_added, "in quadrature"),
])
def test_slic_distance_names_the_mistake(fn, words):
    fb = lesson03.check_slic_distance(fn)
    assert fb.status == "wrong" and words in fb.message and "your D is" in fb.message


def test_slic_distance_wrong_shape():
    fb = lesson03.check_slic_distance(lambda pixels, center, S, m: (pixels - center) ** 2)
    assert fb.status == "wrong" and "one distance per pixel" in fb.message
