"""The 2020 paper's reference-image mode (Kim, Kanezaki and Tanaka, ``demo_ref.py``).

One network is trained on several images, with kim2020's loss and no
``min_labels`` stop (:func:`fit_reference`); it then segments unseen images
with no further training, one forward pass each (:func:`predict`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from .._threads import with_fitted_threads
from .._training import callback_stops, check_callback, resolve_device
from .._validate import check_bool, check_choice, check_float, check_int, describe
from ..io import as_rgb
from ._build import image_tensor, new_segnet, renumber
from .model import MAX_CHANNELS, MAX_CONV
from .engines import ENGINES, get_engine
from .train import HISTORY_KEYS, Objective, train_loop

__all__ = ["fit_reference", "ReferenceFit", "predict"]


@dataclass
class ReferenceFit:
    """What :func:`fit_reference` returns: the trained network and its history.

    Attributes
    ----------
    model : SegNet
    history : dict of lists
        As in :class:`SegmentationResult`, one entry per update, plus
        ``"image"``: the index of the image trained on.
    n_updates : int
    seconds : float
    params : dict
    """

    model: torch.nn.Module
    history: dict
    n_updates: int
    seconds: float
    params: dict = field(default_factory=dict)


def _resize_square(rgb, size):
    from skimage.transform import resize

    out = resize(rgb, (size, size, 3), order=1, anti_aliasing=False, preserve_range=True)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


@with_fitted_threads
def fit_reference(images, *, size=224, mu: float = 5.0, iters_per_image: int = 1000, lr: float = 0.1,
                  momentum: float = 0.9, n_channels: int = 100, n_conv: int = 2, seed: int = 0,
                  device="auto", callback=None, keep_memory: bool = True, engine: str = "auto"
                  ) -> ReferenceFit:
    """Train one network on several images (the 2020 paper's reference-image mode).

    The images are visited in order; each gets ``iters_per_image`` updates of
    ``L_sim + mu * L_con`` (kim2020's loss, no ``min_labels`` stop), as in the
    authors' ``demo_ref.py``: :func:`segkit.cnn.train.train_loop` once per
    image, with one network and one optimiser throughout. Then :func:`predict` segments unseen images with
    the trained network, with no further training: one forward pass each.

    Parameters
    ----------
    images : sequence of images
        Each anything :func:`segkit.io.as_rgb` accepts (sizes may differ).
    size : int or None
        Each image is resized to ``size`` x ``size`` for training (bilinear,
        no anti-aliasing, like the reference's ``cv2.resize``; 224). None
        keeps the images as they are.
    mu : float
        Continuity weight (5 in the reference-image script).
    iters_per_image : int
        Updates per image (``maxUpdate``, 1000).
    lr, momentum, n_channels, n_conv, seed, device, keep_memory, engine
        As in :func:`segment` (``"auto"`` chooses by the size of each
        training image).
    callback : callable, optional
        ``callback(update, info)`` after every update (counted over all
        images), ``info`` holding the history's keys plus ``"image"``,
        ``"seconds"`` since the start and ``"labels"``; returning True stops
        training.

    Returns
    -------
    fit : ReferenceFit
        ``model``, ``history`` (per update), ``n_updates``, ``seconds``.

    Raises
    ------
    ValueError, TypeError
        An empty or non-sequence ``images``, a bad image (the message names
        its index), or a setting out of range.

    Examples
    --------
    >>> imgs = [np.random.default_rng(i).random((12, 14, 3)) for i in range(2)]
    >>> fit = fit_reference(imgs, size=10, iters_per_image=2, n_channels=6, device="cpu")
    >>> fit.n_updates, predict(fit.model, imgs[0]).shape
    (4, (12, 14))
    """
    if isinstance(images, np.ndarray) and images.ndim in (2, 3) and images.dtype != object:
        raise TypeError("`images` must be a sequence of images (a list), not a single image array; "
                        "wrap it in a list")
    try:
        images = list(images)
    except TypeError:
        raise TypeError(f"`images` must be a sequence of images; got {describe(images)}") from None
    if not images:
        raise ValueError("`images` is empty: give at least one image")
    if size is not None:
        size = check_int(size, "size", min_value=8)
    mu = check_float(mu, "mu", min_value=0)
    iters_per_image = check_int(iters_per_image, "iters_per_image", min_value=1)
    lr = check_float(lr, "lr", min_value=0, min_inclusive=False)
    momentum = check_float(momentum, "momentum", min_value=0, max_value=1, max_inclusive=False)
    n_channels = check_int(n_channels, "n_channels", min_value=2, max_value=MAX_CHANNELS)
    n_conv = check_int(n_conv, "n_conv", min_value=1, max_value=MAX_CONV)
    seed = check_int(seed, "seed", min_value=0)
    check_callback(callback)
    keep_memory = check_bool(keep_memory, "keep_memory")
    engine = check_choice(engine, "engine", ENGINES)
    dev = resolve_device(device)
    rgbs = []
    for i, img in enumerate(images):
        rgb = as_rgb(img, f"images[{i}]")
        rgbs.append(_resize_square(rgb, size) if size is not None else rgb)

    model = new_segnet(n_channels, n_conv, seed, dev)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    objective = Objective(mu=mu, nu=0.0)
    history = {k: [] for k in HISTORY_KEYS + ("image",)}
    t0 = time.perf_counter()
    for i, rgb in enumerate(rgbs):
        done = len(history["image"])

        def on_update(it, info, i=i, done=done):
            info = dict(info, image=i, seconds=time.perf_counter() - t0)
            return callback_stops(callback, done + it, info)

        chosen = get_engine(engine, rgb.shape[0] * rgb.shape[1], n_channels=n_channels,
                            keep_memory=bool(keep_memory))
        run = train_loop(model, optimizer, image_tensor(rgb, dev), objective, min_labels=0,
                         max_iter=iters_per_image, callback=on_update, engine=chosen)
        for k in HISTORY_KEYS:
            history[k] += run.history[k]
        history["image"] += [i] * run.n_iter
        if run.stop_reason == "callback":
            break
    del optimizer
    n = len(history["image"])
    params = dict(size=size, mu=mu, iters_per_image=iters_per_image, lr=lr, momentum=momentum,
                  n_channels=n_channels, n_conv=n_conv, seed=seed, device=str(dev), n_images=len(rgbs),
                  engine=engine)
    return ReferenceFit(model=model, history=history, n_updates=n,
                        seconds=time.perf_counter() - t0, params=params)


@with_fitted_threads
def predict(model, image, *, device=None) -> np.ndarray:
    """Segment an image with a trained network, without training it further.

    One forward pass under ``torch.no_grad()``; BatchNorm normalises over the
    pixels of this image (as in the authors' code, which keeps the model in
    training mode). The model is not modified.

    Parameters
    ----------
    model : torch.nn.Module
        E.g. ``fit_reference(...).model`` or ``segment(...).model``: takes
        (1, 3, H, W) and returns (1, q, H, W).
    image : (H, W[, C]) ndarray
        Any size; anything :func:`segkit.io.as_rgb` accepts.
    device : str or torch.device, optional
        Default: the device of the model's parameters.

    Returns
    -------
    labels : (H, W) ndarray of int64
        Argmax channel ids, renumbered 0, 1, ... in channel order.

    Raises
    ------
    TypeError
        If ``model`` is not a torch module.

    Examples
    --------
    >>> from segkit.cnn.model import SegNet
    >>> net = SegNet(3, n_channels=5)
    >>> predict(net, np.zeros((9, 10), dtype=np.uint8)).shape
    (9, 10)
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module (e.g. fit_reference(...).model); got "
                        f"{describe(model)}")
    rgb = as_rgb(image)
    p = next(model.parameters(), None)
    if device is None:
        dev = p.device if p is not None else torch.device("cpu")
    else:
        dev = resolve_device(device)
    x = image_tensor(rgb, dev)
    if p is not None and p.is_floating_point():
        x = x.to(p.dtype)  # a float64 model from segment(..., dtype="float64")
    with torch.no_grad():
        was_training = model.training
        try:
            model.train()  # batch statistics of this image, as in training
            response = model.to(dev)(x)
        finally:
            model.train(was_training)
        labels = response.argmax(dim=1)[0].cpu().numpy()
    del response, x
    return renumber(labels)
