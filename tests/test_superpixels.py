"""Tests for segkit.superpixels: SLIC written out (and its two engines), connectivity, majority vote."""

import numpy as np
import pytest

import _scenes

from segkit.superpixels import (
    SlicSteps,
    enforce_connectivity,
    majority_vote,
    slic,
    slic_steps,
)


four_quadrants = _scenes.four_quadrants


def is_connected(segments):
    from skimage.measure import label

    n = segments.max() + 1
    comps = label(segments + 1, background=0, connectivity=1)
    return comps.max() == n


# --- majority vote -----------------------------------------------------------------

def majority_vote_loop(labels, segments):
    """The plain per-superpixel loop (as in the reference code): the mode of each superpixel."""
    out = labels.copy()
    for s in np.unique(segments):
        where = segments == s
        values, counts = np.unique(labels[where], return_counts=True)
        out[where] = values[np.argmax(counts)]
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_majority_vote_equals_plain_loop(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 5, size=(30, 40))
    segments = rng.integers(0, 50, size=(30, 40)) * 3  # ids with gaps
    np.testing.assert_array_equal(majority_vote(labels, segments), majority_vote_loop(labels, segments))


def test_majority_vote_with_huge_ids():
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 4, size=(20, 20)) * 10**9
    segments = rng.integers(0, 30, size=(20, 20)) * 10**8
    np.testing.assert_array_equal(majority_vote(labels, segments), majority_vote_loop(labels, segments))


def test_majority_vote_ties_go_to_the_smallest_label():
    labels = np.array([[3, 1, 1, 3]] * 2)
    segments = np.zeros((2, 4), int)
    np.testing.assert_array_equal(majority_vote(labels, segments), 1)


def test_majority_vote_on_slic_segments():
    img, _ = four_quadrants()
    segments = slic(img, 20)
    labels = np.random.default_rng(0).integers(0, 3, size=segments.shape)
    np.testing.assert_array_equal(majority_vote(labels, segments), majority_vote_loop(labels, segments))


def test_majority_vote_does_not_mutate():
    labels = np.array([[0, 1], [1, 1]])
    segments = np.zeros((2, 2), int)
    before = labels.copy()
    majority_vote(labels, segments)
    np.testing.assert_array_equal(labels, before)


def test_majority_vote_errors():
    with pytest.raises(ValueError, match="same height and width"):
        majority_vote(np.zeros((2, 3), int), np.zeros((3, 2), int))
    with pytest.raises(ValueError, match="non-negative"):
        majority_vote(np.full((2, 2), -1), np.zeros((2, 2), int))


# --- SLIC ----------------------------------------------------------------------

def test_slic_shape_dtype_and_consecutive_ids():
    img, _ = four_quadrants()
    seg = slic(img, 12, 10.0)
    assert seg.shape == img.shape[:2]
    assert seg.dtype == np.int64
    ids = np.unique(seg)
    np.testing.assert_array_equal(ids, np.arange(ids.size))


def test_slic_respects_quadrant_boundaries():
    img, gt = four_quadrants()
    seg = slic(img, 16, 20.0)
    # Every superpixel lies (almost entirely) in one quadrant.
    for s in np.unique(seg):
        inside = gt[seg == s]
        assert np.bincount(inside).max() / inside.size > 0.95


def test_slic_segment_count_near_request():
    img, _ = four_quadrants((96, 128))
    for n in (10, 48, 200):
        count = slic(img, n, 10.0).max() + 1
        assert 0.5 * n <= count <= 1.5 * n, (n, count)


def test_slic_connectivity_enforced():
    img, _ = four_quadrants(noise=0.2)
    seg = slic(img, 30, 1.0)  # low compactness and noise: fragments before enforcement
    assert is_connected(seg)
    step2 = img.shape[0] * img.shape[1] / 30
    assert np.bincount(seg.ravel()).min() >= int(0.25 * step2)


def test_slic_compactness_makes_squarer_segments():
    img, _ = four_quadrants(noise=0.15)

    def boundary_length(seg):
        return (seg[:, 1:] != seg[:, :-1]).sum() + (seg[1:] != seg[:-1]).sum()

    # Before connectivity enforcement, low m gives ragged, noise-following borders.
    compact = slic(img, 30, 40.0, enforce_connectivity=False)
    ragged = slic(img, 30, 0.5, enforce_connectivity=False)
    assert boundary_length(compact) < 0.7 * boundary_length(ragged)


def test_slic_grayscale_and_uint8_inputs():
    img, _ = four_quadrants()
    u8 = (img * 255).astype(np.uint8)
    np.testing.assert_array_equal(slic(u8, 12), slic(u8.astype(np.float64) / 255, 12))
    gray = u8[:, :, 0]
    assert slic(gray, 12).shape == gray.shape


def test_slic_deterministic_and_input_untouched():
    img, _ = four_quadrants()
    before = img.copy()
    a = slic(img, 20)
    b = slic(img, 20)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(img, before)


def test_slic_as_many_segments_as_pixels_works_more_is_refused():
    img = np.random.default_rng(0).random((8, 8, 3))
    seg = slic(img, 64)
    assert seg.shape == (8, 8)
    with pytest.raises(ValueError, match=r"`n_segments` must not exceed the number of pixels \(8 x 8 = 64\); got 65"):
        slic(img, 65)
    with pytest.raises(ValueError, match="`n_segments` must not exceed"):
        slic_steps(img, 1000)


def test_slic_without_connectivity_may_keep_fragments():
    img, _ = four_quadrants(noise=0.3)
    seg = slic(img, 30, 0.5, enforce_connectivity=False)
    ids = np.unique(seg)
    np.testing.assert_array_equal(ids, np.arange(ids.size))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_segments=0), "n_segments"),
        (dict(n_segments=-5), "n_segments"),
        (dict(compactness=0.0), "compactness"),
        (dict(compactness=-1.0), "compactness"),
        (dict(max_iter=0), "max_iter"),
        (dict(min_size_factor=0.0), "min_size_factor"),
        (dict(min_size_factor=1.5), "min_size_factor"),
    ],
)
def test_slic_value_errors(kwargs, match):
    img, _ = four_quadrants()
    with pytest.raises(ValueError, match=match):
        slic(img, **kwargs)


def test_slic_type_and_image_errors():
    img, _ = four_quadrants()
    with pytest.raises(TypeError, match="n_segments"):
        slic(img, 10.5)
    with pytest.raises(TypeError, match="compactness"):
        slic(img, 10, "10")
    with pytest.raises(ValueError, match="image"):
        slic(np.zeros((4, 4, 3)), 10)
    with pytest.raises(TypeError, match="image"):
        slic([[0, 1]], 10)


# --- SLIC steps ----------------------------------------------------------------

def test_slic_steps_records_iterations():
    img, _ = four_quadrants()
    s = slic_steps(img, 12, 10.0, n_iter=3)
    assert isinstance(s, SlicSteps)
    assert len(s.labels) == 4 and len(s.centers) == 4
    k = s.centers[0].shape[0]
    assert s.grid_seeds.shape == s.seeds.shape == (k, 2)
    assert s.step == pytest.approx(np.sqrt(48 * 64 / 12))
    # Seeds moved by at most one pixel in each direction.
    assert np.abs(s.seeds - s.grid_seeds).max() <= 1
    # The first partition is the grid: every cell holds its own seed.
    assert all(s.labels[0][y, x] == i for i, (y, x) in enumerate(s.grid_seeds))
    # Each centre's position is the mean position of its pixels after an iteration.
    lab1 = s.labels[1]
    rows, cols = np.nonzero(lab1 == 0)
    np.testing.assert_allclose(s.centers[1][0, 3:], [rows.mean(), cols.mean()], atol=1e-4)


def test_slic_matches_slic_steps_without_connectivity():
    img, _ = four_quadrants()
    s = slic_steps(img, 12, 10.0, n_iter=10)
    seg = slic(img, 12, 10.0, enforce_connectivity=False)
    _, expected = np.unique(s.labels[-1], return_inverse=True)
    np.testing.assert_array_equal(seg, expected.reshape(seg.shape))


def test_seeds_move_off_an_edge():
    # A vertical edge exactly through a grid seed: the seed steps off it.
    img = np.zeros((16, 16, 3))
    img[:, 8:] = 1.0
    s = slic_steps(img, 1, 10.0, n_iter=1)
    assert tuple(s.grid_seeds[0]) == (7, 7)
    assert s.seeds[0][1] == 6  # column 7 borders the edge; column 6 is flat


def test_slic_steps_errors():
    img, _ = four_quadrants()
    with pytest.raises(ValueError, match="`n_iter` must be at least 1"):  # the name the caller typed
        slic_steps(img, 12, n_iter=0)
    with pytest.raises(ValueError, match="n_segments"):
        slic_steps(img, 0)


@pytest.mark.parametrize("kwargs, name", [
    (dict(enforce_connectivity="no"), "enforce_connectivity"),
    (dict(enforce_connectivity=0), "enforce_connectivity"),
    (dict(move_seeds="False"), "move_seeds"),
    (dict(move_seeds=None), "move_seeds"),
])
def test_slic_refuses_non_booleans_for_flags(kwargs, name):
    img, _ = four_quadrants()
    with pytest.raises(TypeError, match=f"`{name}` must be True or False"):
        slic(img, 12, **kwargs)
    if "move_seeds" in kwargs:
        with pytest.raises(TypeError, match="`move_seeds` must be True or False"):
            slic_steps(img, 12, **kwargs)
    np.testing.assert_array_equal(slic(img, 12, enforce_connectivity=np.bool_(True)), slic(img, 12))


# --- connectivity --------------------------------------------------------------

def test_enforce_connectivity_splits_and_merges():
    seg = np.zeros((10, 10), int)
    seg[:, 5:] = 1
    seg[0, 0] = 1         # a one-pixel fragment of segment 1 inside segment 0
    seg[4:8, 1:4] = 1     # a 12-pixel detached piece of segment 1
    out = enforce_connectivity(seg, 5)
    assert out.max() + 1 == 3  # the big piece becomes its own segment
    assert out[0, 0] == out[1, 1]  # the fragment joined its neighbour
    assert is_connected(out)


def test_enforce_connectivity_chain_of_small_pieces():
    seg = np.arange(12).reshape(1, 12).repeat(3, axis=0)  # twelve 3-pixel columns
    out = enforce_connectivity(seg, 7)
    assert np.bincount(out.ravel()).min() >= 7
    assert is_connected(out)


def test_enforce_connectivity_whole_image_too_small():
    out = enforce_connectivity(np.zeros((3, 3), int), 100)
    np.testing.assert_array_equal(out, 0)


def test_enforce_connectivity_errors():
    with pytest.raises(ValueError, match="min_size"):
        enforce_connectivity(np.zeros((3, 3), int), 0)
    with pytest.raises(ValueError, match="2-D"):
        enforce_connectivity(np.zeros((3, 3, 3), int), 2)


# --- quality against scikit-image on BSDS500 -------------------------------------

@pytest.fixture(scope="module")
def bsds_val_items():
    from segkit.datasets import DatasetNotFoundError, bsds500

    try:
        return bsds500("val", limit=3)
    except DatasetNotFoundError:
        pytest.skip("no local BSDS500 copy")


@pytest.mark.slow
@pytest.mark.parametrize("n_segments, compactness", [(200, 10.0), (1000, 20.0)])
def test_slic_quality_close_to_scikit_image(bsds_val_items, n_segments, compactness):
    """Boundary recall and under-segmentation error within 10% of skimage's SLIC.

    Like with like: the same n_segments and compactness (both use
    D^2 = d_lab^2 + (d_xy / S)^2 m^2, up to a constant factor), the same
    iterations (10), no smoothing, and the same fragment threshold
    (min_size_factor=0.25); images are in [0, 1] so skimage's rescaling is
    (nearly) a no-op. Scores are averaged over the annotators and images.
    """
    from skimage.segmentation import slic as sk_slic

    from segkit.metrics import boundary_recall, undersegmentation_error

    ours, theirs = [], []
    for item in bsds_val_items:
        for seg_fn, out in (
            (lambda im: slic(im, n_segments, compactness), ours),
            (lambda im: sk_slic(im, n_segments=n_segments, compactness=compactness, max_num_iter=10,
                                sigma=0, min_size_factor=0.25, start_label=0), theirs),
        ):
            seg = seg_fn(item.image)
            br = np.mean([boundary_recall(seg, g) for g in item.segmentations])
            ue = np.mean([undersegmentation_error(seg, g) for g in item.segmentations])
            out.append((br, ue))
    (br_ours, ue_ours), (br_sk, ue_sk) = np.mean(ours, axis=0), np.mean(theirs, axis=0)
    assert br_ours >= 0.9 * br_sk, (br_ours, br_sk)
    assert ue_ours <= 1.1 * ue_sk, (ue_ours, ue_sk)


# --- the two engines of step 3: the readable loop and the vectorised grid ----------

def _astronaut(shape):
    from skimage.data import astronaut
    from skimage.transform import resize

    return resize(astronaut(), shape, anti_aliasing=True)  # float64 in [0, 1]


def _flat_halves():
    img = np.zeros((40, 60, 3))
    img[:, 30:] = 1.0  # flat regions: exact distance ties everywhere
    return img


ENGINE_IMAGES = {
    "quadrants": lambda: four_quadrants()[0],
    "noisy quadrants": lambda: four_quadrants((50, 70), noise=0.25, seed=3)[0],
    "flat halves": _flat_halves,
    "all black": lambda: np.zeros((24, 36, 3)),
    "astronaut 120x120": lambda: _astronaut((120, 120)),
    "astronaut 160x240": lambda: _astronaut((160, 240)),
}

ENGINE_SETTINGS = [
    # (image, n_segments, compactness, max_iter, enforce_connectivity)
    ("quadrants", 12, 10.0, 10, True),
    ("quadrants", 200, 5.0, 3, False),
    ("noisy quadrants", 30, 1.0, 10, True),
    ("noisy quadrants", 60, 0.5, 10, False),
    ("noisy quadrants", 1000, 10.0, 4, False),
    ("flat halves", 6, 10.0, 10, True),
    ("flat halves", 6, 10.0, 1, False),   # one step from the seeds: exact ties on the midlines
    ("flat halves", 50, 10.0, 5, False),
    ("all black", 7, 10.0, 3, False),
    ("all black", 12, 10.0, 1, False),
    ("all black", 1, 10.0, 1, True),
    ("astronaut 120x120", 100, 10.0, 10, True),
    ("astronaut 120x120", 400, 1.0, 10, False),
    ("astronaut 120x120", 50, 40.0, 5, True),
    ("astronaut 160x240", 40, 30.0, 10, True),
    ("astronaut 160x240", 300, 10.0, 10, True),
    ("astronaut 160x240", 1000, 10.0, 10, False),
]


@pytest.mark.parametrize("name, n_segments, compactness, max_iter, connect", ENGINE_SETTINGS)
def test_readable_and_fast_engines_give_identical_labels(name, n_segments, compactness, max_iter, connect):
    img = ENGINE_IMAGES[name]()
    kwargs = dict(compactness=compactness, max_iter=max_iter, enforce_connectivity=connect)
    readable = slic(img, n_segments, engine="readable", **kwargs)
    fast = slic(img, n_segments, engine="fast", **kwargs)
    assert np.array_equal(readable, fast)


def test_engines_agree_when_centres_drift_past_their_neighbour_cells():
    """The fast engine's second pass (centres far from their home cell) is exercised and exact."""
    from skimage.color import rgb2lab

    from segkit.superpixels import SeedGrid, assign_pixels
    from segkit.superpixels._grid import GridAssigner

    img = _astronaut((120, 120))
    steps = slic_steps(img, 400, 1.0, n_iter=10)
    lab = rgb2lab(img.astype(np.float32)).astype(np.float32)
    grid = SeedGrid.for_image(lab.shape[:2], 400)
    engine = GridAssigner(lab, grid, np.float32((1.0 / grid.step) ** 2))
    drifted = [engine.drifted(engine.windows(c)).size for c in steps.centers]
    assert max(drifted) > 0
    for centers, labels in zip(steps.centers[:-1], steps.labels[:-1]):
        expected = assign_pixels(lab, centers, labels, grid, engine.spatial_weight)
        assert np.array_equal(engine.assign(centers, labels), expected)


@pytest.mark.parametrize("engine", ["readable", "fast"])
def test_ties_go_to_the_first_centre_in_scan_order(engine):
    from segkit.superpixels import SeedGrid, assign_pixels
    from segkit.superpixels._grid import GridAssigner

    lab = np.zeros((8, 8, 3), np.float32)  # one flat colour
    grid = SeedGrid.for_image((8, 8), 4)   # 2 x 2 cells of 4 x 4 pixels
    centers = np.array([[0.0, 0, 0, y, x] for y in (1.0, 5.0) for x in (1.0, 5.0)])
    previous = grid.cell_labels()
    if engine == "readable":
        labels = assign_pixels(lab, centers, previous, grid, np.float32(1.0))
    else:
        labels = GridAssigner(lab, grid, np.float32(1.0)).assign(centers, previous)
    # Row 3 and column 3 are equally far from two (or four) centres.
    assert labels[3, 3] == 0 and labels[3, 6] == 1 and labels[6, 3] == 2 and labels[6, 6] == 3
    assert labels[0, 3] == 0 and labels[3, 0] == 0 and labels[7, 3] == 2 and labels[3, 7] == 1


def test_auto_engine_runs_the_readable_loop_at_lesson_size(monkeypatch):
    from segkit.superpixels import READABLE_MAX_SIDE, READABLE_MAX_SEGMENTS, _grid

    class FastEngineRan(Exception):
        pass

    class Refused:
        def __init__(self, *args, **kwargs):
            raise FastEngineRan

    monkeypatch.setattr(_grid, "GridAssigner", Refused)
    img = _astronaut((160, 240))
    assert READABLE_MAX_SIDE >= 320 and READABLE_MAX_SEGMENTS >= 2000  # the lessons' sizes
    slic(img, 1000, 10.0, max_iter=2)         # auto: readable
    slic(np.zeros((READABLE_MAX_SIDE, READABLE_MAX_SIDE, 3)), 50, 10.0, max_iter=1)
    slic_steps(img, 40, 30.0, n_iter=2)       # always readable
    with pytest.raises(FastEngineRan):
        slic(img, 40, 30.0, max_iter=2, engine="fast")
    big = np.zeros((120, READABLE_MAX_SIDE + 1, 3))   # long side above the threshold
    with pytest.raises(FastEngineRan):
        slic(big, 40, 30.0, max_iter=2)
    with pytest.raises(FastEngineRan):
        slic(img, READABLE_MAX_SEGMENTS + 1, 30.0, max_iter=2)


def test_slic_engine_errors():
    img, _ = four_quadrants()
    with pytest.raises(ValueError, match="engine"):
        slic(img, 10, engine="numba")
    with pytest.raises(ValueError, match="engine"):
        slic(img, 10, engine=None)


def test_both_engines_leave_the_input_untouched():
    img, _ = four_quadrants()
    before = img.copy()
    for engine in ("readable", "fast"):
        slic(img, 20, engine=engine)
        np.testing.assert_array_equal(img, before)
