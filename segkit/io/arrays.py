"""Arrays into segkit's image format: float32 RGB in [0, 1], shape (H, W, 3) (see :mod:`segkit.io`)."""

from __future__ import annotations

import numpy as np

from .._validate import check_int, describe

__all__ = ["MIN_SIDE", "as_rgb", "resize_max_side"]

#: Smallest accepted height or width, in pixels.
MIN_SIDE = 8


def as_rgb(image, name: str = "image") -> np.ndarray:
    """Convert an array to a float32 RGB image with values in [0, 1].

    Parameters
    ----------
    image : (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) ndarray
        uint8 (0-255), uint16 (0-65535), bool, or float with values in [0, 1].
        Other integer dtypes are accepted when their values lie in 0-255.
    name : str
        The argument's name, used in error messages.

    Returns
    -------
    rgb : (H, W, 3) ndarray of float32
        A new array; the input is never modified.

    Raises
    ------
    TypeError
        If ``image`` is not an array, or has an unsupported dtype.
    ValueError
        If the shape, the size or the values are not accepted (NaN, inf, floats
        outside [0, 1], more than 4 channels, a side under 8 pixels).

    Examples
    --------
    >>> rgb = as_rgb(np.full((8, 9), 255, dtype=np.uint8))
    >>> rgb.shape, rgb.dtype, float(rgb.max())
    ((8, 9, 3), dtype('float32'), 1.0)
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(
            f"`{name}` must be a numpy array (or, for load_image, a path or a PIL image); "
            f"got {describe(image)}"
        )
    if image.ndim not in (2, 3):
        raise ValueError(
            f"`{name}` must have shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4); got shape {image.shape}"
        )
    if image.size == 0:
        raise ValueError(f"`{name}` is empty: got shape {image.shape}")
    if image.ndim == 3 and image.shape[2] not in (1, 3, 4):
        raise ValueError(
            f"`{name}` must have 1, 3 or 4 channels in its last axis; got shape {image.shape} "
            f"({image.shape[2]} channels). Channels-first arrays must be moved last "
            f"(np.moveaxis(image, 0, -1))."
        )
    h, w = image.shape[:2]
    if h < MIN_SIDE or w < MIN_SIDE:
        raise ValueError(
            f"`{name}` is too small: got {h}x{w} pixels, need at least {MIN_SIDE} on each side"
        )

    kind = image.dtype.kind
    if image.dtype == bool:
        img = image.astype(np.float32)
    elif image.dtype == np.uint8:
        img = image.astype(np.float32) / 255.0
    elif image.dtype == np.uint16:
        img = image.astype(np.float32) / 65535.0
    elif kind in "iu":
        lo, hi = image.min(), image.max()
        if lo < 0 or hi > 255:
            raise ValueError(
                f"`{name}` has integer dtype {image.dtype} with values in [{lo}, {hi}]; accepted are "
                f"uint8 (0-255), uint16 (0-65535), or other integers within 0-255"
            )
        img = image.astype(np.float32) / 255.0
    elif kind == "f":
        if not np.all(np.isfinite(image)):
            raise ValueError(f"`{name}` contains NaN or infinite values; all values must be finite")
        lo, hi = float(image.min()), float(image.max())
        if lo < 0.0 or hi > 1.0:
            raise ValueError(
                f"`{name}` is a float image with values in [{lo:.4g}, {hi:.4g}]; float images must lie "
                f"in [0, 1]. A 0-255 float image is not guessed at: pass image / 255, or a uint8 array"
            )
        img = image.astype(np.float32, copy=True)
    else:
        raise TypeError(
            f"`{name}` has unsupported dtype {image.dtype}; accepted are uint8, uint16, bool, "
            f"other integers within 0-255, or floats in [0, 1]"
        )

    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    elif img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    elif img.shape[2] == 4:
        alpha = img[:, :, 3:4]
        img = img[:, :, :3] * alpha + (1.0 - alpha)
    return np.ascontiguousarray(img, dtype=np.float32)


def resize_max_side(image: np.ndarray, max_side: int) -> np.ndarray:
    """Shrink ``image`` so that its longest side is at most ``max_side`` pixels.

    Keeps the aspect ratio and uses anti-aliasing; an image already small
    enough is returned unchanged (as a copy). Works on (H, W) and (H, W, C)
    float arrays.

    >>> resize_max_side(np.zeros((100, 50, 3), np.float32), 40).shape
    (40, 20, 3)
    """
    max_side = check_int(max_side, "max_side", min_value=MIN_SIDE)
    return _resize_to(image, _fit_shape(image.shape[:2], max_side))


def _fit_shape(shape, max_side: int) -> tuple:
    """(height, width) of an image of ``shape`` shrunk so that its longest side is ``max_side``."""
    h, w = shape
    if max(h, w) <= max_side:
        return h, w
    scale = max_side / max(h, w)
    return max(MIN_SIDE, int(round(h * scale))), max(MIN_SIDE, int(round(w * scale)))


def _resize_to(image: np.ndarray, shape) -> np.ndarray:
    """Anti-aliased resize of a float image to (height, width) ``shape``; a copy when already there."""
    from skimage.transform import resize

    if tuple(image.shape[:2]) == tuple(shape):
        return image.copy()
    out = resize(image, tuple(shape) + image.shape[2:], order=1, anti_aliasing=True,
                 preserve_range=True)
    return np.clip(out, 0.0, 1.0).astype(image.dtype, copy=False)
