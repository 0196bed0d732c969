"""Training the head: nearest neighbours, the training loop, and the codes of a trained head.

Each step of :func:`train_stego` samples positions of a batch of images, of
one nearest neighbour of each (:func:`nearest_neighbours`) and of random other
images, and takes one Adam step on :func:`segkit.stego.loss.stego_loss`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch.nn import functional as F

from .._threads import with_fitted_threads
from .._training import callback_stops, check_callback, record, resolve_device, seeded
from .._validate import check_bool, check_float, check_int, check_tensor, describe
from .head import StegoHead
from .loss import STEGO_DEFAULTS, stego_loss

__all__ = ["nearest_neighbours", "StegoResult", "train_stego", "compute_codes"]


def _check_feature_list(features, name="features"):
    if isinstance(features, torch.Tensor) and features.ndim == 4:
        features = list(features)
    if not isinstance(features, (list, tuple)) or not features:
        raise TypeError(f"`{name}` must be a non-empty list of (C, h, w) tensors; got {describe(features)}")
    out = []
    for i, f in enumerate(features):
        check_tensor(f, f"{name}[{i}]", ("C", "h", "w"))
        if f.shape[0] != features[0].shape[0]:
            raise ValueError(
                f"`{name}` must all have the same number of channels; got {features[0].shape[0]} and "
                f"{f.shape[0]} (item {i})"
            )
        f = f.detach().float()
        if not bool(torch.isfinite(f).all()):
            raise ValueError(f"`{name}[{i}]` holds NaN or infinite values; features must be finite")
        out.append(f)
    return out


def nearest_neighbours(features, k: int = 7) -> np.ndarray:
    """The k nearest images of each image by cosine similarity of pooled features.

    Each image is summarised by its features averaged over all positions;
    neighbours are the most similar other images (an image is never its own
    neighbour). STEGO uses k = 7.

    Parameters
    ----------
    features : list of (C, h, w) tensors
    k : int
        At most ``len(features) - 1``.

    Returns
    -------
    neighbours : (N, k) ndarray of int
        Row i lists image i's neighbours, most similar first.

    Raises
    ------
    ValueError
        If ``k`` is out of range.

    Examples
    --------
    >>> a, b, c = torch.ones(2, 3, 3), torch.ones(2, 3, 3) * 2, -torch.ones(2, 3, 3)
    >>> nearest_neighbours([a, b, c], k=1).ravel().tolist()
    [1, 0, 0]
    """
    features = _check_feature_list(features)
    k = check_int(k, "k", min_value=1, max_value=max(1, len(features) - 1))
    if len(features) < 2:
        raise ValueError("`features` must hold at least 2 images to have neighbours")
    pooled = F.normalize(torch.stack([f.mean(dim=(1, 2)) for f in features]), dim=1)
    sim = pooled @ pooled.T
    sim.fill_diagonal_(-float("inf"))
    # stable order: ties broken by index
    order = np.argsort(-sim.numpy(), axis=1, kind="stable")
    return order[:, :k].astype(np.int64)


def _sample_positions(features, idx, n_points, gen):
    """(B, C, n_points) features at random positions of the images ``idx``."""
    out = []
    for i in idx.tolist():
        f = features[i].flatten(1)
        pos = torch.randint(f.shape[1], (n_points,), generator=gen)
        out.append(f[:, pos])
    return torch.stack(out)


@dataclass
class StegoResult:
    """What :func:`train_stego` returns.

    Attributes
    ----------
    head : StegoHead
        The trained head, in eval mode.
    history : dict of lists
        One entry per step under every key: ``loss``, ``loss_self``,
        ``loss_knn``, ``loss_random``.
    neighbours : (N, k) ndarray
        The nearest-neighbour table used.
    params : dict
        The hyper-parameters of the run.
    """

    head: StegoHead
    history: dict = field(default_factory=dict)
    neighbours: np.ndarray = None
    params: dict = field(default_factory=dict)


@with_fitted_threads
def train_stego(features, *, code_dim: int = 70, n_steps: int = 300, batch_size: int = 8,
                n_points: int = 121, n_neighbours: int = 7, n_random: int = 5, lr: float = 5e-4,
                dropout: float = 0.1, lambda_self=STEGO_DEFAULTS["lambda_self"],
                lambda_knn=STEGO_DEFAULTS["lambda_knn"], lambda_random=STEGO_DEFAULTS["lambda_random"],
                b_self=STEGO_DEFAULTS["b_self"], b_knn=STEGO_DEFAULTS["b_knn"],
                b_random=STEGO_DEFAULTS["b_random"], centre: bool = True, seed: int = 0,
                device="auto", callback=None, head: StegoHead | None = None) -> StegoResult:
    """Train a :class:`StegoHead` on cached backbone features with the STEGO loss.

    Each step draws ``batch_size`` images, ``n_points`` random positions in each
    (STEGO samples an 11 x 11 grid), one of each image's ``n_neighbours``
    nearest neighbours, and ``n_random`` random other images, and takes one
    Adam step on :func:`stego_loss`.

    Parameters
    ----------
    features : list of (C, h, w) tensors
        Cached backbone features, e.g. from :func:`segkit.backbones.image_features`;
        sizes may differ between images. At least 2 images.
    code_dim : int
        D, the code size (STEGO: 70).
    n_steps, batch_size, n_points, n_neighbours, n_random : int
    lr : float
        Adam learning rate (STEGO: 5e-4).
    dropout : float
        Feature dropout of the head.
    lambda_self, lambda_knn, lambda_random, b_self, b_knn, b_random : float
        See :data:`STEGO_DEFAULTS`.
    centre : bool
        Spatial centring of F.
    seed : int
        Seeds the head's initialisation, dropout and all sampling; the global
        torch random state is left as it was.
    device : str or torch.device
        "auto" (CUDA when available, else CPU), "cpu", "cuda", "cuda:N".
    callback : callable, optional
        ``callback(step, info)`` after every step, ``info`` the step's losses.
        A return value of ``True`` stops training.
    head : StegoHead, optional
        Continue training this head (e.g. a notebook's "train more" button)
        instead of a new one.

    Returns
    -------
    StegoResult

    Raises
    ------
    ValueError, TypeError
        For invalid arguments (messages name the argument).

    Examples
    --------
    >>> feats = [torch.randn(6, 4, 5, generator=torch.Generator().manual_seed(i)) for i in range(3)]
    >>> res = train_stego(feats, code_dim=3, n_steps=2, batch_size=2, n_points=4, n_neighbours=1,
    ...                   n_random=1)
    >>> len(res.history["loss"]), res.head.code_dim
    (2, 3)
    """
    features = _check_feature_list(features)
    if len(features) < 2:
        raise ValueError(f"`features` must hold at least 2 images; got {len(features)}")
    code_dim = check_int(code_dim, "code_dim", min_value=1)
    n_steps = check_int(n_steps, "n_steps", min_value=0)
    batch_size = check_int(batch_size, "batch_size", min_value=1)
    n_points = check_int(n_points, "n_points", min_value=1)
    n_random = check_int(n_random, "n_random", min_value=1)
    n_neighbours = check_int(n_neighbours, "n_neighbours", min_value=1, max_value=len(features) - 1)
    lr = check_float(lr, "lr", min_value=0, min_inclusive=False)
    seed = check_int(seed, "seed", min_value=0)
    weights = dict(lambda_self=lambda_self, lambda_knn=lambda_knn, lambda_random=lambda_random,
                   b_self=b_self, b_knn=b_knn, b_random=b_random)
    for key, value in weights.items():
        check_float(value, key, min_value=0 if key.startswith("lambda") else None)
    centre = check_bool(centre, "centre")
    check_callback(callback)
    dev = resolve_device(device)
    neighbours = nearest_neighbours(features, k=n_neighbours)
    n_images = len(features)
    channels = features[0].shape[0]

    features = [f.to(dev) for f in features]
    with seeded(seed):
        if head is None:
            head = StegoHead(channels, code_dim, dropout=dropout)
        elif not isinstance(head, StegoHead) or head.in_channels != channels:
            raise ValueError(f"`head` must be a StegoHead with in_channels={channels}; got {describe(head)}")
        head = head.to(dev)
        gen = torch.Generator().manual_seed(seed)
        opt = torch.optim.Adam(head.parameters(), lr=lr)
        history = {"loss": [], "loss_self": [], "loss_knn": [], "loss_random": []}
        head.train()
        for step in range(n_steps):
            idx = torch.randint(n_images, (batch_size,), generator=gen)
            pick = torch.randint(neighbours.shape[1], (batch_size,), generator=gen)
            idx_knn = torch.from_numpy(neighbours[idx.numpy(), pick.numpy()])
            f = _sample_positions(features, idx, n_points, gen)
            f_knn = _sample_positions(features, idx_knn, n_points, gen)
            f_rand = []
            for _ in range(n_random):
                # another image than the anchor (STEGO's "super permutation")
                other = (idx + torch.randint(1, n_images, (batch_size,), generator=gen)) % n_images
                f_rand.append(_sample_positions(features, other, n_points, gen))

            # one pass of the head over all sampled positions of the step
            codes = head(torch.cat([f, f_knn] + f_rand, dim=0)).split(batch_size, dim=0)
            terms = stego_loss(f, codes[0], f_knn, codes[1], f_rand, list(codes[2:]),
                               centre=centre, **weights)
            opt.zero_grad()
            terms["loss"].backward()
            opt.step()
            info = {"loss": float(terms["loss"].detach()), "loss_self": terms["loss_self"],
                    "loss_knn": terms["loss_knn"], "loss_random": terms["loss_random"]}
            record(history, info)
            if callback_stops(callback, step, info):
                break
        head.eval()
    params = dict(code_dim=code_dim, n_steps=n_steps, batch_size=batch_size, n_points=n_points,
                  n_neighbours=int(neighbours.shape[1]), n_random=n_random, lr=lr, dropout=dropout,
                  centre=centre, seed=seed, **weights)
    return StegoResult(head=head, history=history, neighbours=neighbours, params=params)


@with_fitted_threads
def compute_codes(head: StegoHead, features) -> list:
    """The head's codes for every image, without gradients (head in eval mode).

    Parameters
    ----------
    head : StegoHead
    features : list of (C, h, w) tensors

    Returns
    -------
    codes : list of (D, h, w) tensors

    >>> compute_codes(StegoHead(4, 2), [torch.zeros(4, 3, 3)])[0].shape
    torch.Size([2, 3, 3])
    """
    features = _check_feature_list(features)
    if not isinstance(head, StegoHead):
        raise TypeError(f"`head` must be a StegoHead; got {describe(head)}")
    was_training = head.training
    head.eval()
    with torch.no_grad():
        codes = [head(f[None])[0] for f in features]
    head.train(was_training)
    return codes
