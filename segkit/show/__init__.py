"""Presentation: figures, widgets and the scribble pad the lessons show.

- ``viz.py``: label maps in colour, boundaries, overlays, scribbles, training
  curves (:func:`plot_history`) and the side-by-side panels of every lesson.
- ``widgets.py``: :class:`ParamCache` (a slider's results, computed once) and
  :class:`TrainingProgress`.
- ``live.py``: :class:`LiveHistoryPlot` and :func:`live_training`, a
  training's curves drawn while it runs.
- ``scribble_pad.py``: :class:`ScribblePad`, scribbles drawn with the mouse.
- ``cnn_figures.py``: lessons 04-06: the network, convolution as a matrix,
  scribbles over an image, the mu sweep.
- ``stego_figures.py``: lesson 08: feature correspondence maps.

matplotlib and ipywidgets are imported inside the functions, so importing
these modules is cheap; nothing below this package imports them.
"""
