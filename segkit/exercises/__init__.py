"""Exercises with instant feedback: one module of checks per lesson (numpy only where it can be).

Each ``lessonNN.py`` holds the checks of that lesson's exercises; each check
takes the student's function (or value), tries it on cases the student does
not see against segkit's own tested implementation, and returns a
:class:`Feedback` saying what is wrong, or that it is right. See
``_feedback.py`` for the conventions every exercise follows.

>>> from segkit.exercises import Feedback
>>> bool(Feedback("right", "the peak is at 0.41"))
True
"""

import lazy_loader as _lazy

from ._feedback import Feedback, call_student, is_placeholder, not_attempted, right, wrong  # noqa: F401

__getattr__, __dir__, _lazy_all = _lazy.attach(__name__, submodules=[
    "lesson01", "lesson02", "lesson03", "lesson04", "lesson05", "lesson06", "lesson07", "lesson08",
    "lesson09",
])
__all__ = ["Feedback", "call_student", "is_placeholder", "not_attempted", "right", "wrong"] + list(_lazy_all)
