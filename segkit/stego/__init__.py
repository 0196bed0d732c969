"""STEGO-style segmentation: distil a frozen backbone's feature correspondences into clusters.

STEGO (Hamilton et al., ICLR 2022) starts from an observation: the dense
features of a self-supervised backbone already *correlate* semantically, so
pixels of the same kind of thing have similar features, in one image and
across images. It trains only a small head on top of the frozen backbone,
so that the head's codes correlate where the features correlate, and then
clusters the codes.

For two images with features ``f`` (C, H, W) and ``g`` (C, I, J):

* feature correlation (cosine), spatially centred over the second image::

      F[h, w, i, j] = <f[:, h, w], g[:, i, j]> / (|f[:, h, w]| |g[:, i, j]|)
      F[h, w, i, j] -= mean over (i', j') of F[h, w, i', j']

* code correlation ``S`` is the same cosine for the head's codes (no centring);
* the loss per pair of positions is ``-clamp(S, 0) * (F - b)``: where the
  features agree more than the shift ``b`` the codes are pulled together
  (attract), where they agree less they are pushed apart (repel; clamping S at
  0 stops pushing once the codes are orthogonal).

Three pairings are summed, each with its weight λ and shift b: an image with
itself, with one of its k nearest neighbours (by globally pooled features),
and with random other images. Codes come from :class:`StegoHead` (a linear 1x1
convolution plus a 1x1-ReLU-1x1 branch); segments from :func:`cosine_kmeans`
over the codes of all images together (clusters shared across the corpus, as
in STEGO), scored per image by Hungarian matching (:func:`evaluate_segmentations`).

One concept per file, in the order the method runs:

- ``correlation.py``: the correlations F and S (:func:`feature_correlation`,
  :func:`point_correlation`, :func:`code_correlation`). Start reading there.
- ``loss.py``: :func:`correlation_loss` for one pairing, the three-term
  :func:`stego_loss`, and :data:`STEGO_DEFAULTS`.
- ``head.py``: :class:`StegoHead`, the only part that is trained.
- ``train.py``: :func:`nearest_neighbours`, the training loop
  :func:`train_stego` (which returns a :class:`StegoResult`), and
  :func:`compute_codes` of a trained head.
- ``cluster.py``: :func:`cosine_kmeans`, :func:`cluster_maps` (clusters shared
  across images) and :func:`evaluate_segmentations` (Hungarian matching).

Defaults
--------
λ and b default to the STEGO authors' configuration for CocoStuff-27 with
DINO ViT-S (``train_config.yml`` of the reference repository,
"Cocostuff27 vit small 1/31/22"): λ_self 0.67, λ_knn 0.25, λ_rand 0.63,
b_self 0.08, b_knn 0.02, b_rand 0.66; with 11 x 11 sampled positions per image,
7 nearest neighbours, 5 random images per step, a 70-dimensional code, Adam
at learning rate 5e-4 and feature dropout 0.1. Centring follows the paper's
formula (the reference code also adds back the tensor's global mean, which
shifts every b by that mean; ``centre=True`` here does not).

References
----------
.. [1] M. Hamilton, Z. Zhang, B. Hariharan, N. Snavely and W. T. Freeman,
   "Unsupervised semantic segmentation by distilling feature correspondences",
   ICLR 2022.
"""

from __future__ import annotations

from .cluster import cluster_maps, cosine_kmeans, evaluate_segmentations
from .correlation import code_correlation, feature_correlation, point_correlation
from .head import StegoHead
from .loss import STEGO_DEFAULTS, correlation_loss, stego_loss
from .train import StegoResult, compute_codes, nearest_neighbours, train_stego

__all__ = [
    "STEGO_DEFAULTS",
    "feature_correlation",
    "code_correlation",
    "point_correlation",
    "correlation_loss",
    "stego_loss",
    "StegoHead",
    "nearest_neighbours",
    "train_stego",
    "StegoResult",
    "compute_codes",
    "cosine_kmeans",
    "cluster_maps",
    "evaluate_segmentations",
]
