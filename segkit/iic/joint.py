"""Joint tables for lesson 07, and the IIC objective of one (numpy only).

* :func:`joint_from_labels` - the empirical joint distribution of two paired
  label maps (a segmentation against its ground truth, or the cluster maps of
  two views of one image).
* :func:`blend_joint` - a table that slides from independence (t = 0) to
  perfect agreement (t = 1), for the lesson's slider.
* :func:`iic_objective` - the IIC loss of a joint table, with its weight
  lambda on the marginal entropies (the torch version that trains a network
  is :func:`segkit.iic.loss.iic_loss`).

The entropies themselves are in :mod:`segkit.iic.mi`.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import check_float, check_int, check_label_map, check_same_shape, describe
from .mi import _check_base, _check_probabilities, _entropy

__all__ = ["joint_from_labels", "blend_joint", "iic_objective"]


def joint_from_labels(a, b, *, n_a=None, n_b=None) -> np.ndarray:
    """The empirical joint distribution of two paired label maps.

    ``joint[i, j]`` is the fraction of pixels labelled ``i`` in ``a`` and ``j``
    in ``b``: the table whose mutual information says how much one
    segmentation tells about the other.

    Parameters
    ----------
    a, b : (H, W) ndarray of int
        Non-negative labels of the same shape (any integer label maps: a
        segmentation, a ground truth, the clusters of one view).
    n_a, n_b : int, optional
        Number of rows and columns; by default ``a.max() + 1`` and
        ``b.max() + 1``. Give them to keep empty labels as zero rows.

    Returns
    -------
    joint : (n_a, n_b) ndarray of float64
        Sums to 1.

    Raises
    ------
    ValueError
        If the maps are not 2-D, differ in shape, hold negative labels, or a
        label is not smaller than ``n_a`` (``n_b``).
    TypeError
        If a map is not an integer array.

    Examples
    --------
    >>> a = np.array([[0, 0], [1, 1]])
    >>> b = np.array([[0, 1], [1, 1]])
    >>> joint_from_labels(a, b)
    array([[0.25, 0.25],
           [0.  , 0.5 ]])
    """
    a = check_label_map(a, "a")
    b = check_label_map(b, "b")
    check_same_shape(a, b, "a", "b")
    na = int(a.max()) + 1 if n_a is None else check_int(n_a, "n_a", min_value=1)
    nb = int(b.max()) + 1 if n_b is None else check_int(n_b, "n_b", min_value=1)
    if a.max() >= na:
        raise ValueError(f"`a` holds label {int(a.max())}, not smaller than `n_a` = {na}")
    if b.max() >= nb:
        raise ValueError(f"`b` holds label {int(b.max())}, not smaller than `n_b` = {nb}")
    counts = np.bincount(a.ravel().astype(np.int64) * nb + b.ravel().astype(np.int64), minlength=na * nb)
    return counts.reshape(na, nb) / a.size


def blend_joint(t, k=2) -> np.ndarray:
    """A k x k joint that morphs from independent (t = 0) to identical (t = 1) variables.

    ``P = (1 - t) * u u^T + t * diag(u)`` with ``u`` uniform over ``k`` values:
    both marginals stay uniform (H(X) = H(Y) = log k) while I(X; Y) rises
    from 0 to log k. The slider of lesson 7 moves ``t``.

    Parameters
    ----------
    t : float
        Mixing weight in [0, 1].
    k : int, optional
        Number of values of each variable (default 2: coins).

    Returns
    -------
    joint : (k, k) ndarray of float64

    Raises
    ------
    ValueError
        If ``t`` lies outside [0, 1] or ``k`` < 2.

    Examples
    --------
    >>> blend_joint(0.5)
    array([[0.375, 0.125],
           [0.125, 0.375]])
    """
    t = check_float(t, "t", min_value=0, max_value=1)
    k = check_int(k, "k", min_value=2)
    u = np.full(k, 1.0 / k)
    return (1.0 - t) * np.outer(u, u) + t * np.diag(u)


def iic_objective(joint, *, lam=1.0, base=math.e) -> float:
    """The IIC loss of a joint table: -sum P (log P - lam log P_i - lam log P_j).

    With marginals P_i (rows) and P_j (columns) this equals
    ``H(X, Y) - lam * (H(X) + H(Y))``: for ``lam = 1`` it is -I(X; Y), and a
    larger ``lam`` rewards spread-out (balanced) clusters more. This is the
    number the network of :mod:`segkit.iic` minimises; here it is computed
    from a table, to explore what ``lam`` does.

    Parameters
    ----------
    joint : (K, K) array_like of float
        Joint probability table.
    lam : float, optional
        Weight of the marginal entropies (1, the paper's default, gives -MI).
    base : float, optional
        Logarithm base; ``math.e`` (default, nats) as in the training loss.

    Returns
    -------
    loss : float
        At most 0 for ``lam >= 1``; lower is better.

    Raises
    ------
    ValueError
        If ``joint`` is not a valid 2-D probability table, ``lam`` is negative,
        or ``base`` is invalid.

    References
    ----------
    Ji, X., Henriques, J. F. and Vedaldi, A. Invariant Information Clustering
    for Unsupervised Image Classification and Segmentation. ICCV 2019.

    Examples
    --------
    One cluster for everything gives no information: loss 0. Two balanced,
    consistent clusters give -log 2.

    >>> iic_objective([[1.0, 0.0], [0.0, 0.0]])
    0.0
    >>> round(iic_objective([[0.5, 0.0], [0.0, 0.5]]), 4)
    -0.6931
    """
    base = _check_base(base)
    lam = check_float(lam, "lam", min_value=0)
    joint = _check_probabilities(joint, "joint", ndim=2)
    hx = _entropy(joint.sum(axis=1), base)
    hy = _entropy(joint.sum(axis=0), base)
    return _entropy(joint, base) - lam * (hx + hy) + 0.0  # + 0.0 turns -0.0 into 0.0
