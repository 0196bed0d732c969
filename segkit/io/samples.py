"""scikit-image's sample images, shipped inside its wheel: lesson images with no download."""

from __future__ import annotations

from .._validate import describe
from .files import load_image

__all__ = ["SAMPLE_IMAGES", "sample_image"]

#: scikit-image sample images that ship inside its wheel (no download needed).
SAMPLE_IMAGES = (
    "astronaut", "brick", "camera", "chelsea", "coffee", "coins",
    "grass", "gravel", "horse", "hubble_deep_field", "moon", "page", "rocket",
)


def sample_image(name: str = "coffee", *, max_side=None) -> np.ndarray:
    """One of scikit-image's sample images, as float32 RGB in [0, 1].

    These images ship inside the scikit-image wheel, so no network is needed.

    Parameters
    ----------
    name : str
        One of :data:`SAMPLE_IMAGES`.
    max_side : int, optional
        Shrink so that the longest side is at most this many pixels.

    Returns
    -------
    image : (H, W, 3) ndarray of float32

    Examples
    --------
    >>> sample_image("coins", max_side=64).shape
    (50, 64, 3)
    """
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a string; got {describe(name)}")
    if name not in SAMPLE_IMAGES:
        raise ValueError(
            f"`name` must be one of {', '.join(SAMPLE_IMAGES)}; got {name!r}"
        )
    import skimage.data

    return load_image(getattr(skimage.data, name)(), max_side=max_side)
