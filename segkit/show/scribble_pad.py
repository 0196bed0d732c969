"""Draw scribbles on an image with the mouse, in the notebook (lesson 06).

:class:`ScribblePad` shows the image in an ``ipywidgets.Image`` and listens
to the mouse through ``ipyevents`` (a small widget library that forwards
browser events to Python; no canvas library, no matplotlib backend). Each
press-drag-release adds one stroke of the chosen class. The pad keeps the
strokes as ``(class, [(row, col), ...])`` pairs, the format of
:func:`segkit.cnn.scribbles.draw_strokes`, so a drawing can be printed, pasted
into a cell and reproduced exactly; :attr:`ScribblePad.scribble` is the
label image the training loop takes (255 = unlabelled).
"""

from __future__ import annotations

import io

import numpy as np

from .._validate import check_int, describe
from ..io import as_rgb
from ..cnn.scribbles import UNLABELLED, draw_strokes

__all__ = ["ScribblePad"]


class ScribblePad:
    """Draw scribbles over ``image`` with the mouse; read them back as a label image.

    Parameters
    ----------
    image : (H, W, 3) image
    n_classes : int
        Classes offered by the class buttons (ids 0 to n_classes - 1), 1 to 10.
    width : int
        Stroke width in image pixels.
    zoom : int
        Screen pixels per image pixel (1 to 8): the picture is sent at the
        image's own size (a small PNG) and enlarged by the browser.
    strokes : sequence of (class, points), optional
        Strokes to start with (as :func:`segkit.cnn.scribbles.draw_strokes` takes).

    Attributes
    ----------
    strokes : list of (int, list of (int, int))
        Every stroke drawn so far, in order.
    widget : ipywidgets.VBox
        What to display: the class buttons, Undo / Clear, and the image.

    Examples
    --------
    >>> pad = ScribblePad(np.zeros((20, 30, 3)), n_classes=2, width=1)
    >>> pad.handle_event({"type": "mousedown", "dataX": 1, "dataY": 2})   # image pixels (x, y)
    >>> pad.handle_event({"type": "mousemove", "dataX": 5, "dataY": 2})
    >>> pad.handle_event({"type": "mouseup", "dataX": 5, "dataY": 2})
    >>> pad.strokes
    [(0, [(2, 1), (2, 5)])]
    >>> pad.scribble[2, :7].tolist()
    [255, 0, 0, 0, 0, 0, 255]
    """

    def __init__(self, image, *, n_classes: int = 4, width: int = 3, zoom: int = 3, strokes=()):
        import ipywidgets as widgets
        from ipyevents import Event

        self.image = as_rgb(image)
        self.n_classes = check_int(n_classes, "n_classes", min_value=1, max_value=10)
        self.width = check_int(width, "width", min_value=1)
        self.zoom = check_int(zoom, "zoom", min_value=1, max_value=8)
        strokes = list(strokes)
        draw_strokes(self.image.shape, strokes, width=self.width)  # validates the strokes
        self.strokes = [(int(c), [(int(round(r)), int(round(q))) for r, q in pts]) for c, pts in strokes]
        self._drawing = None
        h, w = self.image.shape[:2]
        self.view = widgets.Image(format="png", layout=widgets.Layout(width=f"{w * self.zoom}px",
                                                                      height=f"{h * self.zoom}px"))
        self.view.add_class("segkit-scribble-pad")
        self.cls = widgets.ToggleButtons(options=[(f"class {k}", k) for k in range(self.n_classes)], value=0,
                                         description="draw")
        undo, clear = widgets.Button(description="Undo"), widgets.Button(description="Clear")
        undo.on_click(lambda _: self.undo())
        clear.on_click(lambda _: self.clear())
        self.widget = widgets.VBox([widgets.HBox([self.cls, undo, clear]), self.view])
        self._events = Event(source=self.view, watched_events=["mousedown", "mousemove", "mouseup", "mouseleave"],
                             prevent_default_action=True, throttle_or_debounce="throttle", wait=30)
        self._events.on_dom_event(self.handle_event)
        self.render()

    # -- the label image ---------------------------------------------------------
    @property
    def scribble(self) -> np.ndarray:
        """(H, W) uint8: the class of each stroke pixel, 255 elsewhere (later strokes on top)."""
        return draw_strokes(self.image.shape, self.strokes, width=self.width)

    def undo(self) -> None:
        """Remove the last stroke."""
        if self.strokes:
            self.strokes.pop()
        self._drawing = None
        self.render()

    def clear(self) -> None:
        """Remove every stroke."""
        self.strokes = []
        self._drawing = None
        self.render()

    # -- the mouse -----------------------------------------------------------------
    def _pixel(self, event):
        """The image pixel (row, col) under the pointer, clipped to the image."""
        h, w = self.image.shape[:2]
        if event.get("boundingRectWidth") and event.get("boundingRectHeight") and "relativeX" in event:
            # position on the element as displayed (from the pointer's client position: reliable
            # for every event; ipyevents' dataX/dataY came back as 0, 0 for one throttled move
            # in a real browser)
            x = float(event["relativeX"]) / float(event["boundingRectWidth"]) * w
            y = float(event["relativeY"]) / float(event["boundingRectHeight"]) * h
        else:  # position in the PNG's own pixels
            x, y = float(event["dataX"]), float(event["dataY"])
        return int(min(max(y, 0), h - 1)), int(min(max(x, 0), w - 1))

    def handle_event(self, event) -> None:
        """Take one mouse event (a dict as ``ipyevents`` sends it).

        ``mousedown`` starts a stroke of the selected class, ``mousemove``
        with a stroke started extends it, ``mouseup`` or ``mouseleave`` ends
        it. Other events are ignored.
        """
        if not isinstance(event, dict) or "type" not in event:
            raise TypeError(f"`event` must be a dict with a 'type'; got {describe(event)}")
        kind = event["type"]
        if kind == "mousedown":
            self._drawing = (int(self.cls.value), [self._pixel(event)])
            self.strokes.append(self._drawing)
        elif kind == "mousemove" and self._drawing is not None:
            point = self._pixel(event)
            if point != self._drawing[1][-1]:
                self._drawing[1].append(point)
        elif kind in ("mouseup", "mouseleave"):
            self._drawing = None
        else:
            return
        self.render()

    # -- the picture -----------------------------------------------------------------
    def render(self) -> None:
        """Redraw the image with the strokes (a PNG at the image's size; the browser enlarges it)."""
        from PIL import Image

        from .viz import paint_scribble

        pic = paint_scribble(self.image, self.scribble, unlabelled=UNLABELLED)
        buf = io.BytesIO()
        Image.fromarray((pic * 255 + 0.5).astype(np.uint8)).save(buf, format="png")
        self.view.value = buf.getvalue()

    def _ipython_display_(self):  # pragma: no cover - display hook
        from IPython.display import display

        display(self.widget)
