"""The IIC network: a small VGG-like trunk with a main and an over-clustering head.

Deviations from the paper, for a CPU course
-------------------------------------------
The paper's network "C" has 64-128-256-256-512-512 channels and trains for
days on a GPU with Adam at lr 1e-4; :class:`IICNet` keeps its first four
convolutions (two, a max-pool, two more), drops the last two, then adds 1x1
heads upsampled bilinearly, at ``width`` 16-32-64-64 channels, and
:func:`segkit.iic.train_iic` uses lr 1e-3 for a few hundred steps. The paper also feeds Sobel-filtered images to
avoid trivial colour clusters in classification; here the input is RGB.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .._validate import check_choice, check_int

__all__ = ["IICNet"]


def _block(c_in, c_out):
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]


class IICNet(nn.Module):
    """A small VGG-like segmentation network with a main and an over-clustering head.

    ``conv3x3(3->w) -> conv3x3(w->2w) -> maxpool2 -> conv3x3(2w->4w) ->
    conv3x3(4w->4w)`` (each convolution followed by BatchNorm and ReLU), then
    two 1x1 heads with ``k`` and ``k_over`` outputs, a softmax over clusters
    and a bilinear upsampling back to the input size. It keeps the start of
    the paper's segmentation network "C" (two convolutions, a max-pool, two
    more) and stops after four convolutions, where C has six
    (64-128-pool-256-256-512-512 channels), at a CPU-sized width.

    Parameters
    ----------
    k : int
        Clusters of the main head (at least 2).
    k_over : int
        Clusters of the over-clustering head (at least ``k``; the paper uses
        3 to 5 times ``k``).
    width : int, optional
        Channels of the first convolution (16).
    in_channels : int, optional
        3 for RGB.

    Examples
    --------
    >>> net = IICNet(3, 9)
    >>> net(torch.rand(2, 3, 16, 20)).shape
    torch.Size([2, 3, 16, 20])
    >>> net(torch.rand(2, 3, 16, 20), head="over").shape
    torch.Size([2, 9, 16, 20])
    """

    def __init__(self, k=4, k_over=12, *, width=16, in_channels=3):
        super().__init__()
        self.k = check_int(k, "k", min_value=2)
        self.k_over = check_int(k_over, "k_over", min_value=self.k)
        width = check_int(width, "width", min_value=1, max_value=1024)
        in_channels = check_int(in_channels, "in_channels", min_value=1)
        w = width
        self.trunk = nn.Sequential(
            *_block(in_channels, w), *_block(w, 2 * w), nn.MaxPool2d(2),
            *_block(2 * w, 4 * w), *_block(4 * w, 4 * w),
        )
        self.heads = nn.ModuleDict({
            "main": nn.Conv2d(4 * w, self.k, 1),
            "over": nn.Conv2d(4 * w, self.k_over, 1),
        })

    def forward(self, x, head="main"):
        """Cluster probabilities.

        Parameters
        ----------
        x : (B, C, H, W) torch.Tensor
        head : {"main", "over"}

        Returns
        -------
        z : (B, k, H, W) torch.Tensor (``k_over`` channels for ``"over"``)
            Softmax over clusters, at the input resolution.
        """
        head = check_choice(head, "head", ("main", "over"))
        if x.ndim != 4:
            raise ValueError(f"`x` must have shape (B, C, H, W); got shape {tuple(x.shape)}")
        logits = self.heads[head](self.trunk(x))
        logits = F.interpolate(logits, size=x.shape[2:], mode="bilinear", align_corners=False)
        return logits.softmax(dim=1)
