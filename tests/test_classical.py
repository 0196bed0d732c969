"""Tests for segkit.classical: thresholds, region growing, edges, k-means, Felzenszwalb."""

import numpy as np
import pytest

import _scenes

from segkit import classical as C


def two_level(shape=(32, 48), lo=0.2, hi=0.8, noise=0.02, seed=0):
    """A dark left part and a bright right part (grey, values in [0, 1])."""
    rng = np.random.default_rng(seed)
    img = np.full(shape, lo)
    img[:, shape[1] // 2:] = hi
    return np.clip(img + rng.normal(0, noise, shape), 0, 1)


def four_quadrants(shape=(32, 48), noise=0.03, seed=0):
    return _scenes.four_quadrants(shape, noise, seed)


def agree_up_to_permutation(a, b):
    """True when label maps a and b define the same partition."""
    pairs = np.unique(np.stack([a.ravel(), b.ravel()]), axis=1)
    return pairs.shape[1] == np.unique(a).size == np.unique(b).size


# --- thresholds ----------------------------------------------------------------

def test_to_gray_range_and_shape():
    g = C.to_gray(np.full((8, 9, 3), 255, np.uint8))
    assert g.shape == (8, 9) and g.dtype == np.float64
    assert g.max() == pytest.approx(1.0)


def test_threshold_segment():
    img = two_level()
    labels = C.threshold_segment(img, 0.5)
    assert labels.dtype == np.int64
    assert (labels[:, :24] == 0).all() and (labels[:, 24:] == 1).all()
    assert C.threshold_segment(img, 1.0).sum() == 0


@pytest.mark.parametrize("t", [-0.1, 1.5])
def test_threshold_segment_errors(t):
    with pytest.raises(ValueError, match="threshold"):
        C.threshold_segment(two_level(), t)


def test_otsu_separates_two_levels():
    img = two_level()
    labels, t = C.otsu_segment(img)
    assert 0.2 < t < 0.8  # any value between the two peaks separates them
    assert (labels[:, :24] == 0).all() and (labels[:, 24:] == 1).all()
    assert C.otsu_threshold(img) == t


def test_otsu_variance_curve_peaks_at_otsu():
    rng = np.random.default_rng(1)
    img = np.clip(np.concatenate([rng.normal(0.3, 0.08, (40, 20)), rng.normal(0.7, 0.1, (40, 30))], 1), 0, 1)
    thresholds, variance = C.otsu_variance_curve(img, nbins=256)
    assert thresholds.shape == variance.shape == (255,)
    assert np.all(variance >= 0)
    best = thresholds[np.argmax(variance)]
    assert abs(best - C.otsu_threshold(img)) <= 2 / 256


def test_otsu_variance_curve_against_direct_formula():
    """sigma_B^2 = w0 w1 (mu0 - mu1)^2 computed from the pixels themselves."""
    img = two_level(noise=0.1, seed=3)
    thresholds, variance = C.otsu_variance_curve(img, nbins=16)
    gray = C.to_gray(img)
    centres = (np.floor(np.clip(gray, 0, 1 - 1e-12) * 16) + 0.5) / 16  # values at bin centres
    for t, v in zip(thresholds, variance):
        lo, hi = centres[centres < t], centres[centres > t]
        if lo.size == 0 or hi.size == 0:
            assert v == 0
            continue
        w0, w1 = lo.size / gray.size, hi.size / gray.size
        assert v == pytest.approx(w0 * w1 * (lo.mean() - hi.mean()) ** 2, rel=1e-9)


def test_otsu_errors():
    with pytest.raises(ValueError, match="single grey level"):
        C.otsu_threshold(np.full((8, 8), 0.5))
    with pytest.raises(ValueError, match="nbins"):
        C.otsu_threshold(two_level(), nbins=1)
    with pytest.raises(ValueError, match="nbins"):
        C.otsu_variance_curve(two_level(), nbins=1)
    with pytest.raises(TypeError, match="nbins"):
        C.otsu_segment(two_level(), nbins=2.5)


def test_multi_otsu_three_levels():
    rng = np.random.default_rng(0)
    img = np.repeat([[0.1, 0.5, 0.9]], 16, axis=0).repeat(8, axis=1)
    img = np.clip(img + rng.normal(0, 0.005, img.shape), 0, 1)
    labels, thresholds = C.multi_otsu_segment(img, 3)
    assert thresholds.shape == (2,) and thresholds[0] < thresholds[1]
    np.testing.assert_array_equal(labels[:, ::8][0], [0, 1, 2])
    assert (labels[:, :8] == 0).all() and (labels[:, 8:16] == 1).all() and (labels[:, 16:] == 2).all()


def test_multi_otsu_two_classes_is_otsu():
    img = two_level(noise=0.05)
    (t,) = C.multi_otsu_thresholds(img, 2)
    assert abs(t - C.otsu_threshold(img)) <= 1 / 255


@pytest.mark.parametrize("classes", [1, 6])
def test_multi_otsu_bad_classes(classes):
    with pytest.raises(ValueError, match="classes"):
        C.multi_otsu_thresholds(two_level(), classes)


def test_multi_otsu_bad_nbins():
    with pytest.raises(ValueError, match="nbins"):
        C.multi_otsu_segment(two_level(), 3, nbins=1)


def test_multi_otsu_too_few_levels():
    img = np.zeros((8, 8)); img[:, 4:] = 1.0
    with pytest.raises(ValueError, match="distinct grey levels"):
        C.multi_otsu_segment(img, 3)


# --- region growing --------------------------------------------------------------

def test_region_grow_seed_reference_is_connected_tolerance_set():
    from skimage.measure import label

    img = two_level(noise=0.05, seed=2)
    tol = 0.08
    region = C.region_grow(img, (5, 5), tol)
    gray = C.to_gray(img)
    within = np.abs(gray - gray[5, 5]) <= tol
    comps = label(within, connectivity=1)
    np.testing.assert_array_equal(region, comps == comps[5, 5])


def test_region_grow_stops_at_a_step():
    region = C.region_grow(two_level(), (10, 3), 0.2)
    assert region[:, :24].all() and not region[:, 24:].any()


def test_region_grow_does_not_cross_a_gap_with_4_connectivity():
    img = np.zeros((9, 9))
    img[4, :] = 1.0
    img[:, 4] = 1.0  # a bright cross cuts the image into four dark quarters
    img[4, 4] = 0.0
    r4 = C.region_grow(img, (0, 0), 0.1, connectivity=4)
    r8 = C.region_grow(img, (0, 0), 0.1, connectivity=8)
    assert r4.sum() == 16  # one quarter
    assert r8.sum() == 16 * 4 + 1  # diagonal steps through the centre reach all quarters


def test_region_grow_mean_reference_follows_a_ramp():
    # A slow horizontal ramp: each step is small, the total change is large.
    img = np.tile(np.linspace(0.0, 1.0, 64), (8, 1))
    seed_only = C.region_grow(img, (4, 0), 0.1, reference="seed")
    running = C.region_grow(img, (4, 0), 0.1, reference="mean")
    assert seed_only.sum() < running.sum()
    assert seed_only[:, :6].all() and not seed_only[:, 8:].any()


def test_region_grow_color_distinguishes_equal_grey():
    img = np.zeros((10, 10, 3))
    img[:, :5] = (0.6, 0.2, 0.2)
    img[:, 5:] = (0.2, 0.35, 0.45)  # similar grey level, different colour
    gray = C.to_gray(img)
    assert abs(gray[0, 0] - gray[0, 9]) < 0.06
    assert C.region_grow(img, (0, 0), 0.1, feature="intensity").all()
    colour = C.region_grow(img, (0, 0), 0.1, feature="color")
    assert colour[:, :5].all() and not colour[:, 5:].any()


def test_region_grow_zero_tolerance_and_input_untouched():
    img = two_level(noise=0.0)
    before = img.copy()
    region = C.region_grow(img, (0, 0), 0.0)
    assert region.sum() == 32 * 24
    np.testing.assert_array_equal(img, before)


@pytest.mark.parametrize("seed", [(-1, 0), (0, 48), (32, 0), (100, 100)])
def test_region_grow_seed_outside(seed):
    with pytest.raises(ValueError, match="inside the image"):
        C.region_grow(two_level(), seed, 0.1)


def test_region_grow_other_errors():
    img = two_level()
    with pytest.raises(TypeError, match="seed"):
        C.region_grow(img, 5, 0.1)
    with pytest.raises(TypeError, match="seed"):
        C.region_grow(img, (1.5, 2), 0.1)
    with pytest.raises(ValueError, match="tolerance"):
        C.region_grow(img, (0, 0), -0.1)
    with pytest.raises(ValueError, match="feature"):
        C.region_grow(img, (0, 0), 0.1, feature="texture")
    with pytest.raises(ValueError, match="reference"):
        C.region_grow(img, (0, 0), 0.1, reference="median")
    with pytest.raises(ValueError, match="connectivity"):
        C.region_grow(img, (0, 0), 0.1, connectivity=6)


# --- edges ----------------------------------------------------------------------

def test_edge_map_sobel_peaks_at_the_step():
    e = C.edge_map(two_level(noise=0.0), method="sobel", sigma=0.0)
    assert e.shape == (32, 48)
    assert np.argmax(e.mean(axis=0)) in (23, 24)


def grey_quadrants(noise=0.01, seed=0):
    rng = np.random.default_rng(seed)
    _, gt = four_quadrants()
    img = np.array([0.0, 1.0, 0.5, 0.0])[gt]  # steps of 0.5 or 1 between quadrants
    return np.clip(img + rng.normal(0, noise, img.shape), 0, 1), gt


def inner_mask(shape=(32, 48)):
    """Pixels at least 3 px away from the quadrant borders."""
    inner = np.zeros(shape, bool)
    inner[3:13, 3:21] = inner[3:13, 27:45] = inner[19:29, 3:21] = inner[19:29, 27:45] = True
    return inner


def test_edge_segment_finds_quadrants():
    img, gt = grey_quadrants()
    labels = C.edge_segment(img, method="sobel", sigma=1.0)
    assert labels.dtype == np.int64
    # Away from the borders between quadrants, regions match the quadrants.
    inner = inner_mask()
    assert agree_up_to_permutation(labels[inner], gt[inner])


def test_edge_segment_canny_leaks_at_a_junction():
    # Canny's non-maximum suppression breaks contours where three regions
    # meet, so filled contours merge quadrants that the Sobel watershed keeps.
    img, gt = grey_quadrants()
    labels = C.edge_segment(img, method="canny", sigma=1.0)
    inner = inner_mask()
    assert np.unique(labels[inner]).size < 4


def test_edge_segment_canny_contour_with_gap_merges():
    img = np.zeros((24, 24))
    img[6:18, 6:18] = 1.0  # a square: a closed contour
    labels = C.edge_segment(img, method="canny")
    assert labels.max() == 1 and labels[12, 12] != labels[12, 22]
    img[:, 18:] = 0.97  # nearly as bright right of the square: its right side has no edge
    labels = C.edge_segment(img, method="canny")
    assert labels[12, 12] == labels[12, 22]  # the square leaks into the bright strip


def test_edge_segment_flat_image_is_one_region():
    np.testing.assert_array_equal(C.edge_segment(np.full((16, 16), 0.5)), 0)


def test_edge_errors():
    img = two_level()
    with pytest.raises(ValueError, match="method"):
        C.edge_map(img, method="laplace")
    with pytest.raises(ValueError, match="sigma"):
        C.edge_map(img, sigma=-1)
    with pytest.raises(ValueError, match="method"):
        C.edge_segment(img, method="prewitt")
    with pytest.raises(ValueError, match="marker_level"):
        C.edge_segment(img, marker_level=0.0)
    with pytest.raises(ValueError, match="marker_level"):
        C.edge_segment(img, marker_level=1.0)
    with pytest.raises(ValueError, match="min_size"):
        C.edge_segment(img, min_size=0)
    with pytest.raises(ValueError, match="sigma"):
        C.edge_segment(img, sigma=-0.5)


# --- k-means ---------------------------------------------------------------------

def blobs(n_per=200, centres=((0, 0), (10, 0), (0, 10), (10, 10)), sd=0.5, seed=0):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(c, sd, (n_per, len(c))) for c in centres])
    y = np.repeat(np.arange(len(centres)), n_per)
    return x, y


def test_kmeans_recovers_blobs():
    x, y = blobs()
    r = C.kmeans(x, 4, seed=0)
    assert agree_up_to_permutation(r.labels, y)
    assert r.centers.shape == (4, 2)
    d = ((x - r.centers[r.labels]) ** 2).sum()
    assert r.inertia == pytest.approx(d)


def test_kmeans_inertia_matches_scikit_learn():
    sklearn_cluster = pytest.importorskip("sklearn.cluster")
    x, _ = blobs(n_per=300, centres=((0, 0, 0), (6, 0, 1), (0, 7, 2), (5, 5, 5), (-5, 3, -2)), sd=0.8)
    ours = C.kmeans(x, 5, seed=0)
    theirs = sklearn_cluster.KMeans(n_clusters=5, n_init=10, random_state=0).fit(x)
    assert ours.inertia == pytest.approx(theirs.inertia_, rel=0.01)


def test_kmeans_is_seedable():
    rng = np.random.default_rng(5)
    x = rng.random((500, 3))
    a, b = C.kmeans(x, 6, seed=3), C.kmeans(x, 6, seed=3)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.centers, b.centers)
    c = C.kmeans(x, 6, seed=4)
    assert not np.array_equal(a.centers, c.centers)


def test_kmeans_random_init_and_k_equal_n():
    x, y = blobs(n_per=20)
    r = C.kmeans(x, 4, init="random", seed=1)
    assert r.labels.shape == (80,)
    small = np.arange(6.0).reshape(3, 2)
    r = C.kmeans(small, 3)
    assert r.inertia == pytest.approx(0.0)


def test_kmeans_duplicate_points():
    x = np.zeros((10, 2))
    x[5:] = 1.0
    r = C.kmeans(x, 4, seed=0)  # more clusters than distinct points
    assert r.inertia == pytest.approx(0.0)
    assert np.all(np.isfinite(r.centers))


def test_kmeans_lloyd_decreases_inertia():
    rng = np.random.default_rng(2)
    x = rng.random((400, 3))
    hist = C.kmeans_history(x, 5, n_iter=8, seed=0)
    inertia = [((x - c[l]) ** 2).sum() for l, c in [(h[0], h[1]) for h in hist]]
    # Lloyd: assignment at step i uses centres of step i - 1; the inertia of
    # (labels_i, centres_i) never increases.
    assert all(b <= a + 1e-9 for a, b in zip(inertia, inertia[1:]))


def test_kmeans_history_shapes():
    x, _ = blobs(n_per=30)
    hist = C.kmeans_history(x, 4, n_iter=3, seed=0)
    assert 2 <= len(hist) <= 4
    for labels, centers in hist:
        assert labels.shape == (120,) and centers.shape == (4, 2)
    # The first entry holds the k-means++ centres, which are data points.
    assert all((np.abs(x - c).sum(axis=1) == 0).any() for c in hist[0][1])


@pytest.mark.parametrize("k", [0, -1, 81])
def test_kmeans_bad_k(k):
    x, _ = blobs(n_per=20)
    with pytest.raises(ValueError, match="`k`"):
        C.kmeans(x, k)


def test_kmeans_other_errors():
    x, _ = blobs(n_per=20)
    with pytest.raises(TypeError, match="`k`"):
        C.kmeans(x, 2.0)
    with pytest.raises(ValueError, match="features"):
        C.kmeans(np.zeros(10), 2)
    with pytest.raises(ValueError, match="NaN"):
        C.kmeans(np.full((5, 2), np.nan), 2)
    with pytest.raises(TypeError, match="features"):
        C.kmeans([[0, 1]], 1)
    with pytest.raises(ValueError, match="init"):
        C.kmeans(x, 2, init="forgy")
    with pytest.raises(ValueError, match="max_iter"):
        C.kmeans(x, 2, max_iter=0)
    with pytest.raises(ValueError, match="n_init"):
        C.kmeans(x, 2, n_init=0)
    with pytest.raises(ValueError, match="tol"):
        C.kmeans(x, 2, tol=-1)
    with pytest.raises(TypeError, match="seed"):
        C.kmeans(x, 2, seed="zero")
    with pytest.raises(ValueError, match="n_iter"):
        C.kmeans_history(x, 2, n_iter=0)
    with pytest.raises(ValueError, match="init"):
        C.kmeans_history(x, 2, init="forgy")
    with pytest.raises(ValueError, match="`k`"):
        C.kmeans_history(x, 0)


def test_pixel_features():
    img = np.zeros((8, 10, 3))
    img[..., 0] = 0.5
    f = C.pixel_features(img)
    assert f.shape == (80, 3)
    np.testing.assert_allclose(f[:, 0], 0.5)
    f = C.pixel_features(img, position_weight=2.0)
    assert f.shape == (80, 5)
    # Row-major order; positions scaled by w / longest side.
    np.testing.assert_allclose(f[13, 3:], [1 * 2 / 10, 3 * 2 / 10])
    lab = C.pixel_features(np.ones((8, 8, 3)), color_space="lab")
    np.testing.assert_allclose(lab[0], [1.0, 0.0, 0.0], atol=1e-3)
    with pytest.raises(ValueError, match="position_weight"):
        C.pixel_features(img, position_weight=-1)
    with pytest.raises(ValueError, match="color_space"):
        C.pixel_features(img, color_space="hsv")


def test_kmeans_segment_colour_vs_position():
    # Two far-apart squares of the same colour on a background.
    img = np.zeros((24, 48, 3))
    img[8:16, 4:12] = (1.0, 0.2, 0.2)
    img[8:16, 36:44] = (1.0, 0.2, 0.2)
    colour = C.kmeans_segment(img, 2, seed=0)
    assert colour[12, 8] == colour[12, 40]  # clusters by colour: same label
    with_pos = C.kmeans_segment(img, 3, position_weight=3.0, seed=0)
    assert with_pos[12, 8] != with_pos[12, 40]


def test_kmeans_segment_quadrants_and_labels_in_order():
    img, gt = four_quadrants()
    labels = C.kmeans_segment(img, 4, seed=0)
    assert agree_up_to_permutation(labels, gt)
    assert labels[0, 0] == 0  # numbered in order of first appearance
    with pytest.raises(ValueError, match="`k`"):
        C.kmeans_segment(img, 0)


# --- Felzenszwalb -----------------------------------------------------------------

def test_felzenszwalb_quadrants():
    img, gt = four_quadrants(noise=0.01)
    labels = C.felzenszwalb_segment(img, scale=300.0, sigma=0.5, min_size=20)
    assert labels.dtype == np.int64
    # (Thin regions of blurred colours run along the borders: look inside.)
    inner = inner_mask()
    assert agree_up_to_permutation(labels[inner], gt[inner])


def test_felzenszwalb_scale_controls_size():
    rng = np.random.default_rng(0)
    img = rng.random((32, 32, 3))
    few = C.felzenszwalb_segment(img, scale=1000.0, min_size=5).max()
    many = C.felzenszwalb_segment(img, scale=10.0, min_size=5).max()
    assert few < many


def test_felzenszwalb_errors():
    img, _ = four_quadrants()
    with pytest.raises(ValueError, match="scale"):
        C.felzenszwalb_segment(img, scale=0)
    with pytest.raises(ValueError, match="sigma"):
        C.felzenszwalb_segment(img, sigma=-1)
    with pytest.raises(ValueError, match="min_size"):
        C.felzenszwalb_segment(img, min_size=0)


def test_image_errors_are_shared():
    with pytest.raises(ValueError, match="image"):
        C.otsu_threshold(np.zeros((4, 4)))
    with pytest.raises(TypeError, match="image"):
        C.kmeans_segment("not an image", 2)


# --- typos that would take all the memory (or the afternoon) are refused ------------------------

@pytest.mark.parametrize("call, match", [
    (lambda img: C.otsu_threshold(img, nbins=10 ** 9), "`nbins` must be at most 65536"),
    (lambda img: C.otsu_variance_curve(img, nbins=70000), "`nbins` must be at most 65536"),
    (lambda img: C.multi_otsu_thresholds(img, 3, nbins=10 ** 5), "`nbins` must be at most 4096"),
    (lambda img: C.multi_otsu_segment(img, 5, nbins=512), r"`nbins` = 512 with `classes` = 5 .* at most 256"),
    (lambda img: C.multi_otsu_thresholds(img, 4, nbins=2000), "at most 1625 bins"),
])
def test_threshold_bins_bounded(call, match):
    img, _ = four_quadrants()
    with pytest.raises(ValueError, match=match):
        call(img)


def test_kmeans_distance_table_bounded():
    from segkit.classical.kmeans import MAX_TABLE

    x = np.zeros((MAX_TABLE // 1000 + 1, 1))   # N x 1000 is just above the limit
    with pytest.raises(ValueError, match=r"`k` = 1000 is too many clusters .*MAX_TABLE"):
        C.kmeans(x, 1000)
    with pytest.raises(ValueError, match="`k` = 1000 is too many"):
        C.kmeans_history(x, 1000)
    img = np.zeros((400, 400, 3))
    with pytest.raises(ValueError, match="shrink the image"):
        C.kmeans_segment(img, 400)


@pytest.mark.parametrize("seed", [-1, np.int64(-3)])
def test_kmeans_negative_seed_named(seed):
    x, _ = blobs(n_per=10)
    with pytest.raises(ValueError, match="`seed` must be at least 0"):
        C.kmeans(x, 2, seed=seed)
