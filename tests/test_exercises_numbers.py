"""Checks whose answer is one number (lessons 06 to 09) share one way of calling the student's function.

Whatever the exercise, the student's function may still hold its placeholder,
raise, or return something that is not one number: each of these reads as
feedback naming the function, never as a traceback from inside segkit.
"""

import numpy as np
import pytest

from segkit.exercises import lesson06, lesson07, lesson08, lesson09

CHECKS = [
    (lesson06.check_scribble_loss, "scribble_loss", "one number (a float)"),
    (lesson07.check_mutual_information, "mutual_information", "one number (a float)"),
    (lesson08.check_correlation_loss, "correlation_loss", "one number (the mean over all pairs)"),
    (lesson09.check_best_overlap, "best_overlap", "one number (a mean IoU)"),
    (lesson09.check_matched_accuracy, "matched_accuracy", "one number (a fraction of the pixels)"),
]
IDS = [name for _, name, _ in CHECKS]


@pytest.mark.parametrize("check, name, what", CHECKS, ids=IDS)
def test_placeholder_is_not_attempted(check, name, what):
    fb = check(lambda *args: None)
    assert fb.status == "not attempted"
    assert fb.message == f"Write the body of {name} (it still returns None), then run this cell again."


@pytest.mark.parametrize("check, name, what", CHECKS, ids=IDS)
def test_not_one_number_says_what_to_return(check, name, what):
    fb = check(lambda *args: [0.1, 0.2])
    assert fb.status == "wrong"
    assert fb.message == f"{name} should return {what}; got list"   # no hint meant for errors raised


@pytest.mark.parametrize("check, name, what", CHECKS, ids=IDS)
def test_an_exception_is_feedback_naming_the_function(check, name, what):
    def broken(*args):
        raise KeyError("oops")

    fb = check(broken)
    assert fb.status == "wrong"
    assert fb.message.startswith(f"{name} raised KeyError: 'oops'")


def test_hints_follow_the_error():
    fb = lesson07.check_mutual_information(lambda joint: np.log(joint[5, 5]))
    assert "joint.sum(axis=1)" in fb.message          # lesson 07's hint on shapes
    fb = lesson06.check_scribble_loss(lambda logits, scribble: logits[0, 0, 255])
    assert "255 marks unlabelled pixels" in fb.message  # lesson 06's hint, only for 255 / out of bounds
    fb = lesson06.check_scribble_loss(lambda logits, scribble: 1 / 0)
    assert "255" not in fb.message
