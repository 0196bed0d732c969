import numpy as np
import pytest

from segkit._validate import check_choice, check_float, check_int, check_label_map, check_same_shape


def test_check_int():
    assert check_int(np.int64(3), "k") == 3
    with pytest.raises(TypeError, match="`k` must be an integer; got True"):
        check_int(True, "k")
    with pytest.raises(TypeError, match="`k` must be an integer; got 2.0"):
        check_int(2.0, "k")
    with pytest.raises(ValueError, match="`k` must be at most 5; got 6"):
        check_int(6, "k", max_value=5)


def test_check_float():
    assert check_float(np.float32(0.5), "mu") == 0.5
    with pytest.raises(ValueError, match="`lr` must be > 0"):
        check_float(0, "lr", min_value=0, min_inclusive=False)
    with pytest.raises(ValueError, match="`p` must be < 1"):
        check_float(1, "p", max_value=1, max_inclusive=False)
    with pytest.raises(ValueError, match="must be finite"):
        check_float(float("nan"), "mu")
    with pytest.raises(TypeError, match="real number"):
        check_float("1", "mu")


def test_check_choice():
    with pytest.raises(ValueError, match="'a', 'b'"):
        check_choice("c", "x", ("a", "b"))


def test_check_label_map():
    assert check_label_map(np.array([[1.0, 2.0]]), "l").dtype == np.int64
    assert check_label_map(np.array([[True, False]])).dtype == np.int64
    assert check_label_map([[0, 1]]).shape == (1, 2)
    with pytest.raises(ValueError, match="non-integral"):
        check_label_map(np.array([[0.5, 1.0]]))
    with pytest.raises(ValueError, match="non-negative"):
        check_label_map(np.array([[-1, 1]]))
    assert check_label_map(np.array([[-1, 1]]), allow_negative=True).min() == -1
    with pytest.raises(TypeError, match="integer labels"):
        check_label_map(np.array([["a"]]))
    with pytest.raises(TypeError, match="numpy array"):
        check_label_map("labels")
    with pytest.raises(ValueError, match="empty"):
        check_label_map(np.zeros((0, 3), int))


def test_check_same_shape():
    with pytest.raises(ValueError, match="same height and width"):
        check_same_shape(np.zeros((2, 3)), np.zeros((3, 2)), "a", "b")


class TestCheckTensor:
    """The one tensor shape check (used by the CNN losses, IIC and STEGO)."""

    def test_accepts_and_returns(self):
        torch = pytest.importorskip("torch")
        from segkit._validate import check_tensor

        x = torch.zeros(2, 3, 4, 5)
        assert check_tensor(x, "x", ("B", "C", "H", "W"), kind="float", like={"B": 2, "W": 5}) is x
        assert check_tensor(torch.zeros(1, 2, 3, 4, 5), "x", ("B", "C", "...")).ndim == 5

    @pytest.mark.parametrize("value, shape, kind, like, error, text", [
        ("not a tensor", ("B",), "any", None, TypeError, "`x` must be a torch.Tensor of shape (B)"),
        ("zeros(2, 3)", ("B", "C", "H"), "any", None, ValueError, "`x` must have shape (B, C, H); got shape (2, 3)"),
        ("zeros(2, 3)", ("B", 4), "any", None, ValueError, "`x` must have shape (B, 4); got (2, 3)"),
        ("zeros(2, 3)", ("B", "C"), "any", {"C": 5}, ValueError, "with C = 5; got (2, 3)"),
        ("zeros(2, 3)", ("B", "C"), "int", None, TypeError, "`x` must be an integer tensor"),
        ("ones(2, 3).long()", ("B", "C"), "float", None, TypeError, "floating-point"),
        ("ones(2, 3).long()", ("B", "C"), "bool", None, TypeError, "boolean"),
        ("zeros(2)", ("B", "C", "..."), "any", None, ValueError, "(B, C, ...)"),
    ])
    def test_refuses_naming_the_argument(self, value, shape, kind, like, error, text):
        torch = pytest.importorskip("torch")
        from segkit._validate import check_tensor

        value = eval(f"torch.{value}", {"torch": torch}) if value != "not a tensor" else value
        with pytest.raises(error) as err:
            check_tensor(value, "x", shape, kind=kind, like=like)
        assert text in str(err.value)
