"""Per-iteration time of the readable loop and the fast engine, and the size where they cross.

:func:`segkit.segment` runs the papers' loop (:func:`segkit.cnn.train.train_loop`) with one
of two engines: ``readable`` (``SegNet.forward`` and the plain losses) or ``fast`` (reused
buffers, a sliced loss with a hand-written gradient, glibc told to keep freed memory).
``engine="auto"`` takes the fast one when one activation (q x H x W values) passes glibc's
32 MiB mmap threshold (``segkit.cnn.FAST_ABOVE_PIXELS`` = 83,886 pixels at q = 100 in
float32); this script measures where the engines cross. The default sizes bracket that
threshold (236x352 just below, 240x352 just above).

For each torch thread count (``--threads``, default 1 and 2), each size (``--sizes``, the
BSDS500 val image resized, default 80x120 up to the full 321x481) and each engine, one
child Python process (so that each engine starts with glibc's allocator untouched and its
peak memory is its own) trains the default kim2020 network (q = 100, M = 2, float32) for
about ``--seconds`` (at least 6 iterations, ``min_labels=1``). The first
iteration (warm-up) is left out. Each engine runs ``--repeats`` times at each size, the
engines alternating, and the table shows the smallest of its runs' median seconds per
iteration (other processes can only slow a run down), then readable / fast; the median
process CPU seconds (user + system, all threads) and minor page faults per iteration are
printed beside. The crossover is the smallest measured size from which fast stays faster by
more than ``--margin`` (10%: runs of one engine differ by about that much on a shared
machine), interpolated linearly in pixels from the previous size.

Usage (from the repository root, on a quiet machine; about 13 minutes on 2 cores)::

    PYTHONPATH=. .venv/bin/python benchmarks/bench_cnn_engines.py
    PYTHONPATH=. .venv/bin/python benchmarks/bench_cnn_engines.py --sizes 160x240,321x481 --threads 1
    PYTHONPATH=. .venv/bin/python benchmarks/bench_cnn_engines.py --markdown   # a table for RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_ROOT = os.environ.get("SEGKIT_BSDS500", "/work/shared/data/bsds500/data")
DEFAULT_SIZES = "80x120,120x180,160x240,214x320,236x352,240x352,321x481"


def _image(image_id, root, shape):
    from PIL import Image

    im = np.asarray(Image.open(Path(root) / "images" / "val" / f"{image_id}.jpg").convert("RGB"))
    if tuple(im.shape[:2]) == tuple(shape):
        return im
    from skimage.transform import resize

    return resize(im, shape, order=1, anti_aliasing=True, preserve_range=False).astype(np.float32)


def _child(spec):
    """Train one engine at one size in this process; print a JSON line."""
    import torch

    torch.set_num_threads(spec["threads"])
    from segkit import segment

    img = _image(spec["image"], spec["root"], spec["shape"])
    stamps, cpu = [time.perf_counter()], [time.process_time()]
    faults = [resource.getrusage(resource.RUSAGE_SELF).ru_minflt]

    def enough(i, info):  # at least min_iters iterations, then stop once the time is spent
        stamps.append(time.perf_counter())
        cpu.append(time.process_time())
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt)
        return i + 1 >= spec["min_iters"] and stamps[-1] - stamps[0] >= spec["seconds"]

    segment(img, spec["method"], max_iter=spec["max_iters"], min_labels=1, device="cpu",
            engine=spec["engine"], callback=enough)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"times": np.diff(stamps).tolist(), "cpu": np.diff(cpu).tolist(),
                      "faults": np.diff(faults).tolist(),
                      "maxrss_mb": ru.ru_maxrss / 1024,
                      "threads": torch.get_num_threads()}))


def _run(spec, env):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _crossover(rows, margin):
    """Pixels from which fast stays faster by more than ``margin`` (readable / fast > 1 + margin),
    interpolated linearly from the size before; None if never, 0 if at every size."""
    level = 1.0 + margin
    ratios = [(r["pixels"], r["ratio"]) for r in rows]
    for k in range(len(ratios)):
        if all(q > level for _, q in ratios[k:]):
            if k == 0:
                return 0
            (p0, q0), (p1, q1) = ratios[k - 1], ratios[k]
            return int(round(p0 + (level - q0) * (p1 - p0) / (q1 - q0)))
    return None


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--image", default="103070", help="BSDS500 val image id (default 103070, 321x481)")
    p.add_argument("--root", default=DEFAULT_ROOT, help="BSDS500 data folder (images/val/...)")
    p.add_argument("--sizes", default=DEFAULT_SIZES, help="HxW,HxW,... (default %(default)s)")
    p.add_argument("--threads", default="1,2", help="torch thread counts to measure (default 1,2)")
    p.add_argument("--method", choices=("kim2020", "kanezaki2018"), default="kim2020")
    p.add_argument("--seconds", type=float, default=5.0, help="work per run, roughly (default 5)")
    p.add_argument("--repeats", type=int, default=3, help="runs per engine and size (default 3)")
    p.add_argument("--margin", type=float, default=0.1,
                   help="fast counts as faster when readable / fast > 1 + margin (default 0.1: "
                        "runs of the same engine differ by about that much on a shared machine)")
    p.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        _child(json.loads(args.child))
        return 0

    sizes = [tuple(int(v) for v in s.lower().split("x")) for s in args.sizes.split(",")]
    threads = [int(t) for t in args.threads.split(",")]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    print(f"machine: {os.cpu_count()} CPUs ({_cpu_model()}), Python {platform.python_version()}; "
          f"image {args.image}, method {args.method}, q = 100, M = 2, float32; "
          f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    tables = {}
    for n_threads in threads:
        rows = []
        for h, w in sizes:
            runs = {"readable": [], "fast": []}
            cpu = {"readable": [], "fast": []}
            faults = {"readable": [], "fast": []}
            rss = {}
            for rep in range(args.repeats):
                order = ("readable", "fast") if rep % 2 == 0 else ("fast", "readable")
                for engine in order:
                    spec = dict(engine=engine, shape=[h, w], threads=n_threads, seconds=args.seconds,
                                min_iters=6, max_iters=200, image=args.image, root=args.root,
                                method=args.method)
                    r = _run(spec, env)
                    runs[engine].append(float(np.median(r["times"][1:])))
                    cpu[engine] += r["cpu"][1:]
                    faults[engine] += r["faults"][1:]
                    rss[engine] = max(rss.get(engine, 0), r["maxrss_mb"])
            # the least disturbed run of each engine: other processes only ever slow a run down
            best = {e: min(t) for e, t in runs.items()}
            row = dict(shape=(h, w), pixels=h * w, readable=best["readable"], fast=best["fast"],
                       ratio=best["readable"] / best["fast"], rss=rss, runs=runs,
                       cpu={e: float(np.median(c)) for e, c in cpu.items()},
                       faults={e: float(np.median(c)) for e, c in faults.items()})
            print(f"threads {n_threads}  {h}x{w} ({h * w:6d} px)  readable {row['readable']:.4f} s/it  "
                  f"fast {row['fast']:.4f} s/it  readable/fast {row['ratio']:.2f}  (CPU s/it "
                  f"{row['cpu']['readable']:.4f} / {row['cpu']['fast']:.4f}; run medians "
                  f"{' '.join(f'{t:.3f}' for t in runs['readable'])} / "
                  f"{' '.join(f'{t:.3f}' for t in runs['fast'])}; page faults/it "
                  f"{row['faults']['readable']:.0f} / {row['faults']['fast']:.0f})  "
                  f"peak RSS {rss['readable']:.0f} / {rss['fast']:.0f} MB  load {os.getloadavg()[0]:.2f}",
                  flush=True)
            rows.append(row)
        cross = _crossover(rows, args.margin)
        tables[n_threads] = (rows, cross)
        faster = f"fast is more than {args.margin:.0%} faster"
        said = (f"{faster} at every size measured" if cross == 0 else
                f"{faster} at no size from which it stays so" if cross is None else
                f"{faster} from about {cross} pixels on")
        print(f"threads {n_threads}: crossover: {said}", flush=True)

    from segkit.cnn import FAST_ABOVE_PIXELS

    print(f"segkit.cnn.FAST_ABOVE_PIXELS = {FAST_ABOVE_PIXELS} (engine='auto' takes fast above it at "
          f"q = 100 in float32)")
    if args.markdown:
        print("\n| size | pixels | threads | readable s/it | fast s/it | readable / fast "
              "| CPU s/it readable / fast | page faults/it readable / fast | peak RSS readable / fast |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for n_threads, (rows, _) in tables.items():
            for r in rows:
                print(f"| {r['shape'][0]}x{r['shape'][1]} | {r['pixels']:,} | {n_threads} | "
                      f"{r['readable']:.4f} | {r['fast']:.4f} | {r['ratio']:.2f} | "
                      f"{r['cpu']['readable']:.4f} / {r['cpu']['fast']:.4f} | "
                      f"{r['faults']['readable']:.0f} / {r['faults']['fast']:.0f} | {r['rss']['readable']:.0f} / "
                      f"{r['rss']['fast']:.0f} MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
