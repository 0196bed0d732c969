"""One task (one image x one method variant) and the three ways to run a list of them.

:func:`_run_task` loads one BSDS500 image, runs one method on it, times it and
scores it; it never raises (an exception goes into the row). The tasks run in
this process (:func:`_serial`), in joblib worker processes (:func:`_joblib`),
or on a Dask distributed cluster (:func:`_dask`, imported only then); each
yields one task's rows as it finishes, so the rows do not depend on the path
taken (only ``seconds`` does).

Worker processes die with the process that started them: each starts a
watchdog thread (:func:`_die_with_parent`) that ends it within half a second
of its parent's end, whether the parent exited, was stopped with SIGTERM or
killed with SIGKILL (no handler runs then), so an interrupted run leaves no
process behind. A Dask scheduler is tried with a short timeout
(:func:`_connect`), so that a wrong address says so in seconds.
"""

from __future__ import annotations

import math
import os
import socket
import threading
import time

import numpy as np

from .._validate import describe
from .results_csv import _FAILED, _params_json
from .scoring import PROTOCOL_NAMES, score_image

#: Seconds a worker's watchdog waits between two looks at its parent.
_WATCH_INTERVAL_S = 0.5
#: Seconds to wait for a Dask scheduler to answer.
_CONNECT_TIMEOUT_S = 5.0
_watched_parent = None


def _run_task(task) -> list:
    """Segment one image with one method and score it; never raises (errors go into the row)."""
    from ..datasets import load_bsds500_item
    from ..metrics import connected_components

    base = {"split": task["split"], "image": task["image"], "max_side": task["max_side"],
            "method": task["method"], "params": _params_json(task["params"])}
    seconds = math.nan
    try:
        item = load_bsds500_item(task["image"], task["split"], task["root"], max_side=task["max_side"])
        t0 = time.perf_counter()
        labels = np.asarray(task["function"](item.image, **task["params"]))
        seconds = time.perf_counter() - t0
        if labels.shape != item.image.shape[:2]:
            raise ValueError(f"the method returned labels of shape {labels.shape} for an image of shape "
                             f"{item.image.shape[:2]}")
        scores = score_image(labels, item.segmentations)
        info = {"n_annotators": item.n_annotators, "n_labels": int(np.unique(labels).size),
                "n_segments": int(connected_components(labels).max()) + 1,
                "height": labels.shape[0], "width": labels.shape[1], "seconds": seconds, "error": ""}
        return [dict(base, protocol=p, **scores[p], **info) for p in PROTOCOL_NAMES]
    except Exception as exc:  # noqa: BLE001 -- recorded in the row, the run goes on
        message = " ".join(f"{type(exc).__name__}: {exc}".splitlines())[:500]
        return [dict(base, protocol=_FAILED, all=math.nan, finest=math.nan, coarsest=math.nan,
                     n_annotators="", n_labels="", n_segments="", height="", width="", seconds=seconds,
                     error=message)]


def _serial(tasks):
    for task in tasks:
        yield _run_task(task)


def _die_with_parent(parent_pid) -> None:
    """In a worker process started by ``parent_pid``: exit as soon as that parent is gone.

    Starts (once per process) a daemon thread that looks at ``os.getppid()``
    every :data:`_WATCH_INTERVAL_S` seconds: an orphan is adopted by another
    process, so a change means the parent ended, however it ended. Does
    nothing in the parent itself, nor in a process the parent did not start
    (a Dask worker, say), so it never ends a process that is not a worker of
    this run.
    """
    global _watched_parent
    if _watched_parent is not None or parent_pid is None or os.getpid() == parent_pid:
        return
    if os.getppid() != parent_pid:  # not started by it (joblib with a Dask backend), or it is gone already
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except OSError:
            pass
        return
    _watched_parent = parent_pid

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(_WATCH_INTERVAL_S)
        os._exit(1)

    threading.Thread(target=watch, name="segkit-die-with-parent", daemon=True).start()


def _run_worker_task(task, parent_pid) -> list:
    """:func:`_run_task` in a worker process, which dies with ``parent_pid``."""
    _die_with_parent(parent_pid)
    return _run_task(task)


def _joblib(tasks, jobs):
    from joblib import Parallel, delayed

    parent = os.getpid()
    n_jobs = min(jobs, len(tasks))  # no worker without a task
    kwargs = dict(n_jobs=n_jobs, return_as="generator_unordered")
    try:  # the watchdog starts with each worker, busy or idle
        parallel = Parallel(**kwargs, initializer=_die_with_parent, initargs=(parent,))
    except TypeError:  # pragma: no cover - older joblib: the watchdog starts with a worker's first task
        try:
            parallel = Parallel(**kwargs)
        except ValueError:  # joblib < 1.4 yields in submission order only
            parallel = Parallel(n_jobs=n_jobs, return_as="generator")
    yield from parallel(delayed(_run_worker_task)(t, parent) for t in tasks)


def _connect(scheduler):
    """A ``distributed.Client`` for ``scheduler`` (an address or a client), and whether this run owns it.

    Raises
    ------
    ImportError
        Without the optional packages dask and distributed.
    TypeError, ValueError
        For a ``scheduler`` that is not an address such as ``"tcp://127.0.0.1:8786"``.
    ConnectionError
        When no scheduler answers there within :data:`_CONNECT_TIMEOUT_S` seconds.
    """
    try:
        from distributed import Client
        from distributed.comm.addressing import parse_address, parse_host_port
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError("`scheduler` needs the optional packages dask and distributed: "
                          "pip install 'segkit[dask]'") from exc
    if isinstance(scheduler, Client):
        return scheduler, False
    if not isinstance(scheduler, str):
        raise TypeError(f"`scheduler` must be a Dask scheduler address such as 'tcp://127.0.0.1:8786' or a "
                        f"distributed.Client; got {describe(scheduler)}")
    try:
        protocol, location = parse_address(scheduler)
        host, port = parse_host_port(location) if protocol in ("tcp", "tls") else (None, None)
    except ValueError as exc:
        raise ValueError(f"`scheduler` must be a Dask scheduler address such as 'tcp://127.0.0.1:8786'; "
                         f"got {scheduler!r} ({exc})") from None
    unreachable = (f"`scheduler`: no Dask scheduler answered at {scheduler!r} within {_CONNECT_TIMEOUT_S:g} s; "
                   "is one running there (`dask scheduler`)?")
    if host is not None:  # a plain socket first: a Client that failed to connect complains again when collected
        try:
            socket.create_connection((host, port), timeout=_CONNECT_TIMEOUT_S).close()
        except OSError:
            raise ConnectionError(unreachable) from None
    try:
        return Client(scheduler, timeout=_CONNECT_TIMEOUT_S), True
    except (OSError, TimeoutError):
        raise ConnectionError(unreachable) from None


def _dask(tasks, client, own: bool):
    from distributed import as_completed

    try:
        futures = client.map(_run_task, tasks, pure=False)
        for future in as_completed(futures):
            yield future.result()
    finally:
        if own:
            client.close()
