"""Summaries of an evaluation: bootstrap confidence intervals, per-variant statistics, Markdown tables.

:func:`summarize` gives, per method variant and protocol, the mean, standard
deviation and percentile bootstrap CI (:func:`bootstrap_ci`) over images;
:func:`summary_markdown` turns that into an overview table and one table per
protocol.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np

from .._validate import check_float, check_int
from .registry import _label
from .results_csv import _FAILED
from ..metrics.protocols import POOLED, SEGMENT_COUNT
from .scoring import LOWER_IS_BETTER, PROTOCOL_NAMES


def bootstrap_ci(values, *, level: float = 0.95, n_boot: int = 2000, seed: int = 0, weights=None):
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
    weights : sequence of float, optional
        Weights of the values: the interval is then that of the weighted
        mean sum(w x) / sum(w) (the pooled protocol, weighted by each image's
        count of annotated segments), resampling images with their weights.

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
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != x.shape:
        raise ValueError(f"`weights` must have one entry per value; got {w.shape} and {x.shape}")
    keep = ~np.isnan(x) & ~np.isnan(w)
    x, w = x[keep], w[keep]
    if x.size == 0:
        return (math.nan, math.nan)
    if x.size == 1:
        return (float(x[0]), float(x[0]))
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, x.size, size=(n_boot, x.size))
    means = (x[pick] * w[pick]).sum(axis=1) / w[pick].sum(axis=1)
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
        The pooled protocol's mean (and CI, finest, coarsest) is weighted by
        each image's count of annotated segments, so it equals
        :func:`segkit.metrics.pooled_best_overlap` over the same images.
        Keys ``method``, ``params``, ``label``, ``max_side``, ``protocol``,
        ``n`` (images scored), ``mean``, ``std`` (sample standard deviation,
        ddof=1), ``ci_low``, ``ci_high`` (of ``all``), ``finest`` and
        ``coarsest`` (means), ``failed`` (images whose method raised),
        ``seconds_mean`` and ``seconds_median`` (per image).

    Warns
    -----
    UserWarning
        When an image has more than one row for a variant and protocol (rows
        of two files put together, say): the first is used, so that no image
        counts twice in a mean or an interval.
    """
    groups, seen, repeated = {}, set(), 0
    for r in rows:
        variant = (r["method"], r["params"], r["max_side"])
        once = (variant, r.get("split"), str(r["image"]), r["protocol"])
        if once in seen:
            repeated += 1
            continue
        seen.add(once)
        groups.setdefault(variant, []).append(r)
    if repeated:
        warnings.warn(f"`rows`: {repeated} repeated row(s) of an image, variant and protocol already seen are "
                      "ignored; each image is counted once", UserWarning, stacklevel=2)
    out = []
    for (method, params, max_side), grp in groups.items():
        failed = {r["image"] for r in grp if r["protocol"] == _FAILED}
        seconds = {}
        for r in grp:
            if r["protocol"] != _FAILED and not math.isnan(r["seconds"]):
                seconds[r["image"]] = r["seconds"]
        secs = np.array(list(seconds.values()), float)
        label = _label(method, json.loads(params))
        counts = {(r.get("split"), str(r["image"])): r for r in grp if r["protocol"] == SEGMENT_COUNT}
        for protocol in PROTOCOL_NAMES:
            prow = [r for r in grp if r["protocol"] == protocol]
            if not prow:
                continue
            a = np.array([r["all"] for r in prow], float)
            weights = {"all": None, "finest": None, "coarsest": None}
            if protocol == POOLED:  # pooled over every annotated segment: weighted by the counts
                prow = [r for r in prow if (r.get("split"), str(r["image"])) in counts]
                a = np.array([r["all"] for r in prow], float)
                weights = {k: np.array([counts[(r.get("split"), str(r["image"]))][k] for r in prow], float)
                           for k in weights}

            def mean(key, values):
                return float(np.average(values, weights=weights[key])) if len(values) else math.nan

            low, high = bootstrap_ci(a, level=level, n_boot=n_boot, seed=seed, weights=weights["all"])
            out.append({
                "method": method, "params": params, "label": label, "max_side": max_side, "protocol": protocol,
                "n": int(a.size), "mean": mean("all", a), "std": float(a.std(ddof=1)) if a.size > 1 else math.nan,
                "ci_low": low, "ci_high": high,
                "finest": mean("finest", [r["finest"] for r in prow]),
                "coarsest": mean("coarsest", [r["coarsest"] for r in prow]),
                "failed": len(failed),
                "seconds_mean": float(secs.mean()) if secs.size else math.nan,
                "seconds_median": float(np.median(secs)) if secs.size else math.nan,
            })
    return out


def _num(x, digits=3):
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


#: Protocols of the overview table of :func:`summary_markdown`.
_OVERVIEW = ("hungarian mIoU", "best-overlap mIoU", POOLED, "covering", "VI", "F@0.5", "AP@0.5", "AP@0.7")


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
        better = ("a count: the weights of the pooled protocol" if p == SEGMENT_COUNT
                  else "lower is better" if p in LOWER_IS_BETTER else "higher is better")
        if p == POOLED:
            better += "; the authors' protocol: pooled over every annotated segment, weighted by the counts"
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
