"""The fast engine of the unsupervised CNN's training loop (private).

The readable loop (:func:`segkit.cnn.train.train_loop`) takes its forward
pass, argmax and loss from an engine. :class:`FastEngine` computes the same
values as the readable one (:data:`segkit.cnn.train.PAPER`) but spares the
memory traffic that dominates at BSDS size. At 321x481 with q = 100 every
activation is 59 MiB, above glibc's 32 MiB ``mmap`` threshold, so each tensor
a plain loop allocates is mapped, faulted in page by page and zeroed by the
kernel, then unmapped; the authors' loop spends about half of its time there.
This engine

* writes the BatchNorm outputs and their gradients into buffers reused from
  one iteration to the next (:func:`buffered_forward`, a hand-written
  BatchNorm backward, statistics from two plain reductions);
* computes the three loss terms and their gradient slice by slice
  (:func:`segkit.cnn._fast_loss.combined_loss`) and the argmax slice by slice
  (``channel_argmax``);
* tells glibc to keep freed memory for reuse while training runs
  (:func:`keep_freed_memory`, scoped and undone afterwards; ``keep_memory``).

It pays only on large images: while one activation stays under glibc's 32 MiB
mmap threshold (``segkit.cnn.FAST_ABOVE_PIXELS`` = 83,886 pixels at q = 100)
the readable engine is as fast (benchmarks/bench_cnn_engines.py).
tests/test_cnn_engines.py checks both engines give the same labels and history.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import sys

import torch

from .._validate import check_int
from .losses import SCRIBBLE_UNLABELLED
from .model import SegNet
from ._fast_loss import channel_argmax, combined_loss

__all__ = ["FastEngine", "Workspace", "buffered_forward", "keep_freed_memory"]


class FastEngine:
    """The loop's forward, argmax, loss and running block, tuned for large images.

    Same interface as :class:`segkit.cnn.train.PaperEngine`; the same values
    up to floating-point rounding.

    Parameters
    ----------
    keep_memory : bool
        Let glibc keep freed memory while the loop runs (:func:`keep_freed_memory`).

    Examples
    --------
    >>> from segkit.cnn.train import Objective, train_loop
    >>> net = SegNet(3, n_channels=6)
    >>> sgd = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    >>> train_loop(net, sgd, torch.rand(1, 3, 10, 12), Objective(), max_iter=3, engine=FastEngine()).n_iter
    3
    """

    name = "fast"

    def __init__(self, *, keep_memory: bool = True):
        self.keep_memory = bool(keep_memory)
        self.workspace = Workspace()

    def forward(self, model, x):
        return buffered_forward(model, x, self.workspace)

    def argmax(self, response):
        return channel_argmax(response)

    def loss(self, response, target, objective):
        scribble = objective.scribble
        unlabelled = None if scribble is None else scribble == SCRIBBLE_UNLABELLED
        total, terms, _ = combined_loss(response, target=target, mask=unlabelled, scribble=scribble,
                                        w_sim=objective.sim_weight, w_con=objective.mu,
                                        w_scr=objective.nu, workspace=self.workspace)
        return total, terms

    @contextlib.contextmanager
    def running(self):
        try:
            with keep_freed_memory(self.keep_memory):
                yield self
        finally:
            self.workspace.clear()


# --------------------------------------------------------------------------- #
# A training forward pass that reuses its large buffers (same values as SegNet.forward)
# --------------------------------------------------------------------------- #

class Workspace:
    """Large tensors kept from one training iteration to the next.

    At 321x481 with q = 100 each activation is 59 MiB, above glibc's ``mmap``
    threshold: a tensor allocated afresh every iteration is mapped, faulted in
    and zeroed by the kernel each time. :func:`buffered_forward` writes the
    BatchNorm outputs and their input gradients into the buffers of a
    ``Workspace`` instead, so that only the convolutions allocate.

    Buffers are created on first use and replaced when the shape, dtype or
    device changes. A buffer is only valid until the next iteration writes it:
    never keep a tensor from :func:`buffered_forward` across iterations
    (the loop keeps only the argmax labels).
    """

    def __init__(self):
        self._bufs = {}

    def get(self, key, like: torch.Tensor) -> torch.Tensor:
        """A contiguous tensor shaped like ``like`` that aliases buffer ``key`` (contents undefined)."""
        buf = self._bufs.get(key)
        if (buf is None or buf.shape != like.shape or buf.dtype != like.dtype
                or buf.device != like.device):
            buf = None
            self._bufs.pop(key, None)
            buf = torch.empty(like.shape, dtype=like.dtype, device=like.device)
            self._bufs[key] = buf
        # a new tensor object on the same storage (not a view), so that autograd
        # metadata never carries over from one iteration to the next
        return torch.empty(0, dtype=buf.dtype, device=buf.device).set_(
            buf.untyped_storage(), 0, buf.shape, buf.stride())

    def clear(self) -> None:
        """Free every buffer."""
        self._bufs.clear()

    @property
    def nbytes(self) -> int:
        """Bytes held."""
        return sum(b.numel() * b.element_size() for b in self._bufs.values())


def _mean_var(x2: torch.Tensor):
    """Per-row mean and biased variance of a (C, N) tensor, fast and without temporaries.

    ``var = E[x^2] - mean^2`` (one reduction each; ``torch.var_mean`` is about
    thirty times slower here). Where cancellation could cost accuracy (mean^2
    large against the variance) the rows are recomputed in two passes.
    """
    n = x2.shape[1]
    mean = x2.sum(dim=1) / n
    sq = torch.linalg.vector_norm(x2, dim=1).square_() / n
    var = (sq - mean.square()).clamp_(min=0.0)
    risky = mean.square() > 4.0 * var
    if bool(risky.any()):
        rows = risky.nonzero().view(-1)
        var[rows] = torch.var(x2[rows], dim=1, unbiased=False)
    return mean, var


class _ReluBatchNorm(torch.autograd.Function):
    """[ReLU (in place) ->] BatchNorm with batch statistics, output and input gradient in buffers.

    Batch size 1 (one image): statistics over the H*W pixels of each channel,
    biased variance, as ``nn.BatchNorm2d`` in training mode.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, eps, relu, ws, out_key, grad_key):
        c = x.shape[1]
        if relu:
            x.relu_()  # x is the fresh output of a convolution, needed by nothing else
        x2 = x.view(c, -1)
        mean, var = _mean_var(x2)
        invstd = torch.rsqrt(var + eps)
        scale = weight * invstd
        shift = bias - mean * scale
        out = ws.get(out_key, x)
        torch.addcmul(shift.view(1, c, 1, 1), x, scale.view(1, c, 1, 1), out=out)
        ctx.save_for_backward(x, weight, mean, invstd)
        ctx.relu, ctx.ws, ctx.grad_key = relu, ws, grad_key
        return out

    @staticmethod
    def backward(ctx, gy):
        x, weight, mean, invstd = ctx.saved_tensors
        c = x.shape[1]
        n = x[0, 0].numel()
        gy = gy.contiguous()
        gy2, x2 = gy.view(c, -1), x.view(c, -1)
        sum_gy = gy2.sum(dim=1)
        sum_gyx = torch.bmm(gy2.unsqueeze(1), x2.unsqueeze(2)).view(c)
        dweight = (sum_gyx - mean * sum_gy) * invstd     # sum(gy * xhat)
        a = weight * invstd
        b = -a * invstd * dweight / n
        k = -a * sum_gy / n - b * mean
        gx = ctx.ws.get(ctx.grad_key, x)
        torch.addcmul(k.view(1, c, 1, 1), gy, a.view(1, c, 1, 1), out=gx)
        gx.addcmul_(x, b.view(1, c, 1, 1))
        if ctx.relu:
            # ReLU's gradient: x is the ReLU output (>= 0), so sign(x) is the 0/1 mask
            # (a multiplication is about twice as fast here as masked_fill_)
            gx.mul_(torch.sign(x))
        return gx, dweight, sum_gy, None, None, None, None, None


def buffered_forward(model: "SegNet", x: torch.Tensor, workspace: Workspace,
                     grad_keys=("grad_a", "grad_b")) -> torch.Tensor:
    """``model(x)`` for training, with its BatchNorm outputs and gradients in ``workspace``.

    Computes the same function as :meth:`SegNet.forward` (up to floating-point
    rounding) and is differentiable with respect to the model's parameters,
    but writes each BatchNorm output, and the gradient that flows back into
    it, into reused buffers. The gradient buffers alternate between the two
    names in ``grad_keys``; the loss should write the gradient of the response
    into ``grad_keys[0]`` (see :func:`segkit.cnn._fast_loss.combined_loss`'s
    ``workspace`` option). Batch size 1 only (one image, as in training).

    Parameters
    ----------
    model : SegNet
    x : (1, in_channels, H, W) tensor
    workspace : Workspace

    Returns
    -------
    response : (1, q, H, W) tensor, valid until the next call.

    Examples
    --------
    >>> net = SegNet(3, n_channels=4)
    >>> x = torch.rand(1, 3, 6, 7)
    >>> bool(torch.allclose(buffered_forward(net, x, Workspace()), net(x), atol=1e-5))
    True
    """
    if not isinstance(model, SegNet):
        raise TypeError(f"`model` must be a SegNet; got {type(model).__name__}")
    if x.ndim != 4 or x.shape[0] != 1 or x.shape[1] != model.in_channels:
        raise ValueError(f"`x` must have shape (1, {model.in_channels}, H, W); got {tuple(x.shape)}")
    layers = list(zip(model.convs, model.bns)) + [(model.final_conv, model.final_bn)]
    n = len(layers)
    h = x
    for i, (conv, bn) in enumerate(layers):
        last = i == n - 1
        # the layer nearest the loss writes into grad_keys[1], the next into [0], ...
        gkey = grad_keys[(n - i) % 2]
        # under bfloat16 autocast (the fast schedule) only the convolution runs in
        # bfloat16: BatchNorm's statistics and buffers stay in x's precision
        h = _ReluBatchNorm.apply(conv(h).to(x.dtype), bn.weight, bn.bias, bn.eps, not last, workspace,
                                 f"out{i}", gkey)
    return h


# --------------------------------------------------------------------------- #
# glibc tuning
# --------------------------------------------------------------------------- #

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: What the thresholds are set back to: the values glibc's adaptive rule itself
#: reaches in a session that handles arrays of 32 MiB or more (its maximum
#: mmap threshold, and twice that for trimming). glibc has no call that
#: restores the adaptive mode once ``mallopt`` has been used.
_RESTORE_MMAP = 32 * 2**20
_RESTORE_TRIM = 64 * 2**20
_keep_depth = 0


def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.mallopt.restype = ctypes.c_int
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows)
        return None


@contextlib.contextmanager
def keep_freed_memory(enabled: bool = True, *, threshold_mib: int = 512):
    """Context manager: let glibc reuse freed memory instead of returning it to the system.

    By default glibc serves every allocation above 32 MiB with a fresh
    ``mmap`` and unmaps it when freed, so a training loop that allocates and
    frees the same 59 MiB activations every iteration makes the kernel map,
    fault in and zero them again and again (about half of the authors' loop's
    time). Inside the block, allocations up to ``threshold_mib`` come from the
    heap and freed memory is kept for reuse. On leaving the outermost block
    the kept memory is released (``malloc_trim``) and the thresholds are set
    to 32 MiB (mmap) and 64 MiB (trim), the values glibc's own adaptive rule
    reaches once large arrays have been used (glibc cannot be put back into
    its adaptive mode).

    Does nothing (and yields False) when ``enabled`` is False or the C library
    is not glibc (macOS, Windows, musl), or when glibc refuses the setting.

    The price: while the block runs the setting is process-wide, and peak
    memory can rise because freed blocks are not returned (about +15% for
    :func:`segkit.segment` at 321x481, see benchmarks/RESULTS.md (section 3)).

    Yields
    ------
    applied : bool

    Examples
    --------
    >>> with keep_freed_memory() as applied:
    ...     x = torch.ones(10)
    """
    global _keep_depth
    threshold_mib = check_int(threshold_mib, "threshold_mib", min_value=1, max_value=2047)
    libc = _libc() if enabled else None
    if libc is None:
        yield False
        return
    nbytes = threshold_mib * 2**20
    applied = bool(libc.mallopt(_M_MMAP_THRESHOLD, nbytes)) and bool(
        libc.mallopt(_M_TRIM_THRESHOLD, min(2 * nbytes, 2**31 - 1)))
    _keep_depth += 1
    try:
        yield applied
    finally:
        _keep_depth -= 1
        if _keep_depth == 0:
            libc.mallopt(_M_MMAP_THRESHOLD, _RESTORE_MMAP)
            libc.mallopt(_M_TRIM_THRESHOLD, _RESTORE_TRIM)
            libc.malloc_trim(0)
