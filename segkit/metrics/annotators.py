"""Several annotators per image: any metric against all of them, the finest and the coarsest.

BSDS500 has several human segmentations per image: :func:`over_annotators`
scores with any ``metric(pred, gt)`` against all of them (the mean), the
finest and the coarsest. The named protocols the course reports are
:func:`segkit.metrics.score_annotators`'s (``protocols.py``).
"""

from __future__ import annotations

import numpy as np

from .._validate import check_label_map, describe


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
    >>> from segkit.metrics import pixel_accuracy
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
