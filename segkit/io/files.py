"""Image files, uploads and PIL images into segkit's image format, damaged files named (see :mod:`segkit.io`)."""

from __future__ import annotations

import os
import stat
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np

from .._validate import check_int, check_path, describe
from .arrays import MIN_SIDE, _fit_shape, _resize_to, as_rgb

__all__ = ["load_image", "open_image", "MAX_PIXELS", "ImageFileNotFoundError"]

#: Largest accepted image, in pixels (width x height): 50 megapixels, about the
#: largest photo a phone takes. See :mod:`segkit.io`.
MAX_PIXELS = 50_000_000

#: What Pillow raises on a damaged or malformed file, while decoding.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError,
                  struct.error, zlib.error)


class ImageFileNotFoundError(FileNotFoundError, ValueError):
    """A path given as an image does not exist (both a FileNotFoundError and a ValueError)."""


def load_image(src, *, max_side=None) -> np.ndarray:
    """Load an image as a float32 RGB array with values in [0, 1].

    Parameters
    ----------
    src : str, os.PathLike, PIL.Image.Image or ndarray
        A path to an image file, a PIL image, or an array as accepted by
        :func:`as_rgb` (uint8, uint16, bool or [0, 1] floats; grayscale, RGB
        or RGBA). Files and PIL images are turned upright by their EXIF
        orientation.
    max_side : int, optional
        If given, images whose longest side exceeds it are shrunk (with
        anti-aliasing, keeping the aspect ratio) so that it equals it. Images
        are never enlarged. Large files are shrunk while they are decoded
        (see the module notes), so this is also the cheap way to read a
        large photo.

    Returns
    -------
    image : (H, W, 3) ndarray of float32
        Values in [0, 1]. The input is never modified.

    Raises
    ------
    ValueError
        Missing file (also a ``FileNotFoundError``), a file that is not an
        image, a damaged or truncated file, an image of more than
        :data:`MAX_PIXELS` pixels, and every value problem listed in
        :func:`as_rgb`. The message names the file.
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
        img, full_size = _open_file(src, "src", max_side)
        image = _pil_to_array(_reduce(img, max_side), "src")
    elif _is_pil_image(src):
        _check_pixel_count(src.size, "`src` (a PIL image)")
        img = _upright(src, "`src` (a PIL image)")
        full_size = img.size
        image = _pil_to_array(_reduce(img, max_side), "src")
    elif isinstance(src, np.ndarray):
        if src.ndim in (2, 3):
            _check_pixel_count(src.shape[1::-1], "`src` (an array)")
        image = src
        full_size = src.shape[1::-1]
    else:
        raise TypeError(
            f"`src` must be a path, a PIL image or a numpy array; got {describe(src)}"
        )
    rgb = as_rgb(image, "src")
    if max_side is not None:
        rgb = _resize_to(rgb, _fit_shape((full_size[1], full_size[0]), max_side))
    return rgb


def open_image(path, *, name: str = "src"):
    """Read an image file with the checks of :func:`load_image`, as a decoded PIL image.

    For files whose pixel values are not colours (a scribble image of class
    ids, a label map): no mode conversion and no resizing, only the checks
    (missing file, not an image, damaged file, more than :data:`MAX_PIXELS`
    pixels) and the EXIF orientation, so that the result lines up with the
    photo :func:`load_image` reads.

    Parameters
    ----------
    path : str or os.PathLike
    name : str
        The argument's name, used in error messages.

    Returns
    -------
    image : PIL.Image.Image
        Decoded (the file is closed), in the file's own mode.

    Raises
    ------
    ValueError
        As :func:`load_image` for files.

    Examples
    --------
    >>> import tempfile, PIL.Image
    >>> path = os.path.join(tempfile.mkdtemp(), "ids.png")
    >>> PIL.Image.fromarray(np.zeros((8, 12), np.uint8)).save(path)
    >>> img = open_image(path)
    >>> img.mode, img.size
    ('L', (12, 8))
    """
    check_path(path, name, what="a path to an image file")
    return _open_file(path, name, None)[0]


def _is_pil_image(obj) -> bool:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - pillow is a dependency
        return False
    return isinstance(obj, Image.Image)


def _check_pixel_count(size, what: str) -> None:
    """Refuse an image of ``size = (width, height)`` above :data:`MAX_PIXELS`."""
    w, h = int(size[0]), int(size[1])
    if w * h > MAX_PIXELS:
        raise ValueError(
            f"{what} is {w} pixels wide and {h} high ({w * h / 1e6:.1f} megapixels); segkit reads "
            f"images of at most {MAX_PIXELS / 1e6:g} megapixels (segkit.io.MAX_PIXELS), far more than "
            f"any lesson needs (they work at 320 pixels or less on a side). Shrink it with an image "
            f"editor first"
        )


def _canonical_mode(img):
    """``img`` in a mode numpy and ``Image.reduce`` both handle: L, RGB, RGBA (or 16-bit, I, F as they are)."""
    mode = img.mode
    if mode in ("L", "RGB", "RGBA", "I", "F") or mode.startswith("I;16"):
        return img
    if mode == "1":
        return img.convert("L")
    if mode in ("LA", "PA"):
        return img.convert("RGBA")
    if mode == "P":
        return img.convert("RGBA" if "transparency" in img.info else "RGB")
    return img.convert("RGB")  # CMYK, YCbCr, LAB, HSV


def _reduce(img, max_side):
    """Shrink ``img`` by a whole factor in Pillow, keeping at least twice ``max_side`` pixels.

    ``Image.reduce`` averages blocks of factor x factor 8-bit pixels: cheap,
    and itself anti-aliased. The exact size is reached afterwards, on a
    small float array, by :func:`_resize_to`. 16-bit, ``I`` and ``F``
    images are left as they are (rare; ``_pil_to_array`` refuses the last two).
    """
    img = _canonical_mode(img)
    if max_side is None or img.mode not in ("L", "RGB", "RGBA"):
        return img
    factor = max(img.size) // (2 * max_side)
    return img.reduce(factor) if factor >= 2 else img


def _pil_to_array(img, name: str) -> np.ndarray:
    img = _canonical_mode(img)
    mode = img.mode
    if mode in ("I", "F"):
        raise TypeError(
            f"`{name}` is a PIL image in mode {mode!r} (32-bit integer or float pixels), whose range "
            f"is unknown; convert it to an array scaled to [0, 1] first"
        )
    if mode.startswith("I;16"):
        return np.asarray(img).astype(np.uint16)
    return np.asarray(img)


def _unreadable(what: str, exc) -> ValueError:
    return ValueError(
        f"{what} could not be read as an image: the file is damaged or incomplete (Pillow says: "
        f"{exc}). Save or upload it again"
    )


def _upright(img, what: str):
    """``img`` decoded and turned by its EXIF orientation (Pillow's ``exif_transpose``).

    A turned image is a new one; an upright one is ``img`` itself (decoded,
    not copied), which the callers never modify.
    """
    from PIL import ExifTags, Image, ImageOps

    try:
        img.load()
        if img.getexif().get(ExifTags.Base.Orientation, 1) in (2, 3, 4, 5, 6, 7, 8):
            return ImageOps.exif_transpose(img)
        return img
    except Image.DecompressionBombError as exc:
        raise _too_large(what, exc) from None
    except _DECODE_ERRORS as exc:
        raise _unreadable(what, exc) from None


def _too_large(what: str, exc) -> ValueError:
    """Pillow's DecompressionBombError (above twice ``Image.MAX_IMAGE_PIXELS``), in segkit's words."""
    from PIL import Image

    limit = f"{2 * Image.MAX_IMAGE_PIXELS / 1e6:.0f} megapixels" if Image.MAX_IMAGE_PIXELS else "Pillow's limit"
    return ValueError(
        f"{what} declares an image of more than {limit}, which Pillow refuses to decode (a small file "
        f"that would unpack to gigabytes: a decompression bomb); segkit reads images of at most "
        f"{MAX_PIXELS / 1e6:g} megapixels (segkit.io.MAX_PIXELS)"
    )


def _open_file(src, name: str, max_side):
    """Open, check and decode an image file; returns (upright image, its full upright (width, height)).

    The size is checked from the header before anything is decoded. With
    ``max_side``, a JPEG is decoded directly at 1/2, 1/4 or 1/8 of its size
    (``Image.draft``), keeping at least twice ``max_side`` pixels.
    """
    from PIL import Image, JpegImagePlugin, UnidentifiedImageError

    path = Path(src)
    what = f"`{name}`: '{path}'"
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ImageFileNotFoundError(f"`{name}`: no file at '{path}'") from None
    except OSError as exc:
        raise ValueError(f"`{name}`: cannot access '{path}' ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ValueError(f"`{name}` is a directory, not an image file: '{path}'")
    try:
        with warnings.catch_warnings():
            # Pillow warns above 89 megapixels; MAX_PIXELS refuses those below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(path)
    except UnidentifiedImageError:
        raise ValueError(
            f"{what} is not an image file that can be read (accepted: PNG, JPEG, TIFF, "
            f"BMP, GIF and the other formats Pillow reads)"
        ) from None
    except Image.DecompressionBombError as exc:
        raise _too_large(what, exc) from None
    except _DECODE_ERRORS as exc:
        raise _unreadable(what, exc) from None
    with img:
        w, h = img.size
        _check_pixel_count((w, h), what)
        if max_side is not None and isinstance(img, JpegImagePlugin.JpegImageFile):
            fit_h, fit_w = _fit_shape((h, w), max_side)
            try:
                img.draft(None, (2 * fit_w, 2 * fit_h))
            except _DECODE_ERRORS as exc:
                raise _unreadable(what, exc) from None
        decoded = img.size
        upright = _upright(img, what)
    if upright.size != decoded:  # turned a quarter: the full size turns with it
        w, h = h, w
    return upright, (w, h)
