"""Checks for the exercises of lesson 08 (STEGO's feature correspondence).

* :func:`check_feature_correlation` - the cosine correlation F of two feature
  maps, centred over the second image;
* :func:`check_correlation_loss` - STEGO's loss for one pairing,
  ``mean(-(F - b) * max(S, 0))``: its sign and its shift b.

The student writes numpy; each check compares with segkit's tested torch
code (:func:`segkit.stego.correlation.feature_correlation`,
:func:`segkit.stego.loss.correlation_loss`) on cases the student does not see.
"""

from __future__ import annotations

import numpy as np

from ._feedback import (Feedback, StudentError, call_student, is_placeholder, not_attempted, right,
                        student_number, wrong)

__all__ = ["check_feature_correlation", "check_correlation_loss"]


def _maps(seed, c, h, w, i, j):
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(c, h, w)) * rng.uniform(0.5, 3.0, size=(1, h, w)) + 0.3   # norms differ by position
    g = rng.normal(size=(c, i, j)) * rng.uniform(0.5, 3.0, size=(1, i, j)) + 0.3
    return f, g


def _torch_correlation(f, g, *, centre):
    import torch  # the reference is segkit's torch code

    from ..stego.correlation import feature_correlation

    return feature_correlation(torch.from_numpy(f)[None], torch.from_numpy(g)[None], centre=centre)[0].numpy()


def check_feature_correlation(fn) -> Feedback:
    """Check ``fn(f, g) -> (H, W, I, J)``: cosine similarity of every pair of positions, centred over g.

    ``F[h, w, i, j] = <f[:, h, w], g[:, i, j]> / (|f[:, h, w]| |g[:, i, j]|)``,
    then, for each (h, w), the mean over (i, j) is subtracted.

    Examples
    --------
    >>> check_feature_correlation(lambda f, g: None).status
    'not attempted'
    """
    for seed, dims in ((7, (6, 3, 4, 2, 5)), (8, (4, 5, 2, 3, 3)), (9, (9, 2, 2, 4, 1))):
        f, g = _maps(seed, *dims)
        c, h, w, i, j = dims
        try:
            value = call_student(fn, f.copy(), g.copy(), name="feature_correlation")
        except StudentError as err:
            return wrong(f"{err}. The features are f: (C, H, W) = {f.shape} and g: (C, I, J) = {g.shape}.")
        if is_placeholder(value):
            return not_attempted("Write the body of feature_correlation (it still returns None)")
        got = np.asarray(value, dtype=float)
        want = _torch_correlation(f, g, centre=True)
        where = f"for hidden features f {f.shape} and g {g.shape}"
        if got.shape != want.shape:
            hint = " (the transpose of F?)" if got.shape == (i, j, h, w) else ""
            return wrong(f"{where} your F has shape {got.shape}{hint}; it should be (H, W, I, J) = {want.shape}: "
                         "one value for every position (h, w) of f and every position (i, j) of g.")
        if np.allclose(got, want, atol=1e-6):
            continue
        cos = _torch_correlation(f, g, centre=False)
        dot = np.einsum("chw,cij->hwij", f, g)
        if np.allclose(got, cos, atol=1e-6):
            return wrong(f"{where} your F is the plain cosine: it is not centred. Subtract, for each (h, w), the mean "
                         "of F[h, w] over all positions (i, j) of the second image, so F > 0 means 'more similar "
                         "than average'.")
        if np.allclose(got, dot - dot.mean(axis=(2, 3), keepdims=True), atol=1e-6) or np.allclose(got, dot, atol=1e-6):
            return wrong(f"{where} your F uses the dot product without dividing by the norms: a feature with a "
                         "large norm then looks similar to everything. Divide by |f[:, h, w]| |g[:, i, j]| "
                         "(the cosine lies in [-1, 1]).")
        if np.allclose(got, cos - cos.mean(axis=(0, 1), keepdims=True), atol=1e-6):
            return wrong(f"{where} you centred over the first image's positions (h, w). STEGO centres over the "
                         "second image: subtract the mean over (i, j), for each (h, w).")
        if np.allclose(got, cos - cos.mean(), atol=1e-6):
            return wrong(f"{where} you subtracted one global mean. Centre each query position separately: "
                         "F[h, w] - F[h, w].mean() over (i, j).")
        fn_ = f / np.linalg.norm(f, axis=(1, 2), keepdims=True)
        gn_ = g / np.linalg.norm(g, axis=(1, 2), keepdims=True)
        wrong_axis = np.einsum("chw,cij->hwij", fn_, gn_)
        if np.allclose(got, wrong_axis - wrong_axis.mean(axis=(2, 3), keepdims=True), atol=1e-6):
            return wrong(f"{where} you normalised each channel over the image. Normalise each position's "
                         "feature vector over the channels (axis 0).")
        return wrong(f"{where} your F differs from STEGO's by up to {np.abs(got - want).max():.3f} "
                     f"(F[0, 0, 0, 0] = {got.flat[0]:.4f}, it should be {want.flat[0]:.4f}). Normalise each "
                     "feature vector over the channels, take all dot products, then centre over (i, j).")
    return right("your F matches STEGO's feature correlation (segkit.stego.feature_correlation) on hidden maps: "
                 "cosine over channels, centred over the second image.")


def _loss_cases():
    """(F, S, b, reference loss) from random features and codes, through segkit's torch functions."""
    import torch

    from ..stego.correlation import code_correlation, feature_correlation
    from ..stego.loss import correlation_loss

    out = []
    for seed, b in ((11, 0.08), (12, 0.66), (13, -0.1)):
        g = torch.Generator().manual_seed(seed)
        f1, f2 = torch.randn(1, 8, 3, 4, generator=g, dtype=torch.float64), torch.randn(1, 8, 2, 5, generator=g,
                                                                                      dtype=torch.float64)
        c1, c2 = torch.randn(1, 5, 3, 4, generator=g, dtype=torch.float64), torch.randn(1, 5, 2, 5, generator=g,
                                                                                     dtype=torch.float64)
        F = feature_correlation(f1, f2)[0].numpy()
        S = code_correlation(c1, c2)[0].numpy()
        out.append((F, S, b, float(correlation_loss(f1, f2, c1, c2, b=b))))
    return out


def check_correlation_loss(fn) -> Feedback:
    """Check ``fn(F, S, b) -> float``: ``mean(-(F - b) * max(S, 0))`` over all pairs of positions.

    Examples
    --------
    >>> check_correlation_loss(lambda F, S, b: None).status
    'not attempted'
    """
    for F, S, b, want in _loss_cases():
        got = student_number(fn, F.copy(), S.copy(), b, name="correlation_loss",
                             what="one number (the mean over all pairs)")
        if isinstance(got, Feedback):
            return got
        if np.isclose(got, want, rtol=1e-7, atol=1e-12):
            continue
        where = f"with b = {b} on hidden F and S of shape {F.shape} your loss is {got:.5f}; it should be {want:.5f}"
        sp = np.maximum(S, 0)
        variants = [
            (-want, "the sign is flipped: minimising your loss would push apart the codes of pairs whose features "
                    "agree (F > b). The loss is -(F - b) * max(S, 0), so lowering it raises S where F > b."),
            (np.mean(-(F + b) * sp), "the shift is added: it is F - b, so that pairs with F above b attract and "
                                     "pairs below b repel."),
            (np.mean(-(F - b) * S), "S is not clamped: with max(S, 0) the loss stops pushing once two codes are "
                                    "orthogonal (S = 0); without it, repelled pairs are driven to S = -1."),
            (np.mean(-np.maximum(F - b, 0) * sp), "you clamped F - b at 0, so no pair ever repels. Clamp S, "
                                                  "not F - b."),
            (np.mean(-(F - b) * np.maximum(S - b, 0)),
             "the shift b belongs to F only: max(S, 0), not max(S - b, 0)."),
            (np.mean(-F * sp), "b is missing: without the shift every pair with F > 0 attracts."),
            (np.sum(-(F - b) * sp), "that is the sum over all pairs; STEGO averages over the H W I J pairs."),
        ]
        for value_, message in variants:
            if np.isclose(got, value_, rtol=1e-7, atol=1e-12):
                return wrong(f"{where}: {message}")
        return wrong(f"{where}. Compute -(F - b) * max(S, 0) for every pair of positions, then the mean.")
    return right("your loss matches segkit.stego.correlation_loss for b = 0.08, 0.66 and -0.1: pairs with F > b "
                 "attract, pairs below b repel, and the clamp stops pushing at orthogonal codes.")
