"""Figures for lessons 04 to 06 (the unsupervised CNN): presentation only.

* :func:`draw_network` - the network of Kanezaki (2018) / Kim et al. (2020)
  as a row of boxes, with the tensor shapes between them.
* :func:`conv1d_matrix` and :func:`draw_conv_matrix` - a 1-D convolution as a
  matrix product ``y = C x``, and the transposed convolution of FCN and U-Net
  as ``C^T y`` (the seminar's "convolution as matrix multiplication").
* :func:`draw_upsampling_2d` - unpooling, max unpooling and the 2-D transposed
  convolution (2 x 2 -> 4 x 4), computed by :mod:`segkit.cnn.upsampling`.
* :func:`draw_fcn_unet` - schematics of FCN-8s (Long et al. 2015) and U-Net
  (Ronneberger et al. 2015): downsampling, upsampling and skip connections.
* :func:`show_scribble` - scribbles drawn over an image in the course's colours.
* :func:`plot_mu_sweep` - segmentations against the continuity weight μ.

The live training plot of the Train buttons is in :mod:`segkit.show.live`
(re-exported here).

matplotlib and ipywidgets are imported inside the functions, as in
:mod:`segkit.show.viz`; :func:`conv1d_matrix` is plain numpy.
"""

from __future__ import annotations

import numpy as np

from ..cnn.scribbles import UNLABELLED
from .._validate import check_float, check_int, check_label_map, describe

from .live import LiveHistoryPlot, live_training  # noqa: F401  (where lessons 05-06 find them)

__all__ = ["draw_network", "conv1d_matrix", "draw_conv_matrix", "draw_upsampling_2d", "draw_fcn_unet",
           "show_scribble",
           "plot_mu_sweep", "LiveHistoryPlot", "live_training"]


# --------------------------------------------------------------------------- #
# The network
# --------------------------------------------------------------------------- #

def _network_boxes(n_channels, n_conv, in_channels):
    boxes = [("input", f"RGB\n{in_channels} x H x W", "#dddddd")]
    for i in range(n_conv):
        c_in = in_channels if i == 0 else n_channels
        boxes.append((f"component {i + 1}", f"conv 3x3\n{c_in} -> {n_channels}\nReLU\nBN", "#a6cee3"))
    boxes.append(("response r'", f"conv 1x1\n{n_channels} -> {n_channels}\nBN\n(no ReLU)", "#fdbf6f"))
    boxes.append(("labels", f"argmax over\n{n_channels} channels\n-> 1 x H x W", "#b2df8a"))
    return boxes


def draw_network(n_channels: int = 100, n_conv: int = 2, *, in_channels: int = 3, ax=None):
    """Draw the unsupervised-segmentation CNN as a row of boxes.

    Every box keeps the full resolution H x W (no pooling, no upsampling); the
    arrows carry the number of channels.

    Parameters
    ----------
    n_channels : int
        q (``nChannel``).
    n_conv : int
        M, the number of conv-ReLU-BN components (``nConv``).
    in_channels : int
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Raises
    ------
    ValueError, TypeError
        For sizes that are not positive integers.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    n_channels = check_int(n_channels, "n_channels", min_value=2)
    n_conv = check_int(n_conv, "n_conv", min_value=1)
    in_channels = check_int(in_channels, "in_channels", min_value=1)
    boxes = _network_boxes(n_channels, n_conv, in_channels)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.9 * len(boxes), 2.2))
    bw, gap = 1.5, 0.55
    for i, (title, body, color) in enumerate(boxes):
        x = i * (bw + gap)
        ax.add_patch(FancyBboxPatch((x, 0), bw, 1.6, boxstyle="round,pad=0.03", fc=color, ec="k", lw=1))
        ax.text(x + bw / 2, 1.75, title, ha="center", va="bottom", fontsize=9, weight="bold")
        ax.text(x + bw / 2, 0.8, body, ha="center", va="center", fontsize=8.5)
        if i < len(boxes) - 1:
            ch = in_channels if i == 0 else n_channels
            ax.annotate("", xy=(x + bw + gap - 0.04, 0.8), xytext=(x + bw + 0.04, 0.8),
                        arrowprops=dict(arrowstyle="->", lw=1.2))
            ax.text(x + bw + gap / 2, 0.95, f"{ch}",
                    ha="center", va="bottom", fontsize=7.5, color="0.3")
    ax.text(0, -0.25, "every tensor keeps the full H x W resolution; BatchNorm uses the statistics "
            "of the current image's pixels", fontsize=8, va="top", color="0.25")
    ax.set_xlim(-0.1, len(boxes) * (bw + gap) - gap + 0.1)
    ax.set_ylim(-0.5, 2.1)
    ax.axis("off")
    return ax


# --------------------------------------------------------------------------- #
# Convolution as a matrix product (1-D)
# --------------------------------------------------------------------------- #

def conv1d_matrix(n_in: int, kernel, *, stride: int = 1, padding: int = 0) -> np.ndarray:
    """The matrix C of a 1-D convolution (cross-correlation): ``conv(x) = C @ x``.

    Row ``i`` holds the kernel placed at input position ``i * stride - padding``
    (zero padding: taps that fall outside the input are dropped). The
    transposed convolution that FCN and U-Net use to upsample is ``C.T @ y``:
    it maps ``n_out`` values back to ``n_in`` (the sizes of the convolution,
    swapped), each input value spreading the kernel over the output and
    overlaps being summed. This is what ``torch.nn.functional.conv1d`` and
    ``conv_transpose1d`` compute for one channel.

    Parameters
    ----------
    n_in : int
        Length of the input x.
    kernel : (k,) array_like
    stride, padding : int

    Returns
    -------
    C : (n_out, n_in) ndarray of float64
        ``n_out = (n_in + 2 * padding - k) // stride + 1``.

    Raises
    ------
    ValueError
        An empty kernel, a non-positive size or stride, or a kernel longer
        than the padded input.

    Examples
    --------
    >>> C = conv1d_matrix(4, [1, 2, 3], stride=2, padding=1)
    >>> C
    array([[2., 3., 0., 0.],
           [0., 1., 2., 3.]])
    >>> C.T @ np.array([1.0, 10.0])  # transposed: the overlap sums 3 * 1 + 1 * 10
    array([ 2., 13., 20., 30.])
    """
    n_in = check_int(n_in, "n_in", min_value=1)
    stride = check_int(stride, "stride", min_value=1)
    padding = check_int(padding, "padding", min_value=0)
    k = np.asarray(kernel, dtype=np.float64)
    if k.ndim != 1 or k.size == 0:
        raise ValueError(f"`kernel` must be a non-empty 1-D sequence; got {describe(kernel)}")
    if k.size > n_in + 2 * padding:
        raise ValueError(f"`kernel` (length {k.size}) is longer than the padded input "
                         f"(n_in + 2 * padding = {n_in + 2 * padding})")
    n_out = (n_in + 2 * padding - k.size) // stride + 1
    C = np.zeros((n_out, n_in))
    for i in range(n_out):
        start = i * stride - padding
        for j, v in enumerate(k):
            if 0 <= start + j < n_in:
                C[i, start + j] += v
    return C


def _draw_matrix(ax, entries, title):
    n_rows, n_cols = len(entries), len(entries[0])
    for r in range(n_rows):
        for c in range(n_cols):
            val = entries[r][c]
            ax.add_patch(_rect(c, n_rows - 1 - r, "#ffe9a8" if val != "0" else "white"))
            ax.text(c + 0.5, n_rows - 1 - r + 0.5, val, ha="center", va="center", fontsize=10)
    ax.set_xlim(-0.1, n_cols + 0.1)
    ax.set_ylim(-0.1, n_rows + 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=9)


def _rect(x, y, color):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), 1, 1, fc=color, ec="0.4", lw=0.8)


def draw_conv_matrix(n_in: int = 4, *, names=("x", "y", "z"), stride: int = 2, padding: int = 1,
                     axes=None):
    """Draw a 1-D convolution's matrix C and its transpose, with symbolic kernel entries.

    Left: ``conv(a) = C a`` (``n_in`` values down to ``n_out``). Right: the
    transposed convolution ``C^T b`` (``n_out`` values up to ``n_in``), the
    learnable upsampling of FCN and U-Net. Each cell shows the kernel tap it
    holds (``names``) or 0.

    Parameters
    ----------
    n_in : int
    names : sequence of str
        One name per kernel tap (the kernel length).
    stride, padding : int
    axes : two matplotlib Axes, optional

    Returns
    -------
    fig : matplotlib Figure
    """
    import matplotlib.pyplot as plt

    names = [str(n) for n in names]
    if not names:
        raise ValueError("`names` must hold at least one kernel tap name")
    taps = np.arange(1, len(names) + 1)  # distinct non-zero values identify the taps
    C = conv1d_matrix(n_in, taps, stride=stride, padding=padding)
    sym = [[names[int(v) - 1] if v else "0" for v in row] for row in C]
    sym_t = [list(col) for col in zip(*sym)]
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(7, 2.6),
                                 gridspec_kw={"width_ratios": [C.shape[1], C.shape[0]]})
    else:
        fig = axes[0].figure
    _draw_matrix(axes[0], sym, f"convolution: C ({C.shape[0]} x {C.shape[1]}),\n"
                 f"stride {stride}, pad {padding}: {C.shape[1]} -> {C.shape[0]}")
    _draw_matrix(axes[1], sym_t, f"transposed convolution: C$^T$ ({C.shape[1]} x {C.shape[0]}):\n"
                 f"{C.shape[0]} -> {C.shape[1]} (upsampling)")
    fig.tight_layout()
    return fig


def _draw_grid(ax, values, title, *, vmax=None):
    values = np.asarray(values, dtype=float)
    ax.imshow(values, cmap="Blues", vmin=0, vmax=vmax if vmax is not None else max(values.max(), 1e-9))
    for (r, c), v in np.ndenumerate(values):
        ax.text(c, r, f"{v:g}", ha="center", va="center", fontsize=8,
                color="white" if vmax and v > 0.6 * vmax else "black")
    ax.set_xticks(np.arange(-0.5, values.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, values.shape[0]), minor=True)
    ax.grid(which="minor", color="0.6", linewidth=0.6)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    ax.set_title(title, fontsize=8)


def draw_upsampling_2d(x=((1, 2), (3, 4)), big=((1, 5, 0, 0), (2, 3, 0, 7), (0, 0, 1, 1), (9, 0, 1, 2)),
                       kernel=None):
    """The 2-D upsamplings of the seminar's notes, computed by :mod:`segkit.cnn.upsampling`.

    Panels: a 2 x 2 input; nearest-neighbour unpooling; bed of nails; max
    pooling of a 4 x 4 map and its max unpooling (the values go back where
    they came from); the transposed convolution of the 2 x 2 input with a
    3 x 3 kernel, stride 2, padding 1 (2 x 2 -> 4 x 4, overlaps summed).

    Parameters
    ----------
    x : (2, 2) array-like
    big : (4, 4) array-like
        The map that is max-pooled and unpooled.
    kernel : (3, 3) array-like, optional
        Default all ones, so each output cell shows how many copies overlap
        there, weighted by the inputs.

    Returns
    -------
    fig : matplotlib Figure
    """
    import matplotlib.pyplot as plt

    from ..cnn import upsampling as U

    x = np.asarray(x, dtype=float)
    big = np.asarray(big, dtype=float)
    kernel = np.ones((3, 3)) if kernel is None else np.asarray(kernel, dtype=float)
    pooled, where = U.max_pool(big, 2)
    panels = [
        (x, "input (2 x 2)"),
        (U.nearest_unpool(x, 2), "nearest neighbour"),
        (U.bed_of_nails(x, 2), "bed of nails"),
        (big, "a 4 x 4 map ..."),
        (pooled, "... max-pooled"),
        (U.max_unpool(pooled, where, big.shape), "max unpooling"),
        (U.transposed_conv2d(x, kernel, stride=2, padding=1, output_padding=1),
         "transposed conv 3 x 3,\nstride 2, pad 1: 2 x 2 -> 4 x 4"),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(9.6, 1.9),
                             gridspec_kw={"width_ratios": [p[0].shape[1] for p in panels]})
    for ax, (values, title) in zip(axes, panels):
        _draw_grid(ax, values, title, vmax=float(max(v.max() for v, _ in panels)))
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- #
# FCN and U-Net (schematics)
# --------------------------------------------------------------------------- #

_DOWN, _UP, _SKIP = "0.15", "#d62728", "#1f78b4"   # arrow colours: downsampling, upsampling, skip


def _box(ax, x, y, w, h, text, color, fontsize=7.5):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02",
                                fc=color, ec="k", lw=0.8))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, color, *, dashed=False, label=None, offset=(0.0, 0.12), ha="center"):
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle="-|>", lw=1.3, color=color, shrinkA=0, shrinkB=0,
                                linestyle="--" if dashed else "-", mutation_scale=9))
    if label:
        ax.text((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1], label,
                ha=ha, va="bottom", fontsize=7, color=color)


def _draw_fcn8s(ax):
    names = ["image\nH x W", "1/2", "1/4", "1/8\npool3", "1/16\npool4", "1/32\nconv7"]
    heights = [1.5, 1.25, 1.05, 0.88, 0.74, 0.62]
    xs = [0.55 + 1.55 * i for i in range(len(names))]
    y_enc, y_dec, w = 4.3, 1.7, 0.95
    for i, (x, h, name) in enumerate(zip(xs, heights, names)):
        _box(ax, x, y_enc, w, h, name, "#dddddd" if i == 0 else "#a6cee3")
        if i:
            _arrow(ax, (xs[i - 1] + w / 2, y_enc), (x - w / 2, y_enc), _DOWN)
    ax.text(xs[1] - 0.6, y_enc + 0.85, "encoder: convolutions, each block halves H and W",
            fontsize=7.5, color=_DOWN)
    # scores at 1/32, the two sums, the output
    _box(ax, xs[5], y_dec, w, 0.62, "scores\n1/32", "#fdbf6f")
    _arrow(ax, (xs[5], y_enc - heights[5] / 2), (xs[5], y_dec + 0.31), _DOWN,
           label="1x1 conv", offset=(0.08, -0.05), ha="left")
    for i in (4, 3):                  # pool4, pool3: their own scores, added after upsampling
        ax.plot([xs[i]], [y_dec], "o", ms=15, mfc="white", mec="k", mew=0.9)   # round on screen
        ax.text(xs[i], y_dec, "+", ha="center", va="center", fontsize=11, weight="bold")
        _arrow(ax, (xs[i], y_enc - heights[i] / 2), (xs[i], y_dec + 0.26), _SKIP, dashed=True,
               label="1x1 conv\nscores", offset=(0.08, -0.1), ha="left")
    _box(ax, xs[0], y_dec, w, 0.9, "labels\nH x W", "#b2df8a")
    _arrow(ax, (xs[5] - w / 2, y_dec), (xs[4] + 0.26, y_dec), _UP, label="up x2")
    _arrow(ax, (xs[4] - 0.26, y_dec), (xs[3] + 0.26, y_dec), _UP, label="up x2")
    _arrow(ax, (xs[3] - 0.26, y_dec), (xs[0] + w / 2, y_dec), _UP, label="up x8 (to full size)")
    ax.text(0.05, 0.2, "FCN-32s: 1/32 scores, up x32 at once\nFCN-16s: + pool4's scores, then up x16\n"
            "FCN-8s (drawn): + pool4's, + pool3's, then up x8", fontsize=7.5, va="center", color="0.25")
    ax.set_xlim(-0.1, xs[-1] + 0.65)
    ax.set_ylim(-0.75, 5.4)
    ax.set_title("FCN-8s: sum the coarse scores with finer layers' scores", fontsize=9)


def _draw_unet(ax):
    channels = [64, 128, 256, 512, 1024]
    levels = len(channels)
    dy, w, h = 1.0, 1.05, 0.6
    y = [4.6 - dy * l for l in range(levels)]
    x_left = [0.9 + 0.85 * l for l in range(levels)]
    x_right = [2 * x_left[-1] - x for x in x_left]
    for l, c in enumerate(channels):
        scale = "1" if l == 0 else f"1/{2 ** l}"
        if l < levels - 1:
            _box(ax, x_left[l], y[l], w, h, f"{c}", "#a6cee3")
            _box(ax, x_right[l], y[l], w, h, f"{c}+{c}", "#fdbf6f", fontsize=7)
            ax.text(x_left[l] - w / 2 - 0.1, y[l], scale, ha="right", va="center", fontsize=7.5,
                    color="0.3")
            _arrow(ax, (x_left[l] + w / 2, y[l]), (x_right[l] - w / 2, y[l]), _SKIP, dashed=True,
                   label="copy, concatenate" if l == 0 else None, offset=(0, 0.04))
            _arrow(ax, (x_left[l], y[l] - h / 2), (x_left[l + 1] - 0.15, y[l + 1] + h / 2), _DOWN,
                   label="max pool 2x2" if l == 0 else None, offset=(-0.12, -0.15), ha="right")
            _arrow(ax, (x_right[l + 1] + 0.15, y[l + 1] + h / 2), (x_right[l], y[l] - h / 2), _UP,
                   label="up-conv 2x2" if l == 0 else None, offset=(0.12, -0.15), ha="left")
        else:
            _box(ax, x_left[l], y[l], w * 1.2, h, f"{c}", "#a6cee3")
            ax.text(x_left[l] - w * 0.6 - 0.1, y[l], scale, ha="right", va="center", fontsize=7.5,
                    color="0.3")
    _box(ax, x_right[0] + 1.9, y[0], 0.9, h + 0.2, "labels\nH x W", "#b2df8a")
    _arrow(ax, (x_right[0] + w / 2, y[0]), (x_right[0] + 1.45, y[0]), _DOWN,
           label="1x1\nconv", offset=(0, 0.04))
    ax.text(x_left[0] - 0.55, -0.35, "boxes: channels, each level two 3x3 convolutions (ReLU);\n"
            "right: upsampled c + copied c channels -> c", fontsize=7.5, color="0.25")
    ax.set_xlim(x_left[0] - 0.8, x_right[0] + 2.45)
    ax.set_ylim(-0.75, 5.4)
    ax.set_title("U-Net: concatenate the encoder's features at each level", fontsize=9)


def draw_fcn_unet():
    """Schematics of FCN-8s and U-Net: where they downsample, upsample and skip.

    Left, FCN-8s (Long et al. 2015): an encoder of blocks that halve the
    resolution down to 1/32; the 1/32 class scores are upsampled x2 and added
    to scores predicted from pool4 (1/16), the sum upsampled x2 and added to
    pool3's (1/8), and that upsampled x8 to the image size. Right, U-Net
    (Ronneberger et al. 2015): a contracting path (two 3 x 3 convolutions, then
    2 x 2 max pooling, channels 64 to 1024) and an expanding path whose 2 x 2
    up-convolutions (transposed convolutions) are concatenated with the
    encoder's features of the same level. Arrow colours: black downsampling,
    red upsampling (learnable transposed convolutions), dashed blue skip
    connections.

    Returns
    -------
    fig : matplotlib Figure
        Two axes, titled "FCN-8s: ..." and "U-Net: ...", with a legend of the
        three kinds of arrow.

    References
    ----------
    J. Long, E. Shelhamer, T. Darrell, "Fully convolutional networks for
    semantic segmentation", CVPR 2015. O. Ronneberger, P. Fischer, T. Brox,
    "U-Net: convolutional networks for biomedical image segmentation", MICCAI
    2015.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    fig, axes = plt.subplots(1, 2, figsize=(9.6, 3.5), gridspec_kw={"width_ratios": [1, 1]})
    _draw_fcn8s(axes[0])
    _draw_unet(axes[1])
    for ax in axes:
        ax.axis("off")
    handles = [Line2D([], [], color=_DOWN, lw=1.3, label="downsampling (pooling / strided conv)"),
               Line2D([], [], color=_UP, lw=1.3, label="upsampling (transposed conv, learnable)"),
               Line2D([], [], color=_SKIP, lw=1.3, ls="--", label="skip connection")]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


# --------------------------------------------------------------------------- #
# Pictures
# --------------------------------------------------------------------------- #

def show_scribble(image, scribble, *, unlabelled: int = UNLABELLED, dim: float = 0.35, ax=None):
    """Draw scribbles over a (dimmed) image in the course's label colours.

    Parameters
    ----------
    image : (H, W, 3) image
    scribble : (H, W) int array
        ``unlabelled`` (255) on unlabelled pixels.
    dim : float
        How much the image is faded towards white (0: not at all).
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes
    """
    import matplotlib.pyplot as plt

    from .viz import paint_scribble

    pic = paint_scribble(image, scribble, unlabelled=unlabelled, dim=dim)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4 * image.shape[0] / image.shape[1]))
    ax.imshow(pic)
    ax.axis("off")
    return ax


def plot_mu_sweep(results, *, components=None, width: float = 2.2):
    """Segmentations against the continuity weight μ, and the segment counts.

    Parameters
    ----------
    results : dict
        μ -> (H, W) label map (e.g. ``segment(...).labels``), in the order to draw.
    components : dict, optional
        μ -> number of connected components; computed with
        :func:`segkit.metrics.connected_components` when not given.
    width : float
        Width of one picture in inches.

    Returns
    -------
    fig : matplotlib Figure
        One picture per μ, then the number of labels and of connected
        components against μ (log-log axes).
    """
    import matplotlib.pyplot as plt

    from ..metrics import connected_components
    from .viz import colorize

    if not isinstance(results, dict) or not results:
        raise ValueError(f"`results` must be a non-empty dict mu -> label map; got {describe(results)}")
    mus = list(results)
    maps = [check_label_map(results[m], f"results[{m}]") for m in mus]
    if components is None:
        components = {m: int(connected_components(lab).max()) + 1 for m, lab in zip(mus, maps)}
    n_labels = [int(np.unique(lab).size) for lab in maps]
    n_comp = [int(components[m]) for m in mus]
    h, w = maps[0].shape
    fig, axes = plt.subplots(1, len(mus) + 1, figsize=(width * (len(mus) + 1.3), width * h / w + 0.6),
                             gridspec_kw={"width_ratios": [1] * len(mus) + [1.3]})
    for ax, m, lab, nl in zip(axes, mus, maps, n_labels):
        ax.imshow(colorize(lab))
        ax.set_title(f"μ = {m:g}: {nl} labels", fontsize=9)
        ax.axis("off")
    ax = axes[-1]
    x = np.array([m if m > 0 else np.nan for m in mus], dtype=float)
    ax.plot(x, n_labels, "o-", label="labels")
    ax.plot(x, n_comp, "s--", label="connected\ncomponents")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("μ")
    ax.set_title("segments against μ", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
