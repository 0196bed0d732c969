"""Making scribbles: user hints for the unsupervised CNN, as label images.

The scribble format of Kim, Kanezaki and Tanaka (2020) and of
:func:`segkit.segment` is a grayscale image the size of the
input: 255 on unlabelled pixels, a class id (0, 1, 2, ...) on scribbled ones.
This module makes such images without a drawing program:

* :func:`draw_strokes` draws polylines given as pixel coordinates (what a
  person would drag with a mouse);
* :func:`check_scribble` checks one against an image and the network's q;
* :func:`scribbles_from_labels` draws one stroke inside each of the largest
  regions of a label map, e.g. a BSDS500 annotation: the stroke follows the
  region's skeleton, kept away from its border.

numpy (and scikit-image / scipy) only: no torch, no matplotlib.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_int, check_label_map, describe
from ..io import MAX_PIXELS

__all__ = ["UNLABELLED", "draw_strokes", "scribbles_from_labels", "scribble_classes", "check_scribble"]

#: Value of unlabelled pixels in a scribble image (the authors' convention).
UNLABELLED = 255


def _disk(radius: int) -> np.ndarray:
    r = np.arange(-radius, radius + 1)
    return (r[:, None] ** 2 + r[None, :] ** 2) <= radius * radius + radius


def _check_shape(shape):
    if not isinstance(shape, (tuple, list)) or len(shape) < 2:
        raise ValueError(f"`shape` must be (H, W); got {describe(shape)}")
    h = check_int(shape[0], "shape[0]", min_value=1)
    w = check_int(shape[1], "shape[1]", min_value=1)
    if h * w > MAX_PIXELS:
        raise ValueError(f"`shape` {(h, w)} has {h * w:,} pixels; at most {MAX_PIXELS:,} (segkit.io.MAX_PIXELS)")
    return h, w


def draw_strokes(shape, strokes, *, width: int = 3) -> np.ndarray:
    """Draw polyline strokes into a scribble image.

    Parameters
    ----------
    shape : tuple
        (H, W) of the image (extra entries, such as a channel count, are ignored).
    strokes : sequence of (label, points)
        ``label`` is a class id in [0, 255); ``points`` a sequence of at least
        one (row, col) pair in pixels (floats are rounded). Consecutive points
        are joined by straight lines. Points may lie outside the image: the
        part inside is drawn. Later strokes are drawn over earlier ones.
    width : int
        Stroke width in pixels (>= 1).

    Returns
    -------
    scribble : (H, W) ndarray of uint8
        :data:`UNLABELLED` (255) everywhere except on the strokes.

    Raises
    ------
    ValueError
        A bad shape, width or label, or a stroke without points.
    TypeError
        A stroke that is not a (label, points) pair.

    Examples
    --------
    >>> s = draw_strokes((5, 7), [(0, [(1, 1), (1, 5)]), (2, [(4, 0)])], width=1)
    >>> s
    array([[255, 255, 255, 255, 255, 255, 255],
           [255,   0,   0,   0,   0,   0, 255],
           [255, 255, 255, 255, 255, 255, 255],
           [255, 255, 255, 255, 255, 255, 255],
           [  2, 255, 255, 255, 255, 255, 255]], dtype=uint8)
    """
    from skimage.draw import line

    h, w = _check_shape(shape)
    width = check_int(width, "width", min_value=1, max_value=max(h, w))
    out = np.full((h, w), UNLABELLED, dtype=np.uint8)
    radius = (width - 1) // 2
    disk = _disk(radius) if width > 1 else None
    for i, stroke in enumerate(strokes):
        if not isinstance(stroke, (tuple, list)) or len(stroke) != 2:
            raise TypeError(f"`strokes[{i}]` must be a (label, points) pair; got {describe(stroke)}")
        label = check_int(stroke[0], f"strokes[{i}] label", min_value=0, max_value=UNLABELLED - 1)
        try:
            pts = np.asarray(stroke[1], dtype=float)
        except (ValueError, TypeError):
            pts = np.empty((0, 0))
        if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0 or not np.isfinite(pts).all():
            raise ValueError(f"`strokes[{i}]` points must be a non-empty list of (row, col) number pairs; "
                             f"got {describe(stroke[1])}")
        reach = 2 * max(h, w)
        if np.abs(pts).max() > reach:
            raise ValueError(f"`strokes[{i}]` points must lie within {reach} pixels of the image "
                             f"({h} x {w}); got a coordinate of {np.abs(pts).max():g}")
        pts = np.rint(pts).astype(np.int64)
        rows, cols = [pts[:1, 0]], [pts[:1, 1]]
        for (r0, c0), (r1, c1) in zip(pts[:-1], pts[1:]):
            rr, cc = line(int(r0), int(c0), int(r1), int(c1))
            rows.append(rr)
            cols.append(cc)
        rr, cc = np.concatenate(rows), np.concatenate(cols)
        mask = np.zeros((h, w), dtype=bool)
        if disk is None:
            keep = (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w)
            mask[rr[keep], cc[keep]] = True
        else:
            # stamp the disk at every point of the line (clipped to the image)
            dy, dx = np.nonzero(disk)
            ry = (rr[:, None] + dy[None, :] - radius).ravel()
            rx = (cc[:, None] + dx[None, :] - radius).ravel()
            keep = (ry >= 0) & (ry < h) & (rx >= 0) & (rx < w)
            mask[ry[keep], rx[keep]] = True
        out[mask] = label
    return out


def scribbles_from_labels(labels, n_classes: int = 4, *, width: int = 3, margin: int = 3,
                          min_area: int = 50) -> np.ndarray:
    """One stroke inside each of the ``n_classes`` largest regions of a label map.

    A stand-in for a person scribbling on an image: each chosen region is
    eroded by ``margin`` pixels (so strokes stay off the boundaries, as a
    careful user would), thinned to its skeleton, and the skeleton is thickened
    to ``width`` pixels inside the region. The largest region gets class 0,
    the next class 1, and so on.

    Parameters
    ----------
    labels : (H, W) ndarray of int
        E.g. one annotator's BSDS500 segmentation.
    n_classes : int
        How many regions to scribble on (the largest first).
    width : int
        Stroke width in pixels.
    margin : int
        Distance kept from the region's border (a region too thin for it gets
        its plain skeleton).
    min_area : int
        Regions smaller than this many pixels are never chosen.

    Returns
    -------
    scribble : (H, W) ndarray of uint8
        255 = unlabelled, 0 .. k-1 on the strokes (k <= ``n_classes``: fewer
        when fewer regions are large enough).

    Raises
    ------
    ValueError
        Bad arguments, or no region of at least ``min_area`` pixels.

    Examples
    --------
    >>> gt = np.zeros((20, 30), dtype=int); gt[:, 15:] = 1
    >>> s = scribbles_from_labels(gt, 2, width=1, margin=2)
    >>> sorted(np.unique(s).tolist()), bool((s[:, :15] != 1).all())
    ([0, 1, 255], True)
    """
    from scipy import ndimage
    from skimage.morphology import skeletonize

    labels = check_label_map(labels, "labels")
    n_classes = check_int(n_classes, "n_classes", min_value=1, max_value=UNLABELLED - 1)
    width = check_int(width, "width", min_value=1)
    margin = check_int(margin, "margin", min_value=0)
    min_area = check_int(min_area, "min_area", min_value=1)
    ids, counts = np.unique(labels, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    chosen = [ids[i] for i in order if counts[i] >= min_area][:n_classes]
    if not chosen:
        raise ValueError(f"`labels` has no region of at least min_area = {min_area} pixels "
                         f"(largest: {int(counts.max())})")
    out = np.full(labels.shape, UNLABELLED, dtype=np.uint8)
    thick = _disk((width - 1) // 2) if width > 1 else None
    for cls, region_id in enumerate(chosen):
        region = labels == region_id
        core = ndimage.binary_erosion(region, structure=_disk(margin)) if margin else region
        if not core.any():
            core = region
        line = skeletonize(core)
        if not line.any():
            line = core
        if thick is not None:
            line = ndimage.binary_dilation(line, structure=thick) & region
        out[line] = cls
    return out


def scribble_classes(scribble) -> np.ndarray:
    """The class ids present in a scribble image (255 excluded), sorted.

    >>> scribble_classes(np.array([[255, 3], [0, 3]], dtype=np.uint8))
    array([0, 3])
    """
    s = check_label_map(scribble, "scribble")
    vals = np.unique(s)
    return vals[vals != UNLABELLED].astype(np.int64)


def check_scribble(scribble, shape, n_channels: int = 100) -> np.ndarray:
    """Validate a scribble image and return it as an (H, W) int64 array.

    Parameters
    ----------
    scribble : (H, W) ndarray of int
        255 (:data:`UNLABELLED`) on unlabelled pixels,
        a class id below ``n_channels`` on scribbled ones (the authors'
        convention: a grayscale PNG the size of the image).
    shape : tuple
        (H, W) of the image.
    n_channels : int
        q; class ids must be below it.

    Returns
    -------
    scribble : (H, W) ndarray of int64 (a new array)

    Raises
    ------
    TypeError
        Not an integer array.
    ValueError
        Wrong shape, labels that are neither 255 nor below ``n_channels``,
        or no labelled pixel.

    Examples
    --------
    >>> s = np.full((4, 5), 255, dtype=np.uint8); s[0, 0] = 1; s[3, 4] = 2
    >>> check_scribble(s, (4, 5)).dtype
    dtype('int64')
    """
    if not isinstance(scribble, np.ndarray):
        raise TypeError(f"`scribble` must be a 2-D integer numpy array; got {describe(scribble)}")
    if scribble.ndim == 3 and scribble.shape[2] == 1:
        scribble = scribble[:, :, 0]
    if scribble.ndim != 2:
        raise ValueError(f"`scribble` must be a 2-D (H, W) label image; got {describe(scribble)}")
    if scribble.dtype.kind not in "iu":
        raise TypeError(f"`scribble` must hold integers (255 = unlabelled); got dtype {scribble.dtype}")
    if tuple(scribble.shape) != tuple(shape[:2]):
        raise ValueError(
            f"`scribble` must have the image's height and width {tuple(shape[:2])}; got {scribble.shape}")
    s = scribble.astype(np.int64)
    labelled = s != UNLABELLED
    if not labelled.any():
        raise ValueError(f"`scribble` has no labelled pixel: every value is {UNLABELLED} (unlabelled)")
    vals = s[labelled]
    if vals.min() < 0 or vals.max() >= n_channels:
        bad = vals[(vals < 0) | (vals >= n_channels)]
        raise ValueError(
            f"`scribble` values must be {UNLABELLED} (unlabelled) or class ids in "
            f"[0, {n_channels}) (n_channels = {n_channels}); got e.g. {int(bad[0])}")
    return s
