"""Checks for the exercises of lesson 05: the 2020 continuity loss (Kim, Kanezaki and Tanaka 2020).

* :func:`check_continuity_loss` - exercise 1: the 2020 spatial-continuity loss
  (``torch``), against :func:`segkit.cnn.losses.continuity_loss`;
* :func:`check_min_labels` - exercise 2: the seminar author's own ``minlabels``
  heuristic, ``int(mean(std_R, std_G, std_B) // 10) + 4`` on the 0-255 scale
  (``numpy``), against :func:`segkit.cnn.infer_min_labels` with
  ``formula="std"``.

Exercise 3 of the lesson (the plain-list bug of the reference code) is
answered in prose and has no check. Each check tries the student's function on
cases the student does not see and returns a :class:`~segkit.exercises.Feedback`;
the torch check imports torch inside the check, so importing this module costs nothing.

Examples
--------
>>> print(check_continuity_loss(lambda response: None))
… Not attempted yet: Write the body of continuity_loss (replace `return None`), then run this cell again.
>>> print(check_min_labels(lambda image: None))
… Not attempted yet: Write the body of min_labels_heuristic (replace `return None`), then run this cell again.
>>> check_min_labels(lambda image: 4).status
'wrong'
"""

from __future__ import annotations

import numpy as np

from ..io import as_rgb, sample_image
from ._feedback import Feedback, StudentError, call_student, is_placeholder, not_attempted, right, wrong

__all__ = ["check_continuity_loss", "check_min_labels"]


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


# --------------------------------------------------------------------------- minlabels heuristic (exercise 2)

def _min_labels_reference(image) -> int:
    """The author's heuristic, ``int(mean(std_R, std_G, std_B) // 10) + 4`` on the 0-255 scale.

    Line for line what ``segkit.cnn.infer_min_labels(image, formula="std")``
    computes (tests/test_exercises_lesson05.py asserts they agree), written
    here in numpy so that the check does not import torch with segkit.cnn.
    """
    rgb = as_rgb(image).astype(np.float64) * 255.0
    return int(float(rgb.reshape(-1, 3).std(axis=0).mean()) // 10) + 4


_MIN_LABEL_CACHE: list = []


def _min_labels_cases():
    """(description, image) pairs: float32 RGB in [0, 1], none square.

    Chosen so that every slip of :func:`_wrong_min_labels` differs from the
    right answer on at least one of them, and so that mean(std) / 10 is never
    within 0.02 of a whole number (``ddof=1`` and float32 sums give the same
    floor). The tests check both.
    """
    if not _MIN_LABEL_CACHE:
        rng = np.random.default_rng(5)
        low = np.clip(0.45 + 0.07 * rng.standard_normal((9, 14, 3)), 0, 1)
        high = rng.random((12, 8, 3))
        two = np.empty((10, 13, 3))
        two[:, :6] = (0.15, 0.35, 0.9)                       # blue on the left
        two[:, 6:] = (0.95, 0.6, 0.1)                        # orange on the right
        flat = np.full((8, 11, 3), 0.3)
        _MIN_LABEL_CACHE.extend([
            ("a low-contrast noise image", low),
            ("a high-contrast noise image", high),
            ("a two-colour image (blue | orange)", two),
            ("a flat grey image", flat),
            ("scikit-image's cat photo (chelsea, 48 px)", sample_image("chelsea", max_side=48)),
            ("scikit-image's coffee photo (48 px)", sample_image("coffee", max_side=48)),
        ])
    return [(what, img.astype(np.float32)) for what, img in _MIN_LABEL_CACHE]   # fresh copies


def _wrong_min_labels(image):
    """Values of the usual slips, for diagnosis, keyed by what to tell the student."""
    x = image.astype(np.float64)
    pixels = x.reshape(-1, 3) * 255.0
    std, var = pixels.std(axis=0).mean(), pixels.var(axis=0).mean()
    return {
        "the standard deviations on the [0, 1] scale of the image: the formula wants them on the 0-255 "
        "scale (multiply the image, or the stds, by 255)":
            int(x.reshape(-1, 3).std(axis=0).mean() // 10) + 4,
        "the seminar write-up's formula, Var // 10 + 3 (the mean of the variances): the author's notebook "
        "uses the standard deviations, and + 4":
            int(var // 10) + 3,
        "variances instead of standard deviations (Var // 10 + 4): take np.std, not np.var":
            int(var // 10) + 4,
        "+ 3 instead of + 4 (that is the write-up's constant; the notebook's formula adds 4)":
            int(std // 10) + 3,
        "one standard deviation of all pixels of all channels pooled together: take one std per channel "
        "(axis=0 of the (H*W, 3) pixels) and then their mean":
            int(pixels.std() // 10) + 4,
        "the standard deviation of the grey image (the mean of the channels first): take the std of each "
        "channel over the pixels, then the mean of the three":
            int(pixels.mean(axis=1).std() // 10) + 4,
        "the standard deviation across the three channels at each pixel: the std runs over the pixels, "
        "one per channel (axis=0 of the (H*W, 3) pixels, or axis=(0, 1) of the image)":
            int((x * 255.0).std(axis=2).mean() // 10) + 4,
        "the sum of the three standard deviations: the formula takes their mean (divide by 3)":
            int(pixels.std(axis=0).sum() // 10) + 4,
        "rounding to the nearest ten (round()) instead of the floor: // 10 rounds down":
            int(round(std / 10)) + 4,
        "a division without the floor (/ 10): use // 10 (floor division), then int":
            std / 10 + 4,
    }


def _listed(numbers) -> str:
    """1, 2.5, 3: whole numbers without a decimal point, others to two decimals."""
    return ", ".join(f"{n:g}" if float(n).is_integer() else f"{n:.2f}" for n in numbers)


def _count_kind(value):
    """("int" | "float" | "other", the value as a float or None)."""
    if isinstance(value, (bool, np.bool_)):
        return "other", None
    if isinstance(value, (int, np.integer)):
        return "int", float(value)
    if isinstance(value, (float, np.floating)):
        return "float", float(value)
    return "other", None


def check_min_labels(min_labels_heuristic) -> Feedback:
    """Check ``min_labels_heuristic(image) -> int`` against ``segkit.cnn.infer_min_labels(image, formula="std")``.

    ``minlabels = int(mean(std_R, std_G, std_B) // 10) + 4``, each standard
    deviation over all pixels of one channel on the 0-255 scale. The hidden
    images are float RGB in [0, 1]: two noise images of low and high contrast,
    a two-colour image, a flat one and two small photographs. A Python int
    or a numpy integer is accepted; a float is not (``minlabels`` is a count).
    """
    name = "min_labels_heuristic"
    cases = _min_labels_cases()
    answers, kinds = [], []
    for what, image in cases:
        try:
            value = call_student(min_labels_heuristic, image.copy(), name=name)
        except StudentError as err:
            return wrong(f"{err} (on {what}, shape {image.shape}).")
        if is_placeholder(value):
            return not_attempted(f"Write the body of {name} (replace `return None`)")
        kind, number = _count_kind(value)
        if kind == "other":
            shape = getattr(value, "shape", None)
            return wrong(f"On {what} {name} returned a {type(value).__name__}"
                         f"{f' of shape {shape}' if shape is not None else ''}: return one whole number, "
                         "e.g. int(sigma.mean() // 10) + 4.")
        answers.append(number)
        kinds.append(kind)
    wants = [_min_labels_reference(image) for _, image in cases]

    if answers != [float(w) for w in wants]:
        slips = [_wrong_min_labels(image) for _, image in cases]
        for slip in slips[0]:
            if all(np.isclose(a, s[slip], rtol=0, atol=1e-6) for a, s in zip(answers, slips)):
                return wrong(f"On the {len(cases)} hidden images you answer {_listed(answers)}; "
                             f"infer_min_labels(formula=\"std\") gives {_listed(wants)}. Yours match {slip}.")
        if len(set(answers)) == 1:
            spread = ", ".join(f"{w} on {what}" for (what, _), w in zip(cases, wants) if w != answers[0])
            return wrong(f"You answer {answers[0]:g} on every image, yet infer_min_labels(formula=\"std\") gives "
                         f"{spread}. Does your function look at the image?")
        bad = [(what, a, w) for (what, _), a, w in zip(cases, answers, wants) if a != w]
        listed = "; ".join(f"{what}: yours {a:g}, the formula's {w}" for what, a, w in bad[:3])
        return wrong(f"{len(bad)} of {len(cases)} images differ ({listed}). Check each step: the image times 255, "
                     "one standard deviation per channel over all pixels, the mean of the three, // 10, int, + 4.")
    if "float" in kinds:
        k = kinds.index("float")
        return wrong(f"The values are right, but on {cases[k][0]} you return the float {answers[k]!r}: "
                     "minlabels is a count, compared with the number of labels; wrap it in int(...) "
                     "(np.float64 // 10 is still a float).")
    return right(f"your minlabels equals infer_min_labels(formula=\"std\") on all {len(cases)} hidden images "
                 f"({', '.join(str(w) for w in wants)}): the mean of the three channel standard deviations on "
                 "the 0-255 scale, floored to tens, plus 4.")
