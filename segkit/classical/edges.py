"""Edge-based segmentation: find edges, then turn them into regions.

Edges are the Sobel gradient magnitude or Canny's thin edges
(:func:`edge_map`); regions are a watershed from markers, or the areas
enclosed by Canny's contours (:func:`edge_segment`).
"""

from __future__ import annotations

import numpy as np

from .._validate import check_choice, check_float, check_int
from .threshold import to_gray


def edge_map(image, *, method="sobel", sigma=1.0) -> np.ndarray:
    """Edge strength of the grey image: Sobel gradient magnitude or Canny edges.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
    method : {"sobel", "canny"}
        Sobel: |grad I| after Gaussian smoothing with ``sigma`` (float map);
        Canny: thin edges after non-maximum suppression and hysteresis (0/1).
    sigma : float
        Gaussian smoothing (>= 0); Canny's own sigma.

    Returns
    -------
    edges : (H, W) ndarray of float64

    Raises
    ------
    ValueError
        If ``method`` is unknown or ``sigma < 0``.

    References
    ----------
    J. Canny, "A computational approach to edge detection", IEEE TPAMI 8(6), 1986.

    Examples
    --------
    >>> img = np.zeros((10, 10)); img[:, 5:] = 1.0
    >>> e = edge_map(img, method="canny")
    >>> bool(e[:, 4:6].any()), bool(e[:, :3].any())
    (True, False)
    """
    from skimage.feature import canny
    from skimage.filters import gaussian, sobel

    gray = to_gray(image)
    check_choice(method, "method", ("sobel", "canny"))
    sigma = check_float(sigma, "sigma", min_value=0.0)
    if method == "canny":
        return canny(gray, sigma=sigma).astype(np.float64)
    if sigma > 0:
        gray = gaussian(gray, sigma=sigma)
    return sobel(gray)


def edge_segment(image, *, method="sobel", sigma=1.0, marker_level=0.05, min_size=20) -> np.ndarray:
    """Regions from edges: a watershed from markers (Sobel) or filled contours (Canny).

    * ``method="sobel"``: markers are the connected areas where the gradient
      magnitude is below ``marker_level`` times its maximum (flat insides of
      objects) with at least ``min_size`` pixels; the watershed of the
      gradient floods from them, and the regions meet on the ridges (edges).
    * ``method="canny"``: regions are the 4-connected areas enclosed by Canny
      edges (those of at least ``min_size`` pixels); edge pixels and small
      areas join the neighbouring region by a watershed. A contour with a gap
      does not enclose anything: the two sides become one region, the
      weakness the lesson shows.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
    method : {"sobel", "canny"}
    sigma : float
        Smoothing before the edge detector (>= 0).
    marker_level : float
        In (0, 1): marker threshold as a fraction of the largest gradient
        (Sobel only).
    min_size : int
        Smallest marker or enclosed area kept, in pixels (>= 1).

    Returns
    -------
    labels : (H, W) ndarray of int64
        Regions 0 .. n - 1.

    Raises
    ------
    ValueError
        Unknown ``method``, ``sigma < 0``, ``marker_level`` outside (0, 1) or
        ``min_size < 1``.

    References
    ----------
    S. Beucher and F. Meyer, "The morphological approach to segmentation:
    the watershed transformation", 1993.

    Examples
    --------
    >>> img = np.zeros((24, 24)); img[6:18, 6:18] = 1.0  # a square: a closed contour
    >>> labels = edge_segment(img, method="canny", sigma=1.0)
    >>> int(labels.max()) + 1, bool(labels[0, 0] != labels[12, 12])
    (2, True)
    """
    from skimage.measure import label
    from skimage.segmentation import watershed

    gray = to_gray(image)
    check_choice(method, "method", ("sobel", "canny"))
    sigma = check_float(sigma, "sigma", min_value=0.0)
    marker_level = check_float(marker_level, "marker_level", min_value=0.0, max_value=1.0,
                               min_inclusive=False, max_inclusive=False)
    min_size = check_int(min_size, "min_size", min_value=1)
    grad = edge_map(gray, method="sobel", sigma=sigma)
    if method == "sobel":
        flat = grad <= marker_level * grad.max() if grad.max() > 0 else np.ones(gray.shape, bool)
    else:
        edges = edge_map(gray, method="canny", sigma=sigma) > 0
        # Canny leaves the outermost pixels unmarked, so a contour that runs
        # into the image border would leak around its end: close the frame.
        edges[[0, -1], :] = True
        edges[:, [0, -1]] = True
        flat = ~edges
    markers = label(flat, connectivity=1)
    sizes = np.bincount(markers.ravel())
    sizes[0] = 0
    markers[sizes[markers] < min_size] = 0
    if not markers.any():  # nothing large enough: one region
        return np.zeros(gray.shape, np.int64)
    regions = watershed(grad, markers)
    _, labels = np.unique(regions, return_inverse=True)
    return labels.reshape(gray.shape).astype(np.int64)
