"""segkit.source.source_code: what lessons 03 and 05 print is the code that runs."""

import pytest

from segkit._threads import with_fitted_threads
from segkit.source import source_code
from segkit.superpixels import assign_pixels, majority_vote


def test_source_without_docstring_and_with_it():
    text = source_code(assign_pixels)
    assert text.startswith("# segkit/superpixels/slic.py, line ")
    assert "def assign_pixels(" in text and "for k, center in enumerate(centers):" in text
    assert "Parameters" not in text
    assert "Parameters" in source_code(assign_pixels, docstring=True)


def test_decorators_are_left_out_and_the_line_is_the_def_line():
    @with_fitted_threads
    def trainer(x):
        """Doc."""
        return x + 1

    text = source_code(trainer)
    assert "@with_fitted_threads" not in text and "Doc." not in text
    assert text.splitlines()[1].strip() == "def trainer(x):"
    line = int(text.splitlines()[0].rsplit("line ", 1)[1])
    import inspect

    assert inspect.getsourcelines(trainer.__wrapped__)[1] + 1 == line


def test_the_function_is_shown_once():
    assert source_code(majority_vote).count("def majority_vote(") == 1


@pytest.mark.parametrize("bad", [None, 3, len, "assign_pixels"])
def test_bad_input(bad):
    with pytest.raises(TypeError, match="`func` must be a Python function"):
        source_code(bad)
    with pytest.raises(TypeError, match="`docstring`"):
        source_code(assign_pixels, docstring="no")
