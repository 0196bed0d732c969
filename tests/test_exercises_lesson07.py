"""The checks of lesson 07's exercises: segkit/exercises/lesson07.py."""

import numpy as np
import pytest

from segkit.exercises import lesson07


def mutual_information(joint):
    px, py = joint.sum(axis=1), joint.sum(axis=0)
    nz = joint > 0
    return float((joint[nz] * np.log2(joint[nz] / np.outer(px, py)[nz])).sum())


def _entropy(p):
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def test_mutual_information_placeholder_is_not_attempted():
    assert lesson07.check_mutual_information(lambda joint: None).status == "not attempted"


def test_mutual_information_right():
    assert lesson07.check_mutual_information(mutual_information)


def _with_nan(joint):
    px, py = joint.sum(axis=1), joint.sum(axis=0)
    return float((joint * np.log2(joint / np.outer(px, py))).sum())


@pytest.mark.parametrize("answer, words", [
    (_with_nan, "0 log 0 = 0"),
    (lambda j: mutual_information(j) * np.log(2), "in nats"),
    (lambda j: mutual_information(j) * np.log10(2), "log base 10"),
    (lambda j: -mutual_information(j), "sign is flipped"),
    (lambda j: _entropy(j.sum(axis=1)) + _entropy(j.sum(axis=0)) + _entropy(j.ravel()), "joint entropy is subtracted"),
    (lambda j: _entropy(j.ravel()) - _entropy(j.sum(axis=0)), "that is H(X|Y)"),
])
def test_mutual_information_wrong_answers_say_what_is_wrong(answer, words):
    fb = lesson07.check_mutual_information(answer)
    assert fb.status == "wrong"
    assert words in fb.message
    assert "I(X;Y) is 0.7863 bits" in fb.message


def test_mutual_information_square_only_answer_is_told_about_shapes():
    def square_only(joint):
        assert joint.shape[0] == joint.shape[1], "square tables only"
        return mutual_information(joint)

    fb = lesson07.check_mutual_information(square_only)
    assert fb.status == "wrong"
    assert "AssertionError" in fb.message and "may differ in number" in fb.message


def _shifted_sum(z1, z2, window, wrap=False):
    k, h, w = z1.shape
    d = window // 2
    padded = np.pad(z2, ((0, 0), (d, d), (d, d)))
    p = np.zeros((k, k))
    for dy in range(-d, d + 1):
        for dx in range(-d, d + 1):
            shifted = (np.roll(z2, (-dy, -dx), axis=(1, 2)) if wrap
                       else padded[:, d + dy: d + dy + h, d + dx: d + dx + w])
            p += z1.reshape(k, -1) @ shifted.reshape(k, -1).T
    return p


def iic_joint(z1, z2, window):
    p = _shifted_sum(z1, z2, window)
    p = p / p.sum()
    return (p + p.T) / 2


def test_iic_joint_placeholder_is_not_attempted():
    assert lesson07.check_iic_joint(lambda z1, z2, window: None).status == "not attempted"


def test_iic_joint_right():
    assert lesson07.check_iic_joint(iic_joint)


def _normalised(p):
    return p / p.sum()


@pytest.mark.parametrize("answer, words", [
    (lambda z1, z2, w: _normalised(_shifted_sum(z1, z2, w)), "not symmetric"),
    (lambda z1, z2, w: _shifted_sum(z1, z2, w), "must be a probability table"),
    (lambda z1, z2, w: iic_joint(z1, z2, 1), "only with itself (window 1)"),
    (lambda z1, z2, w: (lambda p: (p + p.T) / 2)(_normalised(_shifted_sum(z1, z2, w, wrap=True))), "wrap around"),
    (lambda z1, z2, w: np.ones((2, 2)) / 4, "should be (k, k) = (3, 3)"),
])
def test_iic_joint_wrong_answers_say_what_is_wrong(answer, words):
    fb = lesson07.check_iic_joint(answer)
    assert fb.status == "wrong"
    assert words in fb.message
