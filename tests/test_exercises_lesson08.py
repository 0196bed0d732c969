"""The checks of lesson 08's exercises: segkit/exercises/lesson08.py."""

import numpy as np
import pytest

from segkit.exercises import lesson08


def _cosine(f, g):
    fn = f / np.linalg.norm(f, axis=0, keepdims=True)
    gn = g / np.linalg.norm(g, axis=0, keepdims=True)
    return np.einsum("chw,cij->hwij", fn, gn)


def feature_correlation(f, g):
    corr = _cosine(f, g)
    return corr - corr.mean(axis=(2, 3), keepdims=True)


def test_feature_correlation_placeholder_is_not_attempted():
    assert lesson08.check_feature_correlation(lambda f, g: None).status == "not attempted"


def test_feature_correlation_right():
    assert lesson08.check_feature_correlation(feature_correlation)


@pytest.mark.parametrize("answer, words", [
    (_cosine, "not centred"),
    (lambda f, g: (lambda d: d - d.mean(axis=(2, 3), keepdims=True))(np.einsum("chw,cij->hwij", f, g)),
     "without dividing by the norms"),
    (lambda f, g: (lambda c: c - c.mean(axis=(0, 1), keepdims=True))(_cosine(f, g)), "first image's positions"),
    (lambda f, g: (lambda c: c - c.mean())(_cosine(f, g)), "one global mean"),
    (lambda f, g: feature_correlation(f, g).transpose(2, 3, 0, 1), "the transpose of F"),
])
def test_feature_correlation_wrong_answers_say_what_is_wrong(answer, words):
    fb = lesson08.check_feature_correlation(answer)
    assert fb.status == "wrong"
    assert words in fb.message


def correlation_loss(F, S, b):
    return float(np.mean(-(F - b) * np.maximum(S, 0)))


def test_correlation_loss_placeholder_is_not_attempted():
    assert lesson08.check_correlation_loss(lambda F, S, b: None).status == "not attempted"


def test_correlation_loss_right():
    assert lesson08.check_correlation_loss(correlation_loss)


@pytest.mark.parametrize("answer, words", [
    (lambda F, S, b: -correlation_loss(F, S, b), "sign is flipped"),
    (lambda F, S, b: np.mean(-(F + b) * np.maximum(S, 0)), "shift is added"),
    (lambda F, S, b: np.mean(-(F - b) * S), "S is not clamped"),
    (lambda F, S, b: np.mean(-np.maximum(F - b, 0) * np.maximum(S, 0)), "no pair ever repels"),
    (lambda F, S, b: np.mean(-F * np.maximum(S, 0)), "b is missing"),
    (lambda F, S, b: np.sum(-(F - b) * np.maximum(S, 0)), "that is the sum"),
])
def test_correlation_loss_wrong_answers_say_what_is_wrong(answer, words):
    fb = lesson08.check_correlation_loss(answer)
    assert fb.status == "wrong"
    assert words in fb.message
    assert "should be 0.01494" in fb.message
