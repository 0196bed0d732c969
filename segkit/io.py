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
* Images larger than :data:`MAX_PIXELS` (50 megapixels) are refused, read
  from the file's header before anything is decoded. The largest photos a
  phone takes are about 50 megapixels (8160 x 6120); the lessons work at 320
  pixels or less on a side and BSDS500's images are 481 x 321. A file that
  claims more is either a mistake or a decompression bomb (a small file that
  would unpack to gigabytes), and on Binder's 2 GiB it would end the kernel.
* Image files are read the way a photo viewer shows them: the EXIF
  orientation a phone writes is applied, so a photo that looks upright loads
  upright (and scribbles drawn on it line up).
* With ``max_side``, a large file is shrunk while it is decoded where the
  format allows it (JPEG decodes at 1/2, 1/4 or 1/8 of its size directly),
  and otherwise by averaging blocks of pixels in Pillow (8-bit pixels,
  ``Image.reduce``) before the float conversion and the final anti-aliased
  resize: a 4000 x 4000 PNG loaded with ``max_side=64`` never exists as a
  float array at full size.
* A damaged file (cut short by an upload, a header that promises more pixels
  than the file holds) gives a ``ValueError`` that names the file, never
  Pillow's own error.
"""

from __future__ import annotations

import os
import stat
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np

from ._validate import check_int, describe

__all__ = ["load_image", "open_image", "as_rgb", "resize_max_side", "sample_image", "SAMPLE_IMAGES",
           "MIN_SIDE", "MAX_PIXELS"]

#: Smallest accepted height or width, in pixels.
MIN_SIDE = 8

#: Largest accepted image, in pixels (width x height): 50 megapixels, about the
#: largest photo a phone takes. See the module notes.
MAX_PIXELS = 50_000_000

#: What Pillow raises on a damaged or malformed file, while decoding.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError,
                  struct.error, zlib.error)

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
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"`{name}` must be a path to an image file; got {describe(path)}")
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
