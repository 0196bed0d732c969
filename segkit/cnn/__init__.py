"""The unsupervised CNN (Kanezaki 2018; Kim, Kanezaki and Tanaka 2020), lessons 04 to 06.

One concept per file; start with ``train.py``:

- ``train.py``: the papers' loop, :func:`train_loop` (forward, argmax
  target, loss, backward, step, the minLabels test), its :class:`Objective`
  and the 2018 superpixel vote (:func:`superpixel_target`).
- ``model.py``: :class:`SegNet`, the network (conv-ReLU-BN components and a
  1x1 response layer), and :class:`PlainListNet`, lesson 05's exercise.
- ``losses.py``: the plain losses: feature similarity, continuity, scribble.
- ``segment_image.py``: :func:`segment`, which checks its arguments, builds the
  network and runs :func:`train_loop` on one image; :func:`infer_min_labels`.
- ``reference.py``: the 2020 reference-image mode, :func:`fit_reference`
  and :func:`predict`.
- ``scribbles.py`` (numpy only): the scribble format, :func:`draw_strokes`,
  :func:`scribbles_from_labels`, :func:`check_scribble`.
- ``upsampling.py`` (numpy only): unpooling, max unpooling and the 2-D
  transposed convolution of FCN and U-Net, for lesson 04's aside.
- ``random_walker.py`` (numpy only): :func:`random_walker_segment`, the
  classical scribble propagation the 2020 paper compares itself with.
- ``schedule.py``: the papers' schedule and the fast one for full-size
  images (coarse to fine, a convergence stop, bfloat16 convolutions where
  the CPU has them), :func:`train_fast`.
- ``engines.py``: :func:`get_engine`, readable or fast, and the image size
  above which the fast one is used (:data:`FAST_ABOVE_PIXELS`).
- ``_fast.py``, ``_fast_loss.py`` (private): the fast engine: reused
  buffers, a sliced loss with a hand-written gradient, glibc told to keep
  freed memory. The same labels and history (tests/test_cnn_engines.py).

Names load on first use (``lazy_loader``), so ``segkit.cnn.scribbles`` can be
used without torch.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(__name__, submodules=[
    "train", "model", "losses", "segment_image", "reference", "scribbles", "random_walker", "upsampling",
    "engines", "schedule",
], submod_attrs={
    "train": ["train_loop", "Objective", "LoopResult", "PaperEngine", "PAPER", "superpixel_target",
              "superpixel_vote", "HISTORY_KEYS"],
    "model": ["SegNet", "PlainListNet", "count_parameters"],
    "losses": ["feature_similarity_loss", "continuity_loss", "scribble_loss", "SCRIBBLE_UNLABELLED"],
    "segment_image": ["segment", "SegmentationResult", "infer_min_labels", "METHODS"],
    "reference": ["fit_reference", "ReferenceFit", "predict"],
    "scribbles": ["UNLABELLED", "draw_strokes", "scribbles_from_labels", "scribble_classes",
                  "check_scribble"],
    "random_walker": ["random_walker_segment"],
    "schedule": ["SCHEDULES", "Stage", "FAST_STAGES", "bfloat16_supported", "train_fast"],
    "engines": ["ENGINES", "FAST_ABOVE_BYTES", "FAST_ABOVE_PIXELS", "get_engine"],
    "_fast": ["keep_freed_memory"],
})
