"""Step 6 of SLIC: every superpixel one connected piece, none too small."""

from __future__ import annotations

import numpy as np

from .._validate import check_int, check_label_map

__all__ = ["enforce_connectivity"]


def enforce_connectivity(segments, min_size) -> np.ndarray:
    """Split superpixels into 4-connected pieces and merge the small pieces.

    Every connected piece of a superpixel becomes its own segment; pieces
    with fewer than ``min_size`` pixels are merged into their largest
    adjacent segment, repeatedly, until none is left (or no merge is
    possible, e.g. a whole image smaller than ``min_size``).

    Parameters
    ----------
    segments : (H, W) ndarray of int
        A label map.
    min_size : int
        Smallest segment size kept, in pixels (>= 1).

    Returns
    -------
    segments : (H, W) ndarray of int64
        Consecutive ids 0 to n - 1; the input is not modified.

    Raises
    ------
    ValueError
        If ``min_size < 1`` or ``segments`` is not a 2-D label map.

    Examples
    --------
    >>> seg = np.array([[0, 0, 0, 1],
    ...                 [0, 1, 0, 1],
    ...                 [0, 0, 0, 1]])
    >>> enforce_connectivity(seg, 2)
    array([[0, 0, 0, 1],
           [0, 0, 0, 1],
           [0, 0, 0, 1]])
    """
    segments = check_label_map(segments, "segments", allow_negative=True)
    min_size = check_int(min_size, "min_size", min_value=1)
    return _enforce_connectivity(segments, min_size)


def _enforce_connectivity(segments: np.ndarray, min_size: int, max_rounds: int = 50) -> np.ndarray:
    from skimage.measure import label

    # Connected pieces of equal value, numbered 0..n-1 (background=-1: no background).
    comp = label(segments.astype(np.int64) - segments.min(), background=-1, connectivity=1) - 1
    n = int(comp.max()) + 1
    sizes = np.bincount(comp.ravel(), minlength=n)
    if sizes.min() >= min_size:
        return comp.astype(np.int64)
    # Which pieces touch which: the distinct pairs of 4-adjacent pixels in
    # different pieces, in both directions (computed once from the image;
    # after each round of merges they are renamed, not recomputed).
    a = np.concatenate([comp[:, :-1].ravel(), comp[:-1, :].ravel()])
    b = np.concatenate([comp[:, 1:].ravel(), comp[1:, :].ravel()])
    differ = a != b
    codes = np.unique(np.concatenate([a[differ] * n + b[differ], b[differ] * n + a[differ]]))
    src, dst = codes // n, codes % n
    root = np.arange(n)  # the piece each original piece has been merged into
    for _ in range(max_rounds):
        small = (sizes < min_size) & (sizes > 0)
        # Merge a small piece into its largest neighbour, but only "upwards"
        # in (size, id) order, so that merges never form a cycle.
        key = sizes.astype(np.int64) * n + np.arange(n)
        keep = small[src] & (key[dst] > key[src])
        if not keep.any():
            break
        s, d = src[keep], dst[keep]
        order = np.lexsort((key[d], s))
        s, d = s[order], d[order]
        last = np.r_[s[1:] != s[:-1], True]  # the largest neighbour of each small piece
        target = np.arange(n)
        target[s[last]] = d[last]
        # Follow chains (a small piece merged into another that merges too).
        while True:
            nxt = target[target]
            if np.array_equal(nxt, target):
                break
            target = nxt
        root = target[root]
        sizes = np.bincount(target, weights=sizes, minlength=n).astype(np.int64)
        src, dst = target[src], target[dst]
        moved = src != dst
        src, dst = src[moved], dst[moved]
    _, relabelled = np.unique(root[comp], return_inverse=True)
    return relabelled.reshape(segments.shape).astype(np.int64)
