"""Checks for the exercises of lesson 04: the unsupervised CNN, its pseudo-labels and the 2018 vote.

* :func:`check_pseudo_labels` - exercise 1: the argmax pseudo-target of a
  response and the number of labels the loop watches (``torch``);
* :func:`check_superpixel_vote` - exercise 2: the 2018 refinement, every
  superpixel takes its most frequent label (``numpy``), against
  :func:`segkit.superpixels.majority_vote`.

The continuity loss of Kim et al. (2020) is lesson 05's (:mod:`segkit.exercises.lesson05`).
Each check tries the student's function on cases the student does not see
and returns a :class:`~segkit.exercises.Feedback`. The torch check imports
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

__all__ = ["check_pseudo_labels", "check_superpixel_vote"]


# --------------------------------------------------------------------------- pseudo-labels (exercise 1)

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


# --------------------------------------------------------------------------- the 2018 vote (exercise 2)

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
