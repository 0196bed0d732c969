"""Evaluating the course's segmentation methods against BSDS500 human annotations.

:func:`evaluate` runs methods x images of a BSDS500 split and scores every
result with every protocol of :data:`PROTOCOL_NAMES`, against all annotators
(the mean), the finest and the coarsest. It writes one CSV row per image,
method (with its parameters) and protocol, with the seconds the method took on
that image, and :func:`summary_markdown` turns rows into tables of means,
standard deviations and bootstrap confidence intervals.

The runner is built for long runs on shared machines:

* **resumable**: a task (image x method variant) whose rows are all in the
  output CSV is not computed again (a run that was stopped, even killed,
  continues where it stopped); each task's rows are written in one write, and
  damaged lines are set aside in ``<output>.damaged`` and computed again;
* **nothing counted twice**: a repeated id, method or grid value runs once;
* **robust**: an exception on one image is recorded in that image's row
  (column ``error``) and the others go on;
* **parallel** over images with joblib worker processes (``jobs=N``), or on a
  Dask distributed cluster (``scheduler="tcp://host:8786"``, needs the
  optional ``dask`` and ``distributed`` packages, imported only then); the
  rows do not depend on the path taken (only ``seconds`` does); worker
  processes end with the run, however it ends;
* **checked first**: the output paths and the scheduler are tried before any
  image is computed.

Methods live in a registry (:data:`METHODS`, :func:`register_method`), so a
later lesson adds its method with one call. The command line is
``segkit evaluate`` (see :mod:`segkit.commands.evaluate`).

One concept per file:

- ``registry.py``: the methods, :class:`Method`, :data:`METHODS`,
  :func:`register_method` and the course's built-in methods; :func:`variants`
  expands names and parameter grids into the variants that run.
- ``scoring.py``: :func:`score_image`, one segmentation against every
  annotator with every protocol of :data:`PROTOCOL_NAMES`, and which segments
  each protocol sees.
- ``results_csv.py``: the results CSV, :data:`CSV_COLUMNS`, :func:`read_rows`
  and the writing of rows (numbers parsed back exactly, damaged lines found).
- ``resume.py``: which tasks of an existing CSV are done, and setting its
  damaged lines aside.
- ``paths.py``: output paths tried before computing.
- ``tasks.py``: one task (one image x one method variant, never raises) and
  the three ways to run tasks: serial, joblib processes (which die with their
  parent), a Dask cluster (connected with a short timeout).
- ``run.py``: :func:`evaluate`, the runner that ties these together. Start
  reading there.
- ``report.py``: :func:`bootstrap_ci`, :func:`summarize` and
  :func:`summary_markdown`.

>>> from segkit import evaluation
>>> sorted(evaluation.METHODS)[:3]
['felzenszwalb', 'kanezaki2018', 'kim2020']
"""

from __future__ import annotations

from .registry import METHODS, Method, register_method, variants
from .report import bootstrap_ci, summarize, summary_markdown
from .results_csv import CSV_COLUMNS, read_rows
from .run import evaluate
from .scoring import LOWER_IS_BETTER, PROTOCOL_NAMES, score_image

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
