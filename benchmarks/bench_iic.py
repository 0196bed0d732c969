"""IIC trained on a CPU, against k-means and trivial baselines, on held-out images.

For each data set, an :class:`segkit.iic.IICNet` is trained with
:func:`segkit.iic.train_iic` on the training images, then its main head
segments held-out images. Each held-out image is scored with Hungarian
matching (pixel accuracy and mIoU, :func:`segkit.metrics.hungarian_scores`),
one matching per image, beside:

* ``k-means``: :func:`segkit.classical.kmeans_segment` on the pixel colours of
  that image alone, with the same k (fitted per image: an advantage over IIC,
  whose clusters are fixed for all images);
* ``untrained net``: the same network at its initial weights (the paper's
  "random CNN" row);
* ``one cluster``: every pixel in one cluster (the largest region's share).

Data sets (``--data``):

* ``flat``: ``synthetic_scene`` with flat colours (4 regions, noise 0.05),
  96x128, 16 training scenes (seeds 0-15), 8 held-out (seeds 100-107);
* ``texture``: the same with ``texture=True`` (all regions share one mean
  grey and differ by stripe orientation and frequency): colour cannot separate
  them. No flips or rotations here, since they change stripe orientation;
* ``bsds``: BSDS500 train images (the first ``--n-train``) at longest side 128
  for training, the first ``--n-test`` val images for testing, each scored
  against every annotator (mean over annotators).

Usage (from the repository root)::

    SEGKIT_BSDS500=/work/shared/data/bsds500/data PYTHONPATH=. \\
        .venv/bin/python benchmarks/bench_iic.py --data flat texture bsds

The load average is printed: other processes slow training down (the scores
do not depend on it; the times do).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

from segkit import classical, iic, metrics
from segkit.datasets import bsds500, synthetic_scene


#: the BSDS500 image ids each data set used ({"train_ids": [...], "test_ids": [...]}), kept with a saved network
IDS = {}


def load(name, n_train, n_test):
    """(train images, [(test image, [gt, ...]), ...], k, geometric transform kwargs)."""
    if name in ("flat", "texture"):
        kw = dict(n_regions=4, noise=0.05, texture=name == "texture")
        train = [synthetic_scene((96, 128), seed=s, **kw)[0] for s in range(n_train)]
        test = []
        for s in range(100, 100 + n_test):
            image, gt = synthetic_scene((96, 128), seed=s, **kw)
            test.append((image, [gt]))
        geo = dict(flip=False, max_rotation=0.0) if name == "texture" else {}
        return train, test, 4, geo
    if name == "bsds":
        train_items = bsds500("train", max_side=128, limit=n_train)
        test_items = bsds500("val", max_side=128, limit=n_test)
        IDS[name] = {"train_ids": [it.id for it in train_items], "test_ids": [it.id for it in test_items]}
        train = [item.image for item in train_items]
        test = [(item.image, item.segmentations) for item in test_items]
        return train, test, 4, {}
    raise ValueError(name)


def score(segment, test):
    """Mean Hungarian accuracy and mIoU of ``segment(image)`` over the test set."""
    acc, miou = [], []
    for image, gts in test:
        labels = segment(image)
        per = [metrics.hungarian_scores(labels, gt) for gt in gts]
        acc.append(np.mean([p["accuracy"] for p in per]))
        miou.append(np.mean([p["miou"] for p in per]))
    return float(np.mean(acc)), float(np.mean(miou))


def run(name, args):
    train, test, k, geo = load(name, args.n_train, args.n_test)
    rows = {}
    torch.manual_seed(args.seed)
    untrained = iic.IICNet(k, 3 * k, width=args.width).eval()
    rows["untrained net"] = score(lambda im: iic.segment_iic(untrained, im), test)
    rows["one cluster"] = score(lambda im: np.zeros(im.shape[:2], np.int64), test)
    rows["k-means (colour, per image)"] = score(lambda im: classical.kmeans_segment(im, k, seed=0), test)
    step_times = []
    last = [time.perf_counter()]

    def callback(step, info):
        now = time.perf_counter()
        step_times.append(now - last[0])
        last[0] = now

    result = iic.train_iic(train, k=k, k_over=3 * k, n_steps=args.steps, batch_size=args.batch_size,
                           crop=args.crop, lr=args.lr, window=args.window, width=args.width, seed=args.seed,
                           callback=callback, **geo)
    rows["IIC (main head)"] = score(lambda im: iic.segment_iic(result.model, im), test)
    summary = {
        "data": name, "k": k, "train_images": len(train), "test_images": len(test),
        "steps": args.steps, "seconds": round(result.seconds, 1),
        "median_step_s": round(float(np.median(step_times)), 3),
        "final_loss_main": round(float(np.mean(result.head_losses("main")[-10:])), 3),
        "scores": {key: [round(a, 3), round(m, 3)] for key, (a, m) in rows.items()},
    }
    if args.save:
        # the network and how it was made, for lessons that cannot train it themselves (lesson 07)
        path = os.path.join(args.save, f"iic_{name}_seed{args.seed}.pt")
        settings = {k: v for k, v in vars(args).items() if k not in ("data", "save", "json", "argv")}
        info = dict(summary, **IDS.get(name, {}), args=settings,
                    command="benchmarks/bench_iic.py " + " ".join(args.argv),
                    torch=torch.__version__, threads=torch.get_num_threads())
        iic.save_iic(result.model, path, info=info)
        print(f"saved {path} ({os.path.getsize(path) / 1024:.0f} KiB)")
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=["flat", "texture", "bsds"],
                        choices=["flat", "texture", "bsds"])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--crop", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-train", type=int, default=16)
    parser.add_argument("--n-test", type=int, default=8)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--save", metavar="DIR", help="also save each trained network "
                        "(segkit.iic.save_iic) as DIR/iic_<data>_seed<seed>.pt")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if args.save:
        os.makedirs(args.save, exist_ok=True)
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    out = []
    for name in args.data:
        r = run(name, args)
        out.append(r)
        print(f"\n## {name}: {r['train_images']} training / {r['test_images']} held-out images, k = {r['k']}, "
              f"{r['steps']} steps in {r['seconds']} s (median {r['median_step_s']} s/step), "
              f"final main loss {r['final_loss_main']}")
        print("| method | pixel accuracy | mIoU |\n|---|---|---|")
        for key, (a, m) in r["scores"].items():
            print(f"| {key} | {a:.3f} | {m:.3f} |")
    print(f"\nload average at end: {os.getloadavg()[0]:.1f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": {k: v for k, v in vars(args).items() if k != "argv"}, "results": out}, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
