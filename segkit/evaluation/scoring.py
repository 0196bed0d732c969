"""Scoring one segmentation against an image's human annotators, with every protocol.

The runner scores each result with :func:`segkit.metrics.score_annotators`
(here :func:`score_image`): every protocol of :data:`PROTOCOL_NAMES` against
each annotator, reported as the mean over annotators (``all``), the finest
and the coarsest. The protocols, and which segments each one sees, are
described in :mod:`segkit.metrics.protocols`; they are defined there once.

>>> import numpy as np
>>> gt = np.repeat(np.array([[0, 0, 1, 1]]), 2, axis=0)
>>> score_image(gt, [gt, np.zeros_like(gt)])["hungarian accuracy"]
{'all': 0.75, 'finest': 1.0, 'coarsest': 0.5}
"""

from __future__ import annotations

from ..metrics.protocols import LOWER_IS_BETTER, PROTOCOL_NAMES
from ..metrics.protocols import score_annotators as score_image

__all__ = ["PROTOCOL_NAMES", "LOWER_IS_BETTER", "score_image"]
