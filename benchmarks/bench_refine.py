"""The superpixel majority vote of Kanezaki (2018): bincount against a plain Python loop.

The authors' code refines the argmax labels superpixel by superpixel in
Python: for each superpixel, the labels of its pixels, their distinct values,
a count of each, the most frequent one written back. ``plain_loop`` below
does the same work (written from that description); it precomputes each
superpixel's pixel indices once, as the reference does before training, so
only the per-iteration vote is timed. :func:`segkit.superpixels.majority_vote`
does it with one ``bincount`` over (superpixel, label) pairs.

Setting as in the paper: a 321x481 BSDS500 val image, SLIC with K = 10,000 and
compactness 100, labels drawn from q = 100 classes (the untrained network's
argmax is close to that) and from 10 classes (later in training).

Usage (from the repository root)::

    SEGKIT_BSDS500=/work/shared/data/bsds500/data PYTHONPATH=. \\
        .venv/bin/python benchmarks/bench_refine.py --repeats 7
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def superpixel_indices(segments):
    """Flat pixel indices of each superpixel (what the reference precomputes once)."""
    flat = segments.ravel()
    return [np.where(flat == s)[0] for s in np.unique(flat)]


def plain_loop(labels, indices):
    """One Python iteration per superpixel: the mode of its labels."""
    target = labels.ravel().copy()
    for idx in indices:
        values = target[idx]
        distinct = np.unique(values)
        hist = np.array([np.sum(values == u) for u in distinct])
        target[idx] = distinct[np.argmax(hist)]
    return target.reshape(labels.shape)


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times)), out


def main(argv=None) -> int:
    from segkit.datasets import bsds500
    from segkit.superpixels import majority_vote, slic

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--n-segments", type=int, default=10000)
    args = parser.parse_args(argv)

    item = next(it for it in bsds500("val", limit=5) if it.image.shape[:2] == (321, 481))
    segments = slic(item.image, args.n_segments, 100.0)
    indices = superpixel_indices(segments)
    print("# Superpixel majority vote: segkit.majority_vote vs a plain Python loop\n")
    print(f"- load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"- image {item.id}, {item.image.shape[0]}x{item.image.shape[1]}, "
          f"SLIC K={args.n_segments:,} m=100 -> {segments.max() + 1:,} superpixels\n")
    print("| labels | plain loop (s) | majority_vote (ms) | speed-up | equal |")
    print("|---:|---:|---:|---:|:---:|")
    rng = np.random.default_rng(0)
    for q in (100, 10):
        labels = rng.integers(0, q, size=segments.shape)
        t_loop, ref = median_time(lambda: plain_loop(labels, indices), args.repeats)
        t_vec, ours = median_time(lambda: majority_vote(labels, segments), args.repeats)
        equal = "yes" if np.array_equal(ref, ours) else "NO"
        print(f"| {q} classes | {t_loop:.3f} | {t_vec * 1000:.1f} | {t_loop / t_vec:.0f}x | {equal} |",
              flush=True)
    print(f"\n- load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
