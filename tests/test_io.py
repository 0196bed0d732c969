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


# --- files a student will actually upload -------------------------------------------------------

import struct  # noqa: E402
import zlib  # noqa: E402

from segkit.io import MAX_PIXELS, open_image  # noqa: E402


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def crafted_png(width, height, rows=10, cols=10) -> bytes:
    """An 8-bit RGB PNG whose header says ``width x height`` but whose data holds ``rows x cols`` pixels."""
    raw = b"".join(b"\x00" + b"\x80" * (3 * cols) for _ in range(rows))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(raw))
            + _png_chunk(b"IEND", b""))


def _noise_jpeg(path, shape=(48, 64)):
    rgb = (np.random.default_rng(0).random(shape + (3,)) * 255).astype(np.uint8)
    Image.fromarray(rgb).save(path, quality=90)
    return path


def test_crafted_png_helper_is_a_valid_png(tmp_path):
    path = tmp_path / "ok.png"
    path.write_bytes(crafted_png(10, 10))
    assert load_image(path).shape == (10, 10, 3)


@pytest.mark.parametrize("keep", [0.5, 0.2, 0.05])
def test_truncated_jpeg_names_the_file(tmp_path, keep):
    data = _noise_jpeg(tmp_path / "full.jpg").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ValueError, match=r"`src`: '.*cut\.jpg' could not be read .*damaged or incomplete"):
        load_image(cut)


def test_png_whose_header_lies_about_its_size(tmp_path):
    path = tmp_path / "liar.png"
    path.write_bytes(crafted_png(3000, 2000))  # 6 megapixels promised, 100 pixels stored
    with pytest.raises(ValueError, match=r"'.*liar\.png' could not be read"):
        load_image(path)


@pytest.mark.parametrize("width, height", [
    (8000, 6500),     # 52 megapixels: above MAX_PIXELS, below Pillow's warning
    (10000, 10000),   # 100 megapixels: Pillow warns (an error under the test settings)
    (30000, 30000),   # 900 megapixels: Pillow's DecompressionBombError
    (2 ** 31 - 1, 2),
])
def test_decompression_bomb_refused_from_the_header(tmp_path, width, height):
    path = tmp_path / "bomb.png"
    path.write_bytes(crafted_png(width, height))
    with pytest.raises(ValueError, match=r"bomb\.png.*megapixels"):
        load_image(path, max_side=64)


def test_pixel_limit_is_documented_and_sensible():
    assert MAX_PIXELS == 50_000_000
    assert 8160 * 6120 <= MAX_PIXELS  # the largest phone photos


def test_pixel_limit_for_pil_images_and_arrays():
    with pytest.raises(ValueError, match=r"`src` \(a PIL image\).*megapixels"):
        load_image(Image.new("L", (10000, 5001)))
    big = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), shape=(10000, 5001), strides=(0, 0))
    with pytest.raises(ValueError, match=r"`src` \(an array\).*megapixels"):
        load_image(big)


def test_unreadable_paths_name_the_file(tmp_path):
    with pytest.raises(ValueError, match="cannot access"):
        load_image(tmp_path / ("x" * 5000 + ".png"))  # file name too long: an OSError
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.jpg' is not an image file"):
        load_image(empty)


def _exif_jpeg(path, orientation):
    """A 40 x 20 (w x h) JPEG, red in its top-left 10 x 10 corner, with an EXIF orientation tag."""
    rgb = np.zeros((20, 40, 3), np.uint8)
    rgb[:10, :10] = (255, 0, 0)
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(rgb).save(path, exif=exif.tobytes(), quality=95)
    return path


@pytest.mark.parametrize("orientation, shape, red_corner", [
    (1, (20, 40), (0, 0)),      # upright
    (3, (20, 40), (-1, -1)),    # turned half a turn
    (6, (40, 20), (0, -1)),     # a phone held upright: shown turned a quarter clockwise
    (8, (40, 20), (-1, 0)),     # a quarter counter-clockwise
])
def test_exif_orientation_is_honoured(tmp_path, orientation, shape, red_corner):
    path = _exif_jpeg(tmp_path / f"o{orientation}.jpg", orientation)
    img = load_image(path)
    assert img.shape[:2] == shape
    r, c = red_corner
    assert img[r, c, 0] > 0.8 and img[r, c, 1] < 0.2
    with Image.open(path) as pil:  # a PIL image is turned the same way
        np.testing.assert_array_equal(load_image(pil), img)
    small = load_image(path, max_side=10)
    assert max(small.shape[:2]) == 10 and (small.shape[0] > small.shape[1]) == (shape[0] > shape[1])


def test_open_image_keeps_the_mode_and_honours_exif(tmp_path):
    ids = np.zeros((20, 40), np.uint8)
    ids[:10, :10] = 3
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "ids.png"
    Image.fromarray(ids).save(path, exif=exif.tobytes())
    img = open_image(path, name="scribble")
    assert img.mode == "L" and img.size == (20, 40)
    assert np.asarray(img)[0, -1] == 3
    with pytest.raises(ValueError, match="`scribble`: no file"):
        open_image(tmp_path / "none.png", name="scribble")
    with pytest.raises(TypeError, match="`scribble` must be a path"):
        open_image(3, name="scribble")


@pytest.fixture(scope="module")
def big_files(tmp_path_factory):
    """A 4000 x 4000 PNG and JPEG (a few hundred kB each), red left half, blue right half."""
    folder = tmp_path_factory.mktemp("big")
    img = Image.new("RGB", (4000, 4000), (200, 30, 30))
    img.paste((20, 20, 220), (2000, 0, 4000, 4000))
    img.save(folder / "big.png", compress_level=1)
    img.save(folder / "big.jpg", quality=90)
    return folder


@pytest.mark.parametrize("name", ["big.png", "big.jpg"])
def test_large_file_is_reduced_while_decoding(big_files, name):
    import tracemalloc

    load_image(big_files / name, max_side=64)  # imports and caches out of the measurement
    tracemalloc.start()
    try:
        img = load_image(big_files / name, max_side=64)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert img.shape == (64, 64, 3)
    # A float32 copy at full size would be 192 MB; numpy never holds more than a few MB.
    assert peak < 8e6
    np.testing.assert_allclose(img[10, 5], np.array([200, 30, 30]) / 255, atol=0.03)
    np.testing.assert_allclose(img[10, 60], np.array([20, 20, 220]) / 255, atol=0.03)


def test_jpeg_is_decoded_at_a_reduced_scale(big_files, monkeypatch):
    from PIL import JpegImagePlugin

    asked = []
    real = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        asked.append(size)
        return real(self, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    load_image(big_files / "big.jpg", max_side=64)
    assert asked == [(128, 128)]
    asked.clear()
    load_image(big_files / "big.jpg")
    assert asked == []  # no max_side: decoded at full size


def test_reduction_gives_the_same_picture_as_a_full_resize(tmp_path):
    yy, xx = np.mgrid[0:600, 0:900]
    rgb = np.stack([xx / 900, yy / 600, (xx + yy) / 1500], axis=2)
    rgb = (rgb * 255).astype(np.uint8)
    path = tmp_path / "smooth.png"
    Image.fromarray(rgb).save(path)
    reduced = load_image(path, max_side=60)                  # Pillow reduces by 7 first
    direct = resize_max_side(load_image(path), 60)           # the float resize of the full image
    assert reduced.shape == direct.shape == (40, 60, 3)
    np.testing.assert_allclose(reduced, direct, atol=0.02)


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "PA", "RGB", "RGBA", "CMYK", "I;16"])
def test_reduction_in_every_mode(tmp_path, mode):
    img = Image.new("RGB", (400, 200), (255, 255, 255))
    img.paste((0, 0, 0), (0, 0, 200, 200))
    img = img.convert("L").convert(mode) if mode in ("1", "I;16") else img.convert(mode)
    out = load_image(img, max_side=20)
    assert out.shape == (10, 20, 3)
    assert out[:, :8].max() < out[:, 12:].min()  # black left, white right (16-bit: 255 of 65535)
