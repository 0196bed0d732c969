import io

import numpy as np
import pytest
from PIL import Image

from segkit.cnn import scribbles
from segkit.show.scribble_pad import ScribblePad
from segkit.cnn import check_scribble


@pytest.fixture
def img():
    return np.random.default_rng(0).random((20, 30, 3))


def drag(pad, points, key=("dataX", "dataY")):
    """Press at the first point, move through the rest, release at the last ((x, y) image pixels)."""
    for kind, (x, y) in zip(["mousedown"] + ["mousemove"] * (len(points) - 1), points):
        pad.handle_event({"type": kind, key[0]: x, key[1]: y})
    pad.handle_event({"type": "mouseup", key[0]: points[-1][0], key[1]: points[-1][1]})


def test_a_drag_is_one_stroke_of_the_selected_class(img):
    pad = ScribblePad(img, n_classes=3, width=1, zoom=2)
    drag(pad, [(1, 1), (10, 1), (10, 7)])
    pad.cls.value = 2
    drag(pad, [(20, 15)])                               # a click is a one-point stroke
    assert pad.strokes == [(0, [(1, 1), (1, 10), (7, 10)]), (2, [(15, 20)])]
    expected = scribbles.draw_strokes(img.shape, pad.strokes, width=1)
    np.testing.assert_array_equal(pad.scribble, expected)
    assert pad.scribble[15, 20] == 2 and pad.scribble[4, 10] == 0 and pad.scribble[10, 5] == 255
    check_scribble(pad.scribble, img.shape[:2])          # what segment() accepts


def test_moves_without_a_press_and_after_release_draw_nothing(img):
    pad = ScribblePad(img, width=1, zoom=1)
    pad.handle_event({"type": "mousemove", "dataX": 5, "dataY": 5})
    assert pad.strokes == []
    drag(pad, [(1, 1), (3, 1)])
    pad.handle_event({"type": "mousemove", "dataX": 9, "dataY": 9})
    pad.handle_event({"type": "mouseleave", "dataX": 9, "dataY": 9})
    pad.handle_event({"type": "click", "dataX": 9, "dataY": 9})   # ignored
    assert pad.strokes == [(0, [(1, 1), (1, 3)])]


def test_displayed_coordinates_and_clipping(img):
    pad = ScribblePad(img, width=1, zoom=3)
    # without dataX/dataY (another widget front end): position on the element as displayed
    pad.handle_event({"type": "mousedown", "relativeX": 45.0, "relativeY": 10.0,
                      "boundingRectWidth": 90.0, "boundingRectHeight": 60.0})
    pad.handle_event({"type": "mousemove", "dataX": 500, "dataY": -7})     # outside: clipped to the edge
    assert pad.strokes == [(0, [(3, 15), (0, 29)])]


def test_undo_clear_and_initial_strokes(img):
    start = [(1, [(5, 5), (5, 20)])]
    pad = ScribblePad(img, strokes=start)
    np.testing.assert_array_equal(pad.scribble, scribbles.draw_strokes(img.shape, start, width=3))
    drag(pad, [(1, 1), (10, 10)])
    assert len(pad.strokes) == 2
    pad.undo()
    assert pad.strokes == start
    pad.clear()
    assert pad.strokes == [] and (pad.scribble == 255).all()
    pad.undo()                                           # nothing to undo: no error
    assert start == [(1, [(5, 5), (5, 20)])]             # the caller's list is not touched


def test_render_shows_the_strokes_enlarged(img):
    pad = ScribblePad(img, n_classes=2, width=1, zoom=4)
    drag(pad, [(1, 1), (10, 1)])
    png = Image.open(io.BytesIO(pad.view.value))
    assert png.size == (30, 20)                                     # sent small ...
    assert pad.view.layout.width == "120px" and pad.view.layout.height == "80px"   # ... shown 4x
    pixels = np.asarray(png.convert("RGB")) / 255
    from segkit.show.viz import PALETTE
    np.testing.assert_allclose(pixels[1, 5], PALETTE[0], atol=1 / 255)
    np.testing.assert_allclose(pixels[5, 5], 0.65 * img[5, 5] + 0.35, atol=1 / 255)   # the image, lightened


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(n_classes=0), ValueError, "n_classes"),
    (dict(n_classes=11), ValueError, "n_classes"),
    (dict(zoom=9), ValueError, "zoom"),
    (dict(width=0), ValueError, "width"),
    (dict(strokes=[(0, [])]), ValueError, "points"),
    (dict(strokes=[5]), TypeError, r"strokes\[0\]"),
])
def test_bad_arguments(img, kwargs, error, match):
    with pytest.raises(error, match=match):
        ScribblePad(img, **kwargs)


def test_bad_image_and_event(img):
    with pytest.raises(ValueError, match="too small"):
        ScribblePad(np.zeros((4, 30, 3)))
    with pytest.raises(ValueError, match="NaN"):
        ScribblePad(np.full((20, 30, 3), np.nan))
    pad = ScribblePad(img)
    with pytest.raises(TypeError, match="event"):
        pad.handle_event("mousedown")
