""":func:`evaluate`: methods x images of a BSDS500 split, scored, resumable, written to a CSV.

It expands the method variants (:mod:`.registry`), skips the rows already in
the output CSV (:mod:`.results_csv`), runs the remaining tasks (:mod:`.tasks`)
appending each image's rows as it finishes, and writes the summary tables
(:mod:`.report`).
"""

from __future__ import annotations

import csv
from pathlib import Path

from .._validate import check_choice, check_int
from .registry import METHODS, variants
from .report import summary_markdown
from .results_csv import (CSV_COLUMNS, _FAILED, _format, _key, _params_json, _parse_row, _sort_key, _write_all,
                          read_rows)
from .tasks import _dask, _joblib, _serial


def _resolve_ids(split, root, ids, limit):
    from ..datasets import _check_id, bsds500_ids

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
    from ..datasets import bsds500_root
    from ..io import MIN_SIDE

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
