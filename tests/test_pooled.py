"""The authors' pooled BSDS500 protocol: segkit/metrics/pooled.py."""

import numpy as np
import pytest
import scipy.ndimage

from segkit.metrics import best_overlap_miou, pooled_best_overlap
from segkit.metrics.pooled import POOLED_MODES

HALVES = np.array([[0, 0, 1, 1]] * 2)
QUARTER = np.array([[0, 0, 0, 1]] * 2)
COLUMNS = np.array([[0, 1, 2, 3]] * 2)
BLANK = np.zeros((2, 4), int)


def _reference(predictions, annotations, mode="all"):
    """The authors' script, loop for loop, on scipy's 4-connected components."""
    ious = []
    for pred, gts in zip(predictions, annotations):
        comps = np.zeros(pred.shape, int)
        for k, value in enumerate(np.unique(pred)):
            lab, _ = scipy.ndimage.label(pred == value)  # default structure: 4-neighbours
            comps[lab > 0] = lab[lab > 0] + k * pred.size
        if mode != "all":
            counts = [len(np.unique(g)) for g in gts]
            gts = [gts[np.argmax(counts) if mode == "fine" else np.argmin(counts)]]
        for gt in gts:
            g1, p1 = gt.ravel(), comps.ravel()
            for label in np.unique(g1):
                inside = p1[g1 == label]
                best = 0.0
                for u in np.unique(inside):
                    inter = np.sum(inside == u)
                    best = max(best, inter / (inside.size + np.sum(p1 == u) - inter))
                ious.append(best)
    return sum(ious) / len(ious)


def test_hand_computed_two_images():
    preds = [HALVES, BLANK]
    gts = [[HALVES, QUARTER], [QUARTER]]
    # all: image 1 against HALVES (1, 1) and QUARTER (4/6, 2/4); image 2 (6/8, 2/8)
    assert pooled_best_overlap(preds, gts) == pytest.approx((1 + 1 + 4 / 6 + 2 / 4 + 6 / 8 + 2 / 8) / 6)
    # both annotations of image 1 have two segments: fine and coarse take the first (HALVES)
    assert pooled_best_overlap(preds, gts, mode="fine") == pytest.approx((1 + 1 + 6 / 8 + 2 / 8) / 4)
    assert pooled_best_overlap(preds, gts, mode="coarse") == pytest.approx((1 + 1 + 6 / 8 + 2 / 8) / 4)


def test_fine_and_coarse_pick_by_segment_count():
    gts = [[HALVES, COLUMNS, BLANK]]
    pred = [HALVES]
    assert pooled_best_overlap(pred, gts, mode="fine") == pytest.approx(0.5)  # COLUMNS: four times 2/4
    assert pooled_best_overlap(pred, gts, mode="coarse") == pytest.approx(0.5)  # BLANK: 4/8
    # all: HALVES (1, 1), COLUMNS (4 x 1/2), BLANK (1/2), pooled over 7 segments
    assert pooled_best_overlap(pred, gts) == pytest.approx((2 + 2 + 0.5) / 7)


def test_pooled_mean_is_not_the_mean_of_per_image_means():
    preds = [HALVES, BLANK]
    gts = [[HALVES], [COLUMNS]]
    per_image = [pooled_best_overlap([p], [g]) for p, g in zip(preds, gts)]
    assert per_image == pytest.approx([1.0, 0.25])  # COLUMNS against a blank: 2/8 each
    assert np.mean(per_image) == pytest.approx(0.625)
    # pooled: (1 + 1 + 4 x 0.25) / 6 -- the image with four segments weighs twice as much
    assert pooled_best_overlap(preds, gts) == pytest.approx(0.5)


def test_prediction_is_split_into_connected_components():
    # cluster 0 covers two separate columns; the annotator drew three segments
    pred = np.array([[0, 1, 0], [0, 1, 0]])
    gt = np.array([[0, 1, 2], [0, 1, 2]])
    assert best_overlap_miou(pred, gt) == pytest.approx(2 / 3)  # without components: 1/2, 1, 1/2
    assert pooled_best_overlap([pred], [[gt]]) == pytest.approx(1.0)


def test_components_are_four_connected():
    # the authors' relabelling (superpixel-benchmark, K8_connectivity=false): diagonal pixels are apart
    pred = np.array([[0, 1], [1, 0]])
    gt = np.array([[0, 1], [1, 2]])
    # 4-neighbours: four one-pixel segments, IoUs 1, 1/2, 1; 8-neighbours would give 1/2, 1, 1/2
    assert pooled_best_overlap([pred], [[gt]]) == pytest.approx(2.5 / 3)


def test_annotations_are_used_as_given():
    # an annotated segment in two pieces stays one segment
    pred = np.array([[0, 1, 2], [0, 1, 2]])
    gt = np.array([[0, 1, 0], [0, 1, 0]])
    assert pooled_best_overlap([pred], [[gt]]) == pytest.approx((2 / 4 + 1) / 2)


@pytest.mark.parametrize("mode", POOLED_MODES)
def test_matches_the_authors_loop_on_random_maps(mode):
    rng = np.random.default_rng(0)
    preds, gts = [], []
    for shape in [(12, 15), (9, 9), (20, 7)]:
        preds.append(rng.integers(0, 4, shape))
        gts.append([rng.integers(0, k, shape) for k in (2, 5, 3)])
    assert pooled_best_overlap(preds, gts, mode=mode) == pytest.approx(_reference(preds, gts, mode), abs=1e-12)


def test_one_image_one_annotation_equals_best_overlap_with_components():
    rng = np.random.default_rng(1)
    pred = rng.integers(0, 3, (16, 16))
    gt = np.repeat(np.repeat(rng.integers(0, 4, (4, 4)), 4, axis=0), 4, axis=1)
    assert pooled_best_overlap([pred], [[gt]]) == pytest.approx(best_overlap_miou(pred, gt, split_components=True))


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.int64, np.float64])
def test_invariant_to_label_names_and_dtypes(dtype):
    preds = [HALVES, BLANK]
    gts = [[HALVES, QUARTER], [QUARTER]]
    expected = pooled_best_overlap(preds, gts)
    renamed_preds = [(7 - 3 * p).astype(dtype) for p in preds]
    renamed_gts = [[(5 + 2 * g).astype(dtype) for g in image] for image in gts]
    assert pooled_best_overlap(renamed_preds, renamed_gts) == pytest.approx(expected)
    assert pooled_best_overlap([p - 5 for p in preds], gts) == pytest.approx(expected)  # negative ids


def test_array_forms_are_accepted():
    preds = np.stack([HALVES, BLANK])  # (N, H, W)
    gts = [np.stack([HALVES, QUARTER]), QUARTER]  # an (A, H, W) array; a single (H, W) map
    assert pooled_best_overlap(preds, gts) == pytest.approx(pooled_best_overlap(
        [HALVES, BLANK], [[HALVES, QUARTER], [QUARTER]]))


def test_inputs_are_not_mutated():
    pred = np.array([[0, 1, 0], [0, 1, 0]])
    gt = np.array([[3, 1, 2], [3, 1, 2]])
    pooled_best_overlap([pred], [[gt]])
    np.testing.assert_array_equal(pred, [[0, 1, 0], [0, 1, 0]])
    np.testing.assert_array_equal(gt, [[3, 1, 2], [3, 1, 2]])


def test_bad_inputs():
    with pytest.raises(ValueError, match="`mode` must be one of 'all', 'fine', 'coarse'; got 'finest'"):
        pooled_best_overlap([HALVES], [[HALVES]], mode="finest")
    with pytest.raises(ValueError, match="`predictions` and `annotations` must have one entry per image.*2 and 1"):
        pooled_best_overlap([HALVES, BLANK], [[HALVES]])
    with pytest.raises(ValueError, match="`predictions` must hold at least one label map"):
        pooled_best_overlap([], [])
    with pytest.raises(ValueError, match=r"`annotations\[0\]` must hold at least one label map"):
        pooled_best_overlap([HALVES], [[]])
    with pytest.raises(ValueError, match=r"`predictions\[1\]` and `annotations\[1\]\[0\]` must have the same"):
        pooled_best_overlap([HALVES, BLANK], [[HALVES], [np.zeros((3, 4), int)]])
    with pytest.raises(ValueError, match="wrap a single map in a list"):
        pooled_best_overlap(HALVES, [[HALVES]])
    with pytest.raises(TypeError, match="`predictions` must be a list"):
        pooled_best_overlap("labels.png", [[HALVES]])
    with pytest.raises(TypeError, match="`annotations` must be a list"):
        pooled_best_overlap([HALVES], {"3096": [HALVES]})
    with pytest.raises(TypeError, match=r"`annotations\[0\]` must be a list"):
        pooled_best_overlap([HALVES], [5])
    with pytest.raises(ValueError, match=r"`annotations\[0\]\[1\]` must hold non-negative labels"):
        pooled_best_overlap([HALVES], [[HALVES, -HALVES - 1]])
    with pytest.raises(ValueError, match=r"`predictions\[0\]` must be a 2-D label map"):
        pooled_best_overlap([np.zeros((2, 4, 3), int)], [[HALVES]])


@pytest.mark.slow
def test_blank_prediction_on_bsds500_val_calibrates(bsds_root):
    from segkit.datasets import bsds500_ids, read_bsds_groundtruth

    ids = bsds500_ids("val", bsds_root)
    assert len(ids) == 100
    annotations = [read_bsds_groundtruth(bsds_root / "groundTruth" / "val" / f"{i}.mat") for i in ids]
    blanks = [np.zeros(gts[0].shape, np.int64) for gts in annotations]
    scores = [round(pooled_best_overlap(blanks, annotations, mode=m), 4) for m in POOLED_MODES]
    assert scores == [0.0510, 0.0273, 0.1063]
