"""The training loop of the unsupervised CNN, as the papers write it.

Kanezaki (2018) and Kim, Kanezaki and Tanaka (2020) train a small CNN on the
very image they segment. Each iteration

1. runs the network: the response :math:`r' = f(x; \\theta)`, q values per pixel;
2. takes the argmax over channels as pseudo-labels,
   :math:`c_n = \\arg\\max_k r'_{n,k}` (2018: then every SLIC superpixel takes
   the label most of its pixels carry);
3. pulls the response towards those labels and, in 2020, makes neighbours
   agree:

   .. math:: L = w_{sim} L_{sim}(r', c) + \\mu L_{con}(r') \\;[+ \\nu L_{scr}(r', s)]

   (cross-entropy on the unlabelled pixels, the L1 norm of the response's
   vertical and horizontal differences, and with scribbles s the
   cross-entropy on the scribbled pixels; 2018 has :math:`\\mu = 0`);
4. takes one SGD step, and stops when the number of distinct labels falls to
   ``min_labels``.

:func:`train_loop` is that loop, and it is what :func:`segkit.segment` runs.
Its four pieces (forward, argmax, loss, and the block the loop runs in) come
from an *engine*: :data:`PAPER` computes them exactly as written above with
:class:`segkit.cnn.model.SegNet` and the plain functions of :mod:`segkit.cnn.losses`.
A faster engine for large images (the same values, reused buffers and a
hand-written gradient) lives in the private module ``segkit.cnn._fast``; a
test shows both give the same labels and history.

References
----------
.. [1] A. Kanezaki, "Unsupervised image segmentation by backpropagation",
   ICASSP 2018.
.. [2] W. Kim, A. Kanezaki and M. Tanaka, "Unsupervised learning of image
   segmentation based on differentiable feature clustering", IEEE TIP 29,
   pp. 8055-8068, 2020.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import torch

from .._validate import check_int
from .losses import SCRIBBLE_UNLABELLED, continuity_loss, feature_similarity_loss, scribble_loss

__all__ = ["train_loop", "Objective", "PaperEngine", "PAPER", "LoopResult", "superpixel_target",
           "superpixel_vote",
           "HISTORY_KEYS"]

#: Keys of the per-iteration history.
HISTORY_KEYS = ("loss", "sim_loss", "con_loss", "scr_loss", "n_labels")


@dataclass(frozen=True)
class Objective:
    """The loss of the papers: ``L = sim_weight * L_sim + mu * L_con + nu * L_scr``.

    Parameters
    ----------
    mu : float
        Weight of the continuity loss (``stepsize_con``; 0 for Kanezaki 2018).
    nu : float
        Weight of the scribble loss (``stepsize_scr``, 0.5).
    sim_weight : float
        Weight of the similarity loss (``stepsize_sim``, 1).
    scribble : (1, H, W) int64 tensor, optional
        Class ids on scribbled pixels, 255 elsewhere. With scribbles the
        similarity term covers the unlabelled pixels only.

    Examples
    --------
    >>> r = torch.randn(1, 4, 5, 6, generator=torch.Generator().manual_seed(0))
    >>> total, terms = Objective(mu=2.0)(r, r.argmax(dim=1))
    >>> bool(torch.isclose(total, terms["sim"] + 2.0 * terms["con"]))
    True
    """

    mu: float = 1.0
    nu: float = 0.5
    sim_weight: float = 1.0
    scribble: torch.Tensor | None = None

    def __call__(self, response: torch.Tensor, target: torch.Tensor):
        """Total loss (differentiable) and the unweighted terms of a (1, q, H, W) response."""
        unlabelled = None if self.scribble is None else self.scribble == SCRIBBLE_UNLABELLED
        sim = feature_similarity_loss(response, target, mask=unlabelled)   # on the unlabelled pixels
        con = continuity_loss(response)                                     # reported even when mu = 0
        scr = torch.zeros((), dtype=response.dtype, device=response.device)
        total = self.sim_weight * sim
        if self.mu > 0:                                                     # Kim 2020 (2018: mu = 0)
            total = total + self.mu * con
        if self.scribble is not None:
            scr = scribble_loss(response, self.scribble)                    # on the scribbled pixels
            total = total + self.nu * scr
        return total, {"sim": sim.detach(), "con": con.detach(), "scr": scr.detach()}


def superpixel_target(labels: torch.Tensor, segments: torch.Tensor, n_segments: int,
                      n_channels: int) -> torch.Tensor:
    """Every superpixel takes the label most of its pixels carry (Kanezaki 2018).

    The same result as :func:`segkit.superpixels.majority_vote` (ties go to the
    smallest label), on torch tensors: one ``bincount`` over (superpixel,
    label) pairs instead of a Python loop over superpixels.

    Parameters
    ----------
    labels : (N,) int64 tensor
        Argmax labels in [0, n_channels), flattened.
    segments : (N,) int64 tensor
        Superpixel ids in [0, n_segments), flattened.
    n_segments, n_channels : int

    Returns
    -------
    refined : (N,) int64 tensor

    Examples
    --------
    >>> lab = torch.tensor([0, 0, 1, 2, 1, 1])
    >>> seg = torch.tensor([0, 0, 0, 0, 1, 1])
    >>> superpixel_target(lab, seg, 2, 3)
    tensor([0, 0, 0, 0, 1, 1])
    """
    counts = torch.bincount(segments * n_channels + labels, minlength=n_segments * n_channels)
    winners = counts.view(n_segments, n_channels).argmax(dim=1)
    return winners[segments]


def superpixel_vote(labels: torch.Tensor, segments: torch.Tensor, n_channels: int) -> torch.Tensor:
    """:func:`superpixel_target` on label images: (1, H, W) labels and superpixel ids.

    Examples
    --------
    >>> superpixel_vote(torch.tensor([[[0, 0], [1, 1]]]), torch.tensor([[[0, 0], [0, 1]]]), 2)
    tensor([[[0, 0],
             [0, 1]]])
    """
    flat = segments.reshape(-1)
    return superpixel_target(labels.reshape(-1), flat, int(flat.max()) + 1, n_channels).view_as(labels)


def _calm(labels, previous, losses, tol) -> bool:
    """Fewer than ``tol`` of the pixels changed label and the loss moved by less than ``tol``."""
    if previous is None or len(losses) < 2:
        return False
    changed = float((labels != previous).float().mean())
    return changed < tol and abs(losses[-1] - losses[-2]) < tol * abs(losses[-2])


class PaperEngine:
    """The loop's pieces exactly as the papers write them (the readable engine).

    ``forward`` is ``model(x)``, ``argmax`` is ``response.argmax(dim=1)``,
    ``loss`` is the :class:`Objective` built from the plain loss functions,
    and ``running`` does nothing. The fast engine (``segkit.cnn._fast``)
    provides the same four methods.
    """

    name = "readable"

    def forward(self, model, x):
        return model(x)

    def argmax(self, response):
        return response.detach().argmax(dim=1)

    def loss(self, response, target, objective):
        return objective(response, target)

    def running(self):
        return contextlib.nullcontext()


#: The readable engine (what the lessons run).
PAPER = PaperEngine()


@dataclass
class LoopResult:
    """What :func:`train_loop` returns.

    Attributes
    ----------
    labels : (1, H, W) int64 tensor
        Argmax channel ids of the last forward pass (the one whose label
        count ended training).
    history : dict of lists
        One entry per update under :data:`HISTORY_KEYS`.
    stop_reason : str
        ``"min_labels"``, ``"max_iter"``, ``"callback"`` or ``"converged"``
        (only with ``stable_patience``).
    n_iter : int
        Updates made.
    seconds : float
        Wall time of the loop.
    stages : list of dict or None
        Set by the fast schedule (:func:`segkit.cnn.schedule.train_fast`):
        one entry per stage.
    """

    labels: torch.Tensor
    history: dict
    stop_reason: str
    n_iter: int
    seconds: float
    stages: list | None = None


def train_loop(model, optimizer, x, objective, *, segments=None, min_labels=3, max_iter=1000,
               callback=None, engine=PAPER, stable_patience=0, stable_tol=0.002) -> LoopResult:
    """Train ``model`` on one image until it has ``min_labels`` labels (the papers' loop).

    Parameters
    ----------
    model : SegNet
        Takes (1, 3, H, W), returns the response (1, q, H, W); in training mode.
    optimizer : torch.optim.Optimizer
        Over ``model.parameters()`` (SGD, lr 0.1, momentum 0.9 in the papers).
    x : (1, 3, H, W) tensor
        The image, RGB in [0, 1].
    objective : Objective
        The loss and its weights.
    segments : (1, H, W) int64 tensor, optional
        SLIC superpixel ids 0 .. K-1 (Kanezaki 2018): the argmax target is
        refined by a majority vote in each superpixel
        (:func:`superpixel_vote`).
    min_labels : int
        Stop once the argmax has this many distinct labels or fewer (counted
        before the update; the update is still made). 0 never stops.
    max_iter : int
        Most updates.
    callback : callable, optional
        ``callback(iteration, info)`` after every update, ``info`` holding the
        history's values, ``"seconds"`` and ``"labels"`` ((H, W) channel ids);
        returning True stops training.
    engine : PaperEngine or the fast engine
        Where forward, argmax and loss come from (default :data:`PAPER`).
    stable_patience : int
        0 (default, the papers): no convergence stop. Otherwise stop once,
        for this many updates in a row, fewer than ``stable_tol`` of the
        pixels changed label and the loss moved by less than ``stable_tol``
        of its value (``stop_reason="converged"``; used by the fast
        schedule, :mod:`segkit.cnn.schedule`).
    stable_tol : float
        Fraction of pixels, and relative loss change, counted as "stable".

    Returns
    -------
    result : LoopResult

    Raises
    ------
    ValueError, TypeError
        ``max_iter`` below 1 or ``min_labels`` below 0.

    Notes
    -----
    Each iteration takes the response :math:`r' = f(x; \\theta)`, the labels
    :math:`c_n = \\arg\\max_k r'_{n,k}` (with ``segments``, each superpixel's
    majority label), and one SGD step on

    .. math:: L = w_{sim} \\frac{1}{|U|} \\sum_{n \\in U} -\\log \\operatorname{softmax}(r'_n)_{c_n}
              + \\mu \\big( \\overline{|r'_{y+1,x} - r'_{y,x}|} + \\overline{|r'_{y,x+1} - r'_{y,x}|} \\big)
              + \\nu \\frac{1}{|S|} \\sum_{n \\in S} -\\log \\operatorname{softmax}(r'_n)_{s_n}

    with U the unlabelled pixels (all of them without scribbles) and S the
    scribbled ones; Kanezaki (2018) has :math:`\\mu = 0` and no scribbles.

    References
    ----------
    .. [1] A. Kanezaki, "Unsupervised image segmentation by backpropagation",
       ICASSP 2018.
    .. [2] W. Kim, A. Kanezaki and M. Tanaka, "Unsupervised learning of image
       segmentation based on differentiable feature clustering", IEEE TIP 29,
       pp. 8055-8068, 2020.

    Examples
    --------
    >>> from segkit.cnn.model import SegNet
    >>> net = SegNet(3, n_channels=6)
    >>> sgd = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    >>> out = train_loop(net, sgd, torch.rand(1, 3, 10, 12), Objective(mu=1.0), max_iter=4)
    >>> out.n_iter <= 4, len(out.history["loss"]) == out.n_iter, out.labels.shape
    (True, True, torch.Size([1, 10, 12]))
    """
    max_iter = check_int(max_iter, "max_iter", min_value=1)
    min_labels = check_int(min_labels, "min_labels", min_value=0)
    stable_patience = check_int(stable_patience, "stable_patience", min_value=0)
    history = {key: [] for key in HISTORY_KEYS}
    stop_reason, t0 = "max_iter", time.perf_counter()
    previous, calm = None, 0                                    # for the convergence stop
    with engine.running():
        for iteration in range(max_iter):
            optimizer.zero_grad()
            response = engine.forward(model, x)                 # r' = f(x), (1, q, H, W)
            labels = engine.argmax(response)                    # c_n = argmax_k r'_{n,k}, (1, H, W)
            target = labels
            if segments is not None:                            # 2018: majority vote per superpixel
                target = superpixel_vote(labels, segments, response.shape[1])
            loss, terms = engine.loss(response, target, objective)  # w_sim L_sim + mu L_con + nu L_scr
            loss.backward()
            optimizer.step()

            n_labels = int(torch.unique(labels).numel())
            row = {"loss": loss.item(), "sim_loss": terms["sim"].item(), "con_loss": terms["con"].item(),
                   "scr_loss": terms["scr"].item(), "n_labels": n_labels}
            for key, value in row.items():
                history[key].append(value)
            if callback is not None:
                info = dict(row, seconds=time.perf_counter() - t0, labels=labels[0].cpu().numpy())
                if callback(iteration, info) is True:
                    stop_reason = "callback"
                    break
            if n_labels <= min_labels:
                stop_reason = "min_labels"
                break
            if stable_patience:                                 # labels and loss no longer moving
                calm = calm + 1 if _calm(labels, previous, history["loss"], stable_tol) else 0
                previous = labels
                if calm >= stable_patience:
                    stop_reason = "converged"
                    break
    return LoopResult(labels=labels, history=history, stop_reason=stop_reason, n_iter=iteration + 1,
                      seconds=time.perf_counter() - t0)
