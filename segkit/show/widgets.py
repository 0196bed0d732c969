"""Small ipywidgets helpers shared by the lessons.

Lessons build their sliders from these so that every notebook behaves the
same way: a result is shown once when the widget is displayed, costly
results are cached by their parameters (moving a slider back is instant),
and training shows live progress.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from .._validate import check_int

__all__ = ["ParamCache", "TrainingProgress"]


class ParamCache:
    """A small least-recently-used cache keyed by parameter values.

    >>> cache = ParamCache(maxsize=2)
    >>> calls = []
    >>> f = lambda k: calls.append(k) or k * 2
    >>> cache.get(f, 3), cache.get(f, 3), calls
    (6, 6, [3])
    """

    def __init__(self, maxsize: int = 32):
        self.maxsize = check_int(maxsize, "maxsize", min_value=1)
        self._store = OrderedDict()

    def get(self, func, *args, **kwargs):
        """``func(*args, **kwargs)``, computed once per distinct argument set."""
        key = (getattr(func, "__qualname__", repr(func)), args, tuple(sorted(kwargs.items())))
        if key in self._store:
            self._store.move_to_end(key)
            return self._store[key]
        value = func(*args, **kwargs)
        self._store[key] = value
        if len(self._store) > self.maxsize:
            self._store.popitem(last=False)
        return value

    def __len__(self):
        return len(self._store)

    def clear(self) -> None:
        """Forget every stored result (the next call of each computes again)."""
        self._store.clear()


class TrainingProgress:
    """A progress bar and a one-line status for a training loop.

    Use its :meth:`callback` as the ``callback`` of a training function that
    calls ``callback(iteration, info)`` with a dict ``info``; the bar and the
    status line (the numbers in ``info``) update live in the notebook, at most
    every ``every`` iterations.

    Examples
    --------
    >>> progress = TrainingProgress(total=10, every=5)
    >>> for i in range(10):
    ...     progress.callback(i, {"loss": 1.0 / (i + 1)})
    >>> progress.bar.value
    10
    """

    def __init__(self, total: int, *, every: int = 1, description: str = "training"):
        import ipywidgets as widgets

        self.total = check_int(total, "total", min_value=1)
        self.every = check_int(every, "every", min_value=1)
        self.bar = widgets.IntProgress(value=0, min=0, max=self.total, description=description)
        self.status = widgets.Label(value="")
        self.box = widgets.HBox([self.bar, self.status])
        self._t0 = time.perf_counter()

    def callback(self, iteration, info=None):
        """Update the bar; ``iteration`` counts from 0."""
        done = int(iteration) + 1
        if done % self.every and done != self.total:
            return
        self.bar.value = min(done, self.total)
        parts = [f"{done}/{self.total}", f"{time.perf_counter() - self._t0:.1f} s"]
        for k, v in (info or {}).items():
            if isinstance(v, float):
                parts.append(f"{k} {v:.3g}")
            elif isinstance(v, int):
                parts.append(f"{k} {v}")
        self.status.value = "  ".join(parts)

    def _ipython_display_(self):  # pragma: no cover - display hook
        from IPython.display import display

        display(self.box)
