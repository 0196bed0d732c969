"""SLIC superpixels, written the way Achanta et al. (TPAMI 2012) write the algorithm.

SLIC is k-means in a five-dimensional space, colour (CIELAB) plus position,
with one twist that makes it fast: a cluster centre only competes for the
pixels inside a 2S x 2S window around it, where S is the grid step of the
initial seeds. The steps, in the order :func:`slic` runs them, each a function
of this file or of ``seeds.py`` beside it:

1. Convert the image to CIELAB.
2. Place K seeds on a regular grid of step S = sqrt(N / K) (N pixels,
   :class:`~segkit.superpixels.seeds.SeedGrid`) and move each to the lowest
   colour gradient in its 3 x 3 neighbourhood, so that no seed starts on an
   edge (:func:`~segkit.superpixels.seeds.move_seeds_off_edges`).
3. Assignment (:func:`assign_pixels`): for each centre, for each pixel in
   its 2S x 2S window, compute ``D = sqrt(d_lab**2 + (d_xy / S)**2 * m**2)``
   (m is the compactness); every pixel keeps the centre with the smallest D.
4. Update (:func:`update_centers`): every centre moves to the mean colour and
   position of its pixels.
5. Repeat 3-4 a fixed number of times (10 in the paper).
6. Enforce connectivity: fragments smaller than a fraction of S**2 are merged
   into a neighbouring superpixel (:func:`segkit.superpixels.enforce_connectivity`).

Two engines for step 3
----------------------
Step 3 is nearly all the cost. :func:`assign_pixels` is the paper's loop:
one Python loop over the centres, numpy inside each centre's window. It is
what :func:`slic` runs at lesson size and what :func:`slic_steps` always
runs. The private module ``segkit.superpixels._grid`` does the same step for
all centres at once, cutting the image into its grid cells. The loop's cost
grows with the number of centres: with 100 segments both take about the same
time, with 2,000 the grid is 3 to 13 times faster, with 10,000 about 13 to 20
times. ``slic(..., engine="auto")`` picks the readable loop up to a long side
of :data:`READABLE_MAX_SIDE` pixels and :data:`READABLE_MAX_SEGMENTS` segments
(from measurements in ``benchmarks/bench_slic.py``), the fast engine above.
Both give identical labels (``tests/test_superpixels.py`` compares them),
because both follow these rules to the bit:

* The window of a centre at (y, x) holds the pixels with ``|row - y| <= S_y``
  and ``|col - x| <= S_x``, where S_y and S_x are the height and width of a
  grid cell (both close to S: the grid has a whole number of cells).
* D is compared squared (the square root is increasing, so the nearest
  centre is the same), computed in float32 as
  ``((dL**2 + da**2) + db**2) + (dy**2 + dx**2) * (m / S)**2``.
* Ties: the first centre in scan order (row by row over the seed grid, i.e.
  the smallest centre index) wins. The loop visits centres in that order
  and moves a pixel only to a strictly smaller distance.
* A pixel that no window reaches keeps its label from the previous iteration.
* A centre that lost all its pixels stays where it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import check_bool, check_choice, check_float, check_int
from ..io import as_rgb
from .connectivity import _enforce_connectivity
from .seeds import SeedGrid, move_seeds_off_edges

__all__ = ["slic", "slic_steps", "SlicSteps", "assign_pixels", "window_distances", "update_centers",
           "ENGINES", "READABLE_MAX_SIDE", "READABLE_MAX_SEGMENTS"]

#: The values of ``slic(..., engine=...)``.
ENGINES = ("auto", "readable", "fast")

#: ``engine="auto"`` runs the readable loop on images whose long side is at
#: most this many pixels (the lessons work at 160 to 320) ...
READABLE_MAX_SIDE = 320
#: ... with at most this many requested segments (the lessons' sliders stop
#: at 2,000). Each centre costs one pass of the Python loop, so the readable
#: loop's time grows with the number of segments far more than with the
#: image size; at these limits it takes about 0.6 s (measured on 2 cores in
#: ``benchmarks/bench_slic.py``), where the fast engine takes about 0.1 s.
READABLE_MAX_SEGMENTS = 2000


def window_distances(lab, center, grid: SeedGrid, spatial_weight):
    """D**2 from one centre to every pixel of its 2S x 2S window.

    ``lab``, ``grid`` and ``spatial_weight`` are as in :func:`assign_pixels`;
    ``center`` is one ``(L, a, b, row, col)`` row of its ``centers``.

    Returns
    -------
    rows, cols : slice
        The window (clipped to the image), from :meth:`SeedGrid.window`.
    D2 : (len(rows), len(cols)) ndarray of float32
        ``d_lab**2 + d_xy**2 * (m / S)**2``, the paper's D squared.
    """
    rows, cols = grid.window(center)
    L, a, b, y, x = center.astype(np.float32)
    pixels = lab[rows, cols]
    d_lab2 = (pixels[..., 0] - L) ** 2 + (pixels[..., 1] - a) ** 2 + (pixels[..., 2] - b) ** 2
    dy = np.arange(rows.start, rows.stop, dtype=np.float32) - y
    dx = np.arange(cols.start, cols.stop, dtype=np.float32) - x
    d_xy2 = dy[:, None] ** 2 + dx[None, :] ** 2
    return rows, cols, d_lab2 + d_xy2 * spatial_weight


def assign_pixels(lab, centers, labels, grid: SeedGrid, spatial_weight) -> np.ndarray:
    """Step 3: for each centre, for each pixel in its 2S x 2S window, keep the nearest centre.

    Parameters
    ----------
    lab : (H, W, 3) ndarray of float32
        The image in CIELAB.
    centers : (K, 5) ndarray of float
        Centres ``(L, a, b, row, col)``, in scan order of the seed grid.
    labels : (H, W) ndarray of int
        The previous assignment (kept where no window reaches; not modified).
    grid : SeedGrid
    spatial_weight : float32
        (m / S)**2, the weight of the squared spatial distance.

    Returns
    -------
    labels : (H, W) ndarray of int64
        The index of the nearest centre of every pixel; on a tie, the first
        centre in scan order.

    Examples
    --------
    Two centres, one black and one white, on an image half black, half white:

    >>> lab = np.zeros((2, 4, 3), np.float32)
    >>> lab[:, 3:, 0] = 100.0                      # the last column is white
    >>> grid = SeedGrid.for_image((2, 4), n_segments=2)
    >>> grid.rows, grid.cols
    (1, 2)
    >>> centers = np.array([[0.0, 0, 0, 0.5, 0.5], [100.0, 0, 0, 0.5, 2.5]])
    >>> assign_pixels(lab, centers, grid.cell_labels(), grid, np.float32(1.0))
    array([[0, 0, 0, 1],
           [0, 0, 0, 1]])
    """
    labels = np.array(labels, dtype=np.int64)  # a copy: the caller's labels stay as they are
    distance = np.full(labels.shape, np.inf, np.float32)  # D**2 of the best centre so far
    for k, center in enumerate(centers):
        rows, cols, D2 = window_distances(lab, center, grid, spatial_weight)
        best, owner = distance[rows, cols], labels[rows, cols]   # views of the window: writes go through
        closer = D2 < best            # strictly closer: on a tie the pixel stays with the earlier centre
        best[closer] = D2[closer]
        owner[closer] = k
    return labels


def pixel_features(lab: np.ndarray) -> np.ndarray:
    """(5, H * W) float64: L, a, b, row and column of every pixel, in scan order."""
    h, w = lab.shape[:2]
    rows, cols = np.indices((h, w))
    return np.stack([lab[..., 0], lab[..., 1], lab[..., 2], rows, cols]).reshape(5, -1).astype(np.float64)


def update_centers(features: np.ndarray, labels: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Step 4: every centre moves to the mean (L, a, b, row, col) of its pixels.

    Parameters
    ----------
    features : (5, H * W) ndarray of float64
        :func:`pixel_features` of the image.
    labels : (H, W) ndarray of int
        The assignment of step 3 (centre indices).
    centers : (K, 5) ndarray of float
        The current centres; a centre without pixels stays where it was.

    Returns
    -------
    centers : (K, 5) ndarray of float64
        A new array.

    Examples
    --------
    >>> lab = np.zeros((2, 4, 3), np.float32)
    >>> labels = np.array([[0, 0, 1, 1], [0, 0, 1, 1]])
    >>> update_centers(pixel_features(lab), labels, np.zeros((2, 5)))[:, 3:]
    array([[0.5, 0.5],
           [0.5, 2.5]])
    """
    k = len(centers)
    flat = labels.ravel()
    counts = np.bincount(flat, minlength=k)
    sums = np.stack([np.bincount(flat, weights=f, minlength=k) for f in features], axis=1)
    new = centers.astype(np.float64)  # a copy
    has_pixels = counts > 0
    new[has_pixels] = sums[has_pixels] / counts[has_pixels, None]
    return new


def choose_engine(shape, n_segments: int) -> str:
    """The engine ``engine="auto"`` runs: "readable" at lesson sizes, "fast" above."""
    small = max(shape[:2]) <= READABLE_MAX_SIDE and n_segments <= READABLE_MAX_SEGMENTS
    return "readable" if small else "fast"


@dataclass(frozen=True)
class SlicSteps:
    """The intermediate states of SLIC, for drawing the algorithm step by step.

    Attributes
    ----------
    step : float
        The grid step S = sqrt(N / K) (also the spatial normaliser in D).
    grid_seeds : (K, 2) ndarray of int
        Seed positions (row, col) on the regular grid, before moving.
    seeds : (K, 2) ndarray of int
        Seed positions after the move to the lowest gradient in 3 x 3.
    labels : list of (H, W) ndarray of int64
        ``labels[0]`` is the grid-cell partition the seeds start from;
        ``labels[i]`` the assignment of iteration i (before connectivity).
    centers : list of (K, 5) ndarray of float
        Centres ``(L, a, b, row, col)``; ``centers[0]`` are the seeds,
        ``centers[i]`` the centres after the update of iteration i.
    """

    step: float
    grid_seeds: np.ndarray
    seeds: np.ndarray
    labels: list
    centers: list


def _check_slic_args(image, n_segments, compactness, n_iter, n_iter_name, move_seeds):
    """The checks :func:`slic` and :func:`slic_steps` share; ``n_iter_name`` is what the caller calls it."""
    rgb = as_rgb(image, "image")
    n_segments = check_int(n_segments, "n_segments", min_value=1)
    n_pixels = rgb.shape[0] * rgb.shape[1]
    if n_segments > n_pixels:
        raise ValueError(
            f"`n_segments` must not exceed the number of pixels ({rgb.shape[0]} x {rgb.shape[1]} = "
            f"{n_pixels}); got {n_segments}"
        )
    compactness = check_float(compactness, "compactness", min_value=0, min_inclusive=False)
    n_iter = check_int(n_iter, n_iter_name, min_value=1)
    move_seeds = check_bool(move_seeds, "move_seeds")
    return rgb, n_segments, compactness, n_iter, move_seeds


def _run_slic(rgb, n_segments, compactness, n_iter, move_seeds, engine, record=False):
    """Steps 1-5. Returns (labels, step), or a :class:`SlicSteps` when ``record``."""
    from skimage.color import rgb2lab

    lab = rgb2lab(rgb).astype(np.float32)                                  # 1
    grid = SeedGrid.for_image(lab.shape[:2], n_segments)                   # 2
    grid_seeds = grid.seeds()
    seeds = move_seeds_off_edges(lab, grid_seeds) if move_seeds else grid_seeds
    centers = np.concatenate([lab[seeds[:, 0], seeds[:, 1]], seeds], axis=1).astype(np.float64)
    labels = grid.cell_labels()
    features = pixel_features(lab)
    spatial_weight = np.float32((compactness / grid.step) ** 2)
    fast = None
    if engine == "fast":
        from ._grid import GridAssigner

        fast = GridAssigner(lab, grid, spatial_weight)
    history = ([labels], [centers]) if record else None
    for _ in range(n_iter):                                                # 5
        if fast is None:                                                   # 3
            labels = assign_pixels(lab, centers, labels, grid, spatial_weight)
        else:
            labels = fast.assign(centers, labels)
        centers = update_centers(features, labels, centers)               # 4
        if record:
            history[0].append(labels)
            history[1].append(centers)
    if record:
        return SlicSteps(step=grid.step, grid_seeds=grid_seeds, seeds=seeds,
                         labels=history[0], centers=history[1])
    return labels, grid.step


def slic(image, n_segments=100, compactness=10.0, *, max_iter=10, enforce_connectivity=True,
         min_size_factor=0.25, move_seeds=True, engine="auto") -> np.ndarray:
    """Segment an image into compact superpixels with SLIC (Achanta et al. 2012).

    Written out step by step (see the module notes): CIELAB, grid seeds moved
    off edges, k-means restricted to a 2S x 2S window with the distance

    ``D = sqrt(d_lab**2 + (d_xy / S)**2 * m**2)``,

    a fixed number of iterations, then connectivity enforcement.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        Any image :func:`segkit.io.as_rgb` accepts (RGB or grayscale, uint8
        or [0, 1] floats). It is used as given: no rescaling, no smoothing.
    n_segments : int
        The requested number K of superpixels, 1 to the number of pixels; the
        grid has about K cells (the result can have somewhat more or fewer
        segments).
    compactness : float
        m, the weight of position against colour (> 0). CIELAB distances run
        up to about 100; m = 10 is the paper's usual value, larger values
        give squarer superpixels. Kanezaki (2018) uses m = 100 with K = 10,000.
    max_iter : int
        Number of assign/update iterations (the paper uses 10).
    enforce_connectivity : bool
        Merge fragments smaller than ``min_size_factor * S**2`` pixels into
        their largest neighbouring superpixel, so that every superpixel is one
        4-connected piece of at least that size (where possible).
    min_size_factor : float
        In (0, 1]. The paper's code uses 1/4 of the superpixel size.
    move_seeds : bool
        Move each seed to the lowest gradient in its 3 x 3 neighbourhood.
    engine : {"auto", "readable", "fast"}
        Who runs step 3. "readable" is :func:`assign_pixels`, the paper's loop
        over centres; "fast" the vectorised grid of ``segkit.superpixels._grid``;
        "auto" picks "readable" up to a long side of :data:`READABLE_MAX_SIDE`
        (320) pixels and :data:`READABLE_MAX_SEGMENTS` (2,000) segments, "fast"
        above. The labels are
        identical either way (ties go to the first centre in scan order).

    Returns
    -------
    segments : (H, W) ndarray of int64
        Superpixel ids, 0 to n - 1 (consecutive).

    Raises
    ------
    ValueError
        If ``n_segments`` is below 1 or above the number of pixels,
        ``compactness <= 0``, ``max_iter < 1``, ``min_size_factor`` outside
        (0, 1], ``engine`` not one of :data:`ENGINES`, or the image is not
        accepted by :func:`segkit.io.as_rgb`.
    TypeError
        If a number argument has the wrong type, ``enforce_connectivity`` or
        ``move_seeds`` is not True or False (a string such as ``"no"`` is
        refused, not taken as true), or the image is not an array.

    Notes
    -----
    Comparing with ``skimage.segmentation.slic``: its ``compactness`` is
    the same m (it divides the Lab distance by m and the spatial one by its
    grid step, which gives D / m: the same minimiser), with these
    differences in its defaults: it first rescales the image to span [0, 1]
    (a no-op for most photographs), merges fragments below
    ``min_size_factor=0.5`` of the segment size (pass 0.25 to match this
    function), does not move seeds, and places its grid with a rounded
    integer step, so its segment count differs by a few percent.

    References
    ----------
    R. Achanta, A. Shaji, K. Smith, A. Lucchi, P. Fua and S. Süsstrunk,
    "SLIC superpixels compared to state-of-the-art superpixel methods",
    IEEE TPAMI 34(11), 2012.

    Examples
    --------
    >>> img = np.zeros((40, 60, 3), np.float32)
    >>> img[:, 30:] = 1.0
    >>> seg = slic(img, n_segments=6, compactness=10)
    >>> int(seg.max()) + 1
    6
    >>> bool((np.unique(seg[:, :30]) != np.unique(seg[:, 30:])[:, None]).all())
    True
    >>> np.array_equal(seg, slic(img, n_segments=6, compactness=10, engine="fast"))
    True
    """
    rgb, n_segments, compactness, max_iter, move_seeds = _check_slic_args(
        image, n_segments, compactness, max_iter, "max_iter", move_seeds)
    enforce_connectivity = check_bool(enforce_connectivity, "enforce_connectivity")
    min_size_factor = check_float(min_size_factor, "min_size_factor", min_value=0,
                                  min_inclusive=False, max_value=1)
    engine = check_choice(engine, "engine", ENGINES)
    if engine == "auto":
        engine = choose_engine(rgb.shape[:2], n_segments)
    labels, step = _run_slic(rgb, n_segments, compactness, max_iter, move_seeds, engine)
    if enforce_connectivity:                                               # 6
        return _enforce_connectivity(labels, max(1, int(min_size_factor * step * step)))
    _, relabelled = np.unique(labels, return_inverse=True)
    return relabelled.reshape(labels.shape).astype(np.int64)


def slic_steps(image, n_segments=100, compactness=10.0, *, n_iter=3, move_seeds=True) -> SlicSteps:
    """Run the first ``n_iter`` SLIC iterations and keep every intermediate state.

    For the lesson's step-by-step pictures: the grid seeds, the moved seeds,
    and the labels and centres after each iteration (no connectivity step).
    Same algorithm and parameters as :func:`slic`; step 3 is always the
    readable loop, :func:`assign_pixels`.

    Parameters
    ----------
    image, n_segments, compactness, move_seeds
        As :func:`slic`.
    n_iter : int
        Number of iterations recorded (>= 1).

    Returns
    -------
    steps : SlicSteps
        Cluster ids in ``steps.labels`` are grid-cell indices (row-major,
        not relabelled), so a cluster keeps its id across iterations.

    Raises
    ------
    ValueError
        As :func:`slic`, and if ``n_iter < 1``.
    TypeError
        As :func:`slic`.

    Examples
    --------
    >>> img = np.zeros((40, 60, 3), np.float32)
    >>> img[:, 30:] = 1.0
    >>> s = slic_steps(img, n_segments=6, n_iter=2)
    >>> len(s.labels), s.centers[0].shape
    (3, (6, 5))
    """
    rgb, n_segments, compactness, n_iter, move_seeds = _check_slic_args(
        image, n_segments, compactness, n_iter, "n_iter", move_seeds)
    return _run_slic(rgb, n_segments, compactness, n_iter, move_seeds, "readable", record=True)
