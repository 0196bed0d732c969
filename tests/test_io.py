import numpy as np
import pytest
from PIL import Image

from segkit.io import SAMPLE_IMAGES, as_rgb, load_image, resize_max_side, sample_image


@pytest.mark.parametrize(
    "array, expected_max",
    [
        (np.full((10, 12), 255, np.uint8), 1.0),
        (np.full((10, 12), 65535, np.uint16), 1.0),
        (np.ones((10, 12), bool), 1.0),
        (np.full((10, 12, 3), 0.25, np.float64), 0.25),
        (np.full((10, 12, 3), 0.5, np.float16), 0.5),
        (np.full((10, 12, 1), 51, np.uint8), 0.2),
        (np.full((10, 12), 200, np.int64), 200 / 255),
    ],
)
def test_as_rgb_dtypes_and_shapes(array, expected_max):
    out = as_rgb(array)
    assert out.shape == (10, 12, 3)
    assert out.dtype == np.float32
    assert out.max() == pytest.approx(expected_max, abs=1e-3)


def test_rgba_is_composited_over_white():
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:4, :, 3] = 255  # top half opaque red, bottom half transparent
    out = as_rgb(rgba)
    np.testing.assert_allclose(out[0, 0], [1, 0, 0])
    np.testing.assert_allclose(out[7, 0], [1, 1, 1])


def test_input_not_mutated():
    arr = np.full((9, 9, 3), 0.5, np.float32)
    before = arr.copy()
    out = load_image(arr)
    out[...] = 0
    np.testing.assert_array_equal(arr, before)


@pytest.mark.parametrize(
    "bad, error, match",
    [
        (np.full((10, 10), np.nan), ValueError, "NaN or infinite"),
        (np.full((10, 10), np.inf), ValueError, "NaN or infinite"),
        (np.zeros((0, 10)), ValueError, "empty"),
        (np.zeros((7, 10)), ValueError, "too small: got 7x10"),
        (np.zeros((10, 10, 5)), ValueError, "1, 3 or 4 channels"),
        (np.zeros((3, 10, 10)), ValueError, "1, 3 or 4 channels"),
        (np.zeros((10,)), ValueError, r"must have shape \(H, W\)"),
        (np.zeros((2, 10, 10, 3)), ValueError, r"must have shape \(H, W\)"),
        (np.full((10, 10), 200.0), ValueError, r"float images must lie in \[0, 1\]"),
        (np.full((10, 10), -0.1), ValueError, r"float images must lie in \[0, 1\]"),
        (np.full((10, 10), 300, np.int32), ValueError, "within 0-255"),
        (np.zeros((10, 10), np.complex64), TypeError, "unsupported dtype"),
        ([[0, 1], [1, 0]], TypeError, "must be a path, a PIL image or a numpy array"),
        (3.5, TypeError, "must be a path, a PIL image or a numpy array"),
    ],
)
def test_load_image_rejects_bad_input(bad, error, match):
    with pytest.raises(error, match=match):
        load_image(bad)


def test_error_names_the_argument():
    with pytest.raises(ValueError, match="`src`"):
        load_image(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="`image`"):
        as_rgb(np.zeros((2, 2)))


def test_path_and_pil(tmp_path):
    rgb = (np.random.default_rng(0).random((20, 30, 3)) * 255).astype(np.uint8)
    path = tmp_path / "x.png"
    Image.fromarray(rgb).save(path)
    from_path = load_image(path)
    from_str = load_image(str(path))
    from_pil = load_image(Image.fromarray(rgb))
    np.testing.assert_allclose(from_path, rgb / 255.0, atol=1e-6)
    np.testing.assert_array_equal(from_path, from_str)
    np.testing.assert_array_equal(from_path, from_pil)
    gray = load_image(Image.fromarray(rgb[..., 0]))
    np.testing.assert_allclose(gray[..., 2], rgb[..., 0] / 255.0, atol=1e-6)
    pal = load_image(Image.fromarray(rgb).convert("P"))
    assert pal.shape == (20, 30, 3)


def test_16_bit_png(tmp_path):
    arr = np.full((10, 10), 65535 // 2, np.uint16)
    path = tmp_path / "x16.png"
    Image.fromarray(arr).save(path)
    assert load_image(path).max() == pytest.approx(0.5, abs=1e-3)


def test_missing_and_non_image_files(tmp_path):
    with pytest.raises(ValueError, match="no file at"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(FileNotFoundError):
        load_image(tmp_path / "nope.png")
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    with pytest.raises(ValueError, match="is not an image file"):
        load_image(text)
    with pytest.raises(ValueError, match="is a directory"):
        load_image(tmp_path)


def test_max_side_keeps_aspect_and_never_enlarges():
    img = np.zeros((100, 200, 3), np.float32)
    assert load_image(img, max_side=50).shape == (25, 50, 3)
    assert load_image(img, max_side=500).shape == (100, 200, 3)
    tall = np.zeros((300, 30), np.uint8)
    assert load_image(tall, max_side=100).shape == (100, 10, 3)


def test_max_side_antialiases():
    stripes = np.zeros((64, 64), np.float32)
    stripes[:, ::2] = 1.0
    small = load_image(stripes, max_side=16)
    assert small.std() < 0.05  # aliasing would keep full-contrast stripes
    assert small.mean() == pytest.approx(0.5, abs=0.05)


@pytest.mark.parametrize("bad, error", [(4, ValueError), (0, ValueError), (10.0, TypeError), (True, TypeError)])
def test_max_side_validated(bad, error):
    with pytest.raises(error, match="max_side"):
        load_image(np.zeros((20, 20)), max_side=bad)


def test_resize_max_side_copies():
    img = np.zeros((10, 10, 3), np.float32)
    out = resize_max_side(img, 20)
    assert out is not img


@pytest.mark.parametrize("name", SAMPLE_IMAGES)
def test_sample_images_ship_with_scikit_image(name):
    img = sample_image(name, max_side=32)
    assert img.shape[2] == 3 and max(img.shape[:2]) == 32
    assert 0.0 <= img.min() and img.max() <= 1.0


def test_sample_image_errors():
    with pytest.raises(ValueError, match="`name` must be one of"):
        sample_image("lena")
    with pytest.raises(TypeError, match="`name` must be a string"):
        sample_image(3)
