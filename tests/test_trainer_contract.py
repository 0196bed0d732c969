"""Every trainer keeps one contract (segkit/_training.py): device, seed, callback, history.

The CNN (segment, fit_reference), IIC (train_iic) and STEGO (train_stego) each
take a ``device`` and a ``seed``, leave the caller's random state alone, stop
when the callback returns True, and return a history that is a dict of lists
with one entry per update under every key.
"""

import numpy as np
import pytest
import torch

import segkit
from segkit import iic, stego


def _image(seed=0, shape=(20, 24)):
    rng = np.random.default_rng(seed)
    img = np.zeros(shape + (3,), np.float32)
    img[:, shape[1] // 2:] = (0.9, 0.2, 0.1)
    return np.clip(img + rng.normal(0, 0.05, img.shape), 0, 1).astype(np.float32)


def _features(n=4):
    gen = torch.Generator().manual_seed(0)
    return [torch.randn(6, 5, 5, generator=gen) for _ in range(n)]


TRAINERS = {
    "segment": lambda **kw: segkit.segment(_image(), max_iter=6, min_labels=1, n_channels=8, **kw),
    "fit_reference": lambda **kw: segkit.fit_reference([_image(0), _image(1)], size=16, iters_per_image=3,
                                                       n_channels=8, **kw),
    "train_iic": lambda **kw: iic.train_iic([_image(0, (24, 24)), _image(1, (24, 24))], k=2, k_over=4, n_steps=6,
                                            batch_size=2, crop=16, width=4, window=3, **kw),
    "train_stego": lambda **kw: stego.train_stego(_features(), code_dim=3, n_steps=6, batch_size=2, n_points=4,
                                                  n_neighbours=1, n_random=1, **kw),
}


def _history_length(history):
    assert isinstance(history, dict) and history, history
    lengths = {k: len(v) for k, v in history.items()}
    assert len(set(lengths.values())) == 1, f"history lists differ in length: {lengths}"
    return next(iter(lengths.values()))


@pytest.mark.parametrize("name", sorted(TRAINERS))
def test_history_is_a_dict_of_lists_one_entry_per_update(name):
    result = TRAINERS[name](device="cpu", seed=1)
    assert _history_length(result.history) == 6


@pytest.mark.parametrize("name", sorted(TRAINERS))
def test_callback_true_stops_and_anything_else_does_not(name):
    calls = []

    def stop_at_two(iteration, info):
        calls.append(iteration)
        assert isinstance(info, dict) and "loss" in info
        return iteration == 2

    stopped = TRAINERS[name](device="cpu", callback=stop_at_two)
    assert calls == [0, 1, 2]
    assert _history_length(stopped.history) == 3
    # a truthy value that is not True does not stop (only True does)
    full = TRAINERS[name](device="cpu", callback=lambda i, info: "yes")
    assert _history_length(full.history) == 6


@pytest.mark.parametrize("name", sorted(TRAINERS))
def test_seed_repeats_and_the_callers_random_state_is_left_alone(name):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    first = TRAINERS[name](device="cpu", seed=5)
    assert torch.equal(torch.rand(3), expected), f"{name} moved the global torch generator"
    again = TRAINERS[name](device="cpu", seed=5)
    other = TRAINERS[name](device="cpu", seed=6)
    assert first.history["loss"] == again.history["loss"]
    assert first.history["loss"] != other.history["loss"]


@pytest.mark.parametrize("name", sorted(TRAINERS))
@pytest.mark.parametrize("bad, error", [("gpu9", ValueError), (3, TypeError), ("cuda:0", ValueError)])
def test_bad_device_names_device(name, bad, error):
    if bad == "cuda:0" and torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.raises(error, match="`device`"):
        TRAINERS[name](device=bad)


@pytest.mark.parametrize("name", sorted(TRAINERS))
def test_non_callable_callback_names_callback(name):
    with pytest.raises(TypeError, match="`callback`"):
        TRAINERS[name](device="cpu", callback="print")
