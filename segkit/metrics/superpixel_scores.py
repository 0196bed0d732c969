"""Scores for superpixels: do their boundaries follow the objects' boundaries?

:func:`boundary_recall` (are the ground-truth boundaries found?) and
:func:`undersegmentation_error` (how much do superpixels leak across them?).
"""

from __future__ import annotations

import numpy as np

from .._validate import check_int, check_label_map, check_same_shape
from .contingency import contingency_table


def _boundary_map(labels):
    """Pixels whose right or lower neighbour has another label (a thin boundary)."""
    b = np.zeros(labels.shape, dtype=bool)
    b[:, :-1] |= labels[:, :-1] != labels[:, 1:]
    b[:-1, :] |= labels[:-1, :] != labels[1:, :]
    return b


def boundary_recall(segments, gt, *, tolerance: int = 2) -> float:
    """Fraction of ground-truth boundary pixels within ``tolerance`` pixels of a predicted boundary.

    A pixel is a boundary pixel when its right or lower neighbour carries
    another label. Distances are Euclidean. 1 is perfect; an image whose ground
    truth has no boundary scores 1.

    References
    ----------
    Achanta et al., "SLIC superpixels compared to state-of-the-art superpixel
    methods", TPAMI 34(11), 2012; Neubert and Protzel, "Superpixel benchmark
    and comparison", 2012.

    Examples
    --------
    >>> gt = np.repeat([[0, 0, 0, 0, 1, 1, 1, 1]], 4, axis=0)
    >>> boundary_recall(np.repeat([[0, 0, 0, 0, 0, 0, 1, 1]], 4, axis=0), gt, tolerance=1)
    0.0
    >>> boundary_recall(np.repeat([[0, 0, 0, 0, 0, 0, 1, 1]], 4, axis=0), gt, tolerance=2)
    1.0
    """
    from scipy.ndimage import distance_transform_edt

    segments = check_label_map(segments, "segments")
    gt = check_label_map(gt, "gt")
    check_same_shape(segments, gt, "segments", "gt")
    tolerance = check_int(tolerance, "tolerance", min_value=0)
    gt_b = _boundary_map(gt)
    if not gt_b.any():
        return 1.0
    pred_b = _boundary_map(segments)
    if not pred_b.any():
        return 0.0
    dist = distance_transform_edt(~pred_b)
    return float((dist[gt_b] <= tolerance).mean())


def undersegmentation_error(segments, gt) -> float:
    """Under-segmentation error of superpixels (Neubert and Protzel's corrected form).

    .. math:: UE = \\frac{1}{N} \\sum_{g \\in G} \\sum_{s \\cap g \\neq \\emptyset}
              \\min(|s \\cap g|, |s \\setminus g|)

    Every superpixel s that straddles a ground-truth segment g is charged, for
    each segment it touches, the smaller of its part inside and its part
    outside. 0 is perfect.

    References
    ----------
    Neubert and Protzel, "Superpixel benchmark and comparison", Forum Bildverarbeitung 2012.

    Examples
    --------
    >>> gt = np.array([[0, 0, 1, 1]])
    >>> segments = np.array([[0, 0, 0, 1]])  # superpixel 0 straddles both segments
    >>> undersegmentation_error(np.repeat(segments, 8, 0), np.repeat(gt, 8, 0))  # (1 + 1) / 4
    0.5
    """
    segments = check_label_map(segments, "segments")
    gt = check_label_map(gt, "gt")
    check_same_shape(segments, gt, "segments", "gt")
    table, _, _ = contingency_table(segments, gt)
    sizes = table.sum(axis=1, keepdims=True)
    charge = np.minimum(table, sizes - table)
    return float(charge[table > 0].sum() / table.sum())
