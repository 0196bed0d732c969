"""The fast schedule against the papers' schedule on BSDS500 val, at full size (issue 14).

For every image and schedule, runs ``segkit.segment(image, method, schedule=...)``
at the papers' defaults and stores the labels and the run's facts in
``OUT/<method>/<schedule>/<id>.npz`` (resumable: a stored run is not redone),
then prints, over the images that have every requested schedule:

* the authors' pooled best-overlap mIoU (``segkit.metrics.pooled_best_overlap``:
  all / fine / coarse) and the mean of per-image best-overlap mIoU, for each
  schedule;
* the first schedule minus the second, pooled "all", paired over the images
  (a bootstrap interval; each image weighted by its annotated segments, so
  the weighted mean of the per-image differences is the pooled difference);
* per image: labels, connected segments, updates, stop, seconds;
* with ``--reference-iters N``: N iterations of the authors' loop
  (benchmarks/reference_loop.py) on the first image, in the same run, and how
  many times faster each schedule's run is than 1,000 of them.

Usage (the ten-image table of benchmarks/RESULTS.md, section 3; its runs are
kept in git under benchmarks/results, a few kB each, so that a later session
reprints or extends the table instead of rerunning hours of training;
add ``--report-only`` to reprint it)::

    python benchmarks/bench_fast_schedule.py \\
        --ids 3096,8023,12084,14037,16077,19021,21077,24077,33039,42049 \\
        --schedules fast,paper --out benchmarks/results

Run it alone on the machine: the seconds are the point. Try-outs (``--stages``)
belong in an ignored folder such as benchmarks/out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _run_one(item, method, schedule, path: Path):
    import segkit

    t0 = time.perf_counter()
    result = segkit.segment(item.image, method=method, schedule=schedule.split("-")[0], device="cpu")
    wall = time.perf_counter() - t0
    facts = dict(seconds=wall, loop_seconds=result.seconds, n_iter=result.n_iter,
                 stop_reason=result.stop_reason, n_labels=result.n_labels,
                 stages=result.params.get("stages"), bfloat16=result.params.get("bfloat16", False),
                 threads=torch.get_num_threads(), when=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                 load=os.getloadavg()[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, labels=result.labels.astype(np.uint16), facts=json.dumps(facts))
    os.replace(tmp, path)
    return facts


def _load(path: Path):
    with np.load(path) as data:
        return data["labels"].astype(np.int64), json.loads(str(data["facts"]))


def _reference_seconds(item, method, n_iter):
    from reference_loop import reference_loop

    im = np.round(item.image * 255).astype(np.uint8)
    times = []
    t0 = time.perf_counter()

    def tick(i, n_labels, loss):
        times.append(time.perf_counter())

    reference_loop(im, method=method, n_iter=n_iter, min_labels=0, callback=tick)
    per_iter = float(np.median(np.diff([t0] + times)[1:]))
    return per_iter


def _print_paired(a, b, pooled, weights):
    """Schedule a minus schedule b, pooled "all", paired over the images (the same human segments weigh both).

    ``pooled[s]``: each image's pooled score under schedule s; ``weights``: each image's annotated segments.
    """
    from segkit.evaluation.report import bootstrap_ci

    diff = np.asarray(pooled[a]) - np.asarray(pooled[b])
    weights = np.asarray(weights, float)
    low, high = bootstrap_ci(diff, weights=weights)
    mean = float((diff * weights).sum() / weights.sum())
    print(f"\n{a} - {b}, pooled best-overlap mIoU (all): {mean:+.4f} [{low:+.4f}, {high:+.4f}] "
          f"(95% percentile bootstrap over the {diff.size} images, each weighted by its annotated segments); "
          f"{a} higher on {int((diff > 0).sum())} images, lower on {int((diff < 0).sum())}")


def main(argv=None):
    from segkit.datasets import bsds500_ids, load_bsds500_item
    from segkit.metrics import pooled_best_overlap, score_annotators
    from segkit.metrics.components import connected_components
    from segkit.metrics.protocols import POOLED, SEGMENT_COUNT

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--method", choices=("kim2020", "kanezaki2018"), default="kim2020")
    p.add_argument("--schedules", default="fast,paper")
    p.add_argument("--limit", type=int, default=10, help="the first N val ids in numeric order")
    p.add_argument("--ids", default=None, help="comma-separated val ids (instead of --limit)")
    p.add_argument("--out", default="bench_fast")
    p.add_argument("--reference-iters", type=int, default=0)
    p.add_argument("--report-only", action="store_true", help="print the table from stored runs")
    p.add_argument("--stages", default=None,
                   help="try other fast-schedule stages, e.g. 0.25:700,0.5:40,1:10 (scale:max_iter); "
                        "stored under schedule name fast-<stages>")
    args = p.parse_args(argv)

    schedules = [s.strip() for s in args.schedules.split(",") if s.strip()]
    if args.stages:
        from segkit.cnn import schedule as schedule_module

        stages = []
        for part in args.stages.split(","):
            scale, n = part.split(":")
            stages.append(schedule_module.Stage(float(scale), int(n), patience=10 if float(scale) < 1 else 3))
        schedule_module.FAST_STAGES = tuple(stages)
        schedules = [f"fast-{args.stages}" if s == "fast" else s for s in schedules]
    ids = args.ids.split(",") if args.ids else sorted(bsds500_ids("val"), key=int)[: args.limit]
    out = Path(args.out) / args.method
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch "
          f"{torch.__version__}, {torch.get_num_threads()} threads, bfloat16 convolutions: "
          f"{__import__('segkit.cnn.schedule', fromlist=['x']).bfloat16_supported('cpu')}", flush=True)

    if not args.report_only:
        for image_id in ids:
            item = load_bsds500_item(image_id, "val")
            for schedule in schedules:
                path = out / schedule / f"{image_id}.npz"
                if path.exists():
                    continue
                facts = _run_one(item, args.method, schedule, path)
                print(f"{image_id} {schedule}: {facts['n_labels']} labels, {facts['n_iter']} updates "
                      f"({facts['stop_reason']}), {facts['seconds']:.1f} s, load {facts['load']:.1f}", flush=True)

    per_iter = None
    if args.reference_iters:
        per_iter = _reference_seconds(load_bsds500_item(ids[0], "val"), args.method, args.reference_iters)
        print(f"authors' loop ({args.method}), image {ids[0]}: {per_iter:.3f} s per iteration "
              f"(median of {args.reference_iters}); 1,000 iterations = {1000 * per_iter:.0f} s", flush=True)

    done = [i for i in ids if all((out / s / f"{i}.npz").exists() for s in schedules)]
    if not done:
        print("no image has every schedule yet")
        return 0
    items = {i: load_bsds500_item(i, "val") for i in done}
    print(f"\n{len(done)} images: {', '.join(done)}\n")
    print("| schedule | pooled best-overlap mIoU (all / fine / coarse) | mean per-image best-overlap | "
          "Hungarian mIoU | covering | VI | labels / segments (mean) | seconds per image (mean, max) |"
          + (" x authors' 1,000 |" if per_iter else ""))
    print("|---|---|---:|---:|---:|---:|---|---|" + ("---:|" if per_iter else ""))
    rows, image_pooled = {}, {}
    for schedule in schedules:
        preds, facts = zip(*(_load(out / schedule / f"{i}.npz") for i in done))
        gts = [items[i].segmentations for i in done]
        pooled = [pooled_best_overlap(list(preds), gts, mode=m) for m in ("all", "fine", "coarse")]
        wanted = ["best-overlap mIoU", "hungarian mIoU", "covering", "VI"]
        scored = [score_annotators(pr, gt, protocols=wanted + [POOLED, SEGMENT_COUNT]) for pr, gt in zip(preds, gts)]
        per_image = [sc["best-overlap mIoU"]["all"] for sc in scored]
        others = [np.mean([sc[name]["all"] for sc in scored]) for name in wanted[1:]]
        image_pooled[schedule] = [sc[POOLED]["all"] for sc in scored]
        weights = [sc[SEGMENT_COUNT]["all"] for sc in scored]   # the same for every schedule
        segs = [int(np.unique(connected_components(pr)).size) for pr in preds]
        secs = [f["seconds"] for f in facts]
        rows[schedule] = (preds, facts, per_image, segs)
        speed = f" {1000 * per_iter / np.mean(secs):.0f}x |" if per_iter else ""
        print(f"| {schedule} | {pooled[0]:.4f} / {pooled[1]:.4f} / {pooled[2]:.4f} | {np.mean(per_image):.3f} | "
              f"{others[0]:.3f} | {others[1]:.3f} | {others[2]:.3f} | "
              f"{np.mean([f['n_labels'] for f in facts]):.1f} / {np.mean(segs):.0f} | "
              f"{np.mean(secs):.1f}, {np.max(secs):.1f} |{speed}")
    if len(schedules) >= 2 and len(done) >= 2:
        _print_paired(schedules[0], schedules[1], image_pooled, weights)
    print("\n| image | " + " | ".join(f"{s}: labels / segments, best-overlap, updates (stop), s" for s in schedules) + " |")
    print("|---|" + "---|" * len(schedules))
    for k, image_id in enumerate(done):
        cells = []
        for s in schedules:
            preds, facts, per_image, segs = rows[s]
            f = facts[k]
            cells.append(f"{f['n_labels']} / {segs[k]}, {per_image[k]:.3f}, {f['n_iter']} ({f['stop_reason']}), "
                         f"{f['seconds']:.0f}")
        print(f"| {image_id} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
