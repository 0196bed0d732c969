"""The results CSV: its columns, and reading and writing its rows exactly.

One row per image, method variant and protocol (:data:`CSV_COLUMNS`); an
image whose method raised gets one row with protocol ``"(failed)"`` and the
exception in ``error``. Numbers are written with ``repr`` so that
:func:`read_rows` parses them back exactly, and the file is rewritten in
sorted order (image, method, parameters, protocol) at the end of a run.
"""

from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path

from .scoring import PROTOCOL_NAMES


#: Columns of the CSV, in order.
CSV_COLUMNS = ("split", "image", "max_side", "method", "params", "protocol", "all", "finest", "coarsest",
               "n_annotators", "n_labels", "n_segments", "height", "width", "seconds", "error")
_FAILED = "(failed)"


def _params_json(params) -> str:
    return json.dumps(params, sort_keys=True)


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
