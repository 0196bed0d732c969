"""Resuming from an existing results CSV: which tasks are done, and what to do with damaged lines.

A task (one image x one method variant) is **done** only when all its rows are
in the file: one per protocol of :data:`PROTOCOL_NAMES`, or the single
``"(failed)"`` row of an image whose method raised. A task with some of its
rows (a file cut at a line boundary by an older segkit, or a damaged line set
aside) is computed again, and its old rows are replaced, never counted twice.

Damaged lines (cut mid-line, NUL bytes, text in a number column; see
:func:`.results_csv._scan`) are not deleted: they are appended, as they were,
to a side file next to the CSV (``results.csv.damaged``), and a warning names
the file and the line numbers. What they held is computed again.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

from .results_csv import _FAILED, _key, _scan
from .scoring import PROTOCOL_NAMES

#: The side file of a results CSV: ``<output>.damaged``.
DAMAGED_SUFFIX = ".damaged"
_SHOWN = 5  # line numbers listed in a warning


def _damaged_path(path: Path) -> Path:
    return path.with_name(path.name + DAMAGED_SUFFIX)


def _set_aside(path: Path, damaged) -> Path:
    """Append the damaged lines, as they were, to ``<path>.damaged``, after a line saying where they came from."""
    side = _damaged_path(path)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    where = "; ".join(f"line {n}: {problem}" for n, problem, _ in damaged)
    note = f"# segkit evaluate set these lines of '{path.name}' aside on {stamp} ({where})\n"
    with open(side, "ab") as f:
        f.write(note.encode("utf-8") + b"".join(raw + b"\n" for _, _, raw in damaged))
    return side


def _lines_text(numbers) -> str:
    shown = ", ".join(str(n) for n in numbers[:_SHOWN])
    return shown + (f" and {len(numbers) - _SHOWN} more" if len(numbers) > _SHOWN else "")


def _complete(by_protocol: dict) -> list:
    """The rows of a done task in protocol order, or None when some are missing."""
    if all(p in by_protocol for p in PROTOCOL_NAMES):
        return [by_protocol[p] for p in PROTOCOL_NAMES]  # a stale "(failed)" row beside them is dropped
    if set(by_protocol) == {_FAILED}:
        return [by_protocol[_FAILED]]
    return None


def _load_for_resume(path: Path, *, name: str = "output", stacklevel: int = 3):
    """Read an existing results CSV for resuming.

    Parameters
    ----------
    path : Path
        The CSV (it may be missing or empty).
    name : str
        The argument that gave it, for the messages.
    stacklevel : int
        Of the warnings (so that they point at the caller of :func:`evaluate`).

    Returns
    -------
    done : dict
        Task key -> its rows, for every task whose rows are all present.
    partial : dict
        Task key -> the rows present, for tasks with some rows missing.
    changed : bool
        Whether the file holds something beyond ``done`` and ``partial``
        (damaged lines, now set aside, or repeated rows), so that it must be
        rewritten before rows are appended to it.

    Warns
    -----
    UserWarning
        Naming the file and line numbers of damaged lines, the side file that
        keeps them, and the tasks computed again.

    Raises
    ------
    ValueError
        If the file is not a segkit evaluation CSV.
    """
    if not path.exists() or path.stat().st_size == 0:
        return {}, {}, False
    rows, damaged = _scan(path, name)
    if damaged:
        side = _set_aside(path, damaged)
        numbers = [n for n, _, _ in damaged]
        first = damaged[0][1]
        warnings.warn(f"`{name}`: '{path}': {len(damaged)} damaged line(s) (line {_lines_text(numbers)}; line "
                      f"{numbers[0]}: {first}) set aside in '{side}'; what they held is computed again",
                      UserWarning, stacklevel=stacklevel)
    tasks, repeated = {}, []
    for n, row in rows:
        by_protocol = tasks.setdefault(_key(row), {})
        if row["protocol"] in by_protocol:
            repeated.append(n)
        else:
            by_protocol[row["protocol"]] = row
    done, partial = {}, {}
    for key, by_protocol in tasks.items():
        complete = _complete(by_protocol)
        if complete is None:
            partial[key] = list(by_protocol.values())
        else:
            done[key] = complete
    if repeated:
        warnings.warn(f"`{name}`: '{path}': {len(repeated)} repeated row(s) of a task and protocol already "
                      f"read (line {_lines_text(repeated)}) are dropped: each image is counted once",
                      UserWarning, stacklevel=stacklevel)
    n_kept = sum(len(v) for v in done.values()) + sum(len(v) for v in partial.values())
    changed = bool(damaged) or n_kept != len(rows)
    return done, partial, changed


def _describe_partial(partial, name: str, path: Path) -> str:
    """A warning about tasks that are computed again because some of their rows are missing."""
    keys = sorted(partial)
    shown = "; ".join(f"image {k[1]} x {k[3]}: {len(partial[k])} of {len(PROTOCOL_NAMES)} rows" for k in keys[:3])
    more = f"; and {len(keys) - 3} more" if len(keys) > 3 else ""
    return (f"`{name}`: '{path}': {len(keys)} task(s) have only some of their rows ({shown}{more}); "
            "they are computed again and their rows replaced")
