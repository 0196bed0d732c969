"""The fast engine for step 3 of SLIC: all centres at once, on the image cut into grid cells.

This computes exactly what :func:`segkit.superpixels.slic.assign_pixels`
computes (the same float32 operations in the same order, the same window,
the same tie rule), only arranged for numpy: no Python loop over centres or
pixels. ``slic(..., engine="fast")`` runs it; ``engine="auto"`` runs it above
lesson sizes. Read ``assign_pixels`` to learn SLIC; read this to see how a
loop over centres becomes a few broadcast operations.

How it works
------------
Every centre has a home cell of the seed grid (the cell its seed started
in). The image is stored as an array of shape ``(cell_h, cell_w, rows, cols)``
(pixel (i, j) of every cell at once), so the distance from every pixel to
the centre whose home cell is at offset (dy, dx) from the pixel's own cell is
one broadcast operation over the whole image; nine such operations, for the
3 x 3 offsets, and a running minimum give the assignment. Only the rows i and
columns j of a cell that some window reaches at that offset are computed.
Outside a centre's window its distance is +inf.

The offsets are visited in scan order, (-1, -1) to (1, 1); for any pixel,
that is the order of the candidate centres' indices, so "strictly smaller
distance wins" gives the readable loop's tie rule: the first centre in scan
order.

A centre moves as it becomes the mean of its pixels, and after a few
iterations some have left their home cell, so that their window reaches
past the 3 x 3 cells around it (on a photograph, typically one centre in ten
or twenty; more with a low compactness). Those few then compete a second
time for every pixel of their whole window, computed as
:func:`~segkit.superpixels.slic.window_distances` does, a pixel keeping the
smallest (distance, centre index) pair. The result is the readable loop's,
bit for bit.
"""

from __future__ import annotations

import numpy as np

__all__ = []  # private: use slic(..., engine="fast")

#: The nine (dy, dx) offsets from a grid cell to itself and its neighbours, in scan order.
_OFFSETS = tuple((dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1))


class GridAssigner:
    """Step 3 of SLIC for one image, vectorised over the seed-grid cells.

    Per-pixel arrays are stored in the layout ``(cell_h, cell_w, rows, cols)``:
    element ``[i, j, r, c]`` is pixel ``(r * cell_h + i, c * cell_w + j)`` (the
    last row and column of cells are padded past the image). A per-cell array
    of shape ``(rows, cols)`` (a centre attribute) then broadcasts over the
    last two axes, which numpy runs as one long inner loop.

    Parameters
    ----------
    lab : (H, W, 3) ndarray of float32
        The image in CIELAB.
    grid : SeedGrid
        The seed grid (:class:`segkit.superpixels.slic.SeedGrid`).
    spatial_weight : float32
        (m / S)**2.
    """

    def __init__(self, lab: np.ndarray, grid, spatial_weight):
        self.grid = grid
        self.lab_image = lab
        h, w = grid.shape
        ch, cw, rows, cols = grid.cell_h, grid.cell_w, grid.rows, grid.cols
        padded = np.zeros((3, rows * ch, cols * cw), np.float32)
        padded[:, :h, :w] = np.moveaxis(lab, -1, 0)
        self.lab = np.ascontiguousarray(self._to_cells(padded))          # (3, ch, cw, rows, cols)
        # Pixel coordinates in the cell layout: rows (ch, 1, rows, 1), columns (1, cw, 1, cols).
        self.row = np.arange(ch).reshape(ch, 1, 1, 1) + ch * np.arange(rows).reshape(1, 1, rows, 1)
        self.col = np.arange(cw).reshape(1, cw, 1, 1) + cw * np.arange(cols).reshape(1, 1, 1, cols)
        self.row_f32, self.col_f32 = self.row.astype(np.float32), self.col.astype(np.float32)
        self.full = (ch, cw, rows, cols)
        self.spatial_weight = np.float32(spatial_weight)
        # Index of every pixel's own cell, and the index step of each of the 9 offsets.
        self.cell_index = (np.arange(rows).reshape(1, 1, rows, 1) * cols
                           + np.arange(cols).reshape(1, 1, 1, cols))
        self.offset_step = np.array([dy * cols + dx for dy, dx in _OFFSETS])
        self.cell_top = (np.arange(rows) * ch).reshape(rows, 1)
        self.cell_left = (np.arange(cols) * cw).reshape(1, cols)
        # Working buffers, reused every iteration.
        self.best = np.empty(self.full, np.float32)
        self.dist = np.empty(self.full, np.float32)
        self.tmp = np.empty(self.full, np.float32)
        self.tmp2 = np.empty(self.full, np.float32)
        self.closer = np.empty(self.full, bool)

    def _to_cells(self, a):
        """(..., H_pad, W_pad) -> (..., cell_h, cell_w, rows, cols)."""
        g = self.grid
        lead = a.shape[:-2]
        a = a.reshape(lead + (g.rows, g.cell_h, g.cols, g.cell_w))
        k = len(lead)
        return a.transpose(tuple(range(k)) + (k + 1, k + 3, k, k + 2))

    def _from_cells(self, a):
        """(cell_h, cell_w, rows, cols) -> (H, W), dropping the padding."""
        g = self.grid
        h, w = g.shape
        full = a.transpose(2, 0, 3, 1).reshape(g.rows * g.cell_h, g.cols * g.cell_w)
        return full[:h, :w]

    def windows(self, centers: np.ndarray):
        """(top, bottom, left, right) of every centre's window, inclusive, as SeedGrid.window."""
        g = self.grid
        h, w = g.shape
        y, x = centers[:, 3], centers[:, 4]
        top = np.maximum(0, np.ceil(y - g.cell_h)).astype(np.int64)
        bottom = np.minimum(h - 1, np.floor(y + g.cell_h)).astype(np.int64)
        left = np.maximum(0, np.ceil(x - g.cell_w)).astype(np.int64)
        right = np.minimum(w - 1, np.floor(x + g.cell_w)).astype(np.int64)
        return top, bottom, left, right

    def drifted(self, windows) -> np.ndarray:
        """Indices of the centres whose window reaches past the 3 x 3 cells around their home cell."""
        g = self.grid
        top, bottom, left, right = windows
        k = np.arange(g.rows * g.cols)
        home_r, home_c = k // g.cols, k % g.cols
        far = ((top // g.cell_h < home_r - 1) | (bottom // g.cell_h > home_r + 1)
               | (left // g.cell_w < home_c - 1) | (right // g.cell_w > home_c + 1))
        return np.flatnonzero(far)

    def assign(self, centers: np.ndarray, previous: np.ndarray) -> np.ndarray:
        """Step 3: the index of the nearest centre of every pixel, as ``assign_pixels``.

        Parameters
        ----------
        centers : (K, 5) ndarray of float64
            ``(L, a, b, row, col)``, K = rows * cols, in scan order of the grid.
        previous : (H, W) ndarray of int
            The previous labels, kept where no window reaches.

        Returns
        -------
        labels : (H, W) ndarray of int64
        """
        g = self.grid
        rows, cols, ch, cw = g.rows, g.cols, g.cell_h, g.cell_w
        windows = self.windows(centers)
        # Centre attributes on a grid with one empty cell around it.
        shape = (rows + 2, cols + 2)
        present = np.zeros(shape, bool)
        present[1:-1, 1:-1] = True
        attrs = np.zeros((5,) + shape, np.float32)
        attrs[:, 1:-1, 1:-1] = centers.astype(np.float32).T.reshape(5, rows, cols)
        bounds = np.zeros((4,) + shape, np.int64)
        bounds[:, 1:-1, 1:-1] = np.stack(windows).reshape(4, rows, cols)

        best, dist, tmp, tmp2, closer = self.best, self.dist, self.tmp, self.tmp2, self.closer
        best.fill(np.inf)
        which = np.zeros(self.full, np.int8)
        inf = np.float32(np.inf)
        L, A, B = self.lab
        for n, (dy, dx) in enumerate(_OFFSETS):
            cells = (slice(1 + dy, 1 + dy + rows), slice(1 + dx, 1 + dx + cols))
            here = present[cells]
            if not here.any():
                continue
            top, bottom, left, right = (np.ascontiguousarray(b[cells]) for b in bounds)
            # The rows i and columns j of a cell that some window reaches.
            i0 = max(0, int((top - self.cell_top)[here].min()))
            i1 = min(ch, int((bottom - self.cell_top)[here].max()) + 1)
            j0 = max(0, int((left - self.cell_left)[here].min()))
            j1 = min(cw, int((right - self.cell_left)[here].max()) + 1)
            if i0 >= i1 or j0 >= j1:
                continue
            block = (slice(i0, i1), slice(j0, j1))
            cL, cA, cB, cy, cx = (np.ascontiguousarray(a[cells]) for a in attrs)
            # dy**2 on (rows_in_block, 1, rows, cols), dx**2 on (1, cols_in_block, rows, cols);
            # +inf outside the window (and where no centre is).
            r, c = self.row[i0:i1], self.col[:, j0:j1]
            dy2 = np.where((r >= top) & (r <= bottom) & here, (self.row_f32[i0:i1] - cy) ** 2, inf)
            dx2 = np.where((c >= left) & (c <= right), (self.col_f32[:, j0:j1] - cx) ** 2, inf)
            d, t, u, cl, b, o = dist[block], tmp[block], tmp2[block], closer[block], best[block], which[block]
            # D**2 = ((dL**2 + da**2) + db**2) + (dy**2 + dx**2) * (m / S)**2, as window_distances.
            np.add(dy2, dx2, out=d)
            np.multiply(d, self.spatial_weight, out=d)
            np.subtract(L[block], cL, out=t)
            np.multiply(t, t, out=t)
            for channel, center in ((A, cA), (B, cB)):
                np.subtract(channel[block], center, out=u)
                np.multiply(u, u, out=u)
                np.add(t, u, out=t)
            np.add(t, d, out=d)
            # Running minimum, and which offset gave it (strictly closer only).
            # Arithmetic instead of np.copyto(..., where=...): no faster, and less clear.
            np.less(d, b, out=cl)
            np.minimum(b, d, out=b)
            o += cl.view(np.int8) * (np.int8(n) - o)
        labels = np.ascontiguousarray(self._from_cells(self.cell_index + self.offset_step[which]))
        unreached = np.isinf(best)
        if unreached.any():
            unreached = self._from_cells(unreached)
            labels[unreached] = previous[unreached]
        far = self.drifted(windows)
        if far.size:
            distance = np.ascontiguousarray(self._from_cells(best))
            labels = self._assign_far(centers, far, windows, distance, labels)
        return labels

    def _assign_far(self, centers, far, windows, distance, labels):
        """Let the centres ``far`` compete for the pixels of their windows past their 3 x 3 home cells.

        The distances are computed for all their (pixel, centre) pairs at once,
        with the operations of ``window_distances``. Each pixel must end with
        the smallest (D**2, centre index) pair, in that order: both are packed
        into one uint64 key (the bits of a non-negative float32 sort as the
        float does), and ``np.minimum.at`` keeps the smallest key per pixel.
        """
        g = self.grid
        h, w = g.shape
        top, bottom, left, right = (b[far] for b in windows)
        # Every (centre, row, col) of the windows outside the home cells' 3 x 3
        # neighbourhood (the main pass did the inside), as flat arrays.
        rr = top[:, None] + np.arange(2 * g.cell_h + 1)          # (n, 2 cell_h + 1)
        cc = left[:, None] + np.arange(2 * g.cell_w + 1)
        near_r = np.abs(rr // g.cell_h - (far // g.cols)[:, None]) <= 1
        near_c = np.abs(cc // g.cell_w - (far % g.cols)[:, None]) <= 1
        inside = (rr <= bottom[:, None])[:, :, None] & (cc <= right[:, None])[:, None, :]
        inside &= ~(near_r[:, :, None] & near_c[:, None, :])
        k, i, j = np.nonzero(inside)
        ys, xs = rr[k, i], cc[k, j]
        c = centers[far].astype(np.float32)[k]                     # (M, 5)
        pixels = self.lab_image[ys, xs]                            # (M, 3)
        d_lab2 = (pixels[:, 0] - c[:, 0]) ** 2 + (pixels[:, 1] - c[:, 1]) ** 2 + (pixels[:, 2] - c[:, 2]) ** 2
        dy = ys.astype(np.float32) - c[:, 3]
        dx = xs.astype(np.float32) - c[:, 4]
        D2 = d_lab2 + (dy ** 2 + dx ** 2) * self.spatial_weight
        key = (distance.view(np.uint32).astype(np.uint64) << 32) | labels.astype(np.uint64)
        new = (D2.view(np.uint32).astype(np.uint64) << 32) | far[k].astype(np.uint64)
        np.minimum.at(key.ravel(), ys * w + xs, new)
        return (key & np.uint64(0xFFFFFFFF)).astype(np.int64)
