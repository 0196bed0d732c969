"""Per-pixel feature vectors for clustering: colour, or colour plus weighted position.

:func:`pixel_features` turns an (H, W) image into an (H * W, D) table, one row
per pixel, which :func:`segkit.classical.kmeans` clusters.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_choice, check_float
from ..io import as_rgb


def pixel_features(image, *, position_weight=0.0, color_space="rgb") -> np.ndarray:
    """Per-pixel feature vectors: colour, optionally followed by weighted position.

    ``f(x) = (c_1, c_2, c_3, w * row / s, w * col / s)`` with colours c in
    [0, 1] (RGB, or CIELAB divided by 100 so that its scale is close to
    RGB's), s the image's longest side (positions in [0, 1]) and w the
    ``position_weight``. With w = 0 only the three colour features are
    returned. w = 1 weighs a move across the whole image like the largest
    colour change.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
    position_weight : float
        w >= 0.
    color_space : {"rgb", "lab"}

    Returns
    -------
    features : (H * W, 3) or (H * W, 5) ndarray of float64
        Row-major pixel order (reshape labels with ``.reshape(H, W)``).

    Raises
    ------
    ValueError
        If ``position_weight < 0`` or ``color_space`` is unknown.

    Examples
    --------
    >>> pixel_features(np.zeros((8, 10, 3)), position_weight=1.0).shape
    (80, 5)
    """
    rgb = as_rgb(image, "image")
    w = check_float(position_weight, "position_weight", min_value=0.0)
    check_choice(color_space, "color_space", ("rgb", "lab"))
    h, wd = rgb.shape[:2]
    if color_space == "lab":
        from skimage.color import rgb2lab

        colour = rgb2lab(rgb).reshape(-1, 3) / 100.0
    else:
        colour = rgb.reshape(-1, 3).astype(np.float64)
    if w == 0:
        return np.ascontiguousarray(colour, dtype=np.float64)
    side = max(h, wd)
    rows, cols = np.mgrid[0:h, 0:wd]
    pos = np.stack([rows.ravel(), cols.ravel()], axis=1) * (w / side)
    return np.concatenate([colour, pos], axis=1).astype(np.float64)
