"""Thresholding: split the grey levels by a given value, by Otsu's value, or by several values.

Otsu's threshold maximises the between-class variance (:func:`otsu_threshold`);
:func:`otsu_variance_curve` computes the whole curve Otsu maximises, for
plotting; multi-Otsu splits into up to five classes
(:func:`multi_otsu_thresholds`). scikit-image's filters compute the
thresholds.

Grey levels (:func:`to_gray`, used by every grey-level method of
:mod:`segkit.classical`) are ``skimage.color.rgb2gray`` of the RGB image, in
[0, 1].
"""

from __future__ import annotations

import numpy as np

from .._validate import check_float, check_int
from ..io import as_rgb


def to_gray(image) -> np.ndarray:
    """Grey levels of an image, float64 in [0, 1], shape (H, W).

    Examples
    --------
    >>> round(float(to_gray(np.full((8, 8), 255, np.uint8)).max()), 6)
    1.0
    """
    from skimage.color import rgb2gray

    return np.clip(rgb2gray(as_rgb(image, "image").astype(np.float64)), 0.0, 1.0)


#: Most histogram bins the thresholds accept: one per level of a 16-bit image.
#: More cannot separate anything more, and a typo (nbins=10**9) would ask for
#: gigabytes of counts.
MAX_NBINS = 65536


#: Multi-Otsu searches every tuple of ``classes - 1`` thresholds over a table of
#: nbins x nbins float32 (scikit-image's look-up table): at most 4096 bins
#: (a 32 MB table), and nbins ** (classes - 1) at most 256 ** 4, the search of
#: the default 256 bins and 5 classes (about 5 s); beyond, a search takes
#: minutes to days.
MAX_MULTI_NBINS = 4096


def _check_nbins(nbins):
    return check_int(nbins, "nbins", min_value=2, max_value=MAX_NBINS)


def _check_multi_nbins(nbins, classes):
    nbins = check_int(nbins, "nbins", min_value=2, max_value=MAX_MULTI_NBINS)
    if nbins ** (classes - 1) > 256 ** 4:
        most = int(256 ** (4 / (classes - 1)))
        raise ValueError(
            f"`nbins` = {nbins} with `classes` = {classes} would search {nbins}**{classes - 1} "
            f"threshold tuples (from minutes to days); with {classes} classes use at most {most} bins"
        )
    return nbins


def threshold_segment(image, threshold) -> np.ndarray:
    """Label 1 where the grey level is above ``threshold``, else 0.

    .. math:: L(x) = [\\,I(x) > T\\,]

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        Any image :func:`segkit.io.as_rgb` accepts.
    threshold : float
        T, in [0, 1] (grey levels of the image are in [0, 1]).

    Returns
    -------
    labels : (H, W) ndarray of int64

    Raises
    ------
    ValueError
        If ``threshold`` is outside [0, 1].

    Examples
    --------
    >>> img = np.array([[0, 100], [200, 255]] * 4, np.uint8).repeat(4, axis=1)
    >>> threshold_segment(img, 0.5)[:2, ::4]
    array([[0, 0],
           [1, 1]])
    """
    gray = to_gray(image)
    threshold = check_float(threshold, "threshold", min_value=0.0, max_value=1.0)
    return (gray > threshold).astype(np.int64)


def otsu_threshold(image, *, nbins=256) -> float:
    """Otsu's threshold: the grey level maximising the between-class variance.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
    nbins : int
        Histogram bins, 2 to :data:`MAX_NBINS` (65536).

    Returns
    -------
    threshold : float
        In [0, 1]; pixels above it form class 1. It is a bin edge of the
        ``nbins``-bin histogram over [0, 1] (scikit-image returns the centre
        of the last bin of class 0; we return that bin's upper edge, so that
        ``I > T`` puts exactly the histogram's class 1 above it).

    Raises
    ------
    ValueError
        If ``nbins`` is outside 2..65536 or the image has a single grey level
        (no threshold separates anything).

    References
    ----------
    N. Otsu, "A threshold selection method from gray-level histograms",
    IEEE Trans. SMC 9(1), 1979.

    Examples
    --------
    >>> img = np.zeros((8, 8)); img[:, 4:] = 1.0
    >>> 0.0 <= otsu_threshold(img) < 1.0
    True
    """
    from skimage.filters import threshold_otsu

    gray = to_gray(image)
    nbins = _check_nbins(nbins)
    _check_not_constant(gray)
    counts, centres, half = _histogram(gray, nbins)
    return float(threshold_otsu(hist=(counts, centres))) + half


def _histogram(gray, nbins):
    """Counts and bin centres of ``nbins`` equal bins over [0, 1], and half a bin width."""
    counts, edges = np.histogram(gray, bins=nbins, range=(0.0, 1.0))
    return counts, (edges[:-1] + edges[1:]) / 2, 0.5 / nbins


def _check_not_constant(gray):
    if gray.min() == gray.max():
        raise ValueError(
            f"`image` has a single grey level ({gray.min():.3g}); a threshold needs at least two"
        )


def otsu_segment(image, *, nbins=256):
    """Threshold at Otsu's value; returns ``(labels, threshold)``.

    Raises
    ------
    ValueError
        As :func:`otsu_threshold`.

    Examples
    --------
    >>> img = np.zeros((8, 8)); img[:, 4:] = 1.0
    >>> labels, t = otsu_segment(img)
    >>> labels[0]
    array([0, 0, 0, 0, 1, 1, 1, 1])
    """
    t = otsu_threshold(image, nbins=nbins)
    return (to_gray(image) > t).astype(np.int64), t


def otsu_variance_curve(image, *, nbins=256):
    """The between-class variance that Otsu's method maximises, for every threshold.

    With the grey-level histogram p_i over bin centres x_i, a threshold after
    bin t gives the class weight and means

    .. math:: \\omega(t) = \\sum_{i \\le t} p_i, \\quad
              \\mu(t) = \\sum_{i \\le t} p_i x_i, \\quad
              \\sigma_B^2(t) = \\frac{(\\mu_T\\,\\omega(t) - \\mu(t))^2}{\\omega(t)\\,(1 - \\omega(t))}

    (mu_T the overall mean), the form in Otsu (1979). Its maximiser is
    Otsu's threshold.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
    nbins : int
        Histogram bins over [0, 1], 2 to :data:`MAX_NBINS`.

    Returns
    -------
    thresholds : (nbins - 1,) ndarray of float
        The candidate thresholds (bin edges between bins t and t + 1).
    variance : (nbins - 1,) ndarray of float
        sigma_B^2 at each threshold; 0 where one class is empty.

    Raises
    ------
    ValueError
        If ``nbins`` is outside 2..65536.

    Examples
    --------
    >>> img = np.zeros((8, 8)); img[:, 4:] = 1.0
    >>> t, v = otsu_variance_curve(img, nbins=4)
    >>> t.tolist(), v.round(3).tolist()
    ([0.25, 0.5, 0.75], [0.141, 0.141, 0.141])
    """
    gray = to_gray(image)
    nbins = _check_nbins(nbins)
    counts, centres, half = _histogram(gray, nbins)
    p = counts / counts.sum()
    omega = np.cumsum(p)[:-1]
    mu = np.cumsum(p * centres)[:-1]
    mu_total = float((p * centres).sum())
    denom = omega * (1.0 - omega)
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = np.where(denom > 1e-12, (mu_total * omega - mu) ** 2 / denom, 0.0)
    return centres[:-1] + half, variance


def multi_otsu_thresholds(image, classes=3, *, nbins=256) -> np.ndarray:
    """Multi-Otsu thresholds: ``classes - 1`` values maximising the between-class variance.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
    classes : int
        Number of classes, 2 to 5 (the search is exhaustive over
        threshold tuples, so its cost grows as nbins ** (classes - 1)).
    nbins : int
        Histogram bins, 2 to :data:`MAX_MULTI_NBINS` (4096), and at most
        256 with 5 classes (see :data:`MAX_MULTI_NBINS`).

    Returns
    -------
    thresholds : (classes - 1,) ndarray of float, increasing
        Bin edges of the histogram over [0, 1], as in :func:`otsu_threshold`.

    Raises
    ------
    ValueError
        If ``classes`` is outside 2..5, ``nbins`` outside the range above, or
        the image has fewer distinct grey levels than ``classes``.

    References
    ----------
    P.-S. Liao, T.-S. Chen and P.-C. Chung, "A fast algorithm for multilevel
    thresholding", J. Inf. Sci. Eng. 17, 2001.

    Examples
    --------
    >>> img = np.repeat([[0.0, 0.5, 1.0]], 8, axis=0).repeat(4, axis=1)
    >>> multi_otsu_thresholds(img, 3).round(3).tolist()
    [0.004, 0.504]
    """
    from skimage.filters import threshold_multiotsu

    gray = to_gray(image)
    classes = check_int(classes, "classes", min_value=2, max_value=5)
    nbins = _check_multi_nbins(nbins, classes)
    n_levels = np.unique(gray).size
    if n_levels < classes:
        raise ValueError(
            f"`classes` must not exceed the number of distinct grey levels ({n_levels}); got {classes}"
        )
    counts, centres, half = _histogram(gray, nbins)
    thresholds = threshold_multiotsu(hist=(counts, centres), classes=classes)
    return np.asarray(thresholds, dtype=np.float64) + half


def multi_otsu_segment(image, classes=3, *, nbins=256):
    """Label each pixel by the interval of multi-Otsu thresholds it falls in.

    Returns ``(labels, thresholds)``; label c means
    ``thresholds[c - 1] < I(x) <= thresholds[c]``.

    Raises
    ------
    ValueError
        As :func:`multi_otsu_thresholds`.

    Examples
    --------
    >>> img = np.repeat([[0.0, 0.5, 1.0]], 8, axis=0).repeat(4, axis=1)
    >>> multi_otsu_segment(img, 3)[0][0, ::4]
    array([0, 1, 2])
    """
    thresholds = multi_otsu_thresholds(image, classes, nbins=nbins)
    labels = np.digitize(to_gray(image), thresholds, right=True)
    return labels.astype(np.int64), thresholds
