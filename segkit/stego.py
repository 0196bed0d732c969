"""STEGO-style segmentation: distil a frozen backbone's feature correspondences into clusters.

STEGO (Hamilton et al., ICLR 2022) starts from an observation: the dense
features of a self-supervised backbone already *correlate* semantically, so
pixels of the same kind of thing have similar features, in one image and
across images. It trains only a small head on top of the frozen backbone,
so that the head's codes correlate where the features correlate, and then
clusters the codes.

For two images with features ``f`` (C, H, W) and ``g`` (C, I, J):

* feature correlation (cosine), spatially centred over the second image::

      F[h, w, i, j] = <f[:, h, w], g[:, i, j]> / (|f[:, h, w]| |g[:, i, j]|)
      F[h, w, i, j] -= mean over (i', j') of F[h, w, i', j']

* code correlation ``S`` is the same cosine for the head's codes (no centring);
* the loss per pair of positions is ``-clamp(S, 0) * (F - b)``: where the
  features agree more than the shift ``b`` the codes are pulled together
  (attract), where they agree less they are pushed apart (repel; clamping S at
  0 stops pushing once the codes are orthogonal).

Three pairings are summed, each with its weight λ and shift b: an image with
itself, with one of its k nearest neighbours (by globally pooled features),
and with random other images. Codes come from :class:`StegoHead` (a linear 1x1
convolution plus a 1x1-ReLU-1x1 branch); segments from :func:`cosine_kmeans`
over the codes of all images together (clusters shared across the corpus, as
in STEGO), scored per image by Hungarian matching (:func:`evaluate_segmentations`).

Defaults
--------
λ and b default to the STEGO authors' configuration for CocoStuff-27 with
DINO ViT-S (``train_config.yml`` of the reference repository,
"Cocostuff27 vit small 1/31/22"): λ_self 0.67, λ_knn 0.25, λ_rand 0.63,
b_self 0.08, b_knn 0.02, b_rand 0.66; with 11 x 11 sampled positions per image,
7 nearest neighbours, 5 random images per step, a 70-dimensional code, Adam
at learning rate 5e-4 and feature dropout 0.1. Centring follows the paper's
formula (the reference code also adds back the tensor's global mean, which
shifts every b by that mean; ``centre=True`` here does not).

References
----------
.. [1] M. Hamilton, Z. Zhang, B. Hariharan, N. Snavely and W. T. Freeman,
   "Unsupervised semantic segmentation by distilling feature correspondences",
   ICLR 2022.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ._threads import with_fitted_threads
from ._validate import check_float, check_int, describe

__all__ = [
    "STEGO_DEFAULTS",
    "feature_correlation",
    "code_correlation",
    "point_correlation",
    "correlation_loss",
    "stego_loss",
    "StegoHead",
    "nearest_neighbours",
    "train_stego",
    "StegoResult",
    "compute_codes",
    "cosine_kmeans",
    "cluster_maps",
    "evaluate_segmentations",
]

#: λ (weight) and b (shift) of the three terms: the STEGO reference
#: configuration for CocoStuff-27 with DINO ViT-S.
STEGO_DEFAULTS = {
    "lambda_self": 0.67,
    "lambda_knn": 0.25,
    "lambda_random": 0.63,
    "b_self": 0.08,
    "b_knn": 0.02,
    "b_random": 0.66,
}


def _check_maps(x, name):
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"`{name}` must be a torch tensor of shape (B, C, ...); got {describe(x)}")
    if x.ndim < 3:
        raise ValueError(
            f"`{name}` must have shape (B, C, H, W) or (B, C, N) (batch, channels, positions); "
            f"got shape {tuple(x.shape)}"
        )
    return x


def _cosine(a, b, name_a, name_b):
    _check_maps(a, name_a)
    _check_maps(b, name_b)
    if a.shape[:2] != b.shape[:2]:
        raise ValueError(
            f"`{name_a}` and `{name_b}` must have the same batch size and channels; "
            f"got shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    a2 = F.normalize(a.flatten(2), dim=1, eps=1e-10)
    b2 = F.normalize(b.flatten(2), dim=1, eps=1e-10)
    corr = torch.einsum("bcn,bcm->bnm", a2, b2)
    return corr.reshape(a.shape[:1] + a.shape[2:] + b.shape[2:])


def feature_correlation(f1: torch.Tensor, f2: torch.Tensor, *, centre: bool = True) -> torch.Tensor:
    """Cosine correlation F between every position of ``f1`` and every position of ``f2``.

    Parameters
    ----------
    f1 : (B, C, H, W) or (B, C, N) tensor
        Features of the first images.
    f2 : (B, C, I, J) or (B, C, M) tensor
        Features of the second images (may be ``f1`` itself).
    centre : bool
        Subtract, for each position of the first image, the mean of its
        correlations over all positions of the second image (STEGO's spatial
        centring): then F > 0 means "more similar than average".

    Returns
    -------
    F : (B, H, W, I, J) or (B, N, M) tensor
        Values in [-1, 1] before centring.

    Raises
    ------
    ValueError
        Fewer than 3 dimensions, or different batch size / channels.

    Examples
    --------
    >>> f = torch.tensor([[[1.0, 0.0, 1.0]], [[0.0, 1.0, 0.0]]]).permute(1, 0, 2)  # (1, 2, 3)
    >>> feature_correlation(f, f, centre=False)[0]
    tensor([[1., 0., 1.],
            [0., 1., 0.],
            [1., 0., 1.]])
    """
    corr = _cosine(f1, f2, "f1", "f2")
    if centre:
        n_second = f2.ndim - 2
        dims = tuple(range(corr.ndim - n_second, corr.ndim))
        corr = corr - corr.mean(dim=dims, keepdim=True)
    return corr


def point_correlation(query: torch.Tensor, target: torch.Tensor, row: int, col: int, *,
                      centre: bool = True) -> torch.Tensor:
    """The correspondence map of one query position: F[row, col, :, :].

    Parameters
    ----------
    query : (C, H, W) tensor
        Features of the image holding the query point.
    target : (C, I, J) tensor
        Features of the image to look in (may be ``query``).
    row, col : int
        The query position on the query's feature grid.
    centre : bool
        Subtract the map's mean (STEGO's spatial centring).

    Returns
    -------
    heat : (I, J) tensor
        Cosine similarity of the query feature with every target position.

    Raises
    ------
    ValueError
        A position outside the grid, or maps that are not (C, H, W).

    Examples
    --------
    >>> f = torch.zeros(2, 2, 3); f[0, :, 0] = 1; f[1, :, 1:] = 1
    >>> point_correlation(f, f, 0, 0, centre=False)
    tensor([[1., 0., 0.],
            [1., 0., 0.]])
    """
    for t, name in ((query, "query"), (target, "target")):
        if not isinstance(t, torch.Tensor) or t.ndim != 3:
            got = tuple(t.shape) if isinstance(t, torch.Tensor) else describe(t)
            raise ValueError(f"`{name}` must be a (C, H, W) tensor; got {got}")
    row = check_int(row, "row", min_value=0, max_value=query.shape[1] - 1)
    col = check_int(col, "col", min_value=0, max_value=query.shape[2] - 1)
    vec = query[:, row, col][None, :, None]  # (1, C, 1)
    return feature_correlation(vec, target[None], centre=centre)[0, 0]


def code_correlation(c1: torch.Tensor, c2: torch.Tensor) -> torch.Tensor:
    """Cosine correlation S between the codes of every pair of positions (not centred).

    Same shapes as :func:`feature_correlation`.

    >>> c = torch.ones(1, 4, 2, 2)
    >>> code_correlation(c, c).shape
    torch.Size([1, 2, 2, 2, 2])
    """
    return _cosine(c1, c2, "c1", "c2")


def correlation_loss(f1, f2, c1, c2, *, b: float, centre: bool = True) -> torch.Tensor:
    """STEGO's loss for one pairing, averaged over all pairs of positions.

    ``mean( -clamp(S, 0) * (F - b) )`` with F from :func:`feature_correlation`
    (no gradient: the backbone is frozen) and S from :func:`code_correlation`.

    Parameters
    ----------
    f1, f2 : (B, C, ...) tensors
        Backbone features of the two sides.
    c1, c2 : (B, D, ...) tensors
        Codes of the same positions.
    b : float
        The shift: pairs with F > b attract, pairs with F < b repel.
    centre : bool
        Passed to :func:`feature_correlation`.

    Returns
    -------
    loss : scalar tensor

    Raises
    ------
    ValueError
        If the spatial shapes of features and codes differ.

    Examples
    --------
    >>> f = torch.randn(1, 5, 3, 3)
    >>> round(float(correlation_loss(f, f, f, f, b=0.0, centre=False)), 4) < 0
    True
    """
    b = check_float(b, "b")
    if tuple(f1.shape[2:]) != tuple(c1.shape[2:]) or tuple(f2.shape[2:]) != tuple(c2.shape[2:]):
        raise ValueError(
            "features and codes must cover the same positions: got `f1` "
            f"{tuple(f1.shape)}, `c1` {tuple(c1.shape)}, `f2` {tuple(f2.shape)}, `c2` {tuple(c2.shape)}"
        )
    with torch.no_grad():
        fd = feature_correlation(f1, f2, centre=centre)
    cd = code_correlation(c1, c2)
    return (-cd.clamp(min=0.0) * (fd - b)).mean()


def stego_loss(feats, codes, feats_knn, codes_knn, feats_random, codes_random, *,
               lambda_self=STEGO_DEFAULTS["lambda_self"], lambda_knn=STEGO_DEFAULTS["lambda_knn"],
               lambda_random=STEGO_DEFAULTS["lambda_random"], b_self=STEGO_DEFAULTS["b_self"],
               b_knn=STEGO_DEFAULTS["b_knn"], b_random=STEGO_DEFAULTS["b_random"],
               centre: bool = True) -> dict:
    """The three-term STEGO loss.

    ``λ_self L(x, x; b_self) + λ_knn L(x, knn(x); b_knn) + λ_rand L(x, random; b_rand)``
    with ``L`` from :func:`correlation_loss`.

    Parameters
    ----------
    feats, codes : (B, C, ...) and (B, D, ...) tensors
        The images of the batch.
    feats_knn, codes_knn : tensors
        For each image, a nearest-neighbour image (same batch size).
    feats_random, codes_random : tensors or sequences of tensors
        One or more sets of random other images (each of batch size B).
    lambda_self, lambda_knn, lambda_random, b_self, b_knn, b_random : float
        Weights and shifts; defaults in :data:`STEGO_DEFAULTS`.
    centre : bool

    Returns
    -------
    dict
        ``loss`` (the weighted sum, a scalar tensor with gradient) and the
        unweighted terms ``loss_self``, ``loss_knn``, ``loss_random`` (floats).
    """
    lambdas = [check_float(v, n, min_value=0) for v, n in
               ((lambda_self, "lambda_self"), (lambda_knn, "lambda_knn"), (lambda_random, "lambda_random"))]
    if isinstance(feats_random, torch.Tensor):
        feats_random, codes_random = [feats_random], [codes_random]
    if len(feats_random) != len(codes_random) or not len(feats_random):
        raise ValueError("`feats_random` and `codes_random` must hold the same number (at least 1) of tensors")
    l_self = correlation_loss(feats, feats, codes, codes, b=b_self, centre=centre)
    l_knn = correlation_loss(feats, feats_knn, codes, codes_knn, b=b_knn, centre=centre)
    l_rand = torch.stack([correlation_loss(feats, fr, codes, cr, b=b_random, centre=centre)
                          for fr, cr in zip(feats_random, codes_random)]).mean()
    total = lambdas[0] * l_self + lambdas[1] * l_knn + lambdas[2] * l_rand
    return {"loss": total, "loss_self": float(l_self.detach()), "loss_knn": float(l_knn.detach()),
            "loss_random": float(l_rand.detach())}


class StegoHead(nn.Module):
    """STEGO's segmentation head: codes = linear(x) + MLP(x), both 1x1.

    ``code = W1 x + W3 relu(W2 x)`` at every position, with 1x1 convolutions
    (C -> D, and C -> C -> D); dropout on the input features during training.

    Parameters
    ----------
    in_channels : int
        C, the backbone's channels.
    code_dim : int
        D (STEGO's ``dim``, 70 by default).
    dropout : float
        Probability of zeroing a whole feature channel (``Dropout2d``) in
        training mode; STEGO uses 0.1.

    Examples
    --------
    >>> head = StegoHead(40, code_dim=8)
    >>> head(torch.zeros(2, 40, 5, 7)).shape
    torch.Size([2, 8, 5, 7])
    """

    def __init__(self, in_channels: int, code_dim: int = 70, *, dropout: float = 0.1):
        super().__init__()
        in_channels = check_int(in_channels, "in_channels", min_value=1)
        code_dim = check_int(code_dim, "code_dim", min_value=1)
        dropout = check_float(dropout, "dropout", min_value=0.0, max_value=1.0, max_inclusive=False)
        self.in_channels, self.code_dim = in_channels, code_dim
        self.dropout = nn.Dropout2d(dropout)
        self.linear = nn.Conv2d(in_channels, code_dim, kernel_size=1)
        self.nonlinear = nn.Sequential(
            nn.Conv2d(in_channels, in_channels, kernel_size=1),
            nn.ReLU(),
            nn.Conv2d(in_channels, code_dim, kernel_size=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) features -> (B, D, H, W) codes.

        Also accepts (B, C, N) features at N sampled positions (-> (B, D, N)),
        computed with the same weights as matrix products, which is much
        faster than 1x1 convolutions on thin tensors.
        """
        if not isinstance(x, torch.Tensor) or x.ndim not in (3, 4) or x.shape[1] != self.in_channels:
            got = tuple(x.shape) if isinstance(x, torch.Tensor) else describe(x)
            raise ValueError(f"`x` must have shape (B, {self.in_channels}, H, W) or (B, {self.in_channels}, N); "
                             f"got {got}")
        if x.ndim == 4:
            x = self.dropout(x)
            return self.linear(x) + self.nonlinear(x)
        if self.training and self.dropout.p > 0:  # Dropout2d semantics: whole channels per image
            keep = torch.bernoulli(torch.full(x.shape[:2] + (1,), 1.0 - self.dropout.p, device=x.device))
            x = x * keep / (1.0 - self.dropout.p)
        conv1, _, conv2 = self.nonlinear
        xt = x.transpose(1, 2)  # (B, N, C)
        hidden = F.relu(F.linear(xt, conv1.weight[:, :, 0, 0], conv1.bias))
        out = F.linear(xt, self.linear.weight[:, :, 0, 0], self.linear.bias) + \
            F.linear(hidden, conv2.weight[:, :, 0, 0], conv2.bias)
        return out.transpose(1, 2)


def _check_feature_list(features, name="features"):
    if isinstance(features, torch.Tensor) and features.ndim == 4:
        features = list(features)
    if not isinstance(features, (list, tuple)) or not features:
        raise TypeError(f"`{name}` must be a non-empty list of (C, h, w) tensors; got {describe(features)}")
    out = []
    for i, f in enumerate(features):
        if not isinstance(f, torch.Tensor) or f.ndim != 3:
            got = tuple(f.shape) if isinstance(f, torch.Tensor) else describe(f)
            raise ValueError(f"`{name}[{i}]` must be a (C, h, w) tensor; got {got}")
        if f.shape[0] != features[0].shape[0]:
            raise ValueError(
                f"`{name}` must all have the same number of channels; got {features[0].shape[0]} and "
                f"{f.shape[0]} (item {i})"
            )
        out.append(f.detach().float())
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
    history : list of dict
        One dict per step: ``loss``, ``loss_self``, ``loss_knn``, ``loss_random``.
    neighbours : (N, k) ndarray
        The nearest-neighbour table used.
    params : dict
        The hyper-parameters of the run.
    """

    head: StegoHead
    history: list = field(default_factory=list)
    neighbours: np.ndarray = None
    params: dict = field(default_factory=dict)


@with_fitted_threads
def train_stego(features, *, code_dim: int = 70, n_steps: int = 300, batch_size: int = 8,
                n_points: int = 121, n_neighbours: int = 7, n_random: int = 5, lr: float = 5e-4,
                dropout: float = 0.1, lambda_self=STEGO_DEFAULTS["lambda_self"],
                lambda_knn=STEGO_DEFAULTS["lambda_knn"], lambda_random=STEGO_DEFAULTS["lambda_random"],
                b_self=STEGO_DEFAULTS["b_self"], b_knn=STEGO_DEFAULTS["b_knn"],
                b_random=STEGO_DEFAULTS["b_random"], centre: bool = True, seed: int = 0,
                callback=None, head: StegoHead | None = None) -> StegoResult:
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
    callback : callable, optional
        ``callback(step, info)`` after every step, ``info`` the step's history dict.
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
    >>> len(res.history), res.head.code_dim
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
    if callback is not None and not callable(callback):
        raise TypeError(f"`callback` must be callable; got {describe(callback)}")
    neighbours = nearest_neighbours(features, k=n_neighbours)
    n_images = len(features)
    channels = features[0].shape[0]

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if head is None:
            head = StegoHead(channels, code_dim, dropout=dropout)
        elif not isinstance(head, StegoHead) or head.in_channels != channels:
            raise ValueError(f"`head` must be a StegoHead with in_channels={channels}; got {describe(head)}")
        gen = torch.Generator().manual_seed(seed)
        opt = torch.optim.Adam(head.parameters(), lr=lr)
        history = []
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
            history.append(info)
            if callback is not None:
                callback(step, info)
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


@with_fitted_threads
def cosine_kmeans(x: torch.Tensor, k: int, *, n_iter: int = 50, n_init: int = 3, seed: int = 0):
    """k-means on the unit sphere: assign by largest cosine, centres = normalised means.

    Initialised with k-means++ on the cosine distance ``1 - cos``; the best of
    ``n_init`` runs (highest total cosine to the assigned centres) is kept.

    Parameters
    ----------
    x : (N, D) tensor
        Vectors (normalised inside; zero vectors get an arbitrary direction).
    k : int
        Number of clusters, at most N.
    n_iter, n_init : int
    seed : int

    Returns
    -------
    centres : (k, D) tensor
        Unit vectors.
    labels : (N,) tensor of int64

    Raises
    ------
    ValueError
        If ``x`` is not 2-D or ``k`` is out of range.

    Examples
    --------
    >>> x = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    >>> _, labels = cosine_kmeans(x, 2)
    >>> bool(labels[0] == labels[1]), bool(labels[0] != labels[2])
    (True, True)
    """
    if not isinstance(x, torch.Tensor) or x.ndim != 2:
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else describe(x)
        raise ValueError(f"`x` must be an (N, D) tensor; got {got}")
    k = check_int(k, "k", min_value=1, max_value=x.shape[0])
    n_iter = check_int(n_iter, "n_iter", min_value=1)
    n_init = check_int(n_init, "n_init", min_value=1)
    seed = check_int(seed, "seed", min_value=0)
    x = F.normalize(x.detach().float(), dim=1, eps=1e-10)
    gen = torch.Generator().manual_seed(seed)
    best = None
    for _ in range(n_init):
        # k-means++ seeding
        centres = [x[torch.randint(x.shape[0], (1,), generator=gen)].squeeze(0)]
        dist = (1.0 - x @ centres[0]).clamp_min(0)
        for _ in range(1, k):
            total = float(dist.sum())
            if total <= 0:
                j = torch.randint(x.shape[0], (1,), generator=gen)
            else:
                j = torch.multinomial(dist / total, 1, generator=gen)
            centres.append(x[j].squeeze(0))
            dist = torch.minimum(dist, (1.0 - x @ centres[-1]).clamp_min(0))
        centres = torch.stack(centres)
        labels = None
        for _ in range(n_iter):
            new_labels = (x @ centres.T).argmax(dim=1)
            if labels is not None and torch.equal(new_labels, labels):
                break
            labels = new_labels
            sums = torch.zeros_like(centres).index_add_(0, labels, x)
            empty = sums.norm(dim=1) == 0
            sums[empty] = centres[empty]  # an empty cluster keeps its centre
            centres = F.normalize(sums, dim=1, eps=1e-10)
        labels = (x @ centres.T).argmax(dim=1)
        score = float((x * centres[labels]).sum())
        if best is None or score > best[0]:
            best = (score, centres, labels)
    return best[1], best[2]


@with_fitted_threads
def cluster_maps(maps, k: int, *, shapes=None, seed: int = 0, n_iter: int = 50, n_init: int = 3,
                 max_fit_points: int = 50_000) -> list:
    """Cluster codes (or raw features) of several images into ``k`` shared clusters.

    Cosine k-means is fitted on the positions of all images together (at most
    ``max_fit_points`` of them, drawn at random), so a cluster means the same
    thing in every image, as in STEGO. Each map is then upsampled bilinearly to
    its image size and every pixel takes its most similar centre.

    Parameters
    ----------
    maps : list of (D, h, w) tensors
    k : int
    shapes : list of (H, W), optional
        Output size per image (default: the maps' own grids).
    seed, n_iter, n_init : int
        Passed to :func:`cosine_kmeans` (``seed`` also draws the fitting subset).
    max_fit_points : int

    Returns
    -------
    labels : list of (H, W) ndarray of int32

    Examples
    --------
    >>> m = torch.zeros(2, 4, 4); m[0, :, :2] = 1; m[1, :, 2:] = 1
    >>> cluster_maps([m], 2, shapes=[(8, 8)])[0][0].tolist()
    [0, 0, 0, 0, 1, 1, 1, 1]
    """
    maps = _check_feature_list(maps, "maps")
    if shapes is None:
        shapes = [tuple(m.shape[1:]) for m in maps]
    if len(shapes) != len(maps):
        raise ValueError(f"`shapes` must give one (H, W) per map: got {len(shapes)} for {len(maps)} maps")
    max_fit_points = check_int(max_fit_points, "max_fit_points", min_value=1)
    seed = check_int(seed, "seed", min_value=0)
    x = torch.cat([m.flatten(1).T for m in maps])
    if x.shape[0] > max_fit_points:
        sel = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(seed))[:max_fit_points]
        x = x[sel]
    centres, _ = cosine_kmeans(x, k, n_iter=n_iter, n_init=n_init, seed=seed)
    labels = []
    for m, shape in zip(maps, shapes):
        up = F.interpolate(m[None], size=tuple(int(s) for s in shape), mode="bilinear", align_corners=False)[0]
        up = F.normalize(up, dim=0, eps=1e-10)
        sim = torch.einsum("dhw,kd->khw", up, centres)
        labels.append(sim.argmax(dim=0).numpy().astype(np.int32))
    # relabel in order of first appearance, for stable colours
    return _relabel_by_first_appearance(labels)


def _relabel_by_first_appearance(labels):
    order = []
    for lab in labels:
        _, first = np.unique(lab.ravel(), return_index=True)
        for v in lab.ravel()[np.sort(first)]:
            if v not in order:
                order.append(int(v))
    lut = np.zeros(max(order) + 1, dtype=np.int32)
    lut[order] = np.arange(len(order), dtype=np.int32)
    return [lut[lab] for lab in labels]


def evaluate_segmentations(predictions, ground_truths) -> dict:
    """Hungarian-matched mIoU and pixel accuracy, per image and averaged.

    Each prediction is matched one-to-one to each human annotation of its
    image (:func:`segkit.metrics.hungarian_miou`,
    :func:`segkit.metrics.pixel_accuracy`); an image's score is the mean over
    its annotators, the reported score the mean over images.

    Parameters
    ----------
    predictions : list of (H, W) int arrays
    ground_truths : list of lists of (H, W) int arrays
        One list of annotations per image (a single array is accepted too).

    Returns
    -------
    dict
        ``miou``, ``accuracy`` (floats) and ``per_image`` (list of dicts).

    Raises
    ------
    ValueError
        If the two lists differ in length.

    Examples
    --------
    >>> p = np.array([[0, 0, 1, 1]] * 2)
    >>> evaluate_segmentations([p], [[p, 1 - p]])["miou"]
    1.0
    """
    from .metrics import hungarian_scores

    if len(predictions) != len(ground_truths):
        raise ValueError(
            f"`predictions` and `ground_truths` must have the same length; got {len(predictions)} "
            f"and {len(ground_truths)}"
        )
    per_image = []
    for pred, gts in zip(predictions, ground_truths):
        if isinstance(gts, np.ndarray):
            gts = [gts]
        scores = [hungarian_scores(pred, gt) for gt in gts]
        per_image.append({"miou": float(np.mean([s["miou"] for s in scores])),
                          "accuracy": float(np.mean([s["accuracy"] for s in scores]))})
    return {"miou": float(np.mean([s["miou"] for s in per_image])),
            "accuracy": float(np.mean([s["accuracy"] for s in per_image])),
            "per_image": per_image}
