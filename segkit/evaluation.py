"""Evaluating the course's segmentation methods against BSDS500 human annotations.

:func:`evaluate` runs methods x images of a BSDS500 split and scores every
result with every protocol of :data:`PROTOCOL_NAMES`, against all annotators
(the mean), the finest and the coarsest. It writes one CSV row per image,
method (with its parameters) and protocol, with the seconds the method took on
that image, and :func:`summary_markdown` turns rows into tables of means,
standard deviations and bootstrap confidence intervals.

The runner is built for long runs on shared machines:

* **resumable**: rows already in the output CSV are not computed again (a run
  that was stopped continues where it stopped);
* **robust**: an exception on one image is recorded in that image's row
  (column ``error``) and the others go on;
* **parallel** over images with joblib worker processes (``jobs=N``), or on a
  Dask distributed cluster (``scheduler="tcp://host:8786"``, needs the
  optional ``dask`` and ``distributed`` packages, imported only then); the
  rows do not depend on the path taken (only ``seconds`` does).

Methods live in a registry (:data:`METHODS`, :func:`register_method`), so a
later lesson adds its method with one call. The command line is
``segkit evaluate`` (see :mod:`segkit.commands.evaluate`).

Which segments each protocol sees
---------------------------------
* Hungarian accuracy and mIoU: the method's labels as output (clusters),
  matched one to one to the annotator's segments (IIC, PiCIE, STEGO).
* Every other protocol: the connected components of the labels (a cluster id
  that covers two separate regions is two segments), as Kanezaki (2018) and
  Kim et al. (2020) evaluate on BSDS500: best-overlap mIoU, segmentation
  covering, variation of information, adapted Rand error, and the segment
  precision, recall, F-measure and AP at IoU 0.5 and 0.7 of
  :func:`segkit.metrics.kanezaki_scores` (``AP`` ranks segments by area,
  ``AP tied`` is precision x recall; see
  :func:`segkit.metrics.segment_average_precision`).
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._validate import check_choice, check_float, check_int, describe

__all__ = [
    "Method",
    "METHODS",
    "register_method",
    "variants",
    "PROTOCOL_NAMES",
    "LOWER_IS_BETTER",
    "CSV_COLUMNS",
    "score_image",
    "evaluate",
    "read_rows",
    "bootstrap_ci",
    "summarize",
    "summary_markdown",
]


# ---------------------------------------------------------------------------
# Methods
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Method:
    """A segmentation method the runner can call.

    Attributes
    ----------
    name : str
    function : callable
        ``function(image, **params) -> labels``: image (H, W, 3) float32 in
        [0, 1], labels (H, W) int. Must be importable (a module-level
        function) to run in worker processes or on a Dask cluster.
    defaults : dict
        Every parameter the method accepts, with its default; the runner
        refuses unknown parameters and records the effective ones in each row.
    description : str
    """

    name: str
    function: object
    defaults: dict = field(default_factory=dict)
    description: str = ""


def _kmeans(image, *, k, position_weight, color_space, seed):
    from .classical import kmeans_segment

    return kmeans_segment(image, k, position_weight=position_weight, color_space=color_space, seed=seed)


def _felzenszwalb(image, *, scale, sigma, min_size):
    from .classical import felzenszwalb_segment

    return felzenszwalb_segment(image, scale=scale, sigma=sigma, min_size=min_size)


def _slic(image, *, n_segments, compactness):
    from .superpixels import slic

    return slic(image, n_segments, compactness)


def _cnn(image, method, params):
    from .unsupervised import segment  # torch is imported only when a CNN method runs

    return segment(image, method, **params).labels


def _kanezaki2018(image, **params):
    return _cnn(image, "kanezaki2018", params)


def _kim2020(image, **params):
    return _cnn(image, "kim2020", params)


_CNN_DEFAULTS = dict(max_iter=1000, min_labels=3, n_channels=100, n_conv=2, lr=0.1, seed=0, device="cpu",
                     keep_memory=False)

#: The registry: method name -> :class:`Method`. Add to it with :func:`register_method`.
METHODS: dict = {}


def register_method(name: str, function, defaults=None, *, description: str = "", replace: bool = False) -> Method:
    """Add a segmentation method to :data:`METHODS` (for :func:`evaluate` and ``segkit evaluate``).

    Parameters
    ----------
    name : str
        Letters, digits, ``_`` and ``-`` (it becomes a command-line name).
    function : callable
        ``function(image, **params) -> (H, W) int labels``; a module-level
        function, so that worker processes can import it.
    defaults : dict, optional
        Every accepted parameter with its default value (numbers, strings,
        booleans or None: they are stored as JSON in the CSV).
    description : str
    replace : bool
        Allow replacing an existing entry.

    Returns
    -------
    Method

    Raises
    ------
    ValueError
        For a bad name, a name already taken (unless ``replace``), or defaults
        that are not JSON scalars.
    TypeError
        If ``function`` is not callable or ``defaults`` is not a dict.

    Examples
    --------
    >>> def halves(image, *, axis=1):
    ...     h, w = image.shape[:2]
    ...     return (np.indices((h, w))[axis] >= (h, w)[axis] // 2).astype(int)
    >>> m = register_method("halves", halves, {"axis": 1}, description="left | right")
    >>> "halves" in METHODS
    True
    >>> del METHODS["halves"]
    """
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "_-" for c in name):
        raise ValueError(f"`name` must be a non-empty string of letters, digits, '_' or '-'; got {describe(name)}")
    if not callable(function):
        raise TypeError(f"`function` must be callable, function(image, **params) -> labels; got {describe(function)}")
    defaults = {} if defaults is None else defaults
    if not isinstance(defaults, dict):
        raise TypeError(f"`defaults` must be a dict of parameter names and values; got {describe(defaults)}")
    for key, value in defaults.items():
        if not isinstance(key, str) or not (value is None or isinstance(value, (bool, int, float, str))):
            raise ValueError(f"`defaults` must map parameter names to numbers, strings, booleans or None; "
                             f"got {key!r}: {describe(value)}")
    if name in METHODS and not replace:
        raise ValueError(f"`name`: a method {name!r} is already registered (pass replace=True to replace it)")
    method = Method(name, function, dict(defaults), description)
    METHODS[name] = method
    return method


register_method("kmeans", _kmeans, dict(k=8, position_weight=0.0, color_space="rgb", seed=0),
                description="k-means over pixel colours (segkit.classical.kmeans_segment)")
register_method("felzenszwalb", _felzenszwalb, dict(scale=100.0, sigma=0.8, min_size=20),
                description="Felzenszwalb-Huttenlocher graph segmentation (segkit.classical.felzenszwalb_segment)")
register_method("slic", _slic, dict(n_segments=100, compactness=10.0),
                description="SLIC superpixels (segkit.superpixels.slic)")
register_method("kanezaki2018", _kanezaki2018, dict(_CNN_DEFAULTS, n_segments=10000, compactness=100.0),
                description="unsupervised CNN with a superpixel target (Kanezaki 2018; segkit.unsupervised.segment)")
register_method("kim2020", _kim2020, dict(_CNN_DEFAULTS, mu=1.0),
                description="unsupervised CNN with the continuity loss (Kim et al. 2020; segkit.unsupervised.segment)")


def _params_json(params) -> str:
    return json.dumps(params, sort_keys=True)


def variants(methods, params=None) -> list:
    """Expand method names and parameters into ``(name, effective params)`` pairs.

    Parameters
    ----------
    methods : str or sequence
        A comma-separated string (``"kmeans,slic"``), a list of names, or a
        list mixing names and ``(name, params)`` pairs (one variant each).
    params : dict, optional
        ``{method name: {parameter: value or list of values}}``; a list makes a
        grid (every combination becomes a variant).

    Returns
    -------
    list of (str, dict)
        Every parameter of the method, defaults filled in.

    Raises
    ------
    ValueError
        For an unknown method or parameter (the message lists the accepted ones).

    Examples
    --------
    >>> [p["k"] for _, p in variants("kmeans", {"kmeans": {"k": [4, 8]}})]
    [4, 8]
    >>> variants(["slic"])
    [('slic', {'n_segments': 100, 'compactness': 10.0})]
    """
    if isinstance(methods, str):
        methods = [m.strip() for m in methods.split(",") if m.strip()]
    if not isinstance(methods, (list, tuple)) or not methods:
        raise ValueError(f"`methods` must name at least one method of {', '.join(METHODS)}; got {describe(methods)}")
    params = {} if params is None else params
    if not isinstance(params, dict):
        raise TypeError(f"`params` must be a dict {{method: {{parameter: value}}}}; got {describe(params)}")
    for name in params:
        check_choice(name, "params", METHODS)
    out = []
    for entry in methods:
        if isinstance(entry, (tuple, list)) and len(entry) == 2:
            name, overrides = entry
        else:
            name, overrides = entry, params.get(entry, {})
        check_choice(name, "methods", METHODS)
        defaults = METHODS[name].defaults
        for key in overrides:
            if key not in defaults:
                allowed = ", ".join(defaults) or "none"
                raise ValueError(f"`params`: method {name!r} has no parameter {key!r}; accepted: {allowed}")
        keys = list(overrides)
        grids = [v if isinstance(v, (list, tuple)) else [v] for v in overrides.values()]
        for combo in itertools.product(*grids):
            p = dict(defaults)
            p.update((k, _like_default(defaults[k], v)) for k, v in zip(keys, combo))
            out.append((name, p))
    return out


def _like_default(default, value):
    """An int given for a float parameter becomes a float (so 0 and 0.0 are the same variant)."""
    if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _label(name, params) -> str:
    """``kmeans (k=16)``: the name and the parameters that differ from the registry's defaults."""
    defaults = METHODS[name].defaults if name in METHODS else {}
    diff = [f"{k}={v}" for k, v in params.items() if defaults.get(k, object()) != v]
    return f"{name} ({', '.join(diff)})" if diff else name


# ---------------------------------------------------------------------------
# Scoring one image
# ---------------------------------------------------------------------------

_THRESHOLDS = (0.5, 0.7)
#: The protocols of every row, in table order.
PROTOCOL_NAMES = (
    "hungarian accuracy", "hungarian mIoU", "best-overlap mIoU", "covering", "VI", "adapted Rand error",
    *(f"{m}@{t:g}" for t in _THRESHOLDS for m in ("precision", "recall", "F", "AP", "AP tied")),
)
#: Protocols for which lower is better.
LOWER_IS_BETTER = ("VI", "adapted Rand error")


def _score_one(labels, components, gt) -> dict:
    from . import metrics as M

    h = M.hungarian_scores(labels, gt)
    out = {"hungarian accuracy": h["accuracy"], "hungarian mIoU": h["miou"],
           "best-overlap mIoU": M.best_overlap_miou(components, gt),
           "covering": M.segmentation_covering(components, gt),
           "VI": M.variation_of_information(components, gt),
           "adapted Rand error": M.adapted_rand_error(components, gt)}
    area = M.kanezaki_scores(components, gt, thresholds=_THRESHOLDS, split_components=False)
    tied = M.kanezaki_scores(components, gt, thresholds=_THRESHOLDS, split_components=False, rank_by="tied")
    for t in _THRESHOLDS:
        key = f"{t:g}"
        out[f"precision@{key}"] = area[f"precision@{key}"]
        out[f"recall@{key}"] = area[f"recall@{key}"]
        out[f"F@{key}"] = area[f"f_measure@{key}"]
        out[f"AP@{key}"] = area[f"ap@{key}"]
        out[f"AP tied@{key}"] = tied[f"ap@{key}"]
    return out


def score_image(labels, gts) -> dict:
    """Score one segmentation with every protocol against every annotator.

    Parameters
    ----------
    labels : (H, W) ndarray of int
        A method's output.
    gts : sequence of (H, W) ndarray of int
        One human segmentation per annotator.

    Returns
    -------
    scores : dict
        ``{protocol: {"all": mean over annotators, "finest": ..., "coarsest": ...}}``
        for every name in :data:`PROTOCOL_NAMES`; the finest annotation has
        the most segments, the coarsest the fewest (ties: the first).

    Raises
    ------
    ValueError
        If a map is not a 2-D label map or the shapes differ.

    Examples
    --------
    >>> gt = np.repeat(np.array([[0, 0, 1, 1]]), 2, axis=0)
    >>> s = score_image(gt, [gt, np.zeros_like(gt)])
    >>> s["AP@0.5"]   # against one segment, each half has IoU 0.5: not above 0.5
    {'all': 0.5, 'finest': 1.0, 'coarsest': 0.0}
    >>> s["hungarian accuracy"]
    {'all': 0.75, 'finest': 1.0, 'coarsest': 0.5}
    """
    from ._validate import check_label_map, check_same_shape
    from .metrics import connected_components

    labels = check_label_map(labels, "labels")
    if isinstance(gts, np.ndarray) and gts.ndim == 2:
        gts = [gts]
    if not isinstance(gts, (list, tuple)) or not gts:
        raise ValueError(f"`gts` must be a non-empty list of (H, W) label maps; got {describe(gts)}")
    gts = [check_label_map(g, f"gts[{i}]") for i, g in enumerate(gts)]
    for i, g in enumerate(gts):
        check_same_shape(labels, g, "labels", f"gts[{i}]")
    components = connected_components(labels)
    per = [_score_one(labels, components, g) for g in gts]
    counts = [np.unique(g).size for g in gts]
    fine, coarse = int(np.argmax(counts)), int(np.argmin(counts))
    return {p: {"all": float(np.mean([s[p] for s in per])), "finest": per[fine][p], "coarsest": per[coarse][p]}
            for p in PROTOCOL_NAMES}


# ---------------------------------------------------------------------------
# One task: one image x one method variant (runs in a worker)
# ---------------------------------------------------------------------------

#: Columns of the CSV, in order.
CSV_COLUMNS = ("split", "image", "max_side", "method", "params", "protocol", "all", "finest", "coarsest",
               "n_annotators", "n_labels", "n_segments", "height", "width", "seconds", "error")
_FAILED = "(failed)"


def _run_task(task) -> list:
    """Segment one image with one method and score it; never raises (errors go into the row)."""
    from .datasets import load_bsds500_item
    from .metrics import connected_components

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


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------

def _format(value):
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return "" if value is None else str(value)


def _parse_row(raw: dict) -> dict:
    row = dict(raw)
    for key in ("all", "finest", "coarsest", "seconds"):
        row[key] = float(row[key]) if row[key] != "" else math.nan
    for key in ("n_annotators", "n_labels", "n_segments", "height", "width"):
        row[key] = int(row[key]) if row[key] != "" else ""
    row["max_side"] = int(row["max_side"]) if row["max_side"] != "" else None
    return row


def read_rows(path) -> list:
    """Read the rows of a CSV written by :func:`evaluate` (numbers parsed back exactly).

    Raises
    ------
    ValueError
        If the file's header is not :data:`CSV_COLUMNS`.
    """
    path = Path(path)
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
            raise ValueError(f"`output`: '{path}' is not a segkit evaluation CSV (its columns are "
                             f"{reader.fieldnames}; expected {', '.join(CSV_COLUMNS)})")
        return [_parse_row(r) for r in reader]


def _key(row) -> tuple:
    return (row["split"], str(row["image"]), row["max_side"], row["method"], row["params"])


def _sort_key(row):
    image = str(row["image"])
    protocol = row["protocol"]
    order = PROTOCOL_NAMES.index(protocol) if protocol in PROTOCOL_NAMES else len(PROTOCOL_NAMES)
    return (row["split"], len(image), image, row["method"], row["params"], row["max_side"] or 0, order)


def _write_all(path: Path, rows) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in sorted(rows, key=_sort_key):
            writer.writerow({k: _format(row[k]) for k in CSV_COLUMNS})
    os.replace(tmp, path)


# ---------------------------------------------------------------------------
# Running the tasks: serial, joblib processes, or a Dask cluster
# ---------------------------------------------------------------------------

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


def _resolve_ids(split, root, ids, limit):
    from .datasets import _check_id, bsds500_ids

    all_ids = bsds500_ids(split, root)
    if ids is None:
        chosen = all_ids
    else:
        if isinstance(ids, str):
            ids = [i.strip() for i in ids.split(",") if i.strip()]
        chosen = [_check_id(i) for i in ids]
        missing = [i for i in chosen if i not in set(all_ids)]
        if missing:
            raise ValueError(f"`ids`: not in the {split!r} split: {', '.join(missing[:5])}")
    if limit is not None:
        chosen = chosen[: check_int(limit, "limit", min_value=1)]
    return chosen


def evaluate(methods, split: str = "val", root=None, *, params=None, ids=None, limit=None, max_side=None,
             jobs: int = 1, scheduler=None, output=None, summary=None, retry_failed: bool = False,
             progress: bool = True) -> list:
    """Run segmentation methods on BSDS500 images and score them against the human annotations.

    Parameters
    ----------
    methods : str or sequence
        Method names of :data:`METHODS` (``"kmeans,felzenszwalb,slic"`` or a
        list), or ``(name, params)`` pairs; see :func:`variants`.
    split : {"train", "val", "test"}
    root : path, optional
        The BSDS500 copy (see :func:`segkit.datasets.bsds500_root`; default:
        ``SEGKIT_BSDS500``, then the download cache). Never downloads.
    params : dict, optional
        ``{method: {parameter: value or list of values}}``; lists make a grid.
    ids : sequence of str, optional
        Only these images (default: the whole split, in numeric order).
    limit : int, optional
        Only the first ``limit`` of them.
    max_side : int, optional
        Shrink images (and annotations, by nearest neighbour) to this longest
        side first; default: full resolution.
    jobs : int
        Worker processes (joblib) over images; 1 runs in this process.
    scheduler : str or distributed.Client, optional
        Run the tasks on a Dask distributed cluster instead (an address such
        as ``"tcp://127.0.0.1:8786"``, or a client). The workers must be able
        to import segkit and read ``root``.
    output : path, optional
        CSV file. Rows already there (same split, image, ``max_side``, method
        and parameters) are not computed again; new rows are appended as
        each image finishes, and the file is rewritten in sorted order at the
        end. One run per file at a time (two runs appending to the same CSV
        would interleave their lines).
    summary : path, optional
        Write :func:`summary_markdown` of the returned rows there.
    retry_failed : bool
        Compute again the image x method pairs whose row records an error.
    progress : bool
        Show a progress bar (tqdm) over image x method tasks.

    Returns
    -------
    rows : list of dict
        For every requested image x method variant, one row per protocol of
        :data:`PROTOCOL_NAMES` (columns :data:`CSV_COLUMNS`), or one row with
        protocol ``"(failed)"`` and the exception in ``error``. Sorted by
        image, method, parameters and protocol. Resumed rows are included.

    Raises
    ------
    ValueError
        For an unknown method or parameter, a bad split or id, ``jobs < 1``,
        an existing ``output`` that is not an evaluation CSV, or no local
        BSDS500 copy.
    ImportError
        When ``scheduler`` is given but dask/distributed are not installed.

    Examples
    --------
    >>> rows = evaluate("slic", ids=["3096"], max_side=64, progress=False)  # doctest: +SKIP
    >>> rows[0]["protocol"], rows[0]["method"]  # doctest: +SKIP
    ('hungarian accuracy', 'slic')
    """
    from .datasets import bsds500_root
    from .io import MIN_SIDE

    check_choice(split, "split", ("train", "val", "test"))
    todo_variants = variants(methods, params)
    jobs = check_int(jobs, "jobs", min_value=1)
    if max_side is not None:
        max_side = check_int(max_side, "max_side", min_value=MIN_SIDE)
    root_path = str(bsds500_root(root))
    image_ids = _resolve_ids(split, root_path, ids, limit)

    existing = []
    out_path = None
    if output is not None:
        out_path = Path(output)
        if out_path.exists() and out_path.stat().st_size > 0:
            existing = read_rows(out_path)
        if retry_failed:
            existing = [r for r in existing if r["protocol"] != _FAILED]
    done = {_key(r) for r in existing}

    tasks, wanted = [], set()
    for image in image_ids:
        for name, p in todo_variants:
            task = {"split": split, "image": image, "max_side": max_side, "method": name, "params": p,
                    "root": root_path, "function": METHODS[name].function}
            key = (split, image, max_side, name, _params_json(p))
            wanted.add(key)
            if key not in done:
                tasks.append(task)

    if scheduler is not None:
        results = _dask(tasks, scheduler)
    elif jobs > 1 and len(tasks) > 1:
        results = _joblib(tasks, jobs)
    else:
        results = _serial(tasks)

    new_rows = []
    handle = writer = None
    if out_path is not None:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not out_path.exists() or out_path.stat().st_size == 0
        if retry_failed and not fresh:
            _write_all(out_path, existing)
        handle = open(out_path, "a", newline="", encoding="utf-8")
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        if fresh:
            writer.writeheader()
            handle.flush()
    from tqdm.auto import tqdm

    bar = tqdm(total=len(tasks), desc="evaluate", unit="task", disable=not progress or not tasks)
    try:
        for task_rows in results:
            new_rows.extend(task_rows)
            if writer is not None:
                for row in task_rows:
                    writer.writerow({k: _format(row[k]) for k in CSV_COLUMNS})
                handle.flush()
            bar.update(1)
    finally:
        bar.close()
        if handle is not None:
            handle.close()
    if out_path is not None:
        _write_all(out_path, existing + new_rows)
    # the rows of this request, resumed ones included, parsed as read_rows parses them
    rows = [_parse_row({k: _format(r[k]) for k in CSV_COLUMNS}) for r in existing + new_rows]
    rows = sorted((r for r in rows if _key(r) in wanted), key=_sort_key)
    if summary is not None:
        Path(summary).parent.mkdir(parents=True, exist_ok=True)
        Path(summary).write_text(summary_markdown(rows), encoding="utf-8")
    return rows


# ---------------------------------------------------------------------------
# Summaries
# ---------------------------------------------------------------------------

def bootstrap_ci(values, *, level: float = 0.95, n_boot: int = 2000, seed: int = 0):
    """Percentile bootstrap confidence interval of the mean.

    Resamples the values with replacement ``n_boot`` times and returns the
    ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of the resampled
    means. NaNs are ignored. With fewer than two values the interval is the
    value itself (or NaNs when there is none): a handful of images says
    little, and the interval shows it.

    Parameters
    ----------
    values : sequence of float
    level : float
        In (0, 1).
    n_boot : int
        Number of resamples (>= 1).
    seed : int

    Returns
    -------
    low, high : float

    Raises
    ------
    ValueError
        For ``level`` outside (0, 1) or ``n_boot < 1``.

    Examples
    --------
    >>> low, high = bootstrap_ci([0.2, 0.4, 0.6, 0.8])
    >>> bool(0.2 <= low < 0.5 < high <= 0.8)
    True
    """
    level = check_float(level, "level", min_value=0, max_value=1, min_inclusive=False, max_inclusive=False)
    n_boot = check_int(n_boot, "n_boot", min_value=1)
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return (math.nan, math.nan)
    if x.size == 1:
        return (float(x[0]), float(x[0]))
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(n_boot, x.size))].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return (float(low), float(high))


def summarize(rows, *, level: float = 0.95, n_boot: int = 2000, seed: int = 0) -> list:
    """Per method variant and protocol: mean, standard deviation and bootstrap CI over images.

    Parameters
    ----------
    rows : list of dict
        As returned by :func:`evaluate` or :func:`read_rows`.
    level, n_boot, seed :
        See :func:`bootstrap_ci` (on the ``all``-annotator scores).

    Returns
    -------
    list of dict
        Keys ``method``, ``params``, ``label``, ``max_side``, ``protocol``,
        ``n`` (images scored), ``mean``, ``std`` (sample standard deviation,
        ddof=1), ``ci_low``, ``ci_high`` (of ``all``), ``finest`` and
        ``coarsest`` (means), ``failed`` (images whose method raised),
        ``seconds_mean`` and ``seconds_median`` (per image).
    """
    groups = {}
    for r in rows:
        groups.setdefault((r["method"], r["params"], r["max_side"]), []).append(r)
    out = []
    for (method, params, max_side), grp in groups.items():
        failed = {r["image"] for r in grp if r["protocol"] == _FAILED}
        seconds = {}
        for r in grp:
            if r["protocol"] != _FAILED and not math.isnan(r["seconds"]):
                seconds[r["image"]] = r["seconds"]
        secs = np.array(list(seconds.values()), float)
        label = _label(method, json.loads(params))
        for protocol in PROTOCOL_NAMES:
            prow = [r for r in grp if r["protocol"] == protocol]
            if not prow:
                continue
            a = np.array([r["all"] for r in prow], float)
            low, high = bootstrap_ci(a, level=level, n_boot=n_boot, seed=seed)
            out.append({
                "method": method, "params": params, "label": label, "max_side": max_side, "protocol": protocol,
                "n": int(a.size), "mean": float(a.mean()), "std": float(a.std(ddof=1)) if a.size > 1 else math.nan,
                "ci_low": low, "ci_high": high,
                "finest": float(np.mean([r["finest"] for r in prow])),
                "coarsest": float(np.mean([r["coarsest"] for r in prow])),
                "failed": len(failed),
                "seconds_mean": float(secs.mean()) if secs.size else math.nan,
                "seconds_median": float(np.median(secs)) if secs.size else math.nan,
            })
    return out


def _num(x, digits=3):
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


#: Protocols of the overview table of :func:`summary_markdown`.
_OVERVIEW = ("hungarian mIoU", "best-overlap mIoU", "covering", "VI", "F@0.5", "AP@0.5", "AP@0.7")


def summary_markdown(rows, *, level: float = 0.95, n_boot: int = 2000, seed: int = 0, protocols=None) -> str:
    """Markdown tables of an evaluation: an overview, then one table per protocol.

    Parameters
    ----------
    rows : list of dict
        As returned by :func:`evaluate` or :func:`read_rows`.
    level, n_boot, seed :
        Of the bootstrap CI (:func:`bootstrap_ci`).
    protocols : sequence of str, optional
        Which protocols get a detailed table (default: all).

    Returns
    -------
    str

    Examples
    --------
    >>> rows = [{"method": "slic", "params": "{}", "max_side": None, "image": i, "protocol": "AP@0.5",
    ...          "all": v, "finest": v, "coarsest": v, "seconds": 0.1} for i, v in (("1", 0.2), ("2", 0.4))]
    >>> print(summary_markdown(rows, protocols=["AP@0.5"]).splitlines()[0])
    Evaluation of 1 method variant(s) on 2 image(s).
    """
    summary = summarize(rows, level=level, n_boot=n_boot, seed=seed)
    protocols = PROTOCOL_NAMES if protocols is None else tuple(protocols)
    images = {r["image"] for r in rows}
    labels = []
    for s in summary:
        if s["label"] not in labels:
            labels.append(s["label"])
    by = {(s["label"], s["protocol"]): s for s in summary}
    pct = f"{level * 100:g}%"
    lines = [f"Evaluation of {len(labels)} method variant(s) on {len(images)} image(s).",
             "Scores: mean over images of the mean over annotators ('all'); "
             f"{pct} CI: percentile bootstrap over images ({n_boot} resamples, seed {seed}).", ""]
    present = [p for p in _OVERVIEW if any((lab, p) in by for lab in labels)]
    lines += ["| method | images | failed | s / image (median) | " + " | ".join(present) + " |",
              "|---|---:|---:|---:|" + "---:|" * len(present)]
    for lab in labels:
        first = next(s for s in summary if s["label"] == lab)
        cells = [_num(by[(lab, p)]["mean"]) if (lab, p) in by else "–" for p in present]
        lines.append(f"| {lab} | {first['n']} | {first['failed']} | {_num(first['seconds_median'], 2)} | "
                     + " | ".join(cells) + " |")
    for p in protocols:
        if not any((lab, p) in by for lab in labels):
            continue
        better = "lower is better" if p in LOWER_IS_BETTER else "higher is better"
        lines += ["", f"### {p} ({better})", "",
                  f"| method | n | all: mean | std | {pct} CI | finest | coarsest |",
                  "|---|---:|---:|---:|---|---:|---:|"]
        for lab in labels:
            s = by.get((lab, p))
            if s is None:
                continue
            lines.append(f"| {lab} | {s['n']} | {_num(s['mean'])} | {_num(s['std'])} | "
                         f"[{_num(s['ci_low'])}, {_num(s['ci_high'])}] | {_num(s['finest'])} | "
                         f"{_num(s['coarsest'])} |")
    return "\n".join(lines) + "\n"
