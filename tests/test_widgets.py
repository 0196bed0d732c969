import pytest

from segkit.show.widgets import ParamCache, TrainingProgress


def test_param_cache_lru():
    calls = []

    def f(x, *, y=0):
        calls.append((x, y))
        return x + y

    cache = ParamCache(maxsize=2)
    assert cache.get(f, 1, y=2) == 3
    assert cache.get(f, 1, y=2) == 3
    assert calls == [(1, 2)]
    cache.get(f, 2)
    cache.get(f, 3)  # evicts (1, 2)
    assert len(cache) == 2
    cache.get(f, 1, y=2)
    assert calls[-1] == (1, 2)
    with pytest.raises(ValueError, match="`maxsize` must be at least 1"):
        ParamCache(0)


def test_training_progress():
    p = TrainingProgress(total=4, every=2)
    p.callback(0, {"loss": 2.0, "n_labels": 7})
    assert p.bar.value == 0  # only every 2 iterations
    p.callback(1, {"loss": 1.5, "n_labels": 6})
    assert p.bar.value == 2 and "n_labels 6" in p.status.value and "loss 1.5" in p.status.value
    p.callback(3)
    assert p.bar.value == 4
    with pytest.raises(ValueError, match="`total` must be at least 1"):
        TrainingProgress(total=0)
