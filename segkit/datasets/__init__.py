"""Data for the lessons (numpy only).

- ``bsds.py``: BSDS500 with its human segmentations: :func:`load_bsds500_item`,
  :func:`bsds500`, :func:`bsds500_ids`, :func:`read_bsds_groundtruth`, found
  locally (``root``, ``$SEGKIT_BSDS500``, the download cache) or downloaded
  with pinned hashes (:func:`fetch_bsds500`, ``download=True``).
- ``synthetic.py``: :func:`synthetic_scene`, flat or striped regions with
  their exact ground truth.
"""

from __future__ import annotations

from .bsds import (
    ENV_VAR,
    SPLITS,
    BSDSItem,
    DatasetNotFoundError,
    _check_id,
    bsds500,
    bsds500_ids,
    bsds500_root,
    fetch_bsds500,
    load_bsds500_item,
    read_bsds_groundtruth,
)
from .synthetic import synthetic_scene

__all__ = ["BSDSItem", "bsds500", "bsds500_ids", "bsds500_root", "load_bsds500_item",
           "read_bsds_groundtruth", "fetch_bsds500", "synthetic_scene", "DatasetNotFoundError",
           "ENV_VAR", "SPLITS"]
