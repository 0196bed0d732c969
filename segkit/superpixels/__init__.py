"""Superpixels: SLIC as the paper writes it, and the majority vote of Kanezaki (2018).

One concept per file:

- ``slic.py``: SLIC (Achanta et al., TPAMI 2012), step by step; step 3 is
  :func:`assign_pixels`, one loop over the centres, each over its 2S x 2S
  window. Start reading there.
- ``seeds.py``: step 2, the seed grid (:class:`SeedGrid`) and the seeds'
  move off edges.
- ``connectivity.py``: step 6, :func:`enforce_connectivity`.
- ``vote.py``: :func:`majority_vote`, the superpixel refinement of Kanezaki (2018).
- ``_grid.py`` (private): the same step 3 vectorised over the seed grid,
  which ``slic`` runs above lesson sizes (``engine="auto"``) or when asked
  (``engine="fast"``). It gives identical labels.

>>> import numpy as np
>>> from segkit import superpixels
>>> image = np.zeros((40, 60, 3), np.float32)
>>> int(superpixels.slic(image, n_segments=6).max()) + 1
6
"""

from __future__ import annotations

from .connectivity import enforce_connectivity
from .seeds import SeedGrid
from .slic import (
    ENGINES,
    READABLE_MAX_SIDE,
    READABLE_MAX_SEGMENTS,
    SlicSteps,
    assign_pixels,
    slic,
    slic_steps,
    update_centers,
    window_distances,
)
from .vote import majority_vote

__all__ = [
    "slic",
    "slic_steps",
    "SlicSteps",
    "SeedGrid",
    "assign_pixels",
    "window_distances",
    "update_centers",
    "enforce_connectivity",
    "majority_vote",
    "ENGINES",
    "READABLE_MAX_SIDE",
    "READABLE_MAX_SEGMENTS",
]
