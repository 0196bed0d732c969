"""STEGO's segmentation head: the small network trained on top of the frozen backbone."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .._validate import check_float, check_int, describe

__all__ = ["StegoHead"]


class StegoHead(nn.Module):
    """STEGO's segmentation head: codes = linear(x) + MLP(x), both 1x1.

    ``code = W1 x + W3 relu(W2 x)`` at every position, with 1x1 convolutions
    (C -> D, and C -> C -> D); dropout on the input features during training.

    Parameters
    ----------
    in_channels : int
        C, the backbone's channels.
    code_dim : int
        D (STEGO's ``dim``, 70 by default).
    dropout : float
        Probability of zeroing a whole feature channel (``Dropout2d``) in
        training mode; STEGO uses 0.1.

    Examples
    --------
    >>> head = StegoHead(40, code_dim=8)
    >>> head(torch.zeros(2, 40, 5, 7)).shape
    torch.Size([2, 8, 5, 7])
    """

    def __init__(self, in_channels: int, code_dim: int = 70, *, dropout: float = 0.1):
        super().__init__()
        in_channels = check_int(in_channels, "in_channels", min_value=1)
        code_dim = check_int(code_dim, "code_dim", min_value=1)
        dropout = check_float(dropout, "dropout", min_value=0.0, max_value=1.0, max_inclusive=False)
        self.in_channels, self.code_dim = in_channels, code_dim
        self.dropout = nn.Dropout2d(dropout)
        self.linear = nn.Conv2d(in_channels, code_dim, kernel_size=1)
        self.nonlinear = nn.Sequential(
            nn.Conv2d(in_channels, in_channels, kernel_size=1),
            nn.ReLU(),
            nn.Conv2d(in_channels, code_dim, kernel_size=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) features -> (B, D, H, W) codes.

        Also accepts (B, C, N) features at N sampled positions (-> (B, D, N)),
        computed with the same weights as matrix products, which is much
        faster than 1x1 convolutions on thin tensors.
        """
        if not isinstance(x, torch.Tensor) or x.ndim not in (3, 4) or x.shape[1] != self.in_channels:
            got = tuple(x.shape) if isinstance(x, torch.Tensor) else describe(x)
            raise ValueError(f"`x` must have shape (B, {self.in_channels}, H, W) or (B, {self.in_channels}, N); "
                             f"got {got}")
        if x.ndim == 4:
            x = self.dropout(x)
            return self.linear(x) + self.nonlinear(x)
        if self.training and self.dropout.p > 0:  # Dropout2d semantics: whole channels per image
            keep = torch.bernoulli(torch.full(x.shape[:2] + (1,), 1.0 - self.dropout.p, device=x.device))
            x = x * keep / (1.0 - self.dropout.p)
        conv1, _, conv2 = self.nonlinear
        xt = x.transpose(1, 2)  # (B, N, C)
        hidden = F.relu(F.linear(xt, conv1.weight[:, :, 0, 0], conv1.bias))
        out = F.linear(xt, self.linear.weight[:, :, 0, 0], self.linear.bias) + \
            F.linear(hidden, conv2.weight[:, :, 0, 0], conv2.bias)
        return out.transpose(1, 2)
