"""Turning whatever a user passes into the one image format segkit works on.

* ``arrays.py``: :func:`as_rgb` (what every algorithm calls on its input) and
  :func:`resize_max_side`.
* ``files.py``: :func:`load_image` and :func:`open_image`: files, uploads and
  PIL images, with the checks below.
* ``samples.py``: :func:`sample_image`, scikit-image's sample images.

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

from .arrays import MIN_SIDE, as_rgb, resize_max_side
from .files import MAX_PIXELS, ImageFileNotFoundError, load_image, open_image
from .samples import SAMPLE_IMAGES, sample_image

__all__ = ["load_image", "open_image", "as_rgb", "resize_max_side", "sample_image", "SAMPLE_IMAGES",
           "MIN_SIDE", "MAX_PIXELS", "ImageFileNotFoundError"]
