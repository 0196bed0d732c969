"""Lesson 02's exercises: one k-means assignment step and one update step.

* :func:`check_assign`: ``assign(features, centers)`` returns, for every row
  of the (N, D) ``features``, the index of the nearest of the (k, D)
  ``centers`` in squared Euclidean distance.
* :func:`check_update`: ``update(features, labels, centers)`` returns the
  (k, D) centres moved to the mean of their samples; a centre with no
  sample stays where it was.

Both are compared with the steps of :func:`segkit.classical.kmeans`
(``segkit/classical/kmeans.py``, function ``_lloyd``) on hidden data, and
:func:`check_update` finally alternates the student's two steps and compares
the inertia with segkit's k-means from the same start.

>>> import numpy as np
>>> def assign(features, centers):
...     d = ((features[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
...     return d.argmin(axis=1)
>>> check_assign(assign).status
'right'
"""

from __future__ import annotations

import numpy as np

from ..classical.kmeans import _lloyd, _sq_distances
from ._feedback import Feedback, call_or_feedback, is_placeholder, not_attempted, right, wrong

__all__ = ["check_assign", "check_update"]


def _cases():
    """Hidden (features, centers): colour-like 3-D blobs, 5-D colour + position, 1-D grey levels."""
    rng = np.random.default_rng(202)
    blobs = np.concatenate([rng.normal(c, 0.08, (60, 3)) for c in ([0.2, 0.3, 0.1], [0.8, 0.7, 0.6], [0.4, 0.9, 0.2])])
    five = rng.random((150, 5))
    grey = rng.random((80, 1))
    return [("3-D colour blobs", blobs, blobs[rng.choice(len(blobs), 3, replace=False)]),
            ("5-D colour + position", five, rng.random((5, 5))),
            ("1-D grey levels", grey, np.array([[0.1], [0.5], [0.9], [0.3]]))]


def _reference_assign(x, centers):
    return _sq_distances(x, (x * x).sum(axis=1), centers).argmin(axis=1)


def _reference_update(x, labels, centers):
    """segkit's update step where every cluster has samples; an empty centre stays (the exercise's rule)."""
    k = centers.shape[0]
    counts = np.bincount(labels, minlength=k)
    new = centers.astype(np.float64).copy()
    for j in range(k):
        if counts[j]:
            new[j] = x[labels == j].mean(axis=0)
    return new


def check_assign(assign) -> Feedback:
    """Check ``assign(features, centers) -> labels`` (the assignment step) on hidden data.

    Wrong answers say on which data, how many samples differ, and, where it
    can be recognised, why: the farthest centre (argmax), the distances
    returned instead of the labels, the sum of absolute differences instead of
    squares, the wrong axis.
    """
    name = "assign"
    for label, x, centers in _cases():
        got = call_or_feedback(assign, name, x.copy(), centers.copy())
        if isinstance(got, Feedback):
            return got
        if is_placeholder(got):
            return not_attempted("Write the body of assign (it still returns None)")
        got = np.asarray(got)
        n, k = x.shape[0], centers.shape[0]
        if got.shape == (n, k):
            return wrong(f"assign returned an array of shape {got.shape}, the table of distances: return, for each "
                         f"sample, the index of the nearest centre (shape ({n},)): argmin over axis 1")
        if got.shape == (k,):
            return wrong(f"assign returned {k} values, one per centre; it should return one label per sample "
                         f"(shape ({n},)): take the argmin over the centres, axis 1")
        if got.shape != (n,):
            return wrong(f"on the {label} data (N = {n} samples, k = {k} centres) assign returned shape "
                         f"{got.shape}; expected ({n},), one label per sample")
        if got.dtype.kind not in "iu":
            return wrong(f"labels must be integers (centre indices 0 .. {k - 1}); got dtype {got.dtype}")
        expected = _reference_assign(x, centers)
        if not np.array_equal(got, expected):
            d2 = _sq_distances(x, (x * x).sum(axis=1), centers)
            l1 = np.abs(x[:, None, :] - centers[None]).sum(axis=2)
            n_bad = int((got != expected).sum())
            if np.array_equal(got, d2.argmax(axis=1)):
                hint = "every sample went to its farthest centre: argmin, not argmax"
            elif np.array_equal(got, l1.argmin(axis=1)):
                hint = ("you used the sum of absolute differences; k-means uses the squared Euclidean distance "
                        "sum((f - c)**2)")
            else:
                hint = "compute ||f_i - c_j||^2 for every sample i and centre j, then take the argmin over j"
            return wrong(f"on the hidden {label} data {n_bad} of {n} samples get a different centre: {hint}.")
    return right("your assignment step gives every sample its nearest centre on three hidden data sets "
                 "(1-D, 3-D and 5-D features).")


def check_update(update, assign=None) -> Feedback:
    """Check ``update(features, labels, centers) -> new centers`` (the update step) on hidden data.

    With a right ``assign`` (the student's own, if given and right, else
    segkit's), the two steps alternated 10 times from the same start must
    reach the inertia of segkit's k-means.
    """
    name = "update"
    rng = np.random.default_rng(203)
    for label, x, centers in _cases():
        labels = _reference_assign(x, centers)
        got = call_or_feedback(update, name, x.copy(), labels.copy(), centers.copy())
        if isinstance(got, Feedback):
            return got
        if is_placeholder(got):
            return not_attempted("Write the body of update (it still returns None)")
        got = np.asarray(got, dtype=np.float64)
        k, d = centers.shape
        if got.shape == (d, k) and d != k:
            return wrong(f"update returned shape {got.shape}; the centres are ({k}, {d}), one row per centre: "
                         "did you average over the wrong axis or transpose?")
        if got.shape != (k, d):
            return wrong(f"on the {label} data update returned shape {got.shape}; expected ({k}, {d}), "
                         "one row (a mean feature vector) per centre")
        expected = _reference_update(x, labels, centers)
        if not np.allclose(got, expected, atol=1e-9):
            j = int(np.abs(got - expected).max(axis=1).argmax())
            members = x[labels == j]
            if got.shape[0] == got.shape[1] and np.allclose(got.T, expected, atol=1e-9):
                hint = "your centres are transposed: one row per centre, one column per feature"
            elif np.allclose(got[j], members.sum(axis=0)):
                hint = "you return the sum of the samples; divide by their number to get the mean"
            elif np.allclose(got[j], np.median(members, axis=0)):
                hint = "that is the median; k-means moves the centre to the mean"
            else:
                hint = "each centre should be the mean of the samples whose label is its index"
            return wrong(f"on the hidden {label} data centre {j} (of {len(members)} samples) moves to "
                         f"{np.round(got[j], 3).tolist()}, the mean of its samples is "
                         f"{np.round(expected[j], 3).tolist()}: {hint}.")
    # A cluster with no sample keeps its centre (and must not become NaN).
    x = rng.random((40, 2)) * 0.4
    centers = np.array([[0.2, 0.2], [5.0, 5.0]])
    labels = np.zeros(40, np.int64)
    got = call_or_feedback(update, name, x.copy(), labels.copy(), centers.copy())
    if isinstance(got, Feedback):
        return got
    got = np.asarray(got, dtype=np.float64)
    if got.shape == (2, 2) and not np.all(np.isfinite(got[1])):
        return wrong(f"a centre with no samples becomes {got[1].tolist()} (the mean of nothing); leave such a "
                     "centre where it was")
    if got.shape != (2, 2) or not np.allclose(got[1], centers[1]):
        return wrong(f"a centre with no samples at {centers[1].tolist()} moved to "
                     f"{got[1].tolist() if got.shape == (2, 2) else got.shape}; leave such a centre where it was")
    # The two steps alternated: the same inertia as segkit's Lloyd iterations from the same start.
    use_assign = assign if assign is not None and bool(check_assign(assign)) else _reference_assign
    _, x, start = _cases()[0]
    centers = start.copy()
    for _ in range(10):
        labels = np.asarray(call_or_feedback(use_assign, "assign", x.copy(), centers.copy()))
        centers = call_or_feedback(update, name, x.copy(), labels, centers.copy())
        if isinstance(centers, Feedback):
            return centers
        centers = np.asarray(centers, dtype=np.float64)
    mine = float(((x - centers[_reference_assign(x, centers)]) ** 2).sum())
    for _, ref_centers in _lloyd(x, start.copy(), 10, 0.0):
        pass
    ref = float(((x - ref_centers[_reference_assign(x, ref_centers)]) ** 2).sum())
    if not np.isclose(mine, ref, rtol=1e-6):
        return wrong(f"each step is right, yet ten rounds of assign + update reach the inertia J = {mine:.4f} "
                     f"where segkit's k-means reaches {ref:.4f} from the same start")
    who = "your assign and update" if use_assign is assign else "assign and your update"
    return right(f"your update step moves every centre to the mean of its samples and leaves an empty one in place; "
                 f"ten rounds of {who} reach segkit's inertia J = {ref:.4f} on hidden data.")
