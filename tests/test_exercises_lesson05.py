"""Tests for segkit.exercises.lesson05: the continuity-loss check says 'not attempted' to a placeholder,
names the slip in a typical wrong answer, and accepts a right one."""

import pytest
import torch

from segkit.exercises import lesson05


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
