"""Step 2 of SLIC: the seed grid, and seeds moved off edges.

K seeds are placed on a regular grid of step S = sqrt(N / K) (N pixels),
each in the middle of its grid cell, and then moved to the lowest colour
gradient in their 3 x 3 neighbourhood, so that no seed starts on an edge or
on a noisy pixel (Achanta et al., TPAMI 2012, section 3.2). The grid also
fixes the size of the search window of step 3: one cell in each direction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["SeedGrid", "lab_gradient", "move_seeds_off_edges"]


@dataclass(frozen=True)
class SeedGrid:
    """The regular grid the seeds start on: ``rows x cols`` cells of ``cell_h x cell_w`` pixels.

    Attributes
    ----------
    shape : (int, int)
        The image's (H, W).
    step : float
        S = sqrt(H * W / K), the paper's grid interval (the spatial normaliser in D).
    rows, cols : int
        Number of grid cells down and across; K' = rows * cols centres.
    cell_h, cell_w : int
        Cell size in pixels (S rounded so that whole cells cover the image; the
        last row and column of cells may stick out of the image). They are also
        the half-height and half-width of the search window.

    Examples
    --------
    >>> grid = SeedGrid.for_image((40, 60), n_segments=6)
    >>> grid.rows, grid.cols, grid.cell_h, grid.cell_w
    (2, 3, 20, 20)
    >>> grid.seeds()[:2].tolist()
    [[9, 9], [9, 29]]
    """

    shape: tuple
    step: float
    rows: int
    cols: int
    cell_h: int
    cell_w: int

    @classmethod
    def for_image(cls, shape, n_segments: int) -> "SeedGrid":
        h, w = shape
        step = math.sqrt(h * w / n_segments)
        rows = min(h, max(1, round(h / step)))
        cols = min(w, max(1, round(w / step)))
        cell_h, cell_w = -(-h // rows), -(-w // cols)  # ceil: the cells cover the image
        return cls((h, w), step, -(-h // cell_h), -(-w // cell_w), cell_h, cell_w)

    def seeds(self) -> np.ndarray:
        """(K', 2) seed positions (row, col): the middle of each cell's part inside the image."""
        h, w = self.shape
        top = np.arange(self.rows) * self.cell_h
        left = np.arange(self.cols) * self.cell_w
        sy = (top + np.minimum(top + self.cell_h, h) - 1) // 2
        sx = (left + np.minimum(left + self.cell_w, w) - 1) // 2
        yy, xx = np.meshgrid(sy, sx, indexing="ij")
        return np.stack([yy.ravel(), xx.ravel()], axis=1)

    def cell_labels(self) -> np.ndarray:
        """(H, W) int64: every pixel labelled with its own grid cell (the partition before step 3)."""
        h, w = self.shape
        cell_row = np.arange(h) // self.cell_h
        cell_col = np.arange(w) // self.cell_w
        return cell_row[:, None] * self.cols + cell_col[None, :]

    def window(self, center) -> tuple[slice, slice]:
        """The rows and columns of the 2S x 2S window around a centre ``(L, a, b, y, x)``, clipped to the image."""
        h, w = self.shape
        y, x = center[3], center[4]
        top, bottom = max(0, math.ceil(y - self.cell_h)), min(h - 1, math.floor(y + self.cell_h))
        left, right = max(0, math.ceil(x - self.cell_w)), min(w - 1, math.floor(x + self.cell_w))
        return slice(top, bottom + 1), slice(left, right + 1)


def lab_gradient(lab: np.ndarray) -> np.ndarray:
    """G(x, y) = ||I(x+1, y) - I(x-1, y)||^2 + ||I(x, y+1) - I(x, y-1)||^2 (edges replicated)."""
    p = np.pad(lab, ((1, 1), (1, 1), (0, 0)), mode="edge")
    gy = p[2:, 1:-1] - p[:-2, 1:-1]
    gx = p[1:-1, 2:] - p[1:-1, :-2]
    return (gy * gy).sum(axis=2) + (gx * gx).sum(axis=2)


def move_seeds_off_edges(lab: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Step 2: move every seed to the lowest gradient position of its 3 x 3 neighbourhood.

    Ties go to the seed's own position, then to the first neighbour in scan
    order, so that on flat ground a seed does not move.
    """
    h, w = lab.shape[:2]
    grad = lab_gradient(lab)
    offsets = [(0, 0)] + [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]
    cand_y = np.clip(seeds[:, :1] + np.array([dy for dy, _ in offsets]), 0, h - 1)  # (K, 9)
    cand_x = np.clip(seeds[:, 1:] + np.array([dx for _, dx in offsets]), 0, w - 1)
    best = grad[cand_y, cand_x].argmin(axis=1)  # argmin: the first of equal values
    k = np.arange(len(seeds))
    return np.stack([cand_y[k, best], cand_x[k, best]], axis=1)
