"""Feature and code correlations: how alike two positions are, as STEGO measures it.

For two images with features ``f`` (C, H, W) and ``g`` (C, I, J):

* feature correlation (cosine), spatially centred over the second image::

      F[h, w, i, j] = <f[:, h, w], g[:, i, j]> / (|f[:, h, w]| |g[:, i, j]|)
      F[h, w, i, j] -= mean over (i', j') of F[h, w, i', j']

* code correlation ``S`` is the same cosine for the head's codes (no centring).

:func:`point_correlation` is one slice of F: the map of one query position.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from .._validate import check_int, check_tensor, describe

__all__ = ["feature_correlation", "point_correlation", "code_correlation"]


def _check_maps(x, name):
    """(B, C, H, W) maps or (B, C, N) positions."""
    return check_tensor(x, name, ("B", "C", "N", "..."))


def _cosine(a, b, name_a, name_b):
    _check_maps(a, name_a)
    _check_maps(b, name_b)
    if a.shape[:2] != b.shape[:2]:
        raise ValueError(
            f"`{name_a}` and `{name_b}` must have the same batch size and channels; "
            f"got shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    a2 = F.normalize(a.flatten(2), dim=1, eps=1e-10)
    b2 = F.normalize(b.flatten(2), dim=1, eps=1e-10)
    corr = torch.einsum("bcn,bcm->bnm", a2, b2)
    return corr.reshape(a.shape[:1] + a.shape[2:] + b.shape[2:])


def feature_correlation(f1: torch.Tensor, f2: torch.Tensor, *, centre: bool = True) -> torch.Tensor:
    """Cosine correlation F between every position of ``f1`` and every position of ``f2``.

    Parameters
    ----------
    f1 : (B, C, H, W) or (B, C, N) tensor
        Features of the first images.
    f2 : (B, C, I, J) or (B, C, M) tensor
        Features of the second images (may be ``f1`` itself).
    centre : bool
        Subtract, for each position of the first image, the mean of its
        correlations over all positions of the second image (STEGO's spatial
        centring): then F > 0 means "more similar than average".

    Returns
    -------
    F : (B, H, W, I, J) or (B, N, M) tensor
        Values in [-1, 1] before centring.

    Raises
    ------
    ValueError
        Fewer than 3 dimensions, or different batch size / channels.

    Examples
    --------
    >>> f = torch.tensor([[[1.0, 0.0, 1.0]], [[0.0, 1.0, 0.0]]]).permute(1, 0, 2)  # (1, 2, 3)
    >>> feature_correlation(f, f, centre=False)[0]
    tensor([[1., 0., 1.],
            [0., 1., 0.],
            [1., 0., 1.]])
    """
    corr = _cosine(f1, f2, "f1", "f2")
    if centre:
        n_second = f2.ndim - 2
        dims = tuple(range(corr.ndim - n_second, corr.ndim))
        corr = corr - corr.mean(dim=dims, keepdim=True)
    return corr


def point_correlation(query: torch.Tensor, target: torch.Tensor, row: int, col: int, *,
                      centre: bool = True) -> torch.Tensor:
    """The correspondence map of one query position: F[row, col, :, :].

    Parameters
    ----------
    query : (C, H, W) tensor
        Features of the image holding the query point.
    target : (C, I, J) tensor
        Features of the image to look in (may be ``query``).
    row, col : int
        The query position on the query's feature grid.
    centre : bool
        Subtract the map's mean (STEGO's spatial centring).

    Returns
    -------
    heat : (I, J) tensor
        Cosine similarity of the query feature with every target position.

    Raises
    ------
    ValueError
        A position outside the grid, or maps that are not (C, H, W).

    Examples
    --------
    >>> f = torch.zeros(2, 2, 3); f[0, :, 0] = 1; f[1, :, 1:] = 1
    >>> point_correlation(f, f, 0, 0, centre=False)
    tensor([[1., 0., 0.],
            [1., 0., 0.]])
    """
    for t, name in ((query, "query"), (target, "target")):
        if not isinstance(t, torch.Tensor) or t.ndim != 3:
            got = tuple(t.shape) if isinstance(t, torch.Tensor) else describe(t)
            raise ValueError(f"`{name}` must be a (C, H, W) tensor; got {got}")
    row = check_int(row, "row", min_value=0, max_value=query.shape[1] - 1)
    col = check_int(col, "col", min_value=0, max_value=query.shape[2] - 1)
    vec = query[:, row, col][None, :, None]  # (1, C, 1)
    return feature_correlation(vec, target[None], centre=centre)[0, 0]


def code_correlation(c1: torch.Tensor, c2: torch.Tensor) -> torch.Tensor:
    """Cosine correlation S between the codes of every pair of positions (not centred).

    Same shapes as :func:`feature_correlation`.

    >>> c = torch.ones(1, 4, 2, 2)
    >>> code_correlation(c, c).shape
    torch.Size([1, 2, 2, 2, 2])
    """
    return _cosine(c1, c2, "c1", "c2")
