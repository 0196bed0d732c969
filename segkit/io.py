"""Turning whatever a user passes into the one image format segkit works on.

Every algorithm in segkit takes a float32 RGB array of shape (H, W, 3) with
values in [0, 1]. :func:`load_image` produces it from a path, a PIL image or an
array; :func:`as_rgb` does the same for arrays alone and is what the
algorithms call on their input.

Decisions a student may wonder about
------------------------------------
* Float images must already lie in [0, 1]. A float array with values up to 255
  is refused rather than guessed at: a float image whose maximum is 1.5 could be
  a 0-255 image of a dark scene or a [0, 1] image with an overshoot, and
  guessing wrongly gives silent nonsense. Divide by 255 yourself.
* Grayscale images are repeated into three channels; RGBA images are
  composited over a white background (transparent pixels become white).
* Images smaller than 8 pixels on a side are refused: no method of the course
  gives a meaningful segmentation of them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._validate import check_int, describe

__all__ = ["load_image", "as_rgb", "resize_max_side", "sample_image", "SAMPLE_IMAGES", "MIN_SIDE"]

#: Smallest accepted height or width, in pixels.
MIN_SIDE = 8

#: scikit-image sample images that ship inside its wheel (no download needed).
SAMPLE_IMAGES = (
    "astronaut", "brick", "camera", "chelsea", "coffee", "coins",
    "grass", "gravel", "horse", "hubble_deep_field", "moon", "page", "rocket",
)


class ImageFileNotFoundError(FileNotFoundError, ValueError):
    """A path given as an image does not exist (both a FileNotFoundError and a ValueError)."""


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
    from skimage.transform import resize

    max_side = check_int(max_side, "max_side", min_value=MIN_SIDE)
    h, w = image.shape[:2]
    if max(h, w) <= max_side:
        return image.copy()
    scale = max_side / max(h, w)
    new_h = max(MIN_SIDE, int(round(h * scale)))
    new_w = max(MIN_SIDE, int(round(w * scale)))
    out = resize(image, (new_h, new_w) + image.shape[2:], order=1, anti_aliasing=True,
                 preserve_range=True)
    return np.clip(out, 0.0, 1.0).astype(image.dtype, copy=False)


def load_image(src, *, max_side=None) -> np.ndarray:
    """Load an image as a float32 RGB array with values in [0, 1].

    Parameters
    ----------
    src : str, os.PathLike, PIL.Image.Image or ndarray
        A path to an image file, a PIL image, or an array as accepted by
        :func:`as_rgb` (uint8, uint16, bool or [0, 1] floats; grayscale, RGB
        or RGBA).
    max_side : int, optional
        If given, images whose longest side exceeds it are shrunk (with
        anti-aliasing, keeping the aspect ratio) so that it equals it. Images
        are never enlarged.

    Returns
    -------
    image : (H, W, 3) ndarray of float32
        Values in [0, 1]. The input is never modified.

    Raises
    ------
    ValueError
        Missing file (also a ``FileNotFoundError``), a file that is not an
        image, and every value problem listed in :func:`as_rgb`.
    TypeError
        ``src`` of an unsupported type.

    Examples
    --------
    >>> img = load_image(np.zeros((20, 30), dtype=np.uint8), max_side=15)
    >>> img.shape
    (10, 15, 3)
    """
    if max_side is not None:
        max_side = check_int(max_side, "max_side", min_value=MIN_SIDE)
    if isinstance(src, (str, os.PathLike)):
        image = _read_file(Path(src))
    elif _is_pil_image(src):
        image = _pil_to_array(src, "src")
    elif isinstance(src, np.ndarray):
        image = src
    else:
        raise TypeError(
            f"`src` must be a path, a PIL image or a numpy array; got {describe(src)}"
        )
    rgb = as_rgb(image, "src")
    if max_side is not None:
        rgb = resize_max_side(rgb, max_side)
    return rgb


def _is_pil_image(obj) -> bool:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - pillow is a dependency
        return False
    return isinstance(obj, Image.Image)


def _pil_to_array(img, name: str) -> np.ndarray:
    mode = img.mode
    if mode in ("1", "L", "RGB", "RGBA"):
        return np.asarray(img)
    if mode in ("I;16", "I;16B", "I;16L"):
        return np.asarray(img).astype(np.uint16)
    if mode in ("LA", "PA"):
        return np.asarray(img.convert("RGBA"))
    if mode in ("P",):
        return np.asarray(img.convert("RGBA" if "transparency" in img.info else "RGB"))
    if mode in ("I", "F"):
        raise TypeError(
            f"`{name}` is a PIL image in mode {mode!r} (32-bit integer or float pixels), whose range "
            f"is unknown; convert it to an array scaled to [0, 1] first"
        )
    return np.asarray(img.convert("RGB"))


def _read_file(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    if not path.exists():
        raise ImageFileNotFoundError(f"`src`: no file at '{path}'")
    if path.is_dir():
        raise ValueError(f"`src` is a directory, not an image file: '{path}'")
    try:
        with Image.open(path) as img:
            img.load()
            return _pil_to_array(img, "src")
    except UnidentifiedImageError:
        raise ValueError(
            f"`src`: '{path}' is not an image file that can be read (accepted: PNG, JPEG, TIFF, "
            f"BMP, GIF and the other formats Pillow reads)"
        ) from None


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
