"""The IIC loss: the joint distribution of paired cluster assignments, and minus its mutual information.

* :func:`iic_joint` the k x k joint distribution P of the paired cluster
  assignments, summed over a local displacement window,
* :func:`iic_loss` ``-sum P (log P - lam log P_i - lam log P_j)`` (``-I`` for
  ``lam = 1``).

The same objective in numpy, computed from a joint table rather than from
network outputs, is :func:`segkit.iic.mi.iic_objective`.

The joint over a displacement window
------------------------------------
For softmax maps ``z1, z2`` of shape (B, k, H, W) and the window of
displacements ``t`` with ``|t_y|, |t_x| <= window // 2``::

    P[c, c'] ∝ sum_b sum_t sum_u z1[b, c, u] z2[b, c', u + t]

(pairs that leave the image are skipped). The paper computes this as a
convolution: with the batch axis as the channel axis, ``z1`` is the input and
``z2`` the filter bank, ``F.conv2d(z1^T, z2^T, padding=window // 2)`` gives one
k x k table per displacement, summed afterwards (``method="conv"``). Because
every displacement gets the same weight, the sum over ``t`` can be moved onto
``z2`` first: it is a box filter (a sum over a window, also a convolution),
after which one k x k matrix product finishes the job (``method="box"``, the
default). Both give the same numbers; the box form costs k^2 HW instead of
k^2 HW |T| and is what makes a 21 x 21 window affordable on a CPU.

References
----------
Ji, X., Henriques, J. F. and Vedaldi, A. Invariant Information Clustering for
Unsupervised Image Classification and Segmentation. ICCV 2019.
"""

from __future__ import annotations

import sys

import torch
import torch.nn.functional as F

from .._validate import check_choice, check_float, check_int, check_tensor, describe

__all__ = ["EPS", "iic_joint", "iic_loss"]

#: Probabilities are clamped to this before a logarithm (the paper uses the float epsilon too).
EPS = sys.float_info.epsilon


def _check_maps(z1, z2, mask):
    check_tensor(z1, "z1", ("B", "k", "H", "W"))
    b, k, h, w = z1.shape
    check_tensor(z2, "z2", ("B", "k", "H", "W"), like={"B": b, "k": k, "H": h, "W": w})
    if mask is not None:
        check_tensor(mask, "mask", ("B", 1, "H", "W"), like={"B": b, "H": h, "W": w})


def _check_window(window) -> int:
    window = check_int(window, "window", min_value=1)
    if window % 2 == 0:
        raise ValueError(f"`window` must be odd (displacements -d..d with window = 2d + 1); got {window}")
    return window


def iic_joint(z1, z2, *, window=21, mask=None, method="box"):
    """The symmetric k x k joint distribution of paired cluster assignments.

    Parameters
    ----------
    z1, z2 : (B, k, H, W) torch.Tensor
        Per-pixel cluster probabilities of the two views, ``z2`` already
        brought back into the frame of ``z1``.
    window : int, optional
        Side of the square window of displacements (odd; 21 as in the paper,
        1 pairs each pixel with itself only).
    mask : (B, 1, H, W) torch.Tensor, optional
        1 where a pixel has a partner in the other view, 0 where it has none
        (e.g. outside a rotated view); both maps are multiplied by it.
    method : {"box", "conv"}, optional
        ``"conv"``: the paper's convolution giving one table per displacement;
        ``"box"`` (default): the same sum, the window applied as a box filter.

    Returns
    -------
    P : (k, k) torch.Tensor
        Non-negative, sums to 1, symmetric: ``(P + P.T) / 2`` of the
        normalised window sum. Differentiable in ``z1`` and ``z2``.

    Raises
    ------
    ValueError
        If the maps are not 4-D of equal shape, ``mask`` has the wrong shape,
        ``window`` is not a positive odd integer, or ``method`` is unknown.
    TypeError
        If an input is not a tensor.

    Examples
    --------
    >>> z = torch.zeros(1, 2, 4, 4); z[:, 0, :, :2] = 1; z[:, 1, :, 2:] = 1
    >>> iic_joint(z, z, window=1)
    tensor([[0.5000, 0.0000],
            [0.0000, 0.5000]])
    """
    _check_maps(z1, z2, mask)
    window = _check_window(window)
    method = check_choice(method, "method", ("box", "conv"))
    if mask is not None:
        z1 = z1 * mask
        z2 = z2 * mask
    d = window // 2
    k = z1.shape[1]
    if method == "conv":
        # batch as channels: (k, B, H, W) input, (k, B, H, W) filters -> (k, k, 2d+1, 2d+1)
        tables = F.conv2d(z1.transpose(0, 1), z2.transpose(0, 1), padding=d)
        p = tables.sum(dim=(2, 3))
    else:
        z2_sum = z2 if d == 0 else F.avg_pool2d(z2, window, stride=1, padding=d, count_include_pad=True) * (
            window * window)
        p = z1.transpose(0, 1).reshape(k, -1) @ z2_sum.transpose(0, 1).reshape(k, -1).T
    p = p / p.sum()
    return (p + p.T) / 2


def iic_loss(z1, z2, *, lam=1.0, window=21, mask=None, method="box"):
    """The IIC segmentation loss ``-sum_cc' P (log P - lam log P_c - lam log P_c')``.

    ``P`` is :func:`iic_joint`; ``P_c`` and ``P_c'`` are its row and column
    sums. For ``lam = 1`` this is minus the mutual information between the
    cluster of a pixel in one view and of its neighbours in the other, in
    nats; it is negative by design (at best ``-log k``). ``lam > 1`` weights
    the marginal entropies more (more balanced clusters).

    Parameters
    ----------
    z1, z2 : (B, k, H, W) torch.Tensor
        Softmax outputs of the two views, aligned (see :func:`align_to_first`).
    lam : float, optional
        Weight of the marginal terms (1.0, the paper's default).
    window, mask, method
        As in :func:`iic_joint`.

    Returns
    -------
    loss : torch.Tensor (scalar)

    Raises
    ------
    ValueError
        As :func:`iic_joint`, and if ``lam`` is negative.

    Examples
    --------
    Two views that agree on two balanced clusters reach the minimum, -log 2:

    >>> z = torch.zeros(1, 2, 4, 4); z[:, 0, :, :2] = 1; z[:, 1, :, 2:] = 1
    >>> round(iic_loss(z, z, window=1).item(), 4)
    -0.6931
    """
    lam = check_float(lam, "lam", min_value=0)
    p = iic_joint(z1, z2, window=window, mask=mask, method=method)
    pi = p.sum(dim=1, keepdim=True).clamp_min(EPS)
    pj = p.sum(dim=0, keepdim=True).clamp_min(EPS)
    return -(p * (p.clamp_min(EPS).log() - lam * pi.log() - lam * pj.log())).sum()
