"""What :func:`segkit.segment` and :func:`segkit.fit_reference` both build:
the image as a tensor, a seeded network, and labels renumbered 0, 1, ..."""

from __future__ import annotations

import numpy as np
import torch

from .._training import seeded
from .model import SegNet


def image_tensor(rgb: np.ndarray, device) -> torch.Tensor:
    """(H, W, 3) float image -> (1, 3, H, W) tensor on ``device``."""
    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1)))[None].to(device)


def new_segnet(n_channels: int, n_conv: int, seed: int, device) -> SegNet:
    """A :class:`SegNet` with weights drawn from ``seed``, in training mode."""
    with seeded(seed):
        model = SegNet(3, n_channels=n_channels, n_conv=n_conv)
    return model.to(device).train()


def renumber(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered 0, 1, ..., n - 1 in the order of their values (int64)."""
    _, inv = np.unique(labels, return_inverse=True)
    return inv.reshape(labels.shape).astype(np.int64)
