"""Scoring a segmentation against a human one.

Unsupervised methods output cluster ids, not class names: cluster 3 of one run
may be cluster 0 of the next. Every measure here is therefore invariant to
renaming the label ids of either map; the tests check it.

Which measure answers which question
------------------------------------
* :func:`pixel_accuracy`, :func:`hungarian_miou` -- match predicted clusters to
  ground-truth classes one to one (Hungarian algorithm, maximising overlapping
  pixels), then score as if it were a supervised prediction. The protocol of
  IIC, PiCIE and STEGO.
* :func:`best_overlap_miou` -- each ground-truth segment takes the IoU of the
  predicted segment that overlaps it best; the mean over ground-truth segments.
  Many-to-one: several ground-truth segments may pick the same prediction.
* :func:`segmentation_covering` -- the same best overlaps, weighted by segment
  area (Arbelaez et al. 2011).
* :func:`variation_of_information`, :func:`adapted_rand_error` -- information
  and pair-counting distances between partitions (from scikit-image).
* :func:`boundary_recall`, :func:`undersegmentation_error` -- for superpixels.
* :func:`over_annotators` -- BSDS500 has several annotators per image; score
  against all of them (the mean), the finest and the coarsest.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_int, check_label_map, check_same_shape, describe

__all__ = [
    "contingency_table",
    "hungarian_match",
    "pixel_accuracy",
    "hungarian_miou",
    "hungarian_scores",
    "best_overlap_miou",
    "segmentation_covering",
    "variation_of_information",
    "adapted_rand_error",
    "boundary_recall",
    "undersegmentation_error",
    "connected_components",
    "over_annotators",
    "PROTOCOLS",
    "score",
]


def _pair(pred, gt):
    pred = check_label_map(pred, "pred")
    gt = check_label_map(gt, "gt")
    check_same_shape(pred, gt, "pred", "gt")
    return pred, gt


def contingency_table(pred, gt):
    """Pixel counts of every (predicted label, ground-truth label) pair.

    Parameters
    ----------
    pred, gt : (H, W) ndarray of int
        Two label maps of the same shape.

    Returns
    -------
    table : (P, G) ndarray of int64
        ``table[i, j]`` = number of pixels with label ``pred_ids[i]`` in
        ``pred`` and ``gt_ids[j]`` in ``gt``.
    pred_ids : (P,) ndarray
    gt_ids : (G,) ndarray

    Examples
    --------
    >>> table, p, g = contingency_table(np.array([[0, 0], [1, 1]]), np.array([[5, 5], [5, 7]]))
    >>> table
    array([[2, 0],
           [1, 1]])
    """
    pred, gt = _pair(pred, gt)
    pred_ids, p = np.unique(pred.ravel(), return_inverse=True)
    gt_ids, g = np.unique(gt.ravel(), return_inverse=True)
    table = np.bincount(p * gt_ids.size + g, minlength=pred_ids.size * gt_ids.size)
    return table.reshape(pred_ids.size, gt_ids.size).astype(np.int64), pred_ids, gt_ids


def hungarian_match(pred, gt) -> dict:
    """One-to-one matching of predicted labels to ground-truth labels.

    Solves the assignment problem that maximises the number of pixels on which
    matched labels agree (scipy's ``linear_sum_assignment``, the Hungarian
    algorithm). With more predicted labels than ground-truth ones, the extra
    predicted labels stay unmatched (and are absent from the result); with fewer,
    some ground-truth labels stay unmatched.

    Returns
    -------
    mapping : dict
        ``{predicted label: ground-truth label}``.

    Examples
    --------
    >>> hungarian_match(np.array([[1, 1], [0, 0]]), np.array([[0, 0], [1, 1]]))
    {0: 1, 1: 0}
    """
    from scipy.optimize import linear_sum_assignment

    table, pred_ids, gt_ids = contingency_table(pred, gt)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return {int(pred_ids[r]): int(gt_ids[c]) for r, c in zip(rows, cols)}


def hungarian_scores(pred, gt) -> dict:
    """Pixel accuracy and mIoU after Hungarian matching, in one pass.

    Pixel accuracy = (pixels whose predicted label is matched to their
    ground-truth label) / (all pixels). For each ground-truth class c matched
    to predicted cluster p, IoU_c = |p ∩ c| / |p ∪ c|; an unmatched class has
    IoU 0. mIoU is the mean over ground-truth classes. Unmatched predicted
    clusters count as wrong everywhere.

    References
    ----------
    Ji, Henriques and Vedaldi, "Invariant Information Clustering", ICCV 2019;
    Hamilton et al., "Unsupervised Semantic Segmentation by Distilling Feature
    Correspondences" (STEGO), ICLR 2022.

    Returns
    -------
    scores : dict with ``accuracy``, ``miou`` and ``iou`` (per ground-truth label)
    """
    from scipy.optimize import linear_sum_assignment

    table, pred_ids, gt_ids = contingency_table(pred, gt)
    rows, cols = linear_sum_assignment(table, maximize=True)
    n = table.sum()
    pred_sizes = table.sum(axis=1)
    gt_sizes = table.sum(axis=0)
    iou = np.zeros(gt_ids.size)
    for r, c in zip(rows, cols):
        inter = table[r, c]
        iou[c] = inter / (pred_sizes[r] + gt_sizes[c] - inter)
    return {
        "accuracy": float(table[rows, cols].sum() / n),
        "miou": float(iou.mean()),
        "iou": {int(g): float(v) for g, v in zip(gt_ids, iou)},
    }


def pixel_accuracy(pred, gt) -> float:
    """Fraction of pixels labelled correctly after Hungarian matching.

    See :func:`hungarian_scores` for the formula.

    Examples
    --------
    >>> pred = np.array([[2, 2, 2], [0, 0, 2]])
    >>> gt = np.array([[0, 0, 0], [1, 1, 1]])
    >>> round(pixel_accuracy(pred, gt), 4)
    0.8333
    """
    return hungarian_scores(pred, gt)["accuracy"]


def hungarian_miou(pred, gt) -> float:
    """Mean IoU over ground-truth classes after Hungarian matching.

    See :func:`hungarian_scores` for the formula.

    Examples
    --------
    >>> pred = np.array([[2, 2, 2], [0, 0, 2]])
    >>> gt = np.array([[0, 0, 0], [1, 1, 1]])
    >>> round(hungarian_miou(pred, gt), 4)  # IoUs 3/4 and 2/3
    0.7083
    """
    return hungarian_scores(pred, gt)["miou"]


def _best_overlaps(pred, gt):
    table, _, _ = contingency_table(pred, gt)
    pred_sizes = table.sum(axis=1, keepdims=True)
    gt_sizes = table.sum(axis=0, keepdims=True)
    iou = table / (pred_sizes + gt_sizes - table)
    return iou.max(axis=0), gt_sizes.ravel()


def best_overlap_miou(pred, gt, *, split_components: bool = False) -> float:
    """Mean over ground-truth segments of the IoU of their best-matching predicted segment.

    .. math:: \\mathrm{mIoU}_{bo} = \\frac{1}{|G|} \\sum_{g \\in G} \\max_{p \\in P}
              \\frac{|g \\cap p|}{|g \\cup p|}

    Many-to-one: two ground-truth segments may both pick the same predicted
    segment. This is the per-image protocol used for BSDS500 in the
    unsupervised-CNN work, where predicted clusters are first split into
    connected components (``split_components=True``): a cluster id that covers
    two separate objects is two segments, not one.

    Parameters
    ----------
    pred, gt : (H, W) ndarray of int
    split_components : bool
        Relabel every connected component (4-connectivity) of each predicted
        cluster as a segment of its own before matching.

    Examples
    --------
    >>> pred = np.array([[0, 0, 1, 1], [0, 0, 1, 1]])
    >>> gt = np.array([[0, 0, 0, 1], [0, 0, 0, 1]])
    >>> round(best_overlap_miou(pred, gt), 4)  # (4/6 + 2/4) / 2
    0.5833
    """
    pred, gt = _pair(pred, gt)
    if split_components:
        pred = connected_components(pred)
    best, _ = _best_overlaps(pred, gt)
    return float(best.mean())


def segmentation_covering(pred, gt) -> float:
    """Covering of the ground truth by the prediction (Arbelaez et al., TPAMI 2011).

    .. math:: C(P \\rightarrow G) = \\frac{1}{N} \\sum_{g \\in G} |g| \\max_{p \\in P}
              \\frac{|g \\cap p|}{|g \\cup p|}

    The area-weighted version of :func:`best_overlap_miou`. 1 is perfect.

    Examples
    --------
    >>> pred = np.array([[0, 0, 1, 1], [0, 0, 1, 1]])
    >>> gt = np.array([[0, 0, 0, 1], [0, 0, 0, 1]])
    >>> round(segmentation_covering(pred, gt), 4)  # (6 * 4/6 + 2 * 2/4) / 8
    0.625
    """
    pred, gt = _pair(pred, gt)
    best, sizes = _best_overlaps(pred, gt)
    return float((best * sizes).sum() / sizes.sum())


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


def connected_components(labels, *, connectivity: int = 1) -> np.ndarray:
    """Give each connected piece of each label its own id (0-based).

    Two pixels share a component when they carry the same label and are joined
    by a path of such pixels (``connectivity`` 1: 4-neighbours, 2: 8-neighbours).

    Examples
    --------
    >>> connected_components(np.array([[0, 1, 0], [0, 1, 0]]))
    array([[0, 1, 2],
           [0, 1, 2]])
    """
    from skimage.measure import label as _label

    labels = check_label_map(labels, "labels", allow_negative=True)
    connectivity = check_int(connectivity, "connectivity", min_value=1, max_value=2)
    shifted = labels.astype(np.int64) - labels.min() + 1
    return (_label(shifted, background=0, connectivity=connectivity) - 1).astype(np.int64)


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
    if isinstance(gts, np.ndarray) and gts.ndim == 2:
        gts = [gts]
    if isinstance(gts, np.ndarray) and gts.ndim == 3:
        gts = list(gts)
    if not isinstance(gts, (list, tuple)) or len(gts) == 0:
        raise ValueError(f"`gts` must be a non-empty list of (H, W) label maps; got {describe(gts)}")
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
    from ._validate import check_choice

    check_choice(protocol, "protocol", PROTOCOLS)
    return float(PROTOCOLS[protocol][0](pred, gt))


# ---------------------------------------------------------------------------
# The papers' protocols: segments as detections (Kanezaki, ICASSP 2018)
# ---------------------------------------------------------------------------
#
# Kanezaki (2018) scores a segmentation the way an object detector is scored:
# every predicted segment is a "detection", correct when it overlaps a
# ground-truth segment with an IoU above a threshold (0.5 or 0.7). Precision
# is the fraction of predicted segments that are correct, recall the fraction
# of ground-truth segments that are found, and the paper's table reports the
# average precision (AP). The paper does not say how its segments, which carry
# no confidence score, are ranked for AP; the choice made here is documented
# in :func:`segment_average_precision`.

from ._validate import check_choice, check_float  # noqa: E402  (this section's own checks)

__all__ += [
    "segment_iou_table",
    "segment_matches",
    "segment_precision_recall",
    "segment_pr_curve",
    "segment_average_precision",
    "kanezaki_scores",
    "KANEZAKI_THRESHOLDS",
    "RANKINGS",
]

#: The IoU thresholds of Kanezaki (2018), Table 1.
KANEZAKI_THRESHOLDS = (0.5, 0.7)
#: How predicted segments are ordered for average precision (see :func:`segment_pr_curve`).
RANKINGS = ("area", "tied")


def segment_iou_table(pred, gt, *, split_components: bool = True):
    """IoU of every predicted segment with every ground-truth segment.

    Parameters
    ----------
    pred, gt : (H, W) ndarray of int
        Predicted clusters and one human segmentation.
    split_components : bool
        Split every predicted cluster into its connected components
        (4-connectivity) first, so that the segments are connected regions:
        cluster ids are not objects. Kanezaki (2018) and Kim et al. (2020)
        evaluate this way. The ground truth is used as given.

    Returns
    -------
    iou : (P, G) ndarray of float64
        ``iou[i, j] = |p_i ∩ g_j| / |p_i ∪ g_j|``.
    pred_sizes : (P,) ndarray of int64
        Pixel count of each predicted segment, in the order of ``iou``'s rows
        (segment ids in increasing order; after ``split_components``, ids
        number the components in row-major order of first appearance).
    gt_sizes : (G,) ndarray of int64

    Examples
    --------
    >>> pred = np.array([[0, 0, 1, 0]])   # cluster 0 has two components
    >>> gt = np.array([[0, 0, 1, 1]])
    >>> iou, ps, gs = segment_iou_table(pred, gt)
    >>> iou.round(3), ps
    (array([[1. , 0. ],
           [0. , 0.5],
           [0. , 0.5]]), array([2, 1, 1]))
    """
    pred, gt = _pair(pred, gt)
    if split_components:
        pred = connected_components(pred)
    table, _, _ = contingency_table(pred, gt)
    pred_sizes = table.sum(axis=1)
    gt_sizes = table.sum(axis=0)
    iou = table / (pred_sizes[:, None] + gt_sizes[None, :] - table)
    return iou, pred_sizes, gt_sizes


def _check_threshold(threshold):
    return check_float(threshold, "threshold", min_value=0.0, max_value=1.0, max_inclusive=False)


def _ranking(pred_sizes, rank_by):
    check_choice(rank_by, "rank_by", RANKINGS)
    if rank_by == "area":
        # largest first; equal areas keep the segments' id order (stable sort)
        return np.argsort(-pred_sizes, kind="stable")
    return np.arange(pred_sizes.size)


def _greedy_match(iou, order, threshold):
    """Walk down ``order``; each segment claims its best ground-truth segment if free and above threshold."""
    n_pred, n_gt = iou.shape
    best = iou.argmax(axis=1)
    best_iou = iou[np.arange(n_pred), best]
    correct = np.zeros(n_pred, bool)
    matched = np.full(n_gt, -1, np.int64)
    for i in order:
        j = best[i]
        if best_iou[i] > threshold and matched[j] < 0:
            correct[i] = True
            matched[j] = i
    return correct, matched


def segment_matches(pred, gt, *, threshold: float = 0.5, split_components: bool = True,
                    rank_by: str = "area") -> dict:
    """Match predicted segments to ground-truth segments one to one at an IoU threshold.

    A predicted segment p is *correct* when its best-overlapping ground-truth
    segment g (largest IoU) has ``IoU(p, g) > threshold`` and g has not been
    claimed by an earlier segment; segments are visited in the order given by
    ``rank_by``. This is the matching rule of detection benchmarks (PASCAL
    VOC). For ``threshold >= 0.5`` the order never matters: in a partition, a
    segment can overlap at most one segment of the other partition with
    IoU > 0.5 (more than half of each would have to lie in the other), so
    matches are automatically one to one.

    Parameters
    ----------
    pred, gt : (H, W) ndarray of int
    threshold : float
        IoU a match must exceed, in [0, 1).
    split_components : bool
        See :func:`segment_iou_table`.
    rank_by : {"area", "tied"}
        Visiting order: largest segment first, or segment id order.

    Returns
    -------
    matches : dict
        ``iou`` (P, G), ``pred_sizes`` (P,), ``gt_sizes`` (G,), ``order`` (P,)
        (the visiting order), ``correct`` (P,) bool, ``matched`` (G,) int (the
        row of the predicted segment that found each ground-truth segment, or
        -1).

    Raises
    ------
    ValueError
        For label maps of different shapes, ``threshold`` outside [0, 1) or an
        unknown ``rank_by``.

    Examples
    --------
    >>> gt = np.array([[0, 0, 0, 1, 1, 1]])
    >>> pred = np.array([[0, 0, 1, 1, 1, 1]])
    >>> m = segment_matches(pred, gt, threshold=0.5)
    >>> m["correct"], m["matched"]   # IoUs 2/3 and 3/4
    (array([ True,  True]), array([0, 1]))
    """
    threshold = _check_threshold(threshold)
    iou, pred_sizes, gt_sizes = segment_iou_table(pred, gt, split_components=split_components)
    order = _ranking(pred_sizes, rank_by)
    correct, matched = _greedy_match(iou, order, threshold)
    return {"iou": iou, "pred_sizes": pred_sizes, "gt_sizes": gt_sizes, "order": order,
            "correct": correct, "matched": matched}


def segment_precision_recall(pred, gt, *, threshold: float = 0.5, split_components: bool = True) -> dict:
    """Segment precision, recall and F-measure at an IoU threshold (Kanezaki 2018).

    .. math:: P = \\frac{\\#\\{\\text{correct predicted segments}\\}}{\\#\\{\\text{predicted segments}\\}},
              \\quad R = \\frac{\\#\\{\\text{ground-truth segments found}\\}}{\\#\\{\\text{ground-truth segments}\\}},
              \\quad F = \\frac{2PR}{P + R}

    with correctness as in :func:`segment_matches` (one-to-one, IoU strictly
    above ``threshold``; F = 0 when P = R = 0). Over-segmenting is punished by
    precision (many small segments, few of them correct), under-segmenting by
    recall.

    Parameters
    ----------
    pred, gt : (H, W) ndarray of int
    threshold : float
        In [0, 1); the paper uses 0.5 and 0.7.
    split_components : bool
        See :func:`segment_iou_table` (True: the paper's protocol).

    Returns
    -------
    scores : dict
        ``precision``, ``recall``, ``f_measure`` and the counts ``n_pred``,
        ``n_gt``, ``n_correct``.

    Raises
    ------
    ValueError
        As :func:`segment_matches`.

    References
    ----------
    A. Kanezaki, "Unsupervised image segmentation by backpropagation", ICASSP
    2018 (segments counted correct above an IoU threshold; precision, recall,
    F-measure; AP at IoU 0.5 and 0.7 on the BSDS500 test set).

    Examples
    --------
    >>> gt = np.array([[0, 0, 0, 0, 1, 1, 1, 1]])
    >>> pred = np.array([[0, 0, 0, 1, 1, 1, 2, 2]])   # IoUs with gt: 3/4, -, 2/4
    >>> s = segment_precision_recall(pred, gt, threshold=0.5)
    >>> round(s["precision"], 4), s["recall"], round(s["f_measure"], 4)
    (0.3333, 0.5, 0.4)
    """
    threshold = _check_threshold(threshold)
    iou, pred_sizes, gt_sizes = segment_iou_table(pred, gt, split_components=split_components)
    return _pr_from_table(iou, pred_sizes, threshold)


def _pr_from_table(iou, pred_sizes, threshold):
    order = _ranking(pred_sizes, "area")
    correct, _ = _greedy_match(iou, order, threshold)
    n_pred, n_gt = iou.shape
    n_correct = int(correct.sum())
    p = n_correct / n_pred
    r = n_correct / n_gt
    f = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return {"precision": float(p), "recall": float(r), "f_measure": float(f),
            "n_pred": int(n_pred), "n_gt": int(n_gt), "n_correct": n_correct}


def _curve_from_table(iou, pred_sizes, threshold, rank_by):
    order = _ranking(pred_sizes, rank_by)
    correct, _ = _greedy_match(iou, order, threshold)
    hits = np.cumsum(correct[order])
    ranks = np.arange(1, order.size + 1)
    if rank_by == "tied":
        # no order among the segments: a single operating point
        precision = np.array([hits[-1] / ranks[-1]], float)
        recall = np.array([hits[-1] / iou.shape[1]], float)
    else:
        precision = hits / ranks
        recall = hits / iou.shape[1]
    return precision, recall


def _ap_from_curve(precision, recall):
    # non-interpolated area under the step curve: sum of precision x recall increments
    steps = np.diff(np.concatenate([[0.0], recall]))
    return float(np.sum(precision * steps))


def segment_pr_curve(pred, gt, *, threshold: float = 0.5, split_components: bool = True,
                     rank_by: str = "area"):
    """The precision-recall curve of predicted segments ranked without scores.

    Segments carry no confidence, so an order has to be chosen (see
    :func:`segment_average_precision`). With ``rank_by="area"`` the k-th point
    is the precision and recall of the k largest segments; with
    ``rank_by="tied"`` there is one point, the whole segmentation's
    (:func:`segment_precision_recall`). The last point is always that one.

    Returns
    -------
    precision, recall : (P,) or (1,) ndarray of float64

    Raises
    ------
    ValueError
        As :func:`segment_matches`.

    Examples
    --------
    >>> gt = np.array([[0, 0, 0, 0, 1, 1, 1, 1]])
    >>> pred = np.array([[0, 0, 0, 1, 1, 1, 2, 2]])   # areas 3, 3, 2
    >>> p, r = segment_pr_curve(pred, gt, threshold=0.5)
    >>> p.round(3), r
    (array([1.   , 0.5  , 0.333]), array([0.5, 0.5, 0.5]))
    """
    threshold = _check_threshold(threshold)
    iou, pred_sizes, _ = segment_iou_table(pred, gt, split_components=split_components)
    return _curve_from_table(iou, pred_sizes, threshold, rank_by)


def segment_average_precision(pred, gt, *, threshold: float = 0.5, split_components: bool = True,
                              rank_by: str = "area") -> float:
    """Average precision of predicted segments at an IoU threshold, ranking segments by area.

    .. math:: AP = \\sum_k P(k)\\,\\bigl(R(k) - R(k-1)\\bigr)
              = \\frac{1}{|G|} \\sum_{k\\,:\\,\\text{segment } k \\text{ correct}} P(k)

    where P(k) and R(k) are the precision and recall of the k first segments
    of the ranking (the non-interpolated area under the precision-recall
    curve, as in scikit-learn's ``average_precision_score``).

    **The ranking is our choice.** Kanezaki (2018) reports AP at IoU 0.5 and
    0.7 (Table 1) but an AP needs the detections ordered by a confidence, and
    the paper does not say what orders segments that have none. segkit ranks
    them by area, largest first (``rank_by="area"``): the one "confidence" a
    plain partition carries, and the order in which a person would check
    them. A method scores high when its large segments are right, and the
    long tail of tiny fragments (speckle of k-means, for instance) only lowers
    the end of the curve. With ``rank_by="tied"`` no order is assumed: the
    curve is the single point (R, P) of :func:`segment_precision_recall` and
    AP = P x R, which is about what a detection AP gives when all scores
    tie. :mod:`segkit.evaluation` reports both (``AP`` and ``AP tied``);
    neither is guaranteed to be the paper's computation, so compare with its
    figures as orders of magnitude. Ranking by area is lenient with
    over-segmentation (tiny fragments come last) and rewards coarse
    segmentations whose few large segments are right; ``AP tied`` is harsh
    with fragments (each one lowers P).

    Parameters
    ----------
    pred, gt : (H, W) ndarray of int
    threshold : float
        IoU a match must exceed, in [0, 1) (the paper: 0.5 and 0.7).
    split_components : bool
        See :func:`segment_iou_table` (True: the paper's protocol).
    rank_by : {"area", "tied"}

    Returns
    -------
    ap : float in [0, 1]

    Raises
    ------
    ValueError
        As :func:`segment_matches`.

    References
    ----------
    A. Kanezaki, "Unsupervised image segmentation by backpropagation", ICASSP
    2018 (AP at IoU 0.5 / 0.7 on the 200 BSDS500 test images: k-means
    0.049 / 0.0129, Felzenszwalb-Huttenlocher 0.1161 / 0.0449, the proposed
    CNN 0.1394 / 0.0578). M. Everingham et al., "The PASCAL Visual Object
    Classes (VOC) challenge", IJCV 88, 2010 (the matching rule and AP).

    Examples
    --------
    >>> gt = np.array([[0, 0, 0, 0, 1, 1, 1, 1]])
    >>> pred = np.array([[0, 0, 0, 1, 1, 1, 2, 2]])   # only the first segment is correct
    >>> segment_average_precision(pred, gt)           # P(1) = 1, R jumps by 1/2
    0.5
    >>> round(segment_average_precision(pred, gt, rank_by="tied"), 4)   # P x R = 1/3 x 1/2
    0.1667
    """
    return _ap_from_curve(*segment_pr_curve(pred, gt, threshold=threshold, split_components=split_components,
                                            rank_by=rank_by))


def kanezaki_scores(pred, gt, *, thresholds=KANEZAKI_THRESHOLDS, split_components: bool = True,
                    rank_by: str = "area") -> dict:
    """Kanezaki (2018)'s protocol at several IoU thresholds, from one IoU table.

    Parameters
    ----------
    pred, gt : (H, W) ndarray of int
    thresholds : sequence of float
        Each in [0, 1); default (0.5, 0.7), the paper's.
    split_components : bool
        See :func:`segment_iou_table`.
    rank_by : {"area", "tied"}
        Ranking for AP (see :func:`segment_average_precision`).

    Returns
    -------
    scores : dict
        ``{"precision@0.5": ..., "recall@0.5": ..., "f_measure@0.5": ...,
        "ap@0.5": ..., "precision@0.7": ..., ...}`` (keys use ``f"{t:g}"``).

    Raises
    ------
    ValueError
        For an empty ``thresholds`` or as :func:`segment_matches`.

    Examples
    --------
    >>> gt = np.array([[0, 0, 0, 0, 1, 1, 1, 1]])
    >>> pred = np.array([[0, 0, 0, 1, 1, 1, 2, 2]])
    >>> s = kanezaki_scores(pred, gt)
    >>> s["ap@0.5"], s["recall@0.7"], s["ap@0.7"]
    (0.5, 0.5, 0.5)
    """
    if isinstance(thresholds, (int, float)):
        thresholds = (thresholds,)
    thresholds = [_check_threshold(t) for t in thresholds]
    if not thresholds:
        raise ValueError("`thresholds` must hold at least one IoU threshold; got none")
    check_choice(rank_by, "rank_by", RANKINGS)
    iou, pred_sizes, _ = segment_iou_table(pred, gt, split_components=split_components)
    out = {}
    for t in thresholds:
        pr = _pr_from_table(iou, pred_sizes, t)
        key = f"{t:g}"
        out[f"precision@{key}"] = pr["precision"]
        out[f"recall@{key}"] = pr["recall"]
        out[f"f_measure@{key}"] = pr["f_measure"]
        out[f"ap@{key}"] = _ap_from_curve(*_curve_from_table(iou, pred_sizes, t, rank_by))
    return out
