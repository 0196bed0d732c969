"""Training IIC and reading its label maps.

:func:`train_iic` is the training loop (seeded, progress via a callback): each
step draws random crops, makes two views (:mod:`segkit.iic.views`), runs both
through an :class:`~segkit.iic.net.IICNet`, aligns the second output to the
first and takes an Adam step on :func:`~segkit.iic.loss.iic_loss`, alternating
the over-clustering and the main head. :func:`predict_iic` and
:func:`segment_iic` turn a trained network into probabilities and label maps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .._threads import with_fitted_threads
from .._training import callback_stops, check_callback, record, resolve_device, seeded
from .._validate import as_array, check_bool, check_float, check_int, describe
from ..io import as_rgb
from .loss import _check_window, iic_loss
from .net import IICNet
from .views import align_to_first, make_views

__all__ = ["IICResult", "train_iic", "predict_iic", "segment_iic", "images_to_tensor"]


@dataclass
class IICResult:
    """What :func:`train_iic` returns.

    Attributes
    ----------
    model : IICNet
        The trained network (in eval mode).
    history : dict of lists
        One entry per step under every key: ``"loss"``, ``"head"`` (the head
        trained at that step, ``"over"`` or ``"main"``) and ``"n_labels"``
        (distinct argmax clusters of that head over the batch).
    seconds : float
        Wall-clock training time.
    """

    model: IICNet
    history: dict = field(default_factory=dict)
    seconds: float = 0.0

    def head_losses(self, head: str) -> list:
        """The losses of the steps that trained ``head`` ("main" or "over"), in order."""
        if head not in ("main", "over"):
            raise ValueError(f"`head` must be 'main' or 'over'; got {head!r}")
        return [loss for loss, h in zip(self.history["loss"], self.history["head"]) if h == head]


def images_to_tensor(images):
    """Stack a list of same-sized images into a (N, 3, H, W) float32 tensor.

    Parameters
    ----------
    images : list of (H, W, 3) ndarray
        Anything :func:`segkit.io.as_rgb` accepts, all of one size.

    Returns
    -------
    x : (N, 3, H, W) torch.Tensor

    Raises
    ------
    ValueError
        If the list is empty or the sizes differ.

    Examples
    --------
    >>> images_to_tensor([np.zeros((8, 9, 3)), np.ones((8, 9, 3))]).shape
    torch.Size([2, 3, 8, 9])
    """
    if isinstance(images, np.ndarray) and images.ndim == 3:
        images = [images]
    if not isinstance(images, (list, tuple)) or len(images) == 0:
        raise ValueError(f"`images` must be a non-empty list of (H, W, 3) images; got {describe(images)}")
    arrays = [as_rgb(as_array(im, f"images[{i}]"), f"images[{i}]") for i, im in enumerate(images)]
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"`images` must all have the same size; got sizes {sorted(shapes)}")
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()


def _random_crops(images, n, crop, generator):
    """``n`` random crop x crop patches drawn from a list of (3, H, W) tensors."""
    idx = torch.randint(len(images), (n,), generator=generator)
    out = []
    for i in idx.tolist():
        im = images[i]
        h, w = im.shape[1:]
        y = int(torch.randint(h - crop + 1, (1,), generator=generator))
        x = int(torch.randint(w - crop + 1, (1,), generator=generator))
        out.append(im[:, y:y + crop, x:x + crop])
    return torch.stack(out)


@with_fitted_threads
def train_iic(images, *, k=4, k_over=12, n_steps=300, batch_size=8, crop=64, lr=1e-3, lam=1.0, window=5,
              width=16, jitter=True, max_rotation=15.0, max_scale=0.1, max_shift=0.1, flip=True,
              seed=0, device="auto", callback=None):
    """Train an :class:`IICNet` on a small set of images with the IIC loss.

    Each step draws ``batch_size`` random ``crop`` x ``crop`` patches, makes two
    views (:func:`make_views`), runs both through the network, aligns the
    second output to the first (:func:`align_to_first`) and takes an Adam step
    on :func:`iic_loss`. Steps alternate between the over-clustering head and
    the main head, as the paper alternates its heads (both share the trunk).

    Parameters
    ----------
    images : list of (H, W, 3) ndarray
        Training images (``as_rgb`` inputs), each at least ``crop`` on a side.
    k, k_over : int, optional
        Clusters of the main and the over-clustering head.
    n_steps : int, optional
        Optimiser steps in all (half on each head).
    batch_size, crop : int, optional
        Patches per step and their side in pixels.
    lr : float, optional
        Adam learning rate (the paper: 1e-4 over far longer training).
    lam : float, optional
        Weight of the marginal entropies in :func:`iic_loss`.
    window : int, optional
        Displacement window of :func:`iic_joint` (odd), in pixels.
    width : int, optional
        Width of :class:`IICNet`.
    jitter, max_rotation, max_scale, max_shift, flip
        The second view's transforms (:func:`make_views`). Turn ``flip`` and
        rotations off when orientation is what the clusters should capture.
    seed : int, optional
        Seeds the initial weights, the crops and the views; the caller's
        global torch random state is left as it was.
    device : str or torch.device, optional
        "auto" (CUDA when available, else CPU), "cpu", "cuda", "cuda:N".
    callback : callable, optional
        Called as ``callback(step, info)`` after every step, ``info`` a dict
        with ``"loss"``, ``"head"`` and ``"n_labels"``. A return value of
        ``True`` stops training.

    Returns
    -------
    result : IICResult
        The model (in eval mode), its history and the training time.

    Raises
    ------
    ValueError
        For an empty image list, an image smaller than ``crop``, or an invalid
        knob.

    Examples
    --------
    >>> from segkit.datasets import synthetic_scene
    >>> images = [synthetic_scene((32, 32), seed=s)[0] for s in range(2)]
    >>> result = train_iic(images, k=2, k_over=4, n_steps=2, batch_size=2, crop=16, width=4)
    >>> result.history["head"], len(result.head_losses("main"))
    (['over', 'main'], 1)
    """
    import time

    k = check_int(k, "k", min_value=2)
    k_over = check_int(k_over, "k_over", min_value=k)
    n_steps = check_int(n_steps, "n_steps", min_value=1)
    batch_size = check_int(batch_size, "batch_size", min_value=1)
    crop = check_int(crop, "crop", min_value=8)
    lr = check_float(lr, "lr", min_value=0, min_inclusive=False)
    lam = check_float(lam, "lam", min_value=0)
    window = _check_window(window)
    seed = check_int(seed, "seed", min_value=0)
    jitter = check_bool(jitter, "jitter")
    flip = check_bool(flip, "flip")
    check_callback(callback)
    dev = resolve_device(device)
    if isinstance(images, np.ndarray) and images.ndim == 3:
        images = [images]
    if not isinstance(images, (list, tuple)) or len(images) == 0:
        raise ValueError(f"`images` must be a non-empty list of (H, W, 3) images; got {describe(images)}")
    tensors = []
    for i, im in enumerate(images):
        rgb = as_rgb(as_array(im, f"images[{i}]"), f"images[{i}]")
        if min(rgb.shape[:2]) < crop:
            raise ValueError(f"`images[{i}]` has size {rgb.shape[:2]}, smaller than `crop` = {crop}")
        tensors.append(torch.from_numpy(rgb).permute(2, 0, 1).contiguous())

    generator = torch.Generator().manual_seed(seed)  # crops and views
    history = {"loss": [], "head": [], "n_labels": []}
    t0 = time.perf_counter()
    with seeded(seed):  # the initial weights
        model = IICNet(k, k_over, width=width).to(dev)
        model.train()
        optimiser = torch.optim.Adam(model.parameters(), lr=lr)
        for step in range(n_steps):
            head = "over" if step % 2 == 0 else "main"
            x = _random_crops(tensors, batch_size, crop, generator)
            x1, x2, theta = make_views(x, generator=generator, jitter=jitter, max_rotation=max_rotation,
                                       max_scale=max_scale, max_shift=max_shift, flip=flip)
            z = model(torch.cat([x1, x2]).to(dev), head=head)  # one pass: BatchNorm sees both views
            z1, z2 = z[:batch_size], z[batch_size:]
            z2, mask = align_to_first(z2, theta.to(dev))
            loss = iic_loss(z1, z2, lam=lam, window=window, mask=mask)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            info = {"loss": float(loss.detach()), "head": head,
                    "n_labels": int(z1.detach().argmax(dim=1).unique().numel())}
            record(history, info)
            if callback_stops(callback, step, info):
                break
    model.eval()
    return IICResult(model=model, history=history, seconds=time.perf_counter() - t0)


@torch.no_grad()
@with_fitted_threads
def predict_iic(model, images, *, head="main"):
    """Cluster probabilities of a trained network for one image or a list of same-sized images.

    Parameters
    ----------
    model : IICNet
    images : (H, W, 3) ndarray or list of them
    head : {"main", "over"}

    Returns
    -------
    probs : (N, k, H, W) ndarray of float32

    Examples
    --------
    >>> net = IICNet(2, 4).eval()
    >>> predict_iic(net, np.zeros((16, 16, 3))).shape
    (1, 2, 16, 16)
    """
    if not isinstance(model, IICNet):
        raise TypeError(f"`model` must be an IICNet; got {describe(model)}")
    p = next(model.parameters(), None)
    x = images_to_tensor(images).to(p.device if p is not None else "cpu")
    was_training = model.training
    model.eval()
    try:
        return model(x, head=head).cpu().numpy()
    finally:
        model.train(was_training)


@with_fitted_threads
def segment_iic(model, image, *, head="main"):
    """Label map of one image: the most probable cluster of every pixel.

    Parameters
    ----------
    model : IICNet
    image : (H, W, 3) ndarray
    head : {"main", "over"}

    Returns
    -------
    labels : (H, W) ndarray of int64
        Cluster ids in ``0 .. k - 1`` (the same cluster means the same thing
        in every image: clusters are learnt over the whole training set).

    Examples
    --------
    >>> net = IICNet(2, 4)
    >>> segment_iic(net, np.zeros((16, 16, 3))).shape
    (16, 16)
    """
    return predict_iic(model, [image], head=head)[0].argmax(axis=0).astype(np.int64)
