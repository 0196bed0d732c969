"""Torch threads fitted to the CPUs a process may really use (affinity and cgroup quota)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from segkit import _threads
from segkit._threads import available_cpus, cgroup_cpu_limit, fitted_threads

ROOT = Path(__file__).resolve().parents[1]


def _v2(tmp_path, limits, member="/pod/kernel"):
    """A fake cgroup v2 tree: ``limits`` maps a cgroup path to its cpu.max text."""
    fs = tmp_path / "fs"
    for rel, text in limits.items():
        d = fs / rel.strip("/")
        d.mkdir(parents=True, exist_ok=True)
        (d / "cpu.max").write_text(text + "\n")
    (fs / member.strip("/")).mkdir(parents=True, exist_ok=True)
    proc = tmp_path / "cgroup"
    proc.write_text(f"0::{member}\n")
    return dict(cgroup_root=fs, proc_self_cgroup=proc)


def _v1(tmp_path, limits, member="/pod", mount="cpu,cpuacct"):
    """A fake cgroup v1 tree: ``limits`` maps a cgroup path to (quota_us, period_us)."""
    fs = tmp_path / "fs"
    base = fs / mount
    base.mkdir(parents=True)
    (base / "cpu.cfs_quota_us").write_text("-1\n")
    (base / "cpu.cfs_period_us").write_text("100000\n")
    for rel, (quota, period) in limits.items():
        d = base / rel.strip("/")
        d.mkdir(parents=True, exist_ok=True)
        (d / "cpu.cfs_quota_us").write_text(f"{quota}\n")
        (d / "cpu.cfs_period_us").write_text(f"{period}\n")
    proc = tmp_path / "cgroup"
    proc.write_text(f"12:memory:/elsewhere\n4:{mount}:{member}\n0::/\n")
    return dict(cgroup_root=fs, proc_self_cgroup=proc)


@pytest.mark.parametrize("text, expected", [
    ("100000 100000", 1.0),
    ("150000 100000", 1.5),
    ("50000 100000", 0.5),
    ("max 100000", None),
])
def test_cgroup_v2_quota(tmp_path, text, expected):
    assert cgroup_cpu_limit(**_v2(tmp_path, {"/pod/kernel": text})) == expected


def test_cgroup_v2_tightest_ancestor_wins(tmp_path):
    paths = _v2(tmp_path, {"/pod": "100000 100000", "/pod/kernel": "400000 100000"})
    assert cgroup_cpu_limit(**paths) == 1.0


@pytest.mark.parametrize("mount", ["cpu,cpuacct", "cpu"])
def test_cgroup_v1_quota(tmp_path, mount):
    paths = _v1(tmp_path, {"/pod": (100000, 100000)}, mount=mount)
    assert cgroup_cpu_limit(**paths) == 1.0


def test_cgroup_v1_unlimited_and_parent_limit(tmp_path):
    assert cgroup_cpu_limit(**_v1(tmp_path / "a", {"/pod": (-1, 100000)})) is None
    paths = _v1(tmp_path / "b", {"/pod": (200000, 100000), "/pod/inner": (-1, 100000)}, member="/pod/inner")
    assert cgroup_cpu_limit(**paths) == 2.0


def test_no_cgroup_information(tmp_path):
    assert cgroup_cpu_limit(cgroup_root=tmp_path, proc_self_cgroup=tmp_path / "missing") is None
    proc = tmp_path / "cgroup"
    proc.write_text("0::/x\n")
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "cpu.max").write_text("garbage here\n")
    assert cgroup_cpu_limit(cgroup_root=tmp_path, proc_self_cgroup=proc) is None


def test_available_cpus_rounds_a_fractional_quota_up_and_respects_affinity(tmp_path):
    visible = len(os.sched_getaffinity(0))
    assert available_cpus(**_v2(tmp_path / "a", {"/pod/kernel": "50000 100000"})) == 1
    assert available_cpus(**_v2(tmp_path / "b", {"/pod/kernel": "150000 100000"})) == min(2, visible)
    assert available_cpus(**_v2(tmp_path / "c", {"/pod/kernel": "6400000 100000"})) == visible


@pytest.fixture
def one_cpu_quota(tmp_path, monkeypatch):
    """This process appears to sit in a cgroup with a one-CPU quota (cgroup v2)."""
    paths = _v2(tmp_path, {"/pod/kernel": "100000 100000"})
    monkeypatch.setattr(_threads, "CGROUP_ROOT", paths["cgroup_root"])
    monkeypatch.setattr(_threads, "PROC_SELF_CGROUP", paths["proc_self_cgroup"])
    assert available_cpus() == 1


@pytest.fixture
def four_threads():
    """The caller has asked torch for 4 threads (what a 4-core node gives by default)."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(4)
    yield torch
    torch.set_num_threads(before)


def test_fitted_threads_lowers_and_restores(one_cpu_quota, four_threads):
    with fitted_threads() as n:
        assert n == 1 and four_threads.get_num_threads() == 1
    assert four_threads.get_num_threads() == 4


def test_fitted_threads_never_raises_the_callers_count(four_threads):
    four_threads.set_num_threads(1)
    with fitted_threads(8) as n:
        assert n == 1 and four_threads.get_num_threads() == 1
    assert four_threads.get_num_threads() == 1


def test_fitted_threads_restores_after_an_error(one_cpu_quota, four_threads):
    with pytest.raises(RuntimeError, match="boom"):
        with fitted_threads():
            raise RuntimeError("boom")
    assert four_threads.get_num_threads() == 4


def test_cnn_trainer_runs_with_one_thread_under_a_one_cpu_quota(one_cpu_quota, four_threads):
    from segkit.cnn import segment

    seen = []
    image = np.zeros((12, 12, 3), np.float32)
    image[:, 6:] = 1
    segment(image, max_iter=3, n_channels=8, device="cpu", seed=0,
            callback=lambda it, info: seen.append(four_threads.get_num_threads()))
    assert seen == [1, 1, 1]
    assert four_threads.get_num_threads() == 4


def test_iic_and_stego_trainers_run_with_one_thread_under_a_one_cpu_quota(one_cpu_quota, four_threads):
    from segkit.iic import train_iic
    from segkit.stego import train_stego

    seen = []
    images = [np.random.default_rng(i).random((24, 24, 3)).astype(np.float32) for i in range(2)]
    train_iic(images, n_steps=2, batch_size=2, crop=16, seed=0,
              callback=lambda it, info: seen.append(four_threads.get_num_threads()))
    assert seen == [1, 1]
    assert four_threads.get_num_threads() == 4

    import torch

    feats = [torch.randn(8, 6, 6, generator=torch.Generator().manual_seed(i)) for i in range(3)]
    calls = []
    original = torch.Tensor.backward

    def spy(self, *args, **kwargs):
        calls.append(four_threads.get_num_threads())
        return original(self, *args, **kwargs)

    torch.Tensor.backward = spy
    try:
        train_stego(feats, n_steps=2, batch_size=2, code_dim=4, n_neighbours=1, n_random=1, n_points=4, seed=0)
    finally:
        torch.Tensor.backward = original
    assert calls and set(calls) == {1}
    assert four_threads.get_num_threads() == 4


def test_fit_torch_threads_under_a_one_cpu_quota(one_cpu_quota, four_threads):
    import segkit

    assert segkit.fit_torch_threads() == 1
    assert four_threads.get_num_threads() == 1


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="making a cgroup needs root")
def test_a_real_one_cpu_cgroup():
    """The Binder simulation puts a process in a real one-CPU cgroup; segkit sees one CPU there."""
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "binder_sim.py"), "--check-threads"],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode == 3:
        pytest.skip(f"no cgroup could be made here: {proc.stdout.strip()} {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "available_cpus=1 torch_before=32 inside_segment=1 after=32" in proc.stdout


def _binder_start_env(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    env.update(extra or {})
    out = subprocess.run(["bash", str(ROOT / "binder" / "start"), sys.executable, "-c",
                          "import os, json; print(json.dumps(dict(os.environ)))"],
                         env=env, capture_output=True, text=True, check=True, timeout=60).stdout
    import json

    return json.loads(out)


def test_binder_start_fits_every_thread_pool_to_the_available_cpus():
    env = _binder_start_env()
    expected = str(available_cpus())
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        assert env[var] == expected, var


def test_binder_start_keeps_a_setting_the_user_made():
    assert _binder_start_env({"OMP_NUM_THREADS": "3"})["OMP_NUM_THREADS"] == "3"
