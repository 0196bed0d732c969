"""The raster-scan orderings of Autoregressive Clustering (AC; Ouali et al., ECCV 2020), for lesson 7.

AC makes its two views with masked convolutions that see only the pixels
before the current one in an ordering: :data:`AC_ORDERINGS` lists the eight
orderings, :func:`ordering_rank` numbers the pixels in one, and
:func:`ordering_mask` is the kernel mask it gives.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_choice, check_int, describe

__all__ = ["AC_ORDERINGS", "ordering_rank", "ordering_mask"]

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
