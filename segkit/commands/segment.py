"""``segkit segment IMAGE -o OUT.png``: the unsupervised CNN from the command line.

For people coming from the authors' scripts: the long options keep their
names (``--nChannel``, ``--maxIter``, ``--minLabels``, ``--lr``, ``--nConv``,
``--stepsize_sim``, ``--stepsize_con``, ``--stepsize_scr``, ``--scribble``),
with three differences: ``--scribble`` takes the scribble image's path (the
authors' flag derived it from the input's name), nothing is shown in a window,
and ``--seed`` makes runs repeatable.

Writes ``OUT.png``, the labels as a grayscale PNG (8-bit, or 16-bit when there
are more than 256 labels), and a coloured version (``OUT_color.png`` unless
``--color`` names another file).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def add_arguments(parser) -> None:
    """Declare the options of ``segkit segment``."""
    parser.add_argument("image", metavar="IMAGE", help="input image file")
    parser.add_argument("-o", "--output", metavar="OUT.png", required=True,
                        help="label image to write (PNG); a coloured copy goes to OUT_color.png")
    parser.add_argument("--color", metavar="PATH", default=None,
                        help="where to write the coloured labels (default: OUT_color.png)")
    parser.add_argument("--method", choices=("kim2020", "kanezaki2018"), default="kim2020",
                        help="kim2020 (continuity loss, default) or kanezaki2018 (superpixel target)")
    parser.add_argument("--nChannel", type=int, default=100, metavar="N",
                        help="number of channels q, the most labels possible (default 100)")
    parser.add_argument("--maxIter", type=int, default=1000, metavar="T",
                        help="maximum number of iterations (default 1000)")
    parser.add_argument("--minLabels", type=int, default=None, metavar="minL",
                        help="stop when this few labels remain (default 3, or the number of "
                             "scribble classes)")
    parser.add_argument("--lr", type=float, default=0.1, metavar="LR", help="learning rate (default 0.1)")
    parser.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (default 0.9)")
    parser.add_argument("--nConv", type=int, default=2, metavar="M",
                        help="number of 3x3 conv-ReLU-BN components (default 2)")
    parser.add_argument("--stepsize_sim", type=float, default=1.0, metavar="SIM",
                        help="weight of the similarity loss (default 1)")
    parser.add_argument("--stepsize_con", type=float, default=1.0, metavar="CON",
                        help="weight mu of the continuity loss (default 1; kim2020 only)")
    parser.add_argument("--stepsize_scr", type=float, default=0.5, metavar="SCR",
                        help="weight nu of the scribble loss (default 0.5)")
    parser.add_argument("--scribble", metavar="PATH", default=None,
                        help="grayscale PNG the size of IMAGE: 255 = unlabelled, other values = class ids")
    parser.add_argument("--num_superpixels", type=int, default=10000, metavar="K",
                        help="SLIC superpixels for kanezaki2018 (default 10000)")
    parser.add_argument("--compactness", type=float, default=100.0, metavar="C",
                        help="SLIC compactness for kanezaki2018 (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the initial weights (default 0)")
    parser.add_argument("--device", default="auto", help="auto (default), cpu, cuda or cuda:N")
    parser.add_argument("--max_side", type=int, default=None, metavar="PX",
                        help="shrink the image so that its longest side is at most PX pixels first")
    parser.add_argument("--no_keep_memory", action="store_true",
                        help="return freed memory to the system at once: lowest peak memory, but "
                             "slower on CPU (1.2x to 3.4x at BSDS size in benchmarks/RESULTS.md (section 3))")
    parser.add_argument("--quiet", action="store_true", help="print only the final summary")


def _load_scribble(path):
    from PIL import Image

    p = Path(path)
    if not p.is_file():
        raise ValueError(f"--scribble: no file at '{p}'")
    with Image.open(p) as img:
        if img.mode not in ("L", "P", "I", "I;16", "1"):
            raise ValueError(f"--scribble: '{p}' must be a grayscale (or palette) image of class ids; "
                             f"got a {img.mode} image")
        return np.asarray(img).astype(np.int64)


def _save_png(path, array):
    from PIL import Image

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def run(args) -> int:
    """Run ``segkit segment``; returns the exit status (0 on success, 2 on bad input)."""
    from ..io import load_image
    from ..unsupervised import segment
    from ..viz import colorize

    prog = "segkit segment"
    out = Path(args.output)
    if out.suffix.lower() != ".png":
        print(f"{prog}: error: -o/--output must name a .png file; got '{out}'", file=sys.stderr)
        return 2
    color = Path(args.color) if args.color else out.with_name(out.stem + "_color.png")

    def progress(i, info):
        if not args.quiet and (i % 10 == 0):
            print(f"{i} / {args.maxIter} | labels {info['n_labels']} | loss {info['loss']:.4f}",
                  file=sys.stderr)

    for opt, value, least in (("--nChannel", args.nChannel, 2), ("--maxIter", args.maxIter, 1),
                              ("--nConv", args.nConv, 1), ("--minLabels", args.minLabels, 1),
                              ("--num_superpixels", args.num_superpixels, 1), ("--max_side", args.max_side, 8)):
        if value is not None and value < least:
            print(f"{prog}: error: {opt} must be at least {least}; got {value}", file=sys.stderr)
            return 2
    for opt, value in (("--lr", args.lr), ("--compactness", args.compactness)):
        if not value > 0:
            print(f"{prog}: error: {opt} must be > 0; got {value}", file=sys.stderr)
            return 2

    try:
        image = load_image(args.image, max_side=args.max_side)
        scribble = _load_scribble(args.scribble) if args.scribble else None
        if scribble is not None and scribble.shape != image.shape[:2]:
            raise ValueError(f"--scribble must have the image's size {image.shape[:2]} (after --max_side); "
                             f"got {scribble.shape}")
        result = segment(
            image, args.method, mu=args.stepsize_con, min_labels=args.minLabels, lr=args.lr,
            momentum=args.momentum, max_iter=args.maxIter, n_channels=args.nChannel, n_conv=args.nConv,
            n_segments=args.num_superpixels, compactness=args.compactness, scribble=scribble,
            nu=args.stepsize_scr, sim_weight=args.stepsize_sim, seed=args.seed, device=args.device,
            callback=progress, keep_memory=not args.no_keep_memory)
    except (ValueError, TypeError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    labels = result.labels
    dtype = np.uint8 if labels.max() < 256 else np.uint16
    _save_png(out, labels.astype(dtype))
    _save_png(color, (colorize(labels) * 255 + 0.5).astype(np.uint8))
    print(f"{result.n_labels} labels after {result.n_iter} iterations ({result.stop_reason}), "
          f"{result.seconds:.1f} s; wrote {out} and {color}")
    return 0
