"""Pictures for the lessons: label maps in fixed colours, overlays, panels, training curves.

Only this module (and :mod:`segkit.show.widgets`) imports matplotlib. Every figure
colours label ``i`` with ``PALETTE[i % len(PALETTE)]``, so the same id has the
same colour in every figure of the course.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_float, check_int, check_label_map, check_same_shape, describe
from ..cnn.scribbles import UNLABELLED
from ..io import as_rgb

__all__ = ["PALETTE", "colorize", "overlay", "mark", "paint_scribble", "show_panel", "show_row", "show_annotations",
           "plot_history"]


def _make_palette(n: int = 256) -> np.ndarray:
    """20 hand-picked distinct colours, then golden-ratio hues for the rest."""
    base = np.array([
        [230, 25, 75], [60, 180, 75], [0, 130, 200], [255, 225, 25], [145, 30, 180],
        [245, 130, 48], [70, 240, 240], [240, 50, 230], [210, 245, 60], [250, 190, 212],
        [0, 128, 128], [220, 190, 255], [170, 110, 40], [255, 250, 200], [128, 0, 0],
        [170, 255, 195], [128, 128, 0], [255, 215, 180], [0, 0, 128], [128, 128, 128],
    ], dtype=np.float64) / 255.0
    extra = []
    for i in range(n - len(base)):
        h = (i * 0.618033988749895) % 1.0
        s = 0.55 + 0.35 * ((i * 7) % 3) / 2
        v = 0.65 + 0.3 * ((i * 5) % 2)
        k = np.mod(np.array([5.0, 3.0, 1.0]) + h * 6.0, 6.0)
        extra.append(v - v * s * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0))
    return np.concatenate([base, np.array(extra)]).astype(np.float32)


#: (256, 3) float32 RGB colours; label i is drawn in PALETTE[i % 256].
PALETTE = _make_palette()


def colorize(labels) -> np.ndarray:
    """Colour a label map with the course's fixed palette.

    Parameters
    ----------
    labels : (H, W) ndarray of int

    Returns
    -------
    rgb : (H, W, 3) ndarray of float32

    Examples
    --------
    >>> rgb = colorize(np.array([[0, 1], [1, 300]]))
    >>> rgb.shape, bool((rgb[0, 1] == rgb[1, 0]).all()), bool((rgb[1, 1] == PALETTE[300 % 256]).all())
    ((2, 2, 3), True, True)
    """
    labels = check_label_map(labels, "labels").astype(np.int64, copy=False)
    return PALETTE[labels % len(PALETTE)]


def overlay(image, labels, *, alpha: float = 0.5) -> np.ndarray:
    """Blend the coloured label map over the image: ``(1 - alpha) * image + alpha * colours``.

    Returns an (H, W, 3) float32 array.
    """
    image = as_rgb(image)
    labels = check_label_map(labels, "labels")
    check_same_shape(image, labels, "image", "labels")
    alpha = check_float(alpha, "alpha", min_value=0.0, max_value=1.0)
    return ((1.0 - alpha) * image + alpha * colorize(labels)).astype(np.float32)


def mark(image, labels, *, color=(1.0, 1.0, 0.0), zoom: int = 1) -> np.ndarray:
    """Draw the boundaries between labels on the image (scikit-image's ``mark_boundaries``).

    Parameters
    ----------
    image : (H, W) or (H, W, 3) image
    labels : (H, W) integer label map
    color : RGB triple in [0, 1]
        Colour of the boundary lines.
    zoom : int
        1 (the default): boundaries are drawn on the image's own pixels, about
        two pixels wide, which hides the image under hundreds of superpixels.
        Above 1: every pixel becomes a ``zoom x zoom`` block first and the
        boundaries are drawn one block-pixel wide on each side, so a line
        covers 2/zoom of a pixel and the image stays visible (3 suits 200
        to 1,000 superpixels on a 160 x 240 image).

    Returns
    -------
    (H * zoom, W * zoom, 3) ndarray of float32

    Examples
    --------
    A boundary between two halves: two pixels wide at zoom 1, two block-pixels
    (2/3 of a pixel) at zoom 3.

    >>> labels = np.zeros((8, 10), int); labels[:, 5:] = 1
    >>> plain, thin = mark(np.zeros((8, 10)), labels), mark(np.zeros((8, 10)), labels, zoom=3)
    >>> plain.shape, thin.shape
    ((8, 10, 3), (24, 30, 3))
    >>> int(plain[0].any(axis=-1).sum()), int(thin[0].any(axis=-1).sum())
    (2, 2)
    """
    from skimage.segmentation import mark_boundaries

    image = as_rgb(image)
    labels = check_label_map(labels, "labels")
    check_same_shape(image, labels, "image", "labels")
    zoom = check_int(zoom, "zoom", min_value=1, max_value=16)
    if zoom == 1:
        return mark_boundaries(image, labels, color=color).astype(np.float32)
    image = np.repeat(np.repeat(image, zoom, axis=0), zoom, axis=1)
    labels = np.repeat(np.repeat(labels, zoom, axis=0), zoom, axis=1)
    return mark_boundaries(image, labels, color=color, mode="inner", background_label=-1).astype(np.float32)


def paint_scribble(image, scribble, *, unlabelled: int = UNLABELLED, dim: float = 0.35) -> np.ndarray:
    """Scribble strokes painted over a lightened image, in the course's label colours.

    Parameters
    ----------
    image : (H, W, 3) image
    scribble : (H, W) integer array
        Class ids on the strokes, ``unlabelled`` (255) elsewhere.
    unlabelled : int
    dim : float in [0, 1]
        How much the image is lightened towards white, so that strokes stand out.

    Returns
    -------
    (H, W, 3) float32 array in [0, 1]

    Examples
    --------
    >>> s = np.full((8, 9), 255); s[0, 0] = 1
    >>> pic = paint_scribble(np.zeros((8, 9, 3)), s, dim=0.5)
    >>> bool(np.allclose(pic[0, 0], PALETTE[1])), pic[1, 1].tolist()
    (True, [0.5, 0.5, 0.5])
    """
    image = as_rgb(image)
    scribble = check_label_map(scribble, "scribble").astype(np.int64)
    check_same_shape(image, scribble, "image", "scribble")
    dim = check_float(dim, "dim", min_value=0, max_value=1)
    pic = ((1 - dim) * image + dim).astype(np.float32)
    on = scribble != unlabelled
    pic[on] = colorize(np.where(on, scribble, 0))[on]
    return pic


def _axes_off(ax):
    ax.set_xticks([])
    ax.set_yticks([])


def show_panel(image, labels, *, titles=None, figsize=None, suptitle=None, zoom: int = 1):
    """Image | coloured labels | boundaries over the image, side by side.

    ``zoom`` is :func:`mark`'s: above 1 the boundaries are drawn thin, on
    pixels enlarged ``zoom`` times, so a small image stays visible under them.

    Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt

    image = as_rgb(image)
    labels = check_label_map(labels, "labels")
    check_same_shape(image, labels, "image", "labels")
    n = int(np.unique(labels).size)
    titles = titles or ("image", f"labels ({n})", "boundaries")
    if len(titles) != 3:
        raise ValueError(f"`titles` must hold 3 strings; got {describe(titles)}")
    h, w = labels.shape
    figsize = figsize or (9, 3 * h / w + 0.5)
    fig, axes = plt.subplots(1, 3, figsize=figsize)
    for ax, pic, title in zip(axes, (image, colorize(labels), mark(image, labels, zoom=zoom)), titles):
        ax.imshow(pic)
        ax.set_title(title, fontsize=10)
        _axes_off(ax)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def show_row(pictures, titles=None, *, width: float = 3.0, fontsize: int = 9):
    """Pictures side by side, one title each.

    Each picture is drawn according to its kind: an (H, W, 3) array as an RGB
    image, an (H, W) integer label map in the course's colours
    (:func:`colorize`), an (H, W) boolean or float map (a mask, an edge map) in
    grey.

    Parameters
    ----------
    pictures : sequence of arrays
        (H, W, 3) RGB images in [0, 1], (H, W) integer label maps, or (H, W)
        boolean / float maps. The first picture's shape sets the aspect ratio.
    titles : sequence of str, optional
        One per picture.
    width : float
        Width of one picture in inches.
    fontsize : int

    Returns
    -------
    fig : matplotlib Figure

    Raises
    ------
    ValueError
        No pictures, a picture that is neither (H, W) nor (H, W, 3), or a
        number of titles other than the number of pictures.

    Examples
    --------
    >>> img = np.zeros((4, 6, 3)); labels = np.array([[0, 1, 1, 2, 2, 2]] * 4)
    >>> fig = show_row([img, labels, labels > 0], ["image", "labels", "mask"])
    >>> len(fig.axes)
    3
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib.pyplot as plt

    pictures = [np.asarray(p) for p in pictures]
    if not pictures:
        raise ValueError("`pictures` is empty")
    for i, pic in enumerate(pictures):
        if not (pic.ndim == 2 or (pic.ndim == 3 and pic.shape[2] == 3)):
            raise ValueError(f"`pictures[{i}]` must be (H, W) or (H, W, 3); got shape {pic.shape}")
    titles = list(titles) if titles is not None else [""] * len(pictures)
    if len(titles) != len(pictures):
        raise ValueError(f"`titles` must hold one title per picture ({len(pictures)}); got {len(titles)}")
    h, w = pictures[0].shape[:2]
    fig, axes = plt.subplots(1, len(pictures), figsize=(width * len(pictures), width * h / w + 0.45),
                             squeeze=False)
    for ax, pic, title in zip(axes[0], pictures, titles):
        if pic.ndim == 2 and pic.dtype.kind in "iu":
            ax.imshow(colorize(pic.astype(np.int64)))
        elif pic.ndim == 2:
            ax.imshow(pic.astype(np.float32), cmap="gray")
        else:
            ax.imshow(pic)
        ax.set_title(title, fontsize=fontsize)
        _axes_off(ax)
    fig.tight_layout()
    return fig


def show_annotations(image, segmentations, *, ncols: int = 4, figsize=None):
    """The image, then every annotator's segmentation (coloured, with segment counts)."""
    import matplotlib.pyplot as plt

    image = as_rgb(image)
    segs = [check_label_map(s, f"segmentations[{i}]") for i, s in enumerate(segmentations)]
    n = len(segs) + 1
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    h, w = image.shape[:2]
    figsize = figsize or (2.6 * ncols, 2.6 * nrows * h / w + 0.4)
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False)
    axes = axes.ravel()
    axes[0].imshow(image)
    axes[0].set_title("image", fontsize=9)
    for i, s in enumerate(segs, start=1):
        axes[i].imshow(mark(colorize(s), s, color=(0, 0, 0)))
        axes[i].set_title(f"annotator {i}: {np.unique(s).size} segments", fontsize=9)
    for ax in axes:
        _axes_off(ax)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def _history_columns(history) -> dict:
    if isinstance(history, dict):
        return {k: np.asarray(v, dtype=float) for k, v in history.items()}
    if isinstance(history, (list, tuple)):
        if not history:
            return {}
        if not all(isinstance(r, dict) for r in history):
            raise TypeError("`history` must be a dict of sequences or a list of dicts")
        keys = [k for k in history[0] if isinstance(history[0][k], (int, float, np.number))]
        return {k: np.array([r.get(k, np.nan) for r in history], dtype=float) for k in keys}
    raise TypeError(f"`history` must be a dict of sequences or a list of dicts; got {describe(history)}")


def plot_history(history, *, ax=None, loss_keys=None, count_key="n_labels"):
    """Plot training curves: loss terms on the left axis, the label count on the right.

    Parameters
    ----------
    history : dict of sequences, or list of dicts
        E.g. ``{"loss": [...], "n_labels": [...]}`` or one dict per iteration.
    ax : matplotlib Axes, optional
    loss_keys : sequence of str, optional
        Which columns to draw as losses (default: every column whose name
        contains "loss").
    count_key : str
        Column drawn on the right axis, if present.

    Returns
    -------
    ax : the left axes.
    """
    import matplotlib.pyplot as plt

    cols = _history_columns(history)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 2.8))
    keys = list(loss_keys) if loss_keys is not None else [k for k in cols if "loss" in k]
    x = None
    for k in keys:
        if k not in cols:
            raise ValueError(f"`loss_keys`: no column {k!r} in history (has {', '.join(cols)})")
        x = np.arange(1, len(cols[k]) + 1)
        ax.plot(x, cols[k], label=k)
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")
    if keys:
        ax.legend(loc="upper left", fontsize=8)
    if count_key in cols:
        ax2 = ax.twinx()
        ax2.plot(np.arange(1, len(cols[count_key]) + 1), cols[count_key], color="k", lw=1, ls="--")
        ax2.set_ylabel("number of labels (dashed)")
    return ax
