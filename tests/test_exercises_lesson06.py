"""The checks of lesson 06's exercises: segkit/exercises/lesson06.py."""

import numpy as np
import pytest

from segkit.exercises import lesson06


def _log_softmax(logits):
    x = logits - logits.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def scribble_loss(logits, scribble):
    marked = scribble != 255
    return float(-_log_softmax(logits)[marked, scribble[marked]].mean())


def test_scribble_loss_placeholder_is_not_attempted():
    assert lesson06.check_scribble_loss(lambda logits, scribble: None).status == "not attempted"


def test_scribble_loss_right():
    assert lesson06.check_scribble_loss(scribble_loss)


@pytest.mark.parametrize("answer, words", [
    (lambda lo, s: float(-_log_softmax(lo)[s != 255, s[s != 255]].sum() / s.size), "divided by all 42 pixels"),
    (lambda lo, s: float(-_log_softmax(lo)[s != 255, s[s != 255]].sum()), "divide by their number |S| = 9"),
    (lambda lo, s: float(-lo[s != 255, s[s != 255]].mean()), "raw logit"),
    (lambda lo, s: -scribble_loss(lo, s), "sign is flipped"),
    (lambda lo, s: float(-_log_softmax(lo)[s != 255].mean()), "only the channel of each pixel's scribble class"),
])
def test_scribble_loss_wrong_answers_say_what_is_wrong(answer, words):
    fb = lesson06.check_scribble_loss(answer)
    assert fb.status == "wrong"
    assert words in fb.message
    assert "should be 2.5617" in fb.message


def test_scribble_loss_indexing_by_255_gets_a_hint():
    def everywhere(logits, scribble):
        h, w = scribble.shape
        return float(-_log_softmax(logits)[np.arange(h)[:, None], np.arange(w), scribble].mean())

    fb = lesson06.check_scribble_loss(everywhere)
    assert fb.status == "wrong"
    assert "IndexError" in fb.message and "255 marks unlabelled pixels" in fb.message


def min_labels(scribble, default=3):
    if scribble is None:
        return default
    return len(np.unique(scribble[scribble != 255]))


def test_min_labels_placeholder_is_not_attempted():
    assert lesson06.check_min_labels(lambda scribble, default=3: None).status == "not attempted"


def test_min_labels_right():
    assert lesson06.check_min_labels(min_labels)


@pytest.mark.parametrize("answer, words", [
    (lambda s, default=3: default if s is None else len(np.unique(s)), "counted 255 as a class"),
    (lambda s, default=3: default if s is None else int(s[s != 255].max()) + 1, "Count the distinct ids"),
    (lambda s, default=3: default, "not the default"),
    (lambda s, default=3: 3 if s is None else min_labels(s), "the stop is then the default, 5"),
    (lambda s, default=3: len(np.unique(s[s != 255])), "return `default`"),
])
def test_min_labels_wrong_answers_say_what_is_wrong(answer, words):
    fb = lesson06.check_min_labels(answer)
    assert fb.status == "wrong"
    assert words in fb.message
