"""The ``segkit`` command line.

Each sub-command lives in its own module under :mod:`segkit.commands` with two
functions, ``add_arguments(parser)`` and ``run(args) -> int``; this file only
dispatches, so a lesson can add a command without touching the others.
"""

from __future__ import annotations

import argparse
import importlib
import sys

__all__ = ["main", "COMMANDS"]

#: sub-command -> (module under segkit.commands, one-line help)
COMMANDS = {
    "segment": ("segment", "segment an image with the unsupervised CNN (Kanezaki 2018, Kim et al. 2020)"),
    "evaluate": ("evaluate", "evaluate segmentation methods against BSDS500 human annotations"),
}


def _build_parser(available):
    parser = argparse.ArgumentParser(
        prog="segkit", description="segkit: unsupervised image segmentation, from the course's lessons.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in available.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(p)
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit status."""
    available = {}
    for name, (modname, help_text) in COMMANDS.items():
        try:
            module = importlib.import_module(f"segkit.commands.{modname}")
        except ModuleNotFoundError as exc:
            if exc.name != f"segkit.commands.{modname}":
                raise
            continue
        available[name] = (module, help_text)
    parser = _build_parser(available)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    module = available[args.command][0]
    return int(module.run(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
