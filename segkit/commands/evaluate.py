"""``segkit evaluate``: score segmentation methods against BSDS500's human annotations.

Example::

    segkit evaluate --split val --methods kmeans,felzenszwalb,slic --jobs 2 --output results.csv
    segkit evaluate --split train --limit 8 --methods kmeans --param kmeans.k=4,8,16 --output grid.csv

``--param METHOD.NAME=VALUE`` sets a method's parameter (repeatable); a
comma-separated list of values makes a grid, every combination a variant of
its own. A repeated id, method or grid value runs once (a warning says so).
Images whose rows are all in ``--output`` are skipped (stop a run, even with
``kill -9``, and start it again to continue); damaged lines of that file are
moved to ``OUTPUT.damaged`` and computed again. ``--summary`` (default: the
output's name with ``.md``) gets the Markdown tables. Both paths are checked
before anything is computed. ``--scheduler tcp://HOST:PORT`` runs the images
on a Dask distributed cluster (optional packages dask and distributed); with
``--jobs N`` the worker processes end when the command ends, however it ends.

Exit status: 0 when every image x method was scored, 1 when some raised (their
rows record the error; the others are complete), 2 on bad arguments or a file
that cannot be read or written, 130 when interrupted.
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

#: Argument of :func:`segkit.evaluation.evaluate` -> the option of this command that gives it.
_OPTIONS = {"methods": "--methods", "params": "--param", "ids": "--ids", "limit": "--limit", "split": "--split",
            "max_side": "--max-side", "jobs": "--jobs", "scheduler": "--scheduler", "output": "--output",
            "summary": "--summary", "root": "--root", "retry_failed": "--retry-failed"}


def add_arguments(parser) -> None:
    """Declare the options of ``segkit evaluate``."""
    parser.add_argument("--root", default=None, metavar="DIR",
                        help="BSDS500 folder holding images/ and groundTruth/ (default: $SEGKIT_BSDS500, "
                             "then segkit's download cache)")
    parser.add_argument("--split", default="val", choices=("train", "val", "test"), help="split (default val)")
    parser.add_argument("--methods", default="kmeans,felzenszwalb,slic", metavar="M1,M2",
                        help="comma-separated methods (default kmeans,felzenszwalb,slic; see --list-methods)")
    parser.add_argument("--param", action="append", default=[], metavar="METHOD.NAME=VALUE[,VALUE...]",
                        help="a method parameter, e.g. kmeans.k=5; several values make a grid (repeatable)")
    parser.add_argument("--ids", default=None, metavar="ID1,ID2", help="only these image ids")
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N images")
    parser.add_argument("--max-side", type=int, default=None, metavar="PX",
                        help="shrink images to this longest side first (default: full resolution)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="worker processes (default 1)")
    parser.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                        help="run on this Dask distributed scheduler instead of local processes")
    parser.add_argument("--output", "-o", default="results.csv", metavar="CSV",
                        help="CSV of rows, appended to and resumed from (default results.csv)")
    parser.add_argument("--summary", default=None, metavar="MD",
                        help="Markdown summary (default: the output's name with .md)")
    parser.add_argument("--retry-failed", action="store_true", help="compute again the pairs that raised before")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--list-methods", action="store_true", help="list the methods and their parameters, then exit")


def _value(text: str):
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip()


def parse_params(items) -> dict:
    """``["kmeans.k=4,8", "slic.compactness=20"]`` -> ``{"kmeans": {"k": [4, 8]}, "slic": {"compactness": 20}}``.

    >>> parse_params(["kmeans.k=4,8", "kmeans.color_space=lab"])
    {'kmeans': {'k': [4, 8], 'color_space': 'lab'}}
    """
    out = {}
    for item in items:
        name, sep, values = item.partition("=")
        method, dot, param = name.partition(".")
        if not sep or not dot or not method or not param or not values:
            raise ValueError(f"--param must look like METHOD.NAME=VALUE (e.g. kmeans.k=5); got '{item}'")
        if any(not v.strip() for v in values.split(",")):
            raise ValueError(f"--param {name.strip()}: an empty value in '{values}'; give values such as "
                             f"{name.strip()}=4,8")
        parsed = [_value(v) for v in values.split(",")]
        out.setdefault(method.strip(), {})[param.strip()] = parsed if len(parsed) > 1 else parsed[0]
    return out


def _default_summary(output: str) -> str:
    """The output's name with ``.md`` (``results.csv`` -> ``results.md``), never the output itself."""
    path = Path(output)
    try:
        return str(path.with_suffix(".md") if path.suffix != ".md" else path.with_name(path.stem + ".summary.md"))
    except ValueError:  # no file name ('.', '/'): evaluate refuses that --output, naming it
        return str(output) + ".md"


def _for_cli(text: str, names: dict) -> str:
    """A message of :func:`evaluate` with its argument names (`output`) as the options typed (--output)."""
    return re.sub(r"`([a-z_]+)`", lambda m: names.get(m.group(1), m.group(0)), str(text))


def run(args) -> int:
    """Run ``segkit evaluate``; returns the exit status."""
    from ..evaluation import METHODS, evaluate

    prog = "segkit evaluate"
    if args.list_methods:
        for name, m in METHODS.items():
            params = ", ".join(f"{k}={v}" for k, v in m.defaults.items())
            print(f"{name}: {m.description}\n    {params}")
        return 0
    summary = args.summary or _default_summary(args.output)
    names = dict(_OPTIONS)
    if args.summary is None:
        names["summary"] = "--summary (by default the --output name with .md)"

    def show(message, category, filename, lineno, file=None, line=None):
        kind = "" if issubclass(category, UserWarning) else f"{category.__name__}: "
        print(f"{prog}: warning: {kind}{_for_cli(message, names)}", file=sys.stderr)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", UserWarning)  # the command's warnings are printed, never raised
            warnings.showwarning = show
            params = parse_params(args.param)
            rows = evaluate(args.methods, args.split, args.root, params=params, ids=args.ids, limit=args.limit,
                            max_side=args.max_side, jobs=args.jobs, scheduler=args.scheduler, output=args.output,
                            summary=summary, retry_failed=args.retry_failed, progress=not args.no_progress)
    except (ValueError, TypeError, ImportError, OSError) as exc:
        # OSError: a file that cannot be read or written, a scheduler that does not answer; never a traceback
        print(f"{prog}: error: {_for_cli(exc, names)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\n{prog}: interrupted; the images finished so far are in {args.output}: run the same command "
              "again to go on", file=sys.stderr)
        return 130
    failed = sorted({(r["image"], r["method"]) for r in rows if r["error"]})
    n_pairs = len({(r["image"], r["method"], r["params"]) for r in rows})
    print(f"{n_pairs} image x method results in {args.output}; summary in {summary}")
    if failed:
        for image, method in failed[:10]:
            err = next(r["error"] for r in rows if r["image"] == image and r["method"] == method and r["error"])
            print(f"{prog}: {method} failed on image {image}: {err}", file=sys.stderr)
        print(f"{prog}: {len(failed)} image x method pair(s) failed; rerun with --retry-failed to try again",
              file=sys.stderr)
        return 1
    return 0
