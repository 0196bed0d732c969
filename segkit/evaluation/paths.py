"""Output paths, checked before any image is computed.

A run can take hours; finding only at the end that ``--summary`` names a
folder, or that the CSV's folder is read-only, loses all of it.
:func:`_check_output_file` tries the path at once (it creates the missing
folders and a probe file, then removes the probe) and turns what the system
says into a ``ValueError`` that names the argument.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .._validate import check_path, describe


def _first_existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def _check_output_file(path, name: str) -> Path:
    """Return ``path`` as a Path once a file can be written there, or raise a clear error.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (it may exist: it is then opened for appending, not
        changed).
    name : str
        The argument (or command-line option) that gave it, for the messages.

    Returns
    -------
    Path

    Raises
    ------
    TypeError
        If ``path`` is not a str or path.
    ValueError
        If ``path`` is empty or a folder, a part of it is a file, the folder
        cannot be created or written in, or the file exists and is read-only.
    """
    check_path(path, name)
    text = os.fspath(path)
    if not isinstance(text, str) or text == "":
        raise ValueError(f"`{name}` must be a file path; got {describe(path)}")
    path = Path(text)
    if path.is_dir():
        raise ValueError(f"`{name}`: '{path}' is a folder; give a file name in it")
    if text.endswith(("/", os.sep)):
        raise ValueError(f"`{name}`: '{text}' ends with a path separator; give a file name")
    folder = path.parent
    existing = _first_existing(folder)
    if not existing.is_dir():
        raise ValueError(f"`{name}`: cannot write '{path}': '{existing}' is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=folder)
        os.close(fd)
        os.remove(probe)
        if path.exists():
            with open(path, "ab"):
                pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ValueError(f"`{name}`: cannot write '{path}': {reason}") from None
    return path
