"""Tests for the fast engine's pieces (segkit.cnn._fast, _fast_loss): the values of the plain ones.

Moved here from test_model.py (buffered forward) and test_losses.py (sliced loss) when the fast
machinery left the readable modules. That the whole fast loop gives the readable loop's labels and
history is tested in test_cnn_engines.py.
"""

import pytest
import torch

import segkit.cnn._fast_loss as FL
from segkit.cnn._fast import FastEngine, Workspace, _mean_var, buffered_forward, keep_freed_memory
from segkit.cnn._fast_loss import combined_loss
from segkit.cnn.losses import continuity_loss, feature_similarity_loss, scribble_loss
from segkit.cnn.model import PlainListNet, SegNet


def _r(shape=(1, 4, 5, 6), seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=dtype, requires_grad=True)


class TestBufferedForward:
    """The training forward pass with reused buffers computes what SegNet.forward computes."""

    @pytest.mark.parametrize("n_conv", [1, 2, 3])
    def test_same_values_and_gradients(self, n_conv):
        torch.manual_seed(0)
        net = SegNet(3, 6, n_conv).double()
        x = torch.rand(1, 3, 9, 11, dtype=torch.float64)
        ws = Workspace()
        for _ in range(2):  # the second pass reuses the buffers
            net.zero_grad()
            r = buffered_forward(net, x, ws)
            loss, _, _ = combined_loss(r, w_con=1.3, workspace=ws)
            loss.backward()
            fast = {n: p.grad.clone() for n, p in net.named_parameters()}
            value = r.detach().clone()
            net.zero_grad()
            r2 = net(x)
            loss2, _, _ = combined_loss(r2, w_con=1.3)
            loss2.backward()
            assert torch.allclose(value, r2.detach(), atol=1e-12)
            for n, p in net.named_parameters():
                assert torch.allclose(fast[n], p.grad, atol=1e-12), n
        assert ws.nbytes > 0
        ws.clear()
        assert ws.nbytes == 0

    def test_errors(self):
        with pytest.raises(TypeError, match="SegNet"):
            buffered_forward(PlainListNet(3, 4), torch.rand(1, 3, 8, 8), Workspace())
        with pytest.raises(ValueError, match=r"\(1, 3, H, W\)"):
            buffered_forward(SegNet(3, 4), torch.rand(2, 3, 8, 8), Workspace())

    @pytest.mark.parametrize("shift", [0.0, 1.0, 50.0])
    def test_mean_var_is_accurate(self, shift):
        g = torch.Generator().manual_seed(0)
        x = (torch.randn(5, 4000, generator=g) * torch.rand(5, 1, generator=g) + shift).relu_()
        mean, var = _mean_var(x)
        ref = x.double().var(dim=1, unbiased=False)
        assert torch.allclose(mean.double(), x.double().mean(dim=1), rtol=1e-5)
        assert torch.allclose(var.double(), ref, rtol=1e-4)


class TestCombinedLoss:
    """The sliced loss computes what the plain loss functions compute, with the same gradient."""

    @pytest.fixture(params=[4 * 2**20, 64], ids=["one-slice", "many-slices"])
    def chunk(self, request, monkeypatch):
        monkeypatch.setattr(FL, "_CHUNK_BYTES", request.param)
        return request.param

    @pytest.mark.parametrize("case", ["plain", "target", "scribble", "mask-only"])
    def test_value_and_gradient_match_the_plain_functions(self, chunk, case):
        r = _r((2, 5, 7, 6), seed=1)
        kw, plain = {}, None
        t = torch.randint(0, 5, (2, 7, 6), generator=torch.Generator().manual_seed(2))
        s = torch.full((2, 7, 6), 255)
        s[:, 1:3, 2:4] = 1
        s[0, 6, 5] = 4
        if case == "plain":
            plain = feature_similarity_loss(r) + 1.5 * continuity_loss(r)
        elif case == "target":
            kw = {"target": t}
            plain = feature_similarity_loss(r, t) + 1.5 * continuity_loss(r)
        elif case == "scribble":
            kw = {"scribble": s, "mask": s == 255}
            plain = (feature_similarity_loss(r, mask=s == 255) + 1.5 * continuity_loss(r)
                     + 0.3 * scribble_loss(r, s))
        else:
            kw = {"mask": s == 255}
            plain = feature_similarity_loss(r, mask=s == 255) + 1.5 * continuity_loss(r)
        total, terms, argmax = combined_loss(r, w_con=1.5, w_scr=0.3, **kw)
        assert torch.allclose(total, plain, rtol=1e-10, atol=1e-12)
        g1, = torch.autograd.grad(total, r)
        g2, = torch.autograd.grad(plain, r)
        assert torch.allclose(g1, g2, rtol=1e-9, atol=1e-12)
        assert torch.equal(argmax, r.detach().argmax(1))
        assert torch.isclose(terms["con"], continuity_loss(r).detach())

    def test_gradcheck(self, chunk):
        s = torch.full((1, 4, 5), 255)
        s[0, 0, 0], s[0, 3, 4] = 0, 2
        f = lambda r: combined_loss(r, mask=s == 255, scribble=s, w_con=2.0, w_scr=0.5)[0]  # noqa: E731
        assert torch.autograd.gradcheck(f, (_r((1, 3, 4, 5), seed=3),))

    def test_zero_continuity_weight_still_reports_the_term(self):
        r = _r()
        total, terms, _ = combined_loss(r, w_con=0.0)
        assert torch.isclose(total, feature_similarity_loss(r))
        assert float(terms["con"]) > 0

    def test_float32(self):
        r = _r(dtype=torch.float32)
        total, _, _ = combined_loss(r)
        assert total.dtype == torch.float32
        total.backward()
        assert r.grad.shape == r.shape

    def test_errors(self):
        r = _r((1, 3, 2, 2))
        with pytest.raises(ValueError, match="w_con"):
            combined_loss(r, w_con=-1.0)
        with pytest.raises(ValueError, match="no labelled pixel"):
            combined_loss(r, scribble=torch.full((1, 2, 2), 255))
        with pytest.raises(ValueError, match="2x2"):
            combined_loss(torch.zeros(1, 3, 1, 4))
        with pytest.raises(ValueError, match=r"\[0, 3\)"):
            combined_loss(r, target=torch.full((1, 2, 2), 5))


@pytest.mark.parametrize("chunk", [4 * 2**20, 64])
def test_channel_argmax_matches_torch(monkeypatch, chunk):
    monkeypatch.setattr(FL, "_CHUNK_BYTES", chunk)
    r = torch.randn(2, 7, 9, 5, generator=torch.Generator().manual_seed(0))
    r[0, 3, 0, 0] = r[0, 5, 0, 0] = 100.0  # a tie: the first channel wins, as in torch
    got = FL.channel_argmax(r)
    assert torch.equal(got, r.argmax(dim=1))
    assert got[0, 0, 0] == 3
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        FL.channel_argmax(r[0])


def test_keep_freed_memory_restores():
    with keep_freed_memory(threshold_mib=64) as applied:
        x = torch.ones(2**20)
    assert isinstance(applied, bool) and float(x.sum()) == 2**20
    with keep_freed_memory(False) as applied:
        assert applied is False
    with pytest.raises(ValueError, match="threshold_mib"):
        with keep_freed_memory(threshold_mib=0):
            pass


def test_engine_clears_its_workspace():
    engine = FastEngine(keep_memory=False)
    net = SegNet(3, 4)
    with engine.running():
        engine.forward(net, torch.rand(1, 3, 8, 8))
        assert engine.workspace.nbytes > 0
    assert engine.workspace.nbytes == 0
