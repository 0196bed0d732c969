"""Tests for segkit.exercises.lesson05: the continuity-loss and minlabels checks say 'not attempted' to a
placeholder, name the slip in a typical wrong answer, and accept a right one."""

import numpy as np
import pytest
import torch

from segkit.cnn import infer_min_labels
from segkit.exercises import lesson05
from segkit.io import sample_image


def status(feedback):
    return feedback.status


# --------------------------------------------------------------------------- continuity loss

def right_continuity(r):
    return (r[:, :, 1:, :] - r[:, :, :-1, :]).abs().mean() + (r[:, :, :, 1:] - r[:, :, :, :-1]).abs().mean()


class TestContinuityLoss:
    def test_placeholder(self):
        fb = lesson05.check_continuity_loss(lambda response: None)
        assert status(fb) == "not attempted" and "continuity_loss" in fb.message

    def test_right(self):
        fb = lesson05.check_continuity_loss(right_continuity)
        assert status(fb) == "right" and "gradient" in fb.message

    def test_diff_is_right_too(self):
        fb = lesson05.check_continuity_loss(
            lambda r: torch.diff(r, dim=2).abs().mean() + torch.diff(r, dim=3).abs().mean())
        assert status(fb) == "right"

    @pytest.mark.parametrize("wrong_answer, words", [
        (lambda r: (r[:, :, 1:, :] - r[:, :, :-1, :]).abs().mean(), ["only the vertical term", "your loss is 1.2684; L_con is 2.4196"]),
        (lambda r: (r[:, :, :, 1:] - r[:, :, :, :-1]).abs().mean(), ["only the horizontal term"]),
        (lambda r: ((r[:, :, 1:] - r[:, :, :-1]) ** 2).mean() + ((r[..., 1:] - r[..., :-1]) ** 2).mean(),
         ["L2", "absolute value"]),
        (lambda r: (r[:, :, 1:] - r[:, :, :-1]).abs().sum() + (r[..., 1:] - r[..., :-1]).abs().sum(),
         ["sums instead of means"]),
        (lambda r: right_continuity(r) / 2, ["mean of the two terms"]),
        (lambda r: (r[:, :, 1:] - r[:, :, :-1]).mean() + (r[..., 1:] - r[..., :-1]).mean(), ["absolute value"]),
        (lambda r: (torch.roll(r, -1, 2) - r).abs().mean() + (torch.roll(r, -1, 3) - r).abs().mean(),
         ["torch.roll", "wraps around"]),
        (lambda r: (r[:, :, 1:] - r[:, :, :-1]).abs().mean((0, 2, 3)).sum()
         + (r[..., 1:] - r[..., :-1]).abs().mean((0, 2, 3)).sum(), ["per channel"]),
        (lambda r: (r[:, 1:] - r[:, :-1]).abs().mean() + (r[..., 1:] - r[..., :-1]).abs().mean(),
         ["H is dim 2"]),
        (lambda r: right_continuity(r).detach().item(), ["returned a float", "backward"]),
        (lambda r: right_continuity(r).detach(), ["no gradient"]),
        (lambda r: torch.stack([(r[:, :, 1:] - r[:, :, :-1]).abs().mean(), (r[..., 1:] - r[..., :-1]).abs().mean()]),
         ["shape (2,)", "one number"]),
        (lambda r: right_continuity(r) + 0 * right_continuity(r.detach() * 0 + r.pow(3)), None),
    ])
    def test_wrong(self, wrong_answer, words):
        fb = lesson05.check_continuity_loss(wrong_answer)
        if words is None:       # same value, same gradient: right, whatever the detour
            assert status(fb) == "right", fb
            return
        assert status(fb) == "wrong", fb
        for word in words:
            assert word in fb.message, (word, fb.message)

    def test_wrong_gradient(self):
        def value_right_gradient_wrong(r):
            v = right_continuity(r)
            return v.detach() + (r.sum() - r.sum().detach())     # value of L_con, gradient of sum(r)
        fb = lesson05.check_continuity_loss(value_right_gradient_wrong)
        assert status(fb) == "wrong" and "gradient is not" in fb.message

    def test_feedback_renders(self):
        fb = lesson05.check_continuity_loss(lambda r: r.mean() * 0)
        assert str(fb).startswith("✗ Not yet:") and "L_con is" in str(fb)
        assert "<div" in fb._repr_html_()


# --------------------------------------------------------------------------- minlabels heuristic

def right_min_labels(image):
    sigma = (image.reshape(-1, 3) * 255.0).std(axis=0)     # sigma_R, sigma_G, sigma_B on the 0-255 scale
    return int(sigma.mean() // 10) + 4


def _reference_images():
    rng = np.random.default_rng(11)
    two = np.zeros((9, 16, 3), dtype=np.float32)
    two[:, 8:] = (1.0, 0.5, 0.25)
    yield from (rng.random((10, 9, 3)).astype(np.float32),
                np.clip(0.5 + 0.03 * rng.standard_normal((12, 12, 3)), 0, 1),
                np.full((8, 8, 3), 0.7), two,
                (rng.random((20, 30, 3)) * 255).astype(np.uint8),        # infer_min_labels takes uint8 too
                sample_image("astronaut", max_side=64), sample_image("coins", max_side=64))
    yield from (img for _, img in lesson05._min_labels_cases())


class TestMinLabels:
    def test_reference_equals_infer_min_labels(self):
        for image in _reference_images():
            assert lesson05._min_labels_reference(image) == infer_min_labels(image, formula="std")

    def test_cases_are_far_from_the_floor_and_tell_every_slip_apart(self):
        cases = lesson05._min_labels_cases()
        for _, image in cases:
            tens = (image.reshape(-1, 3).astype(np.float64) * 255).std(axis=0).mean() / 10
            assert min(tens % 1, 1 - tens % 1) > 0.02 or tens == 0, tens
        wants = [lesson05._min_labels_reference(img) for _, img in cases]
        slips = [lesson05._wrong_min_labels(img) for _, img in cases]
        vectors = {slip: tuple(round(float(s[slip]), 6) for s in slips) for slip in slips[0]}
        assert all(v != tuple(wants) for v in vectors.values())
        assert len(set(vectors.values())) == len(vectors)          # no two slips give the same answers

    def test_placeholder(self):
        fb = lesson05.check_min_labels(lambda image: None)
        assert status(fb) == "not attempted" and "min_labels_heuristic" in fb.message
        assert status(lesson05.check_min_labels(lambda image: ...)) == "not attempted"

    @pytest.mark.parametrize("answer", [
        right_min_labels,
        lambda image: np.int64(right_min_labels(image)),                        # numpy integers are counts too
        lambda image: int((image * 255).std(axis=(0, 1), ddof=1).mean() // 10) + 4,
        lambda image: int(np.mean([np.std(image[..., c] * 255) for c in range(3)]) // 10) + 4,
    ])
    def test_right(self, answer):
        fb = lesson05.check_min_labels(answer)
        assert status(fb) == "right", fb
        assert "5, 11, 11, 4, 6, 9" in fb.message

    @pytest.mark.parametrize("wrong_answer, words", [
        (lambda image: int(image.reshape(-1, 3).std(axis=0).mean() // 10) + 4,
         ["you answer 4, 4, 4, 4, 4, 4", "gives 5, 11, 11, 4, 6, 9", "0-255 scale", "255"]),
        (lambda image: int((image * 255).var(axis=(0, 1)).mean() // 10) + 3,
         ["seminar write-up's formula, Var // 10 + 3", "33, 521, 726"]),
        (lambda image: int((image * 255).var(axis=(0, 1)).mean() // 10) + 4, ["variances instead", "np.std"]),
        (lambda image: right_min_labels(image) - 1, ["+ 3 instead of + 4"]),
        (lambda image: int((image * 255).std() // 10) + 4, ["pooled", "one std per channel"]),
        (lambda image: int((image * 255).mean(axis=2).std() // 10) + 4, ["grey image"]),
        (lambda image: int((image * 255).std(axis=2).mean() // 10) + 4, ["across the three channels at each pixel"]),
        (lambda image: int((image * 255).std(axis=(0, 1)).sum() // 10) + 4, ["sum of the three", "mean"]),
        (lambda image: round((image * 255).std(axis=(0, 1)).mean() / 10) + 4, ["round()", "rounds down"]),
        (lambda image: (image * 255).std(axis=(0, 1)).mean() / 10 + 4, ["without the floor", "5.73"]),
        (lambda image: (image * 255).std(axis=(0, 1)).mean() // 10 + 4,        # np.float64: values right
         ["values are right", "float 5.0", "int(...)"]),
        (lambda image: float(right_min_labels(image)), ["float"]),
        (lambda image: 8, ["You answer 8 on every image", "look at the image"]),
        (lambda image: int((image * 255).std(axis=(0, 1)).max() // 10) + 4, ["images differ", "// 10, int, + 4"]),
        (lambda image: (image * 255).std(axis=(0, 1)) // 10 + 4, ["ndarray of shape (3,)", "one whole number"]),
        (lambda image: str(right_min_labels(image)), ["returned a str"]),
        (lambda image: True, ["returned a bool"]),
        (lambda image: image.shape[3], ["raised IndexError", "shape (9, 14, 3)"]),
    ])
    def test_wrong(self, wrong_answer, words):
        fb = lesson05.check_min_labels(wrong_answer)
        assert status(fb) == "wrong", fb
        for word in words:
            assert word in fb.message, (word, fb.message)

    def test_does_not_modify_hidden_images(self):
        def scribbles(image):
            image[:] = 0
            return right_min_labels(image)
        lesson05.check_min_labels(scribbles)
        assert status(lesson05.check_min_labels(right_min_labels)) == "right"

    def test_not_a_function(self):
        fb = lesson05.check_min_labels(7)
        assert status(fb) == "wrong" and "should be a function" in fb.message
