"""Synthetic scenes with exact ground truth: flat or striped Voronoi regions (numpy only)."""

from __future__ import annotations

import numpy as np

from .._validate import check_float, check_int, describe
from ..io import MIN_SIDE, as_rgb

__all__ = ["synthetic_scene"]


#: Well separated region colours for synthetic scenes (RGB in [0, 1]).
_SCENE_COLOURS = np.array([
    [0.85, 0.20, 0.15], [0.15, 0.45, 0.85], [0.20, 0.75, 0.30], [0.95, 0.85, 0.20],
    [0.55, 0.25, 0.70], [0.10, 0.10, 0.10], [0.95, 0.95, 0.95], [0.95, 0.55, 0.10],
    [0.40, 0.85, 0.85], [0.60, 0.40, 0.20],
], dtype=np.float32)


def synthetic_scene(shape=(96, 128), *, n_regions: int = 4, noise: float = 0.05,
                    texture: bool = False, seed: int = 0):
    """A random scene of flat (or textured) regions with its exact ground truth.

    Regions are the Voronoi cells of ``n_regions`` random points, so they are
    connected and their boundaries are straight. With ``texture=False`` each
    region has its own flat colour; with ``texture=True`` every region has the
    same mean grey and differs only by the orientation and frequency of its
    stripes (colour alone cannot separate them, texture can). Gaussian noise of
    standard deviation ``noise`` is added and the result clipped to [0, 1].

    Parameters
    ----------
    shape : (int, int)
        Height and width, each at least 8.
    n_regions : int
        Number of regions, 1 to 10.
    noise : float
        Noise standard deviation, 0 to 1.
    texture : bool
        Textured instead of flat regions.
    seed : int
        Seed of the random generator.

    Returns
    -------
    image : (H, W, 3) ndarray of float32
    gt : (H, W) ndarray of int32
        Region ids 0 .. n_regions - 1, every id present.

    Examples
    --------
    >>> image, gt = synthetic_scene((32, 40), n_regions=3, seed=1)
    >>> image.shape, sorted(np.unique(gt).tolist())
    ((32, 40, 3), [0, 1, 2])
    """
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise TypeError(f"`shape` must be a pair (height, width); got {describe(shape)}")
    h = check_int(shape[0], "shape[0]", min_value=MIN_SIDE)
    w = check_int(shape[1], "shape[1]", min_value=MIN_SIDE)
    n_regions = check_int(n_regions, "n_regions", min_value=1, max_value=len(_SCENE_COLOURS))
    noise = check_float(noise, "noise", min_value=0.0, max_value=1.0)
    seed = check_int(seed, "seed", min_value=0)
    rng = np.random.default_rng(seed)

    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    # Points spread out: stratified over a coarse grid so no region vanishes.
    for _ in range(100):
        pts = rng.uniform([0, 0], [h, w], size=(n_regions, 2)).astype(np.float32)
        d = (yy[None] - pts[:, 0, None, None]) ** 2 + (xx[None] - pts[:, 1, None, None]) ** 2
        gt = d.argmin(axis=0).astype(np.int32)
        sizes = np.bincount(gt.ravel(), minlength=n_regions)
        if sizes.min() >= max(4, h * w // (8 * n_regions)):
            break
    if texture:
        image = np.full((h, w, 3), 0.5, dtype=np.float32)
        angles = rng.permutation(np.linspace(0, np.pi, n_regions, endpoint=False))
        periods = rng.uniform(4.0, 9.0, size=n_regions)
        for r in range(n_regions):
            phase = (np.cos(angles[r]) * xx + np.sin(angles[r]) * yy) * (2 * np.pi / periods[r])
            stripes = 0.5 + 0.3 * np.sign(np.sin(phase))
            image[gt == r] = stripes[gt == r, None]
    else:
        colours = _SCENE_COLOURS[rng.permutation(len(_SCENE_COLOURS))[:n_regions]]
        image = colours[gt]
    if noise > 0:
        image = image + rng.normal(0.0, noise, size=image.shape).astype(np.float32)
    image = np.clip(image, 0.0, 1.0).astype(np.float32)
    return as_rgb(image), gt
