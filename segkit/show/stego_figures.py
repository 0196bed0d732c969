"""Figures for lesson 08 (STEGO-style feature correspondence): presentation only.

* :func:`grid_position` - a slider position in [0, 1] to a cell of a feature grid.
* :func:`show_correspondence` - a query point and, over other images, how much
  each of their positions looks like it (cosine similarity of the features).
* :func:`show_attraction` - where STEGO's shifted correlation ``F - b`` attracts
  (F > b) and where it repels, for one query point, over several images.

The numbers come from :mod:`segkit.stego`; this module only draws them.
matplotlib is imported inside the functions, as in :mod:`segkit.show.viz`.
"""

from __future__ import annotations

from .._validate import check_float, describe
from ..io import as_rgb

__all__ = ["grid_position", "show_correspondence", "show_attraction"]


def grid_position(features, row: float, col: float):
    """The feature-grid cell at fractions ``row``, ``col`` of its height and width.

    Parameters
    ----------
    features : (C, H, W) tensor
    row, col : float in [0, 1]
        0 is the top (left) cell, 1 the bottom (right) one.

    Returns
    -------
    (r, c) : tuple of int

    Examples
    --------
    >>> import torch
    >>> grid_position(torch.zeros(8, 5, 9), 0.5, 1.0)
    (2, 8)
    """
    _check_features(features, "features")
    row = check_float(row, "row", min_value=0, max_value=1)
    col = check_float(col, "col", min_value=0, max_value=1)
    return round(row * (features.shape[1] - 1)), round(col * (features.shape[2] - 1))


def _check_features(f, name):
    import torch

    if not isinstance(f, torch.Tensor) or f.ndim != 3:
        got = f"shape {tuple(f.shape)}" if isinstance(f, torch.Tensor) else describe(f)
        raise ValueError(f"`{name}` must be a (C, H, W) feature tensor; got {got}")


def _check_others(others):
    if not isinstance(others, dict) or not others:
        raise ValueError(f"`others` must be a non-empty dict title -> (image, features); got {describe(others)}")
    checked = {}
    for title, pair in others.items():
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise ValueError(f"`others[{title!r}]` must be an (image, features) pair; got {describe(pair)}")
        _check_features(pair[1], f"others[{title!r}] features")
        checked[title] = (as_rgb(pair[0]), pair[1])
    return checked


def _draw_map(ax, image, heat, **imshow):
    """``heat`` (a feature-grid map) stretched over ``image``."""
    h, w = image.shape[:2]
    ax.imshow(image)
    drawn = ax.imshow(heat, extent=(0, w, h, 0), **imshow)
    ax.axis("off")
    return drawn


def _name_backbone(fig, backbone):
    """Say above ``fig`` which backbone's features it shows (lesson 08 runs with DINO or EfficientNet-Lite0)."""
    if backbone is None:
        return
    if not isinstance(backbone, str) or not backbone:
        raise TypeError(f"`backbone` must be a backbone's name (str) or None; got {describe(backbone)}")
    fig.suptitle(f"features: {backbone}", fontsize=9)


def show_correspondence(image, features, others, row: float, col: float, *, vmin: float = -0.2,
                        vmax: float = 1.0, backbone=None):
    """A query point on ``image`` and its cosine-similarity map over each of ``others``.

    The maps are not centred (raw cosine F, as the backbone sees it).

    Parameters
    ----------
    image : (H, W, 3) image
        The image holding the query point.
    features : (C, h, w) tensor
        Its backbone features.
    others : dict title -> (image, features)
        The images to look in (may include ``image`` itself).
    row, col : float in [0, 1]
        The query point, as fractions of the feature grid (see :func:`grid_position`).
    vmin, vmax : float
        Colour range of the maps.
    backbone : str, optional
        The backbone's name, written above the figure ("features: ...").

    Returns
    -------
    fig : matplotlib Figure
        The image with the query marked, then one map per entry of ``others``.

    Examples
    --------
    >>> import numpy as np, torch
    >>> img, f = np.zeros((16, 16, 3)), torch.rand(4, 2, 2)
    >>> fig = show_correspondence(img, f, {"same image": (img, f)}, 0.0, 1.0)
    >>> len(fig.axes)  # the image, one map, the colour bar
    3
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib.pyplot as plt

    from ..stego import point_correlation

    image = as_rgb(image)
    r, c = grid_position(features, row, col)
    others = _check_others(others)
    # 3 inches a panel (under 1000 px at 100 dpi for four panels), small titles, constrained layout:
    # long titles such as "nearest neighbour image: cosine F" neither overlap nor clip
    fig, axes = plt.subplots(1, 1 + len(others), figsize=(2.4 + 2.5 * len(others), 2.4), squeeze=False,
                             layout="constrained")
    axes = axes[0]
    h, w = image.shape[:2]
    axes[0].imshow(image)
    axes[0].plot((c + 0.5) * w / features.shape[2], (r + 0.5) * h / features.shape[1], "r+", ms=14, mew=3)
    axes[0].set_title("query point", fontsize=9)
    axes[0].axis("off")
    for ax, (title, (other, f_other)) in zip(axes[1:], others.items()):
        heat = point_correlation(features, f_other, r, c, centre=False).numpy()
        drawn = _draw_map(ax, other, heat, cmap="inferno", alpha=0.65, vmin=vmin, vmax=vmax)
        ax.set_title(f"{title}: cosine F", fontsize=9)
    fig.colorbar(drawn, ax=list(axes[1:]), shrink=0.8, pad=0.02)
    _name_backbone(fig, backbone)
    return fig


def show_attraction(features, others, b: float, row: float, col: float, *, backbone=None):
    """Where ``F - b`` attracts (red) and repels (blue) one query point, over each of ``others``.

    ``F`` is the centred correlation of :func:`segkit.stego.point_correlation`;
    each title gives the share of *all* position pairs between the two
    images with ``F > b`` (:func:`segkit.stego.feature_correlation`), the pairs
    STEGO's loss pulls together.

    Parameters
    ----------
    features : (C, h, w) tensor
        Features of the image holding the query point.
    others : dict title -> (image, features)
    b : float
        The shift, in [-1, 1].
    row, col : float in [0, 1]
        The query point, as fractions of the feature grid.
    backbone : str, optional
        The backbone's name, written above the figure ("features: ...").

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> import numpy as np, torch
    >>> img, f = np.zeros((16, 16, 3)), torch.rand(4, 2, 2)
    >>> fig = show_attraction(f, {"itself": (img, f)}, 0.1, 0.5, 0.5)
    >>> fig.axes[0].get_title().startswith("itself: ")
    True
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib.pyplot as plt

    from ..stego import feature_correlation, point_correlation

    b = check_float(b, "b", min_value=-1, max_value=1)
    r, c = grid_position(features, row, col)
    others = _check_others(others)
    fig, axes = plt.subplots(1, len(others), figsize=(3.0 * len(others), 2.4), squeeze=False, layout="constrained")
    for ax, (title, (other, f_other)) in zip(axes[0], others.items()):
        heat = point_correlation(features, f_other, r, c) - b
        attract = float((feature_correlation(features[None], f_other[None]) > b).float().mean())
        _draw_map(ax, other, heat.sign().numpy(), cmap="coolwarm", vmin=-1.5, vmax=1.5, alpha=0.55)
        ax.set_title(f"{title}: {attract:.0%} of pairs attract", fontsize=9)
    _name_backbone(fig, backbone)
    return fig
