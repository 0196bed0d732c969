"""Tests for segkit.stego: the loss against a direct computation, the head, k-means, training."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from segkit import stego


def _direct_loss(f1, f2, c1, c2, b, centre):
    """The STEGO loss written with explicit loops over positions (one image pair)."""
    def cos(u, v):
        return float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))

    n1, n2 = f1.shape[1], f2.shape[1]
    fcorr = np.array([[cos(f1[:, p], f2[:, q]) for q in range(n2)] for p in range(n1)])
    if centre:
        fcorr = fcorr - fcorr.mean(axis=1, keepdims=True)
    ccorr = np.array([[cos(c1[:, p], c2[:, q]) for q in range(n2)] for p in range(n1)])
    total = 0.0
    for p in range(n1):
        for q in range(n2):
            total += -max(ccorr[p, q], 0.0) * (fcorr[p, q] - b)
    return total / (n1 * n2)


@pytest.fixture
def tiny():
    gen = torch.Generator().manual_seed(3)
    f1 = torch.randn(2, 5, 2, 3, generator=gen, dtype=torch.float64)
    f2 = torch.randn(2, 5, 3, 2, generator=gen, dtype=torch.float64)
    c1 = torch.randn(2, 4, 2, 3, generator=gen, dtype=torch.float64)
    c2 = torch.randn(2, 4, 3, 2, generator=gen, dtype=torch.float64)
    return f1, f2, c1, c2


class TestCorrelations:
    def test_feature_correlation_shape_and_values(self, tiny):
        f1, f2, _, _ = tiny
        corr = stego.feature_correlation(f1, f2, centre=False)
        assert corr.shape == (2, 2, 3, 3, 2)
        u, v = f1[1, :, 1, 2], f2[1, :, 0, 1]
        expected = float(u @ v / (u.norm() * v.norm()))
        assert float(corr[1, 1, 2, 0, 1]) == pytest.approx(expected, abs=1e-12)

    def test_centring_is_over_the_second_image(self, tiny):
        f1, f2, _, _ = tiny
        raw = stego.feature_correlation(f1, f2, centre=False)
        cen = stego.feature_correlation(f1, f2, centre=True)
        assert torch.allclose(cen.mean(dim=(3, 4)), torch.zeros(2, 2, 3, dtype=torch.float64), atol=1e-12)
        assert torch.allclose(raw - cen, raw.mean(dim=(3, 4), keepdim=True).expand_as(raw))
        # not centred over the first image's positions
        assert not torch.allclose(cen.mean(dim=(1, 2)), torch.zeros(2, 3, 2, dtype=torch.float64))

    def test_flattened_positions(self):
        f = torch.randn(1, 3, 4)
        assert stego.feature_correlation(f, f[..., :2]).shape == (1, 4, 2)

    def test_code_correlation_is_cosine_in_range(self, tiny):
        _, _, c1, c2 = tiny
        s = stego.code_correlation(c1, c2)
        assert s.shape == (2, 2, 3, 3, 2)
        assert float(s.abs().max()) <= 1.0 + 1e-12

    def test_errors(self, tiny):
        f1, f2, c1, _ = tiny
        with pytest.raises(ValueError, match="same batch size and channels"):
            stego.feature_correlation(f1, c1)
        with pytest.raises(ValueError, match=r"`f1` must have shape \(B, C, N, \.\.\.\)"):
            stego.feature_correlation(f1[0, 0], f2)
        with pytest.raises(TypeError, match="must be a torch.Tensor"):
            stego.code_correlation(np.zeros((1, 2, 3)), c1)


class TestLoss:
    @pytest.mark.parametrize("b", [0.0, 0.2, -0.3])
    @pytest.mark.parametrize("centre", [True, False])
    def test_against_direct_computation(self, tiny, b, centre):
        f1, f2, c1, c2 = tiny
        got = float(stego.correlation_loss(f1, f2, c1, c2, b=b, centre=centre))
        per_image = []
        for i in range(2):
            per_image.append(_direct_loss(f1[i].flatten(1).numpy(), f2[i].flatten(1).numpy(),
                                          c1[i].flatten(1).numpy(), c2[i].flatten(1).numpy(), b, centre))
        assert got == pytest.approx(np.mean(per_image), abs=1e-12)

    def test_no_gradient_through_features(self, tiny):
        f1, f2, c1, c2 = (t.clone().requires_grad_(True) for t in tiny)
        stego.correlation_loss(f1, f2, c1, c2, b=0.1).backward()
        assert f1.grad is None and f2.grad is None
        assert c1.grad is not None and float(c1.grad.abs().sum()) > 0

    def test_gradcheck(self, tiny):
        f1, f2, c1, c2 = tiny
        c1 = c1.clone().requires_grad_(True)
        assert torch.autograd.gradcheck(lambda c: stego.correlation_loss(f1, f2, c, c2, b=0.1), (c1,))

    def test_attract_and_repel(self):
        # features identical -> F - b > 0 everywhere (b < 0): loss lowered by aligning codes
        f = torch.ones(1, 3, 4)
        aligned = torch.ones(1, 2, 4)
        opposite = torch.tensor([[[1.0, -1.0, 1.0, -1.0], [1.0, -1.0, 1.0, -1.0]]])
        l_aligned = stego.correlation_loss(f, f, aligned, aligned, b=-0.5, centre=False)
        l_opposite = stego.correlation_loss(f, f, opposite, opposite, b=-0.5, centre=False)
        assert float(l_aligned) < float(l_opposite)
        # with b above every F, correlated codes cost (repel)
        assert float(stego.correlation_loss(f, f, aligned, aligned, b=2.0, centre=False)) > 0

    def test_stego_loss_weights_the_three_terms(self, tiny):
        f1, f2, c1, c2 = tiny
        kw = dict(lambda_self=0.5, lambda_knn=2.0, lambda_random=3.0, b_self=0.1, b_knn=0.2, b_random=0.3)
        out = stego.stego_loss(f1, c1, f2, c2, [f2, f1], [c2, c1], **kw)
        l_self = float(stego.correlation_loss(f1, f1, c1, c1, b=0.1))
        l_knn = float(stego.correlation_loss(f1, f2, c1, c2, b=0.2))
        l_rand = (float(stego.correlation_loss(f1, f2, c1, c2, b=0.3))
                  + float(stego.correlation_loss(f1, f1, c1, c1, b=0.3))) / 2
        assert out["loss_self"] == pytest.approx(l_self)
        assert out["loss_knn"] == pytest.approx(l_knn)
        assert out["loss_random"] == pytest.approx(l_rand)
        assert float(out["loss"]) == pytest.approx(0.5 * l_self + 2.0 * l_knn + 3.0 * l_rand)

    def test_loss_errors(self, tiny):
        f1, f2, c1, c2 = tiny
        with pytest.raises(ValueError, match="same positions"):
            stego.correlation_loss(f1, f2, c2, c2, b=0.0)
        with pytest.raises(TypeError, match="`b`"):
            stego.correlation_loss(f1, f2, c1, c2, b="high")
        with pytest.raises(ValueError, match="`lambda_knn` must be >= 0"):
            stego.stego_loss(f1, c1, f2, c2, f2, c2, lambda_knn=-1.0)
        with pytest.raises(ValueError, match="same number"):
            stego.stego_loss(f1, c1, f2, c2, [f2], [], )


class TestHead:
    def test_structure_and_shapes(self):
        head = stego.StegoHead(6, code_dim=3)
        assert head.linear.kernel_size == (1, 1)
        assert [type(m).__name__ for m in head.nonlinear] == ["Conv2d", "ReLU", "Conv2d"]
        assert head(torch.zeros(2, 6, 4, 5)).shape == (2, 3, 4, 5)
        assert head(torch.zeros(2, 6, 7)).shape == (2, 3, 7)

    def test_point_path_equals_conv_path(self):
        torch.manual_seed(0)
        head = stego.StegoHead(6, code_dim=3).eval()
        x = torch.randn(2, 6, 4, 5)
        assert torch.allclose(head(x).flatten(2), head(x.flatten(2)), atol=1e-6)

    def test_errors(self):
        with pytest.raises(ValueError, match=r"shape \(B, 6, H, W\)"):
            stego.StegoHead(6)(torch.zeros(1, 5, 3, 3))
        with pytest.raises(ValueError, match="`code_dim` must be at least 1"):
            stego.StegoHead(6, code_dim=0)
        with pytest.raises(ValueError, match="`dropout` must be < 1"):
            stego.StegoHead(6, dropout=1.0)


class TestNeighboursAndKMeans:
    def test_nearest_neighbours(self):
        base = torch.zeros(2, 2, 2)
        feats = [base + torch.tensor([1.0, 0.0])[:, None, None], base + torch.tensor([1.0, 0.1])[:, None, None],
                 base + torch.tensor([0.0, 1.0])[:, None, None], base + torch.tensor([0.1, 1.0])[:, None, None]]
        nn_table = stego.nearest_neighbours(feats, k=2)
        assert nn_table.shape == (4, 2)
        assert nn_table[:, 0].tolist() == [1, 0, 3, 2]
        assert all(i not in row for i, row in enumerate(nn_table))

    def test_nearest_neighbours_errors(self):
        with pytest.raises(ValueError, match="`k` must be at most 1"):
            stego.nearest_neighbours([torch.ones(2, 2, 2)] * 2, k=2)
        with pytest.raises(TypeError, match="non-empty list"):
            stego.nearest_neighbours([], k=1)
        with pytest.raises(ValueError, match="same number of channels"):
            stego.nearest_neighbours([torch.ones(2, 2, 2), torch.ones(3, 2, 2)], k=1)

    def test_cosine_kmeans_finds_directions_not_magnitudes(self):
        gen = torch.Generator().manual_seed(0)
        dirs = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        scale = torch.rand(90, 1, generator=gen) * 10 + 0.1  # magnitudes vary a lot
        x = dirs.repeat(30, 1) * scale + 0.05 * torch.randn(90, 3, generator=gen)
        centres, labels = stego.cosine_kmeans(x, 3, seed=1)
        assert torch.allclose(centres.norm(dim=1), torch.ones(3))
        truth = torch.arange(3).repeat(30)
        for c in range(3):  # each true direction maps to exactly one cluster
            assert labels[truth == c].unique().numel() == 1
        assert labels.unique().numel() == 3

    def test_cosine_kmeans_is_seeded(self):
        x = torch.randn(50, 4, generator=torch.Generator().manual_seed(0))
        a = stego.cosine_kmeans(x, 4, seed=5)[1]
        b = stego.cosine_kmeans(x, 4, seed=5)[1]
        assert torch.equal(a, b)

    def test_cosine_kmeans_errors(self):
        with pytest.raises(ValueError, match=r"\(N, D\)"):
            stego.cosine_kmeans(torch.zeros(3), 2)
        with pytest.raises(ValueError, match="`k` must be at most 3"):
            stego.cosine_kmeans(torch.ones(3, 2), 4)

    def test_cluster_maps_shared_clusters_and_upsampling(self):
        a = torch.zeros(2, 4, 6)
        a[0, :, :3], a[1, :, 3:] = 1.0, 1.0
        b = torch.zeros(2, 4, 6)
        b[1, :, :3], b[0, :, 3:] = 1.0, 1.0  # the same two kinds, swapped sides
        la, lb = stego.cluster_maps([a, b], 2, shapes=[(8, 12), (8, 12)])
        assert la.shape == (8, 12) and la.dtype == np.int32
        assert la[0, 0] == lb[0, -1] and la[0, -1] == lb[0, 0] and la[0, 0] != la[0, -1]

    def test_cluster_maps_errors(self):
        with pytest.raises(ValueError, match="one \\(H, W\\) per map"):
            stego.cluster_maps([torch.ones(2, 3, 3)], 1, shapes=[(3, 3), (3, 3)])


class TestTraining:
    @staticmethod
    def _two_kind_features(n_images=6, seed=0):
        # Every image holds two kinds of "stuff" (A on the left, B on the right)
        # whose features are noisy copies of two prototypes.
        gen = torch.Generator().manual_seed(seed)
        protos = torch.randn(2, 16, generator=gen)
        feats, gts = [], []
        for _ in range(n_images):
            split = int(torch.randint(2, 5, (1,), generator=gen))
            gt = np.zeros((6, 6), np.int32)
            gt[:, split:] = 1
            f = protos[torch.from_numpy(gt).long()].permute(2, 0, 1) + 0.8 * torch.randn(16, 6, 6, generator=gen)
            feats.append(f)
            gts.append(gt)
        return feats, gts

    def test_training_reduces_loss_and_separates_kinds(self):
        feats, gts = self._two_kind_features()
        seen = []
        res = stego.train_stego(feats, code_dim=4, n_steps=60, batch_size=4, n_points=16, n_neighbours=2,
                                n_random=2, lr=1e-2, seed=0, callback=lambda i, info: seen.append(i))
        assert seen == list(range(60))
        first = np.mean(res.history["loss"][:10])
        last = np.mean(res.history["loss"][-10:])
        assert last < first
        codes = stego.compute_codes(res.head, feats)
        labels = stego.cluster_maps(codes, 2)
        scores = stego.evaluate_segmentations(labels, gts)
        assert scores["miou"] > 0.9
        assert not res.head.training

    def test_seeded_and_global_rng_untouched(self):
        feats, _ = self._two_kind_features()
        torch.manual_seed(123)
        before = torch.rand(1)
        torch.manual_seed(123)
        r1 = stego.train_stego(feats, code_dim=3, n_steps=5, batch_size=2, n_points=8, n_neighbours=1,
                               n_random=1, seed=7)
        after = torch.rand(1)
        assert torch.equal(before, after)
        r2 = stego.train_stego(feats, code_dim=3, n_steps=5, batch_size=2, n_points=8, n_neighbours=1,
                               n_random=1, seed=7)
        assert r1.history == r2.history
        assert r1.params["seed"] == 7 and r1.params["b_random"] == stego.STEGO_DEFAULTS["b_random"]

    def test_continue_training_a_head(self):
        feats, _ = self._two_kind_features()
        r1 = stego.train_stego(feats, code_dim=3, n_steps=3, batch_size=2, n_points=8, n_neighbours=1, n_random=1)
        w = r1.head.linear.weight.clone()
        r2 = stego.train_stego(feats, n_steps=3, batch_size=2, n_points=8, n_neighbours=1, n_random=1,
                               head=r1.head, seed=1)
        assert r2.head is r1.head and not torch.equal(w, r2.head.linear.weight)

    def test_inputs_not_mutated(self):
        feats, _ = self._two_kind_features()
        copies = [f.clone() for f in feats]
        stego.train_stego(feats, code_dim=3, n_steps=3, batch_size=2, n_points=8, n_neighbours=1, n_random=1)
        assert all(torch.equal(a, b) for a, b in zip(feats, copies))

    def test_errors(self):
        feats, _ = self._two_kind_features()
        with pytest.raises(ValueError, match="at least 2 images"):
            stego.train_stego(feats[:1], n_neighbours=1)
        with pytest.raises(ValueError, match="`n_neighbours` must be at most 5"):
            stego.train_stego(feats, n_neighbours=6)
        with pytest.raises(ValueError, match="`n_steps` must be at least 0"):
            stego.train_stego(feats, n_steps=-1)
        with pytest.raises(TypeError, match="`callback` must be callable"):
            stego.train_stego(feats, n_steps=1, n_neighbours=1, callback=3)
        with pytest.raises(ValueError, match="`head` must be a StegoHead with in_channels=16"):
            stego.train_stego(feats, n_steps=1, n_neighbours=1, head=stego.StegoHead(5))
        with pytest.raises(ValueError, match=r"`features\[1\]` must have shape \(C, h, w\)"):
            stego.train_stego([feats[0], torch.zeros(3)], n_steps=1)


class TestEvaluation:
    def test_matches_metrics_module(self):
        from segkit.metrics import hungarian_miou, pixel_accuracy

        pred = np.array([[0, 0, 1], [2, 2, 1]])
        gts = [np.array([[0, 0, 0], [1, 1, 1]]), np.array([[0, 1, 1], [0, 1, 1]])]
        out = stego.evaluate_segmentations([pred], [gts])
        assert out["miou"] == pytest.approx(np.mean([hungarian_miou(pred, g) for g in gts]))
        assert out["accuracy"] == pytest.approx(np.mean([pixel_accuracy(pred, g) for g in gts]))

    def test_length_mismatch(self):
        with pytest.raises(ValueError, match="same length"):
            stego.evaluate_segmentations([np.zeros((2, 2), int)], [])


class TestPointCorrelation:
    def test_equals_slice_of_full_tensor(self):
        gen = torch.Generator().manual_seed(0)
        a, b = torch.randn(4, 3, 5, generator=gen), torch.randn(4, 2, 6, generator=gen)
        full = stego.feature_correlation(a[None], b[None], centre=True)[0]
        assert torch.allclose(stego.point_correlation(a, b, 2, 4), full[2, 4])
        assert stego.point_correlation(a, b, 2, 4).shape == (2, 6)

    def test_errors(self):
        a = torch.zeros(4, 3, 5)
        with pytest.raises(ValueError, match="`row` must be at most 2"):
            stego.point_correlation(a, a, 3, 0)
        with pytest.raises(ValueError, match=r"`target` must be a \(C, H, W\) tensor"):
            stego.point_correlation(a, a[None], 0, 0)
