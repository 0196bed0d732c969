"""Classical segmentation: thresholds, region growing, edges, k-means, Felzenszwalb.

The methods the course opens with (lessons 1 and 2). Each returns a label map,
an (H, W) array of int64 with labels 0, 1, 2, ...; region growing returns a
boolean mask of the grown region.

* Thresholding splits the grey levels: by a given value, by Otsu's value
  (the threshold that maximises the between-class variance) or by several
  values (multi-Otsu). scikit-image's filters compute the thresholds;
  :func:`otsu_variance_curve` computes the whole curve Otsu maximises, for
  plotting.
* Seeded region growing starts at one pixel and adds neighbours while they
  are close enough in intensity or colour.
* Edge-based segmentation finds edges (Sobel magnitude or Canny) and turns
  them into regions: a watershed from markers, or the areas enclosed by
  Canny's contours.
* k-means clusters per-pixel features: colour, or colour plus position
  (:func:`pixel_features`), written out as Lloyd's algorithm with k-means++
  seeding (:func:`kmeans`, :func:`kmeans_history`, :func:`kmeans_segment`).
* Felzenszwalb and Huttenlocher's graph-based method (the "GS" baseline of
  the unsupervised-CNN papers), from scikit-image.

Grey levels are ``skimage.color.rgb2gray`` of the RGB image, in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import check_choice, check_float, check_int, describe
from .io import as_rgb

__all__ = [
    "to_gray",
    "threshold_segment",
    "otsu_threshold",
    "otsu_segment",
    "otsu_variance_curve",
    "multi_otsu_thresholds",
    "multi_otsu_segment",
    "region_grow",
    "edge_map",
    "edge_segment",
    "pixel_features",
    "kmeans",
    "kmeans_history",
    "kmeans_segment",
    "KMeansResult",
    "felzenszwalb_segment",
]


# ---------------------------------------------------------------------------
# Thresholds
# ---------------------------------------------------------------------------

def to_gray(image) -> np.ndarray:
    """Grey levels of an image, float64 in [0, 1], shape (H, W).

    Examples
    --------
    >>> round(float(to_gray(np.full((8, 8), 255, np.uint8)).max()), 6)
    1.0
    """
    from skimage.color import rgb2gray

    return np.clip(rgb2gray(as_rgb(image, "image").astype(np.float64)), 0.0, 1.0)


def _check_nbins(nbins):
    return check_int(nbins, "nbins", min_value=2)


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
        Histogram bins (>= 2).

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
        If ``nbins < 2`` or the image has a single grey level (no threshold
        separates anything).

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
        Histogram bins over [0, 1] (>= 2).

    Returns
    -------
    thresholds : (nbins - 1,) ndarray of float
        The candidate thresholds (bin edges between bins t and t + 1).
    variance : (nbins - 1,) ndarray of float
        sigma_B^2 at each threshold; 0 where one class is empty.

    Raises
    ------
    ValueError
        If ``nbins < 2``.

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

    Returns
    -------
    thresholds : (classes - 1,) ndarray of float, increasing
        Bin edges of the histogram over [0, 1], as in :func:`otsu_threshold`.

    Raises
    ------
    ValueError
        If ``classes`` is outside 2..5, ``nbins < 2``, or the image has fewer
        distinct grey levels than ``classes``.

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
    nbins = _check_nbins(nbins)
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


# ---------------------------------------------------------------------------
# Seeded region growing
# ---------------------------------------------------------------------------

def _check_seed(seed, shape):
    if isinstance(seed, np.ndarray):
        seed = tuple(seed.tolist())
    if not isinstance(seed, (tuple, list)) or len(seed) != 2:
        raise TypeError(f"`seed` must be a (row, col) pair; got {describe(seed)}")
    row = check_int(seed[0], "seed[0] (row)")
    col = check_int(seed[1], "seed[1] (col)")
    h, w = shape
    if not (0 <= row < h and 0 <= col < w):
        raise ValueError(
            f"`seed` must lie inside the image (rows 0..{h - 1}, cols 0..{w - 1}); got ({row}, {col})"
        )
    return row, col


def _grow_neighbours(mask: np.ndarray, connectivity: int) -> np.ndarray:
    """Pixels 4- (or 8-) adjacent to ``mask``, by shifting it (a binary dilation)."""
    out = mask.copy()
    out[1:] |= mask[:-1]
    out[:-1] |= mask[1:]
    out[:, 1:] |= mask[:, :-1]
    out[:, :-1] |= mask[:, 1:]
    if connectivity == 8:
        out[1:, 1:] |= mask[:-1, :-1]
        out[1:, :-1] |= mask[:-1, 1:]
        out[:-1, 1:] |= mask[1:, :-1]
        out[:-1, :-1] |= mask[1:, 1:]
    return out


def region_grow(image, seed, tolerance, *, feature="intensity", reference="seed",
                connectivity=4) -> np.ndarray:
    """Grow a region from a seed pixel while neighbours stay within a tolerance.

    The algorithm, as the lesson draws it::

        region = {seed}; frontier = {seed}
        repeat until the frontier is empty:
            candidates = neighbours of the frontier not yet in the region
            accept the candidates with  ||f(x) - r|| <= tolerance
            region += accepted; frontier = accepted

    where f(x) is the pixel's grey level (``feature="intensity"``) or RGB
    colour (``"color"``), and r is the *reference*:

    * ``reference="seed"``: r = f(seed), fixed. The region is then exactly
      the connected set of pixels within the tolerance of the seed.
    * ``reference="mean"``: r = the running mean of the region, updated after
      every frontier step. The region can drift along a slow gradient;
      candidates rejected once are tried again after the mean moves.

    Every step treats the whole frontier at once (array operations), so the
    number of Python iterations is the region's radius, not its area.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
    seed : (int, int)
        (row, col) of the starting pixel.
    tolerance : float
        Largest accepted distance (>= 0), in grey levels [0, 1] or in RGB
        Euclidean distance (colours in [0, 1], so at most sqrt(3)).
    feature : {"intensity", "color"}
    reference : {"seed", "mean"}
    connectivity : {4, 8}

    Returns
    -------
    region : (H, W) ndarray of bool

    Raises
    ------
    ValueError
        If the seed lies outside the image, ``tolerance < 0``, or ``feature``,
        ``reference`` or ``connectivity`` is not one of the allowed values.
    TypeError
        If ``seed`` is not a (row, col) pair of integers.

    References
    ----------
    R. Adams and L. Bischof, "Seeded region growing", IEEE TPAMI 16(6), 1994
    (the single-region case with a fixed threshold).

    Examples
    --------
    >>> img = np.zeros((8, 8)); img[:, 5:] = 1.0
    >>> int(region_grow(img, (0, 0), 0.1).sum())  # the 8 x 5 dark part
    40
    """
    rgb = as_rgb(image, "image")
    check_choice(feature, "feature", ("intensity", "color"))
    check_choice(reference, "reference", ("seed", "mean"))
    if connectivity not in (4, 8) or isinstance(connectivity, bool):
        raise ValueError(f"`connectivity` must be 4 or 8; got {connectivity!r}")
    tolerance = check_float(tolerance, "tolerance", min_value=0.0)
    row, col = _check_seed(seed, rgb.shape[:2])
    if feature == "intensity":
        feats = to_gray(rgb)[:, :, None]
    else:
        feats = rgb.astype(np.float64)

    region = np.zeros(rgb.shape[:2], bool)
    region[row, col] = True
    frontier = region.copy()
    ref = feats[row, col].copy()
    total, count = ref.copy(), 1
    pending = np.zeros_like(region)  # rejected neighbours, retried when the mean moves
    tol2 = tolerance * tolerance
    while frontier.any():
        candidates = (_grow_neighbours(frontier, connectivity) | pending) & ~region
        ys, xs = np.nonzero(candidates)
        diff = feats[ys, xs] - ref
        ok = (diff * diff).sum(axis=1) <= tol2 + 1e-12
        frontier = np.zeros_like(region)
        frontier[ys[ok], xs[ok]] = True
        region |= frontier
        if reference == "mean":
            total = total + feats[ys[ok], xs[ok]].sum(axis=0)
            count += int(ok.sum())
            ref = total / count
            pending = candidates & ~frontier
    return region


# ---------------------------------------------------------------------------
# Edges
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# k-means
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class KMeansResult:
    """Outcome of :func:`kmeans`.

    Attributes
    ----------
    labels : (N,) ndarray of int64
        Cluster of each sample.
    centers : (k, D) ndarray of float64
    inertia : float
        Sum of squared distances of the samples to their centre.
    n_iter : int
        Lloyd iterations run.
    """

    labels: np.ndarray
    centers: np.ndarray
    inertia: float
    n_iter: int


def pixel_features(image, *, position_weight=0.0, color_space="rgb") -> np.ndarray:
    """Per-pixel feature vectors: colour, optionally followed by weighted position.

    ``f(x) = (c_1, c_2, c_3, w * row / s, w * col / s)`` with colours c in
    [0, 1] (RGB, or CIELAB divided by 100 so that its scale is close to
    RGB's), s the image's longest side (positions in [0, 1]) and w the
    ``position_weight``. With w = 0 only the three colour features are
    returned. w = 1 weighs a move across the whole image like the largest
    colour change.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
    position_weight : float
        w >= 0.
    color_space : {"rgb", "lab"}

    Returns
    -------
    features : (H * W, 3) or (H * W, 5) ndarray of float64
        Row-major pixel order (reshape labels with ``.reshape(H, W)``).

    Raises
    ------
    ValueError
        If ``position_weight < 0`` or ``color_space`` is unknown.

    Examples
    --------
    >>> pixel_features(np.zeros((8, 10, 3)), position_weight=1.0).shape
    (80, 5)
    """
    rgb = as_rgb(image, "image")
    w = check_float(position_weight, "position_weight", min_value=0.0)
    check_choice(color_space, "color_space", ("rgb", "lab"))
    h, wd = rgb.shape[:2]
    if color_space == "lab":
        from skimage.color import rgb2lab

        colour = rgb2lab(rgb).reshape(-1, 3) / 100.0
    else:
        colour = rgb.reshape(-1, 3).astype(np.float64)
    if w == 0:
        return np.ascontiguousarray(colour, dtype=np.float64)
    side = max(h, wd)
    rows, cols = np.mgrid[0:h, 0:wd]
    pos = np.stack([rows.ravel(), cols.ravel()], axis=1) * (w / side)
    return np.concatenate([colour, pos], axis=1).astype(np.float64)


def _check_features(features, k):
    if not isinstance(features, np.ndarray):
        raise TypeError(f"`features` must be a numpy array of shape (N, D); got {describe(features)}")
    if features.ndim != 2 or features.shape[0] == 0 or features.shape[1] == 0:
        raise ValueError(f"`features` must have shape (N, D) with N, D >= 1; got shape {features.shape}")
    if features.dtype.kind not in "iuf":
        raise TypeError(f"`features` must hold numbers; got dtype {features.dtype}")
    x = features.astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("`features` contains NaN or infinite values")
    k = check_int(k, "k", min_value=1)
    if k > x.shape[0]:
        raise ValueError(f"`k` must not exceed the number of samples ({x.shape[0]}); got {k}")
    return x, k


def _sq_distances(x, sq_norms, centers):
    """(N, k) squared Euclidean distances, via |x|^2 - 2 x.c + |c|^2."""
    d = sq_norms[:, None] - 2.0 * (x @ centers.T) + (centers * centers).sum(axis=1)[None, :]
    return np.maximum(d, 0.0)


def _kmeans_plus_plus(x, sq_norms, k, rng):
    """k-means++ seeding (Arthur and Vassilvitskii 2007), in its greedy form.

    Each new centre is drawn with probability proportional to D(x)^2, the
    squared distance to the nearest centre chosen so far. The greedy form
    (also in the paper, and scikit-learn's default) draws 2 + log(k)
    candidates and keeps the one that lowers the total D^2 most.
    """
    n = x.shape[0]
    n_trials = 2 + int(np.log(k))
    centers = np.empty((k, x.shape[1]))
    centers[0] = x[rng.integers(n)]
    closest = _sq_distances(x, sq_norms, centers[:1])[:, 0]
    for j in range(1, k):
        total = closest.sum()
        if total <= 0:  # fewer distinct points than k: any point will do
            centers[j] = x[rng.integers(n)]
            continue
        picks = np.searchsorted(np.cumsum(closest), rng.random(n_trials) * total, side="right")
        picks = np.minimum(picks, n - 1)
        d = _sq_distances(x, sq_norms, x[picks])                # (N, n_trials)
        candidate_closest = np.minimum(closest[:, None], d)
        best = int(candidate_closest.sum(axis=0).argmin())
        centers[j] = x[picks[best]]
        closest = candidate_closest[:, best]
    return centers


def _initial_centers(x, k, init, rng):
    if init == "k-means++":
        return _kmeans_plus_plus(x, (x * x).sum(axis=1), k, rng)
    return x[rng.choice(x.shape[0], size=k, replace=False)].copy()


def _lloyd(x, centers, max_iter, tol):
    """Yield (labels, centres) after every Lloyd iteration (assignment, then update)."""
    k = centers.shape[0]
    sq_norms = (x * x).sum(axis=1)
    # Shift tolerance relative to the data's spread, as scikit-learn does.
    tol_abs = tol * float(np.mean(np.var(x, axis=0)))
    for _ in range(max_iter):
        d = _sq_distances(x, sq_norms, centers)
        labels = d.argmin(axis=1)                                  # assignment step
        counts = np.bincount(labels, minlength=k)
        sums = np.stack([np.bincount(labels, weights=x[:, j], minlength=k)
                         for j in range(x.shape[1])], axis=1)      # one bincount per feature
        new = centers.copy()
        filled = counts > 0
        new[filled] = sums[filled] / counts[filled, None]          # update step: cluster means
        if not filled.all():  # an empty cluster takes the points farthest from their centres
            far = np.argsort(d[np.arange(len(labels)), labels])[::-1]
            new[~filled] = x[far[: int((~filled).sum())]]
        shift = float(((new - centers) ** 2).sum())
        centers = new
        yield labels, centers
        if shift <= tol_abs:
            break


def _check_kmeans_args(init, max_iter, tol, seed):
    check_choice(init, "init", ("k-means++", "random"))
    max_iter = check_int(max_iter, "max_iter", min_value=1)
    tol = check_float(tol, "tol", min_value=0.0)
    if seed is not None and not isinstance(seed, (int, np.integer, np.random.Generator)) \
            or isinstance(seed, bool):
        raise TypeError(f"`seed` must be an int, a numpy Generator or None; got {describe(seed)}")
    return max_iter, tol


def kmeans(features, k, *, init="k-means++", n_init=1, max_iter=300, tol=1e-4, seed=0) -> KMeansResult:
    """Cluster samples with Lloyd's k-means algorithm and k-means++ seeding.

    Minimises the inertia :math:`\\sum_i \\|x_i - c_{z_i}\\|^2` by alternating

    1. assignment: :math:`z_i = \\arg\\min_j \\|x_i - c_j\\|^2`,
    2. update: :math:`c_j = \\text{mean}\\{x_i : z_i = j\\}`,

    until the centres move less than ``tol`` (relative to the mean feature
    variance) or ``max_iter`` iterations have run. Both steps are array
    operations over all samples at once.

    Parameters
    ----------
    features : (N, D) ndarray
        One row per sample (e.g. :func:`pixel_features`).
    k : int
        Number of clusters, 1 <= k <= N.
    init : {"k-means++", "random"}
        k-means++ draws each new centre with probability proportional to its
        squared distance to the nearest centre already drawn; "random" takes
        k distinct samples.
    n_init : int
        Runs from different initialisations (>= 1); the one with the lowest
        inertia is returned.
    max_iter : int
    tol : float
    seed : int, numpy Generator or None
        Seed of the random initialisation (the result is reproducible for
        an int).

    Returns
    -------
    KMeansResult

    Raises
    ------
    ValueError
        If ``k < 1`` or ``k > N``, ``features`` is not (N, D) finite numbers,
        ``init`` is unknown, ``n_init < 1``, ``max_iter < 1`` or ``tol < 0``.
    TypeError
        If ``k`` is not an integer or ``seed`` is not an int/Generator/None.

    References
    ----------
    S. Lloyd, "Least squares quantization in PCM", IEEE Trans. IT 28(2), 1982;
    D. Arthur and S. Vassilvitskii, "k-means++: the advantages of careful
    seeding", SODA 2007.

    Examples
    --------
    >>> x = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> r = kmeans(x, 2, seed=0)
    >>> sorted(r.centers.ravel().round(2).tolist()), round(r.inertia, 3)
    ([0.05, 5.05], 0.01)
    """
    x, k = _check_features(features, k)
    max_iter, tol = _check_kmeans_args(init, max_iter, tol, seed)
    n_init = check_int(n_init, "n_init", min_value=1)
    rng = np.random.default_rng(seed)
    sq_norms = (x * x).sum(axis=1)
    best = None
    for _ in range(n_init):
        centers = _initial_centers(x, k, init, rng)
        n_iter = 0
        for _, centers in _lloyd(x, centers, max_iter, tol):
            n_iter += 1
        # Final assignment to the final centres, so labels and centres agree.
        d = _sq_distances(x, sq_norms, centers)
        labels = d.argmin(axis=1)
        inertia = float(d[np.arange(x.shape[0]), labels].sum())
        if best is None or inertia < best.inertia:
            best = KMeansResult(labels=labels.astype(np.int64), centers=centers,
                                inertia=inertia, n_iter=n_iter)
    return best


def kmeans_history(features, k, *, n_iter=5, init="k-means++", seed=0):
    """The first ``n_iter`` Lloyd iterations, for showing k-means step by step.

    Returns
    -------
    history : list of (labels, centers)
        ``history[0]`` is the initialisation (labels = nearest initial
        centre); ``history[i]`` holds the assignment of iteration i and the
        centres updated from it. Fewer entries when k-means converges early.

    Raises
    ------
    ValueError
        As :func:`kmeans`, and if ``n_iter < 1``.

    Examples
    --------
    >>> x = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> h = kmeans_history(x, 2, n_iter=3)
    >>> h[0][1].shape, len(h) >= 2
    ((2, 1), True)
    """
    x, k = _check_features(features, k)
    n_iter = check_int(n_iter, "n_iter", min_value=1)
    _check_kmeans_args(init, n_iter, 0.0, seed)
    centers = _initial_centers(x, k, init, np.random.default_rng(seed))
    d0 = _sq_distances(x, (x * x).sum(axis=1), centers)
    history = [(d0.argmin(axis=1).astype(np.int64), centers.copy())]
    for labels, centers in _lloyd(x, centers, n_iter, 0.0):
        history.append((labels.astype(np.int64), centers.copy()))
    return history


def kmeans_segment(image, k, *, position_weight=0.0, color_space="rgb", seed=0,
                   max_iter=100, tol=1e-4) -> np.ndarray:
    """Segment an image by k-means over per-pixel colour (and position) features.

    The features are :func:`pixel_features`; labels are the clusters, so one
    label may cover several disconnected regions of similar colour (raise
    ``position_weight`` to make clusters spatially compact).

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
    k : int
        Number of clusters, 1 <= k <= H * W.
    position_weight : float
        Weight w >= 0 of the pixel position (see :func:`pixel_features`).
    color_space : {"rgb", "lab"}
    seed : int, numpy Generator or None
    max_iter, tol :
        As :func:`kmeans`.

    Returns
    -------
    labels : (H, W) ndarray of int64

    Raises
    ------
    ValueError
        As :func:`kmeans` and :func:`pixel_features`.

    Examples
    --------
    >>> img = np.zeros((8, 8, 3)); img[:, 4:] = 1.0
    >>> kmeans_segment(img, 2)[0]
    array([0, 0, 0, 0, 1, 1, 1, 1])
    """
    rgb = as_rgb(image, "image")
    feats = pixel_features(rgb, position_weight=position_weight, color_space=color_space)
    result = kmeans(feats, k, seed=seed, max_iter=max_iter, tol=tol)
    # Number clusters in order of first appearance (row-major), for stable colours.
    _, first = np.unique(result.labels, return_index=True)
    order = np.argsort(np.argsort(first))
    remap = np.zeros(result.centers.shape[0], np.int64)
    remap[np.unique(result.labels)] = order
    return remap[result.labels].reshape(rgb.shape[:2])


# ---------------------------------------------------------------------------
# Felzenszwalb
# ---------------------------------------------------------------------------

def felzenszwalb_segment(image, *, scale=300.0, sigma=0.8, min_size=20) -> np.ndarray:
    """Felzenszwalb and Huttenlocher's graph-based segmentation (scikit-image's).

    Pixels are graph nodes joined to their neighbours by edges weighted with
    the colour difference; regions merge when the edge between them is
    weaker than the internal variation of both plus ``scale / |region|``.
    Larger ``scale``, larger regions.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
    scale : float
        k of the paper (> 0), on the paper's 0-255 intensity scale
        (scikit-image divides it by 255 for its [0, 1] images). The paper
        shows k = 300 on 320 x 240 images, the default here.
    sigma : float
        Gaussian smoothing before segmenting (>= 0; paper: 0.8).
    min_size : int
        Regions smaller than this are merged in post-processing (>= 1).

    Returns
    -------
    labels : (H, W) ndarray of int64

    Raises
    ------
    ValueError
        If ``scale <= 0``, ``sigma < 0`` or ``min_size < 1``.

    References
    ----------
    P. F. Felzenszwalb and D. P. Huttenlocher, "Efficient graph-based image
    segmentation", IJCV 59(2), 2004.

    Examples
    --------
    >>> img = np.zeros((16, 16, 3)); img[:, 8:] = 1.0
    >>> int(felzenszwalb_segment(img, sigma=0.0, min_size=5).max()) + 1
    2
    """
    from skimage.segmentation import felzenszwalb

    rgb = as_rgb(image, "image")
    scale = check_float(scale, "scale", min_value=0.0, min_inclusive=False)
    sigma = check_float(sigma, "sigma", min_value=0.0)
    min_size = check_int(min_size, "min_size", min_value=1)
    labels = felzenszwalb(rgb.astype(np.float64), scale=scale, sigma=sigma, min_size=min_size,
                          channel_axis=-1)
    _, inv = np.unique(labels, return_inverse=True)
    return inv.reshape(labels.shape).astype(np.int64)
