"""Distances between two partitions of the image (computed with scikit-image).

:func:`variation_of_information` counts information (bits), and
:func:`adapted_rand_error` pairs of pixels. Neither matches segments: both
compare the two partitions as wholes.
"""

from __future__ import annotations

import numpy as np

from .contingency import _pair


def variation_of_information(pred, gt) -> float:
    """Variation of information VI = H(P|G) + H(G|P), in bits; 0 is perfect.

    Computed with ``skimage.metrics.variation_of_information`` (which uses
    base-2 logarithms).

    References
    ----------
    Meila, "Comparing clusterings -- an information based distance", J.
    Multivariate Analysis 98(5), 2007.

    Examples
    --------
    >>> a = np.array([[0, 0], [1, 1]])
    >>> round(variation_of_information(a, np.zeros((2, 2), int)), 4)  # H(P|G) = 1 bit
    1.0
    """
    from skimage.metrics import variation_of_information as _vi

    pred, gt = _pair(pred, gt)
    return float(np.sum(_vi(gt, pred, ignore_labels=())))


def adapted_rand_error(pred, gt) -> float:
    """Adapted Rand error (1 - the F-score of pixel-pair precision and recall); 0 is perfect.

    Computed with ``skimage.metrics.adapted_rand_error`` with no label ignored
    (scikit-image ignores ground-truth label 0 by default; segkit's labels start
    at 0, so that default would drop a real segment).

    References
    ----------
    Arganda-Carreras et al., "Crowdsourcing the creation of image segmentation
    algorithms for connectomics", Front. Neuroanat. 2015.

    Examples
    --------
    >>> a = np.array([[0, 0], [1, 1]])
    >>> adapted_rand_error(a, 3 - a)
    0.0
    """
    from skimage.metrics import adapted_rand_error as _are

    pred, gt = _pair(pred, gt)
    return float(_are(gt, pred, ignore_labels=())[0])
