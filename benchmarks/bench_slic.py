"""segkit's SLIC against scikit-image's, speed and quality, in the same run.

Speed: for n_segments 100, 1,000 and 10,000, both implementations segment the
same BSDS500 val images at full size (321x481 or 481x321), alternately, several
times; the script prints the median time of each and the median of the
per-run ratios (ours / scikit-image's). Goal: ratio at most 2.

Engines: segkit's two engines for the assignment step, the readable loop over
centres (``engine="readable"``) and the vectorised grid (``engine="fast"``),
with scikit-image beside them, on the same images shrunk to several sizes
(long side 160 and 240, the lessons' sizes, up to full BSDS size) and
n_segments; each row also checks that the two engines gave identical labels.
This is the measurement behind ``segkit.superpixels.READABLE_MAX_SIDE`` and
``READABLE_MAX_SEGMENTS``, the limits up to which ``engine="auto"`` runs the
readable loop.

Quality: boundary recall (tolerance 2 px) and under-segmentation error, each
averaged over the annotators of an image and then over images, for both
implementations at the same settings.

Like with like: both get the same [0, 1] RGB float image, the same
n_segments and compactness (both minimise D^2 = d_lab^2 + (d_xy / S)^2 m^2
up to a constant factor), 10 iterations, no smoothing (``sigma=0``) and the
same fragment threshold (``min_size_factor=0.25``, the paper's quarter of a
superpixel; scikit-image's default is 0.5). Remaining differences:
scikit-image rescales the image to span [0, 1] (a no-op for most
photographs), does not move seeds off edges, and places its grid slightly
differently, so segment counts differ by a few percent.

Usage (from the repository root)::

    SEGKIT_BSDS500=/work/shared/data/bsds500/data PYTHONPATH=. \\
        .venv/bin/python benchmarks/bench_slic.py --images 5 --repeats 5 --quality 20

    # only the engines table (readable vs fast vs scikit-image):
    SEGKIT_BSDS500=/work/shared/data/bsds500/data PYTHONPATH=. \\
        .venv/bin/python benchmarks/bench_slic.py --only-engines --images 3 --repeats 3

The machine's load average is printed before and after: other processes
disturb the timings, so run it on a quiet machine and compare medians.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return "n/a"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover - not on Linux
        pass
    return platform.processor() or "unknown"


def skimage_slic(image, n_segments, compactness):
    from skimage.segmentation import slic

    return slic(image, n_segments=n_segments, compactness=compactness, max_num_iter=10, sigma=0,
                min_size_factor=0.25, start_label=0)


def ours_slic(image, n_segments, compactness, engine="auto"):
    from segkit.superpixels import slic

    return slic(image, n_segments, compactness, max_iter=10, min_size_factor=0.25, engine=engine)


def time_once(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def speed(items, sizes, compactness, repeats):
    print(f"\n## Speed (compactness {compactness}, {len(items)} images, {repeats} repeats each)\n")
    print("| n_segments | segkit (s) | scikit-image (s) | ratio | segments segkit / skimage |")
    print("|---:|---:|---:|---:|---:|")
    for n in sizes:
        ours_t, sk_t, ratios, counts = [], [], [], []
        for item in items:
            ours_slic(item.image, n, compactness)  # warm-up
            skimage_slic(item.image, n, compactness)
            for _ in range(repeats):
                a, sa = time_once(ours_slic, item.image, n, compactness)
                b, sb = time_once(skimage_slic, item.image, n, compactness)
                ours_t.append(a)
                sk_t.append(b)
                ratios.append(a / b)
            counts.append((sa.max() + 1, sb.max() + 1))
        c = np.mean(counts, axis=0)
        print(f"| {n:,} | {np.median(ours_t):.3f} | {np.median(sk_t):.3f} | "
              f"{np.median(ratios):.2f} | {c[0]:.0f} / {c[1]:.0f} |", flush=True)


def engines(items, sides, sizes, compactness, repeats):
    """Readable loop vs vectorised grid (vs scikit-image), per image size and n_segments."""
    from segkit.io import resize_max_side
    from segkit.superpixels import READABLE_MAX_SIDE, READABLE_MAX_SEGMENTS
    from segkit.superpixels.slic import choose_engine

    print(f"\n## Engines (compactness {compactness}, 10 iterations, {len(items)} images, "
          f"{repeats} repeats each; median seconds per slic call)\n")
    print(f"auto runs the readable loop up to a long side of {READABLE_MAX_SIDE} px and "
          f"{READABLE_MAX_SEGMENTS:,} segments.\n")
    print("| size | pixels | n_segments | readable (s) | fast (s) | scikit-image (s) | readable / fast "
          "| auto picks | identical labels |")
    print("|---|---:|---:|---:|---:|---:|---:|---|---|")
    for side in sides:
        images = [it.image if side is None else resize_max_side(it.image, side) for it in items]
        h, w = images[0].shape[:2]
        for n in sizes:
            times = {"readable": [], "fast": [], "sk": []}
            ratios, identical = [], True
            for image in images:
                a = ours_slic(image, n, compactness, "readable")  # warm-up, and the equality check
                b = ours_slic(image, n, compactness, "fast")
                identical &= bool(np.array_equal(a, b))
                skimage_slic(image, n, compactness)
                for _ in range(repeats):
                    ta, _ = time_once(ours_slic, image, n, compactness, "readable")
                    tb, _ = time_once(ours_slic, image, n, compactness, "fast")
                    tc, _ = time_once(skimage_slic, image, n, compactness)
                    times["readable"].append(ta)
                    times["fast"].append(tb)
                    times["sk"].append(tc)
                    ratios.append(ta / tb)
            med = {k: float(np.median(v)) for k, v in times.items()}
            print(f"| {h}x{w} | {h * w:,} | {n:,} | {med['readable']:.3f} | {med['fast']:.3f} | "
                  f"{med['sk']:.3f} | {np.median(ratios):.2f} | {choose_engine((h, w), n)} | "
                  f"{'yes' if identical else 'NO'} |", flush=True)


def quality(items, settings):
    from segkit.metrics import boundary_recall, undersegmentation_error

    print(f"\n## Quality ({len(items)} BSDS500 val images, mean over annotators then images)\n")
    print("| n_segments | m | BR segkit | BR skimage | UE segkit | UE skimage | BR ratio | UE ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, m in settings:
        scores = {"ours": [], "sk": []}
        for item in items:
            for name, fn in (("ours", ours_slic), ("sk", skimage_slic)):
                seg = fn(item.image, n, m)
                br = np.mean([boundary_recall(seg, g) for g in item.segmentations])
                ue = np.mean([undersegmentation_error(seg, g) for g in item.segmentations])
                scores[name].append((br, ue))
        (bo, uo), (bs, us) = np.mean(scores["ours"], axis=0), np.mean(scores["sk"], axis=0)
        print(f"| {n:,} | {m:g} | {bo:.4f} | {bs:.4f} | {uo:.4f} | {us:.4f} | {bo / bs:.3f} | {uo / us:.3f} |",
              flush=True)


def main(argv=None) -> int:
    from segkit.datasets import bsds500

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=5, help="val images timed (default 5)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per image and size")
    parser.add_argument("--quality", type=int, default=20, help="val images scored (0: skip)")
    parser.add_argument("--compactness", type=float, default=10.0)
    parser.add_argument("--sides", default="160,240,320,400,full",
                        help="long sides for the engines table ('full': 481; default 160,240,320,400,full)")
    parser.add_argument("--segments", default="100,300,1000,2000",
                        help="n_segments for the engines table (default 100,300,1000,2000)")
    parser.add_argument("--only-engines", action="store_true", help="print only the engines table")
    args = parser.parse_args(argv)
    sides = [None if s.strip() == "full" else int(s) for s in args.sides.split(",")]
    segments = [int(s) for s in args.segments.split(",")]

    print(f"# SLIC benchmark: segkit vs scikit-image\n")
    print(f"- machine: {platform.machine()}, {cpu_model()}, {os.cpu_count()} logical CPUs, "
          f"Python {platform.python_version()}")
    import skimage
    print(f"- scikit-image {skimage.__version__}, numpy {np.__version__}")
    print(f"- load average before: {load_average()}")
    items = bsds500("val", limit=max(args.images, 0 if args.only_engines else args.quality))
    shapes = sorted({it.image.shape[:2] for it in items[: args.images]})
    print(f"- images: first {args.images} BSDS500 val ids, full size {shapes}")
    if args.only_engines:
        engines(items[: args.images], sides, segments, args.compactness, args.repeats)
        print(f"\n- load average after: {load_average()}")
        return 0
    speed(items[: args.images], (100, 1000, 10000), args.compactness, args.repeats)
    engines(items[: args.images], sides, segments, args.compactness, args.repeats)
    if args.quality:
        quality(items[: args.quality], ((100, 10.0), (1000, 10.0), (1000, 20.0), (10000, 100.0)))
    print(f"\n- load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
