"""Invariant Information Clustering (IIC) for segmentation, sized for a CPU.

IIC (Ji, Henriques and Vedaldi, ICCV 2019) trains a network that outputs, for
every pixel, a probability over ``k`` clusters, with no labels at all: two
views of one image (a photometric jitter, and a geometric transform that is
undone before pairing) go through the same network, and the mutual
information between the cluster of a pixel in one view and the clusters of
the pixels near it in the other view is maximised.

The pieces, each a plain function or module so a lesson can show it alone:

* :func:`iic_joint` the k x k joint distribution P of the paired cluster
  assignments, summed over a local displacement window,
* :func:`iic_loss` ``-sum P (log P - lam log P_i - lam log P_j)`` (``-I`` for
  ``lam = 1``),
* :func:`color_jitter`, :func:`random_affine`, :func:`warp`,
  :func:`make_views` and :func:`align_to_first` for the paired views,
* :class:`IICNet` a small VGG-like network with a main head and an
  over-clustering head,
* :func:`train_iic` the training loop (seeded, progress via a callback) and
  :func:`predict_iic` / :func:`segment_iic` for label maps.

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

Deviations from the paper, for a CPU course
-------------------------------------------
The paper's network "C" has 64-128-256-256-512-512 channels and trains for
days on a GPU with Adam at lr 1e-4; :class:`IICNet` keeps the shape (two
convolutions, a max-pool, two more, then 1x1 heads, upsampled bilinearly)
at ``width`` 16-32-64-64 channels, and :func:`train_iic` uses lr 1e-3 for a
few hundred steps. The paper also feeds Sobel-filtered images to avoid
trivial colour clusters in classification; here the input is RGB.

References
----------
Ji, X., Henriques, J. F. and Vedaldi, A. Invariant Information Clustering for
Unsupervised Image Classification and Segmentation. ICCV 2019.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ._threads import with_fitted_threads
from ._validate import check_choice, check_float, check_int, describe
from .io import as_rgb

__all__ = [
    "EPS",
    "iic_joint",
    "iic_loss",
    "color_jitter",
    "random_affine",
    "invert_affine",
    "warp",
    "make_views",
    "align_to_first",
    "IICNet",
    "IICResult",
    "train_iic",
    "predict_iic",
    "segment_iic",
    "images_to_tensor",
    "AC_ORDERINGS",
    "ordering_rank",
    "ordering_mask",
]

#: Probabilities are clamped to this before a logarithm (the paper uses the float epsilon too).
EPS = sys.float_info.epsilon


# ----------------------------------------------------------------------------- the loss

def _check_maps(z1, z2, mask):
    for name, z in (("z1", z1), ("z2", z2)):
        if not isinstance(z, torch.Tensor):
            raise TypeError(f"`{name}` must be a torch tensor of shape (B, k, H, W); got {describe(z)}")
        if z.ndim != 4:
            raise ValueError(f"`{name}` must have shape (B, k, H, W); got shape {tuple(z.shape)}")
    if z1.shape != z2.shape:
        raise ValueError(f"`z1` and `z2` must have the same shape; got {tuple(z1.shape)} and {tuple(z2.shape)}")
    if mask is not None:
        if not isinstance(mask, torch.Tensor):
            raise TypeError(f"`mask` must be a torch tensor of shape (B, 1, H, W); got {describe(mask)}")
        b, _, h, w = z1.shape
        if tuple(mask.shape) != (b, 1, h, w):
            raise ValueError(f"`mask` must have shape {(b, 1, h, w)}; got {tuple(mask.shape)}")


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


# ----------------------------------------------------------------------------- the views

def _uniform(n, low, high, generator, dtype=torch.float32):
    return low + (high - low) * torch.rand(n, generator=generator, dtype=dtype)


def color_jitter(x, *, brightness=0.4, contrast=0.4, saturation=0.4, hue=0.125, generator=None):
    """Random photometric jitter, one draw per image (the paper's colour jitter).

    Brightness multiplies by ``1 + U(-b, b)``; contrast blends with the image's
    mean grey by ``1 + U(-c, c)``; saturation blends with the pixel's grey by
    ``1 + U(-s, s)``; hue rotates the chroma plane of YIQ by ``U(-h, h)`` turns.
    The result is clipped to [0, 1].

    Parameters
    ----------
    x : (B, 3, H, W) torch.Tensor
        RGB in [0, 1]; not modified.
    brightness, contrast, saturation, hue : float, optional
        Strengths (0 turns one off); the defaults are the paper's.
    generator : torch.Generator, optional
        Source of randomness (seed it for repeatable views).

    Returns
    -------
    y : (B, 3, H, W) torch.Tensor

    Raises
    ------
    ValueError
        If ``x`` is not (B, 3, H, W) or a strength is negative (``hue`` > 0.5).

    Examples
    --------
    >>> x = torch.full((2, 3, 8, 8), 0.5)
    >>> y = color_jitter(x, generator=torch.Generator().manual_seed(0))
    >>> y.shape, bool(((y >= 0) & (y <= 1)).all())
    (torch.Size([2, 3, 8, 8]), True)
    """
    if not isinstance(x, torch.Tensor) or x.ndim != 4 or x.shape[1] != 3:
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else describe(x)
        raise ValueError(f"`x` must be a tensor of shape (B, 3, H, W); got {got}")
    brightness = check_float(brightness, "brightness", min_value=0)
    contrast = check_float(contrast, "contrast", min_value=0)
    saturation = check_float(saturation, "saturation", min_value=0)
    hue = check_float(hue, "hue", min_value=0, max_value=0.5)
    b = x.shape[0]
    shape = (b, 1, 1, 1)
    weights = torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype).view(1, 3, 1, 1)
    y = x * _uniform(b, 1 - brightness, 1 + brightness, generator, x.dtype).view(shape)
    grey = (y * weights).sum(dim=1, keepdim=True)
    f = _uniform(b, 1 - contrast, 1 + contrast, generator, x.dtype).view(shape)
    y = grey.mean(dim=(2, 3), keepdim=True) * (1 - f) + y * f
    grey = (y * weights).sum(dim=1, keepdim=True)
    f = _uniform(b, 1 - saturation, 1 + saturation, generator, x.dtype).view(shape)
    y = grey * (1 - f) + y * f
    if hue > 0:
        to_yiq = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]],
                              dtype=x.dtype)
        angle = _uniform(b, -hue, hue, generator, x.dtype) * 2 * math.pi
        c, s = torch.cos(angle), torch.sin(angle)
        rot = torch.zeros(b, 3, 3, dtype=x.dtype)
        rot[:, 0, 0] = 1
        rot[:, 1, 1], rot[:, 1, 2], rot[:, 2, 1], rot[:, 2, 2] = c, -s, s, c
        m = torch.linalg.inv(to_yiq) @ rot @ to_yiq  # (B, 3, 3)
        y = torch.einsum("bij,bjhw->bihw", m, y)
    return y.clamp(0, 1)


def random_affine(batch, *, max_rotation=15.0, max_scale=0.1, max_shift=0.1, flip=True, generator=None,
                  dtype=torch.float32):
    """Random affine maps in ``F.affine_grid`` form, one per image.

    Each map is a rotation by ``U(-r, r)`` degrees, an isotropic scale by
    ``1 + U(-s, s)``, a shift by ``U(-t, t)`` of the half-size, and with
    probability 1/2 a horizontal flip.

    Parameters
    ----------
    batch : int
        Number of maps.
    max_rotation : float, optional
        Degrees (0 turns rotations off).
    max_scale, max_shift : float, optional
        Relative scale change and shift (fractions, in [0, 1)).
    flip : bool, optional
        Whether to flip half of the views horizontally.
    generator : torch.Generator, optional
    dtype : torch.dtype, optional

    Returns
    -------
    theta : (batch, 2, 3) torch.Tensor
        ``warp(x, theta)[p] = x[theta @ (p, 1)]`` in normalised coordinates.

    Raises
    ------
    ValueError
        If a range is negative, or a scale or shift is 1 or more.

    Examples
    --------
    >>> random_affine(1, max_rotation=0, max_scale=0, max_shift=0, flip=False)
    tensor([[[1., 0., 0.],
             [0., 1., 0.]]])
    >>> random_affine(4, generator=torch.Generator().manual_seed(0)).shape
    torch.Size([4, 2, 3])
    """
    batch = check_int(batch, "batch", min_value=1)
    max_rotation = check_float(max_rotation, "max_rotation", min_value=0, max_value=180)
    max_scale = check_float(max_scale, "max_scale", min_value=0, max_value=1, max_inclusive=False)
    max_shift = check_float(max_shift, "max_shift", min_value=0, max_value=1, max_inclusive=False)
    angle = _uniform(batch, -max_rotation, max_rotation, generator, dtype) * (math.pi / 180)
    scale = _uniform(batch, 1 - max_scale, 1 + max_scale, generator, dtype)
    shift = _uniform(2 * batch, -max_shift, max_shift, generator, dtype).view(batch, 2)
    sign = torch.ones(batch, dtype=dtype)
    if flip:
        sign = torch.where(torch.rand(batch, generator=generator) < 0.5, -sign, sign)
    c, s = torch.cos(angle) * scale, torch.sin(angle) * scale
    theta = torch.zeros(batch, 2, 3, dtype=dtype)
    theta[:, 0, 0], theta[:, 0, 1] = c * sign, -s
    theta[:, 1, 0], theta[:, 1, 1] = s * sign, c
    theta[:, :, 2] = shift
    return theta + 0.0  # + 0.0: no -0.0 entries


def invert_affine(theta):
    """The inverse maps: ``warp(warp(x, theta), invert_affine(theta)) ≈ x`` where defined.

    Parameters
    ----------
    theta : (B, 2, 3) torch.Tensor

    Returns
    -------
    inverse : (B, 2, 3) torch.Tensor

    Examples
    --------
    >>> theta = torch.tensor([[[2.0, 0.0, 0.5], [0.0, 2.0, 0.0]]])
    >>> invert_affine(theta)
    tensor([[[ 0.5000,  0.0000, -0.2500],
             [ 0.0000,  0.5000,  0.0000]]])
    """
    if not isinstance(theta, torch.Tensor) or theta.ndim != 3 or tuple(theta.shape[1:]) != (2, 3):
        got = tuple(theta.shape) if isinstance(theta, torch.Tensor) else describe(theta)
        raise ValueError(f"`theta` must be a tensor of shape (B, 2, 3); got {got}")
    a_inv = torch.linalg.inv(theta[:, :, :2])
    return torch.cat([a_inv, -(a_inv @ theta[:, :, 2:])], dim=2) + 0.0  # + 0.0: no -0.0 entries


def warp(x, theta, *, mode="bilinear"):
    """Resample ``x`` through the affine maps ``theta`` (zeros outside the image).

    Parameters
    ----------
    x : (B, C, H, W) torch.Tensor
    theta : (B, 2, 3) torch.Tensor
        From :func:`random_affine` (or :func:`invert_affine`).
    mode : {"bilinear", "nearest"}

    Returns
    -------
    y : (B, C, H, W) torch.Tensor

    Examples
    --------
    A horizontal flip is exact:

    >>> x = torch.arange(4.0).view(1, 1, 1, 4)
    >>> warp(x, torch.tensor([[[-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]))
    tensor([[[[3., 2., 1., 0.]]]])
    """
    mode = check_choice(mode, "mode", ("bilinear", "nearest"))
    grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)


def make_views(x, *, generator=None, jitter=True, max_rotation=15.0, max_scale=0.1, max_shift=0.1,
               flip=True):
    """Two views of a batch: ``x`` itself and a jittered, geometrically transformed copy.

    Parameters
    ----------
    x : (B, 3, H, W) torch.Tensor
        RGB in [0, 1].
    generator : torch.Generator, optional
    jitter : bool, optional
        Apply :func:`color_jitter` (default strengths) to the second view.
    max_rotation, max_scale, max_shift, flip
        As in :func:`random_affine` (all zero / False: no geometric change).

    Returns
    -------
    x1 : (B, 3, H, W) torch.Tensor
        ``x`` unchanged.
    x2 : (B, 3, H, W) torch.Tensor
        The transformed view.
    theta : (B, 2, 3) torch.Tensor
        The geometric maps, for :func:`align_to_first`.

    Examples
    --------
    >>> x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    >>> x1, x2, theta = make_views(x, generator=torch.Generator().manual_seed(1))
    >>> x2.shape, theta.shape
    (torch.Size([2, 3, 16, 16]), torch.Size([2, 2, 3]))
    """
    x2 = color_jitter(x, generator=generator) if jitter else x
    theta = random_affine(x.shape[0], max_rotation=max_rotation, max_scale=max_scale, max_shift=max_shift,
                          flip=flip, generator=generator, dtype=x.dtype)
    return x, warp(x2, theta), theta


def align_to_first(z2, theta):
    """Undo the geometric transform on the second view's output.

    Parameters
    ----------
    z2 : (B, k, H, W) torch.Tensor
        Network output for ``warp(x, theta)``.
    theta : (B, 2, 3) torch.Tensor

    Returns
    -------
    z2_aligned : (B, k, H, W) torch.Tensor
        ``z2`` in the frame of the first view.
    mask : (B, 1, H, W) torch.Tensor
        1.0 where a pixel of the first view has a partner in the second, else 0.0.

    Examples
    --------
    >>> z = torch.rand(1, 2, 6, 6)
    >>> flip = torch.tensor([[[-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    >>> back, mask = align_to_first(warp(z, flip), flip)
    >>> bool(torch.allclose(back, z)), int(mask.sum())
    (True, 36)
    """
    inverse = invert_affine(theta)
    ones = torch.ones(z2.shape[0], 1, *z2.shape[2:], dtype=z2.dtype)
    # a pixel is valid when its partner lies inside the second view and that
    # partner itself saw the image (not the zero padding of the warp)
    mask = (warp(warp(ones, theta), inverse) > 0.999).to(z2.dtype)
    return warp(z2, inverse), mask


# ----------------------------------------------------------------------------- the network

def _block(c_in, c_out):
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]


class IICNet(nn.Module):
    """A small VGG-like segmentation network with a main and an over-clustering head.

    ``conv3x3(3->w) -> conv3x3(w->2w) -> maxpool2 -> conv3x3(2w->4w) ->
    conv3x3(4w->4w)`` (each convolution followed by BatchNorm and ReLU), then
    two 1x1 heads with ``k`` and ``k_over`` outputs, a softmax over clusters
    and a bilinear upsampling back to the input size. This is the shape of the
    paper's network "C" (64-128-pool-256-256-512-512) at CPU size.

    Parameters
    ----------
    k : int
        Clusters of the main head (at least 2).
    k_over : int
        Clusters of the over-clustering head (at least ``k``; the paper uses
        3 to 5 times ``k``).
    width : int, optional
        Channels of the first convolution (16).
    in_channels : int, optional
        3 for RGB.

    Examples
    --------
    >>> net = IICNet(3, 9)
    >>> net(torch.rand(2, 3, 16, 20)).shape
    torch.Size([2, 3, 16, 20])
    >>> net(torch.rand(2, 3, 16, 20), head="over").shape
    torch.Size([2, 9, 16, 20])
    """

    def __init__(self, k=4, k_over=12, *, width=16, in_channels=3):
        super().__init__()
        self.k = check_int(k, "k", min_value=2)
        self.k_over = check_int(k_over, "k_over", min_value=self.k)
        width = check_int(width, "width", min_value=1)
        in_channels = check_int(in_channels, "in_channels", min_value=1)
        w = width
        self.trunk = nn.Sequential(
            *_block(in_channels, w), *_block(w, 2 * w), nn.MaxPool2d(2),
            *_block(2 * w, 4 * w), *_block(4 * w, 4 * w),
        )
        self.heads = nn.ModuleDict({
            "main": nn.Conv2d(4 * w, self.k, 1),
            "over": nn.Conv2d(4 * w, self.k_over, 1),
        })

    def forward(self, x, head="main"):
        """Cluster probabilities.

        Parameters
        ----------
        x : (B, C, H, W) torch.Tensor
        head : {"main", "over"}

        Returns
        -------
        z : (B, k, H, W) torch.Tensor (``k_over`` channels for ``"over"``)
            Softmax over clusters, at the input resolution.
        """
        head = check_choice(head, "head", ("main", "over"))
        if x.ndim != 4:
            raise ValueError(f"`x` must have shape (B, C, H, W); got shape {tuple(x.shape)}")
        logits = self.heads[head](self.trunk(x))
        logits = F.interpolate(logits, size=x.shape[2:], mode="bilinear", align_corners=False)
        return logits.softmax(dim=1)


# ----------------------------------------------------------------------------- training

@dataclass
class IICResult:
    """What :func:`train_iic` returns.

    Attributes
    ----------
    model : IICNet
        The trained network (in eval mode).
    history : dict of lists
        ``"loss_main"`` and ``"loss_over"`` (one value per step on that head),
        ``"n_labels"`` (distinct argmax clusters of the main head in the batch,
        per main step).
    seconds : float
        Wall-clock training time.
    """

    model: IICNet
    history: dict = field(default_factory=dict)
    seconds: float = 0.0


def images_to_tensor(images):
    """Stack a list of same-sized images into a (N, 3, H, W) float32 tensor.

    Parameters
    ----------
    images : list of (H, W, 3) ndarray
        Anything :func:`segkit.io.as_rgb` accepts, all of one size.

    Returns
    -------
    x : (N, 3, H, W) torch.Tensor

    Raises
    ------
    ValueError
        If the list is empty or the sizes differ.

    Examples
    --------
    >>> images_to_tensor([np.zeros((8, 9, 3)), np.ones((8, 9, 3))]).shape
    torch.Size([2, 3, 8, 9])
    """
    if isinstance(images, np.ndarray) and images.ndim == 3:
        images = [images]
    if not isinstance(images, (list, tuple)) or len(images) == 0:
        raise ValueError(f"`images` must be a non-empty list of (H, W, 3) images; got {describe(images)}")
    arrays = [as_rgb(np.asarray(im), f"images[{i}]") for i, im in enumerate(images)]
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"`images` must all have the same size; got sizes {sorted(shapes)}")
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()


def _random_crops(images, n, crop, generator):
    """``n`` random crop x crop patches drawn from a list of (3, H, W) tensors."""
    idx = torch.randint(len(images), (n,), generator=generator)
    out = []
    for i in idx.tolist():
        im = images[i]
        h, w = im.shape[1:]
        y = int(torch.randint(h - crop + 1, (1,), generator=generator))
        x = int(torch.randint(w - crop + 1, (1,), generator=generator))
        out.append(im[:, y:y + crop, x:x + crop])
    return torch.stack(out)


@with_fitted_threads
def train_iic(images, *, k=4, k_over=12, n_steps=300, batch_size=8, crop=64, lr=1e-3, lam=1.0, window=5,
              width=16, jitter=True, max_rotation=15.0, max_scale=0.1, max_shift=0.1, flip=True,
              seed=0, callback=None):
    """Train an :class:`IICNet` on a small set of images with the IIC loss.

    Each step draws ``batch_size`` random ``crop`` x ``crop`` patches, makes two
    views (:func:`make_views`), runs both through the network, aligns the
    second output to the first (:func:`align_to_first`) and takes an Adam step
    on :func:`iic_loss`. Steps alternate between the over-clustering head and
    the main head, as the paper alternates its heads (both share the trunk).

    Parameters
    ----------
    images : list of (H, W, 3) ndarray
        Training images (``as_rgb`` inputs), each at least ``crop`` on a side.
    k, k_over : int, optional
        Clusters of the main and the over-clustering head.
    n_steps : int, optional
        Optimiser steps in all (half on each head).
    batch_size, crop : int, optional
        Patches per step and their side in pixels.
    lr : float, optional
        Adam learning rate (the paper: 1e-4 over far longer training).
    lam : float, optional
        Weight of the marginal entropies in :func:`iic_loss`.
    window : int, optional
        Displacement window of :func:`iic_joint` (odd), in pixels.
    width : int, optional
        Width of :class:`IICNet`.
    jitter, max_rotation, max_scale, max_shift, flip
        The second view's transforms (:func:`make_views`). Turn ``flip`` and
        rotations off when orientation is what the clusters should capture.
    seed : int, optional
        Seeds the initial weights, the crops and the views.
    callback : callable, optional
        Called as ``callback(step, info)`` after every step, ``info`` a dict
        with ``"loss"``, ``"head"`` and (on main steps) ``"n_labels"``. A
        return value of ``True`` stops training.

    Returns
    -------
    result : IICResult
        The model (in eval mode), its history and the training time.

    Raises
    ------
    ValueError
        For an empty image list, an image smaller than ``crop``, or an invalid
        knob.

    Examples
    --------
    >>> from segkit.datasets import synthetic_scene
    >>> images = [synthetic_scene((32, 32), seed=s)[0] for s in range(2)]
    >>> result = train_iic(images, k=2, k_over=4, n_steps=2, batch_size=2, crop=16, width=4)
    >>> len(result.history["loss_main"]), len(result.history["loss_over"])
    (1, 1)
    """
    import time

    k = check_int(k, "k", min_value=2)
    k_over = check_int(k_over, "k_over", min_value=k)
    n_steps = check_int(n_steps, "n_steps", min_value=1)
    batch_size = check_int(batch_size, "batch_size", min_value=1)
    crop = check_int(crop, "crop", min_value=8)
    lr = check_float(lr, "lr", min_value=0, min_inclusive=False)
    lam = check_float(lam, "lam", min_value=0)
    window = _check_window(window)
    seed = check_int(seed, "seed", min_value=0)
    if isinstance(images, np.ndarray) and images.ndim == 3:
        images = [images]
    if not isinstance(images, (list, tuple)) or len(images) == 0:
        raise ValueError(f"`images` must be a non-empty list of (H, W, 3) images; got {describe(images)}")
    tensors = []
    for i, im in enumerate(images):
        rgb = as_rgb(np.asarray(im), f"images[{i}]")
        if min(rgb.shape[:2]) < crop:
            raise ValueError(f"`images[{i}]` has size {rgb.shape[:2]}, smaller than `crop` = {crop}")
        tensors.append(torch.from_numpy(rgb).permute(2, 0, 1).contiguous())

    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # the initial weights
    model = IICNet(k, k_over, width=width)
    model.train()
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"loss_main": [], "loss_over": [], "n_labels": []}
    t0 = time.perf_counter()
    for step in range(n_steps):
        head = "over" if step % 2 == 0 else "main"
        x = _random_crops(tensors, batch_size, crop, generator)
        x1, x2, theta = make_views(x, generator=generator, jitter=jitter, max_rotation=max_rotation,
                                   max_scale=max_scale, max_shift=max_shift, flip=flip)
        z = model(torch.cat([x1, x2]), head=head)  # one pass: BatchNorm sees both views
        z1, z2 = z[:batch_size], z[batch_size:]
        z2, mask = align_to_first(z2, theta)
        loss = iic_loss(z1, z2, lam=lam, window=window, mask=mask)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        info = {"loss": float(loss.detach()), "head": head}
        history[f"loss_{head}"].append(info["loss"])
        if head == "main":
            info["n_labels"] = int(z1.detach().argmax(dim=1).unique().numel())
            history["n_labels"].append(info["n_labels"])
        if callback is not None and callback(step, info) is True:
            break
    model.eval()
    return IICResult(model=model, history=history, seconds=time.perf_counter() - t0)


@torch.no_grad()
@with_fitted_threads
def predict_iic(model, images, *, head="main"):
    """Cluster probabilities of a trained network for one image or a list of same-sized images.

    Parameters
    ----------
    model : IICNet
    images : (H, W, 3) ndarray or list of them
    head : {"main", "over"}

    Returns
    -------
    probs : (N, k, H, W) ndarray of float32

    Examples
    --------
    >>> net = IICNet(2, 4).eval()
    >>> predict_iic(net, np.zeros((16, 16, 3))).shape
    (1, 2, 16, 16)
    """
    if not isinstance(model, IICNet):
        raise TypeError(f"`model` must be an IICNet; got {describe(model)}")
    x = images_to_tensor(images)
    was_training = model.training
    model.eval()
    try:
        return model(x, head=head).numpy()
    finally:
        model.train(was_training)


@with_fitted_threads
def segment_iic(model, image, *, head="main"):
    """Label map of one image: the most probable cluster of every pixel.

    Parameters
    ----------
    model : IICNet
    image : (H, W, 3) ndarray
    head : {"main", "over"}

    Returns
    -------
    labels : (H, W) ndarray of int64
        Cluster ids in ``0 .. k - 1`` (the same cluster means the same thing
        in every image: clusters are learnt over the whole training set).

    Examples
    --------
    >>> net = IICNet(2, 4)
    >>> segment_iic(net, np.zeros((16, 16, 3))).shape
    (16, 16)
    """
    return predict_iic(model, [image], head=head)[0].argmax(axis=0).astype(np.int64)


# ----------------------------------------------------------------------------- AC's orderings (for lesson 6)

#: The eight raster-scan orderings of Autoregressive Clustering: a starting corner and a scan
#: direction (along rows or along columns).
AC_ORDERINGS = tuple((corner, major) for corner in ("top-left", "top-right", "bottom-right", "bottom-left")
                     for major in ("rows", "columns"))


def ordering_rank(shape, *, corner="top-left", major="rows"):
    """The position of every pixel in a raster-scan ordering.

    Autoregressive Clustering (AC; Ouali et al., ECCV 2020) makes two views of
    one image not by transforming it but by letting a masked convolution see
    only the pixels that come *before* the current one in some ordering, as
    PixelCNN does; two different orderings give two views whose cluster
    outputs are paired in the IIC loss.

    Parameters
    ----------
    shape : (int, int)
        Height and width.
    corner : {"top-left", "top-right", "bottom-right", "bottom-left"}
        Where the scan starts.
    major : {"rows", "columns"}
        Scan along rows (then the next row) or along columns.

    Returns
    -------
    rank : (H, W) ndarray of int64
        0 for the first pixel visited, H * W - 1 for the last.

    Raises
    ------
    ValueError
        For an unknown ``corner`` or ``major``, or a non-positive size.

    References
    ----------
    Ouali, Y., Hudelot, C. and Tami, M. Autoregressive Unsupervised Image
    Segmentation. ECCV 2020.

    Examples
    --------
    >>> ordering_rank((2, 3))
    array([[0, 1, 2],
           [3, 4, 5]])
    >>> ordering_rank((2, 3), corner="bottom-right", major="columns")
    array([[5, 3, 1],
           [4, 2, 0]])
    """
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise TypeError(f"`shape` must be a pair (height, width); got {describe(shape)}")
    h = check_int(shape[0], "shape[0]", min_value=1)
    w = check_int(shape[1], "shape[1]", min_value=1)
    corner = check_choice(corner, "corner", ("top-left", "top-right", "bottom-right", "bottom-left"))
    major = check_choice(major, "major", ("rows", "columns"))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.int64)
    if corner.endswith("right"):
        xx = w - 1 - xx
    if corner.startswith("bottom"):
        yy = h - 1 - yy
    return yy * w + xx if major == "rows" else xx * h + yy


def ordering_mask(size=3, *, corner="top-left", major="rows"):
    """The kernel mask of a masked convolution for one ordering: what the centre may see.

    Parameters
    ----------
    size : int
        Odd kernel side (3 as in PixelCNN's first layers).
    corner, major
        The ordering, as in :func:`ordering_rank`.

    Returns
    -------
    mask : (size, size) ndarray of bool
        True for the kernel taps strictly before the centre in the ordering
        (PixelCNN's type-A mask); multiply the weights by it.

    Raises
    ------
    ValueError
        If ``size`` is not a positive odd integer, or the ordering is unknown.

    Examples
    --------
    >>> ordering_mask(3).astype(int)
    array([[1, 1, 1],
           [1, 0, 0],
           [0, 0, 0]])
    """
    size = check_int(size, "size", min_value=1)
    if size % 2 == 0:
        raise ValueError(f"`size` must be odd; got {size}")
    rank = ordering_rank((size, size), corner=corner, major=major)
    return rank < rank[size // 2, size // 2]
