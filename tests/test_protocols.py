"""The papers' protocols (segkit.metrics, last section): hand-made cases with known answers."""

import numpy as np
import pytest

import _scenes

from segkit import metrics as M

# 1 x 12 strip: ground truth 0..2 | 3..5 | 6..11
GT3 = np.array([[0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2]])
# A = 0..5 (6 px, IoU 3/6 = 0.5 with gt 0 and gt 1: not above 0.5), B = 6..9 (4 px, IoU 4/6 with gt 2),
# C = 10..11 (2 px, IoU 2/6 with gt 2)
PRED3 = np.array([[0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2]])


def permuted(labels, seed=0):
    return _scenes.permuted(labels, seed, start=50)


def test_iou_table_by_hand():
    iou, ps, gs = M.segment_iou_table(PRED3, GT3)
    np.testing.assert_array_equal(ps, [6, 4, 2])
    np.testing.assert_array_equal(gs, [3, 3, 6])
    np.testing.assert_allclose(iou, [[3 / 6, 3 / 6, 0], [0, 0, 4 / 6], [0, 0, 2 / 6]])


def test_perfect_prediction_scores_one():
    gt = np.repeat(np.array([[0, 0, 1, 1, 2, 2, 2, 3]]), 4, axis=0)
    s = M.kanezaki_scores(permuted(gt), gt)
    assert s == {f"{m}@{t}": 1.0 for t in ("0.5", "0.7") for m in ("precision", "recall", "f_measure", "ap")}


def test_precision_recall_f_by_hand():
    s = M.segment_precision_recall(PRED3, GT3, threshold=0.5)
    # only B is correct: P = 1/3, R = 1/3, F = 1/3
    assert (s["n_pred"], s["n_gt"], s["n_correct"]) == (3, 3, 1)
    assert s["precision"] == pytest.approx(1 / 3)
    assert s["recall"] == pytest.approx(1 / 3)
    assert s["f_measure"] == pytest.approx(1 / 3)
    # at 0.7 nothing is correct, and F is 0 (not nan)
    s7 = M.segment_precision_recall(PRED3, GT3, threshold=0.7)
    assert (s7["precision"], s7["recall"], s7["f_measure"]) == (0.0, 0.0, 0.0)


def test_threshold_is_strict():
    # each ground-truth segment split in exact halves: every IoU is exactly 0.5
    gt = np.array([[0, 0, 0, 0, 1, 1, 1, 1]])
    halves = np.array([[0, 0, 1, 1, 2, 2, 3, 3]])
    assert M.segment_precision_recall(halves, gt, threshold=0.5)["n_correct"] == 0
    assert M.segment_precision_recall(halves, gt, threshold=0.49)["n_correct"] == 2
    # 3:1 splits: IoU 3/4 passes 0.5 and 0.7, the quarters do not
    quarters = np.array([[0, 0, 0, 1, 2, 2, 2, 3]])
    s = M.segment_precision_recall(quarters, gt, threshold=0.7)
    assert (s["precision"], s["recall"]) == (0.5, 1.0)
    assert s["f_measure"] == pytest.approx(2 * 0.5 / 1.5)


def test_ap_ranked_by_area_by_hand():
    # ranking by area: A (wrong), B (correct), C (wrong): P = 0, 1/2, 1/3 and R = 0, 1/3, 1/3
    p, r = M.segment_pr_curve(PRED3, GT3, threshold=0.5)
    np.testing.assert_allclose(p, [0, 1 / 2, 1 / 3])
    np.testing.assert_allclose(r, [0, 1 / 3, 1 / 3])
    assert M.segment_average_precision(PRED3, GT3, threshold=0.5) == pytest.approx(1 / 2 * 1 / 3)
    # no ranking: one point, AP = P x R
    p, r = M.segment_pr_curve(PRED3, GT3, threshold=0.5, rank_by="tied")
    np.testing.assert_allclose([p[0], r[0]], [1 / 3, 1 / 3])
    assert M.segment_average_precision(PRED3, GT3, rank_by="tied") == pytest.approx(1 / 9)
    assert M.segment_average_precision(PRED3, GT3, threshold=0.7) == 0.0


def test_ap_rewards_correct_large_segments_first():
    # the same segments, but the correct one is now the largest: AP = P(1) x 1/3 = 1/3
    gt = np.array([[0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]])   # gt 2: 10 px
    pred = np.array([[0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2]])  # B: 8 px, IoU 0.8
    assert M.segment_average_precision(pred, gt) == pytest.approx(1 / 3)
    assert M.segment_average_precision(pred, gt, rank_by="tied") == pytest.approx(1 / 9)


def test_matching_is_one_to_one_below_half():
    # gt 0 = 0..9, gt 1 = 10..11; A = 0..4 (IoU 0.5 with gt 0), B = 5..11 (IoU 5/12 with gt 0, 2/7 with gt 1)
    gt = np.array([[0] * 10 + [1] * 2])
    pred = np.array([[0] * 5 + [1] * 7])
    m = M.segment_matches(pred, gt, threshold=0.3)
    # B is larger, is visited first and claims gt 0; A may not claim it again
    np.testing.assert_array_equal(m["order"], [1, 0])
    np.testing.assert_array_equal(m["correct"], [False, True])
    np.testing.assert_array_equal(m["matched"], [1, -1])
    s = M.segment_precision_recall(pred, gt, threshold=0.3)
    assert (s["precision"], s["recall"]) == (0.5, 0.5)
    # in id order A claims gt 0 first
    assert M.segment_matches(pred, gt, threshold=0.3, rank_by="tied")["correct"].tolist() == [True, False]


def test_connected_components_are_the_segments():
    gt = np.repeat(np.array([[0, 1, 2]]), 3, axis=0)
    pred = np.repeat(np.array([[0, 1, 0]]), 3, axis=0)   # cluster 0 covers two separate columns
    s = M.kanezaki_scores(pred, gt)
    assert s["precision@0.5"] == s["recall@0.5"] == s["ap@0.5"] == 1.0
    raw = M.segment_precision_recall(pred, gt, split_components=False)
    assert (raw["precision"], raw["recall"]) == (0.5, pytest.approx(1 / 3))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_invariant_to_label_permutation(seed):
    rng = np.random.default_rng(seed)
    gt = np.repeat(np.repeat(rng.integers(0, 4, (4, 5)), 3, axis=0), 3, axis=1)
    pred = np.repeat(np.repeat(rng.integers(0, 5, (6, 5)), 2, axis=0), 3, axis=1)
    a = M.kanezaki_scores(pred, gt, thresholds=(0.3, 0.5))
    b = M.kanezaki_scores(permuted(pred, seed), permuted(gt, seed + 10), thresholds=(0.3, 0.5))
    assert a == pytest.approx(b)


def test_kanezaki_scores_agree_with_the_single_functions():
    rng = np.random.default_rng(3)
    gt = np.repeat(rng.integers(0, 3, (5, 6)), 4, axis=1)
    pred = np.repeat(rng.integers(0, 4, (5, 6)), 4, axis=1)
    s = M.kanezaki_scores(pred, gt, thresholds=[0.25, 0.5])
    assert set(s) == {f"{m}@{t}" for t in ("0.25", "0.5") for m in ("precision", "recall", "f_measure", "ap")}
    for t in (0.25, 0.5):
        pr = M.segment_precision_recall(pred, gt, threshold=t)
        assert s[f"precision@{t:g}"] == pr["precision"] and s[f"recall@{t:g}"] == pr["recall"]
        assert s[f"ap@{t:g}"] == M.segment_average_precision(pred, gt, threshold=t)
        # the curve ends at the whole segmentation's precision and recall
        p, r = M.segment_pr_curve(pred, gt, threshold=t)
        assert (p[-1], r[-1]) == pytest.approx((pr["precision"], pr["recall"]))
        assert 0.0 <= s[f"ap@{t:g}"] <= pr["recall"]


def test_inputs_not_mutated():
    pred, gt = PRED3.copy(), GT3.copy()
    M.kanezaki_scores(pred, gt)
    np.testing.assert_array_equal(pred, PRED3)
    np.testing.assert_array_equal(gt, GT3)


def test_best_overlap_over_annotators_by_hand():
    # the other protocol of the unsupervised-CNN papers, on components, against a fine and a coarse annotator
    pred = np.repeat(np.array([[0, 0, 1, 1, 0, 0]]), 2, axis=0)   # cluster 0: two components
    fine = np.repeat(np.array([[0, 0, 1, 1, 2, 2]]), 2, axis=0)
    coarse = np.zeros((2, 6), int)
    s = M.over_annotators(M.best_overlap_miou, pred, [fine, coarse], split_components=True)
    assert s["finest"] == 1.0
    assert s["coarsest"] == pytest.approx(4 / 12)   # best component covers 4 of 12 px
    assert s["all"] == pytest.approx((1 + 4 / 12) / 2)
    # without components, cluster 0 (8 px) against gt 0 (4 px): IoU 1/2
    assert M.best_overlap_miou(pred, fine) == pytest.approx((0.5 + 1 + 0.5) / 3)


@pytest.mark.parametrize("threshold", [1.0, -0.1, 1.5])
def test_threshold_out_of_range(threshold):
    with pytest.raises(ValueError, match="`threshold` must be"):
        M.segment_precision_recall(PRED3, GT3, threshold=threshold)
    with pytest.raises(ValueError, match="`threshold` must be"):
        M.kanezaki_scores(PRED3, GT3, thresholds=(0.5, threshold))


def test_errors():
    with pytest.raises(TypeError, match="`threshold` must be a real number"):
        M.segment_average_precision(PRED3, GT3, threshold="0.5")
    with pytest.raises(ValueError, match="`rank_by` must be one of 'area', 'tied'; got 'score'"):
        M.segment_average_precision(PRED3, GT3, rank_by="score")
    with pytest.raises(ValueError, match="`rank_by` must be one of"):
        M.kanezaki_scores(PRED3, GT3, rank_by="size")
    with pytest.raises(ValueError, match="`thresholds` must hold at least one"):
        M.kanezaki_scores(PRED3, GT3, thresholds=())
    with pytest.raises(ValueError, match="same height and width"):
        M.segment_iou_table(PRED3, GT3[:, :6])
    with pytest.raises(ValueError, match="`gt` must be a 2-D label map"):
        M.segment_matches(PRED3, GT3[0])
