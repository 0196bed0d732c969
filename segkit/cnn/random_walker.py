"""The classical answer to scribbles: the random walker (Grady, TPAMI 2006), for lesson 06.

Kim, Kanezaki and Tanaka (2020) cite graph cuts, random walks and matting as
the interactive segmentation their scribble loss competes with. The random
walker treats the image as a graph whose edge weights fall with the colour
difference of neighbouring pixels,

.. math:: w_{ij} = \\exp(-\\beta \\, \\|x_i - x_j\\|^2),

and gives every unlabelled pixel the class whose scribbles a random walk
started there is most likely to reach first (a sparse linear system per
class, solved by scikit-image's :func:`skimage.segmentation.random_walker`).
Unlike the CNN it learns nothing: it only propagates the strokes along
similar colours, so its result depends on where the strokes are.

numpy (and scikit-image) only.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_float
from ..io import as_rgb
from .scribbles import UNLABELLED, check_scribble

__all__ = ["random_walker_segment", "DIRECT_SOLVE_PIXELS"]

#: Images up to this many pixels are solved directly (exact, and a second or
#: less at lesson size); larger ones iteratively.
DIRECT_SOLVE_PIXELS = 100_000


def random_walker_segment(image, scribble, *, beta: float = 130.0) -> np.ndarray:
    """Label every pixel with a scribble class by the random walker.

    Parameters
    ----------
    image : (H, W[, C]) ndarray
        Anything :func:`segkit.io.as_rgb` accepts.
    scribble : (H, W) ndarray of int
        :data:`~segkit.cnn.scribbles.UNLABELLED` (255) on unlabelled pixels,
        class ids (0, 1, ...) on the strokes: the format :func:`segkit.segment`
        takes.
    beta : float
        How sharply edge weights fall with colour difference (scikit-image's
        default, 130, on [0, 1] colours).

    Returns
    -------
    labels : (H, W) ndarray of int64
        The scribble class of every pixel (the stroke pixels keep theirs).

    Raises
    ------
    ValueError, TypeError
        A scribble that does not fit the image or has no labelled pixel
        (:func:`~segkit.cnn.scribbles.check_scribble`), a bad image or ``beta``.

    Examples
    --------
    >>> img = np.zeros((12, 12, 3)); img[:, 6:] = 1.0
    >>> s = np.full((12, 12), 255); s[6, 1] = 0; s[6, 10] = 1
    >>> random_walker_segment(img, s)[0].tolist()
    [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]
    """
    from skimage.segmentation import random_walker

    rgb = as_rgb(image)
    scr = check_scribble(scribble, rgb.shape[:2], n_channels=UNLABELLED)
    beta = check_float(beta, "beta", min_value=0, min_inclusive=False)
    classes = np.unique(scr[scr != UNLABELLED])
    markers = np.zeros(scr.shape, dtype=np.int32)  # 0 = unlabelled for scikit-image
    for i, c in enumerate(classes):
        markers[scr == c] = i + 1
    if classes.size == 1:  # one class: every pixel is reached by it
        return np.full(scr.shape, int(classes[0]), dtype=np.int64)
    # a direct sparse solve at lesson sizes (exact); conjugate gradients above (scikit-image's default)
    mode = "bf" if scr.size <= DIRECT_SOLVE_PIXELS else "cg_j"
    out = random_walker(rgb.astype(np.float64), markers, beta=beta, mode=mode, channel_axis=-1)
    return classes[out - 1].astype(np.int64)
