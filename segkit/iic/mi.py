"""Entropy and mutual information of discrete distributions (numpy only).

The quantities of lesson 7, computed from a joint probability table
``joint[x, y] = P(X = x, Y = y)`` (rows are X, columns are Y):

* :func:`entropy` H(X) of a distribution,
* :func:`joint_entropy` H(X, Y),
* :func:`conditional_entropy` H(X | Y) = H(X, Y) - H(Y),
* :func:`mutual_information` I(X; Y) = H(X) + H(Y) - H(X, Y)
  = sum_xy P(x, y) log P(x, y) / (P(x) P(y)),
* :func:`information_summary` all of them at once.

A joint table comes either from a probability table you write down (the
seminar's coin tables) or from two paired label maps
(:func:`segkit.iic.joint.joint_from_labels`: a segmentation against its
ground truth, or the cluster maps of two views of one image).
:mod:`segkit.iic.joint` also has the IIC objective of a table.

Conventions
-----------
``0 log 0 = 0``: cells with probability zero contribute nothing. Logarithms
are taken in ``base`` (2 gives bits, ``math.e`` nats). A table must be 2-D,
finite, non-negative and sum to 1 within :data:`SUM_TOLERANCE`; anything else
raises ``ValueError`` rather than being silently renormalised (a table of
counts is a different thing from a table of probabilities: divide by the total
yourself, or use :func:`joint_from_labels`).

References
----------
Cover, T. M. and Thomas, J. A. *Elements of Information Theory*, 2nd ed.,
Wiley 2006, chapter 2.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import check_float, describe

__all__ = [
    "SUM_TOLERANCE",
    "entropy",
    "joint_entropy",
    "conditional_entropy",
    "mutual_information",
    "marginals",
    "information_summary",
]

#: How far from 1 the entries of a probability table may sum.
SUM_TOLERANCE = 1e-6


def _check_base(base) -> float:
    base = check_float(base, "base", min_value=0, min_inclusive=False)
    if base == 1.0:
        raise ValueError("`base` must be a positive number other than 1 (2 for bits, math.e for nats); got 1.0")
    return base


def _check_probabilities(p, name: str, ndim: int | None) -> np.ndarray:
    """Return ``p`` as a float64 array after checking it is a probability table."""
    if isinstance(p, (list, tuple)):
        p = np.asarray(p)
    if not isinstance(p, np.ndarray):
        raise TypeError(f"`{name}` must be a numpy array of probabilities; got {describe(p)}")
    if p.dtype == bool or p.dtype.kind not in "iuf":
        raise TypeError(f"`{name}` must hold real numbers; got dtype {p.dtype}")
    if ndim is not None and p.ndim != ndim:
        what = "a 1-D probability vector" if ndim == 1 else "a 2-D joint probability table P[x, y]"
        raise ValueError(f"`{name}` must be {what}; got {describe(p)}")
    if p.size == 0:
        raise ValueError(f"`{name}` must not be empty; got {describe(p)}")
    p = p.astype(np.float64)  # a copy: the input is never touched
    if not np.all(np.isfinite(p)):
        raise ValueError(f"`{name}` must hold finite probabilities; got NaN or inf")
    if p.min() < 0:
        raise ValueError(f"`{name}` must not hold negative probabilities; got minimum {p.min():.6g}")
    total = p.sum()
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ValueError(
            f"`{name}` must sum to 1 (within {SUM_TOLERANCE:g}); got a sum of {total:.6g}. "
            "Divide a table of counts by its total first."
        )
    return p


def _entropy(p: np.ndarray, base: float) -> float:
    """Entropy of an already validated table (any shape), 0 log 0 = 0."""
    q = p[p > 0]
    return float(-(q * np.log(q)).sum() / math.log(base)) + 0.0  # no -0.0


def entropy(p, base=2) -> float:
    """Shannon entropy H(X) = -sum_x p(x) log p(x) of a discrete distribution.

    Parameters
    ----------
    p : (K,) array_like of float
        Probabilities, non-negative, summing to 1.
    base : float, optional
        Base of the logarithm: 2 (default) gives bits, ``math.e`` nats.

    Returns
    -------
    h : float
        Between 0 (a certain outcome) and log K (the uniform distribution).

    Raises
    ------
    ValueError
        If ``p`` is not 1-D, is empty, holds negative, NaN or inf values, does
        not sum to 1 within :data:`SUM_TOLERANCE`, or if ``base`` is not a
        positive number other than 1.
    TypeError
        If ``p`` is not an array of real numbers.

    Examples
    --------
    A fair coin carries one bit; a certain one none.

    >>> entropy([0.5, 0.5])
    1.0
    >>> entropy([1.0, 0.0])
    0.0
    """
    base = _check_base(base)
    p = _check_probabilities(p, "p", ndim=1)
    return _entropy(p, base)


def marginals(joint) -> tuple[np.ndarray, np.ndarray]:
    """The marginal distributions P(X) (row sums) and P(Y) (column sums).

    Parameters
    ----------
    joint : (KX, KY) array_like of float
        Joint probability table ``joint[x, y] = P(X = x, Y = y)``.

    Returns
    -------
    px : (KX,) ndarray of float64
    py : (KY,) ndarray of float64

    Raises
    ------
    ValueError
        If ``joint`` is not a valid 2-D probability table (see the module notes).

    Examples
    --------
    >>> px, py = marginals([[0.25, 0.25], [0.5, 0.0]])
    >>> px.tolist(), py.tolist()
    ([0.5, 0.5], [0.75, 0.25])
    """
    joint = _check_probabilities(joint, "joint", ndim=2)
    return joint.sum(axis=1), joint.sum(axis=0)


def joint_entropy(joint, base=2) -> float:
    """Joint entropy H(X, Y) = -sum_xy P(x, y) log P(x, y).

    Parameters
    ----------
    joint : (KX, KY) array_like of float
        Joint probability table ``joint[x, y] = P(X = x, Y = y)``.
    base : float, optional
        2 (default) for bits, ``math.e`` for nats.

    Returns
    -------
    h : float

    Raises
    ------
    ValueError
        If ``joint`` is not 2-D, is negative, holds NaN or inf, or does not sum
        to 1 within :data:`SUM_TOLERANCE`; or if ``base`` is invalid.

    Examples
    --------
    Two independent fair coins: four equally likely outcomes, two bits.

    >>> joint_entropy([[0.25, 0.25], [0.25, 0.25]])
    2.0
    """
    base = _check_base(base)
    joint = _check_probabilities(joint, "joint", ndim=2)
    return _entropy(joint, base)


def conditional_entropy(joint, base=2) -> float:
    """Conditional entropy H(X | Y) = H(X, Y) - H(Y): what is left unknown of X once Y is known.

    X indexes the rows of ``joint`` and Y its columns; for H(Y | X) pass
    ``joint.T``.

    Parameters
    ----------
    joint : (KX, KY) array_like of float
        Joint probability table ``joint[x, y] = P(X = x, Y = y)``.
    base : float, optional
        2 (default) for bits, ``math.e`` for nats.

    Returns
    -------
    h : float
        Between 0 (Y determines X) and H(X) (X and Y independent).

    Raises
    ------
    ValueError
        If ``joint`` is not a valid 2-D probability table, or ``base`` is invalid.

    Examples
    --------
    The seminar's third table: knowing Y leaves 0.6887 bits of doubt about X.

    >>> round(conditional_entropy([[0.25, 0.25], [0.5, 0.0]]), 4)
    0.6887
    """
    base = _check_base(base)
    joint = _check_probabilities(joint, "joint", ndim=2)
    h = _entropy(joint, base) - _entropy(joint.sum(axis=0), base)
    return max(h, 0.0)  # rounding can give -1e-17 for a deterministic relation


def mutual_information(joint, base=2) -> float:
    """Mutual information I(X; Y) = sum_xy P(x, y) log(P(x, y) / (P(x) P(y))).

    Equal to the Kullback-Leibler divergence between the joint and the
    product of its marginals, and to H(X) - H(X | Y) = H(X) + H(Y) - H(X, Y).

    Parameters
    ----------
    joint : (KX, KY) array_like of float
        Joint probability table ``joint[x, y] = P(X = x, Y = y)``.
    base : float, optional
        2 (default) for bits, ``math.e`` for nats.

    Returns
    -------
    mi : float
        Non-negative; 0 exactly when X and Y are independent, at most
        min(H(X), H(Y)).

    Raises
    ------
    ValueError
        If ``joint`` is not 2-D, is negative, holds NaN or inf, or does not sum
        to 1 within :data:`SUM_TOLERANCE`; or if ``base`` is invalid.
    TypeError
        If ``joint`` is not an array of real numbers.

    References
    ----------
    Cover and Thomas, *Elements of Information Theory*, section 2.4.

    Examples
    --------
    The seminar's three coin tables, in bits:

    >>> mutual_information([[0.25, 0.25], [0.25, 0.25]])   # independent coins
    0.0
    >>> mutual_information([[0.5, 0.0], [0.0, 0.5]])       # identical coins
    1.0
    >>> round(mutual_information([[0.25, 0.25], [0.5, 0.0]]), 4)
    0.3113
    """
    base = _check_base(base)
    joint = _check_probabilities(joint, "joint", ndim=2)
    px, py = joint.sum(axis=1), joint.sum(axis=0)
    nz = joint > 0
    outer = np.outer(px, py)
    mi = float((joint[nz] * np.log(joint[nz] / outer[nz])).sum() / math.log(base))
    return max(mi, 0.0)  # never report -1e-17 for independent variables


def information_summary(joint, base=2) -> dict:
    """Every entropy of a joint table at once (a dict, for printing or plotting).

    Parameters
    ----------
    joint : (KX, KY) array_like of float
        Joint probability table ``joint[x, y] = P(X = x, Y = y)``.
    base : float, optional
        2 (default) for bits, ``math.e`` for nats.

    Returns
    -------
    summary : dict
        Keys ``"H(X)"``, ``"H(Y)"``, ``"H(X,Y)"``, ``"H(X|Y)"``, ``"H(Y|X)"``
        and ``"I(X;Y)"``, each a float.

    Raises
    ------
    ValueError
        If ``joint`` is not a valid 2-D probability table, or ``base`` is invalid.

    Examples
    --------
    >>> s = information_summary([[0.25, 0.25], [0.5, 0.0]])
    >>> {k: round(v, 4) for k, v in s.items()}
    {'H(X)': 1.0, 'H(Y)': 0.8113, 'H(X,Y)': 1.5, 'H(X|Y)': 0.6887, 'H(Y|X)': 0.5, 'I(X;Y)': 0.3113}
    """
    base = _check_base(base)
    joint = _check_probabilities(joint, "joint", ndim=2)
    hx = _entropy(joint.sum(axis=1), base)
    hy = _entropy(joint.sum(axis=0), base)
    hxy = _entropy(joint, base)
    return {
        "H(X)": hx,
        "H(Y)": hy,
        "H(X,Y)": hxy,
        "H(X|Y)": max(hxy - hy, 0.0),
        "H(Y|X)": max(hxy - hx, 0.0),
        "I(X;Y)": mutual_information(joint, base),
    }
