"""Keeping a trained :class:`~segkit.iic.net.IICNet` in a small file and reading it back.

Lesson 07 segments photographs with a network trained by
``benchmarks/bench_iic.py`` (too long to train in the lesson on Binder's one
CPU): that script saves it with :func:`save_iic`, the lesson loads it with
:func:`load_iic`. The file holds the network's shape, its weights and a dict
of plain facts about the run (data, steps, seed, scores); it is read with
``torch.load(..., weights_only=True)``, which runs no code from the file.
"""

from __future__ import annotations

from pathlib import Path

import torch

from .._validate import check_path, describe
from .net import IICNet

__all__ = ["save_iic", "load_iic"]

#: What :func:`save_iic` writes under ``"format"`` and :func:`load_iic` accepts.
FORMAT = "segkit-iic-1"


def _plain(value, where: str):
    """``value`` as plain Python data (what ``torch.load(weights_only=True)`` reads back), or a TypeError."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    for kind in (bool, int, float, str):  # subclasses (numpy's float64, torch's version string) -> the base type
        if isinstance(value, kind):
            return kind(value)
    if hasattr(value, "item") and getattr(value, "shape", None) == ():  # numpy scalars, 0-d arrays
        return _plain(value.item(), where)
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for key, v in value.items():
            if not isinstance(key, str):
                raise TypeError(f"`info` keys must be str; got {describe(key)} in {where}")
            out[str(key)] = _plain(v, f"{where}[{key!r}]")
        return out
    raise TypeError(f"`info` must hold only str, int, float, bool, None, lists and dicts; "
                    f"{where} is {describe(value)}")


def _shape(model: IICNet) -> dict:
    first = model.trunk[0]
    return {"k": model.k, "k_over": model.k_over, "width": first.out_channels,
            "in_channels": first.in_channels}


def save_iic(model, path, *, info=None) -> Path:
    """Write a trained network and facts about its training to ``path``.

    Parameters
    ----------
    model : IICNet
        The network (its weights are copied to the CPU; the model is not changed).
    path : str or pathlib.Path
        The file to write (its folder must exist); ``.pt`` by convention.
    info : dict, optional
        Plain facts to keep beside the weights (str, int, float, bool, None,
        and lists or dicts of them; numpy scalars and str subclasses are
        converted, tuples become lists), e.g. the training command and scores.

    Returns
    -------
    path : pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> net = IICNet(3, 9, width=4)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = save_iic(net, Path(d) / "net.pt", info={"steps": 0})
    ...     loaded, info = load_iic(p)
    >>> (loaded.k, loaded.k_over, info["steps"])
    (3, 9, 0)
    """
    if not isinstance(model, IICNet):
        raise TypeError(f"`model` must be an IICNet; got {describe(model)}")
    path = check_path(path, "path")
    info = {} if info is None else info
    if not isinstance(info, dict):
        raise TypeError(f"`info` must be a dict of plain values or None; got {describe(info)}")
    info = _plain(info, "info")
    if not path.parent.is_dir():
        raise ValueError(f"`path`'s folder {str(path.parent)!r} does not exist; create it first")
    state = {key: value.detach().cpu().clone() for key, value in model.state_dict().items()}
    torch.save({"format": FORMAT, "shape": _shape(model), "state_dict": state, "info": info}, path)
    return path


def load_iic(path):
    """Read a network written by :func:`save_iic`.

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    model : IICNet
        In eval mode, on the CPU.
    info : dict
        The facts saved with it.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file is not one that :func:`save_iic` wrote.

    Examples
    --------
    See :func:`save_iic`.
    """
    path = check_path(path, "path")
    if not path.is_file():
        raise FileNotFoundError(f"`path`: no file {str(path)!r} (an IIC network is written by "
                                f"segkit.iic.save_iic, e.g. by benchmarks/bench_iic.py --save)")
    try:
        stored = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # a truncated file, or not a torch file at all
        raise ValueError(f"`path` {str(path)!r} is not a file written by segkit.iic.save_iic "
                         f"({type(err).__name__}: {str(err)[:120]})") from None
    if not isinstance(stored, dict) or stored.get("format") != FORMAT:
        raise ValueError(f"`path` {str(path)!r} is not a file written by segkit.iic.save_iic "
                         f"(expected format {FORMAT!r})")
    model = IICNet(**stored["shape"])
    model.load_state_dict(stored["state_dict"], strict=True)
    return model.eval(), dict(stored["info"])
