"""The contract every trainer keeps (the CNN, IIC and STEGO).

* ``device``: "auto", "cpu", "cuda", "cuda:N" or a ``torch.device``
  (:func:`resolve_device`).
* ``seed``: seeds the initial weights and every random draw of the run; the
  caller's global random state is left as it was (:func:`seeded`).
* ``callback(iteration, info)`` after every update, ``iteration`` counting
  from 0 and ``info`` a dict of that update's numbers; a ``True`` return stops
  training (:func:`check_callback`, :func:`callback_stops`).
* ``history``: a dict of lists, one entry per update under every key
  (:func:`record`).

>>> import torch
>>> before = torch.random.get_rng_state()
>>> with seeded(3):
...     a = torch.rand(2)
>>> with seeded(3):
...     b = torch.rand(2)
>>> bool((a == b).all()), bool((torch.random.get_rng_state() == before).all())
(True, True)
"""

from __future__ import annotations

import contextlib

import torch

from ._validate import check_int, describe

__all__ = ["resolve_device", "check_callback", "callback_stops", "seeded", "record"]


def resolve_device(device) -> torch.device:
    """The ``torch.device`` a trainer runs on.

    Parameters
    ----------
    device : str or torch.device
        "auto" (CUDA when available, else CPU), "cpu", "cuda", "cuda:N".

    Returns
    -------
    device : torch.device

    Raises
    ------
    TypeError, ValueError
        Naming ``device``: not a string or device, an unknown string, or CUDA
        asked for where there is none.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if isinstance(device, torch.device):
        dev = device
    elif isinstance(device, str):
        if device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        try:
            dev = torch.device(device)
        except RuntimeError:
            raise ValueError(
                f"`device` must be 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device; got {device!r}"
            ) from None
    else:
        raise TypeError(f"`device` must be 'auto', a device string or a torch.device; got {describe(device)}")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"`device` is {device!r} but CUDA is not available here; use 'cpu' or 'auto'")
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"`device` must be a CPU or CUDA device; got {device!r}")
    return dev


def check_callback(callback):
    """Return ``callback`` if it is None or callable, else raise TypeError naming it.

    >>> check_callback(None) is None
    True
    """
    if callback is not None and not callable(callback):
        raise TypeError(f"`callback` must be callable as callback(iteration, info) or None; got "
                        f"{describe(callback)}")
    return callback


def callback_stops(callback, iteration: int, info: dict) -> bool:
    """Call ``callback(iteration, info)`` if there is one; True when it asks to stop.

    Only ``True`` itself stops training (a callback that returns None, or
    anything else, does not).

    >>> callback_stops(lambda i, info: i >= 2, 2, {}), callback_stops(None, 2, {})
    (True, False)
    """
    return callback is not None and callback(iteration, info) is True


@contextlib.contextmanager
def seeded(seed):
    """Run a block with torch's global generator seeded, then restore it.

    Layers draw their initial weights from torch's global generator; inside
    this block they draw from ``seed``, and the caller's random state is the
    same afterwards as before (CPU generator; trainers here make their other
    draws from their own ``torch.Generator``).

    Parameters
    ----------
    seed : int
        Non-negative.
    """
    seed = check_int(seed, "seed", min_value=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def record(history: dict, info: dict) -> None:
    """Append one update's ``info`` to ``history`` (a dict of lists), key by key.

    Keys of ``history`` missing from ``info`` get None, so that every list
    has one entry per update.

    >>> h = {"loss": [], "n_labels": []}
    >>> record(h, {"loss": 0.5, "n_labels": 3, "labels": None}); h
    {'loss': [0.5], 'n_labels': [3]}
    """
    for key, values in history.items():
        values.append(info.get(key))
