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
