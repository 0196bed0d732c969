"""How many iterations at which size and precision: the papers' schedule and a fast one.

``segment(image, schedule="paper")`` runs the papers' loop as they do: up to
``max_iter`` = 1,000 updates on the full image, in float32. At 321x481 that
is 10 to 30 minutes of CPU per image, because kim2020 rarely reaches
``min_labels`` and runs all 1,000.

``schedule="fast"`` trains the same network on the same loss, but spends most
updates where they are cheap. The network is fully convolutional, so the
weights learnt on a smaller copy of the image apply to the full one:

1. **coarse to fine**: the stages of :data:`FAST_STAGES`: up to 200 updates
   on the image shrunk to half its side (4 times fewer pixels), then 10 at
   full size so that the labels follow the full image's edges. The optimiser
   (and its momentum) carries over from stage to stage; with kanezaki2018
   each stage has its own SLIC superpixels, K scaled with the area. (A
   quarter-size stage was measured and dropped: at that size every edge is
   a blended pixel or two that keeps labels of its own, benchmarks/RESULTS.md
   section 3);
2. **a convergence stop** in every stage: stop when, for ``patience``
   updates in a row, fewer than 0.2% of the pixels change label and the loss
   moves by less than 0.2% (:func:`segkit.cnn.train.train_loop`'s
   ``stable_patience``), besides the papers' ``min_labels`` stop;
3. **bfloat16 convolutions** (:func:`bfloat16_supported`): on CPUs with
   AVX512-BF16 or AMX, and on CUDA devices that support it, the convolutions
   run under ``torch.autocast`` in bfloat16; BatchNorm, the loss and the
   optimiser stay in float32. Elsewhere everything stays float32.

Every result says which schedule produced it (``result.params["schedule"]``,
``result.params["stages"]``). benchmarks/bench_fast_schedule.py measures the
fast schedule against the papers' on BSDS500 val (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass

import torch
from torch.nn import functional as F

__all__ = ["SCHEDULES", "Stage", "FAST_STAGES", "fast_stages", "bfloat16_supported", "Bfloat16Engine", "shrink",
           "train_fast"]

#: Values of ``schedule`` accepted by :func:`segkit.segment`.
SCHEDULES = ("paper", "fast")


@dataclass(frozen=True)
class Stage:
    """One stage of the fast schedule: the image's side times ``scale``, at most ``max_iter`` updates."""

    scale: float
    max_iter: int
    patience: int = 10


#: The fast schedule's stages: up to 200 updates at half the side, then 10 at
#: full size (chosen on nine BSDS500 val images, benchmarks/RESULTS.md section 3).
FAST_STAGES = (Stage(0.5, 200), Stage(1.0, 10, patience=3))

#: The papers' budget of updates (``maxIter``), which :data:`FAST_STAGES` stands for.
PAPER_MAX_ITER = 1000


def fast_stages(max_iter: int = PAPER_MAX_ITER, stages=None) -> tuple:
    """The fast schedule's stages for a budget of ``max_iter`` updates in the papers' schedule.

    The papers' ``maxIter`` keeps its meaning as a budget: the reduced-size
    stages get ``max_iter / 1000`` times their updates (rounded, at least
    one), so 1,000 gives :data:`FAST_STAGES` (200 at half size), 2,000 gives
    400 and 500 gives 100. The full-size stages, which only let the labels
    follow the full image's edges, keep theirs.

    Examples
    --------
    >>> [(s.scale, s.max_iter) for s in fast_stages(2000)]
    [(0.5, 400), (1.0, 10)]
    >>> fast_stages(1000) == FAST_STAGES
    True
    """
    stages = FAST_STAGES if stages is None else tuple(stages)
    return tuple(s if s.scale >= 1.0 else Stage(s.scale, max(1, round(s.max_iter * max_iter / PAPER_MAX_ITER)),
                                                s.patience)
                 for s in stages)


@functools.lru_cache(maxsize=None)
def _cpu_flags() -> frozenset:
    if not sys.platform.startswith("linux"):
        return frozenset()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def bfloat16_supported(device) -> bool:
    """Whether convolutions in bfloat16 are fast on ``device``.

    CPU: the processor has AVX512-BF16 or AMX (``avx512_bf16`` or
    ``amx_bf16`` in /proc/cpuinfo; Linux only, False elsewhere); without them
    PyTorch emulates bfloat16 and is slower than float32. CUDA:
    ``torch.cuda.is_bf16_supported()``.

    Examples
    --------
    >>> bfloat16_supported("cpu") in (True, False)
    True
    """
    device = torch.device(device)
    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    if device.type == "cpu":
        return bool({"avx512_bf16", "amx_bf16"} & _cpu_flags())
    return False


class Bfloat16Engine:
    """An engine whose forward pass runs under bfloat16 autocast; the response comes back in float32.

    Wraps the readable or the fast engine (same interface).
    """

    def __init__(self, inner):
        self.inner = inner
        self.name = f"{inner.name}+bfloat16"

    def forward(self, model, x):
        with torch.autocast(x.device.type, dtype=torch.bfloat16):
            response = self.inner.forward(model, x)
        return response.to(x.dtype)

    def argmax(self, response):
        return self.inner.argmax(response)

    def loss(self, response, target, objective):
        return self.inner.loss(response, target, objective)

    def running(self):
        return self.inner.running()


def shrink(x: torch.Tensor, scale: float) -> torch.Tensor:
    """A (1, C, H, W) image shrunk to ``round(H * scale) x round(W * scale)`` by area averaging.

    Examples
    --------
    >>> shrink(torch.ones(1, 3, 321, 481), 0.25).shape
    torch.Size([1, 3, 80, 120])
    """
    if scale >= 1.0:
        return x
    h, w = x.shape[-2:]
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    return F.interpolate(x, size=size, mode="area")


def train_fast(model, optimizer, x, objective, *, min_labels=3, stages=None, superpixels=None,
               callback=None, engine_at=None, bfloat16=False):
    """The fast schedule: :func:`segkit.cnn.train.train_loop` once per stage, small to full size.

    Parameters
    ----------
    model, optimizer, x, objective, min_labels, callback
        As for :func:`segkit.cnn.train.train_loop` (``x`` at full size). The
        callback's ``iteration`` counts on across stages and its ``info``
        carries ``"stage"`` (0, 1, ...); its labels are at the stage's size.
    stages : sequence of Stage, optional
        Default :data:`FAST_STAGES`. The last one should have ``scale`` 1
        (the labels returned are that stage's).
    superpixels : callable, optional
        ``superpixels(image)`` -> (1, h, w) int64 superpixel ids for a
        (1, 3, h, w) image, scaled by the caller (kanezaki2018); None for
        kim2020.
    engine_at : callable, optional
        ``engine_at(n_pixels)`` -> the engine for a stage of that many pixels
        (default: the readable one).
    bfloat16 : bool
        Run the convolutions under bfloat16 autocast (:class:`Bfloat16Engine`).

    Returns
    -------
    result : LoopResult
        ``history`` concatenated over the stages, ``n_iter`` and ``seconds``
        summed, ``stop_reason`` the last stage's, plus ``stages``: one dict
        per stage (``scale``, ``shape``, ``n_iter``, ``seconds``,
        ``stop_reason``).

    Examples
    --------
    >>> from segkit.cnn.model import SegNet
    >>> from segkit.cnn.train import Objective
    >>> net = SegNet(3, n_channels=6)
    >>> sgd = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    >>> out = train_fast(net, sgd, torch.rand(1, 3, 16, 20), Objective(), stages=(Stage(0.5, 3), Stage(1.0, 2)))
    >>> [s["shape"] for s in out.stages], out.labels.shape
    ([(8, 10), (16, 20)], torch.Size([1, 16, 20]))
    """
    from .train import PAPER, LoopResult, train_loop

    engine_at = engine_at or (lambda n_pixels: PAPER)
    stages = FAST_STAGES if stages is None else stages
    history, done, seconds, info = None, 0, 0.0, []
    run = None
    for number, stage in enumerate(stages):
        xs = shrink(x, stage.scale)
        segments = None if superpixels is None else superpixels(xs)
        engine = engine_at(xs.shape[-2] * xs.shape[-1])
        if bfloat16:
            engine = Bfloat16Engine(engine)

        def stage_callback(iteration, row, _offset=done, _number=number):
            return callback(_offset + iteration, dict(row, stage=_number))

        run = train_loop(model, optimizer, xs, objective, segments=segments, min_labels=min_labels,
                         max_iter=stage.max_iter, callback=None if callback is None else stage_callback,
                         engine=engine, stable_patience=stage.patience)
        history = run.history if history is None else {k: history[k] + run.history[k] for k in history}
        done += run.n_iter
        seconds += run.seconds
        info.append(dict(scale=stage.scale, shape=tuple(xs.shape[-2:]), n_iter=run.n_iter,
                         seconds=run.seconds, stop_reason=run.stop_reason, engine=engine.name))
        if run.stop_reason == "callback":
            break
    labels = run.labels
    if labels.shape[-2:] != x.shape[-2:]:            # stopped by the callback before full size
        with torch.no_grad():
            labels = model(x).argmax(dim=1)
    return LoopResult(labels=labels, history=history, stop_reason=run.stop_reason, n_iter=done,
                      seconds=seconds, stages=info)
