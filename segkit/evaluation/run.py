""":func:`evaluate`: methods x images of a BSDS500 split, scored, resumable, written to a CSV.

It expands the method variants (:mod:`.registry`), checks the output paths
(:mod:`.paths`), reads what the output CSV already holds (:mod:`.resume`),
runs the remaining tasks (:mod:`.tasks`) appending each task's rows in one
write as it finishes (:mod:`.results_csv`), and writes the summary tables
(:mod:`.report`).
"""

from __future__ import annotations

import numbers
import os
import warnings

import numpy as np

from .._validate import check_choice, check_int, describe
from .paths import _check_output_file
from .registry import METHODS, variants
from .report import summary_markdown
from .results_csv import (CSV_COLUMNS, _FAILED, _append_task, _format, _key, _params_json, _parse_row, _sort_key,
                          _write_all)
from .resume import _describe_partial, _load_for_resume
from .tasks import _connect, _dask, _joblib, _serial


def _image_id(value) -> str:
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and value >= 0:
        return str(int(value))
    if isinstance(value, str) and value.strip().isdigit():
        return value.strip()
    raise ValueError(f"`ids` must be BSDS500 image ids such as '3096' (a comma-separated string or a list); "
                     f"got {describe(value)}")


def _resolve_ids(split, root, ids, limit):
    """The image ids to run, in the order given, each once (a repeat is dropped with a warning)."""
    from ..datasets import bsds500_ids

    all_ids = bsds500_ids(split, root)
    if ids is None:
        chosen = all_ids
    else:
        if isinstance(ids, str):
            ids = [i.strip() for i in ids.split(",") if i.strip()]
        elif isinstance(ids, (numbers.Integral, np.integer)) or not hasattr(ids, "__iter__"):
            raise TypeError(f"`ids` must be a list of BSDS500 image ids or a comma-separated string; "
                            f"got {describe(ids)}")
        given = [_image_id(i) for i in ids]
        if not given:
            raise ValueError("`ids` must name at least one image (leave it out for the whole split); got none")
        chosen = list(dict.fromkeys(given))
        if len(chosen) < len(given):
            repeated = sorted({i for i in given if given.count(i) > 1}, key=given.index)
            warnings.warn(f"`ids`: {', '.join(repeated)} given more than once; each image is computed and "
                          "counted once", UserWarning, stacklevel=3)
        known = set(all_ids)
        missing = [i for i in chosen if i not in known]
        if missing:
            raise ValueError(f"`ids`: not in the {split!r} split: {', '.join(missing[:5])}")
    if limit is not None:
        chosen = chosen[: check_int(limit, "limit", min_value=1)]
    return chosen


def _check_flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be True or False; got {describe(value)}")
    return bool(value)


def evaluate(methods, split: str = "val", root=None, *, params=None, ids=None, limit=None, max_side=None,
             jobs: int = 1, scheduler=None, output=None, summary=None, retry_failed: bool = False,
             progress: bool = True) -> list:
    """Run segmentation methods on BSDS500 images and score them against the human annotations.

    Parameters
    ----------
    methods : str or sequence
        Method names of :data:`METHODS` (``"kmeans,felzenszwalb,slic"`` or a
        list), or ``(name, params)`` pairs; see :func:`variants`. A variant
        named twice runs once.
    split : {"train", "val", "test"}
    root : path, optional
        The BSDS500 copy (see :func:`segkit.datasets.bsds500_root`; default:
        ``SEGKIT_BSDS500``, then the download cache). Never downloads.
    params : dict, optional
        ``{method: {parameter: value or list of values}}``; lists make a grid.
    ids : sequence of str, optional
        Only these images (default: the whole split, in numeric order). An id
        given twice runs once.
    limit : int, optional
        Only the first ``limit`` of them.
    max_side : int, optional
        Shrink images (and annotations, by nearest neighbour) to this longest
        side first; default: full resolution.
    jobs : int
        Worker processes (joblib) over images; 1 runs in this process. The
        workers end with this process, however it ends.
    scheduler : str or distributed.Client, optional
        Run the tasks on a Dask distributed cluster instead (an address such
        as ``"tcp://127.0.0.1:8786"``, or a client). The workers must be able
        to import segkit and read ``root``.
    output : path, optional
        CSV file. Tasks (image x method variant) whose rows are all there are
        not computed again; each finished task's rows are appended in one
        write, and the file is rewritten in sorted order at the end. Damaged
        lines (a write cut short, NUL bytes, text in a number column) are
        moved to ``<output>.damaged`` with a warning naming them, and what
        they held is computed again. One run per file at a time.
    summary : path, optional
        Write :func:`summary_markdown` of the returned rows there.
    retry_failed : bool
        Compute again the requested image x method pairs whose row records an
        error.
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
        For an unknown method or parameter, an empty grid, a bad split or id,
        ``jobs < 1``, no local BSDS500 copy, an existing ``output`` that is not
        an evaluation CSV, or an ``output`` or ``summary`` that cannot be
        written (a folder, a path under a file, a read-only folder): all of
        them before any image is computed.
    ConnectionError
        When no Dask scheduler answers at ``scheduler`` within a few seconds.
    ImportError
        When ``scheduler`` is given but dask/distributed are not installed.

    Warns
    -----
    UserWarning
        For repeated ids or variants (dropped), damaged lines set aside, and
        tasks with missing rows computed again.

    Examples
    --------
    >>> rows = evaluate("slic", ids=["3096"], max_side=64, progress=False)  # doctest: +SKIP
    >>> rows[0]["protocol"], rows[0]["method"]  # doctest: +SKIP
    ('hungarian accuracy', 'slic')
    """
    from ..datasets import bsds500_root
    from ..io import MIN_SIDE

    check_choice(split, "split", ("train", "val", "test"))
    todo_variants = variants(methods, params)
    jobs = check_int(jobs, "jobs", min_value=1)
    if max_side is not None:
        max_side = check_int(max_side, "max_side", min_value=MIN_SIDE)
    retry_failed = _check_flag(retry_failed, "retry_failed")
    progress = _check_flag(progress, "progress")
    root_path = str(bsds500_root(root))
    image_ids = _resolve_ids(split, root_path, ids, limit)
    # the files, before anything is computed
    out_path = None if output is None else _check_output_file(output, "output")
    summary_path = None if summary is None else _check_output_file(summary, "summary")
    if out_path is not None and summary_path is not None and out_path.resolve() == summary_path.resolve():
        raise ValueError(f"`summary`: '{summary_path}' is the output CSV itself; give the summary another name")
    done, partial, changed = ({}, {}, False) if out_path is None else _load_for_resume(out_path, stacklevel=3)

    tasks, wanted, redo = [], set(), set()
    for image in image_ids:
        for name, p in todo_variants:
            key = (split, image, max_side, name, _params_json(p))
            wanted.add(key)
            rows = done.get(key)
            if rows is None or (retry_failed and rows[0]["protocol"] == _FAILED):
                redo.add(key)
                tasks.append({"split": split, "image": image, "max_side": max_side, "method": name, "params": p,
                              "root": root_path, "function": METHODS[name].function})
    if redo & set(partial):
        warnings.warn(_describe_partial({k: partial[k] for k in redo & set(partial)}, "output", out_path),
                      UserWarning, stacklevel=2)
    # the rows kept: every task of the file but those computed again (never twice)
    existing = [r for table in (done, partial) for k, rows in table.items() if k not in redo for r in rows]

    fd = None
    if out_path is not None:
        empty = not out_path.exists() or out_path.stat().st_size == 0
        if changed or empty or redo & (set(done) | set(partial)):
            _write_all(out_path, existing)
        fd = os.open(out_path, os.O_WRONLY | os.O_APPEND)
    try:
        if not tasks:
            results = iter(())
        elif scheduler is not None:
            results = _dask(tasks, *_connect(scheduler))
        elif jobs > 1 and len(tasks) > 1:
            results = _joblib(tasks, jobs)
        else:
            results = _serial(tasks)
        from tqdm.auto import tqdm

        new_rows = []
        with tqdm(total=len(tasks), desc="evaluate", unit="task", disable=not progress or not tasks) as bar:
            for task_rows in results:
                new_rows.extend(task_rows)
                if fd is not None:
                    _append_task(fd, task_rows)
                bar.update(1)
    finally:
        if fd is not None:
            os.close(fd)
    if out_path is not None:
        _write_all(out_path, existing + new_rows)
    # the rows of this request, resumed ones included, parsed as read_rows parses them
    rows = [_parse_row({k: _format(r[k]) for k in CSV_COLUMNS}) for r in existing + new_rows]
    rows = sorted((r for r in rows if _key(r) in wanted), key=_sort_key)
    if summary_path is not None:
        summary_path.write_text(summary_markdown(rows), encoding="utf-8")
    return rows
