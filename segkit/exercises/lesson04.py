"""Checks for the exercises of lesson 04: the unsupervised CNN (Kanezaki 2018; Kim et al. 2020).

* :func:`check_pseudo_labels` - part A: the argmax pseudo-target of a
  response and the number of labels the loop watches (``torch``);
* :func:`check_superpixel_vote` - part A: the 2018 refinement, every
  superpixel takes its most frequent label (``numpy``), against
  :func:`segkit.superpixels.majority_vote`;
* :func:`check_continuity_loss` - part B: the 2020 spatial-continuity loss
  (``torch``), against :func:`segkit.cnn.losses.continuity_loss`.

Each check tries the student's function on cases the student does not see
and returns a :class:`~segkit.exercises.Feedback`. The two torch checks import
torch inside the check, so importing this module costs nothing.

Examples
--------
>>> print(check_superpixel_vote(lambda labels, segments: None))
… Not attempted yet: Write the body of superpixel_vote (replace `return None`), then run this cell again.
"""

from __future__ import annotations

import numpy as np

from ..superpixels import majority_vote
from ._feedback import Feedback, StudentError, call_student, is_placeholder, not_attempted, right, wrong

__all__ = ["check_pseudo_labels", "check_superpixel_vote", "check_continuity_loss"]


# --------------------------------------------------------------------------- pseudo-labels (part A)

def _pseudo_label_cases():
    """Responses (1, q, H, W) whose winning channels are few and not 0..k-1."""
    import torch

    gen = torch.Generator().manual_seed(4)
    cases = []
    for q, h, w, winners in ((12, 5, 7, (2, 5, 9)), (20, 6, 4, (0, 7, 13, 19)), (8, 3, 9, (6,))):
        response = torch.randn(1, q, h, w, generator=gen)
        pick = torch.tensor(winners)[torch.randint(len(winners), (h, w), generator=gen)]
        response[0].scatter_(0, pick[None], 5.0 + torch.rand(1, h, w, generator=gen))  # one clear winner
        cases.append(response)
    return cases


def check_pseudo_labels(pseudo_labels) -> Feedback:
    """Check ``pseudo_labels(response) -> (labels, n_labels)``.

    ``labels`` must be the argmax over the q channels, shape (1, H, W), and
    ``n_labels`` the number of distinct labels in it (what ``train_loop``
    compares with ``min_labels``). The hidden responses are won by a few
    channels with ids such as 2, 5 and 9, so "labels.max() + 1" and "q" are
    both told apart from the count.
    """
    import torch

    name = "pseudo_labels"
    for case_no, response in enumerate(_pseudo_label_cases(), start=1):
        _, q, h, w = response.shape
        try:
            out = call_student(pseudo_labels, response.clone(), name=name)
        except StudentError as err:
            return wrong(f"{err} (on a response of shape {tuple(response.shape)}).")
        if is_placeholder(out):
            return not_attempted(f"Write the body of {name} (replace `return None`)")
        if not isinstance(out, tuple) or len(out) != 2:
            return wrong(f"{name} should return two things, `return labels, n_labels`; "
                         f"it returned {type(out).__name__}" + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else "") + ".")
        labels, n_labels = out
        if is_placeholder(labels) or is_placeholder(n_labels):
            return not_attempted(f"Finish {name}: both labels and n_labels are needed")
        if not isinstance(labels, torch.Tensor):
            return wrong(f"`labels` should be a torch tensor (the loop feeds it to the loss); got "
                         f"{type(labels).__name__}.")
        expected = response.argmax(dim=1)
        if tuple(labels.shape) != (1, h, w):
            hint = {(q, h, w): "argmax over dim 0 (the batch of one image) keeps the q channels: use dim=1",
                    (1, q, h): "argmax over the last dim picks a column, not a channel: use dim=1",
                    (1, q, w): "argmax over dim 2 picks a row, not a channel: use dim=1",
                    (h, w): "you dropped the batch dimension: keep (1, H, W), e.g. argmax(dim=1)",
                    (1, 1, h, w): "keepdim=True keeps the channel axis: the loss wants (1, H, W)"}.get(
                        tuple(labels.shape), "the argmax runs over the channels, dim=1")
            return wrong(f"On a response of shape {tuple(response.shape)} (1, q, H, W) your labels have shape "
                         f"{tuple(labels.shape)}; expected (1, {h}, {w}): {hint}.")
        if labels.dtype.is_floating_point or labels.dtype == torch.bool:
            return wrong(f"`labels` has dtype {labels.dtype}: labels are channel ids (integers); "
                         "argmax already returns int64.")
        differ = int((labels != expected).sum())
        if differ:
            hint = ("you took the channel with the *smallest* response (argmin?)"
                    if torch.equal(labels, response.argmin(dim=1))
                    else "each pixel takes the channel with the largest response r'_{n,k}")
            return wrong(f"On hidden response {case_no} ({q} channels, {h}x{w}) {differ} of {h * w} labels "
                         f"differ from the argmax over the channels: {hint}.")
        try:
            count = int(n_labels)
        except (TypeError, ValueError, RuntimeError):
            return wrong(f"`n_labels` should be one integer; got {type(n_labels).__name__}"
                         + (f" of shape {tuple(n_labels.shape)}" if hasattr(n_labels, "shape") else "") + ".")
        true_count = int(torch.unique(expected).numel())
        if count != true_count:
            used = sorted(int(v) for v in torch.unique(expected))
            if count == q:
                hint = f"{q} is the number of channels q, the most labels there could be"
            elif count == used[-1] + 1:
                hint = (f"labels.max() + 1 counts the channels that never win too: count the distinct "
                        f"values (torch.unique)")
            else:
                hint = "count the distinct values in labels (torch.unique(labels).numel())"
            return wrong(f"On hidden response {case_no} the labels in use are {used}, so n_labels = {true_count}; "
                         f"yours says {count}: {hint}.")
    return right("the argmax over dim 1 gives the (1, H, W) pseudo-target and torch.unique counts the labels in "
                 "use, even when the winning channels are 2, 5 and 9 of 12. That count is what training "
                 "compares with minlabels.")


# --------------------------------------------------------------------------- the 2018 vote (part A)

def _vote_cases():
    """(labels, segments) pairs: blocky superpixels over noisy labels with channel ids up to 99."""
    rng = np.random.default_rng(18)
    cases = []
    for h, w, block, n_lab in ((12, 15, 3, 4), (9, 16, (3, 4), 6), (20, 20, 5, 3)):
        bh, bw = (block, block) if np.isscalar(block) else block
        rows, cols = np.arange(h) // bh, np.arange(w) // bw
        segments = rows[:, None] * (cols.max() + 1) + cols[None, :]
        ids = rng.choice(100, size=n_lab, replace=False)                    # channel ids, not 0..k-1
        base = ids[rng.integers(n_lab, size=segments.max() + 1)][segments]  # one label per superpixel ...
        noise = rng.random((h, w)) < 0.3                                     # ... disturbed on 30% of pixels
        labels = np.where(noise, ids[rng.integers(n_lab, size=(h, w))], base)
        cases.append((labels.astype(np.int64), segments.astype(np.int64)))
    return cases


def _describe_superpixel(labels, segments, s):
    values, counts = np.unique(labels[segments == s], return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return ", ".join(f"{int(values[i])} ({int(counts[i])} px)" for i in order)


def check_superpixel_vote(superpixel_vote) -> Feedback:
    """Check ``superpixel_vote(labels, segments) -> refined`` (numpy, (H, W) int arrays).

    Every superpixel must take, on all its pixels, a label that most of its
    pixels carry (any of them on a tie; :func:`segkit.superpixels.majority_vote`
    picks the smallest).
    """
    name = "superpixel_vote"
    for case_no, (labels, segments) in enumerate(_vote_cases(), start=1):
        h, w = labels.shape
        try:
            out = call_student(superpixel_vote, labels.copy(), segments.copy(), name=name)
        except StudentError as err:
            return wrong(f"{err} (on {h}x{w} labels and superpixels).")
        if is_placeholder(out):
            return not_attempted(f"Write the body of {name} (replace `return None`)")
        if hasattr(out, "detach"):
            out = out.detach().cpu().numpy()
        out = np.asarray(out)
        if out.shape != (h, w):
            return wrong(f"On {h}x{w} labels your result has shape {out.shape}: return one label per pixel, "
                         f"an array shaped like `labels` (e.g. start from refined = labels.copy()).")
        if not np.issubdtype(out.dtype, np.number) or not np.all(out == np.round(out)):
            return wrong(f"Your result holds non-integer values (dtype {out.dtype}, e.g. {out.ravel()[0]}): "
                         "the vote picks one of the labels; it does not average them.")
        expected = majority_vote(labels, segments)
        if np.array_equal(out, expected):
            continue
        if np.array_equal(out, labels):
            return wrong(f"Your result is the labels unchanged; the vote changes {np.mean(expected != labels):.0%} "
                         "of them on this case: every pixel of a superpixel must get that superpixel's most "
                         "frequent label.")
        if np.array_equal(out, segments):
            return wrong("You returned the superpixel ids: the vote returns, for every pixel, the most frequent "
                         "*label* of its superpixel.")
        for s in np.unique(segments):
            inside = segments == s
            got = np.unique(out[inside])
            if got.size > 1:
                return wrong(f"Superpixel {int(s)} (hidden case {case_no}) ends up with {got.size} labels "
                             f"{got.tolist()}: every pixel of a superpixel must get the same label.")
            values, counts = np.unique(labels[inside], return_counts=True)
            winners = values[counts == counts.max()]
            if got[0] not in winners:
                if got[0] not in values:
                    hint = ("that label is not even among its pixels: did you average the labels "
                            "(mean or median of ids means nothing)?")
                elif got[0] == values.max():
                    hint = "you may have taken the largest label id instead of the most frequent one"
                else:
                    hint = "count the pixels of each label inside the superpixel and take the most frequent"
                if np.unique(out).size == 1 and np.unique(expected).size > 1:
                    hint = "every pixel got the same label: the vote is per superpixel, not over the whole image"
                return wrong(f"Superpixel {int(s)} (hidden case {case_no}) has labels "
                             f"{_describe_superpixel(labels, segments, s)} and got {int(got[0])}: {hint}.")
        # every superpixel got one of its most frequent labels: a tie broken another way; that is fine
    return right("every superpixel takes its most frequent label, as in Kanezaki's 2018 loop; "
                 "segkit.superpixels.majority_vote does the same with one np.bincount over "
                 "(superpixel, label) pairs instead of a loop.")


# --------------------------------------------------------------------------- continuity loss (part B)

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
