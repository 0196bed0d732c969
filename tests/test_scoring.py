"""One scoring function for the whole course: metrics.score_annotators and the names it defines once."""

import numpy as np
import pytest

from segkit import metrics
from segkit.metrics import protocols as P


def _maps(seed, shape=(12, 14), k=4):
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, k, size=(3, 4))
    return np.kron(coarse, np.ones((4, 4), int))[: shape[0], : shape[1]]


PRED = _maps(0)
GTS = [_maps(1), _maps(2, k=2), _maps(3, k=6)]


def test_names_are_defined_once_and_everywhere_the_same():
    from segkit import evaluation

    assert evaluation.PROTOCOL_NAMES is metrics.PROTOCOL_NAMES
    assert evaluation.LOWER_IS_BETTER is metrics.LOWER_IS_BETTER
    assert evaluation.score_image is metrics.score_annotators
    assert [p for p in metrics.PROTOCOL_NAMES if "@" in p][::5] == [f"precision@{t:g}"
                                                                    for t in metrics.KANEZAKI_THRESHOLDS]


def test_each_protocol_is_the_metric_it_names():
    comps = metrics.connected_components(PRED)
    s = metrics.score_annotators(PRED, GTS, per_annotator=True)
    for i, gt in enumerate(GTS):
        h = metrics.hungarian_scores(PRED, gt)  # clusters as output
        k = metrics.kanezaki_scores(comps, gt, split_components=False)
        expected = {"hungarian accuracy": h["accuracy"], "hungarian mIoU": h["miou"],
                    "best-overlap mIoU": metrics.best_overlap_miou(PRED, gt, split_components=True),
                    "covering": metrics.segmentation_covering(comps, gt),
                    "VI": metrics.variation_of_information(comps, gt),
                    "adapted Rand error": metrics.adapted_rand_error(comps, gt),
                    "F@0.5": k["f_measure@0.5"], "AP@0.7": k["ap@0.7"]}
        for name, value in expected.items():
            assert s[name]["per_annotator"][i] == pytest.approx(value), name
            assert metrics.score(PRED, gt, name) == pytest.approx(value), name


def test_all_finest_coarsest():
    s = metrics.score_annotators(PRED, GTS, protocols=["hungarian mIoU"], per_annotator=True)["hungarian mIoU"]
    counts = [np.unique(g).size for g in GTS]
    assert s["all"] == pytest.approx(np.mean(s["per_annotator"]))
    assert s["finest"] == s["per_annotator"][int(np.argmax(counts))]
    assert s["coarsest"] == s["per_annotator"][int(np.argmin(counts))]
    assert "per_annotator" not in metrics.score_annotators(PRED, GTS)["VI"]


def test_a_subset_gives_the_same_values_as_all():
    full = metrics.score_annotators(PRED, GTS)
    part = metrics.score_annotators(PRED, GTS, protocols=("VI", "AP tied@0.5"))
    assert list(part) == ["VI", "AP tied@0.5"]
    assert part["VI"] == full["VI"] and part["AP tied@0.5"] == full["AP tied@0.5"]


def test_score_dataset_is_the_mean_of_images():
    preds, gts = [PRED, _maps(5)], [GTS, GTS[:1]]
    s = metrics.score_dataset(preds, gts, protocols=["hungarian mIoU", "covering"])
    for name in ("hungarian mIoU", "covering"):
        per = [metrics.score_annotators(p, g)[name]["all"] for p, g in zip(preds, gts)]
        assert s[name] == pytest.approx(np.mean(per))
        assert [r[name] for r in s["per_image"]] == per


def test_stego_reports_through_the_same_function():
    stego = pytest.importorskip("segkit.stego")
    preds, gts = [PRED, _maps(5)], [GTS, GTS[:1]]
    ours = stego.evaluate_segmentations(preds, gts)
    ref = metrics.score_dataset(preds, gts, protocols=["hungarian mIoU", "hungarian accuracy"])
    assert ours["miou"] == ref["hungarian mIoU"] and ours["accuracy"] == ref["hungarian accuracy"]


@pytest.mark.parametrize("call, name", [
    (lambda: metrics.score_annotators(PRED, GTS, protocols=["IoU"]), "`protocols`"),
    (lambda: metrics.score_annotators(PRED, GTS, protocols=[]), "`protocols`"),
    (lambda: metrics.score_annotators(PRED, []), "`gts`"),
    (lambda: metrics.score_annotators(PRED, [GTS[0][:5]]), "gts[0]"),
    (lambda: metrics.score_annotators(PRED, GTS, per_annotator="yes"), "`per_annotator`"),
    (lambda: metrics.score(PRED, GTS[0], "variation of information"), "`protocol`"),
    (lambda: metrics.score_dataset([PRED], [GTS, GTS]), "`predictions` and `annotations`"),
    (lambda: metrics.score_dataset([], []), "`predictions`"),
    (lambda: metrics.score_dataset([PRED, PRED[:4]], [GTS, GTS]), "image 1"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises((ValueError, TypeError)) as err:
        call()
    assert name in str(err.value)


def test_table_order_groups():
    assert P.PROTOCOL_NAMES[:2] == ("hungarian accuracy", "hungarian mIoU")
    assert set(P.LOWER_IS_BETTER) <= set(P.PROTOCOL_NAMES)
