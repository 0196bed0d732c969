"""What every exercise check returns: a verdict a student reads the moment the cell runs.

A check (``segkit.exercises.lessonNN.check_...``) tries the student's answer on
cases the student does not see, compares it with segkit's own tested
function, and returns a :class:`Feedback`: right (with a word of why), wrong
(saying *what* is wrong, e.g. "your threshold splits the coins at 0.52; the
between-class variance peaks at 0.41: did you weight by the class sizes?"),
or not attempted yet (the exercise cell still holds its placeholder, so Run
All goes on without an error).

Conventions for an exercise in a lesson:

* the cell where the student works defines a function whose placeholder
  body is ``return None`` (or ``...``): nothing harmful when left as it is;
* the next cell calls the check, e.g.
  ``lesson01.check_between_class_variance(between_class_variance)``;
* a solution cell follows, collapsed (cell metadata ``"jupyter":
  {"source_hidden": true}`` and tag ``"solution"``), which redefines the
  function and runs the same check: the test suite executes it like any
  other cell, so every solution is checked on every CI run.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

__all__ = ["Feedback", "right", "wrong", "not_attempted", "is_placeholder", "call_student", "call_or_feedback",
           "as_number", "number_or_error", "student_number"]


@dataclass(frozen=True)
class Feedback:
    """The verdict of one check.

    Attributes
    ----------
    status : {"right", "wrong", "not attempted"}
    message : str
        What to tell the student.

    ``bool(feedback)`` is True only for a right answer. In a notebook it shows
    as a coloured line; as text (nbval, a terminal) it starts with ✓, ✗ or …
    """

    status: str
    message: str

    def __bool__(self) -> bool:
        return self.status == "right"

    def __str__(self) -> str:
        mark = {"right": "✓ Right", "wrong": "✗ Not yet", "not attempted": "… Not attempted yet"}[self.status]
        return f"{mark}: {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = {"right": "#1b7f3b", "wrong": "#b3261e", "not attempted": "#6b6b6b"}[self.status]
        return (f'<div style="border-left: 4px solid {colour}; padding: 2px 8px; color: {colour}">'
                f"{html.escape(str(self))}</div>")


def right(message: str) -> Feedback:
    """A right answer, and a sentence on why it is right."""
    return Feedback("right", message)


def wrong(message: str) -> Feedback:
    """A wrong answer, and what is wrong with it (a hint, not the solution)."""
    return Feedback("wrong", message)


def not_attempted(what: str) -> Feedback:
    """The exercise cell still holds its placeholder."""
    return Feedback("not attempted", f"{what}, then run this cell again.")


def is_placeholder(value) -> bool:
    """True for what an untouched exercise cell returns: None or ``...``."""
    return value is None or value is Ellipsis


class StudentError(Exception):
    """The student's function raised; the message says what and where."""


def call_student(fn, *args, name: str = "your function", **kwargs):
    """Call the student's ``fn``; an exception becomes :class:`StudentError` with a readable message.

    A check catches it and returns ``wrong(str(err))``, so a bug in the
    student's code reads as feedback, not as a traceback from inside segkit.

    Examples
    --------
    >>> call_student(lambda x: x + 1, 1)
    2
    >>> try:
    ...     call_student(lambda x: x / 0, 1, name="between_class_variance")
    ... except StudentError as err:
    ...     print(err)
    between_class_variance raised ZeroDivisionError: division by zero
    """
    if not callable(fn):
        raise StudentError(f"{name} should be a function (def ...); got {type(fn).__name__}")
    try:
        return fn(*args, **kwargs)
    except Exception as err:  # noqa: BLE001 - any bug in the student's code becomes feedback
        raise StudentError(f"{name} raised {type(err).__name__}: {err}") from None


def call_or_feedback(fn, name: str, *args):
    """The student's result, or ``wrong(...)`` saying what the function raised.

    >>> call_or_feedback(lambda: 1 / 0, "grid_interval").status
    'wrong'
    """
    try:
        return call_student(fn, *args, name=name)
    except StudentError as err:
        return wrong(str(err))


def as_number(value):
    """What the student returned as one float, or None when it is not one number (a string never is).

    >>> as_number(np.float32(0.5)), as_number(np.array([[2]])), as_number([1, 2]), as_number("0.5")
    (0.5, 2.0, None, None)
    """
    if isinstance(value, (str, bytes)):
        return None
    try:
        return float(np.asarray(value, dtype=np.float64).reshape(()))
    except (TypeError, ValueError):
        return None


def number_or_error(value, name: str, what: str = "one number (a float)") -> float:
    """:func:`as_number`, or :class:`StudentError` saying what the function should return and what it gave."""
    number = as_number(value)
    if number is None:
        raise StudentError(f"{name} should return {what}; got {type(value).__name__} "
                           f"{getattr(value, 'shape', '')}".rstrip())
    return number


def student_number(fn, *args, name: str, what: str = "one number (a float)", hint=""):
    """Call the student's ``fn`` for one number: the float, or the :class:`Feedback` a check returns at once.

    Not attempted when ``fn`` still returns its placeholder; wrong when it
    returns something that is not one number (saying what it should return),
    or when it raises, with ``hint`` appended to what it raised (a string, or
    a function of that message that returns one).

    Examples
    --------
    >>> student_number(lambda t: float(t.sum()), np.ones(3), name="total")
    3.0
    >>> student_number(lambda t: None, np.ones(3), name="total").status
    'not attempted'
    >>> print(student_number(lambda t: [1, 2], np.ones(3), name="total").message)
    total should return one number (a float); got list
    >>> print(student_number(lambda t: t[5], np.ones(3), name="total", hint=". t has 3 cells.").message)
    total raised IndexError: index 5 is out of bounds for axis 0 with size 3. t has 3 cells.
    """
    try:
        value = call_student(fn, *args, name=name)
    except StudentError as err:
        message = str(err)
        return wrong(message + (hint(message) if callable(hint) else hint))
    if is_placeholder(value):
        return not_attempted(f"Write the body of {name} (it still returns None)")
    try:
        return number_or_error(value, name, what)
    except StudentError as err:
        return wrong(str(err))
