"""Speed of segkit's unsupervised CNN against a faithful re-implementation of the authors' loop.

Each variant runs in its own Python process (so that its peak memory, the
``ru_maxrss`` of that process, is its own), one after the other on the same
BSDS500 val image at full size (321x481), with q = 100 and M = 2:

* ``reference``: benchmarks/reference_loop.py (the authors' per-iteration work,
  display removed);
* ``segkit``: :func:`segkit.segment` at its defaults
  (``keep_memory=True``: glibc keeps freed memory while training);
* ``segkit-nokeep``: the same with ``keep_memory=False``.

Per-iteration wall times come from the callbacks; the first iteration (warm-up)
is left out of the medians. ``--method kanezaki2018`` times the 2018 loop
(reference with its Python superpixel vote) instead.

Usage (from the repository root)::

    PYTHONPATH=. .venv/bin/python benchmarks/bench_cnn.py --iters 25
    PYTHONPATH=. .venv/bin/python benchmarks/bench_cnn.py --method kanezaki2018 --iters 20
    PYTHONPATH=. .venv/bin/python benchmarks/bench_cnn.py --long 1000 --max_side 240

``--long N`` runs segkit alone for N iterations (at a smaller size, 160x240 by
default) and prints the median time of each tenth of the run: an iteration
must not get slower as training goes on.

The machine's load average is printed: other processes disturb the timings,
so run it on a quiet machine and compare medians.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_ROOT = os.environ.get("SEGKIT_BSDS500", "/work/shared/data/bsds500/data")


def _load(image_id, root):
    from PIL import Image

    path = Path(root) / "images" / "val" / f"{image_id}.jpg"
    return np.asarray(Image.open(path).convert("RGB"))


def _child(variant, image_id, root, iters, method, threads):
    """Run one variant in this process and print a JSON line."""
    import torch

    if threads:
        torch.set_num_threads(threads)

    im = _load(image_id, root)
    stamps = [time.perf_counter()]
    labels = []
    if variant == "reference":
        sys.path.insert(0, str(HERE))
        from reference_loop import reference_loop

        def cb(i, n, loss):
            stamps.append(time.perf_counter())
            labels.append(n)

        reference_loop(im, method=method, n_iter=iters, min_labels=1, callback=cb)
    else:
        from segkit import segment

        def cb(i, info):
            stamps.append(time.perf_counter())
            labels.append(info["n_labels"])

        segment(im, method, max_iter=iters, min_labels=1, device="cpu", callback=cb,
                keep_memory=(variant != "segkit-nokeep"))
    ru = resource.getrusage(resource.RUSAGE_SELF)
    times = np.diff(stamps)
    print(json.dumps({
        "variant": variant, "times": times.tolist(), "n_labels": labels,
        "maxrss_mb": ru.ru_maxrss / 1024, "utime": ru.ru_utime, "stime": ru.ru_stime,
        "minflt": ru.ru_minflt,
        "threads": torch.get_num_threads(), "shape": list(im.shape[:2]),
    }))


def long_run(image_id, root, iters, max_side, threads):
    """segkit alone for many iterations at a smaller size: does an iteration get slower?"""
    import torch

    from segkit.io import load_image
    from segkit import segment

    if threads:
        torch.set_num_threads(threads)
    img = load_image(Path(root) / "images" / "val" / f"{image_id}.jpg", max_side=max_side)
    stamps = [time.perf_counter()]
    block = max(1, iters // 10)

    def cb(i, info):
        stamps.append(time.perf_counter())
        if (i + 1) % block == 0:  # partial results survive an interrupted run
            t = np.diff(stamps[-block - 1:])
            print(f"iterations {i + 2 - block}-{i + 1}: median {np.median(t):.3f} s/it, "
                  f"{info['n_labels']} labels, load {os.getloadavg()[0]:.2f}", flush=True)

    segment(img, max_iter=iters, min_labels=1, device="cpu", callback=cb)
    t = np.diff(stamps)
    meds = [np.median(t[a:a + block]) for a in range(0, len(t), block)]
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{img.shape[0]}x{img.shape[1]}, {iters} iterations: median s/it per block of {block}: "
          + " ".join(f"{m:.3f}" for m in meds)
          + f"; last/first block {meds[-1] / meds[0]:.2f}; peak RSS {ru.ru_maxrss / 1024:.0f} MB; "
          f"load {os.getloadavg()[0]:.2f}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--image", default="103070", help="BSDS500 val image id (default 103070, 321x481)")
    p.add_argument("--root", default=DEFAULT_ROOT, help="BSDS500 data folder (images/val/...)")
    p.add_argument("--iters", type=int, default=25)
    p.add_argument("--method", choices=("kim2020", "kanezaki2018"), default="kim2020")
    p.add_argument("--variants", default="reference,segkit,segkit-nokeep")
    p.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's own choice)")
    p.add_argument("--long", type=int, default=0, metavar="N",
                   help="instead: time segkit alone for N iterations at --max_side, in blocks")
    p.add_argument("--max_side", type=int, default=240, help="image size for --long")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.long:
        long_run(args.image, args.root, args.long, args.max_side, args.threads)
        return 0
    if args.child:
        _child(args.child, args.image, args.root, args.iters, args.method, args.threads)
        return 0

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    print(f"image {args.image}, method {args.method}, {args.iters} iterations per variant, "
          f"threads {args.threads or 'default'}, "
          f"load average before: {os.getloadavg()[0]:.2f}")
    results = {}
    for variant in args.variants.split(","):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", variant, "--image", args.image,
               "--root", args.root, "--iters", str(args.iters), "--method", args.method,
               "--threads", str(args.threads)]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        results[variant] = r
        t = np.array(r["times"][1:])
        half = len(t) // 2
        print(f"{variant:12s} {r['shape'][0]}x{r['shape'][1]}  median {np.median(t):.3f} s/it  "
              f"(min {t.min():.3f}, max {t.max():.3f}; first half {np.median(t[:half]):.3f}, "
              f"second half {np.median(t[half:]):.3f})  peak RSS {r['maxrss_mb']:.0f} MB  "
              f"user {r['utime']:.1f} s sys {r['stime']:.1f} s  page faults {r['minflt'] / 1e3:.0f}k  "
              f"labels {r['n_labels'][-1]}  "
              f"load {os.getloadavg()[0]:.2f}")
    if "reference" in results:
        ref = np.median(results["reference"]["times"][1:])
        for v, r in results.items():
            if v != "reference":
                print(f"speed-up {v} vs reference: {ref / np.median(r['times'][1:]):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
