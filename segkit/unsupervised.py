"""Unsupervised segmentation by backpropagation (Kanezaki 2018; Kim, Kanezaki and Tanaka 2020).

A small CNN (:class:`segkit.model.SegNet`) is trained on the very image it
segments. Each iteration takes the argmax of the network's response as
pseudo-labels and pulls the response towards them, so pixels with similar
features end up with the same label; BatchNorm over the image's pixels keeps
many labels alive, and a spatial term (superpixels in 2018, a continuity loss
in 2020) makes neighbours agree. Training stops when the number of distinct
labels falls to ``min_labels`` or after ``max_iter`` iterations.

Entry points
------------
* :func:`segment` - one image, method ``"kim2020"`` (default) or
  ``"kanezaki2018"``, optional scribbles.
* :func:`fit_reference` and :func:`predict` - the 2020 paper's
  reference-image mode: train one network on several images, then segment
  unseen images with no further training.
* :func:`infer_min_labels` - the seminar's heuristic for ``min_labels``.

The loop and its engines
------------------------
:func:`segment` validates its arguments, seeds and builds the network, the
optimiser and (2018) the SLIC superpixels, then runs the papers' loop,
:func:`segkit.cnn.train.train_loop`. ``engine="readable"`` runs it with
``SegNet.forward`` and the plain losses of :mod:`segkit.losses`;
``engine="fast"`` with the private engine of ``segkit.cnn._fast`` (reused
buffers, a sliced loss with a hand-written gradient, glibc told to keep freed
memory: 3.1 times the authors' speed at 321x481, benchmarks/RESULTS.md section
3). ``engine="auto"`` (default) picks the fast one only where it was measured
to be faster, above :data:`segkit.cnn.FAST_ABOVE_PIXELS` pixels at q = 100,
so lesson-size images run the readable loop. Both give the same labels and history
(tests/test_cnn_engines.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from ._threads import with_fitted_threads
from ._validate import check_choice, check_float, check_int, describe
from .io import as_rgb
from .cnn import ENGINES, HISTORY_KEYS, Objective, get_engine, superpixel_target, train_loop
from .cnn._fast import keep_freed_memory
from .losses import SCRIBBLE_UNLABELLED
from .model import SegNet

__all__ = [
    "segment",
    "SegmentationResult",
    "fit_reference",
    "ReferenceFit",
    "predict",
    "infer_min_labels",
    "check_scribble",
    "superpixel_target",
    "keep_freed_memory",
    "METHODS",
]

#: Methods accepted by :func:`segment`.
METHODS = ("kim2020", "kanezaki2018")

#: Values of ``dtype`` accepted by :func:`segment`.
_DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclass
class SegmentationResult:
    """What :func:`segment` returns.

    Attributes
    ----------
    labels : (H, W) ndarray of int64
        The argmax labels of the last forward pass (the one whose label count
        stopped training), renumbered 0, 1, ..., n_labels - 1 in the order of
        the network's channel ids.
    history : dict of lists
        One entry per iteration: ``"loss"`` (the weighted total),
        ``"sim_loss"``, ``"con_loss"``, ``"scr_loss"`` (the unweighted terms;
        ``con_loss`` is reported for ``kanezaki2018`` too, though not
        trained on, and ``scr_loss`` is 0 without scribbles) and
        ``"n_labels"`` (distinct argmax labels before that iteration's update).
    model : SegNet
        The trained network (on the device it was trained on).
    stop_reason : str
        ``"min_labels"`` (the label count reached ``min_labels``),
        ``"max_iter"`` or ``"callback"`` (the callback returned True).
    n_iter : int
        Iterations run (updates made).
    seconds : float
        Wall time of the training loop.
    method : str
    params : dict
        The effective settings (min_labels after scribbles, device, ...).
    """

    labels: np.ndarray
    history: dict
    model: torch.nn.Module
    stop_reason: str
    n_iter: int
    seconds: float
    method: str
    params: dict = field(default_factory=dict)

    @property
    def n_labels(self) -> int:
        """Number of distinct labels in :attr:`labels`."""
        return int(self.labels.max()) + 1

    def __repr__(self):
        h, w = self.labels.shape
        return (f"SegmentationResult(method={self.method!r}, labels={h}x{w}, n_labels={self.n_labels}, "
                f"n_iter={self.n_iter}, stop_reason={self.stop_reason!r}, seconds={self.seconds:.1f})")


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


# --------------------------------------------------------------------------- #
# Validation helpers
# --------------------------------------------------------------------------- #

def _resolve_device(device) -> torch.device:
    if isinstance(device, torch.device):
        dev = device
    elif isinstance(device, str):
        if device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        try:
            dev = torch.device(device)
        except RuntimeError:
            raise ValueError(
                f"`device` must be 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device; got {device!r}"
            ) from None
    else:
        raise TypeError(f"`device` must be 'auto', a device string or a torch.device; got {describe(device)}")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"`device` is {device!r} but CUDA is not available here; use 'cpu' or 'auto'")
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"`device` must be a CPU or CUDA device; got {device!r}")
    return dev


def _check_callback(callback):
    if callback is not None and not callable(callback):
        raise TypeError(f"`callback` must be callable as callback(iteration, info) or None; got "
                        f"{describe(callback)}")


def check_scribble(scribble, shape, n_channels: int = 100) -> np.ndarray:
    """Validate a scribble image and return it as an (H, W) int64 array.

    Parameters
    ----------
    scribble : (H, W) ndarray of int
        255 (:data:`segkit.losses.SCRIBBLE_UNLABELLED`) on unlabelled pixels,
        a class id below ``n_channels`` on scribbled ones (the authors'
        convention: a grayscale PNG the size of the image).
    shape : tuple
        (H, W) of the image.
    n_channels : int
        q; class ids must be below it.

    Returns
    -------
    scribble : (H, W) ndarray of int64 (a new array)

    Raises
    ------
    TypeError
        Not an integer array.
    ValueError
        Wrong shape, labels that are neither 255 nor below ``n_channels``,
        or no labelled pixel.

    Examples
    --------
    >>> s = np.full((4, 5), 255, dtype=np.uint8); s[0, 0] = 1; s[3, 4] = 2
    >>> check_scribble(s, (4, 5)).dtype
    dtype('int64')
    """
    if not isinstance(scribble, np.ndarray):
        raise TypeError(f"`scribble` must be a 2-D integer numpy array; got {describe(scribble)}")
    if scribble.ndim == 3 and scribble.shape[2] == 1:
        scribble = scribble[:, :, 0]
    if scribble.ndim != 2:
        raise ValueError(f"`scribble` must be a 2-D (H, W) label image; got {describe(scribble)}")
    if scribble.dtype.kind not in "iu":
        raise TypeError(f"`scribble` must hold integers (255 = unlabelled); got dtype {scribble.dtype}")
    if tuple(scribble.shape) != tuple(shape[:2]):
        raise ValueError(
            f"`scribble` must have the image's height and width {tuple(shape[:2])}; got {scribble.shape}")
    s = scribble.astype(np.int64)
    labelled = s != SCRIBBLE_UNLABELLED
    if not labelled.any():
        raise ValueError(f"`scribble` has no labelled pixel: every value is {SCRIBBLE_UNLABELLED} (unlabelled)")
    vals = s[labelled]
    if vals.min() < 0 or vals.max() >= n_channels:
        bad = vals[(vals < 0) | (vals >= n_channels)]
        raise ValueError(
            f"`scribble` values must be {SCRIBBLE_UNLABELLED} (unlabelled) or class ids in "
            f"[0, {n_channels}) (n_channels = {n_channels}); got e.g. {int(bad[0])}")
    return s


def infer_min_labels(image) -> int:
    """The seminar's heuristic for ``min_labels``: ``var // 10 + 3``.

    ``var`` is the mean of the per-channel variances of the image on the 0-255
    scale. The idea: busier images deserve more labels. Its author found it
    weak (it mixes texture and contrast with the number of objects), and
    lesson 4 tries it honestly on BSDS images.

    Parameters
    ----------
    image : (H, W[, C]) ndarray
        Anything :func:`segkit.io.as_rgb` accepts.

    Returns
    -------
    min_labels : int
        At least 3.

    Examples
    --------
    >>> infer_min_labels(np.zeros((8, 8, 3), dtype=np.uint8))
    3
    >>> img = np.zeros((8, 8), dtype=np.uint8); img[:, 4:] = 200  # variance 10000
    >>> infer_min_labels(img)
    1003
    """
    rgb = as_rgb(image).astype(np.float64) * 255.0
    var = float(rgb.reshape(-1, 3).var(axis=0).mean())
    return int(var // 10 + 3)


# --------------------------------------------------------------------------- #
# Building what the loop needs
# --------------------------------------------------------------------------- #

def _slic(rgb, n_segments, compactness):
    from skimage.segmentation import slic

    return slic(rgb, n_segments=n_segments, compactness=compactness, start_label=0)


def _to_tensor(rgb, device):
    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1)))[None].to(device)


def _new_model(n_channels, n_conv, seed, device):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = SegNet(3, n_channels=n_channels, n_conv=n_conv)
    return model.to(device).train()


def _renumber(labels: np.ndarray) -> np.ndarray:
    _, inv = np.unique(labels, return_inverse=True)
    return inv.reshape(labels.shape).astype(np.int64)


@with_fitted_threads
def segment(image, method: str = "kim2020", *, mu: float = 1.0, min_labels=None, lr: float = 0.1,
            momentum: float = 0.9, max_iter: int = 1000, n_channels: int = 100, n_conv: int = 2,
            n_segments: int = 10000, compactness: float = 100.0, scribble=None, nu: float = 0.5,
            sim_weight: float = 1.0, seed: int = 0, device="auto", callback=None, keep_memory: bool = True,
            engine: str = "auto", dtype: str = "float32") -> SegmentationResult:
    """Segment one image by training the unsupervised CNN on it.

    Kim, Kanezaki and Tanaka (2020), ``method="kim2020"``, minimise

    .. math:: L = L_{sim}(r', c) + \\mu\\, L_{con}(r')
              \\;[+\\, \\nu\\, L_{scr}(r', s)]

    with c the argmax of the response r' (pixel-wise cross-entropy against
    it), L_con the L1 norm of the response's vertical and horizontal
    differences and, with scribbles, L_sim taken on the unlabelled pixels and
    L_scr the cross-entropy on the scribbled ones. Kanezaki (2018),
    ``method="kanezaki2018"``, replaces c by its majority vote within SLIC
    superpixels and has no continuity term (``mu`` is not used).

    Parameters
    ----------
    image : (H, W[, C]) ndarray
        Anything :func:`segkit.io.as_rgb` accepts (RGB in [0, 1] is fed to
        the network, as in the authors' code). Processed at the size given:
        shrink large images first (:func:`segkit.io.load_image` with
        ``max_side``); time and memory grow with H x W.
    method : {"kim2020", "kanezaki2018"}
    mu : float
        Weight of the continuity loss (``stepsize_con``; 1 in the 2020 demo,
        5 in its reference-image mode). kim2020 only.
    min_labels : int, optional
        Stop when the number of distinct labels falls to this value
        (``minLabels``). Default: 3, or with scribbles the number of scribble
        classes, as in the authors' code. See :func:`infer_min_labels`.
    lr, momentum : float
        SGD settings (0.1 and 0.9).
    max_iter : int
        Maximum number of updates (``maxIter``, 1000).
    n_channels : int
        q, channels and maximal number of labels (``nChannel``, 100).
    n_conv : int
        M, the number of 3x3 conv-ReLU-BN components (``nConv``, 2).
    n_segments, compactness : int, float
        SLIC settings for kanezaki2018 (K = 10,000 and 100, as the authors).
        The superpixels come from ``skimage.segmentation.slic`` (run once,
        about 0.1-0.2 s at BSDS size) rather than :func:`segkit.superpixels.slic`,
        whose pure-numpy version is written for teaching, not speed.
    scribble : (H, W) ndarray of int, optional
        255 on unlabelled pixels, class ids below ``n_channels`` elsewhere
        (kim2020 only). See :func:`check_scribble`.
    nu : float
        Weight of the scribble loss (``stepsize_scr``, 0.5).
    sim_weight : float
        Weight of the similarity loss (``stepsize_sim``, 1).
    seed : int
        Seeds the network's initial weights (the global torch random state is
        left untouched). The same seed gives the same labels on the same
        machine and thread count.
    device : str or torch.device
        "auto" (CUDA when available, else CPU), "cpu", "cuda", "cuda:N".
    callback : callable, optional
        ``callback(iteration, info)`` after every update; ``iteration``
        counts from 0; ``info`` holds the history's keys for this iteration
        (floats and an int), ``"seconds"`` since the start and ``"labels"``
        (the (H, W) argmax labels, channel ids). Returning True stops training
        (``stop_reason="callback"``). The library never prints or draws.
    keep_memory : bool
        Fast engine only: let glibc keep freed memory while training runs
        (:func:`keep_freed_memory`; Linux only, undone afterwards): 1.2 to 3.4
        times faster on CPU at BSDS size in benchmarks/RESULTS.md (section 3), for
        about +15% peak memory (still below the authors' 2020 loop). False
        gives the lowest peak memory.
    engine : {"auto", "readable", "fast"}
        Who computes the loop's forward pass, argmax and loss
        (:func:`segkit.cnn.get_engine`). ``"readable"``: ``SegNet.forward``
        and the plain losses, the code of :mod:`segkit.cnn.train`.
        ``"fast"``: reused buffers and a sliced loss, faster on large images.
        ``"auto"``: fast when one activation (q x H x W values) passes
        glibc's 32 MiB mmap threshold, above 83,886 pixels at q = 100 in
        float32 (:data:`segkit.cnn.FAST_ABOVE_PIXELS`), where it was measured
        to become faster: BSDS images at full size run fast, lesson images
        (320 px) readable.
        The same labels and history either way, up to rounding (see ``dtype``).
    dtype : {"float32", "float64"}
        Precision of the network and the image. float32, as the authors. The
        training map amplifies rounding differences (about 1e-7 per step in
        float32) by orders of magnitude in 20 iterations, so the two engines'
        losses drift apart by up to about 1e-4 relative in float32 and stay
        within 1e-12 in float64: use float64 to compare engines or
        implementations (about twice as slow).

    Returns
    -------
    result : SegmentationResult
        ``labels`` (H, W), ``history``, ``model``, ``stop_reason``,
        ``n_iter``, ``seconds``.

    Raises
    ------
    ValueError, TypeError
        For an unknown method, a value out of range, a scribble that does not
        fit the image, a scribble with kanezaki2018, an unavailable device, or
        a bad image (see :func:`segkit.io.as_rgb`).

    Notes
    -----
    The loop itself is :func:`segkit.cnn.train.train_loop`. The number of
    labels is counted on the argmax of each forward pass, before that
    iteration's update, and training stops after the update, as in the
    authors' loop. ``result.labels`` are those counted labels.

    References
    ----------
    .. [1] A. Kanezaki, "Unsupervised image segmentation by backpropagation",
       ICASSP 2018.
    .. [2] W. Kim, A. Kanezaki and M. Tanaka, "Unsupervised learning of image
       segmentation based on differentiable feature clustering", IEEE TIP 29,
       pp. 8055-8068, 2020.

    Examples
    --------
    >>> img = np.zeros((16, 16, 3), dtype=np.float32); img[:, 8:] = 1.0
    >>> res = segment(img, max_iter=5, n_channels=8, device="cpu")
    >>> res.labels.shape, res.n_iter <= 5, len(res.history["loss"]) == res.n_iter
    ((16, 16), True, True)
    """
    method = check_choice(method, "method", METHODS)
    rgb = as_rgb(image)
    h, w = rgb.shape[:2]
    mu = check_float(mu, "mu", min_value=0)
    lr = check_float(lr, "lr", min_value=0, min_inclusive=False)
    momentum = check_float(momentum, "momentum", min_value=0, max_value=1, max_inclusive=False)
    max_iter = check_int(max_iter, "max_iter", min_value=1)
    n_channels = check_int(n_channels, "n_channels", min_value=2)
    n_conv = check_int(n_conv, "n_conv", min_value=1)
    n_segments = check_int(n_segments, "n_segments", min_value=1)
    compactness = check_float(compactness, "compactness", min_value=0, min_inclusive=False)
    nu = check_float(nu, "nu", min_value=0)
    sim_weight = check_float(sim_weight, "sim_weight", min_value=0)
    seed = check_int(seed, "seed", min_value=0)
    _check_callback(callback)
    if not isinstance(keep_memory, (bool, np.bool_)):
        raise TypeError(f"`keep_memory` must be True or False; got {describe(keep_memory)}")
    engine = check_choice(engine, "engine", ENGINES)
    dtype = check_choice(dtype, "dtype", _DTYPES)
    dev = _resolve_device(device)

    scr = None
    if scribble is not None:
        if method != "kim2020":
            raise ValueError("`scribble` is supported by method='kim2020' only (the 2018 method has no "
                             "scribble loss)")
        scr = check_scribble(scribble, (h, w), n_channels)
    if min_labels is None:
        if scr is not None:
            min_labels = int(np.unique(scr[scr != SCRIBBLE_UNLABELLED]).size)
        else:
            min_labels = 3
    min_labels = check_int(min_labels, "min_labels", min_value=1)

    engine = get_engine(engine, h * w, n_channels=n_channels, dtype=_DTYPES[dtype],
                        keep_memory=bool(keep_memory))

    x = _to_tensor(rgb, dev).to(_DTYPES[dtype])
    scribble_t = segments_t = None
    if scr is not None:
        scribble_t = torch.from_numpy(scr)[None].to(dev)
    if method == "kanezaki2018":
        seg = _slic(rgb, n_segments, compactness)
        _, seg = np.unique(seg.ravel(), return_inverse=True)
        segments_t = torch.from_numpy(seg.reshape(1, h, w).astype(np.int64)).to(dev)
        del seg
    objective = Objective(mu=mu if method == "kim2020" else 0.0, nu=nu, sim_weight=sim_weight,
                          scribble=scribble_t)
    model = _new_model(n_channels, n_conv, seed, dev).to(_DTYPES[dtype])
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    run = train_loop(model, optimizer, x, objective, segments=segments_t, min_labels=min_labels,
                     max_iter=max_iter, callback=callback, engine=engine)
    del optimizer
    params = dict(method=method, mu=mu, min_labels=min_labels, lr=lr, momentum=momentum,
                  max_iter=max_iter, n_channels=n_channels, n_conv=n_conv, n_segments=n_segments,
                  compactness=compactness, nu=nu, sim_weight=sim_weight, seed=seed, device=str(dev),
                  scribble=scr is not None, keep_memory=bool(keep_memory), engine=engine.name,
                  dtype=dtype, shape=(h, w))
    return SegmentationResult(labels=_renumber(run.labels[0].cpu().numpy()), history=run.history,
                              model=model, stop_reason=run.stop_reason, n_iter=run.n_iter,
                              seconds=run.seconds, method=method, params=params)


# --------------------------------------------------------------------------- #
# Reference-image mode (Kim et al. 2020, demo_ref.py)
# --------------------------------------------------------------------------- #

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
    n_channels = check_int(n_channels, "n_channels", min_value=2)
    n_conv = check_int(n_conv, "n_conv", min_value=1)
    seed = check_int(seed, "seed", min_value=0)
    _check_callback(callback)
    if not isinstance(keep_memory, (bool, np.bool_)):
        raise TypeError(f"`keep_memory` must be True or False; got {describe(keep_memory)}")
    engine = check_choice(engine, "engine", ENGINES)
    dev = _resolve_device(device)
    rgbs = []
    for i, img in enumerate(images):
        rgb = as_rgb(img, f"images[{i}]")
        rgbs.append(_resize_square(rgb, size) if size is not None else rgb)

    model = _new_model(n_channels, n_conv, seed, dev)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    objective = Objective(mu=mu, nu=0.0)
    history = {k: [] for k in HISTORY_KEYS + ("image",)}
    t0 = time.perf_counter()
    for i, rgb in enumerate(rgbs):
        done = len(history["image"])

        def on_update(it, info, i=i, done=done):
            info = dict(info, image=i, seconds=time.perf_counter() - t0)
            return callback is not None and callback(done + it, info) is True

        chosen = get_engine(engine, rgb.shape[0] * rgb.shape[1], n_channels=n_channels,
                            keep_memory=bool(keep_memory))
        run = train_loop(model, optimizer, _to_tensor(rgb, dev), objective, min_labels=0,
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
        dev = _resolve_device(device)
    x = _to_tensor(rgb, dev)
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
    return _renumber(labels)
