"""Checks for the exercises of lesson 07 (mutual information and IIC).

* :func:`check_mutual_information` - I(X; Y) in bits from a joint table;
* :func:`check_iic_joint` - IIC's joint table of two cluster maps over a
  window of displacements, in numpy for one image.

Each check runs the student's function on cases the student does not see and
compares it with segkit's tested code (:func:`segkit.iic.mi.mutual_information`,
:func:`segkit.iic.loss.iic_joint`).
"""

from __future__ import annotations

import math

import numpy as np

from ..iic.mi import entropy, joint_entropy, mutual_information
from ._feedback import (Feedback, StudentError, call_student, is_placeholder, not_attempted, right,
                        student_number, wrong)

__all__ = ["check_mutual_information", "check_iic_joint"]


def _mi_cases():
    """Hidden joint tables: one with zero cells, non-square ones, a near-independent one."""
    rng = np.random.default_rng(6)
    t1 = np.array([[0.3, 0.0, 0.1], [0.05, 0.25, 0.0], [0.0, 0.1, 0.2]])
    t2 = rng.random((3, 5)); t2[0, 1] = t2[2, 4] = 0.0; t2 /= t2.sum()  # noqa: E702
    t3 = np.outer([0.2, 0.8], [0.1, 0.6, 0.3]) * 0.9 + 0.1 * np.array([[0.5, 0, 0], [0, 0.25, 0.25]])
    t4 = np.array([[0.125, 0.375], [0.4, 0.1]])
    return [t1, t2 / t2.sum(), t3 / t3.sum(), t4]


def check_mutual_information(fn) -> Feedback:
    """Check ``fn(joint) -> float``: I(X; Y) in bits of a joint table ``joint[x, y]``.

    Examples
    --------
    >>> check_mutual_information(lambda joint: None).status
    'not attempted'
    """
    for joint in _mi_cases():
        with np.errstate(divide="ignore", invalid="ignore"):  # a 0 log 0 reads as feedback, not a warning
            got = student_number(fn, joint.copy(), name="mutual_information",
                                 hint=". Rows (values of X) and columns (values of Y) may differ in number: "
                                      "P(x) is joint.sum(axis=1), P(y) is joint.sum(axis=0).")
        if isinstance(got, Feedback):
            return got
        want = mutual_information(joint)
        if np.isclose(got, want, rtol=1e-7, atol=1e-10):
            continue
        where = (f"for a hidden {joint.shape[0]}x{joint.shape[1]} table"
                 f"{' with zero cells' if (joint == 0).any() else ''} you get {got:.4f}; I(X;Y) is {want:.4f} bits")
        if not np.isfinite(got):
            return wrong(f"{where}. A NaN comes from 0 * log 0: cells with P(x, y) = 0 contribute nothing "
                         "(0 log 0 = 0), so sum over the non-zero cells only.")
        px, py = joint.sum(axis=1), joint.sum(axis=0)
        hx, hy, hxy = entropy(px), entropy(py), joint_entropy(joint)
        if np.isclose(got, want * math.log(2), rtol=1e-6):
            return wrong(f"{where}: your value is in nats (natural logarithm). Bits need log base 2 "
                         "(np.log2), or divide by ln 2.")
        if np.isclose(got, want * math.log10(2), rtol=1e-6):
            return wrong(f"{where}: your value uses log base 10. Bits need log base 2 (np.log2).")
        if np.isclose(got, -want, rtol=1e-6):
            return wrong(f"{where}: the sign is flipped. I = sum P(x,y) log[P(x,y) / (P(x) P(y))] is never negative.")
        if np.isclose(got, hx + hy + hxy, rtol=1e-6) or np.isclose(got, hxy - hx - hy, rtol=1e-6):
            return wrong(f"{where}: I(X;Y) = H(X) + H(Y) - H(X,Y): the joint entropy is subtracted.")
        if np.isclose(got, hxy - hy, rtol=1e-6):
            return wrong(f"{where}: that is H(X|Y) = H(X,Y) - H(Y), what is left unknown; I(X;Y) = H(X) - H(X|Y).")
        if np.isclose(got, hxy, rtol=1e-6):
            return wrong(f"{where}: that is the joint entropy H(X,Y); divide each P(x,y) by P(x) P(y) inside the log.")
        outer_wrong = np.outer(py[: joint.shape[0]], px[: joint.shape[1]]) if joint.shape[0] == joint.shape[1] else None
        if outer_wrong is not None:
            nz = joint > 0
            swapped = float((joint[nz] * np.log2(joint[nz] / outer_wrong[nz])).sum())
            if np.isclose(got, swapped, rtol=1e-6):
                return wrong(f"{where}: the marginals are swapped. P(x) is the row sums (axis=1), P(y) the column "
                             "sums (axis=0), and the cell (x, y) is divided by P(x) P(y).")
        return wrong(f"{where}. Compute P(x) = row sums, P(y) = column sums, then "
                     "sum over non-zero cells of P(x,y) log2[P(x,y) / (P(x) P(y))].")
    return right("your mutual information agrees with segkit.iic.mi on hidden tables with zero cells and unequal "
                 "numbers of rows and columns (0 log 0 = 0 handled).")


def _iic_cases():
    """Hidden (z1, z2, window) cases: probability maps of shape (k, H, W)."""
    rng = np.random.default_rng(16)
    cases = []
    for k, h, w, window in ((3, 7, 9, 3), (2, 6, 6, 5), (4, 5, 8, 3)):
        z = rng.normal(size=(2, k, h, w)) * 1.5
        z = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        cases.append((z[0], z[1], window))
    return cases


def _reference_joint(z1, z2, window):
    import torch  # the reference is the torch joint IIC trains with

    from ..iic.loss import iic_joint

    return iic_joint(torch.from_numpy(z1)[None], torch.from_numpy(z2)[None], window=window, method="conv").numpy()


def _window_sum(z1, z2, window, *, wrap=False):
    """sum over displacements t and pixels u of z1[:, u] z2[:, u + t]^T, not normalised, not symmetrised."""
    k, h, w = z1.shape
    d = window // 2
    p = np.zeros((k, k))
    padded = np.pad(z2, ((0, 0), (d, d), (d, d)))
    for dy in range(-d, d + 1):
        for dx in range(-d, d + 1):
            if wrap:
                shifted = np.roll(z2, (-dy, -dx), axis=(1, 2))
            else:
                shifted = padded[:, d + dy: d + dy + h, d + dx: d + dx + w]
            p += z1.reshape(k, -1) @ shifted.reshape(k, -1).T
    return p


def check_iic_joint(fn) -> Feedback:
    """Check ``fn(z1, z2, window) -> (k, k) array``: IIC's symmetric joint over a displacement window.

    ``z1``, ``z2`` are (k, H, W) cluster probabilities of the two views;
    ``P = sum_t sum_u z1[:, u] z2[:, u+t]^T`` over the ``window`` x ``window``
    displacements (pixels outside the image have no partner), divided by its
    sum, then ``(P + P.T) / 2``.

    Examples
    --------
    >>> check_iic_joint(lambda z1, z2, window: None).status
    'not attempted'
    """
    for z1, z2, window in _iic_cases():
        k, h, w = z1.shape
        try:
            value = call_student(fn, z1.copy(), z2.copy(), window, name="iic_joint")
        except StudentError as err:
            return wrong(f"{err}. The maps are (k, H, W) = {z1.shape}; the window is {window}.")
        if is_placeholder(value):
            return not_attempted("Write the body of iic_joint (it still returns None)")
        got = np.asarray(value, dtype=float)
        want = _reference_joint(z1, z2, window)
        where = f"for hidden {k}-cluster maps of {h}x{w} pixels and window {window}"
        if got.shape != (k, k):
            return wrong(f"{where} your table has shape {got.shape}; it should be (k, k) = ({k}, {k}): "
                         "one row and one column per cluster.")
        if np.allclose(got, want, rtol=1e-7, atol=1e-12):
            continue
        raw = _window_sum(z1, z2, window)
        if not np.all(np.isfinite(got)):
            return wrong(f"{where} your table holds NaN or inf.")
        if np.allclose(got, raw, rtol=1e-6) or np.allclose(got, (raw + raw.T) / 2, rtol=1e-6):
            return wrong(f"{where} your table sums to {got.sum():.3f}: it must be a probability table. Divide by its "
                         "total (before or after symmetrising).")
        if np.allclose(got, raw / raw.sum(), rtol=1e-6):
            return wrong(f"{where} your table is not symmetric (P[0, 1] = {got[0, 1]:.4f}, P[1, 0] = {got[1, 0]:.4f}). "
                         "Both views are images of the same thing, so IIC symmetrises: P = (P + P.T) / 2.")
        single = _window_sum(z1, z2, 1)
        single = single / single.sum()
        if np.allclose(got, (single + single.T) / 2, rtol=1e-6):
            return wrong(f"{where} your table pairs each pixel only with itself (window 1). Sum over every "
                         f"displacement t = (dy, dx) with |dy|, |dx| <= {window // 2}.")
        wrapped = _window_sum(z1, z2, window, wrap=True)
        wrapped = wrapped / wrapped.sum()
        if np.allclose(got, (wrapped + wrapped.T) / 2, rtol=1e-6):
            return wrong(f"{where} your shifts wrap around the image (np.roll): a pixel on the left edge is paired "
                         "with the right edge. Pixels outside the image have no partner: pad with zeros instead.")
        return wrong(f"{where} your table differs from IIC's by up to {np.abs(got - want).max():.2e} "
                     f"(P[0, 0] = {got[0, 0]:.4f}, it should be {want[0, 0]:.4f}). For every displacement, multiply "
                     "z1 by the shifted z2 (zeros outside), sum the k x k products over pixels, then normalise and "
                     "symmetrise.")
    return right("your joint equals IIC's (segkit.iic.iic_joint, the paper's convolution form) on hidden maps: "
                 "every pixel paired with every neighbour in the window, zeros outside the image, normalised and "
                 "symmetrised.")
