"""DINO ViT-S (Caron et al., 2021): the self-supervised transformer STEGO builds on.

:class:`DinoViTS` is written here; its ``state_dict`` has exactly the keys and
shapes of the official checkpoints (:func:`dino_vits_reference_shapes`, read
from ``segkit/data/dino_vits_keys.json``), so they load with ``strict=True``.
"""

from __future__ import annotations

import json
import math
from importlib import resources

import torch
from torch import nn
from torch.nn import functional as F

from .._validate import check_choice, check_int
from .frozen import _check_images, _FrozenBackbone
from .weights import DINO_WEIGHTS

__all__ = ["DinoViTS", "dino_vits_reference_shapes"]

_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


class _PatchEmbed(nn.Module):
    def __init__(self, patch_size, dim):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x):
        return self.proj(x)


class _Attention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.num_heads, d // self.num_heads).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])  # softmax(q k^T / sqrt(d_h)) v
        return self.proj(out.transpose(1, 2).reshape(b, n, d))


class _Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class _Block(nn.Module):
    def __init__(self, dim, num_heads, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = _Attention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = _Mlp(dim, dim * mlp_ratio)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class DinoViTS(_FrozenBackbone):
    """A ViT-S (DeiT-small shape) whose weights are interchangeable with DINO's.

    12 pre-norm transformer blocks, width 384, 6 heads, MLP ratio 4, a class
    token and learned position embeddings for a 224 x 224 grid, which are
    interpolated (bicubic) to the grid of the actual input. The output is the
    final LayerNorm's patch tokens (the class token is dropped) arranged on
    the patch grid.

    Parameters
    ----------
    patch_size : {8, 16}

    Attributes
    ----------
    name : str
        ``"dino_vits8"`` or ``"dino_vits16"``.
    out_channels : int
        384.
    stride : int
        The patch size.

    Notes
    -----
    Input normalisation: ImageNet mean and standard deviation, as in DINO.
    The input is resized (bilinear) so both sides are multiples of the patch
    size, rounding to the nearest multiple (at least one patch), so the grid
    is about ``round(H / p) x round(W / p)``.

    Examples
    --------
    >>> vit = DinoViTS(patch_size=16)
    >>> len(vit.state_dict())
    150
    >>> vit(torch.rand(1, 3, 32, 48)).shape
    torch.Size([1, 384, 2, 3])
    """

    out_channels = 384

    def __init__(self, patch_size: int = 8):
        super().__init__()
        patch_size = check_int(patch_size, "patch_size")
        if patch_size not in (8, 16):
            raise ValueError(f"`patch_size` must be 8 or 16 (the DINO ViT-S checkpoints); got {patch_size}")
        dim, depth, heads = 384, 12, 6
        self.patch_size = self.stride = patch_size
        self.name = f"dino_vits{patch_size}"
        grid = 224 // patch_size
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, grid * grid + 1, dim))
        self.patch_embed = _PatchEmbed(patch_size, dim)
        self.blocks = nn.ModuleList([_Block(dim, heads, 4) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        self.register_buffer("mean", torch.tensor(_IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(_IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def _position_embedding(self, h, w):
        grid = int(math.isqrt(self.pos_embed.shape[1] - 1))
        cls_pos, patch_pos = self.pos_embed[:, :1], self.pos_embed[:, 1:]
        if (h, w) != (grid, grid):
            patch_pos = patch_pos.reshape(1, grid, grid, -1).permute(0, 3, 1, 2)
            patch_pos = F.interpolate(patch_pos, size=(h, w), mode="bicubic", align_corners=False)
            patch_pos = patch_pos.permute(0, 2, 3, 1).reshape(1, h * w, -1)
        return torch.cat([cls_pos, patch_pos], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) RGB in [0, 1] -> (B, 384, about H/p, about W/p)."""
        x = _check_images(x)
        p = self.patch_size
        size = (max(1, round(x.shape[2] / p)) * p, max(1, round(x.shape[3] / p)) * p)
        if tuple(x.shape[2:]) != size:
            x = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
        x = self.patch_embed(self._normalise(x))  # (B, 384, h, w)
        b, d, h, w = x.shape
        x = x.flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(b, -1, -1), x], dim=1) + self._position_embedding(h, w)
        for block in self.blocks:
            x = block(x)
        x = self.norm(x)[:, 1:]
        return x.transpose(1, 2).reshape(b, d, h, w)


def dino_vits_reference_shapes(name: str = "dino_vits8") -> dict:
    """The documented ``state_dict`` keys and shapes of an official DINO ViT-S checkpoint.

    Read from ``segkit/data/dino_vits_keys.json``, written from the DINO
    architecture (``vit_small``: width 384, depth 12, 6 heads, MLP ratio 4,
    qkv bias, no classification head), not from :class:`DinoViTS`.

    Parameters
    ----------
    name : {"dino_vits8", "dino_vits16"}

    Returns
    -------
    dict
        Key -> shape tuple, 150 entries.

    Examples
    --------
    >>> dino_vits_reference_shapes("dino_vits16")["pos_embed"]
    (1, 197, 384)
    """
    check_choice(name, "name", tuple(DINO_WEIGHTS))
    text = resources.files("segkit").joinpath("data/dino_vits_keys.json").read_text(encoding="utf-8")
    table = json.loads(text)
    return {key: tuple(shape) for key, shape in table[name].items()}
