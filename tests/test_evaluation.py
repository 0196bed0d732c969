"""The evaluation runner: rows, resume, failures, serial / joblib / Dask paths, CLI, summaries."""

import csv
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from segkit import evaluation as E
from segkit.cli import main
from segkit.datasets import load_bsds500_item

IDS = ["3096", "8023"]
SIDE = 40
SMALL = {"kmeans": {"k": 3, "seed": 1}, "slic": {"n_segments": 6}}


def _strip_seconds(rows):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


@pytest.fixture
def registry():
    """Restore the method registry after a test that adds methods."""
    saved = dict(E.METHODS)
    yield E.METHODS
    E.METHODS.clear()
    E.METHODS.update(saved)


def test_rows_and_columns(bsds_root, tmp_path):
    out = tmp_path / "r.csv"
    rows = E.evaluate("kmeans,slic", "val", bsds_root, ids=IDS, max_side=SIDE, params=SMALL, output=out,
                      progress=False)
    assert len(rows) == len(IDS) * 2 * len(E.PROTOCOL_NAMES)
    assert all(set(r) == set(E.CSV_COLUMNS) for r in rows)
    assert [r["protocol"] for r in rows[: len(E.PROTOCOL_NAMES)]] == list(E.PROTOCOL_NAMES)
    assert {r["image"] for r in rows} == set(IDS) and {r["method"] for r in rows} == {"kmeans", "slic"}
    for r in rows:
        assert r["error"] == "" and r["max_side"] == SIDE and max(r["height"], r["width"]) == SIDE
        assert r["seconds"] >= 0 and r["n_annotators"] >= 4 and r["n_segments"] >= r["n_labels"] >= 1
        bounded = r["protocol"] not in ("VI", "annotated segments")
        for key in ("all", "finest", "coarsest"):
            assert r[key] >= 0 and (r[key] <= 1 or not bounded)
    km = [r for r in rows if r["method"] == "kmeans"]
    assert json.loads(km[0]["params"]) == {"k": 3, "position_weight": 0.0, "color_space": "rgb", "seed": 1}
    assert all(r["n_labels"] <= 3 for r in km)
    # the CSV holds exactly the returned rows, numbers parsed back exactly
    assert E.read_rows(out) == rows
    # and the summary of one protocol matches a mean by hand
    s = [x for x in E.summarize(rows) if x["method"] == "slic" and x["protocol"] == "AP@0.5"][0]
    vals = [r["all"] for r in rows if r["method"] == "slic" and r["protocol"] == "AP@0.5"]
    assert s["n"] == 2 and s["mean"] == pytest.approx(np.mean(vals))
    assert s["std"] == pytest.approx(np.std(vals, ddof=1))


def test_scores_match_the_metrics(bsds_root):
    from segkit import metrics as M

    rows = E.evaluate("slic", "val", bsds_root, ids=IDS[:1], max_side=SIDE, params=SMALL, progress=False)
    item = load_bsds500_item(IDS[0], "val", bsds_root, max_side=SIDE)
    labels = E.METHODS["slic"].function(item.image, **E.variants("slic", SMALL)[0][1])
    by = {r["protocol"]: r for r in rows}
    comp = M.connected_components(labels)
    ho = M.over_annotators(M.best_overlap_miou, labels, item.segmentations, split_components=True)
    assert by["best-overlap mIoU"]["all"] == pytest.approx(ho["all"])
    assert by["best-overlap mIoU"]["finest"] == pytest.approx(ho["finest"])
    hm = M.over_annotators(M.hungarian_miou, labels, item.segmentations)
    assert by["hungarian mIoU"]["coarsest"] == pytest.approx(hm["coarsest"])
    ap = [M.segment_average_precision(comp, g, threshold=0.7) for g in item.segmentations]
    assert by["AP@0.7"]["all"] == pytest.approx(np.mean(ap))


def test_score_image_perfect_and_permuted():
    gt = np.repeat(np.repeat(np.array([[0, 1], [2, 1]]), 6, axis=0), 6, axis=1)
    s = E.score_image(gt, [gt])
    for p in E.PROTOCOL_NAMES:
        expected = 0.0 if p in E.LOWER_IS_BETTER else 3.0 if p == "annotated segments" else 1.0
        assert s[p] == pytest.approx({"all": expected, "finest": expected, "coarsest": expected}, abs=1e-12)
    permuted = np.array([7, 3, 5])[gt]
    assert E.score_image(permuted, [gt, np.zeros_like(gt)]) == E.score_image(gt, [gt, np.zeros_like(gt)])
    with pytest.raises(ValueError, match="`gts` must be a non-empty list"):
        E.score_image(gt, [])
    with pytest.raises(ValueError, match="same height and width"):
        E.score_image(gt, [gt[:5]])


@pytest.mark.slow
def test_serial_joblib_and_dask_give_identical_rows(bsds_root, tmp_path):
    distributed = pytest.importorskip("distributed")
    kwargs = dict(ids=IDS, max_side=SIDE, params=SMALL, progress=False)
    serial = E.evaluate("kmeans,slic", "val", bsds_root, output=tmp_path / "serial.csv", **kwargs)
    procs = E.evaluate("kmeans,slic", "val", bsds_root, jobs=2, output=tmp_path / "joblib.csv", **kwargs)
    with distributed.LocalCluster(host="127.0.0.1", protocol="tcp://", n_workers=1, threads_per_worker=2,
                                  processes=False,
                                  dashboard_address=None) as cluster:
        dask_rows = E.evaluate("kmeans,slic", "val", bsds_root, scheduler=cluster.scheduler_address,
                               output=tmp_path / "dask.csv", **kwargs)
    assert _strip_seconds(procs) == _strip_seconds(serial)
    assert _strip_seconds(dask_rows) == _strip_seconds(serial)
    # the files too: same rows in the same (sorted) order
    assert _strip_seconds(E.read_rows(tmp_path / "dask.csv")) == _strip_seconds(serial)


def test_resume_does_not_recompute(bsds_root, tmp_path, registry):
    out = tmp_path / "r.csv"
    first = E.evaluate("slic", "val", bsds_root, ids=IDS[:1], max_side=SIDE, params=SMALL, output=out,
                       progress=False)
    calls = []
    real = registry["slic"]

    def counting(image, **params):
        calls.append(image.shape)
        return real.function(image, **params)

    E.register_method("slic", counting, real.defaults, replace=True)
    again = E.evaluate("slic", "val", bsds_root, ids=IDS[:1], max_side=SIDE, params=SMALL, output=out,
                       progress=False)
    assert calls == [] and again == first
    # one more image: only that one is computed, and the file keeps both
    both = E.evaluate("slic", "val", bsds_root, ids=IDS, max_side=SIDE, params=SMALL, output=out, progress=False)
    assert len(calls) == 1
    assert len(both) == 2 * len(E.PROTOCOL_NAMES) and E.read_rows(out) == both
    # another parameter value, or another max_side, is another variant
    E.evaluate("slic", "val", bsds_root, ids=IDS[:1], max_side=SIDE, params={"slic": {"n_segments": 5}},
               output=out, progress=False)
    E.evaluate("slic", "val", bsds_root, ids=IDS[:1], max_side=SIDE + 8, params=SMALL, output=out,
               progress=False)
    assert len(calls) == 3
    assert len(E.read_rows(out)) == 4 * len(E.PROTOCOL_NAMES)


def _fails_on_bright(image, *, limit=0.0):
    if image.mean() > limit:
        raise RuntimeError("boom on a bright image")
    return np.zeros(image.shape[:2], int)


def test_a_failing_image_is_recorded_and_the_others_survive(bsds_root, tmp_path, registry):
    means = [load_bsds500_item(i, "val", bsds_root, max_side=SIDE).image.mean() for i in IDS]
    bright = IDS[int(np.argmax(means))]
    E.register_method("flaky", _fails_on_bright, {"limit": float(np.mean(means))})
    out = tmp_path / "f.csv"
    rows = E.evaluate("flaky,slic", "val", bsds_root, ids=IDS, max_side=SIDE, params=SMALL, output=out,
                      progress=False)
    failed = [r for r in rows if r["error"]]
    assert len(failed) == 1
    assert failed[0]["image"] == bright and failed[0]["method"] == "flaky" and failed[0]["protocol"] == "(failed)"
    assert failed[0]["error"] == "RuntimeError: boom on a bright image"
    assert math.isnan(failed[0]["all"]) and failed[0]["seconds"] != ""
    assert len(rows) == 3 * len(E.PROTOCOL_NAMES) + 1
    summary = {s["label"]: s for s in E.summarize(rows)}
    assert summary["flaky"]["failed"] == 1 and summary["flaky"]["n"] == 1
    # the failure is remembered: a resumed run does not retry it...
    calls = []

    def fixed(image, *, limit=0.0):
        calls.append(1)
        return np.zeros(image.shape[:2], int)

    E.register_method("flaky", fixed, {"limit": float(np.mean(means))}, replace=True)
    assert E.evaluate("flaky", "val", bsds_root, ids=IDS, max_side=SIDE, output=out, progress=False) == \
        [r for r in rows if r["method"] == "flaky"]
    assert calls == []
    # ...unless asked to
    retried = E.evaluate("flaky", "val", bsds_root, ids=IDS, max_side=SIDE, output=out, retry_failed=True,
                         progress=False)
    assert calls == [1] and not any(r["error"] for r in retried)
    assert len(E.read_rows(out)) == 4 * len(E.PROTOCOL_NAMES)


def test_wrong_shape_from_a_method_is_an_error_row(bsds_root, registry):
    E.register_method("tiny", lambda image: np.zeros((2, 2), int))
    rows = E.evaluate("tiny", "val", bsds_root, ids=IDS[:1], max_side=SIDE, progress=False)
    assert len(rows) == 1 and rows[0]["error"].startswith("ValueError: the method returned labels of shape (2, 2)")


def test_variants_and_grid():
    v = E.variants("kmeans,slic", {"kmeans": {"k": [2, 4], "color_space": ["rgb", "lab"]}})
    assert [(n, p.get("k"), p.get("color_space")) for n, p in v] == [
        ("kmeans", 2, "rgb"), ("kmeans", 2, "lab"), ("kmeans", 4, "rgb"), ("kmeans", 4, "lab"), ("slic", None, None)]
    # an int for a float parameter is the same variant as the float
    assert E.variants("kmeans", {"kmeans": {"position_weight": 0}}) == E.variants("kmeans")
    assert E.variants([("slic", {"n_segments": 9}), "slic"])[0][1]["n_segments"] == 9
    assert set(E.METHODS) >= {"kmeans", "felzenszwalb", "slic", "kanezaki2018", "kim2020"}


def test_variants_errors():
    with pytest.raises(ValueError, match="`methods` must be one of 'kmeans'.*got 'kmean'"):
        E.variants("kmean")
    with pytest.raises(ValueError, match="method 'kmeans' has no parameter 'kk'; accepted: k, position_weight"):
        E.variants("kmeans", {"kmeans": {"kk": 3}})
    with pytest.raises(ValueError, match="`params` must be one of"):
        E.variants("kmeans", {"nope": {}})
    with pytest.raises(ValueError, match="`methods` must name at least one method"):
        E.variants("")
    with pytest.raises(TypeError, match="`params` must be a dict"):
        E.variants("kmeans", [("k", 3)])


def test_register_method_errors(registry):
    with pytest.raises(ValueError, match="`name` must be a non-empty string"):
        E.register_method("a b", lambda image: image)
    with pytest.raises(TypeError, match="`function` must be callable"):
        E.register_method("x", 3)
    with pytest.raises(TypeError, match="`defaults` must be a dict"):
        E.register_method("x", lambda image: image, [1])
    with pytest.raises(ValueError, match="`defaults` must map parameter names"):
        E.register_method("x", lambda image: image, {"w": [1, 2]})
    with pytest.raises(ValueError, match="already registered"):
        E.register_method("slic", lambda image: image)


def test_evaluate_errors(bsds_root, tmp_path):
    with pytest.raises(ValueError, match="`split` must be one of"):
        E.evaluate("slic", "validation", bsds_root)
    with pytest.raises(ValueError, match="`ids`: not in the 'val' split: 2092"):
        E.evaluate("slic", "val", bsds_root, ids=["2092"])
    with pytest.raises(ValueError, match="`jobs` must be at least 1"):
        E.evaluate("slic", "val", bsds_root, jobs=0)
    with pytest.raises(ValueError, match="`limit` must be at least 1"):
        E.evaluate("slic", "val", bsds_root, limit=0)
    bad = tmp_path / "other.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="is not a segkit evaluation CSV"):
        E.evaluate("slic", "val", bsds_root, ids=IDS[:1], max_side=SIDE, output=bad, progress=False)


def test_bootstrap_ci():
    assert E.bootstrap_ci([0.3, 0.3, 0.3]) == pytest.approx((0.3, 0.3))
    assert E.bootstrap_ci([0.4]) == (0.4, 0.4)
    assert all(math.isnan(x) for x in E.bootstrap_ci([math.nan]))
    x = np.random.default_rng(0).normal(0.5, 0.1, 200)
    low, high = E.bootstrap_ci(x)
    assert low < x.mean() < high
    # about +-1.96 standard errors
    assert high - low == pytest.approx(2 * 1.96 * x.std(ddof=1) / np.sqrt(x.size), rel=0.15)
    assert E.bootstrap_ci(x, seed=3) != E.bootstrap_ci(x, seed=4)
    assert E.bootstrap_ci(list(x) + [math.nan]) == E.bootstrap_ci(x)
    with pytest.raises(ValueError, match="`level` must be < 1"):
        E.bootstrap_ci(x, level=1.0)
    with pytest.raises(ValueError, match="`n_boot` must be at least 1"):
        E.bootstrap_ci(x, n_boot=0)


def test_summary_markdown(bsds_root):
    rows = E.evaluate("kmeans,slic", "val", bsds_root, ids=IDS, max_side=SIDE, params=SMALL, progress=False)
    text = E.summary_markdown(rows)
    assert text.startswith("Evaluation of 2 method variant(s) on 2 image(s).")
    assert "| kmeans (k=3, seed=1) | 2 | 0 |" in text and "| slic (n_segments=6) | 2 | 0 |" in text
    assert "### VI (lower is better)" in text and "### AP@0.7 (higher is better)" in text
    s = [x for x in E.summarize(rows) if x["method"] == "slic" and x["protocol"] == "covering"][0]
    assert f"[{s['ci_low']:.3f}, {s['ci_high']:.3f}]" in text


def test_cli(bsds_root, tmp_path, capsys):
    out = tmp_path / "cli.csv"
    argv = ["evaluate", "--root", str(bsds_root), "--ids", ",".join(IDS), "--max-side", str(SIDE),
            "--methods", "slic", "--param", "slic.n_segments=4,6", "--output", str(out), "--no-progress"]
    assert main(argv) == 0
    rows = E.read_rows(out)
    assert len(rows) == 2 * 2 * len(E.PROTOCOL_NAMES)
    assert {json.loads(r["params"])["n_segments"] for r in rows} == {4, 6}
    assert "| slic (n_segments=4) | 2 | 0 |" in (tmp_path / "cli.md").read_text()
    assert "4 image x method results" in capsys.readouterr().out
    with open(out, newline="") as f:
        assert tuple(next(csv.reader(f))) == E.CSV_COLUMNS


def test_cli_errors_and_list(bsds_root, tmp_path, capsys, registry):
    base = ["evaluate", "--root", str(bsds_root), "--ids", IDS[0], "--max-side", str(SIDE), "--no-progress",
            "--output", str(tmp_path / "e.csv")]
    assert main(base + ["--param", "kmeans.k"]) == 2
    assert "--param must look like METHOD.NAME=VALUE" in capsys.readouterr().err
    assert main(base + ["--methods", "kmeans", "--param", "kmeans.kk=3"]) == 2
    assert "has no parameter 'kk'" in capsys.readouterr().err
    E.register_method("broken", lambda image: 1 / 0)
    assert main(base + ["--methods", "broken"]) == 1
    assert "broken failed on image 3096: ZeroDivisionError" in capsys.readouterr().err
    assert main(["evaluate", "--list-methods"]) == 0
    listing = capsys.readouterr().out
    assert "kim2020:" in listing and "mu=1.0" in listing


def test_python_dash_m(bsds_root):
    done = subprocess.run([sys.executable, "-m", "segkit", "evaluate", "--help"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0 and "--scheduler" in done.stdout


def test_summary_pools_the_authors_protocol_over_segments():
    # two images: one perfect with 3 annotated segments, one at IoU 1/2 with 1 segment;
    # pooled over segments (3 x 1 + 1 x 0.5) / 4, not the mean of images (1 + 0.5) / 2
    from segkit.metrics import pooled_best_overlap

    a = np.repeat(np.array([[0, 1, 2]]), 4, axis=0)
    b_gt = np.zeros((4, 4), int)
    b_pred = np.repeat(np.array([[0, 0, 1, 1]]), 4, axis=0)
    rows = []
    for image, (pred, gt) in {"a": (a, a), "b": (b_pred, b_gt)}.items():
        scores = E.score_image(pred, [gt])
        rows += [{"method": "m", "params": "{}", "max_side": None, "split": "val", "image": image, "protocol": p,
                  **scores[p], "seconds": 0.1} for p in E.PROTOCOL_NAMES]
    pooled = next(s for s in E.summarize(rows) if s["protocol"] == "pooled best-overlap mIoU")
    assert pooled["mean"] == pytest.approx(3.5 / 4)
    assert pooled["mean"] == pytest.approx(pooled_best_overlap([a, b_pred], [[a], [b_gt]]))
    assert pooled["finest"] == pytest.approx(3.5 / 4) and pooled["n"] == 2
    assert "pooled best-overlap mIoU" in E.summary_markdown(rows)
