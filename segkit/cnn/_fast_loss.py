"""The fast engine's loss: the training objective and its gradient, slice by slice (private).

``combined_loss`` computes ``w_sim * sim + w_con * con + w_scr * scr`` with the
same values and gradients as :func:`segkit.cnn.losses.feature_similarity_loss`,
:func:`segkit.cnn.losses.continuity_loss` and :func:`segkit.cnn.losses.scribble_loss`
(up to floating-point rounding), but over slices of a few rows at a time, so
that it allocates one full-size tensor (the gradient) instead of about ten.
At 321x481 with q = 100 each of those tensors is 59 MiB, above glibc's mmap
threshold, which makes every fresh allocation a page-faulting kernel call: a
large part of the authors' loop's time (benchmarks/RESULTS.md, section 3).
The readable loop (:mod:`segkit.cnn.train`) calls the plain functions instead;
tests/test_cnn_fast.py checks the two agree.

The target of the similarity term is a constant (the argmax carries no
gradient), exactly as in the papers.
"""

from __future__ import annotations

import torch

from .losses import SCRIBBLE_UNLABELLED, _check_mask, _check_response, _check_scribble, _check_target
from .losses import continuity_loss, feature_similarity_loss  # noqa: F401  (used in the examples)
from .._validate import check_float

__all__ = ["combined_loss", "channel_argmax"]

#: Bytes of response handled at once (well under glibc's 32 MiB mmap
#: threshold, so the temporaries reuse heap memory).
_CHUNK_BYTES = 4 * 2**20


def _row_chunks(response):
    b, c, h, w = response.shape
    rows = max(1, _CHUNK_BYTES // max(1, b * c * w * response.element_size()))
    return [(a, min(h, a + rows)) for a in range(0, h, rows)]


def channel_argmax(response: torch.Tensor) -> torch.Tensor:
    """Argmax over channels of a (B, C, H, W) tensor, slice by slice: (B, H, W) int64.

    The same labels as ``response.argmax(dim=1)`` (ties to the first channel),
    several times faster on CPU for a large C x H x W (a reduction over the
    strided channel axis is slow in one piece) and with no full-size
    temporary. No gradient.

    Examples
    --------
    >>> r = torch.tensor([[[[0.0, 2.0]], [[1.0, 2.0]]]])
    >>> channel_argmax(r)
    tensor([[[1, 0]]])
    """
    _check_response(response)
    r = response.detach()
    b, _, h, w = r.shape
    out = torch.empty((b, h, w), dtype=torch.long, device=r.device)
    for a, e in _row_chunks(r):
        out[:, a:e] = r[:, :, a:e].max(dim=1).indices
    return out


class _CombinedLoss(torch.autograd.Function):
    """Forward and backward of w_sim*sim + w_con*con + w_scr*scr, slice by slice.

    Inputs: r (B,C,H,W); target (B,H,W) long with -1 where the similarity
    term ignores a pixel, or None for "argmax everywhere"; scribble (B,H,W)
    long with -1 where unlabelled, or None; three weights. Outputs: the total
    loss, the three unweighted terms, and the argmax labels (B,H,W), the last
    four non-differentiable.
    """

    @staticmethod
    def forward(ctx, r, target, scribble, w_sim, w_con, w_scr, workspace, grad_key):
        b, c, h, w = r.shape
        dev, acc = r.device, torch.float64
        sim_sum = torch.zeros((), dtype=acc, device=dev)
        scr_sum = torch.zeros((), dtype=acc, device=dev)
        con_y = torch.zeros((), dtype=acc, device=dev)
        con_x = torch.zeros((), dtype=acc, device=dev)
        argmax = torch.empty((b, h, w), dtype=torch.long, device=dev)
        n_sim = torch.zeros((), dtype=torch.long, device=dev)
        n_scr = torch.zeros((), dtype=torch.long, device=dev)
        for a, e in _row_chunks(r):
            rc = r[:, :, a:e]
            mx, am = rc.max(dim=1)
            argmax[:, a:e] = am
            lse = torch.logsumexp(rc, dim=1)
            if target is None:
                sim_sum += (lse - mx).sum(dtype=acc)
            else:
                t = target[:, a:e]
                keep = t >= 0
                picked = rc.gather(1, t.clamp(min=0).unsqueeze(1)).squeeze(1)
                sim_sum += ((lse - picked) * keep).sum(dtype=acc)
                n_sim += keep.sum()
            if scribble is not None:
                s = scribble[:, a:e]
                keep = s >= 0
                picked = rc.gather(1, s.clamp(min=0).unsqueeze(1)).squeeze(1)
                scr_sum += ((lse - picked) * keep).sum(dtype=acc)
                n_scr += keep.sum()
            con_x += (rc[:, :, :, 1:] - rc[:, :, :, :-1]).abs().sum(dtype=acc)
            e1 = min(h, e + 1)
            if e1 - a >= 2:
                ry = r[:, :, a:e1]
                con_y += (ry[:, :, 1:] - ry[:, :, :-1]).abs().sum(dtype=acc)
        n_pix = b * h * w
        n_sim_f = float(n_pix) if target is None else float(n_sim)
        n_scr_f = float(n_scr) if scribble is not None else 0.0
        sim = sim_sum / n_sim_f if n_sim_f > 0 else sim_sum * 0.0
        scr = scr_sum / n_scr_f if n_scr_f > 0 else scr_sum * 0.0
        con = con_y / (b * c * (h - 1) * w) + con_x / (b * c * h * (w - 1))
        total = w_sim * sim + w_con * con + (w_scr * scr if scribble is not None else 0.0)
        ctx.save_for_backward(r)
        ctx.target, ctx.scribble, ctx.argmax = target, scribble, argmax
        ctx.w = (w_sim, w_con, w_scr)
        ctx.n = (n_sim_f, n_scr_f)
        ctx.workspace, ctx.grad_key = workspace, grad_key
        ctx.mark_non_differentiable(argmax)
        dt = r.dtype
        return (total.to(dt), sim.to(dt), con.to(dt), scr.to(dt), argmax)

    @staticmethod
    def backward(ctx, g_total, *unused):
        (r,) = ctx.saved_tensors
        target, scribble, argmax = ctx.target, ctx.scribble, ctx.argmax
        w_sim, w_con, w_scr = ctx.w
        n_sim, n_scr = ctx.n
        b, c, h, w = r.shape
        if ctx.workspace is not None:
            grad = ctx.workspace.get(ctx.grad_key, r)
        else:
            grad = torch.empty_like(r, memory_format=torch.contiguous_format)
        # cross-entropy terms: (softmax - onehot) / n, weighted, on the kept pixels
        k_sim = w_sim / n_sim if n_sim > 0 else 0.0
        k_scr = w_scr / n_scr if (scribble is not None and n_scr > 0) else 0.0
        for a, e in _row_chunks(r):
            gc = grad[:, :, a:e]
            gc.copy_(torch.softmax(r[:, :, a:e], dim=1))
            t = argmax[:, a:e] if target is None else target[:, a:e]
            wt = torch.full(t.shape, k_sim, dtype=r.dtype, device=r.device)
            if target is not None:
                wt = wt * (t >= 0)
            if scribble is not None:
                s = scribble[:, a:e]
                ws = (s >= 0).to(r.dtype) * k_scr
                gc.mul_((wt + ws).unsqueeze(1))
                gc.scatter_add_(1, s.clamp(min=0).unsqueeze(1), -ws.unsqueeze(1))
            else:
                gc.mul_(wt.unsqueeze(1))
            gc.scatter_add_(1, t.clamp(min=0).unsqueeze(1), -wt.unsqueeze(1))
        # continuity term: d|u_i - u_j| = sign(u_i - u_j) (du_i - du_j)
        if w_con != 0.0:
            ky = w_con / (b * c * (h - 1) * w)
            kx = w_con / (b * c * h * (w - 1))
            for a, e in _row_chunks(r):
                rc = r[:, :, a:e]
                sx = torch.sign(rc[:, :, :, 1:] - rc[:, :, :, :-1]).mul_(kx)
                grad[:, :, a:e, 1:] += sx
                grad[:, :, a:e, :-1] -= sx
                e1 = min(h, e + 1)
                if e1 - a >= 2:
                    ry = r[:, :, a:e1]
                    sy = torch.sign(ry[:, :, 1:] - ry[:, :, :-1]).mul_(ky)
                    grad[:, :, a + 1:e1] += sy
                    grad[:, :, a:e1 - 1] -= sy
        grad.mul_(g_total)
        return grad, None, None, None, None, None, None, None


def combined_loss(response: torch.Tensor, *, target: torch.Tensor | None = None,
                  mask: torch.Tensor | None = None, scribble: torch.Tensor | None = None,
                  w_sim: float = 1.0, w_con: float = 1.0, w_scr: float = 0.5,
                  ignore_index: int = SCRIBBLE_UNLABELLED, workspace=None, grad_key: str = "grad_a"):
    """The training objective, computed slice by slice to spare memory.

    ``total = w_sim * feature_similarity_loss(response, target, mask=mask)
    + w_con * continuity_loss(response) + w_scr * scribble_loss(response, scribble)``
    (the last term only when ``scribble`` is given), with the same values and
    gradients as those functions up to floating-point rounding. The loss and its
    gradient are computed over slices of a few rows at a time, so the only
    full-size tensor allocated is the gradient; the plain functions allocate
    about ten tensors of the response's size per call (260 MB at 321x481 with
    q = 100).

    Parameters
    ----------
    response : (B, C, H, W) tensor
        H >= 2 and W >= 2.
    target : (B, H, W) integer tensor, optional
        As in :func:`feature_similarity_loss` (default: the argmax).
    mask : (B, H, W) bool tensor, optional
        Pixels of the similarity term (default: all).
    scribble : (B, H, W) integer tensor, optional
        As in :func:`scribble_loss`.
    w_sim, w_con, w_scr : float
        Weights (the reference's ``stepsize_sim``, ``stepsize_con``,
        ``stepsize_scr``), non-negative.
    ignore_index : int
        Unlabelled value in ``scribble``.
    workspace : segkit.cnn._fast.Workspace, optional
        Write the gradient into this workspace's buffer ``grad_key`` instead of
        a new tensor (the training loop's buffer reuse, see
        :func:`segkit.cnn._fast.buffered_forward`). The gradient is then valid only
        until the buffer is written again.
    grad_key : str

    Returns
    -------
    total : scalar tensor
        Differentiable with respect to ``response``.
    terms : dict
        ``"sim"``, ``"con"``, ``"scr"``: the unweighted terms, detached scalar
        tensors (``"scr"`` is 0 without scribbles).
    argmax : (B, H, W) int64 tensor
        The argmax labels of ``response``, computed on the way.

    Raises
    ------
    TypeError, ValueError
        As the three plain functions.

    Examples
    --------
    >>> r = torch.randn(1, 4, 5, 6, requires_grad=True)
    >>> total, terms, labels = combined_loss(r, w_con=2.0)
    >>> plain = feature_similarity_loss(r) + 2.0 * continuity_loss(r)
    >>> bool(torch.allclose(total, plain)), labels.shape
    (True, torch.Size([1, 5, 6]))
    """
    _check_response(response, min_hw=2)
    w_sim = check_float(w_sim, "w_sim", min_value=0)
    w_con = check_float(w_con, "w_con", min_value=0)
    w_scr = check_float(w_scr, "w_scr", min_value=0)
    c = response.shape[1]
    tgt = None
    if target is not None:
        _check_target(target, response, "target")
        tgt = target.long()
        if int(tgt.min()) < 0 or int(tgt.max()) >= c:
            raise ValueError(
                f"`target` values must lie in [0, {c}); got [{int(tgt.min())}, {int(tgt.max())}]")
    if mask is not None:
        _check_mask(mask, response)
        if tgt is None:
            tgt = response.detach().argmax(dim=1)
        tgt = tgt.masked_fill(~mask, -1)
    scr = None
    if scribble is not None:
        scr, ignore_index, labelled = _check_scribble(scribble, response, ignore_index)
        scr = scr.masked_fill(~labelled, -1)
    total, sim, con, scr_term, argmax = _CombinedLoss.apply(response, tgt, scr, w_sim, w_con, w_scr,
                                                            workspace, grad_key)
    return total, {"sim": sim.detach(), "con": con.detach(), "scr": scr_term.detach()}, argmax
