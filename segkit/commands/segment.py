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

Errors are one line on stderr, naming the option as it is typed here (never
the name of the Python argument behind it), with exit status 2 for a bad
input or output path (checked before anything is computed) and 1 when
writing fails after training; never a traceback.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path

import numpy as np

from .._validate import check_float, check_int

PROG = "segkit segment"

#: Each keyword of ``segkit.segment`` and the option that sets it (the
#: options keep the authors' names). ``run`` builds its call from this table
#: and error messages from the library are translated back through it, so a
#: message names ``--stepsize_con``, not ``mu``.
OPTIONS = {
    "method": "--method",
    "mu": "--stepsize_con",
    "min_labels": "--minLabels",
    "lr": "--lr",
    "momentum": "--momentum",
    "max_iter": "--maxIter",
    "n_channels": "--nChannel",
    "n_conv": "--nConv",
    "n_segments": "--num_superpixels",
    "compactness": "--compactness",
    "nu": "--stepsize_scr",
    "sim_weight": "--stepsize_sim",
    "seed": "--seed",
    "device": "--device",
    "schedule": "--schedule",
}

#: Other names that messages may use, and what the user typed for them.
_OTHER_NAMES = {
    "src": "IMAGE",
    "image": "IMAGE",
    "scribble": "--scribble",
    "max_side": "--max_side",
    "keep_memory": "--no_keep_memory",
    "output": "-o/--output",
    "color": "--color",
}


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
    parser.add_argument("--schedule", choices=("paper", "fast"), default="paper",
                        help="paper (default): up to --maxIter iterations at full size; fast: coarse to "
                             "fine with a convergence stop and bfloat16 convolutions where the CPU has "
                             "them, about a minute for a 321x481 image (--maxIter is then not used)")
    parser.add_argument("--max_side", type=int, default=None, metavar="PX",
                        help="shrink the image so that its longest side is at most PX pixels first")
    parser.add_argument("--no_keep_memory", action="store_true",
                        help="return freed memory to the system at once: lowest peak memory, but "
                             "slower on CPU (1.2x to 3.4x at BSDS size in benchmarks/RESULTS.md (section 3))")
    parser.add_argument("--quiet", action="store_true", help="print only the final summary")


class _Refused(Exception):
    """A bad argument or path: its message is printed as it is, with exit status 2."""


def as_typed(message: str) -> str:
    """``message`` with every `name` of a Python argument replaced by the option that sets it.

    >>> as_typed("`mu` must be >= 0; got -1.0")
    '--stepsize_con must be >= 0; got -1.0'
    >>> as_typed("`src`: no file at 'x.png'")
    "IMAGE: no file at 'x.png'"
    """
    names = {**OPTIONS, **_OTHER_NAMES}

    def swap(match):
        name = match.group(1)
        if name.startswith("-"):
            return name
        return names.get(name, match.group(0))

    return re.sub(r"`(-{0,2}[A-Za-z_][A-Za-z0-9_/-]*)`", swap, message)


def _check_options(args) -> None:
    """Every numeric option in range, named as typed (before any file is read)."""
    for opt, least in (("--nChannel", 2), ("--maxIter", 1), ("--nConv", 1), ("--minLabels", 1),
                       ("--num_superpixels", 1), ("--max_side", 8), ("--seed", 0)):
        value = getattr(args, opt.lstrip("-"))
        if value is not None:
            check_int(value, opt, min_value=least)
    if args.minLabels is not None and args.minLabels > args.nChannel:
        raise ValueError(
            f"--minLabels must not exceed --nChannel ({args.nChannel}), the most labels the network "
            f"can give; got {args.minLabels} (training would stop at once with an untrained network)"
        )
    check_float(args.lr, "--lr", min_value=0, min_inclusive=False)
    check_float(args.momentum, "--momentum", min_value=0, max_value=1, max_inclusive=False)
    check_float(args.compactness, "--compactness", min_value=0, min_inclusive=False)
    for opt in ("--stepsize_sim", "--stepsize_con", "--stepsize_scr"):
        check_float(getattr(args, opt.lstrip("-")), opt, min_value=0)


def _writable_target(path: Path, option: str) -> None:
    """Refuse an output path that cannot be written, before anything is computed.

    Missing folders are fine (they are created when writing); a path that is
    a folder, one under a regular file, and a folder or file that cannot be
    written are not.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        st = None  # a parent is a file: found below
    except OSError as exc:
        raise _Refused(f"{option}: cannot use '{path}' ({exc.strerror or exc})") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise _Refused(f"{option}: '{path}' is a folder; give a file name, such as "
                           f"'{path / 'labels.png'}'")
        if not os.access(path, os.W_OK):
            raise _Refused(f"{option}: cannot overwrite '{path}' (the file is read-only)")
        return
    parent = path.parent
    while True:
        try:
            st = os.stat(parent)
            break
        except (FileNotFoundError, NotADirectoryError):
            if parent == parent.parent:
                raise _Refused(f"{option}: cannot write '{path}': no folder above it exists") from None
            parent = parent.parent
        except OSError as exc:
            raise _Refused(f"{option}: cannot use '{path}' ({exc.strerror or exc})") from None
    if not stat.S_ISDIR(st.st_mode):
        raise _Refused(f"{option}: cannot write '{path}': '{parent}' is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise _Refused(f"{option}: cannot write '{path}': the folder '{parent}' is read-only")


def _check_outputs(args):
    """The two output paths, checked; returns (labels path, colour path)."""
    from PIL import Image

    out = Path(args.output)
    _writable_target(out, "-o/--output")
    if out.suffix.lower() != ".png":
        raise _Refused(f"-o/--output must name a .png file; got '{out}'")
    if args.color:
        color = Path(args.color)
        _writable_target(color, "--color")
        fmt = Image.registered_extensions().get(color.suffix.lower())
        if fmt is None or fmt not in Image.SAVE:
            raise _Refused(f"--color must name an image file Pillow can write (.png, .jpg, ...); "
                           f"got '{color}'")
    else:
        color = out.with_name(out.stem + "_color.png")
        _writable_target(color, "-o/--output (its coloured copy)")
    if os.path.abspath(color) == os.path.abspath(out):
        raise _Refused(f"--color must differ from -o/--output; both are '{out}'")
    return out, color


def _load_scribble(path):
    from ..io import open_image

    img = open_image(path, name="scribble")
    if img.mode not in ("L", "P", "I", "I;16", "1"):
        raise ValueError(f"--scribble: '{path}' must be a grayscale (or palette) image of class ids; "
                         f"got a {img.mode} image")
    return np.asarray(img).astype(np.int64)


def _save_png(path, array):
    from PIL import Image

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def run(args) -> int:
    """Run ``segkit segment``; returns the exit status (0 on success, 2 on bad input, 1 on a failed write)."""
    try:
        _check_options(args)
        out, color = _check_outputs(args)
    except (_Refused, ValueError, TypeError) as exc:
        return _error(exc, 2)
    try:
        result = _segment(args)
    except (_Refused, ValueError, TypeError) as exc:
        return _error(exc, 2)
    except OSError as exc:
        return _error(_os_message(exc), 2)
    from ..show.viz import colorize

    labels = result.labels
    dtype = np.uint8 if labels.max() < 256 else np.uint16
    try:
        _save_png(out, labels.astype(dtype))
        _save_png(color, (colorize(labels) * 255 + 0.5).astype(np.uint8))
    except (OSError, ValueError) as exc:
        return _error(f"writing the result failed: {_os_message(exc)}", 1)
    print(f"{result.n_labels} labels after {result.n_iter} iterations ({result.stop_reason}), "
          f"{result.seconds:.1f} s; wrote {out} and {color}")
    return 0


def _os_message(exc) -> str:
    """'No space left on device: 'out.png'' rather than Python's ``[Errno 28] ...``."""
    text = getattr(exc, "strerror", None) or str(exc)
    filename = getattr(exc, "filename", None)
    return f"{text}: '{filename}'" if filename else text


def _error(exc, status: int) -> int:
    print(f"{PROG}: error: {as_typed(str(exc))}", file=sys.stderr)
    return status


def _segment(args):
    """Read IMAGE (and --scribble) and train; errors name the options."""
    from ..cnn.segment_image import segment
    from ..io import load_image

    def progress(i, info):
        if not args.quiet and (i % 10 == 0):
            print(f"{i} / {args.maxIter} | labels {info['n_labels']} | loss {info['loss']:.4f}",
                  file=sys.stderr)

    image = load_image(args.image, max_side=args.max_side)
    scribble = _load_scribble(args.scribble) if args.scribble else None
    if scribble is not None and scribble.shape != image.shape[:2]:
        raise ValueError(f"--scribble must have the image's size {image.shape[:2]} (after --max_side); "
                         f"got {scribble.shape}")
    kwargs = {keyword: getattr(args, option.lstrip("-")) for keyword, option in OPTIONS.items()}
    return segment(image, scribble=scribble, callback=progress, keep_memory=not args.no_keep_memory,
                   **kwargs)
