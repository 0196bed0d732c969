"""The readable loop and the fast engine give the same labels and history; segment runs the loop.

Why float64: the training map amplifies rounding. One step of the two engines differs by about
5e-7 (relative, float32: BatchNorm statistics and the loss are summed in different orders), and
20 iterations of SGD (lr 0.1, momentum 0.9) through the argmax targets and the L1 continuity
term grow that to about 1e-4 in the losses; in 3 of 24 float32 runs (8 seeds x the 3 cases
below) a pixel's argmax flipped. In float64 the same growth starts from about 1e-16 and stays
below 1e-12, so the engines can be held to a tight tolerance.
"""

import numpy as np
import pytest
import torch
from _scenes import four_quadrants

from segkit.cnn import FAST_ABOVE_PIXELS, PAPER, Objective, get_engine, train_loop
from segkit.cnn import segment

RTOL = 1e-9  # relative, on every loss term of every iteration (measured: below 2e-13)


@pytest.fixture(scope="module")
def regions():
    """24x32: four flat colours with a little noise."""
    img, _ = four_quadrants((24, 32), noise=0.05)
    return img.astype(np.float32)


def _scribble():
    s = np.full((24, 32), 255, dtype=np.uint8)
    s[2:5, 2:10] = 0
    s[18:21, 20:30] = 1
    s[2:4, 20:28] = 2
    return s


CASES = {
    "kim2020": dict(method="kim2020", min_labels=1),
    "kanezaki2018": dict(method="kanezaki2018", n_segments=60, compactness=10.0, min_labels=1),
    "kim2020-scribbles": dict(method="kim2020", scribble=_scribble(), min_labels=1),
    "kim2020-min-labels-stop": dict(method="kim2020", n_channels=16, min_labels=12),
}


@pytest.mark.parametrize("case", list(CASES))
def test_engines_give_the_same_labels_and_history(regions, case):
    kw = dict(dict(n_channels=32, max_iter=20, seed=0, device="cpu", dtype="float64"), **CASES[case])
    readable = segment(regions, engine="readable", **kw)
    fast = segment(regions, engine="fast", **kw)
    assert (readable.params["engine"], fast.params["engine"]) == ("readable", "fast")
    assert readable.n_iter == fast.n_iter and readable.stop_reason == fast.stop_reason
    if case == "kim2020-min-labels-stop":
        assert readable.stop_reason == "min_labels" and readable.n_iter < 20
    else:
        assert readable.n_iter == 20
    assert np.array_equal(readable.labels, fast.labels)
    assert readable.history["n_labels"] == fast.history["n_labels"]
    for key in ("loss", "sim_loss", "con_loss", "scr_loss"):
        np.testing.assert_allclose(fast.history[key], readable.history[key], rtol=RTOL, atol=1e-12,
                                   err_msg=key)
    for (name, a), b in zip(readable.model.named_parameters(), fast.model.parameters()):
        torch.testing.assert_close(b, a, rtol=1e-8, atol=1e-10, msg=name)


def test_segment_runs_the_readable_loop(regions):
    """segment(engine="readable") is train_loop with PAPER: the same numbers, bit for bit."""
    res = segment(regions, n_channels=16, max_iter=5, min_labels=1, seed=2, device="cpu", mu=2.0,
                  engine="readable")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(2)
        from segkit.cnn.model import SegNet

        net = SegNet(3, n_channels=16, n_conv=2)
    sgd = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    x = torch.from_numpy(np.ascontiguousarray(regions.transpose(2, 0, 1)))[None]
    run = train_loop(net, sgd, x, Objective(mu=2.0), min_labels=1, max_iter=5, engine=PAPER)
    assert run.history == res.history


def test_auto_picks_readable_at_lesson_size_and_fast_at_bsds_size(regions):
    assert segment(regions, n_channels=8, max_iter=1, device="cpu").params["engine"] == "readable"
    assert get_engine("auto", 213 * 320).name == "readable"   # a lesson image, 320 px long side
    assert get_engine("auto", 240 * 320).name == "readable"
    assert get_engine("auto", 321 * 481).name == "fast"       # BSDS500 at full size
    assert get_engine("auto", FAST_ABOVE_PIXELS).name == "readable"
    assert get_engine("auto", FAST_ABOVE_PIXELS + 1).name == "fast"
    assert get_engine("readable", 10**7) is PAPER
    assert get_engine("fast", 10).name == "fast"


def test_float32_engines_agree_at_first(regions):
    """In float32 (the default) the first updates agree to rounding; only later does the drift grow."""
    kw = dict(n_channels=32, max_iter=2, min_labels=1, seed=0, device="cpu")
    a, b = segment(regions, engine="readable", **kw), segment(regions, engine="fast", **kw)
    np.testing.assert_allclose(a.history["loss"], b.history["loss"], rtol=1e-5)
    assert a.history["n_labels"] == b.history["n_labels"]


def test_fit_reference_engines_agree(regions):
    from segkit.cnn import fit_reference

    imgs = [regions, regions[::-1].copy()]
    kw = dict(size=None, iters_per_image=3, n_channels=8, device="cpu")
    a, b = fit_reference(imgs, engine="readable", **kw), fit_reference(imgs, engine="fast", **kw)
    assert a.history["image"] == b.history["image"] == [0, 0, 0, 1, 1, 1]
    np.testing.assert_allclose(a.history["loss"], b.history["loss"], rtol=1e-4)


@pytest.mark.parametrize("kwargs, match", [
    ({"engine": "gpu"}, "engine"),
    ({"dtype": "float16"}, "dtype"),
])
def test_errors(regions, kwargs, match):
    with pytest.raises(ValueError, match=match):
        segment(regions, device="cpu", **kwargs)
    with pytest.raises(ValueError, match="engine"):
        get_engine("quick", 100)


def test_float64_model_predicts(regions):
    from segkit.cnn import predict

    res = segment(regions, n_channels=8, max_iter=2, device="cpu", dtype="float64")
    assert next(res.model.parameters()).dtype == torch.float64
    assert predict(res.model, regions).shape == (24, 32)


def test_train_loop_checks_its_counts():
    from segkit.cnn.model import SegNet

    net = SegNet(3, n_channels=4)
    sgd = torch.optim.SGD(net.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="max_iter"):
        train_loop(net, sgd, torch.rand(1, 3, 6, 6), Objective(), max_iter=0)
    with pytest.raises(ValueError, match="min_labels"):
        train_loop(net, sgd, torch.rand(1, 3, 6, 6), Objective(), min_labels=-1)
