"""The fast schedule (segkit.cnn.schedule, issue 14): its stages, its stop, its precision.

Whether it keeps the papers' quality at full size is measured in
benchmarks/bench_fast_schedule.py (benchmarks/RESULTS.md), not here.
"""

import numpy as np
import pytest
import torch

import _scenes

import segkit
from segkit.cnn import schedule as S
from segkit.cnn.model import SegNet
from segkit.cnn.train import PAPER, Objective, train_loop

IMG, LAB = _scenes.four_quadrants(shape=(32, 40))
TINY = (S.Stage(0.25, 6), S.Stage(0.5, 4), S.Stage(1.0, 3, patience=2))


def _net_and_sgd(lr=0.1, seed=0):
    torch.manual_seed(seed)
    net = SegNet(3, n_channels=8)
    return net, torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)


def test_shrink_is_the_block_mean():
    x = torch.arange(2 * 8 * 12, dtype=torch.float32).reshape(1, 2, 8, 12)
    small = S.shrink(x, 0.25)
    expected = x.reshape(1, 2, 2, 4, 3, 4).mean(dim=(3, 5))
    assert small.shape == (1, 2, 2, 3)
    assert torch.allclose(small, expected)
    assert S.shrink(x, 1.0) is x


def test_stages_run_small_to_full_and_history_adds_up():
    net, sgd = _net_and_sgd()
    seen = []
    out = S.train_fast(net, sgd, torch.rand(1, 3, 32, 40), Objective(), min_labels=0, stages=TINY,
                       callback=lambda i, info: seen.append((i, info["stage"], info["labels"].shape)))
    assert [s["shape"] for s in out.stages] == [(8, 10), (16, 20), (32, 40)]
    assert out.n_iter == sum(s["n_iter"] for s in out.stages) == len(out.history["loss"])
    assert [i for i, _, _ in seen] == list(range(out.n_iter))           # one count across stages
    assert [st for _, st, _ in seen] == sorted(st for _, st, _ in seen)
    assert seen[0][2] == (8, 10) and seen[-1][2] == (32, 40)
    assert out.labels.shape == (1, 32, 40)


def test_a_callback_stop_in_a_coarse_stage_still_gives_full_size_labels():
    net, sgd = _net_and_sgd()
    out = S.train_fast(net, sgd, torch.rand(1, 3, 32, 40), Objective(), min_labels=0, stages=TINY,
                       callback=lambda i, info: i == 2)
    assert out.stop_reason == "callback" and out.n_iter == 3 and len(out.stages) == 1
    assert out.labels.shape == (1, 32, 40)


def test_convergence_stop_fires_when_nothing_moves_and_only_when_asked():
    x = torch.rand(1, 3, 12, 14)
    net, sgd = _net_and_sgd(lr=1e-12)                       # the weights barely move
    out = train_loop(net, sgd, x, Objective(), min_labels=0, max_iter=50, stable_patience=4)
    assert out.stop_reason == "converged"
    assert out.n_iter == 5                                   # the first update has nothing to compare with
    net, sgd = _net_and_sgd(lr=1e-12)
    assert train_loop(net, sgd, x, Objective(), min_labels=0, max_iter=12).stop_reason == "max_iter"


def test_convergence_stop_waits_while_labels_change():
    net, sgd = _net_and_sgd(lr=0.5)
    out = train_loop(net, sgd, torch.rand(1, 3, 24, 24), Objective(), min_labels=0, max_iter=6,
                     stable_patience=3)
    assert out.stop_reason == "max_iter"                     # early on, labels move every update


def test_bfloat16_engine_gives_float32_response_close_to_float32():
    net, _ = _net_and_sgd()
    x = torch.rand(1, 3, 20, 24)
    r32 = PAPER.forward(net, x)
    r16 = S.Bfloat16Engine(PAPER).forward(net, x)
    assert r16.dtype == torch.float32 and r16.shape == r32.shape
    agree = float((r16.argmax(1) == r32.argmax(1)).float().mean())
    assert agree > 0.8                                       # bfloat16 keeps 8 bits of mantissa
    assert S.Bfloat16Engine(PAPER).name == "readable+bfloat16"


def test_bfloat16_detection_reads_the_cpu_flags(monkeypatch):
    monkeypatch.setattr(S, "_cpu_flags", lambda: frozenset({"avx512f", "amx_bf16"}))
    assert S.bfloat16_supported("cpu") is True
    monkeypatch.setattr(S, "_cpu_flags", lambda: frozenset({"avx2"}))
    assert S.bfloat16_supported("cpu") is False


@pytest.mark.parametrize("method", ["kim2020", "kanezaki2018"])
def test_segment_fast_says_what_produced_it(method, monkeypatch):
    monkeypatch.setattr(S, "FAST_STAGES", TINY)
    res = segkit.segment(IMG, method, schedule="fast", n_channels=8, n_segments=40, device="cpu")
    assert res.labels.shape == IMG.shape[:2]
    assert res.params["schedule"] == "fast"
    stages = res.params["stages"]
    assert [s["scale"] for s in stages] == [0.25, 0.5, 1.0]
    assert isinstance(res.params["bfloat16"], bool)
    assert res.n_iter == sum(s["n_iter"] for s in stages)
    paper = segkit.segment(IMG, method, n_channels=8, max_iter=3, n_segments=40, device="cpu")
    assert paper.params["schedule"] == "paper" and "stages" not in paper.params


def test_fast_schedule_without_bfloat16_is_plain_float32(monkeypatch):
    monkeypatch.setattr("segkit.cnn.segment_image.bfloat16_supported", lambda device: False)
    res = segkit.segment(IMG, schedule="fast", n_channels=8, device="cpu")
    assert res.params["bfloat16"] is False
    assert all("bfloat16" not in s["engine"] for s in res.params["stages"])


def test_fast_stages_scale_the_reduced_stages_with_max_iter():
    assert S.fast_stages() == S.FAST_STAGES
    assert [(s.scale, s.max_iter) for s in S.fast_stages(500)] == [(0.5, 100), (1.0, 10)]
    assert [(s.scale, s.max_iter) for s in S.fast_stages(1, TINY)] == [(0.25, 1), (0.5, 1), (1.0, 3)]


def test_segment_fast_spends_the_budget_max_iter_stands_for(monkeypatch):
    # patience 10 > every budget here and min_labels 1: only the budget can end a reduced-size stage
    monkeypatch.setattr(S, "FAST_STAGES", TINY)
    res = segkit.segment(IMG, schedule="fast", max_iter=500, min_labels=1, n_channels=8, device="cpu")
    assert [s["n_iter"] for s in res.params["stages"][:2]] == [3, 2]
    assert res.params["max_iter"] == 500
