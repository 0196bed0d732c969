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

from .._validate import check_int

__all__ = ["SegNet", "PlainListNet", "count_parameters"]


#: Upper bounds that only a typo passes (the papers use q = 100 and M = 2): a
#: network of 4,096 channels already needs 4,096 x 4 bytes per pixel per layer.
MAX_CHANNELS = 4096
MAX_CONV = 64


def _check_sizes(in_channels, n_channels, n_conv):
    in_channels = check_int(in_channels, "in_channels", min_value=1)
    n_channels = check_int(n_channels, "n_channels", min_value=2, max_value=MAX_CHANNELS)
    n_conv = check_int(n_conv, "n_conv", min_value=1, max_value=MAX_CONV)
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
