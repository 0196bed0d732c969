import numpy as np
import pytest

from segkit.cnn import scribbles
from segkit.cnn import check_scribble


def test_draw_strokes_line_and_width():
    s = scribbles.draw_strokes((20, 30), [(1, [(10, 2), (10, 27)])], width=3)
    assert s.dtype == np.uint8 and s.shape == (20, 30)
    assert set(np.unique(s)) == {1, 255}
    rows = np.nonzero((s == 1).any(axis=1))[0]
    np.testing.assert_array_equal(rows, [9, 10, 11])          # 3 px wide
    assert (s[10, 2:28] == 1).all() and s[10, 0] == 255


def test_draw_strokes_later_overwrites_and_clips():
    s = scribbles.draw_strokes((10, 10), [(0, [(5, -5), (5, 20)]), (3, [(0, 5), (9, 5)])], width=1)
    assert (s[5, :5] == 0).all() and (s[:, 5] == 3).all()
    assert (s != 255).sum() == 19
    check_scribble(s, (10, 10))


def test_draw_strokes_accepts_image_shape_and_does_not_mutate():
    pts = [(1.4, 1.6), (3.0, 3.0)]
    before = list(pts)
    s = scribbles.draw_strokes((6, 6, 3), [(2, pts)], width=1)
    assert pts == before and s[1, 2] == 2 and s[3, 3] == 2


@pytest.mark.parametrize("strokes, exc, match", [
    ([(0, [])], ValueError, "non-empty"),
    ([(255, [(0, 0)])], ValueError, "at most 254"),
    ([(0,)], TypeError, "pair"),
    ([(1.5, [(0, 0)])], TypeError, "integer"),
])
def test_draw_strokes_errors(strokes, exc, match):
    with pytest.raises(exc, match=match):
        scribbles.draw_strokes((5, 5), strokes)


def test_draw_strokes_bad_shape_and_width():
    with pytest.raises(ValueError, match="shape"):
        scribbles.draw_strokes((5,), [])
    with pytest.raises(ValueError, match="width"):
        scribbles.draw_strokes((5, 5), [], width=0)


def test_scribbles_from_labels_inside_regions_largest_first():
    gt = np.zeros((40, 60), dtype=int)
    gt[:, 40:] = 1          # 40 x 20 = 800
    gt[:10, :10] = 2        # 100
    s = scribbles.scribbles_from_labels(gt, 3, width=3, margin=2, min_area=50)
    for cls, region in ((0, 0), (1, 1), (2, 2)):
        on = s == cls
        assert on.any()
        assert (gt[on] == region).all()
    assert (s != 255).mean() < 0.3
    # margin keeps strokes off the border between regions 0 and 1
    assert not (s[:, 38:42] != 255).any()


def test_scribbles_from_labels_min_area_and_errors():
    gt = np.zeros((20, 20), dtype=int)
    gt[:3, :3] = 1
    s = scribbles.scribbles_from_labels(gt, 5, min_area=20)
    np.testing.assert_array_equal(scribbles.scribble_classes(s), [0])
    with pytest.raises(ValueError, match="min_area"):
        scribbles.scribbles_from_labels(gt, 2, min_area=1000)
    with pytest.raises(ValueError, match="n_classes"):
        scribbles.scribbles_from_labels(gt, 0)


def test_scribbles_from_thin_region_falls_back():
    gt = np.zeros((20, 20), dtype=int)
    gt[10, :] = 1           # one pixel thick: erosion removes it
    s = scribbles.scribbles_from_labels(gt, 2, margin=3, min_area=5)
    assert (s == 1).sum() > 0 and (gt[s == 1] == 1).all()


def test_scribble_classes():
    s = np.full((3, 3), 255, np.uint8)
    s[0, 0], s[2, 2] = 4, 1
    np.testing.assert_array_equal(scribbles.scribble_classes(s), [1, 4])


class TestRandomWalker:
    """The classical scribble baseline of lesson 06 (scikit-image's random walker on segkit's format)."""

    def _scene(self):
        img = np.zeros((20, 24, 3), np.float32)
        img[:, 12:] = (0.9, 0.2, 0.1)
        img[12:, :12] = (0.1, 0.3, 0.9)
        s = np.full((20, 24), 255, np.uint8)
        s[3, 2:6] = 7          # class ids need not be 0..k-1
        s[5, 18:22] = 2
        s[16, 3:8] = 4
        return img, s

    def test_propagates_each_class_over_its_region(self):
        from segkit.cnn import random_walker_segment

        img, s = self._scene()
        labels = random_walker_segment(img, s)
        assert labels.dtype == np.int64 and labels.shape == (20, 24)
        assert (labels[:12, :12] == 7).all() and (labels[:, 12:] == 2).all() and (labels[12:, :12] == 4).all()

    def test_is_scikit_images_random_walker_on_the_strokes(self):
        from skimage.segmentation import random_walker

        from segkit.cnn import random_walker_segment

        rng = np.random.default_rng(0)
        img = rng.random((16, 18, 3))
        s = np.full((16, 18), 255, np.uint8)
        s[2, 2], s[13, 15], s[8, 9] = 0, 1, 3
        markers = np.select([s == 0, s == 1, s == 3], [1, 2, 3], 0)
        ref = random_walker(img, markers, beta=50.0, mode="bf", channel_axis=-1)  # small: direct solve
        assert np.array_equal(random_walker_segment(img, s, beta=50.0), np.array([0, 1, 3])[ref - 1])

    def test_one_class_and_input_untouched(self):
        from segkit.cnn import random_walker_segment

        img, s = self._scene()
        s1 = np.where(s == 7, 7, 255).astype(np.uint8)
        before = s1.copy()
        assert (random_walker_segment(img, s1) == 7).all()
        assert np.array_equal(s1, before)

    @pytest.mark.parametrize("kwargs, error, name", [
        (dict(scribble=np.full((20, 24), 255)), ValueError, "`scribble`"),
        (dict(scribble=np.zeros((5, 5), int)), ValueError, "`scribble`"),
        (dict(beta=-1.0), ValueError, "`beta`"),
    ])
    def test_bad_input_named(self, kwargs, error, name):
        from segkit.cnn import random_walker_segment

        img, s = self._scene()
        args = dict(scribble=s)
        args.update(kwargs)
        with pytest.raises(error, match=name):
            random_walker_segment(img, **args)
