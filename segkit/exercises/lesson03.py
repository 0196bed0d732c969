"""Lesson 03's exercises: SLIC's grid interval S and its distance D.

* :func:`check_grid_interval`: ``grid_interval(shape, n_segments)`` returns
  S = sqrt(N / K) for an image of ``shape`` (H, W), N = H * W pixels and K
  wanted superpixels; compared with
  :meth:`segkit.superpixels.seeds.SeedGrid.for_image` ``(...).step``.
* :func:`check_slic_distance`: ``slic_distance(pixels, center, S, m)`` returns
  D = sqrt(d_lab^2 + (d_xy / S)^2 m^2) from every row ``(L, a, b, y, x)`` of
  the (N, 5) ``pixels`` to the one ``center`` ``(L, a, b, y, x)``; compared
  with :func:`segkit.superpixels.window_distances` (the D^2 that ``slic``
  computes) on a hidden CIELAB image.

>>> import numpy as np
>>> def grid_interval(shape, n_segments):
...     return float(np.sqrt(shape[0] * shape[1] / n_segments))
>>> check_grid_interval(grid_interval).status
'right'
"""

from __future__ import annotations

import numpy as np

from ..superpixels import window_distances
from ..superpixels.seeds import SeedGrid
from ._feedback import Feedback, as_number, call_or_feedback, is_placeholder, not_attempted, right, wrong

__all__ = ["check_grid_interval", "check_slic_distance"]


def check_grid_interval(grid_interval) -> Feedback:
    """Check ``grid_interval(shape, n_segments) -> S`` on hidden image sizes and K."""
    name = "grid_interval"
    cases = [((160, 240), 200), ((321, 481), 1000), ((107, 160), 40), ((90, 90), 9), ((50, 300), 7)]
    for shape, k in cases:
        got = call_or_feedback(grid_interval, name, shape, k)
        if isinstance(got, Feedback):
            return got
        if is_placeholder(got):
            return not_attempted("Write the body of grid_interval (it still returns None)")
        value = as_number(got)
        if value is None:
            return wrong(f"grid_interval should return one number; for shape {shape} and K = {k} it returned "
                         f"{type(got).__name__} {str(got)[:60]}")
        expected = SeedGrid.for_image(shape, k).step
        if not np.isclose(value, expected, rtol=1e-6):
            n = shape[0] * shape[1]
            if np.isclose(value, n / k):
                hint = "that is N / K, the area of a superpixel: S is its side, the square root"
            elif np.isclose(value, np.sqrt(k / n)):
                hint = "the fraction is upside down: S = sqrt(N / K), pixels per superpixel under the root"
            elif np.isclose(value, (shape[0] + shape[1]) / k) or np.isclose(value, np.sqrt((shape[0] + shape[1]) / k)):
                hint = "N is the number of pixels, H * W, not H + W"
            elif value == int(value) and abs(value - expected) < 1:
                hint = "S is not rounded: keep it a float (the grid's cells are rounded, S itself is not)"
            else:
                hint = "S = sqrt(N / K) with N = H * W"
            return wrong(f"for a {shape[0]} x {shape[1]} image and K = {k} your S is {value:.4g}; it should be "
                         f"{expected:.4g}: {hint}.")
    return right("S = sqrt(N / K) on five hidden image sizes; with K = 200 on the lesson's 160 x 240 tiger, "
                 f"S = {SeedGrid.for_image((160, 240), 200).step:.2f} pixels.")


def _distance_case():
    """A hidden CIELAB image, a centre inside it, and the slic reference D over its window."""
    rng = np.random.default_rng(303)
    h, w = 30, 40
    lab = np.stack([rng.uniform(0, 100, (h, w)), rng.uniform(-60, 60, (h, w)), rng.uniform(-60, 60, (h, w))],
                   axis=-1).astype(np.float32)
    grid = SeedGrid.for_image((h, w), 12)
    center = np.array([55.0, 10.0, -20.0, 14.3, 19.6])
    rows, cols = grid.window(center)
    yy, xx = np.mgrid[rows, cols]
    pixels = np.concatenate([lab[rows, cols].reshape(-1, 3), yy.reshape(-1, 1), xx.reshape(-1, 1)],
                            axis=1).astype(np.float64)
    return lab, grid, center, rows, cols, pixels


def check_slic_distance(slic_distance) -> Feedback:
    """Check ``slic_distance(pixels, center, S, m) -> D`` against the D^2 that ``slic`` computes.

    Wrong answers name the compactness, the value found and expected at one
    pixel, and, where it can be recognised, the mistake: D^2 returned without
    the root, d_xy not divided by S, m not squared, colour and position added
    without squaring.
    """
    name = "slic_distance"
    lab, grid, center, rows, cols, pixels = _distance_case()
    S = grid.step
    for m in (10.0, 40.0, 1.0):
        got = call_or_feedback(slic_distance, name, pixels.copy(), center.copy(), S, m)
        if isinstance(got, Feedback):
            return got
        if is_placeholder(got):
            return not_attempted("Write the body of slic_distance (it still returns None)")
        got = np.asarray(got, dtype=np.float64)
        n = pixels.shape[0]
        if got.shape != (n,):
            return wrong(f"slic_distance should return one distance per pixel, shape ({n},) for {n} pixels; "
                         f"it returned shape {got.shape}. Sum the squared differences over axis 1")
        _, _, d2 = window_distances(lab, center, grid, np.float32((m / S) ** 2))
        expected = np.sqrt(d2.astype(np.float64)).ravel()
        if not np.allclose(got, expected, rtol=1e-4, atol=1e-3):
            i = int(np.abs(got - expected).argmax())
            d_lab = np.linalg.norm(pixels[:, :3] - center[:3], axis=1)
            d_xy = np.linalg.norm(pixels[:, 3:] - center[3:], axis=1)
            variants = {
                "D squared": d_lab ** 2 + (d_xy / S) ** 2 * m ** 2,
                "no S": np.sqrt(d_lab ** 2 + d_xy ** 2 * m ** 2),
                "m not squared": np.sqrt(d_lab ** 2 + (d_xy / S) ** 2 * m),
                "added": d_lab + d_xy / S * m,
                "S not squared": np.sqrt(d_lab ** 2 + d_xy ** 2 / S * m ** 2),
                "no m": np.sqrt(d_lab ** 2 + (d_xy / S) ** 2),
            }
            hints = {
                "D squared": "you return D squared: take the square root",
                "no S": "the spatial distance must be divided by S (the grid interval) before it is weighted by m",
                "m not squared": "the compactness enters squared: (d_xy / S)^2 * m^2",
                "added": "colour and position are added in quadrature, sqrt(d_lab^2 + (d_xy/S)^2 m^2), not as "
                         "d_lab + (d_xy/S) m",
                "S not squared": "it is (d_xy / S)^2: S is squared too",
                "no m": "the compactness m is missing: (d_xy / S)^2 * m^2",
            }
            hint = next((hints[k] for k, v in variants.items() if np.allclose(got, v, rtol=1e-4, atol=1e-3)),
                        "d_lab is the distance in (L, a, b) (the first three columns), d_xy in (y, x) (the last two)")
            return wrong(f"with m = {m:g} and S = {S:.2f}, at the pixel (y, x) = ({pixels[i, 3]:.0f}, "
                         f"{pixels[i, 4]:.0f}) your D is {got[i]:.3f}; SLIC's is {expected[i]:.3f}: {hint}.")
    return right(f"your D equals the distance segkit's slic computes over a whole 2S x 2S window (S = {S:.2f}), "
                 "for m = 1, 10 and 40.")
