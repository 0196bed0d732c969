"""Lesson 01's exercises: Otsu's between-class variance, and one step of region growing.

* :func:`check_between_class_variance`: the student writes
  ``between_class_variance(gray, T)``, Otsu's
  :math:`\\sigma_B^2(T) = \\omega_0\\,\\omega_1\\,(\\mu_0 - \\mu_1)^2` with class 0 the
  pixels ``gray <= T``. It is compared with
  :func:`segkit.classical.otsu_variance_curve` on grey images whose levels
  are that function's bin centres (so the histogram form and the pixel form
  agree exactly), and its maximum with :func:`segkit.classical.otsu_threshold`.
* :func:`check_grow_step`: the student writes ``grow_step(gray, region,
  frontier, reference, tolerance)``, one pass of the region-growing loop
  (4-neighbours of the frontier, not yet in the region, within the
  tolerance of the reference). The loop built on it must grow the region
  :func:`segkit.classical.region_grow` grows.

>>> import numpy as np
>>> def between_class_variance(gray, T):
...     low = gray <= T
...     w0 = low.mean(); w1 = 1 - w0
...     if w0 == 0 or w1 == 0:
...         return 0.0
...     return w0 * w1 * (gray[low].mean() - gray[~low].mean()) ** 2
>>> check_between_class_variance(between_class_variance).status
'right'
"""

from __future__ import annotations

import numpy as np

from ..classical import otsu_threshold, otsu_variance_curve, region_grow
from ._feedback import Feedback, as_number, call_or_feedback, is_placeholder, not_attempted, right, wrong

__all__ = ["check_between_class_variance", "check_grow_step"]

_NBINS = 256


# --------------------------------------------------------------------------- Otsu

def _otsu_cases():
    """Grey images (levels on the 256 bin centres) the student never sees: two humps, three, skewed."""
    rng = np.random.default_rng(101)
    centres = (np.arange(_NBINS) + 0.5) / _NBINS

    def quantise(values, shape):
        idx = np.clip(np.round(np.asarray(values) * _NBINS - 0.5), 0, _NBINS - 1).astype(int)
        return centres[idx].reshape(shape)

    two = np.concatenate([rng.normal(0.3, 0.06, 700), rng.normal(0.7, 0.08, 500)])
    skewed = np.concatenate([rng.normal(0.2, 0.05, 1100), rng.normal(0.55, 0.1, 100)])
    three = np.concatenate([rng.normal(0.15, 0.04, 400), rng.normal(0.5, 0.05, 400), rng.normal(0.85, 0.04, 400)])
    return [("two humps", quantise(two, (30, 40))), ("a small bright class", quantise(skewed, (30, 40))),
            ("three humps", quantise(three, (30, 40)))]


def _otsu_variants(gray, T):
    """What common mistakes compute, to name the mistake."""
    low = gray <= T
    w0 = low.mean()
    w1 = 1.0 - w0
    if w0 == 0 or w1 == 0:
        return {}
    m0, m1 = gray[low].mean(), gray[~low].mean()
    n0, n1 = low.sum(), (~low).sum()
    return {
        "no weights": (m0 - m1) ** 2,
        "counts as weights": n0 * n1 * (m0 - m1) ** 2,
        "not squared": w0 * w1 * abs(m0 - m1),
        "within-class variance": w0 * gray[low].var() + w1 * gray[~low].var(),
        "one weight": w0 * (m0 - m1) ** 2,
    }


_OTSU_HINTS = {
    "no weights": "you seem to compute (mu0 - mu1)^2 alone: multiply by the class weights omega0 * omega1 "
                  "(the fractions of pixels below and above T)",
    "counts as weights": "you seem to weight by the numbers of pixels; omega0 and omega1 are fractions "
                         "(they add up to 1)",
    "not squared": "the difference of the means must be squared",
    "within-class variance": "that is the within-class variance omega0 sigma0^2 + omega1 sigma1^2, the quantity "
                             "Otsu *minimises*; the exercise asks for the between-class variance",
    "one weight": "both weights belong in the product: omega0 * omega1 * (mu0 - mu1)^2",
}


def check_between_class_variance(between_class_variance) -> Feedback:
    """Check ``between_class_variance(gray, T)`` against Otsu's curve on hidden grey images.

    The student's function gets an (H, W) float array in [0, 1] and a
    threshold T; class 0 is ``gray <= T``, class 1 ``gray > T``. It must return
    omega0 * omega1 * (mu0 - mu1)^2, and 0 when one class is empty.

    Returns
    -------
    Feedback
        Wrong answers name the test image, the threshold, the two values and,
        where it can be recognised, the mistake (no weights, counts instead of
        fractions, a missing square, the within-class variance).
    """
    name = "between_class_variance"
    cases = _otsu_cases()
    probe = call_or_feedback(between_class_variance, name, cases[0][1].copy(), 0.5)
    if isinstance(probe, Feedback):
        return probe
    if is_placeholder(probe):
        return not_attempted("Write the body of between_class_variance (it still returns None)")
    for label, gray in cases:
        thresholds, curve = otsu_variance_curve(gray, nbins=_NBINS)
        picks = np.unique(np.round(np.linspace(0, _NBINS - 2, 9)).astype(int).tolist()
                          + [int(np.argmax(curve))])
        for i in picks:
            T = float(thresholds[i])
            got = call_or_feedback(between_class_variance, name, gray.copy(), T)
            if isinstance(got, Feedback):
                return got
            value = as_number(got)
            if value is None:
                return wrong(f"{name} should return one number; on the {label} test image at T = {T:.3f} "
                             f"it returned {type(got).__name__} {str(got)[:60]}")
            expected = float(curve[i])
            if not np.isfinite(value):
                return wrong(f"on the {label} test image at T = {T:.3f} your function returns {value}; "
                             f"expected {expected:.5f}. When one class is empty (no pixel <= T, or none above) "
                             "the between-class variance is 0: return 0.0 there instead of dividing by zero")
            if not np.isclose(value, expected, rtol=1e-6, atol=1e-9):
                hint = next((h for k, h in _OTSU_HINTS.items()
                             if np.isclose(value, _otsu_variants(gray, T).get(k, np.nan), rtol=1e-6, atol=1e-12)),
                            "check the weights omega0, omega1 (fractions of pixels at or below T and above it) "
                            "and the class means mu0, mu1")
                return wrong(f"on the {label} test image at T = {T:.3f} your function gives {value:.5f}, the "
                             f"between-class variance is {expected:.5f}: {hint}.")
    # The maximum over thresholds is Otsu's threshold.
    gray = cases[1][1]
    thresholds, _ = otsu_variance_curve(gray, nbins=_NBINS)
    values = []
    for t in thresholds:
        got = call_or_feedback(between_class_variance, name, gray.copy(), float(t))
        if isinstance(got, Feedback):
            return got
        value = as_number(got)
        values.append(value if value is not None and np.isfinite(value) else -np.inf)
    t_student = float(thresholds[int(np.argmax(values))])
    t_otsu = otsu_threshold(gray, nbins=_NBINS)
    if not np.isclose(t_student, t_otsu):
        return wrong(f"your values are right at the tested thresholds, but over all thresholds your curve peaks at "
                     f"T = {t_student:.3f} and Otsu's at {t_otsu:.3f} on the {cases[1][0]} image")
    return right(f"on three hidden images your sigma_B^2(T) matches segkit's curve at every tested T, and its "
                 f"maximum is Otsu's threshold (T* = {t_otsu:.3f} on the image with a small bright class).")


# --------------------------------------------------------------------------- region growing

def _grow_cases():
    """Hidden images and seeds: a bright disc on a gradient, a diagonal stripe, noise; the border matters."""
    rng = np.random.default_rng(102)
    yy, xx = np.mgrid[0:24, 0:30]
    disc = 0.2 + 0.006 * xx + 0.6 * (((yy - 12) ** 2 + (xx - 10) ** 2) < 40)
    stripe = np.where(np.abs(yy - xx) <= 1, 0.9, 0.1) + 0.02 * rng.standard_normal((24, 30))
    edge = np.full((24, 30), 0.8)
    edge[:, 3:27] = 0.1                                   # bright strips at the left and right borders
    noisy = np.clip(0.5 + 0.08 * rng.standard_normal((24, 30)), 0, 1)
    terraces = 0.5 + 0.25 * ((xx // 6) % 2) - 0.25 * (yy >= 18)   # steps of exactly the tolerance
    return [("terraces one tolerance apart", terraces, (2, 2), 0.25),
            ("a bright disc on a slope", disc, (12, 10), 0.1),
            ("a diagonal stripe", stripe, (5, 5), 0.2),
            ("bright strips at the left and right borders", edge, (10, 1), 0.2),
            ("noise", noisy, (12, 15), 0.08)]


def _grow_with(grow_step, gray, seed, tolerance, max_steps):
    """Run the loop of the lesson with the student's step; returns (region, steps) or a Feedback."""
    region = np.zeros(gray.shape, bool)
    region[seed] = True
    frontier = region.copy()
    reference = float(gray[seed])
    for step in range(max_steps):
        if not frontier.any():
            return region, step
        new = call_or_feedback(grow_step, "grow_step", gray.copy(), region.copy(), frontier.copy(), reference,
                               tolerance)
        if isinstance(new, Feedback):
            return new
        if is_placeholder(new):
            return None
        new = np.asarray(new)
        if new.shape != gray.shape or new.dtype != bool:
            return wrong(f"grow_step should return a boolean mask the shape of the image {gray.shape}; "
                         f"it returned {new.dtype} of shape {new.shape}")
        if (new & region).any():
            return wrong("grow_step returns pixels already in the region: the loop would never end "
                         "(the frontier would never be empty). Keep only candidates with `~region`")
        region = region | new
        frontier = new
    return wrong(f"the loop ran {max_steps} steps without the frontier emptying")


def check_grow_step(grow_step) -> Feedback:
    """Check one region-growing step by running the lesson's loop with it on hidden images.

    The student's ``grow_step(gray, region, frontier, reference, tolerance)``
    returns the new frontier: the 4-neighbours of ``frontier`` that are not in
    ``region`` and have ``|gray - reference| <= tolerance``. The region grown
    with it must equal :func:`segkit.classical.region_grow` with
    ``reference="seed"``.
    """
    # A single step from one pixel in the middle of a flat image: which neighbours?
    flat = np.full((9, 9), 0.5)
    region = np.zeros((9, 9), bool)
    region[4, 4] = True
    one = call_or_feedback(grow_step, "grow_step", flat.copy(), region.copy(), region.copy(), 0.5, 0.1)
    if isinstance(one, Feedback):
        return one
    if is_placeholder(one):
        return not_attempted("Write the body of grow_step (it still returns None)")
    one = np.asarray(one, dtype=bool) if np.asarray(one).shape == flat.shape else None
    if one is not None and not (one & region).any():
        n = int(one.sum())
        if n == 8:
            return wrong("from a single pixel on a flat image your step adds 8 pixels; the lesson's region "
                         "growing uses the 4 neighbours (up, down, left, right), not the diagonals")
        if n != 4:
            return wrong(f"from a single pixel on a flat image your step adds {n} pixels; it should add its 4 "
                         "neighbours (up, down, left, right)")
    # A step from the top-left corner must not wrap around to the other side.
    corner = np.zeros((9, 9), bool)
    corner[0, 0] = True
    wrapped = call_or_feedback(grow_step, "grow_step", flat.copy(), corner.copy(), corner.copy(), 0.5, 0.1)
    if isinstance(wrapped, Feedback):
        return wrapped
    wrapped = np.asarray(wrapped)
    if wrapped.shape == flat.shape and (wrapped[-1, 0] or wrapped[0, -1]):
        return wrong("from the top-left corner pixel your step adds pixels on the bottom row or the right "
                     "column: np.roll wraps around the border. Shift with slices instead, e.g. "
                     "`out[1:] |= frontier[:-1]`")
    # A darker neighbour outside the tolerance must be refused (|.|, not a signed difference).
    dark = flat.copy()
    dark[4, 5] = 0.1
    signed = call_or_feedback(grow_step, "grow_step", dark.copy(), region.copy(), region.copy(), 0.5, 0.1)
    if isinstance(signed, Feedback):
        return signed
    signed = np.asarray(signed)
    if signed.shape == flat.shape and signed[4, 5]:
        return wrong("your step accepts a neighbour of grey level 0.1 next to a seed of 0.5 with tolerance 0.1: "
                     "the test is on the absolute difference |gray - reference| <= tolerance")
    for label, gray, seed, tolerance in _grow_cases():
        out = _grow_with(grow_step, gray, seed, tolerance, max_steps=gray.size + 1)
        if isinstance(out, Feedback) or out is None:
            return out if out is not None else not_attempted("Write the body of grow_step")
        grown, steps = out
        expected = region_grow(gray, seed, tolerance, reference="seed")
        if not np.array_equal(grown, expected):
            extra, missing = int((grown & ~expected).sum()), int((expected & ~grown).sum())
            hint = ("is the test <= tolerance (not <)?" if missing and not extra else
                    "do you use the 4 neighbours and |gray - reference| <= tolerance?")
            return wrong(f"on the hidden image '{label}' (seed {seed}, tolerance {tolerance}) the loop with your "
                         f"step grows {int(grown.sum())} pixels where region_grow grows {int(expected.sum())} "
                         f"({extra} too many, {missing} missing): {hint}")
    return right("the loop built on your step grows exactly the regions of classical.region_grow on five hidden "
                 "images, borders and ties included.")
