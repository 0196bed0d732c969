"""Shared argument checks.

Every public function of segkit validates its inputs with these helpers, so the
messages read the same everywhere: they name the argument, say what it got and
what is accepted. They raise ``TypeError`` for a wrong kind of object and
``ValueError`` for a right kind with a wrong value.
"""

from __future__ import annotations

import numbers
import operator
import os
import sys
from pathlib import Path

import numpy as np

__all__ = [
    "check_int",
    "check_float",
    "check_choice",
    "check_path",
    "check_label_map",
    "check_same_shape",
    "as_array",
    "describe",
]


def describe(value) -> str:
    """A short description of ``value`` for an error message."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def check_int(value, name: str, *, min_value=None, max_value=None) -> int:
    """Return ``value`` as a Python int, or raise a clear error.

    Booleans are refused (``True`` is an int in Python, but never the number a
    user meant). Floats with an integral value such as ``3.0`` are refused too:
    a slider or a config file that gives floats should round them itself.

    >>> check_int(5, "k", min_value=1)
    5
    >>> check_int(0, "k", min_value=1)
    Traceback (most recent call last):
    ...
    ValueError: `k` must be at least 1; got 0
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer; got {describe(value)}")
    value = operator.index(value)
    if min_value is not None and value < min_value:
        raise ValueError(f"`{name}` must be at least {min_value}; got {value}")
    if max_value is not None and value > max_value:
        raise ValueError(f"`{name}` must be at most {max_value}; got {value}")
    return value


def check_float(value, name: str, *, min_value=None, max_value=None,
                min_inclusive: bool = True, max_inclusive: bool = True) -> float:
    """Return ``value`` as a finite Python float, or raise a clear error.

    >>> check_float(0.5, "mu", min_value=0)
    0.5
    >>> check_float(-1, "mu", min_value=0)
    Traceback (most recent call last):
    ...
    ValueError: `mu` must be >= 0; got -1.0
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number; got {describe(value)}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"`{name}` must be finite; got {value}")
    if min_value is not None:
        bad = value < min_value if min_inclusive else value <= min_value
        if bad:
            op = ">=" if min_inclusive else ">"
            raise ValueError(f"`{name}` must be {op} {min_value}; got {value}")
    if max_value is not None:
        bad = value > max_value if max_inclusive else value >= max_value
        if bad:
            op = "<=" if max_inclusive else "<"
            raise ValueError(f"`{name}` must be {op} {max_value}; got {value}")
    return value


def check_bool(value, name: str) -> bool:
    """Return ``value`` as a bool if it is True or False, else raise ``TypeError``.

    Strings are refused: ``"no"`` and ``"False"`` are truthy, so taking them
    would silently do the opposite of what was meant.

    >>> check_bool(False, "jitter")
    False
    >>> check_bool("no", "jitter")
    Traceback (most recent call last):
    ...
    TypeError: `jitter` must be True or False; got 'no' (str)
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be True or False; got {describe(value)}")
    return bool(value)


def check_tensor(value, name: str, shape, *, kind: str = "any", like=None):
    """Check that ``value`` is a torch tensor of the given shape; return it.

    The one shape check of the torch code (losses, IIC, STEGO). torch is not
    imported here: if the caller has no torch loaded, nothing can be a tensor.

    Parameters
    ----------
    value : object
    name : str
        The argument's name, for messages.
    shape : tuple of str or int, or a str with ``...``
        One entry per dimension: an int must match exactly; a letter (``"B"``,
        ``"C"``, ``"H"``) matches any size, unless ``like`` gives it. A
        trailing ``"..."`` allows any number of further dimensions.
    kind : {"any", "float", "int", "bool"}
        The element type required.
    like : dict, optional
        Sizes the letters must take, e.g. ``{"B": 2, "H": 5, "W": 7}`` from
        another tensor.

    Raises
    ------
    TypeError
        Not a tensor, or the wrong element type.
    ValueError
        The wrong number of dimensions or a size that does not match.

    Examples
    --------
    >>> import torch
    >>> check_tensor(torch.zeros(2, 3, 4, 4), "response", ("B", "C", "H", "W"), kind="float").shape
    torch.Size([2, 3, 4, 4])
    >>> check_tensor(torch.zeros(2, 4, 5, dtype=torch.long), "target", ("B", "H", "W"), like={"W": 4})
    Traceback (most recent call last):
    ...
    ValueError: `target` must have shape (B, H, W) with W = 4; got (2, 4, 5)
    """
    torch = sys.modules.get("torch")
    dims = tuple(shape)
    open_end = bool(dims) and dims[-1] == "..."
    fixed = dims[:-1] if open_end else dims
    spec = "(" + ", ".join(str(d) for d in dims) + ")"
    if torch is None or not isinstance(value, torch.Tensor):
        raise TypeError(f"`{name}` must be a torch.Tensor of shape {spec}; got {describe(value)}")
    got = tuple(value.shape)
    if len(got) < len(fixed) or (not open_end and len(got) != len(fixed)):
        raise ValueError(f"`{name}` must have shape {spec}; got shape {got}")
    like = like or {}
    wanted = {d: like[d] for d in fixed if isinstance(d, str) and d in like}
    for d, n in zip(fixed, got):
        expected = d if isinstance(d, int) else wanted.get(d)
        if expected is not None and n != expected:
            given = ", ".join(f"{k} = {v}" for k, v in wanted.items())
            raise ValueError(f"`{name}` must have shape {spec}" + (f" with {given}" if given else "")
                             + f"; got {got}")
    kinds = {
        "any": (lambda t: True, "any"),
        "float": (lambda t: t.is_floating_point(), "a floating-point"),
        "int": (lambda t: not t.is_floating_point() and not t.is_complex() and t.dtype != torch.bool, "an integer"),
        "bool": (lambda t: t.dtype == torch.bool, "a boolean"),
    }
    ok, words = kinds[kind]
    if not ok(value):
        raise TypeError(f"`{name}` must be {words} tensor; got dtype {value.dtype}")
    return value


def check_choice(value, name: str, choices) -> str:
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError``.

    >>> check_choice("otsu", "method", ("otsu", "manual"))
    'otsu'
    >>> check_choice("foo", "method", ("otsu", "manual"))
    Traceback (most recent call last):
    ...
    ValueError: `method` must be one of 'otsu', 'manual'; got 'foo'
    """
    choices = tuple(choices)
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"`{name}` must be one of {allowed}; got {value!r}")
    return value


def check_path(value, name: str, *, what: str = "a file path") -> Path:
    """Return ``value`` as a :class:`pathlib.Path`, or raise a clear ``TypeError``.

    Accepts a ``str`` or any ``os.PathLike``; ``what`` says in the message what
    the path should point at.

    >>> check_path("a/b.png", "path").name
    'b.png'
    >>> check_path(3, "path")
    Traceback (most recent call last):
    ...
    TypeError: `path` must be a file path (str or pathlib.Path); got 3 (int)
    """
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"`{name}` must be {what} (str or pathlib.Path); got {describe(value)}")
    return Path(value)


def check_label_map(labels, name: str = "labels", *, allow_negative: bool = False) -> np.ndarray:
    """Return ``labels`` as a 2-D integer array (a copy is not made when not needed).

    Accepts any integer or boolean array of shape (H, W). Floats are accepted
    only when every value is integral (label maps saved as float images).

    >>> check_label_map(np.array([[0, 1], [1, 2]])).dtype.kind
    'i'
    >>> check_label_map(np.zeros((2, 2, 3), dtype=int))
    Traceback (most recent call last):
    ...
    ValueError: `labels` must be a 2-D label map of shape (H, W); got an array of shape (2, 2, 3) and dtype int64
    """
    if not isinstance(labels, np.ndarray):
        if isinstance(labels, (list, tuple)):
            labels = as_array(labels, name)
        else:
            raise TypeError(f"`{name}` must be a numpy array of integer labels; got {describe(labels)}")
    if labels.ndim != 2:
        raise ValueError(f"`{name}` must be a 2-D label map of shape (H, W); got {describe(labels)}")
    if labels.size == 0:
        raise ValueError(f"`{name}` must not be empty; got {describe(labels)}")
    if labels.dtype == bool:
        labels = labels.astype(np.int64)
    elif labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or not np.all(labels == np.round(labels)):
            raise ValueError(f"`{name}` must hold integer labels; got non-integral or non-finite floats")
        labels = labels.astype(np.int64)
    elif labels.dtype.kind not in "iu":
        raise TypeError(f"`{name}` must hold integer labels; got dtype {labels.dtype}")
    if not allow_negative and labels.dtype.kind == "i" and labels.min() < 0:
        raise ValueError(f"`{name}` must hold non-negative labels; got minimum {labels.min()}")
    return labels


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same (H, W) shape."""
    if a.shape[:2] != b.shape[:2]:
        raise ValueError(
            f"`{name_a}` and `{name_b}` must have the same height and width; "
            f"got {a.shape[:2]} and {b.shape[:2]}"
        )


def as_array(value, name: str) -> np.ndarray:
    """``np.asarray(value)``, with a clear error for a ragged list (rows of different lengths).

    numpy's own message ("setting an array element with a sequence") names
    neither the argument nor the row at fault.

    >>> as_array([[0, 1], [1, 0]], "labels").shape
    (2, 2)
    >>> as_array([[0, 1], [1]], "labels")
    Traceback (most recent call last):
    ...
    ValueError: `labels` is a ragged list: its rows have lengths 2, 1; every row must have the same length (or pass a numpy array)
    """
    try:
        return np.asarray(value)
    except ValueError:
        if not isinstance(value, (list, tuple)):
            raise
        lengths = [str(len(row)) if hasattr(row, "__len__") else "a number" for row in value]
        if len(set(lengths)) > 1:
            shown = ", ".join(lengths[:6]) + (", ..." if len(lengths) > 6 else "")
            where = f"its rows have lengths {shown}"
        else:
            where = "its rows hold lists of different lengths"
        raise ValueError(
            f"`{name}` is a ragged list: {where}; every row must have the same length (or pass "
            f"a numpy array)"
        ) from None
