"""Checks for the exercises of lesson 06 (scribbles and reference images).

* :func:`check_scribble_loss` - the cross-entropy against the scribbles,
  averaged over the scribbled pixels only (255 = unlabelled);
* :func:`check_min_labels` - the stopping rule with scribbles: ``min_labels``
  becomes the number of scribble classes.

Each check runs the student's function on cases the student does not see and
compares it with segkit's own tested code (:func:`segkit.cnn.losses.scribble_loss`,
:func:`segkit.cnn.scribbles.scribble_classes`).
"""

from __future__ import annotations

import numpy as np

from ..cnn.scribbles import UNLABELLED, scribble_classes
from ._feedback import (Feedback, StudentError, call_student, is_placeholder, not_attempted, right,
                        student_number, wrong)

__all__ = ["check_scribble_loss", "check_min_labels"]


def _scribble_cases():
    """Hidden cases: (logits (H, W, C), scribble (H, W) uint8), some with class ids that skip numbers."""
    rng = np.random.default_rng(5)
    cases = []
    for h, w, c, classes, n_marked in ((6, 7, 4, (0, 1, 2, 3), 9), (5, 8, 6, (0, 3), 6), (9, 9, 5, (1, 4), 20)):
        logits = rng.normal(0.0, 2.0, size=(h, w, c))
        scribble = np.full((h, w), UNLABELLED, dtype=np.uint8)
        marked = rng.choice(h * w, size=n_marked, replace=False)
        scribble.ravel()[marked] = rng.choice(classes, size=n_marked)
        scribble.ravel()[marked[: len(classes)]] = classes   # every class present at least once
        cases.append((logits, scribble))
    return cases


def _reference_scribble_loss(logits, scribble) -> float:
    import torch  # the reference is the torch loss the trainer uses

    from ..cnn.losses import scribble_loss

    response = torch.from_numpy(logits).permute(2, 0, 1)[None]
    return float(scribble_loss(response, torch.from_numpy(scribble.astype(np.int64))[None]))


def _log_softmax(x, axis):
    x = x - x.max(axis=axis, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=axis, keepdims=True))


def check_scribble_loss(fn) -> Feedback:
    """Check ``fn(logits, scribble) -> float``: mean cross-entropy over the scribbled pixels.

    ``logits`` is the (H, W, C) response r'; ``scribble`` an (H, W) uint8
    image, 255 on unlabelled pixels, a class id (a channel) elsewhere. The
    right value is :math:`\\frac{1}{|S|}\\sum_{n\\in S} -\\log
    \\mathrm{softmax}(r'_n)_{s_n}`, as :func:`segkit.cnn.losses.scribble_loss`.

    Examples
    --------
    >>> check_scribble_loss(lambda logits, scribble: None).status
    'not attempted'
    """
    cases = _scribble_cases()
    for logits, scribble in cases:
        got = student_number(fn, logits.copy(), scribble.copy(), name="scribble_loss", hint=_scribble_hint)
        if isinstance(got, Feedback):
            return got
        want = _reference_scribble_loss(logits, scribble)
        if np.isclose(got, want, rtol=1e-6, atol=1e-9):
            continue
        h, w, c = logits.shape
        labelled = scribble != UNLABELLED
        n_s = int(labelled.sum())
        where = (f"on a hidden {h}x{w} image with {c} channels and {n_s} scribbled pixels "
                 f"(classes {scribble_classes(scribble).tolist()}) your loss is {got:.4f}; it should be {want:.4f}")
        idx = np.nonzero(labelled)
        cls = scribble[idx].astype(int)
        nll = -_log_softmax(logits, -1)[idx[0], idx[1], cls]
        if not np.isfinite(got):
            return wrong(f"{where}. A NaN or inf usually comes from log(softmax) computed as log(exp(x) / sum exp): "
                         "subtract each pixel's largest logit first, or use the log-sum-exp form.")
        if np.isclose(got, nll.sum() / labelled.size, rtol=1e-6):
            return wrong(f"{where}: you divided by all {labelled.size} pixels. The scribble loss is a mean over "
                         f"the {n_s} scribbled pixels only (unlabelled pixels are the similarity loss's business).")
        if np.isclose(got, nll.sum(), rtol=1e-6):
            return wrong(f"{where}: that is the sum over the scribbled pixels; divide by their number |S| = {n_s}.")
        if np.isclose(got, -_log_softmax(logits, -1)[labelled].mean(), rtol=1e-6):
            return wrong(f"{where}: you averaged -log softmax over every channel of the scribbled pixels; take only "
                         "the channel of each pixel's scribble class, s_n (class k is channel k).")
        if np.isclose(got, np.mean(-logits[idx[0], idx[1], cls]), rtol=1e-6):
            return wrong(f"{where}: you used the raw logit -r'[n, s_n]; the cross-entropy needs the log of the "
                         "softmax over the channels: -(r'[n, s_n] - log sum_k exp r'[n, k]).")
        probs = np.exp(_log_softmax(logits, -1))[idx[0], idx[1], cls]
        if np.isclose(got, np.mean(-probs), rtol=1e-6) or np.isclose(got, np.mean(1 - probs), rtol=1e-6):
            return wrong(f"{where}: you used the softmax probability itself; the cross-entropy is minus its log.")
        if np.isclose(got, -want, rtol=1e-6):
            return wrong(f"{where}: the sign is flipped. The cross-entropy is -log p, a positive number that "
                         "training makes smaller.")
        for axis in (0, 1):
            other = -_log_softmax(logits, axis)[idx[0], idx[1], cls].mean()
            if np.isclose(got, other, rtol=1e-6):
                return wrong(f"{where}: the softmax runs over the wrong axis ({axis}); it is over the channels, "
                             "the last axis of the (H, W, C) logits.")
        return wrong(f"{where}. Select the scribbled pixels (scribble != 255), take -log softmax over the "
                     "channels at each one's class, and average.")
    return right(f"your scribble loss matches segkit's on {len(cases)} hidden images, class ids that skip numbers "
                 "included: only the stroke pixels count, each pulled towards the channel of its class.")


def _scribble_hint(message):
    if "255" in message or "out of bounds" in message:
        return (". The value 255 marks unlabelled pixels, not a channel: select the scribbled pixels "
                "(scribble != 255) before you index the logits by class.")
    return ""


def _reference_min_labels(scribble, default):
    if scribble is None:
        return default
    return int(scribble_classes(scribble).size)


def check_min_labels(fn) -> Feedback:
    """Check ``fn(scribble, default=3) -> int``: the ``min_labels`` stop with and without scribbles.

    With a scribble image, training stops once only the scribbled classes are
    left: ``min_labels`` is the number of distinct class ids in it (255
    excluded), whatever their values. Without one (``scribble is None``) it
    is ``default``.

    Examples
    --------
    >>> check_min_labels(lambda scribble, default=3: None).status
    'not attempted'
    """
    def scr(classes, shape=(6, 6)):
        s = np.full(shape, UNLABELLED, dtype=np.uint8)
        for k, c in enumerate(classes):
            s[k % shape[0], (2 * k) % shape[1]] = c
            s[(k + 3) % shape[0], (2 * k + 1) % shape[1]] = c
        return s

    cases = [(scr([0, 1]), 5), (None, 3), (scr([0, 2, 5]), 3), (scr([4]), 3), (None, 5), (scr([1, 0, 7, 2]), 6)]
    for scribble, default in cases:
        try:
            got = call_student(fn, None if scribble is None else scribble.copy(), default, name="min_labels")
        except StudentError as err:
            msg = str(err)
            if scribble is None:
                msg += ". Without scribbles (scribble is None) there is nothing to count: return `default`."
            return wrong(msg)
        if is_placeholder(got):
            return not_attempted("Write the body of min_labels (it still returns None)")
        want = _reference_min_labels(scribble, default)
        if not isinstance(got, (int, np.integer)) or isinstance(got, bool):
            return wrong(f"min_labels should return an int; got {type(got).__name__} {got!r}.")
        got = int(got)
        if got == want:
            continue
        if scribble is None:
            return wrong(f"without scribbles (scribble=None, default={default}) you return {got}; the stop is then "
                         f"the default, {default}.")
        classes = scribble_classes(scribble).tolist()
        where = f"for a scribble with classes {classes} you return {got}; it should be {want}"
        if got == want + 1:
            return wrong(f"{where}: you counted 255 as a class. 255 marks unlabelled pixels.")
        if got == int(max(classes)) + 1 or got == int(max(classes)) + 2:
            return wrong(f"{where}: class ids need not be 0, 1, ..., n-1 (a user may draw classes 0, 2 and 5). "
                         "Count the distinct ids, not the largest one.")
        if got == default:
            return wrong(f"{where}: with scribbles the stop is the number of scribble classes, not the default.")
        if got == int((scribble != UNLABELLED).sum()):
            return wrong(f"{where}: that is the number of scribbled pixels; count the distinct classes.")
        return wrong(f"{where}. Count the distinct values of the scribble other than 255.")
    return right("min_labels stops training once only the scribbled classes are left, whatever their ids, and "
                 "falls back to the default without scribbles, as segment() does.")
