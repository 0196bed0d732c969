"""Tests for segkit.cnn (segment, fit_reference, predict): segment, scribbles, reference mode, min_labels heuristic, errors."""

import numpy as np
import pytest
import torch

from segkit.cnn.model import SegNet
from segkit.superpixels import majority_vote
from segkit.cnn import (
    ReferenceFit, SegmentationResult, check_scribble, fit_reference, infer_min_labels,
    keep_freed_memory, predict, segment, superpixel_target,
)

FAST = dict(n_channels=8, max_iter=6, device="cpu")


@pytest.fixture
def quadrants():
    rng = np.random.default_rng(0)
    img = np.zeros((20, 24, 3), dtype=np.float32)
    img[:10, :12] = (0.9, 0.1, 0.1)
    img[:10, 12:] = (0.1, 0.9, 0.1)
    img[10:, :12] = (0.1, 0.1, 0.9)
    img[10:, 12:] = (0.9, 0.9, 0.1)
    return np.clip(img + rng.normal(0, 0.05, img.shape), 0, 1).astype(np.float32)


class TestSegment:
    @pytest.mark.parametrize("method", ["kim2020", "kanezaki2018"])
    def test_result(self, quadrants, method):
        res = segment(quadrants, method, n_segments=40, **FAST)
        assert isinstance(res, SegmentationResult)
        assert res.labels.shape == (20, 24) and res.labels.dtype == np.int64
        # renumbered 0..k-1
        assert set(np.unique(res.labels)) == set(range(res.n_labels))
        assert res.n_iter == len(res.history["loss"]) <= 6
        assert set(res.history) == {"loss", "sim_loss", "con_loss", "scr_loss", "n_labels"}
        assert all(len(v) == res.n_iter for v in res.history.values())
        assert res.stop_reason in ("min_labels", "max_iter")
        assert isinstance(res.model, SegNet) and res.seconds > 0
        assert res.history["n_labels"][-1] == res.n_labels
        assert method in repr(res)

    def test_loss_is_the_weighted_sum(self, quadrants):
        res = segment(quadrants, mu=2.5, **FAST)
        h = res.history
        for tot, sim, con in zip(h["loss"], h["sim_loss"], h["con_loss"]):
            assert tot == pytest.approx(sim + 2.5 * con, rel=1e-5)

    @pytest.mark.parametrize("method", ["kim2020", "kanezaki2018"])
    def test_deterministic_for_a_seed(self, quadrants, method):
        a = segment(quadrants, method, n_segments=40, seed=3, **FAST)
        b = segment(quadrants, method, n_segments=40, seed=3, **FAST)
        assert np.array_equal(a.labels, b.labels)
        assert a.history == b.history

    def test_seed_matters_and_global_rng_untouched(self, quadrants):
        torch.manual_seed(123)
        expected = torch.rand(3)
        torch.manual_seed(123)
        a = segment(quadrants, seed=0, **FAST)
        after = torch.rand(3)
        assert torch.equal(expected, after)
        b = segment(quadrants, seed=1, **FAST)
        assert a.history["loss"] != b.history["loss"]

    def test_stops_at_min_labels(self, quadrants):
        # training runs while the label count is above min_labels and stops after the
        # update whose forward pass first counted min_labels or fewer
        res = segment(quadrants, min_labels=10, n_channels=16, max_iter=300, device="cpu")
        counts = res.history["n_labels"]
        assert res.stop_reason == "min_labels" and res.n_iter == len(counts) > 1
        assert counts[-1] <= 10 and all(n > 10 for n in counts[:-1])
        assert res.n_labels == counts[-1]
        never = segment(quadrants, min_labels=1, n_channels=16, max_iter=len(counts) + 5, device="cpu")
        assert never.stop_reason == "max_iter" and never.history["n_labels"][:len(counts)] == counts

    def test_stops_at_max_iter(self, quadrants):
        res = segment(quadrants, min_labels=1, n_channels=8, max_iter=3, device="cpu")
        assert res.stop_reason == "max_iter" and res.n_iter == 3

    def test_training_reduces_the_loss(self, quadrants):
        res = segment(quadrants, min_labels=1, n_channels=16, max_iter=30, device="cpu")
        assert res.history["loss"][-1] < res.history["loss"][0]

    def test_callback_sees_every_iteration_and_can_stop(self, quadrants):
        seen = []

        def cb(i, info):
            seen.append((i, info["n_labels"], info["labels"].shape))
            return i == 2

        res = segment(quadrants, callback=cb, min_labels=1, **FAST)
        assert [s[0] for s in seen] == [0, 1, 2]
        assert seen[0][2] == (20, 24)
        assert res.stop_reason == "callback" and res.n_iter == 3

    def test_input_not_modified_and_uint8_accepted(self, quadrants):
        u8 = (quadrants * 255).astype(np.uint8)
        copy = u8.copy()
        segment(u8, **FAST)
        assert np.array_equal(u8, copy)

    def test_keep_memory_gives_the_same_result(self, quadrants):
        # keep_memory is a setting of the fast engine (glibc's allocator, not the arithmetic)
        a = segment(quadrants, engine="fast", **FAST)
        b = segment(quadrants, engine="fast", keep_memory=False, **FAST)
        assert np.array_equal(a.labels, b.labels) and a.history == b.history

    def test_kanezaki_target_is_each_superpixels_most_frequent_label(self):
        gen = torch.Generator().manual_seed(0)
        lab = torch.randint(0, 5, (480,), generator=gen)
        seg = torch.randint(0, 7, (480,), generator=gen)  # scattered, unequal superpixels
        refined = superpixel_target(lab, seg, 7, 5).numpy()
        for s_id in range(7):
            inside = seg.numpy() == s_id
            votes = np.bincount(lab.numpy()[inside], minlength=5)
            assert set(refined[inside]) == {int(np.argmax(votes))}  # ties: the lowest label

    @pytest.mark.parametrize("kwargs, exc, match", [
        ({"method": "kim2021"}, ValueError, "method"),
        ({"mu": -1.0}, ValueError, "mu"),
        ({"lr": 0.0}, ValueError, "lr"),
        ({"momentum": 1.0}, ValueError, "momentum"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"min_labels": 0}, ValueError, "min_labels"),
        ({"n_channels": 1}, ValueError, "n_channels"),
        ({"n_conv": 0}, ValueError, "n_conv"),
        ({"n_segments": 0}, ValueError, "n_segments"),
        ({"compactness": 0}, ValueError, "compactness"),
        ({"nu": -0.5}, ValueError, "nu"),
        ({"seed": -1}, ValueError, "seed"),
        ({"max_iter": 2.0}, TypeError, "max_iter"),
        ({"device": "tpu"}, ValueError, "device"),
        ({"device": 3}, TypeError, "device"),
        ({"callback": "print"}, TypeError, "callback"),
        ({"keep_memory": "yes"}, TypeError, "keep_memory"),
        ({"engine": "quick"}, ValueError, "engine"),
    ])
    def test_errors(self, quadrants, kwargs, exc, match):
        with pytest.raises(exc, match=match):
            segment(quadrants, **kwargs)

    def test_bad_image(self):
        with pytest.raises(ValueError, match="too small"):
            segment(np.zeros((4, 4, 3), dtype=np.uint8))
        with pytest.raises(TypeError, match="numpy array"):
            segment([[0, 1], [1, 0]])

    @pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA present")
    def test_cuda_unavailable(self, quadrants):
        with pytest.raises(ValueError, match="CUDA is not available"):
            segment(quadrants, device="cuda")


def test_superpixel_target_matches_majority_vote():
    rng = np.random.default_rng(1)
    lab = rng.integers(0, 6, size=(15, 17))
    seg = rng.integers(0, 9, size=(15, 17))
    expected = majority_vote(lab, seg)
    got = superpixel_target(torch.from_numpy(lab.ravel()), torch.from_numpy(seg.ravel()), 9, 6)
    assert np.array_equal(got.numpy().reshape(15, 17), expected)


class TestScribble:
    def _scribble(self):
        s = np.full((20, 24), 255, dtype=np.uint8)
        s[2:4, 2:8] = 0
        s[15:17, 15:20] = 1
        return s

    def test_min_labels_follows_scribble_classes(self, quadrants):
        res = segment(quadrants, scribble=self._scribble(), **FAST)
        assert res.params["min_labels"] == 2 and res.params["scribble"]
        assert res.history["scr_loss"][0] > 0

    def test_explicit_min_labels_wins(self, quadrants):
        res = segment(quadrants, scribble=self._scribble(), min_labels=5, **FAST)
        assert res.params["min_labels"] == 5

    def test_scribbled_pixels_learn_their_class(self, quadrants):
        s = np.full((20, 24), 255, dtype=np.uint8)
        s[:10, :12] = 3
        s[10:, 12:] = 5
        res = segment(quadrants, scribble=s, nu=5.0, n_channels=8, max_iter=40, min_labels=1,
                      device="cpu")
        raw = res.model(torch.from_numpy(quadrants.transpose(2, 0, 1))[None]).argmax(1)[0].numpy()
        assert (raw[:10, :12] == 3).mean() > 0.9 and (raw[10:, 12:] == 5).mean() > 0.9

    def test_check_scribble_errors(self):
        with pytest.raises(ValueError, match="height and width"):
            check_scribble(np.full((5, 5), 255, np.uint8), (6, 5))
        with pytest.raises(ValueError, match="no labelled pixel"):
            check_scribble(np.full((5, 5), 255, np.uint8), (5, 5))
        bad = np.full((5, 5), 255, np.uint8)
        bad[0, 0] = 120
        with pytest.raises(ValueError, match=r"\[0, 100\)"):
            check_scribble(bad, (5, 5), 100)
        with pytest.raises(TypeError, match="integers"):
            check_scribble(np.zeros((5, 5)), (5, 5))
        with pytest.raises(TypeError, match="numpy array"):
            check_scribble("scribble.png", (5, 5))
        with pytest.raises(ValueError, match="2-D"):
            check_scribble(np.zeros((5, 5, 3), np.uint8), (5, 5))

    def test_scribble_with_2018_refused(self, quadrants):
        with pytest.raises(ValueError, match="kim2020"):
            segment(quadrants, "kanezaki2018", scribble=self._scribble(), **FAST)

    def test_scribble_size_checked_in_segment(self, quadrants):
        with pytest.raises(ValueError, match="height and width"):
            segment(quadrants, scribble=np.full((5, 5), 1, np.uint8), **FAST)


class TestReference:
    def test_fit_and_predict(self, quadrants):
        imgs = [quadrants, quadrants[::-1].copy()]
        fit = fit_reference(imgs, size=16, iters_per_image=3, n_channels=8, device="cpu")
        assert isinstance(fit, ReferenceFit) and fit.n_updates == 6
        assert fit.history["image"] == [0, 0, 0, 1, 1, 1]
        labels = predict(fit.model, np.zeros((30, 33, 3), np.float32) + quadrants.mean())
        assert labels.shape == (30, 33)

    def test_predict_does_not_train(self, quadrants):
        fit = fit_reference([quadrants], size=None, iters_per_image=2, n_channels=8, device="cpu")
        before = {k: v.clone() for k, v in fit.model.state_dict().items()}
        a = predict(fit.model, quadrants)
        b = predict(fit.model, quadrants)
        assert np.array_equal(a, b)
        for k, v in fit.model.state_dict().items():
            assert torch.equal(v, before[k])

    def test_predict_gives_the_labels_segment_reports(self, quadrants):
        # segment reports the labels of its last forward pass, taken before the last
        # update; with a vanishing learning rate that update changes nothing, so
        # predict on the returned network must give the same labels
        res = segment(quadrants, min_labels=1, lr=1e-12, momentum=0.0, **FAST)
        assert np.array_equal(predict(res.model, quadrants), res.labels)
        moved = segment(quadrants, min_labels=1, max_iter=1, n_channels=8, lr=50.0, device="cpu")
        assert not np.array_equal(predict(moved.model, quadrants), moved.labels)

    def test_errors(self, quadrants):
        with pytest.raises(ValueError, match="empty"):
            fit_reference([])
        with pytest.raises(TypeError, match="sequence"):
            fit_reference(quadrants)
        with pytest.raises(ValueError, match=r"images\[1\]"):
            fit_reference([quadrants, np.zeros((3, 3))], device="cpu")
        with pytest.raises(ValueError, match="size"):
            fit_reference([quadrants], size=4)
        with pytest.raises(ValueError, match="iters_per_image"):
            fit_reference([quadrants], iters_per_image=0)
        with pytest.raises(TypeError, match="nn.Module"):
            predict("model.pth", quadrants)


class TestInferMinLabels:
    def test_formula(self):
        img = np.zeros((10, 10, 3), dtype=np.uint8)
        img[:, 5:, 0] = 100  # red variance 2500, others 0: mean 833.3 -> 83 + 3
        assert infer_min_labels(img) == 86

    def test_flat_image(self):
        assert infer_min_labels(np.full((9, 9, 3), 0.5, np.float32)) == 3

    def test_bad_image(self):
        with pytest.raises(ValueError, match="float image"):
            infer_min_labels(np.full((9, 9, 3), 200.0))

    def test_std_formula(self):
        # the author's notebook: int(mean(std_R, std_G, std_B) // 10) + 4, on the 0-255 scale
        img = np.zeros((10, 10, 3), dtype=np.uint8)
        img[:, 5:, 0] = 100  # red std 50, others 0: mean 16.67 -> 1 + 4
        assert infer_min_labels(img, formula="std") == 5
        img[:, 5:] = 240     # every channel std 120 -> 12 + 4
        assert infer_min_labels(img, formula="std") == 16
        assert infer_min_labels(np.full((9, 9, 3), 0.5, np.float32), formula="std") == 4

    def test_std_formula_matches_the_authors_expression(self):
        rng = np.random.default_rng(3)
        img = rng.integers(0, 256, size=(12, 15, 3)).astype(np.uint8)
        a1 = img.transpose(2, 0, 1).astype(np.float64)
        authors = int(np.mean([np.std(a1[0]), np.std(a1[1]), np.std(a1[2])]) // 10) + 4
        assert infer_min_labels(img, formula="std") == authors
        assert infer_min_labels(img, formula="variance") == int(np.mean([a.var() for a in a1]) // 10 + 3)

    def test_default_is_the_variance_formula(self):
        img = np.zeros((10, 10, 3), dtype=np.uint8)
        img[:, 5:, 0] = 100
        assert infer_min_labels(img) == infer_min_labels(img, formula="variance") == 86

    @pytest.mark.parametrize("formula", ["var", "STD", None, 10])
    def test_bad_formula(self, formula):
        with pytest.raises(ValueError, match="`formula` must be one of 'variance', 'std'"):
            infer_min_labels(np.zeros((9, 9, 3)), formula=formula)


class _FakeLibc:
    """Records the glibc calls keep_freed_memory makes."""

    def __init__(self):
        self.calls = []

    def mallopt(self, param, value):
        self.calls.append(("mallopt", param, value))
        return 1

    def malloc_trim(self, pad):
        self.calls.append(("malloc_trim", pad))
        return 1


def test_keep_freed_memory_sets_and_restores_glibc(monkeypatch):
    from segkit.cnn import _fast

    libc = _FakeLibc()
    monkeypatch.setattr(_fast, "_libc", lambda: libc)
    mmap, trim = _fast._M_MMAP_THRESHOLD, _fast._M_TRIM_THRESHOLD
    with keep_freed_memory(threshold_mib=64) as applied:
        assert applied and libc.calls == [("mallopt", mmap, 64 * 2**20), ("mallopt", trim, 128 * 2**20)]
        with keep_freed_memory(threshold_mib=64):
            pass
        assert len(libc.calls) == 4, "an inner block must not restore while the outer one runs"
    assert libc.calls[4:] == [("mallopt", mmap, 32 * 2**20), ("mallopt", trim, 64 * 2**20), ("malloc_trim", 0)]
    libc.calls.clear()
    with pytest.raises(RuntimeError):
        with keep_freed_memory():
            raise RuntimeError("training failed")
    assert libc.calls[-1] == ("malloc_trim", 0), "an error inside must still restore"
    libc.calls.clear()
    with keep_freed_memory(False) as applied:
        assert applied is False
    assert libc.calls == []


def test_keep_freed_memory_on_this_machine():
    with keep_freed_memory(threshold_mib=64):
        x = np.ones(2**20)
    assert x.sum() == 2**20
    with pytest.raises(ValueError, match="threshold_mib"):
        with keep_freed_memory(threshold_mib=0):
            pass
