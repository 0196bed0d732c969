"""Invariant Information Clustering (IIC) for segmentation, sized for a CPU.

IIC (Ji, Henriques and Vedaldi, ICCV 2019) trains a network that outputs, for
every pixel, a probability over ``k`` clusters, with no labels at all: two
views of one image (a photometric jitter, and a geometric transform that is
undone before pairing) go through the same network, and the mutual
information between the cluster of a pixel in one view and the clusters of
the pixels near it in the other view is maximised.

One concept per file, each piece a plain function or module so a lesson can
show it alone. Lesson 07 starts with the numpy information theory:

- ``mi.py`` (numpy only): :func:`entropy`, :func:`joint_entropy`,
  :func:`conditional_entropy`, :func:`mutual_information`,
  :func:`information_summary` of a probability table.
- ``joint.py`` (numpy only): :func:`joint_from_labels`, :func:`blend_joint`
  and :func:`iic_objective`, the IIC loss of one table.

then trains the network:

- ``loss.py``: the loss. :func:`iic_joint`, the k x k joint distribution P of
  the paired cluster assignments summed over a local displacement window
  (the paper's convolution and the cheaper box filter), and :func:`iic_loss`,
  ``-sum P (log P - lam log P_i - lam log P_j)`` (``-I`` for ``lam = 1``).
  Start reading there.
- ``views.py``: the paired views. :func:`color_jitter`, :func:`random_affine`,
  :func:`invert_affine`, :func:`warp`, :func:`make_views` and
  :func:`align_to_first`, which undoes the geometric transform on the second
  view's output.
- ``net.py``: :class:`IICNet`, a small VGG-like network with a main head and
  an over-clustering head (the first four of the six convolutions of the
  paper's network "C", at CPU size).
- ``train.py``: :func:`train_iic`, the training loop (seeded, progress via a
  callback), its :class:`IICResult`, and :func:`predict_iic` /
  :func:`segment_iic` for label maps (:func:`images_to_tensor` stacks images).
- ``store.py``: :func:`save_iic` and :func:`load_iic`, a trained network in a
  small file (lesson 07 loads one trained on BSDS500 photographs).
- ``orderings.py``: the raster-scan orderings of Autoregressive Clustering
  (Ouali et al., ECCV 2020) for lesson 7: :data:`AC_ORDERINGS`,
  :func:`ordering_rank` and :func:`ordering_mask`.

Names load on first use (``lazy_loader``), so ``mi.py`` and ``joint.py`` can
be used without torch.

References
----------
Ji, X., Henriques, J. F. and Vedaldi, A. Invariant Information Clustering for
Unsupervised Image Classification and Segmentation. ICCV 2019.

>>> import torch
>>> from segkit import iic
>>> z = torch.zeros(1, 2, 4, 4); z[:, 0, :, :2] = 1; z[:, 1, :, 2:] = 1
>>> round(iic.iic_loss(z, z, window=1).item(), 4)
-0.6931
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(__name__, submodules=[
    "mi", "joint", "loss", "views", "net", "train", "store", "orderings",
], submod_attrs={
    "mi": ["SUM_TOLERANCE", "entropy", "joint_entropy", "conditional_entropy", "mutual_information",
           "marginals", "information_summary"],
    "joint": ["joint_from_labels", "blend_joint", "iic_objective"],
    "loss": ["EPS", "iic_joint", "iic_loss"],
    "views": ["color_jitter", "random_affine", "invert_affine", "warp", "make_views", "align_to_first"],
    "net": ["IICNet"],
    "train": ["IICResult", "train_iic", "predict_iic", "segment_iic", "images_to_tensor"],
    "store": ["save_iic", "load_iic"],
    "orderings": ["AC_ORDERINGS", "ordering_rank", "ordering_mask"],
})
