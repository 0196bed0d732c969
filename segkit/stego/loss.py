"""The STEGO loss: codes correlate where the frozen features correlate.

The loss per pair of positions is ``-clamp(S, 0) * (F - b)`` (F and S from
:mod:`segkit.stego.correlation`): where the features agree more than the
shift ``b`` the codes are pulled together (attract), where they agree less
they are pushed apart (repel; clamping S at 0 stops pushing once the codes are
orthogonal). Three pairings are summed, each with its weight λ and shift b: an
image with itself, with one of its k nearest neighbours, and with random other
images (:func:`stego_loss`).
"""

from __future__ import annotations

import torch

from .._validate import check_float
from .correlation import code_correlation, feature_correlation

__all__ = ["STEGO_DEFAULTS", "correlation_loss", "stego_loss"]


#: λ (weight) and b (shift) of the three terms: the STEGO reference
#: configuration for CocoStuff-27 with DINO ViT-S.
STEGO_DEFAULTS = {
    "lambda_self": 0.67,
    "lambda_knn": 0.25,
    "lambda_random": 0.63,
    "b_self": 0.08,
    "b_knn": 0.02,
    "b_random": 0.66,
}


def correlation_loss(f1, f2, c1, c2, *, b: float, centre: bool = True) -> torch.Tensor:
    """STEGO's loss for one pairing, averaged over all pairs of positions.

    ``mean( -clamp(S, 0) * (F - b) )`` with F from :func:`feature_correlation`
    (no gradient: the backbone is frozen) and S from :func:`code_correlation`.

    Parameters
    ----------
    f1, f2 : (B, C, ...) tensors
        Backbone features of the two sides.
    c1, c2 : (B, D, ...) tensors
        Codes of the same positions.
    b : float
        The shift: pairs with F > b attract, pairs with F < b repel.
    centre : bool
        Passed to :func:`feature_correlation`.

    Returns
    -------
    loss : scalar tensor

    Raises
    ------
    ValueError
        If the spatial shapes of features and codes differ.

    Examples
    --------
    >>> f = torch.randn(1, 5, 3, 3)
    >>> round(float(correlation_loss(f, f, f, f, b=0.0, centre=False)), 4) < 0
    True
    """
    b = check_float(b, "b")
    if tuple(f1.shape[2:]) != tuple(c1.shape[2:]) or tuple(f2.shape[2:]) != tuple(c2.shape[2:]):
        raise ValueError(
            "features and codes must cover the same positions: got `f1` "
            f"{tuple(f1.shape)}, `c1` {tuple(c1.shape)}, `f2` {tuple(f2.shape)}, `c2` {tuple(c2.shape)}"
        )
    with torch.no_grad():
        fd = feature_correlation(f1, f2, centre=centre)
    cd = code_correlation(c1, c2)
    return (-cd.clamp(min=0.0) * (fd - b)).mean()


def stego_loss(feats, codes, feats_knn, codes_knn, feats_random, codes_random, *,
               lambda_self=STEGO_DEFAULTS["lambda_self"], lambda_knn=STEGO_DEFAULTS["lambda_knn"],
               lambda_random=STEGO_DEFAULTS["lambda_random"], b_self=STEGO_DEFAULTS["b_self"],
               b_knn=STEGO_DEFAULTS["b_knn"], b_random=STEGO_DEFAULTS["b_random"],
               centre: bool = True) -> dict:
    """The three-term STEGO loss.

    ``λ_self L(x, x; b_self) + λ_knn L(x, knn(x); b_knn) + λ_rand L(x, random; b_rand)``
    with ``L`` from :func:`correlation_loss`.

    Parameters
    ----------
    feats, codes : (B, C, ...) and (B, D, ...) tensors
        The images of the batch.
    feats_knn, codes_knn : tensors
        For each image, a nearest-neighbour image (same batch size).
    feats_random, codes_random : tensors or sequences of tensors
        One or more sets of random other images (each of batch size B).
    lambda_self, lambda_knn, lambda_random, b_self, b_knn, b_random : float
        Weights and shifts; defaults in :data:`STEGO_DEFAULTS`.
    centre : bool

    Returns
    -------
    dict
        ``loss`` (the weighted sum, a scalar tensor with gradient) and the
        unweighted terms ``loss_self``, ``loss_knn``, ``loss_random`` (floats).
    """
    lambdas = [check_float(v, n, min_value=0) for v, n in
               ((lambda_self, "lambda_self"), (lambda_knn, "lambda_knn"), (lambda_random, "lambda_random"))]
    if isinstance(feats_random, torch.Tensor):
        feats_random, codes_random = [feats_random], [codes_random]
    if len(feats_random) != len(codes_random) or not len(feats_random):
        raise ValueError("`feats_random` and `codes_random` must hold the same number (at least 1) of tensors")
    l_self = correlation_loss(feats, feats, codes, codes, b=b_self, centre=centre)
    l_knn = correlation_loss(feats, feats_knn, codes, codes_knn, b=b_knn, centre=centre)
    l_rand = torch.stack([correlation_loss(feats, fr, codes, cr, b=b_random, centre=centre)
                          for fr, cr in zip(feats_random, codes_random)]).mean()
    total = lambdas[0] * l_self + lambdas[1] * l_knn + lambdas[2] * l_rand
    return {"loss": total, "loss_self": float(l_self.detach()), "loss_knn": float(l_knn.detach()),
            "loss_random": float(l_rand.detach())}
