"""k-means: Lloyd's algorithm with k-means++ seeding, and the image segmentation built on it.

:func:`kmeans` clusters any (N, D) table of features; :func:`kmeans_history`
keeps every Lloyd iteration, for showing the algorithm step by step;
:func:`kmeans_segment` clusters the per-pixel features of
:mod:`segkit.classical.features` into a label map. Start reading at
:func:`_lloyd`: the assignment and update steps, as array operations over
all samples at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import check_choice, check_float, check_int, describe
from ..io import as_rgb
from .features import pixel_features


#: Largest samples x clusters product :func:`kmeans` accepts. Lloyd's
#: algorithm as written here keeps the (N, k) table of squared distances in
#: memory, with two or three temporaries of its size, in float64: at this
#: limit the peak is about 1.2 GB, what Binder's 2 GiB can spare. The lessons
#: stay far below it (k up to 20 on images of at most 481 x 321 pixels: 3
#: million); a typo such as k=100000 on a lesson image would exceed the memory.
MAX_TABLE = 50_000_000


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
    if x.shape[0] * k > MAX_TABLE:
        raise ValueError(
            f"`k` = {k} is too many clusters for {x.shape[0]:,} samples: every iteration holds a "
            f"{x.shape[0]:,} x {k} table of distances ({x.shape[0] * k * 8 / 1e9:.1f} GB, several "
            f"times over), and samples x k is limited to {MAX_TABLE:,} (segkit.classical.kmeans."
            f"MAX_TABLE). Lower k or shrink the image (load_image(..., max_side=...))"
        )
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
    if isinstance(seed, (int, np.integer)) and seed < 0:
        raise ValueError(f"`seed` must be at least 0 (numpy seeds are non-negative); got {seed}")
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
        Number of clusters, 1 <= k <= N (and N * k at most :data:`MAX_TABLE`).
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
        If ``k < 1`` or ``k > N``, ``N * k`` exceeds :data:`MAX_TABLE`,
        ``features`` is not (N, D) finite numbers, ``init`` is unknown,
        ``n_init < 1``, ``max_iter < 1``, ``tol < 0`` or ``seed < 0``.
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
