"""The paired views of IIC: a photometric jitter and a geometric transform that is undone before pairing.

Two views of one image go through the same network; their outputs are
compared pixel by pixel, so the geometric part must be undone on the second
output first:

* :func:`color_jitter` brightness, contrast, saturation and hue, one draw per image,
* :func:`random_affine` rotation, scale, shift and flip, as ``F.affine_grid`` maps,
  and :func:`invert_affine` their inverses,
* :func:`warp` resamples a batch through such maps,
* :func:`make_views` the two views of a batch,
* :func:`align_to_first` brings the second view's output back into the frame of
  the first, with the mask of pixels that have a partner.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .._validate import check_choice, check_float, check_int, describe

__all__ = ["color_jitter", "random_affine", "invert_affine", "warp", "make_views", "align_to_first"]


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
