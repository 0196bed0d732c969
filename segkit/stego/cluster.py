"""From codes to segments: cosine k-means shared across images, and the Hungarian-matched scores."""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from .._threads import with_fitted_threads
from .._validate import check_int, describe
from .train import _check_feature_list

__all__ = ["cosine_kmeans", "cluster_maps", "evaluate_segmentations"]


@with_fitted_threads
def cosine_kmeans(x: torch.Tensor, k: int, *, n_iter: int = 50, n_init: int = 3, seed: int = 0):
    """k-means on the unit sphere: assign by largest cosine, centres = normalised means.

    Initialised with k-means++ on the cosine distance ``1 - cos``; the best of
    ``n_init`` runs (highest total cosine to the assigned centres) is kept.

    Parameters
    ----------
    x : (N, D) tensor
        Vectors (normalised inside; zero vectors get an arbitrary direction).
    k : int
        Number of clusters, at most N.
    n_iter, n_init : int
    seed : int

    Returns
    -------
    centres : (k, D) tensor
        Unit vectors.
    labels : (N,) tensor of int64

    Raises
    ------
    ValueError
        If ``x`` is not 2-D or ``k`` is out of range.

    Examples
    --------
    >>> x = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    >>> _, labels = cosine_kmeans(x, 2)
    >>> bool(labels[0] == labels[1]), bool(labels[0] != labels[2])
    (True, True)
    """
    if not isinstance(x, torch.Tensor) or x.ndim != 2:
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else describe(x)
        raise ValueError(f"`x` must be an (N, D) tensor; got {got}")
    k = check_int(k, "k", min_value=1, max_value=x.shape[0])
    n_iter = check_int(n_iter, "n_iter", min_value=1)
    n_init = check_int(n_init, "n_init", min_value=1)
    seed = check_int(seed, "seed", min_value=0)
    x = F.normalize(x.detach().float(), dim=1, eps=1e-10)
    gen = torch.Generator().manual_seed(seed)
    best = None
    for _ in range(n_init):
        # k-means++ seeding
        centres = [x[torch.randint(x.shape[0], (1,), generator=gen)].squeeze(0)]
        dist = (1.0 - x @ centres[0]).clamp_min(0)
        for _ in range(1, k):
            total = float(dist.sum())
            if total <= 0:
                j = torch.randint(x.shape[0], (1,), generator=gen)
            else:
                j = torch.multinomial(dist / total, 1, generator=gen)
            centres.append(x[j].squeeze(0))
            dist = torch.minimum(dist, (1.0 - x @ centres[-1]).clamp_min(0))
        centres = torch.stack(centres)
        labels = None
        for _ in range(n_iter):
            new_labels = (x @ centres.T).argmax(dim=1)
            if labels is not None and torch.equal(new_labels, labels):
                break
            labels = new_labels
            sums = torch.zeros_like(centres).index_add_(0, labels, x)
            empty = sums.norm(dim=1) == 0
            sums[empty] = centres[empty]  # an empty cluster keeps its centre
            centres = F.normalize(sums, dim=1, eps=1e-10)
        labels = (x @ centres.T).argmax(dim=1)
        score = float((x * centres[labels]).sum())
        if best is None or score > best[0]:
            best = (score, centres, labels)
    return best[1], best[2]


@with_fitted_threads
def cluster_maps(maps, k: int, *, shapes=None, seed: int = 0, n_iter: int = 50, n_init: int = 3,
                 max_fit_points: int = 50_000) -> list:
    """Cluster codes (or raw features) of several images into ``k`` shared clusters.

    Cosine k-means is fitted on the positions of all images together (at most
    ``max_fit_points`` of them, drawn at random), so a cluster means the same
    thing in every image, as in STEGO. Each map is then upsampled bilinearly to
    its image size and every pixel takes its most similar centre.

    Parameters
    ----------
    maps : list of (D, h, w) tensors
    k : int
    shapes : list of (H, W), optional
        Output size per image (default: the maps' own grids).
    seed, n_iter, n_init : int
        Passed to :func:`cosine_kmeans` (``seed`` also draws the fitting subset).
    max_fit_points : int

    Returns
    -------
    labels : list of (H, W) ndarray of int32

    Examples
    --------
    >>> m = torch.zeros(2, 4, 4); m[0, :, :2] = 1; m[1, :, 2:] = 1
    >>> cluster_maps([m], 2, shapes=[(8, 8)])[0][0].tolist()
    [0, 0, 0, 0, 1, 1, 1, 1]
    """
    maps = _check_feature_list(maps, "maps")
    if shapes is None:
        shapes = [tuple(m.shape[1:]) for m in maps]
    if len(shapes) != len(maps):
        raise ValueError(f"`shapes` must give one (H, W) per map: got {len(shapes)} for {len(maps)} maps")
    max_fit_points = check_int(max_fit_points, "max_fit_points", min_value=1)
    seed = check_int(seed, "seed", min_value=0)
    x = torch.cat([m.flatten(1).T for m in maps])
    if x.shape[0] > max_fit_points:
        sel = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(seed))[:max_fit_points]
        x = x[sel]
    centres, _ = cosine_kmeans(x, k, n_iter=n_iter, n_init=n_init, seed=seed)
    labels = []
    for m, shape in zip(maps, shapes):
        up = F.interpolate(m[None], size=tuple(int(s) for s in shape), mode="bilinear", align_corners=False)[0]
        up = F.normalize(up, dim=0, eps=1e-10)
        sim = torch.einsum("dhw,kd->khw", up, centres)
        labels.append(sim.argmax(dim=0).numpy().astype(np.int32))
    # relabel in order of first appearance, for stable colours
    return _relabel_by_first_appearance(labels)


def _relabel_by_first_appearance(labels):
    order = []
    for lab in labels:
        _, first = np.unique(lab.ravel(), return_index=True)
        for v in lab.ravel()[np.sort(first)]:
            if v not in order:
                order.append(int(v))
    lut = np.zeros(max(order) + 1, dtype=np.int32)
    lut[order] = np.arange(len(order), dtype=np.int32)
    return [lut[lab] for lab in labels]


def evaluate_segmentations(predictions, ground_truths) -> dict:
    """Hungarian-matched mIoU and pixel accuracy, per image and averaged.

    STEGO's protocol, through :func:`segkit.metrics.score_dataset`: each
    prediction is matched one-to-one to each human annotation of its image;
    an image's score is the mean over its annotators, the reported score the
    mean over images.

    Parameters
    ----------
    predictions : list of (H, W) int arrays
    ground_truths : list of lists of (H, W) int arrays
        One list of annotations per image (a single array is accepted too).

    Returns
    -------
    dict
        ``miou``, ``accuracy`` (floats) and ``per_image`` (list of dicts).

    Raises
    ------
    ValueError
        If the two lists differ in length.

    Examples
    --------
    >>> p = np.array([[0, 0, 1, 1]] * 2)
    >>> evaluate_segmentations([p], [[p, 1 - p]])["miou"]
    1.0
    """
    from ..metrics import score_dataset

    if hasattr(predictions, "__len__") and hasattr(ground_truths, "__len__") \
            and len(predictions) != len(ground_truths):
        raise ValueError(f"`predictions` and `ground_truths` must have the same length; got "
                         f"{len(predictions)} and {len(ground_truths)}")
    scores = score_dataset(predictions, ground_truths, protocols=("hungarian mIoU", "hungarian accuracy"))
    return {"miou": scores["hungarian mIoU"], "accuracy": scores["hungarian accuracy"],
            "per_image": [{"miou": s["hungarian mIoU"], "accuracy": s["hungarian accuracy"]}
                          for s in scores["per_image"]]}
