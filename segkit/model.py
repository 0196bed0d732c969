"""The network of the unsupervised CNN (Kanezaki 2018; Kim, Kanezaki and Tanaka 2020).

A small fully convolutional network that keeps the full image resolution::

    conv3x3(3 -> q) -> ReLU -> BN
    (M - 1) x [conv3x3(q -> q) -> ReLU -> BN]
    conv1x1(q -> q) -> BN                      (no ReLU: the response r')

Its output is a q-channel response per pixel; the argmax over channels is the
label of the pixel. Two details carry the method:

* **BatchNorm over the pixels of the current image.** Every BN layer
  normalises each channel over all pixels of the image it is given (in
  training *and* at prediction), so no channel can win everywhere: the final
  BN is what keeps the argmax from collapsing to one label. The layers are
  built with ``track_running_stats=False``, which makes this true in
  ``train()`` and ``eval()`` mode alike and leaves no running statistics to go
  stale (the authors' scripts keep the model in training mode for the same
  effect).
* **Full resolution.** There is no pooling and no upsampling, so the labels
  follow the image's edges pixel for pixel.

:class:`PlainListNet` reproduces, on purpose, the famous bug of one stored
version of the authors' 2018 script: its middle layers sit in a plain Python
list, so ``model.parameters()`` never sees them and they are never trained.
It exists only for the lesson's exercise; use :class:`SegNet`.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ._validate import check_int

__all__ = ["SegNet", "PlainListNet", "count_parameters", "Workspace", "buffered_forward"]


def _check_sizes(in_channels, n_channels, n_conv):
    in_channels = check_int(in_channels, "in_channels", min_value=1)
    n_channels = check_int(n_channels, "n_channels", min_value=2)
    n_conv = check_int(n_conv, "n_conv", min_value=1)
    return in_channels, n_channels, n_conv


class SegNet(nn.Module):
    """The unsupervised-segmentation CNN, with its layers registered properly.

    Parameters
    ----------
    in_channels : int
        Channels of the input image (3 for RGB).
    n_channels : int
        q, the number of feature channels and the largest number of labels
        (the papers' ``nChannel``, default 100).
    n_conv : int
        M, the number of 3x3 conv-ReLU-BN components (``nConv``, default 2).

    Attributes
    ----------
    convs : nn.ModuleList
        The M 3x3 convolutions (the first maps ``in_channels`` to q).
    bns : nn.ModuleList
        The M BatchNorm layers that follow them.
    final_conv : nn.Conv2d
        The 1x1 convolution.
    final_bn : nn.BatchNorm2d
        The final BatchNorm, whose output is the response r'.

    Notes
    -----
    Input ``(B, in_channels, H, W)`` float, output ``(B, q, H, W)``. Weights
    keep PyTorch's default initialisation, as in the authors' code (the 2018
    paper mentions Xavier initialisation; the code does not use it). The ReLU
    is applied in place, which changes no value and saves one activation per
    layer.

    References
    ----------
    .. [1] A. Kanezaki, "Unsupervised image segmentation by backpropagation",
       ICASSP 2018.
    .. [2] W. Kim, A. Kanezaki and M. Tanaka, "Unsupervised learning of image
       segmentation based on differentiable feature clustering", IEEE TIP 29,
       2020.

    Examples
    --------
    >>> net = SegNet(3, n_channels=8, n_conv=2)
    >>> net(torch.rand(1, 3, 12, 16)).shape
    torch.Size([1, 8, 12, 16])
    >>> len(net.convs), isinstance(net.final_bn, nn.BatchNorm2d)
    (2, True)
    """

    def __init__(self, in_channels: int = 3, n_channels: int = 100, n_conv: int = 2):
        super().__init__()
        in_channels, n_channels, n_conv = _check_sizes(in_channels, n_channels, n_conv)
        self.in_channels = in_channels
        self.n_channels = n_channels
        self.n_conv = n_conv
        self.convs = nn.ModuleList()
        self.bns = nn.ModuleList()
        for i in range(n_conv):
            c_in = in_channels if i == 0 else n_channels
            self.convs.append(nn.Conv2d(c_in, n_channels, kernel_size=3, stride=1, padding=1))
            self.bns.append(nn.BatchNorm2d(n_channels, track_running_stats=False))
        self.final_conv = nn.Conv2d(n_channels, n_channels, kernel_size=1, stride=1, padding=0)
        self.final_bn = nn.BatchNorm2d(n_channels, track_running_stats=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Response r' of shape (B, q, H, W) for an input of shape (B, in_channels, H, W)."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"input must be a torch.Tensor of shape (B, C, H, W); got {type(x).__name__}")
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"input must have shape (B, {self.in_channels}, H, W); got {tuple(x.shape)}")
        for conv, bn in zip(self.convs, self.bns):
            x = bn(F.relu(conv(x), inplace=True))
        return self.final_bn(self.final_conv(x))


class PlainListNet(nn.Module):
    """BUGGY on purpose: the reference's middle layers kept in a plain list.

    This is the network of one stored version of Kanezaki's 2018 script,
    reproduced for the lesson's exercise. The first conv-ReLU-BN component and
    the final 1x1 conv + BN are attributes (registered), but the (M - 1)
    middle components live in ordinary Python lists. ``nn.Module`` registers
    only modules assigned as attributes or held in ``nn.ModuleList`` /
    ``nn.ModuleDict``, so the middle layers are missing from
    ``parameters()`` (the optimiser never updates them: they keep their random
    initial weights), from ``state_dict()`` (they are not saved) and from
    ``.to(device)`` (the authors had to move them by hand). The forward pass
    still uses them, so nothing crashes: that is what makes the bug hard to
    see. Use :class:`SegNet`.

    Parameters
    ----------
    in_channels, n_channels, n_conv : int
        As in :class:`SegNet`.

    Examples
    --------
    >>> good, bad = SegNet(3, 8, 2), PlainListNet(3, 8, 2)
    >>> count_parameters(good) - count_parameters(bad)  # the unregistered middle layer
    600
    """

    def __init__(self, in_channels: int = 3, n_channels: int = 100, n_conv: int = 2):
        super().__init__()
        in_channels, n_channels, n_conv = _check_sizes(in_channels, n_channels, n_conv)
        self.in_channels = in_channels
        self.n_channels = n_channels
        self.n_conv = n_conv
        self.conv1 = nn.Conv2d(in_channels, n_channels, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(n_channels, track_running_stats=False)
        self.conv2 = []  # the bug: a plain list, invisible to nn.Module
        self.bn2 = []
        for _ in range(n_conv - 1):
            self.conv2.append(nn.Conv2d(n_channels, n_channels, kernel_size=3, padding=1))
            self.bn2.append(nn.BatchNorm2d(n_channels, track_running_stats=False))
        self.final_conv = nn.Conv2d(n_channels, n_channels, kernel_size=1)
        self.final_bn = nn.BatchNorm2d(n_channels, track_running_stats=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Response r' of shape (B, q, H, W); the middle layers run but are never trained."""
        x = self.bn1(F.relu(self.conv1(x), inplace=True))
        for conv, bn in zip(self.conv2, self.bn2):
            x = bn(F.relu(conv(x), inplace=True))
        return self.final_bn(self.final_conv(x))


def count_parameters(model: nn.Module, *, trainable_only: bool = True) -> int:
    """Number of scalar parameters that ``model.parameters()`` reports.

    >>> count_parameters(SegNet(3, n_channels=4, n_conv=1))
    148
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


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
    (``segment`` keeps only the argmax labels).
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
    into ``grad_keys[0]`` (see :func:`segkit.losses.combined_loss`'s
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
        h = _ReluBatchNorm.apply(conv(h), bn.weight, bn.bias, bn.eps, not last, workspace,
                                 f"out{i}", gkey)
    return h
