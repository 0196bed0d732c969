"""Losses of the unsupervised CNN (Kanezaki 2018; Kim, Kanezaki and Tanaka 2020).

All functions take the network's response r' as a ``(B, C, H, W)`` tensor
(C = q channels) and return a scalar tensor.

* :func:`feature_similarity_loss`: cross-entropy between the response and its
  own argmax labels (2020), or a given target such as the superpixel-refined
  labels (2018). It pulls every pixel's response towards the channel that
  already wins there, so similar features end up with the same label.
* :func:`continuity_loss`: L1 norm of the vertical and horizontal differences
  of the response, ``mean|r'[y+1,x] - r'[y,x]| + mean|r'[y,x+1] - r'[y,x]|``,
  each mean taken over all elements (the C channels included), as the
  authors' code does. It rewards neighbours with the same response.
* :func:`scribble_loss`: cross-entropy against user scribbles on the labelled
  pixels only.

The training loop (:func:`segkit.cnn.train.train_loop`) minimises their
weighted sum, ``w_sim * sim + mu * con + nu * scr``. Its fast engine for large
images computes the same sum slice by slice in the private module
``segkit.cnn._fast_loss``.

The target of the feature-similarity loss is a constant (the argmax carries
no gradient), exactly as in the papers.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from .._validate import check_int, check_tensor, describe
from .scribbles import UNLABELLED

__all__ = [
    "feature_similarity_loss",
    "continuity_loss",
    "scribble_loss",
    "SCRIBBLE_UNLABELLED",
]

#: Value of unlabelled pixels in a scribble image (255, the authors'
#: convention), defined once in :mod:`segkit.cnn.scribbles`.
SCRIBBLE_UNLABELLED = UNLABELLED


def _check_response(response, name="response", *, min_hw=1):
    check_tensor(response, name, ("B", "C", "H", "W"), kind="float")
    b, c, h, w = response.shape
    if b < 1 or c < 2:
        raise ValueError(f"`{name}` needs B >= 1 and C >= 2 channels; got shape {tuple(response.shape)}")
    if h < min_hw or w < min_hw:
        raise ValueError(
            f"`{name}` must be at least {min_hw}x{min_hw} pixels; got shape {tuple(response.shape)}")


def _check_target(target, response, name):
    b, _, h, w = response.shape
    check_tensor(target, name, ("B", "H", "W"), kind="int", like={"B": b, "H": h, "W": w})
    if target.device != response.device:
        raise ValueError(f"`{name}` is on {target.device} but the response is on {response.device}")


def _check_mask(mask, response):
    b, _, h, w = response.shape
    check_tensor(mask, "mask", ("B", "H", "W"), kind="bool", like={"B": b, "H": h, "W": w})


def feature_similarity_loss(response: torch.Tensor, target: torch.Tensor | None = None, *,
                            mask: torch.Tensor | None = None) -> torch.Tensor:
    """Cross-entropy between the response and its argmax labels (or a given target).

    .. math:: L_{sim} = \\frac{1}{|P|} \\sum_{p \\in P} -\\log
              \\frac{e^{r'_{p, c_p}}}{\\sum_k e^{r'_{p,k}}},
              \\quad c_p = \\arg\\max_k r'_{p,k}

    Parameters
    ----------
    response : (B, C, H, W) tensor
        The response r' (C >= 2 channels).
    target : (B, H, W) integer tensor, optional
        Labels in [0, C). Default: the argmax of ``response`` over channels,
        detached (Kim et al. 2020). Kanezaki (2018) passes the argmax refined
        by a superpixel majority vote.
    mask : (B, H, W) bool tensor, optional
        Pixels P to average over (default: all). With scribbles, the
        unlabelled pixels. If no pixel is selected the loss is 0.

    Returns
    -------
    loss : scalar tensor

    Raises
    ------
    TypeError, ValueError
        If a tensor has the wrong type, dtype or shape.

    Examples
    --------
    >>> r = torch.tensor([[[[2.0]], [[0.0]]]])  # B=1, C=2, H=W=1
    >>> round(float(feature_similarity_loss(r)), 4)  # -log(e^2 / (e^2 + 1))
    0.1269
    """
    _check_response(response)
    if target is None:
        target = response.detach().argmax(dim=1)
    else:
        _check_target(target, response, "target")
        target = target.long()
        if target.numel() and (int(target.min()) < 0 or int(target.max()) >= response.shape[1]):
            raise ValueError(
                f"`target` values must lie in [0, {response.shape[1]}); got "
                f"[{int(target.min())}, {int(target.max())}]")
    if mask is not None:
        _check_mask(mask, response)
        if not bool(mask.any()):
            return response.sum() * 0.0
        target = target.masked_fill(~mask, -100)
    return F.cross_entropy(response, target, ignore_index=-100)


def continuity_loss(response: torch.Tensor) -> torch.Tensor:
    """Spatial-continuity loss: L1 of vertical plus horizontal response differences.

    .. math:: L_{con} = \\operatorname{mean}_{b,c,y,x} |r'_{c,y+1,x} - r'_{c,y,x}|
              + \\operatorname{mean}_{b,c,y,x} |r'_{c,y,x+1} - r'_{c,y,x}|

    Each mean runs over every element of the difference tensor, channels
    included (B C (H-1) W and B C H (W-1) elements), as in the authors' code.

    Parameters
    ----------
    response : (B, C, H, W) tensor
        H >= 2 and W >= 2.

    Returns
    -------
    loss : scalar tensor

    Raises
    ------
    TypeError, ValueError
        If ``response`` is not a floating (B, C, H, W) tensor of at least 2x2 pixels.

    Examples
    --------
    >>> r = torch.zeros(1, 2, 2, 2)
    >>> r[:, :, :, 1] = 1.0  # a vertical edge: every horizontal step is 1
    >>> float(continuity_loss(r))
    1.0
    """
    _check_response(response, min_hw=2)
    dy = response[:, :, 1:, :] - response[:, :, :-1, :]
    dx = response[:, :, :, 1:] - response[:, :, :, :-1]
    return dy.abs().mean() + dx.abs().mean()


def scribble_loss(response: torch.Tensor, scribble: torch.Tensor, *,
                  ignore_index: int = SCRIBBLE_UNLABELLED) -> torch.Tensor:
    """Cross-entropy against scribble labels, averaged over the labelled pixels.

    Parameters
    ----------
    response : (B, C, H, W) tensor
    scribble : (B, H, W) integer tensor
        Class ids in [0, C) on scribbled pixels, ``ignore_index`` elsewhere.
    ignore_index : int
        Value of unlabelled pixels (255, the authors' convention).

    Returns
    -------
    loss : scalar tensor

    Raises
    ------
    TypeError, ValueError
        Wrong tensor types or shapes, labels outside [0, C), or no labelled pixel.

    Examples
    --------
    >>> r = torch.tensor([[[[2.0, 0.0]], [[0.0, 0.0]]]])  # 1x2 image, C=2
    >>> s = torch.tensor([[[0, 255]]])  # only the first pixel is labelled
    >>> round(float(scribble_loss(r, s)), 4)
    0.1269
    """
    _check_response(response)
    scribble, ignore_index, _ = _check_scribble(scribble, response, ignore_index)
    return F.cross_entropy(response, scribble, ignore_index=ignore_index)


def _check_scribble(scribble, response, ignore_index):
    """(scribble as int64, ignore_index, labelled mask), or a clear error; shared with the fast engine."""
    _check_target(scribble, response, "scribble")
    ignore_index = check_int(ignore_index, "ignore_index")
    scribble = scribble.long()
    labelled = scribble != ignore_index
    if not bool(labelled.any()):
        raise ValueError("`scribble` has no labelled pixel (every value equals ignore_index)")
    vals = scribble[labelled]
    if int(vals.min()) < 0 or int(vals.max()) >= response.shape[1]:
        raise ValueError(
            f"`scribble` labels must lie in [0, {response.shape[1]}) or equal {ignore_index}; got "
            f"values in [{int(vals.min())}, {int(vals.max())}]")
    return scribble, ignore_index, labelled
