"""Unsupervised segmentation by backpropagation (Kanezaki 2018; Kim, Kanezaki and Tanaka 2020).

A small CNN (:class:`segkit.cnn.model.SegNet`) is trained on the very image it
segments. Each iteration takes the argmax of the network's response as
pseudo-labels and pulls the response towards them, so pixels with similar
features end up with the same label; BatchNorm over the image's pixels keeps
many labels alive, and a spatial term (superpixels in 2018, a continuity loss
in 2020) makes neighbours agree. Training stops when the number of distinct
labels falls to ``min_labels`` or after ``max_iter`` iterations.

* :func:`segment` - one image, method ``"kim2020"`` (default) or
  ``"kanezaki2018"``, optional scribbles.
* :func:`infer_min_labels` - the seminar's heuristic for ``min_labels``.

The 2020 paper's reference-image mode is in :mod:`segkit.cnn.reference`.

:func:`segment` validates its arguments, seeds and builds the network, the
optimiser and (2018) the SLIC superpixels, then runs the papers' loop,
:func:`segkit.cnn.train.train_loop`. ``engine="readable"`` runs it with
``SegNet.forward`` and the plain losses of :mod:`segkit.cnn.losses`;
``engine="fast"`` with the private engine of ``segkit.cnn._fast`` (reused
buffers, a sliced loss with a hand-written gradient, glibc told to keep freed
memory: 3.1 times the authors' speed at 321x481, benchmarks/RESULTS.md section
3). ``engine="auto"`` (default) picks the fast one only where it was measured
to be faster, above :data:`segkit.cnn.FAST_ABOVE_PIXELS` pixels at q = 100,
so lesson-size images run the readable loop. Both give the same labels and history
(tests/test_cnn_engines.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import torch

from .._threads import with_fitted_threads
from .._training import check_callback, resolve_device
from .._validate import check_bool, check_choice, check_float, check_int
from ..io import as_rgb
from ._build import image_tensor, new_segnet, renumber
from .model import MAX_CHANNELS, MAX_CONV
from .engines import ENGINES, get_engine
from .scribbles import UNLABELLED, check_scribble
from .schedule import SCHEDULES, bfloat16_supported, fast_stages, train_fast
from .train import Objective, train_loop

__all__ = ["segment", "SegmentationResult", "infer_min_labels", "METHODS"]

#: Methods accepted by :func:`segment`.
METHODS = ("kim2020", "kanezaki2018")

#: Values of ``dtype`` accepted by :func:`segment`.
DTYPES = {"float32": torch.float32, "float64": torch.float64}


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
        ``"max_iter"``, ``"callback"`` (the callback returned True) or, with
        ``schedule="fast"``, ``"converged"`` (labels and loss stable).
    n_iter : int
        Iterations run (updates made).
    seconds : float
        Wall time of the training loop.
    method : str
    params : dict
        The effective settings (min_labels after scribbles, device,
        ``schedule``; with the fast schedule ``stages``: scale, shape,
        updates, seconds and stop of each stage, and ``bfloat16``).
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


def infer_min_labels(image, *, formula: str = "variance") -> int:
    """The seminar's heuristic for ``min_labels``, in either of its two versions.

    Both measure how colourful the image is on the 0-255 scale, with the idea
    that busier images deserve more labels:

    * ``formula="variance"`` (default), the seminar write-up:
      ``var // 10 + 3`` with ``var`` the mean of the per-channel variances.
      On photographs it gives tens to hundreds (66 to 573 on BSDS images),
      far from the 7 or 8 its author aimed at;
    * ``formula="std"``, the author's own notebook (dontempty/image_segmentation):
      ``int(mean(std_R, std_G, std_B) // 10) + 4``, about 8 to 11 on
      photographs. He used it with the 2018 loop (lr 0.05, 200 iterations,
      1,000 SLIC superpixels).

    Its author found it weak (it mixes texture and contrast with the number of
    objects), and lesson 05 tries both versions honestly on BSDS images.

    Parameters
    ----------
    image : (H, W[, C]) ndarray
        Anything :func:`segkit.io.as_rgb` accepts.
    formula : {"variance", "std"}
        Which version (see above).

    Returns
    -------
    min_labels : int
        At least 3 (``"variance"``) or 4 (``"std"``).

    Raises
    ------
    ValueError
        If ``formula`` is not one of the two, or the image is not an image.

    Examples
    --------
    >>> infer_min_labels(np.zeros((8, 8, 3), dtype=np.uint8))
    3
    >>> img = np.zeros((8, 8), dtype=np.uint8); img[:, 4:] = 200  # variance 10000, std 100
    >>> infer_min_labels(img)
    1003
    >>> infer_min_labels(img, formula="std")
    14
    """
    formula = check_choice(formula, "formula", ("variance", "std"))
    rgb = as_rgb(image).astype(np.float64) * 255.0
    pixels = rgb.reshape(-1, 3)
    if formula == "std":
        return int(float(pixels.std(axis=0).mean()) // 10) + 4
    var = float(pixels.var(axis=0).mean())
    return int(var // 10 + 3)


def _slic_ids(rgb, n_segments, compactness, device):
    """SLIC superpixel ids of an (h, w, 3) image as a (1, h, w) int64 tensor, numbered 0 .. S-1."""
    from skimage.segmentation import slic

    h, w = rgb.shape[:2]
    seg = slic(rgb, n_segments=n_segments, compactness=compactness, start_label=0)
    _, seg = np.unique(seg.ravel(), return_inverse=True)
    return torch.from_numpy(seg.reshape(1, h, w).astype(np.int64)).to(device)


def _stage_slic(xs, *, n_segments, compactness, full_pixels):
    """SLIC ids (1, h, w) of a stage's (1, 3, h, w) image, K scaled with its area (fast schedule)."""
    h, w = xs.shape[-2:]
    k = max(1, round(n_segments * h * w / full_pixels))
    rgb = xs[0].permute(1, 2, 0).detach().cpu().to(torch.float64).numpy()
    return _slic_ids(rgb, k, compactness, xs.device)




@with_fitted_threads
def segment(image, method: str = "kim2020", *, mu: float = 1.0, min_labels=None, lr: float = 0.1,
            momentum: float = 0.9, max_iter: int = 1000, n_channels: int = 100, n_conv: int = 2,
            n_segments: int = 10000, compactness: float = 100.0, scribble=None, nu: float = 0.5,
            sim_weight: float = 1.0, seed: int = 0, device="auto", callback=None, keep_memory: bool = True,
            engine: str = "auto", dtype: str = "float32", schedule: str = "paper") -> SegmentationResult:
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
        Maximum number of updates (``maxIter``, 1000); with
        ``schedule="fast"`` the budget it stands for (see ``schedule``).
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
    schedule : {"paper", "fast"}
        ``"paper"`` (default): the papers' loop on the full image, up to
        ``max_iter`` updates, in ``dtype``. ``"fast"``: the same network and
        loss trained coarse to fine (up to ``max_iter / 5`` updates on the
        image shrunk to half its side, 200 at the default, then 10 at full
        size; :func:`segkit.cnn.schedule.fast_stages`), each stage
        stopping early once labels and loss are stable, with bfloat16
        convolutions where the processor supports them. For full-size images
        (321x481): tens of seconds instead of tens of minutes. See
        :mod:`segkit.cnn.schedule` and benchmarks/RESULTS.md for how its
        results compare with the papers' schedule. No scribbles.
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
    n_channels = check_int(n_channels, "n_channels", min_value=2, max_value=MAX_CHANNELS)
    n_conv = check_int(n_conv, "n_conv", min_value=1, max_value=MAX_CONV)
    n_segments = check_int(n_segments, "n_segments", min_value=1)
    compactness = check_float(compactness, "compactness", min_value=0, min_inclusive=False)
    nu = check_float(nu, "nu", min_value=0)
    sim_weight = check_float(sim_weight, "sim_weight", min_value=0)
    seed = check_int(seed, "seed", min_value=0)
    check_callback(callback)
    keep_memory = check_bool(keep_memory, "keep_memory")
    engine = check_choice(engine, "engine", ENGINES)
    dtype = check_choice(dtype, "dtype", DTYPES)
    schedule = check_choice(schedule, "schedule", SCHEDULES)
    dev = resolve_device(device)

    scr = None
    if scribble is not None:
        if method != "kim2020":
            raise ValueError("`scribble` is supported by method='kim2020' only (the 2018 method has no "
                             "scribble loss)")
        scr = check_scribble(scribble, (h, w), n_channels)
        if schedule == "fast":
            raise ValueError("`scribble` needs schedule='paper': the fast schedule trains on shrunk copies "
                             "of the image, where thin strokes would vanish")
    if min_labels is None:
        if scr is not None:
            min_labels = int(np.unique(scr[scr != UNLABELLED]).size)
        else:
            min_labels = 3
    min_labels = check_int(min_labels, "min_labels", min_value=1)
    if min_labels > n_channels:
        raise ValueError(f"`min_labels` ({min_labels}) must be at most `n_channels` ({n_channels}): the network "
                         f"can never show more labels than it has channels, so training would stop at once")

    engine_name = engine
    engine = get_engine(engine, h * w, n_channels=n_channels, dtype=DTYPES[dtype],
                        keep_memory=bool(keep_memory))

    x = image_tensor(rgb, dev).to(DTYPES[dtype])
    scribble_t = segments_t = None
    if scr is not None:
        scribble_t = torch.from_numpy(scr)[None].to(dev)
    if method == "kanezaki2018" and schedule == "paper":
        segments_t = _slic_ids(rgb, n_segments, compactness, dev)
    objective = Objective(mu=mu if method == "kim2020" else 0.0, nu=nu, sim_weight=sim_weight,
                          scribble=scribble_t)
    model = new_segnet(n_channels, n_conv, seed, dev).to(DTYPES[dtype])
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    bfloat16 = False
    if schedule == "paper":
        run = train_loop(model, optimizer, x, objective, segments=segments_t, min_labels=min_labels,
                         max_iter=max_iter, callback=callback, engine=engine)
    else:
        bfloat16 = dtype == "float32" and bfloat16_supported(dev)
        superpixels = None
        if method == "kanezaki2018":   # each stage its own SLIC, K scaled with the area
            superpixels = functools.partial(_stage_slic, n_segments=n_segments, compactness=compactness,
                                            full_pixels=h * w)
        run = train_fast(model, optimizer, x, objective, min_labels=min_labels, callback=callback,
                         stages=fast_stages(max_iter), superpixels=superpixels, bfloat16=bfloat16,
                         engine_at=lambda n: get_engine(engine_name, n, n_channels=n_channels,
                                                        dtype=DTYPES[dtype], keep_memory=bool(keep_memory)))
    del optimizer
    params = dict(method=method, mu=mu, min_labels=min_labels, lr=lr, momentum=momentum,
                  max_iter=max_iter, n_channels=n_channels, n_conv=n_conv, n_segments=n_segments,
                  compactness=compactness, nu=nu, sim_weight=sim_weight, seed=seed, device=str(dev),
                  scribble=scr is not None, keep_memory=bool(keep_memory), engine=engine.name,
                  dtype=dtype, shape=(h, w), schedule=schedule)
    if run.stages is not None:
        params.update(stages=run.stages, bfloat16=bfloat16)
    return SegmentationResult(labels=renumber(run.labels[0].cpu().numpy()), history=run.history,
                              model=model, stop_reason=run.stop_reason, n_iter=run.n_iter,
                              seconds=run.seconds, method=method, params=params)
