"""The results CSV: its columns, and reading and writing its rows exactly.

One row per image, method variant and protocol (:data:`CSV_COLUMNS`); an
image whose method raised gets one row with protocol ``"(failed)"`` and the
exception in ``error``. Numbers are written with ``repr`` so that
:func:`read_rows` parses them back exactly, and the file is rewritten in
sorted order (image, method, parameters, protocol) at the end of a run.

Every row is one line ending in a line end. A crash can still leave a line cut
short, or a tail of NUL bytes (a file system that had grown the file but not
written it); :func:`_scan` reads such a file line by line and reports each
damaged line with its number and what is wrong with it, so that resuming can
set it aside (:mod:`.resume`), while :func:`read_rows` refuses it naming the
line.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path

from .scoring import PROTOCOL_NAMES


#: Columns of the CSV, in order.
CSV_COLUMNS = ("split", "image", "max_side", "method", "params", "protocol", "all", "finest", "coarsest",
               "n_annotators", "n_labels", "n_segments", "height", "width", "seconds", "error")
_FAILED = "(failed)"
_HEADER = ",".join(CSV_COLUMNS)
_FLOATS = ("all", "finest", "coarsest", "seconds")
_INTS = ("n_annotators", "n_labels", "n_segments", "height", "width")


def _params_json(params) -> str:
    return json.dumps(params, sort_keys=True)


def _format(value):
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return "" if value is None else str(value)


def _parse_row(raw: dict) -> dict:
    """Parse one row's text fields; a ValueError names the column and the value that is wrong."""
    row = dict(raw)
    if row["split"] not in ("train", "val", "test"):
        raise ValueError(f"column 'split': {row['split']!r} is not train, val or test")
    if not str(row["image"]).isdigit():
        raise ValueError(f"column 'image': {row['image']!r} is not a BSDS500 image id")
    if not row["method"]:
        raise ValueError("column 'method' is empty")
    try:
        params = json.loads(row["params"])
    except ValueError:
        params = None
    if not isinstance(params, dict):
        raise ValueError(f"column 'params': {row['params'][:40]!r} is not a JSON object")
    if row["protocol"] not in PROTOCOL_NAMES and row["protocol"] != _FAILED:
        raise ValueError(f"column 'protocol': {row['protocol'][:40]!r} is not a protocol of the runner")
    for key in _FLOATS:
        try:
            row[key] = float(row[key]) if row[key] != "" else math.nan
        except ValueError:
            raise ValueError(f"column {key!r}: {row[key][:40]!r} is not a number") from None
    for key in (*_INTS, "max_side"):
        try:
            row[key] = int(row[key]) if row[key] != "" else ""
        except ValueError:
            raise ValueError(f"column {key!r}: {row[key][:40]!r} is not a whole number") from None
    row["max_side"] = None if row["max_side"] == "" else row["max_side"]
    return row


def _parse_line(raw: bytes, has_end: bool):
    """One line of the file -> ``(row, None)``, or ``(None, what is wrong with it)``."""
    if b"\0" in raw:
        return None, "NUL bytes (a write that never reached the disk)"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    try:
        fields = next(csv.reader([text], strict=True))
    except csv.Error:
        return None, "cut short inside a quoted field" if not has_end else "unbalanced quotes"
    if len(fields) != len(CSV_COLUMNS):
        cut = " (cut short)" if len(fields) < len(CSV_COLUMNS) else ""
        return None, f"{len(fields)} columns instead of {len(CSV_COLUMNS)}{cut}"
    try:
        row = _parse_row(dict(zip(CSV_COLUMNS, fields)))
    except ValueError as exc:
        return None, str(exc)
    if not has_end:
        return None, "no line end (the write was cut short)"
    return row, None


def _scan(path, name: str):
    """Read a results CSV that may be damaged, line by line.

    Parameters
    ----------
    path : path
    name : str
        The argument that gave ``path``, for the error message.

    Returns
    -------
    rows : list of (int, dict)
        Line number (the header is line 1) and parsed row of each good line.
    damaged : list of (int, str, bytes)
        Line number, what is wrong, and the line's bytes as they were (line end
        removed), for each damaged line. When the header itself is damaged
        (the file was cut or zeroed while it was being started), every line is
        here and ``rows`` is empty.

    Raises
    ------
    ValueError
        If the file is not a segkit evaluation CSV (another header): it is
        not touched.
    """
    path = Path(path)
    lines = path.read_bytes().split(b"\n")
    tail = lines.pop()  # what follows the last line end: b"" in a file that was written to the end
    numbered = [(i + 1, line.removesuffix(b"\r"), True) for i, line in enumerate(lines)]
    if tail:
        numbered.append((len(lines) + 1, tail, False))
    numbered = [(n, line, end) for n, line, end in numbered if line.strip(b" \t\r")]
    if not numbered:
        return [], []
    first, header, header_end = numbered[0]
    text = header.decode("utf-8", "replace")
    if first != 1 or text != _HEADER:
        started = b"\0" in header or not header.strip(b"\0") or (not header_end and _HEADER.startswith(text))
        if not started:
            raise ValueError(f"`{name}`: '{path}' is not a segkit evaluation CSV (its first line is "
                             f"{text[:80]!r}; expected the columns {', '.join(CSV_COLUMNS)})")
        return [], [(n, "the header line is damaged", line) for n, line, _ in numbered]
    rows, damaged = [], []
    for n, line, end in numbered[1:]:
        row, problem = _parse_line(line, end)
        if problem is None:
            rows.append((n, row))
        else:
            damaged.append((n, problem, line))
    return rows, damaged


def read_rows(path) -> list:
    """Read the rows of a CSV written by :func:`evaluate` (numbers parsed back exactly).

    Parameters
    ----------
    path : path

    Returns
    -------
    list of dict
        One per line after the header, with the columns :data:`CSV_COLUMNS`.

    Raises
    ------
    ValueError
        If the file's header is not :data:`CSV_COLUMNS`, or a line is damaged
        (cut short, NUL bytes, text in a number column): the message names the
        file and the line. ``evaluate(..., output=path)`` resumes from such a
        file, setting the damaged lines aside.
    """
    path = Path(path)
    rows, damaged = _scan(path, "path")
    if not rows and not damaged:
        raise ValueError(f"`path`: '{path}' is empty, not a segkit evaluation CSV (expected the columns "
                         f"{', '.join(CSV_COLUMNS)})")
    if damaged:
        n, problem, _ = damaged[0]
        more = f" (and {len(damaged) - 1} more damaged line(s))" if len(damaged) > 1 else ""
        raise ValueError(f"`path`: '{path}' line {n}: {problem}{more}; `evaluate(..., output=...)` or "
                         "`segkit evaluate --output` resumes from this file and sets damaged lines aside")
    return [row for _, row in rows]


def _key(row) -> tuple:
    return (row["split"], str(row["image"]), row["max_side"], row["method"], row["params"])


def _sort_key(row):
    image = str(row["image"])
    protocol = row["protocol"]
    order = PROTOCOL_NAMES.index(protocol) if protocol in PROTOCOL_NAMES else len(PROTOCOL_NAMES)
    return (row["split"], len(image), image, row["method"], row["params"], row["max_side"] or 0, order)


def _lines(rows, *, header: bool = False) -> bytes:
    """The CSV text of ``rows`` (and the header), as bytes."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    if header:
        writer.writeheader()
    for row in rows:
        writer.writerow({k: _format(row[k]) for k in CSV_COLUMNS})
    return buffer.getvalue().encode("utf-8")


def _write_all(path: Path, rows) -> None:
    """Write the header and ``rows`` (sorted) to a temporary file, then rename it over ``path``."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(_lines(sorted(rows, key=_sort_key), header=True))
    os.replace(tmp, path)


def _append_task(fd: int, rows) -> None:
    """Append one task's rows to the file open at ``fd`` (``O_APPEND``) in one write.

    One ``write`` call of a few kilobytes: a process killed around it leaves
    all of the task's rows or none of them (a loop finishes a partial write,
    which a regular file gives only when the disk is full).
    """
    data = _lines(rows)
    while data:
        written = os.write(fd, data)
        data = data[written:]
