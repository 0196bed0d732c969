"""Tiny synthetic test images and label helpers shared by several test modules."""

import numpy as np


def four_quadrants(shape=(48, 64), noise=0.03, seed=0):
    """Four flat colours with a little noise (red, green, blue, grey quadrants) and their labels."""
    rng = np.random.default_rng(seed)
    h, w = shape
    img = np.zeros((h, w, 3))
    img[: h // 2, : w // 2] = (0.9, 0.1, 0.1)
    img[: h // 2, w // 2:] = (0.1, 0.8, 0.1)
    img[h // 2:, : w // 2] = (0.1, 0.1, 0.9)
    img[h // 2:, w // 2:] = (0.5, 0.5, 0.5)
    gt = np.zeros(shape, int)
    gt[: h // 2, w // 2:] = 1
    gt[h // 2:, : w // 2] = 2
    gt[h // 2:, w // 2:] = 3
    return np.clip(img + rng.normal(0, noise, img.shape), 0, 1), gt


def permuted(labels, seed=0, start=100):
    """The same partition with its label ids renamed at random (ids start, start + 1, ...)."""
    ids = np.unique(labels)
    new = np.random.default_rng(seed).permutation(np.arange(start, start + ids.size))
    return new[np.searchsorted(ids, labels)]
