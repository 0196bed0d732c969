"""One task (one image x one method variant) and the three ways to run a list of them.

:func:`_run_task` loads one BSDS500 image, runs one method on it, times it and
scores it; it never raises (an exception goes into the row). The tasks run in
this process (:func:`_serial`), in joblib worker processes (:func:`_joblib`),
or on a Dask distributed cluster (:func:`_dask`, imported only then); each
yields one task's rows as it finishes, so the rows do not depend on the path
taken (only ``seconds`` does).
"""

from __future__ import annotations

import math
import time

import numpy as np

from .results_csv import _FAILED, _params_json
from .scoring import PROTOCOL_NAMES, score_image


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
        message = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:500]
        return [dict(base, protocol=_FAILED, all=math.nan, finest=math.nan, coarsest=math.nan,
                     n_annotators="", n_labels="", n_segments="", height="", width="", seconds=seconds,
                     error=message)]


def _serial(tasks):
    for task in tasks:
        yield _run_task(task)


def _joblib(tasks, jobs):
    from joblib import Parallel, delayed

    try:
        parallel = Parallel(n_jobs=jobs, return_as="generator_unordered")
    except ValueError:  # pragma: no cover - joblib < 1.4 yields in submission order only
        parallel = Parallel(n_jobs=jobs, return_as="generator")
    yield from parallel(delayed(_run_task)(t) for t in tasks)


def _dask(tasks, scheduler):
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError("`scheduler` needs the optional packages dask and distributed: "
                          "pip install 'segkit[dask]'") from exc
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    try:
        futures = client.map(_run_task, tasks, pure=False)
        for future in as_completed(futures):
            yield future.result()
    finally:
        if own:
            client.close()
