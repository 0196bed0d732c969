"""The code a lesson runs, printed in the lesson: a function's source without its docstring.

Lessons 03 and 05 show the very functions that ``slic`` and ``segment`` run,
rather than a retyped copy that could drift from them.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path

from ._validate import describe

__all__ = ["source_code"]

_PACKAGE_PARENT = Path(__file__).resolve().parent.parent


def source_code(func, *, docstring: bool = False) -> str:
    """The source of ``func``, headed by the file it lives in; without its docstring by default.

    Decorators are left out (they are not part of the algorithm), and so is
    the docstring unless ``docstring=True``.

    Parameters
    ----------
    func : function
        A Python function of segkit (or any function with source).
    docstring : bool
        Keep the docstring (default False: the code only).

    Returns
    -------
    text : str
        ``"# segkit/path/file.py, line N"`` and then the code.

    Raises
    ------
    TypeError
        If ``func`` is not a Python function.

    Examples
    --------
    >>> from segkit.superpixels import majority_vote
    >>> text = source_code(majority_vote)
    >>> text.splitlines()[0]
    '# segkit/superpixels/vote.py, line ...'
    >>> text.splitlines()[1].startswith("def majority_vote(")
    True
    """
    if not callable(func) or not inspect.isfunction(inspect.unwrap(func)):
        raise TypeError(f"`func` must be a Python function; got {describe(func)}")
    if not isinstance(docstring, bool):
        raise TypeError(f"`docstring` must be True or False; got {describe(docstring)}")
    func = inspect.unwrap(func)
    lines, first = inspect.getsourcelines(func)
    lines = textwrap.dedent("".join(lines)).splitlines(keepends=True)
    node = ast.parse("".join(lines)).body[0]
    drop = set(range(node.lineno - 1))                      # the decorators, above the def line
    body = node.body
    if (not docstring and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        drop |= set(range(body[0].lineno - 1, body[0].end_lineno))
    code = "".join(line for i, line in enumerate(lines) if i not in drop)
    path = Path(inspect.getsourcefile(func)).resolve()
    where = path.relative_to(_PACKAGE_PARENT).as_posix() if path.is_relative_to(_PACKAGE_PARENT) else path.name
    return f"# {where}, line {first + node.lineno - 1}\n{code}"
