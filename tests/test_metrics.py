import numpy as np
import pytest

import _scenes

from segkit import metrics as M

GT = np.array([[0, 0, 0, 1, 1, 1],
               [0, 0, 0, 1, 1, 1],
               [2, 2, 2, 2, 2, 2]])
PRED = np.array([[5, 5, 7, 7, 7, 7],
                 [5, 5, 5, 7, 7, 7],
                 [9, 9, 9, 9, 9, 7]])


def permuted(labels, seed=0):
    return _scenes.permuted(labels, seed, start=100)


def test_contingency_table():
    table, p, g = M.contingency_table(PRED, GT)
    np.testing.assert_array_equal(p, [5, 7, 9])
    np.testing.assert_array_equal(table, [[5, 0, 0], [1, 6, 1], [0, 0, 5]])


def test_hungarian_by_hand():
    assert M.hungarian_match(PRED, GT) == {5: 0, 7: 1, 9: 2}
    s = M.hungarian_scores(PRED, GT)
    assert s["accuracy"] == pytest.approx(16 / 18)
    # IoUs: class 0: 5 / (5 + 6 - 5) = 5/6; class 1: 6 / (8 + 6 - 6) = 6/8; class 2: 5 / (5 + 6 - 5) = 5/6
    assert s["iou"] == pytest.approx({0: 5 / 6, 1: 6 / 8, 2: 5 / 6})
    assert s["miou"] == pytest.approx((5 / 6 + 6 / 8 + 5 / 6) / 3)
    assert M.pixel_accuracy(PRED, GT) == s["accuracy"]
    assert M.hungarian_miou(PRED, GT) == s["miou"]


def test_hungarian_more_and_fewer_clusters():
    # one predicted cluster for everything: only one class can be matched
    one = np.zeros_like(GT)
    assert M.pixel_accuracy(one, GT) == pytest.approx(6 / 18)  # matched to class 2 (6 px)
    assert M.hungarian_miou(one, GT) == pytest.approx((6 / 18) / 3)
    # perfect over-segmentation: extra clusters stay unmatched and count as wrong
    over = GT * 2 + (np.arange(6)[None, :] % 2)
    # best halves: class 0 keeps 4 of 6 px, class 1 4 of 6, class 2 3 of 6
    assert M.pixel_accuracy(over, GT) == pytest.approx(11 / 18)


def test_hungarian_is_not_greedy():
    # greedy matching would give cluster 0 to class 0 (3 px) and lose; optimal: 0->1, 1->0
    gt = np.array([[0, 0, 0, 0, 1, 1, 1]])
    pred = np.array([[1, 1, 0, 0, 0, 0, 0]])
    assert M.hungarian_match(pred, gt) == {0: 0, 1: 1} or M.pixel_accuracy(pred, gt) >= 5 / 7
    assert M.pixel_accuracy(pred, gt) == pytest.approx(5 / 7)


def test_best_overlap_and_covering_by_hand():
    # gt 0 (6 px): best pred 5 (5 px) IoU 5/6; gt 1 (6 px): pred 7 (8 px) IoU 6/8; gt 2: pred 9 IoU 5/6
    assert M.best_overlap_miou(PRED, GT) == pytest.approx((5 / 6 + 6 / 8 + 5 / 6) / 3)
    assert M.segmentation_covering(PRED, GT) == pytest.approx((6 * 5 / 6 + 6 * 6 / 8 + 6 * 5 / 6) / 18)


def test_best_overlap_many_to_one_and_components():
    gt = np.array([[0, 0, 1, 1, 2, 2]] * 2)
    pred = np.array([[0, 0, 1, 1, 0, 0]] * 2)  # cluster 0 covers two separate gt segments
    # without splitting: gt0 and gt2 each best-match cluster 0: IoU 4/8
    assert M.best_overlap_miou(pred, gt) == pytest.approx((0.5 + 1 + 0.5) / 3)
    # splitting cluster 0 into its two connected pieces makes it perfect
    assert M.best_overlap_miou(pred, gt, split_components=True) == pytest.approx(1.0)


def test_connected_components():
    labels = np.array([[0, 0, 1], [1, 0, 1], [1, 1, 0]])
    cc = M.connected_components(labels)
    assert np.unique(cc).size == 4  # {0,0,0 top-left}, {1 right column}, {1 bottom-left}, {0 bottom-right}
    cc8 = M.connected_components(labels, connectivity=2)
    assert np.unique(cc8).size == 2
    with pytest.raises(ValueError, match="`connectivity` must be at most 2"):
        M.connected_components(labels, connectivity=3)


def test_vi_and_rand_against_known_values():
    same = M.variation_of_information(GT, permuted(GT))
    assert same == pytest.approx(0.0, abs=1e-12)
    # splitting a uniform 2-segment map into 4 equal parts adds exactly 1 bit
    a = np.repeat([[0, 0, 1, 1]], 4, axis=0)
    b = np.repeat([[0, 1, 2, 3]], 4, axis=0)
    assert M.variation_of_information(b, a) == pytest.approx(1.0)
    assert M.adapted_rand_error(GT, permuted(GT)) == pytest.approx(0.0)
    # label 0 is a real segment here (scikit-image would ignore it by default)
    assert M.adapted_rand_error(np.zeros_like(GT), GT) > 0.3


def test_boundary_recall_and_undersegmentation():
    gt = np.repeat([[0] * 8 + [1] * 8], 16, axis=0)
    exact = gt.copy()
    assert M.boundary_recall(exact, gt, tolerance=0) == 1.0
    assert M.undersegmentation_error(exact, gt) == 0.0
    shifted = np.repeat([[0] * 10 + [1] * 6], 16, axis=0)
    assert M.boundary_recall(shifted, gt, tolerance=1) == 0.0
    assert M.boundary_recall(shifted, gt, tolerance=2) == 1.0
    # the 2-pixel sliver of superpixel 0 inside gt 1: min(2, 8) charged for gt 0 and for gt 1
    assert M.undersegmentation_error(shifted, gt) == pytest.approx(2 * 2 * 16 / 256)
    assert M.boundary_recall(np.zeros_like(gt), gt) == 0.0
    assert M.boundary_recall(gt, np.zeros_like(gt)) == 1.0  # no gt boundary: nothing to recall
    grid = np.arange(16)[None, :] // 4 + 4 * (np.arange(16)[:, None] // 4)
    assert M.boundary_recall(grid, gt, tolerance=0) == 1.0  # superpixel grid aligned with the edge
    assert M.undersegmentation_error(grid, gt) == 0.0


ALL_PAIR_METRICS = [M.pixel_accuracy, M.hungarian_miou, M.best_overlap_miou, M.segmentation_covering,
                    M.variation_of_information, M.adapted_rand_error, M.boundary_recall,
                    M.undersegmentation_error]


@pytest.mark.parametrize("metric", ALL_PAIR_METRICS)
def test_label_permutation_invariance(metric):
    rng = np.random.default_rng(1)
    gt = rng.integers(0, 4, size=(12, 12))
    pred = rng.integers(0, 5, size=(12, 12))
    base = metric(pred, gt)
    assert metric(permuted(pred, 1), gt) == pytest.approx(base)
    assert metric(pred, permuted(gt, 2)) == pytest.approx(base)


@pytest.mark.parametrize("metric", ALL_PAIR_METRICS)
def test_metric_errors(metric):
    with pytest.raises(ValueError, match="same height and width"):
        metric(np.zeros((3, 4), int), np.zeros((4, 3), int))
    with pytest.raises(ValueError, match="2-D label map"):
        metric(np.zeros((3, 4, 3), int), np.zeros((3, 4), int))
    with pytest.raises(ValueError, match="non-negative"):
        metric(np.full((3, 4), -1), np.zeros((3, 4), int))


def test_boundary_recall_tolerance_validated():
    with pytest.raises(ValueError, match="`tolerance` must be at least 0"):
        M.boundary_recall(GT, GT, tolerance=-1)


def test_over_annotators():
    fine = GT
    coarse = (GT > 0).astype(int)
    scores = M.over_annotators(M.best_overlap_miou, GT, [coarse, fine])
    assert scores["finest"] == 1.0
    assert scores["coarsest"] == M.best_overlap_miou(GT, coarse)
    assert scores["all"] == pytest.approx(np.mean(scores["per_annotator"]))
    stacked = M.over_annotators(M.pixel_accuracy, GT, np.stack([fine, coarse]))
    assert stacked["per_annotator"][0] == 1.0
    kw = M.over_annotators(M.best_overlap_miou, PRED, [GT], split_components=True)
    assert kw["all"] == M.best_overlap_miou(PRED, GT, split_components=True)
    with pytest.raises(ValueError, match="non-empty list"):
        M.over_annotators(M.pixel_accuracy, GT, [])
    with pytest.raises(TypeError, match="`metric` must be a function"):
        M.over_annotators("miou", GT, [GT])
    with pytest.raises(ValueError, match=r"gts\[1\]"):
        M.over_annotators(M.pixel_accuracy, GT, [GT, np.zeros((2, 2, 2), int)])


def test_against_bsds_annotators(bsds_root):
    """Annotators of one BSDS image agree far better with each other than with a blank prediction."""
    from segkit.datasets import load_bsds500_item

    item = load_bsds500_item("3096", "val", bsds_root, max_side=128)
    a, b = item.segmentations[:2]
    assert M.segmentation_covering(a, a) == 1.0
    assert M.segmentation_covering(np.zeros_like(a), a) < M.segmentation_covering(b, a)


@pytest.mark.parametrize("metric", ALL_PAIR_METRICS)
@pytest.mark.parametrize("empty", [np.zeros((0, 0), int), np.zeros((0, 6), int), [], [[]]])
def test_empty_label_maps_are_refused_not_nan(metric, empty):
    with pytest.raises(ValueError, match="`pred`|`segments`"):
        metric(empty, GT)
    with pytest.raises(ValueError, match="`gt`"):
        metric(PRED, empty)


@pytest.mark.parametrize("metric", ALL_PAIR_METRICS + [M.segment_average_precision, M.kanezaki_scores])
def test_ragged_lists_are_refused_clearly(metric):
    ragged = [[0, 0, 1], [0, 1]]
    with pytest.raises(ValueError, match=r"`(pred|segments)` is a ragged list: its rows have lengths 3, 2"):
        metric(ragged, GT)
    with pytest.raises(ValueError, match=r"`gt` is a ragged list"):
        metric(PRED, ragged)


def test_plain_lists_are_still_label_maps():
    assert M.pixel_accuracy(PRED.tolist(), GT.tolist()) == M.pixel_accuracy(PRED, GT)


@pytest.mark.parametrize("call", [
    lambda v: M.best_overlap_miou(PRED, GT, split_components=v),
    lambda v: M.segment_iou_table(PRED, GT, split_components=v),
    lambda v: M.segment_matches(PRED, GT, split_components=v),
    lambda v: M.segment_precision_recall(PRED, GT, split_components=v),
    lambda v: M.segment_pr_curve(PRED, GT, split_components=v),
    lambda v: M.segment_average_precision(PRED, GT, split_components=v),
    lambda v: M.kanezaki_scores(PRED, GT, split_components=v),
])
@pytest.mark.parametrize("value", ["no", "False", 0, None])
def test_split_components_must_be_a_bool(call, value):
    with pytest.raises(TypeError, match="`split_components` must be True or False"):
        call(value)


@pytest.mark.parametrize("thresholds, error, match", [
    ("0.5", TypeError, "`thresholds` must be a number or a list"),
    ([0.5, 1.2], ValueError, r"`thresholds\[1\]`: each `threshold` must be < 1.0; got 1.2"),
    ([0.5, "0.7"], TypeError, r"`thresholds\[1\]`: each `threshold` must be a real number"),
    ([], ValueError, "`thresholds` must hold at least one"),
    (True, TypeError, "`thresholds` must be a number or a list"),
])
def test_kanezaki_thresholds_name_the_argument(thresholds, error, match):
    with pytest.raises(error, match=match):
        M.kanezaki_scores(PRED, GT, thresholds=thresholds)


def test_kanezaki_thresholds_accepts_a_number_or_an_array():
    one = M.kanezaki_scores(PRED, GT, thresholds=0.5)
    assert one == M.kanezaki_scores(PRED, GT, thresholds=np.array([0.5]))
    assert set(one) == {"precision@0.5", "recall@0.5", "f_measure@0.5", "ap@0.5"}
