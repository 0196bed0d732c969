"""Tests for segkit.cnn.losses: values by hand, gradcheck, errors (the fast engine's sliced loss: test_cnn_fast.py)."""

import pytest
import torch
from torch.nn import functional as F

from segkit.cnn.losses import continuity_loss, feature_similarity_loss, scribble_loss


def _r(shape=(1, 4, 5, 6), seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=dtype, requires_grad=True)


class TestFeatureSimilarity:
    def test_value_by_hand(self):
        r = torch.tensor([[[[2.0, 0.0]], [[0.0, 1.0]]]])  # pixel 0: class 0 wins, pixel 1: class 1
        expected = 0.5 * (-torch.log_softmax(torch.tensor([2.0, 0.0]), 0)[0]
                          - torch.log_softmax(torch.tensor([0.0, 1.0]), 0)[1])
        assert torch.isclose(feature_similarity_loss(r), expected)

    def test_matches_reference_layout(self):
        # the authors reshape to (H*W, C) and take CE against torch.max: same number
        r = _r((1, 5, 4, 3))
        flat = r.permute(0, 2, 3, 1).reshape(-1, 5)
        ref = F.cross_entropy(flat, flat.argmax(1))
        assert torch.isclose(feature_similarity_loss(r), ref)

    def test_gradcheck(self):
        assert torch.autograd.gradcheck(feature_similarity_loss, (_r(),))

    def test_target_and_mask(self):
        r = _r((1, 3, 2, 2))
        t = torch.tensor([[[0, 1], [2, 0]]])
        m = torch.tensor([[[True, False], [True, False]]])
        full = F.cross_entropy(r, t, reduction="none")
        assert torch.isclose(feature_similarity_loss(r, t, mask=m), full[m].mean())
        assert float(feature_similarity_loss(r, t, mask=torch.zeros_like(m)).detach()) == 0.0

    def test_errors(self):
        r = _r((1, 3, 2, 2))
        with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
            feature_similarity_loss(r[0])
        with pytest.raises(TypeError, match="torch.Tensor"):
            feature_similarity_loss(r.detach().numpy())
        with pytest.raises(TypeError, match="floating"):
            feature_similarity_loss(torch.zeros(1, 3, 2, 2, dtype=torch.long))
        with pytest.raises(ValueError, match="C >= 2"):
            feature_similarity_loss(torch.zeros(1, 1, 2, 2))
        with pytest.raises(ValueError, match="target"):
            feature_similarity_loss(r, torch.zeros(1, 2, 3, dtype=torch.long))
        with pytest.raises(ValueError, match=r"\[0, 3\)"):
            feature_similarity_loss(r, torch.full((1, 2, 2), 3))
        with pytest.raises(TypeError, match="integer"):
            feature_similarity_loss(r, torch.zeros(1, 2, 2))
        with pytest.raises(TypeError, match="mask"):
            feature_similarity_loss(r, mask=torch.zeros(1, 2, 2))
        with pytest.raises(ValueError, match="mask"):
            feature_similarity_loss(r, mask=torch.zeros(1, 3, 2, dtype=torch.bool))


class TestContinuity:
    def test_value_by_hand(self):
        r = torch.zeros(1, 2, 3, 3)
        r[0, 0, 2, :] = 3.0  # one horizontal edge in channel 0: |dy| = 3 on 3 of 2*2*3 = 12 elements
        assert torch.isclose(continuity_loss(r), torch.tensor(3.0 * 3 / 12))

    def test_matches_reference_layout(self):
        r = _r((1, 4, 5, 6))
        hw = r[0].permute(1, 2, 0)  # (H, W, C) as in the authors' code
        dy = hw[1:] - hw[:-1]
        dx = hw[:, 1:] - hw[:, :-1]
        ref = F.l1_loss(dy, torch.zeros_like(dy)) + F.l1_loss(dx, torch.zeros_like(dx))
        assert torch.isclose(continuity_loss(r), ref)

    def test_constant_is_zero(self):
        assert float(continuity_loss(torch.ones(2, 3, 4, 4))) == 0.0

    def test_gradcheck(self):
        assert torch.autograd.gradcheck(continuity_loss, (_r((1, 3, 4, 5)),))

    def test_errors(self):
        with pytest.raises(ValueError, match="2x2"):
            continuity_loss(torch.zeros(1, 3, 1, 5))
        with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
            continuity_loss(torch.zeros(3, 4, 5))


class TestScribble:
    def test_only_labelled_pixels_count(self):
        r = _r((1, 3, 2, 2))
        s = torch.tensor([[[1, 255], [255, 2]]])
        full = F.cross_entropy(r, s.clamp(max=2), reduction="none")
        expected = (full[0, 0, 0] + full[0, 1, 1]) / 2
        assert torch.isclose(scribble_loss(r, s), expected)

    def test_gradcheck(self):
        s = torch.tensor([[[1, 255, 0], [255, 2, 255]]])
        assert torch.autograd.gradcheck(lambda r: scribble_loss(r, s), (_r((1, 3, 2, 3)),))

    def test_errors(self):
        r = _r((1, 3, 2, 2))
        with pytest.raises(ValueError, match="no labelled pixel"):
            scribble_loss(r, torch.full((1, 2, 2), 255))
        with pytest.raises(ValueError, match=r"\[0, 3\)"):
            scribble_loss(r, torch.tensor([[[3, 255], [255, 255]]]))
        with pytest.raises(ValueError, match="shape"):
            scribble_loss(r, torch.full((1, 3, 2), 1))
        with pytest.raises(TypeError, match="integer"):
            scribble_loss(r, torch.zeros(1, 2, 2))
