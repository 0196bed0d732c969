"""Checks for the exercises of lesson 05: the 2020 continuity loss (Kim, Kanezaki and Tanaka 2020).

* :func:`check_continuity_loss` - exercise 1: the 2020 spatial-continuity loss
  (``torch``), against :func:`segkit.cnn.losses.continuity_loss`.

Exercise 2 of the lesson (the plain-list bug of the reference code) is
answered in prose and has no check. The check tries the student's function on
cases the student does not see and returns a :class:`~segkit.exercises.Feedback`;
it imports torch inside the check, so importing this module costs nothing.

Examples
--------
>>> print(check_continuity_loss(lambda response: None))
… Not attempted yet: Write the body of continuity_loss (replace `return None`), then run this cell again.
"""

from __future__ import annotations

import numpy as np

from ._feedback import Feedback, StudentError, call_student, is_placeholder, not_attempted, right, wrong

__all__ = ["check_continuity_loss"]


# --------------------------------------------------------------------------- continuity loss (exercise 1)

def _continuity_cases():
    """Responses (1, q, H, W) with H != W, so swapped axes show."""
    import torch

    gen = torch.Generator().manual_seed(20)
    return [torch.randn(1, q, h, w, generator=gen, dtype=torch.float64)
            for q, h, w in ((4, 5, 7), (3, 6, 4), (10, 3, 9))]


def _wrong_continuity_formulas(r):
    """Values of the usual slips, for diagnosis; ``r`` is a (1, q, H, W) tensor."""
    import torch

    dy = r[:, :, 1:, :] - r[:, :, :-1, :]
    dx = r[:, :, :, 1:] - r[:, :, :, :-1]
    return {
        "only the vertical term (rows y+1 and y): add the horizontal one, r'[..., x+1] - r'[..., x]":
            dy.abs().mean(),
        "only the horizontal term (columns x+1 and x): add the vertical one, r'[..., y+1, :] - r'[..., y, :]":
            dx.abs().mean(),
        "the squares of the differences (an L2 loss): the paper uses the absolute value, L1":
            (dy ** 2).mean() + (dx ** 2).mean(),
        "sums instead of means: divide each sum by its number of differences (.mean())":
            dy.abs().sum() + dx.abs().sum(),
        "the mean of the two terms: the loss is their sum":
            (dy.abs().mean() + dx.abs().mean()) / 2,
        "differences without the absolute value: positive and negative steps cancel (use .abs())":
            dy.mean() + dx.mean(),
        "means taken per channel and summed over channels: the mean runs over all elements, channels included":
            dy.abs().mean(dim=(0, 2, 3)).sum() + dx.abs().mean(dim=(0, 2, 3)).sum(),
        "torch.roll: it wraps around and compares the last row (column) with the first; slice instead, "
        "r[:, :, 1:, :] - r[:, :, :-1, :]":
            (torch.roll(r, -1, 2) - r).abs().mean() + (torch.roll(r, -1, 3) - r).abs().mean(),
    }


def check_continuity_loss(continuity_loss) -> Feedback:
    """Check ``continuity_loss(response) -> scalar tensor`` against :func:`segkit.cnn.losses.continuity_loss`.

    ``L_con = mean|r'[:, :, y+1, x] - r'[:, :, y, x]| + mean|r'[:, :, y, x+1] - r'[:, :, y, x]|``,
    each mean over every element (channels included). The value and its
    gradient are compared on hidden non-square responses.
    """
    import torch

    from ..cnn.losses import continuity_loss as reference

    name = "continuity_loss"
    for case_no, response in enumerate(_continuity_cases(), start=1):
        shape = tuple(response.shape)
        given = response.clone().requires_grad_(True)
        try:
            value = call_student(continuity_loss, given, name=name)
        except StudentError as err:
            return wrong(f"{err} (on a response of shape {shape}).")
        if is_placeholder(value):
            return not_attempted(f"Write the body of {name} (replace `return None`)")
        if not isinstance(value, torch.Tensor):
            return wrong(f"{name} returned a {type(value).__name__}; return a torch tensor so that "
                         "loss.backward() can reach the network (no .item(), no numpy).")
        if value.numel() != 1:
            return wrong(f"On a response of shape {shape} your loss has shape {tuple(value.shape)}: a loss is one "
                         "number; take the mean over all elements of each difference tensor.")
        want = reference(response)
        got = float(value.detach().reshape(()))
        if not np.isclose(got, float(want), rtol=1e-5, atol=1e-7):
            for slip, val in _wrong_continuity_formulas(response).items():
                if np.isclose(got, float(val), rtol=1e-5, atol=1e-7):
                    return wrong(f"On a response of shape {shape} your loss is {got:.4f}; L_con is "
                                 f"{float(want):.4f}. Yours matches {slip}.")
            return wrong(f"On a response of shape {shape} (1, q, H, W) your loss is {got:.4f}; L_con is "
                         f"{float(want):.4f}. Check the axes (H is dim 2, W is dim 3) and that each term is "
                         "a mean of absolute differences.")
        if not value.requires_grad:
            return wrong("The value is right but carries no gradient (.detach(), .item() or numpy inside?): "
                         "training needs loss.backward() to flow back through it.")
        (grad,) = torch.autograd.grad(value.reshape(()), given)
        ref_in = response.clone().requires_grad_(True)
        (ref_grad,) = torch.autograd.grad(reference(ref_in), ref_in)
        if not torch.allclose(grad, ref_grad, rtol=1e-5, atol=1e-8):
            return wrong(f"The value is right on a response of shape {shape} but its gradient is not "
                         "(largest difference "
                         f"{float((grad - ref_grad).abs().max()):.3g}): build it from torch operations on the "
                         "response itself.")
    return right("your L_con matches segkit.cnn.losses.continuity_loss in value and gradient on non-square "
                 "responses: the mean absolute step between vertical neighbours plus that between horizontal "
                 "neighbours, over all q channels.")
