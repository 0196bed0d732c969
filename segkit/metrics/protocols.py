"""The scoring protocols by name, and the one function that scores against annotators.

Every score the course reports goes through :func:`score_annotators` (the
evaluation runner, IIC, STEGO and the lessons), so a protocol means the same
thing everywhere. :data:`PROTOCOL_NAMES` lists the protocols in table order:

* ``hungarian accuracy``, ``hungarian mIoU``: the labels as output
  (clusters), matched one to one to the annotator's segments (IIC, PiCIE,
  STEGO).
* every other protocol sees the connected components of the labels (a
  cluster id that covers two separate regions is two segments), as Kanezaki
  (2018) and Kim et al. (2020) evaluate on BSDS500: ``best-overlap mIoU``,
  ``covering`` (segmentation covering), ``VI`` (variation of information),
  ``adapted Rand error``, and the segment ``precision``, ``recall``, ``F``,
  ``AP`` (segments ranked by area) and ``AP tied`` (precision x recall) at
  IoU 0.5 and 0.7 (:data:`segkit.metrics.KANEZAKI_THRESHOLDS`).

* ``pooled best-overlap mIoU``: the authors' BSDS500 protocol (Kim et al.
  2020, :func:`segkit.metrics.pooled_best_overlap`): the best IoU of every
  human segment, pooled over all segments. Per image, ``all`` pools the
  segments of every annotation (not a mean over annotators) and
  ``annotated segments`` records how many there were, so that a data set's
  score is the mean weighted by those counts (what
  :func:`segkit.evaluation.summarize` reports), equal to
  :func:`~segkit.metrics.pooled_best_overlap` on the same images.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_label_map, check_same_shape, describe
from .average_precision import kanezaki_scores
from .components import connected_components
from .detection import KANEZAKI_THRESHOLDS
from .matching import best_overlap_miou, hungarian_scores, segmentation_covering
from .partition import adapted_rand_error, variation_of_information
from .pooled import _segment_ious

__all__ = ["PROTOCOL_NAMES", "LOWER_IS_BETTER", "POOLED", "SEGMENT_COUNT", "score", "score_annotators",
           "score_dataset"]

_HUNGARIAN = ("hungarian accuracy", "hungarian mIoU")
_PARTITION = ("best-overlap mIoU", "covering", "VI", "adapted Rand error")
_DETECTION = tuple(f"{m}@{t:g}" for t in KANEZAKI_THRESHOLDS for m in ("precision", "recall", "F", "AP", "AP tied"))

_POOLED = ("pooled best-overlap mIoU", "annotated segments")

#: Every protocol, in table order.
PROTOCOL_NAMES = _HUNGARIAN + _PARTITION + _DETECTION + _POOLED

#: The pooled protocol, and the per-image count of annotated segments that weighs it.
POOLED, SEGMENT_COUNT = _POOLED

#: Protocols for which lower is better.
LOWER_IS_BETTER = ("VI", "adapted Rand error")


def _check_protocols(protocols) -> tuple:
    if protocols is None:
        return PROTOCOL_NAMES
    if isinstance(protocols, str):
        protocols = (protocols,)
    try:
        protocols = tuple(protocols)
    except TypeError:
        raise TypeError(f"`protocols` must be a sequence of protocol names; got {describe(protocols)}") from None
    unknown = [p for p in protocols if p not in PROTOCOL_NAMES]
    if unknown or not protocols:
        raise ValueError(f"`protocols` must name some of {', '.join(map(repr, PROTOCOL_NAMES))}; got "
                         f"{unknown[0]!r}" if unknown else "`protocols` is empty: name at least one protocol")
    return protocols


def _score_one(labels, components, gt, wanted) -> dict:
    """Every wanted protocol of ``labels`` (and its components) against one annotation."""
    out = {}
    if any(p in wanted for p in _HUNGARIAN):
        h = hungarian_scores(labels, gt)
        out["hungarian accuracy"], out["hungarian mIoU"] = h["accuracy"], h["miou"]
    partition = {"best-overlap mIoU": best_overlap_miou, "covering": segmentation_covering,
                 "VI": variation_of_information, "adapted Rand error": adapted_rand_error}
    for name, fn in partition.items():
        if name in wanted:
            out[name] = float(fn(components, gt))
    if any(p in wanted for p in _DETECTION):
        area = kanezaki_scores(components, gt, split_components=False)
        tied = kanezaki_scores(components, gt, split_components=False, rank_by="tied")
        for t in KANEZAKI_THRESHOLDS:
            key = f"{t:g}"
            out[f"precision@{key}"] = area[f"precision@{key}"]
            out[f"recall@{key}"] = area[f"recall@{key}"]
            out[f"F@{key}"] = area[f"f_measure@{key}"]
            out[f"AP@{key}"] = area[f"ap@{key}"]
            out[f"AP tied@{key}"] = tied[f"ap@{key}"]
    if any(p in wanted for p in _POOLED):
        best = _segment_ious(components, gt)
        out[POOLED], out[SEGMENT_COUNT] = float(best.sum()), int(best.size)  # summed here, pooled by the caller
    return {p: out[p] for p in wanted}


def score_annotators(labels, gts, *, protocols=None, per_annotator: bool = False) -> dict:
    """Score one segmentation against every human annotation of its image.

    Parameters
    ----------
    labels : (H, W) ndarray of int
        A method's output.
    gts : sequence of (H, W) ndarray of int, or one (H, W) map
        One human segmentation per annotator.
    protocols : sequence of str, optional
        Names from :data:`PROTOCOL_NAMES` (default: all of them).
    per_annotator : bool
        Also return each annotator's score.

    Returns
    -------
    scores : dict
        ``{protocol: {"all": mean over annotators, "finest": ..., "coarsest": ...}}``;
        the finest annotation has the most segments, the coarsest the fewest
        (ties: the first). With ``per_annotator``, also ``"per_annotator"``
        (a list in the order of ``gts``).

    Raises
    ------
    ValueError, TypeError
        Naming the argument: a map that is not a 2-D label map, shapes that
        differ, no annotation, an unknown protocol.

    Examples
    --------
    >>> gt = np.repeat(np.array([[0, 0, 1, 1]]), 2, axis=0)
    >>> s = score_annotators(gt, [gt, np.zeros_like(gt)])
    >>> s["AP@0.5"]   # against one segment, each half has IoU 0.5: not above 0.5
    {'all': 0.5, 'finest': 1.0, 'coarsest': 0.0}
    >>> score_annotators(gt, [gt, np.zeros_like(gt)], protocols=["hungarian accuracy"])
    {'hungarian accuracy': {'all': 0.75, 'finest': 1.0, 'coarsest': 0.5}}
    """
    wanted = _check_protocols(protocols)
    labels = check_label_map(labels, "labels")
    given = gts
    if isinstance(gts, np.ndarray) and gts.ndim == 2:
        gts = [gts]
    elif isinstance(gts, np.ndarray) and gts.ndim == 3:
        gts = list(gts)
    if not isinstance(gts, (list, tuple)) or not gts:
        raise ValueError(f"`gts` must be a non-empty list of (H, W) label maps; got {describe(given)}")
    gts = [check_label_map(g, f"gts[{i}]") for i, g in enumerate(gts)]
    for i, g in enumerate(gts):
        check_same_shape(labels, g, "labels", f"gts[{i}]")
    if not isinstance(per_annotator, (bool, np.bool_)):
        raise TypeError(f"`per_annotator` must be True or False; got {describe(per_annotator)}")
    components = connected_components(labels)
    needed = tuple(wanted) + ((SEGMENT_COUNT,) if POOLED in wanted and SEGMENT_COUNT not in wanted else ())
    per = [_score_one(labels, components, g, needed) for g in gts]
    counts = [np.unique(g).size for g in gts]
    fine, coarse = int(np.argmax(counts)), int(np.argmin(counts))
    out = {}
    for p in wanted:
        if p in _POOLED:
            out[p] = _pooled_entry(p, per, fine, coarse, per_annotator)
            continue
        out[p] = {"all": float(np.mean([s[p] for s in per])), "finest": per[fine][p], "coarsest": per[coarse][p]}
        if per_annotator:
            out[p]["per_annotator"] = [s[p] for s in per]
    return out


def _pooled_entry(protocol, per, fine, coarse, per_annotator) -> dict:
    """The pooled protocol's entry: IoU sums over segment counts, never a mean of means."""
    counts = [s[SEGMENT_COUNT] for s in per]
    if protocol == SEGMENT_COUNT:
        entry = {"all": float(sum(counts)), "finest": float(counts[fine]), "coarsest": float(counts[coarse])}
        values = [float(c) for c in counts]
    else:
        sums = [s[POOLED] for s in per]
        entry = {"all": sum(sums) / sum(counts), "finest": sums[fine] / counts[fine],
                 "coarsest": sums[coarse] / counts[coarse]}
        values = [a / c for a, c in zip(sums, counts)]
    if per_annotator:
        entry["per_annotator"] = values
    return entry


def score(pred, gt, protocol: str) -> float:
    """Score ``pred`` against one annotation ``gt`` with the protocol named ``protocol``.

    Examples
    --------
    >>> a = np.array([[0, 0, 1, 1]] * 2)
    >>> score(a, 1 - a, "hungarian mIoU")
    1.0
    >>> score(a, a, "f1")
    Traceback (most recent call last):
    ...
    ValueError: `protocol` must be one of the names in PROTOCOL_NAMES ('hungarian accuracy', 'hungarian mIoU', 'best-overlap mIoU', ...); got 'f1'
    """
    if not isinstance(protocol, str) or protocol not in PROTOCOL_NAMES:
        raise ValueError(f"`protocol` must be one of the names in PROTOCOL_NAMES "
                         f"({', '.join(map(repr, PROTOCOL_NAMES[:3]))}, ...); got {protocol!r}")
    return score_annotators(pred, [gt], protocols=(protocol,))[protocol]["all"]


def score_dataset(predictions, annotations, *, protocols=None) -> dict:
    """Mean over images of :func:`score_annotators` (each image's mean over its annotators).

    Parameters
    ----------
    predictions : sequence of (H, W) ndarray of int
        One label map per image.
    annotations : sequence
        For each image, its list of human label maps (or one map).
    protocols : sequence of str, optional
        As in :func:`score_annotators`.

    Returns
    -------
    scores : dict
        ``{protocol: mean over images}`` and ``"per_image"``: one
        ``{protocol: score}`` dict per image. The pooled protocol is pooled
        over every annotated segment of every image, as the authors do.

    Examples
    --------
    >>> p = np.array([[0, 0, 1, 1]] * 2)
    >>> s = score_dataset([p, p], [[p], [1 - p, np.zeros_like(p)]], protocols=["hungarian mIoU"])
    >>> s["hungarian mIoU"], s["per_image"][1]
    (0.875, {'hungarian mIoU': 0.75})
    """
    wanted = _check_protocols(protocols)
    for name, value in (("predictions", predictions), ("annotations", annotations)):
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
            raise TypeError(f"`{name}` must be a sequence with one entry per image; got {describe(value)}")
    if len(predictions) != len(annotations):
        raise ValueError(f"`predictions` and `annotations` must have one entry per image each; got "
                         f"{len(predictions)} and {len(annotations)}")
    if len(predictions) == 0:
        raise ValueError("`predictions` is empty: give at least one image")
    asked = wanted + ((SEGMENT_COUNT,) if POOLED in wanted and SEGMENT_COUNT not in wanted else ())
    per_image, counts = [], []
    for i, (pred, gts) in enumerate(zip(predictions, annotations)):
        try:
            s = score_annotators(pred, gts, protocols=asked)
        except (ValueError, TypeError) as err:
            raise type(err)(f"image {i}: {err}") from None
        per_image.append({p: s[p]["all"] for p in wanted})
        if POOLED in wanted:
            counts.append(s[SEGMENT_COUNT]["all"])
    out = {p: float(np.mean([s[p] for s in per_image])) for p in wanted}
    if POOLED in wanted:  # pooled over segments: weighted by each image's count, not a mean of means
        out[POOLED] = float(np.dot([s[POOLED] for s in per_image], counts) / np.sum(counts))
    out["per_image"] = per_image
    return out
