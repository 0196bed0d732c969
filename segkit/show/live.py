"""A training's loss and label count, drawn while it runs (the lessons' Train buttons).

* :class:`LiveHistoryPlot` - a loss / label-count plot that redraws while a
  training runs (an ``ipywidgets.Output``; the callback is throttled).
* :func:`live_training` - a progress bar and a live plot shown together, fed
  by one callback.

matplotlib and ipywidgets are imported inside the functions.
"""

from __future__ import annotations

import time

from .._validate import check_float, check_int, describe

__all__ = ["LiveHistoryPlot", "live_training"]


class LiveHistoryPlot:
    """A loss / label-count plot that redraws while a training runs.

    Pass :meth:`callback` as (part of) the ``callback`` of
    :func:`segkit.segment`: it collects ``info`` and redraws the
    curves with :func:`segkit.show.viz.plot_history` into :attr:`output` (an
    ``ipywidgets.Output``), at most once every ``min_interval`` seconds, and
    once more when :meth:`finish` is called. Drawing never takes more than
    about ``max_share`` of the time: after a redraw that took d seconds the
    next one waits at least d (1 - max_share) / max_share (a redraw costs
    about 0.1 s on a quiet machine and several times that under Binder's
    one-CPU quota, where it would otherwise slow the training it shows).

    Parameters
    ----------
    keys : sequence of str
        The loss columns to draw (each a key of ``info``).
    min_interval : float
        Seconds between redraws.
    figsize : tuple
    max_share : float
        The largest share of the wall time spent drawing, in (0, 1].

    Examples
    --------
    >>> live = LiveHistoryPlot(min_interval=1e9)
    >>> for i in range(3):
    ...     live.callback(i, {"loss": 1.0 / (i + 1), "sim_loss": 0.5, "con_loss": 0.1, "n_labels": 9 - i})
    >>> len(live.history["loss"]), live.history["n_labels"][-1]
    (3, 7.0)
    """

    def __init__(self, keys=("loss", "sim_loss", "con_loss"), *, min_interval: float = 1.0,
                 figsize=(5.5, 2.4), max_share: float = 0.1):
        import ipywidgets as widgets

        self.keys = tuple(keys)
        self.min_interval = check_float(min_interval, "min_interval", min_value=0)
        self.max_share = check_float(max_share, "max_share", min_value=0, min_inclusive=False, max_value=1)
        self.figsize = figsize
        self.output = widgets.Output()
        self.history = {k: [] for k in self.keys + ("n_labels",)}
        self._last = time.perf_counter()
        self._wait = self.min_interval

    def callback(self, iteration, info):
        """Record ``info``'s numbers; redraw when ``min_interval`` has passed. Returns None."""
        for k in self.history:
            if k in info:
                self.history[k].append(float(info[k]))
        now = time.perf_counter()
        if now - self._last >= self._wait:
            self.draw()
            self._last = time.perf_counter()
            cost = self._last - now
            self._wait = max(self.min_interval, cost * (1 - self.max_share) / self.max_share)

    def draw(self):
        """Redraw the curves now."""
        import matplotlib.pyplot as plt
        from IPython.display import display

        from .viz import plot_history

        cols = {k: v for k, v in self.history.items() if v}
        if not cols:
            return
        with self.output:
            self.output.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=self.figsize)
            plot_history(cols, ax=ax, loss_keys=[k for k in self.keys if k in cols])
            fig.tight_layout()
            display(fig)
            plt.close(fig)

    def finish(self):
        """Draw the final curves."""
        self.draw()

    def _ipython_display_(self):  # pragma: no cover - display hook
        from IPython.display import display

        display(self.output)


def live_training(output, total: int, *, every: int = 5, min_interval: float = 0.5,
                  keys=("loss", "sim_loss", "con_loss")):
    """Show a progress bar and a live loss plot in ``output``; return the callback that feeds both.

    ``output`` is cleared first, so pressing Train again replaces the previous
    run's display. Pass the returned function as the ``callback`` of
    :func:`segkit.segment`.

    Parameters
    ----------
    output : ipywidgets.Output
        Where the two are displayed.
    total : int
        Number of iterations planned (the bar's length), at least 1.
    every : int
        Update the bar every ``every`` iterations.
    min_interval : float
        Seconds between two redraws of the plot.
    keys : sequence of str
        Loss columns to plot.

    Returns
    -------
    callback : function ``callback(iteration, info)``
        With attributes ``progress`` (a :class:`segkit.show.widgets.TrainingProgress`)
        and ``plot`` (a :class:`LiveHistoryPlot`).

    Examples
    --------
    >>> import contextlib, io, ipywidgets as widgets
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook display() prints
    ...     callback = live_training(widgets.Output(), total=10, min_interval=1e9)
    >>> for i in range(10):
    ...     callback(i, {"loss": 1.0, "sim_loss": 0.9, "con_loss": 0.1, "n_labels": 5})
    >>> callback.progress.bar.value, len(callback.plot.history["loss"])
    (10, 10)
    """
    import ipywidgets as widgets
    from IPython.display import display

    from .widgets import TrainingProgress

    if not isinstance(output, widgets.Output):
        raise TypeError(f"`output` must be an ipywidgets.Output; got {describe(output)}")
    progress = TrainingProgress(total, every=every)
    plot = LiveHistoryPlot(keys, min_interval=min_interval)
    with output:
        output.clear_output()
        display(progress, plot)

    def callback(iteration, info):
        progress.callback(iteration, info)
        plot.callback(iteration, info)

    callback.progress, callback.plot = progress, plot
    return callback
