"""Several annotators per image, and the named scoring protocols.

BSDS500 has several human segmentations per image: :func:`over_annotators`
scores against all of them (the mean), the finest and the coarsest.
:data:`PROTOCOLS` names the scores of the other files, each
``f(pred, gt) -> float``, and :func:`score` calls one by name.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_label_map, describe
from .matching import best_overlap_miou, hungarian_miou, pixel_accuracy, segmentation_covering
from .partition import adapted_rand_error, variation_of_information


def over_annotators(metric, pred, gts, **kwargs) -> dict:
    """Score ``pred`` against several human annotations of the same image.

    Parameters
    ----------
    metric : callable
        ``metric(pred, gt, **kwargs) -> float``, e.g. :func:`best_overlap_miou`.
    pred : (H, W) ndarray of int
    gts : sequence of (H, W) ndarray of int
        One label map per annotator.

    Returns
    -------
    scores : dict
        ``all`` (mean over annotators), ``finest`` (against the annotation with
        the most segments), ``coarsest`` (the fewest), and ``per_annotator``.
        Ties go to the first annotator.

    Examples
    --------
    >>> pred = np.array([[0, 0, 1, 1]] * 2)
    >>> gts = [np.array([[0, 0, 1, 1]] * 2), np.zeros((2, 4), int)]
    >>> s = over_annotators(pixel_accuracy, pred, gts)
    >>> s["finest"], s["coarsest"], s["all"]
    (1.0, 0.5, 0.75)
    """
    if not callable(metric):
        raise TypeError(f"`metric` must be a function metric(pred, gt); got {describe(metric)}")
    given = gts
    if isinstance(gts, np.ndarray) and gts.ndim == 2:
        gts = [gts]
    if isinstance(gts, np.ndarray) and gts.ndim == 3:
        gts = list(gts)
    if not isinstance(gts, (list, tuple)) or len(gts) == 0:
        raise ValueError(f"`gts` must be a non-empty list of (H, W) label maps; got {describe(given)}")
    gts = [check_label_map(g, f"gts[{i}]") for i, g in enumerate(gts)]
    per = [float(metric(pred, g, **kwargs)) for g in gts]
    counts = [np.unique(g).size for g in gts]
    return {
        "all": float(np.mean(per)),
        "finest": per[int(np.argmax(counts))],
        "coarsest": per[int(np.argmin(counts))],
        "per_annotator": per,
    }


#: Named scoring protocols, each ``f(pred, gt) -> float``, and whether higher is better.
PROTOCOLS = {
    "hungarian accuracy": (pixel_accuracy, True),
    "hungarian mIoU": (hungarian_miou, True),
    "best-overlap mIoU": (best_overlap_miou, True),
    "best-overlap mIoU (components)": (
        lambda pred, gt: best_overlap_miou(pred, gt, split_components=True), True),
    "segmentation covering": (segmentation_covering, True),
    "variation of information": (variation_of_information, False),
    "adapted Rand error": (adapted_rand_error, False),
}


def score(pred, gt, protocol: str) -> float:
    """Score ``pred`` against ``gt`` with one of the named :data:`PROTOCOLS`.

    Examples
    --------
    >>> a = np.array([[0, 0, 1, 1]] * 2)
    >>> score(a, 1 - a, "hungarian mIoU")
    1.0
    >>> score(a, a, "f1")
    Traceback (most recent call last):
    ...
    ValueError: `protocol` must be one of 'hungarian accuracy', 'hungarian mIoU', 'best-overlap mIoU', 'best-overlap mIoU (components)', 'segmentation covering', 'variation of information', 'adapted Rand error'; got 'f1'
    """
    from .._validate import check_choice

    check_choice(protocol, "protocol", PROTOCOLS)
    return float(PROTOCOLS[protocol][0](pred, gt))
