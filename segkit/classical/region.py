"""Seeded region growing: start at one pixel and add neighbours while they are close enough.

Closeness is in intensity or colour, to the seed or to the region's running
mean (:func:`region_grow`).
"""

from __future__ import annotations

import numpy as np

from .._validate import check_choice, check_float, check_int, describe
from ..io import as_rgb
from .threshold import to_gray


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
