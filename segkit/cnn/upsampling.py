"""Upsampling inside a network, in numpy: unpooling, max unpooling, transposed convolution (lesson 04).

Fully convolutional networks (FCN, U-Net) shrink an image to coarse features
and must grow them back to one prediction per pixel. The seminar's lecture
notes (004, "In-network upsampling") list the ways:

* :func:`nearest_unpool` - every value copied into a ``factor`` x ``factor`` block;
* :func:`bed_of_nails` - every value at the top-left corner of its block, zeros elsewhere;
* :func:`max_pool` and :func:`max_unpool` - pooling remembers where each
  maximum came from, unpooling puts the value back there and zeros elsewhere;
* :func:`transposed_conv2d` - the learnable one: every input value scatters a
  copy of the kernel, scaled by the value, ``stride`` pixels apart in the
  output, and overlapping copies add up. It is the transpose of a strided
  convolution's matrix (the 1-D picture of ``segkit.show.cnn_figures``):
  a 3 x 3 kernel with stride 2 and padding 1 takes 4 x 4 to 2 x 2, and its
  transpose takes 2 x 2 back to 4 x 4 (with ``output_padding=1``).

Each is written as plainly as numpy allows and tested against torch's own
(``F.interpolate``, ``F.max_unpool2d``, ``F.conv_transpose2d``). numpy only.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_int, describe

__all__ = ["nearest_unpool", "bed_of_nails", "max_pool", "max_unpool", "transposed_conv2d"]


def _check_map(x, name: str = "x") -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.size == 0:
        raise ValueError(f"`{name}` must be a non-empty 2-D array; got {describe(x)}")
    return x


def nearest_unpool(x, factor: int = 2) -> np.ndarray:
    """Copy every value into a ``factor`` x ``factor`` block.

    >>> nearest_unpool([[1, 2], [3, 4]]).astype(int).tolist()
    [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    """
    x = _check_map(x)
    factor = check_int(factor, "factor", min_value=1, max_value=64)
    return np.repeat(np.repeat(x, factor, axis=0), factor, axis=1)


def bed_of_nails(x, factor: int = 2) -> np.ndarray:
    """Put every value at the top-left corner of its ``factor`` x ``factor`` block, zeros elsewhere.

    >>> bed_of_nails([[1, 2], [3, 4]]).astype(int).tolist()
    [[1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]]
    """
    x = _check_map(x)
    factor = check_int(factor, "factor", min_value=1, max_value=64)
    out = np.zeros((x.shape[0] * factor, x.shape[1] * factor))
    out[::factor, ::factor] = x
    return out


def max_pool(x, size: int = 2):
    """Max pooling over ``size`` x ``size`` blocks, and where each maximum was.

    Returns
    -------
    pooled : (H / size, W / size) ndarray
    where : (H / size, W / size) ndarray of int
        The flat index (row * W + col) of each maximum in ``x``; the first
        one in reading order on ties.

    >>> pooled, where = max_pool([[1, 5, 0, 0], [2, 3, 0, 7], [0, 0, 1, 1], [9, 0, 1, 2]])
    >>> pooled.astype(int).tolist(), where.tolist()
    ([[5, 7], [9, 2]], [[1, 7], [12, 15]])
    """
    x = _check_map(x)
    size = check_int(size, "size", min_value=1, max_value=64)
    h, w = x.shape
    if h % size or w % size:
        raise ValueError(f"`x` must have sides divisible by `size` = {size}; got shape {x.shape}")
    blocks = x.reshape(h // size, size, w // size, size).transpose(0, 2, 1, 3).reshape(h // size, w // size, -1)
    k = blocks.argmax(axis=2)
    rows = np.arange(h // size)[:, None] * size + k // size
    cols = np.arange(w // size)[None, :] * size + k % size
    return blocks.max(axis=2), rows * w + cols


def max_unpool(pooled, where, shape) -> np.ndarray:
    """Put each pooled value back where its maximum came from; zeros elsewhere.

    >>> pooled, where = max_pool([[1, 5, 0, 0], [2, 3, 0, 7], [0, 0, 1, 1], [9, 0, 1, 2]])
    >>> max_unpool(pooled, where, (4, 4)).astype(int).tolist()
    [[0, 5, 0, 0], [0, 0, 0, 7], [0, 0, 0, 0], [9, 0, 0, 2]]
    """
    pooled = _check_map(pooled, "pooled")
    where = np.asarray(where)
    if where.shape != pooled.shape or where.dtype.kind not in "iu":
        raise ValueError(f"`where` must be integer indices of the shape of `pooled` {pooled.shape}; got "
                         f"{describe(where)}")
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise ValueError(f"`shape` must be (H, W); got {describe(shape)}")
    h, w = check_int(shape[0], "shape[0]", min_value=1), check_int(shape[1], "shape[1]", min_value=1)
    if where.size and (where.min() < 0 or where.max() >= h * w):
        raise ValueError(f"`where` must index an ({h}, {w}) map: values in [0, {h * w}); got "
                         f"[{where.min()}, {where.max()}]")
    out = np.zeros(h * w)
    out[where.ravel()] = pooled.ravel()
    return out.reshape(h, w)


def transposed_conv2d(x, kernel, *, stride: int = 2, padding: int = 1, output_padding: int = 1) -> np.ndarray:
    """Transposed 2-D convolution: each input value scatters ``value * kernel``, ``stride`` apart.

    .. math:: y[s i + a - p, \\; s j + b - p] \\mathrel{+}= x[i, j] \\, k[a, b]

    The output has side ``(n - 1) * stride - 2 * padding + k + output_padding``
    (``output_padding`` adds rows and columns at the far end, as in torch).

    Parameters
    ----------
    x : (H, W) array
    kernel : (k, k) array
    stride, padding, output_padding : int

    Returns
    -------
    y : ndarray of float

    Examples
    --------
    >>> y = transposed_conv2d([[1, 2], [3, 4]], np.ones((3, 3)))   # 2 x 2 -> 4 x 4
    >>> y.astype(int).tolist()
    [[1, 3, 2, 2], [4, 10, 6, 6], [3, 7, 4, 4], [3, 7, 4, 4]]
    """
    x = _check_map(x)
    kernel = _check_map(kernel, "kernel")
    stride = check_int(stride, "stride", min_value=1, max_value=64)
    padding = check_int(padding, "padding", min_value=0, max_value=kernel.shape[0] - 1)
    output_padding = check_int(output_padding, "output_padding", min_value=0, max_value=stride - 1)
    kh, kw = kernel.shape
    h, w = x.shape
    full = np.zeros(((h - 1) * stride + kh + output_padding, (w - 1) * stride + kw + output_padding))
    for i in range(h):
        for j in range(w):
            full[i * stride:i * stride + kh, j * stride:j * stride + kw] += x[i, j] * kernel
    out_h = (h - 1) * stride - 2 * padding + kh + output_padding
    out_w = (w - 1) * stride - 2 * padding + kw + output_padding
    return full[padding:padding + out_h, padding:padding + out_w]
