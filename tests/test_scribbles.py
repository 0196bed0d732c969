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
