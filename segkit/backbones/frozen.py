"""What every backbone here shares: frozen, always in eval mode, fed RGB in [0, 1].

A backbone normalises its own input the way its weights were trained, so a
caller never normalises by hand; :func:`_check_images` refuses anything that
is not a (B, 3, H, W) float batch in [0, 1].
"""

from __future__ import annotations

import torch
from torch import nn

from .._validate import describe


def _check_images(x, name: str = "x") -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"`{name}` must be a torch tensor of shape (B, 3, H, W); got {describe(x)}")
    if x.ndim != 4 or x.shape[1] != 3:
        raise ValueError(f"`{name}` must have shape (B, 3, H, W); got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"`{name}` must be a float tensor with values in [0, 1]; got dtype {x.dtype}")
    if x.numel() and (float(x.min()) < 0.0 or float(x.max()) > 1.0):
        raise ValueError(
            f"`{name}` must hold RGB values in [0, 1] (the backbone normalises itself); "
            f"got values in [{float(x.min()):.3g}, {float(x.max()):.3g}]"
        )
    return x


class _FrozenBackbone(nn.Module):
    """Shared behaviour: frozen, always in eval mode, normalises its own input."""

    name = "backbone"
    stride = 1
    out_channels = 0
    pretrained = False
    reason = ""

    def train(self, mode: bool = True):
        # A frozen feature extractor: BatchNorm and dropout stay in inference
        # behaviour whatever the caller asks for.
        return super().train(False)

    def _normalise(self, x):
        return (x - self.mean) / self.std

    def extra_repr(self) -> str:
        return f"name={self.name!r}, out_channels={self.out_channels}, stride={self.stride}, pretrained={self.pretrained}"
