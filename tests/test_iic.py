"""Tests for segkit.iic: the IIC loss, the paired views, the network and the training loop."""

import math

import numpy as np
import pytest
import torch

from segkit import iic
from segkit.iic import joint as joint_tables, mi


def _softmax_maps(b=2, k=3, h=5, w=6, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(b, k, h, w, generator=g, dtype=dtype).softmax(dim=1)


def _direct_joint(z1, z2, window, mask=None):
    """The joint written out as loops over images, pixels and displacements."""
    z1 = z1.detach().numpy()
    z2 = z2.detach().numpy()
    if mask is not None:
        m = mask.detach().numpy()
        z1, z2 = z1 * m, z2 * m
    b, k, h, w = z1.shape
    d = window // 2
    p = np.zeros((k, k))
    for n in range(b):
        for y in range(h):
            for x in range(w):
                for dy in range(-d, d + 1):
                    for dx in range(-d, d + 1):
                        yy, xx = y + dy, x + dx
                        if 0 <= yy < h and 0 <= xx < w:
                            p += np.outer(z1[n, :, y, x], z2[n, :, yy, xx])
    p /= p.sum()
    return (p + p.T) / 2


def _direct_loss(p, lam):
    pi = p.sum(axis=1, keepdims=True)
    pj = p.sum(axis=0, keepdims=True)
    return -np.sum(p * (np.log(p) - lam * np.log(pi) - lam * np.log(pj)))


class TestJoint:
    @pytest.mark.parametrize("window", [1, 3, 5])
    @pytest.mark.parametrize("method", ["box", "conv"])
    def test_matches_direct_loops(self, window, method):
        z1, z2 = _softmax_maps(seed=0), _softmax_maps(seed=1)
        p = iic.iic_joint(z1, z2, window=window, method=method)
        np.testing.assert_allclose(p.numpy(), _direct_joint(z1, z2, window), rtol=1e-10, atol=1e-12)

    def test_window_larger_than_image(self):
        z1, z2 = _softmax_maps(h=3, w=4, seed=2), _softmax_maps(h=3, w=4, seed=3)
        for method in ("box", "conv"):
            p = iic.iic_joint(z1, z2, window=9, method=method)
            np.testing.assert_allclose(p.numpy(), _direct_joint(z1, z2, 9), rtol=1e-10)

    def test_mask(self):
        z1, z2 = _softmax_maps(seed=4), _softmax_maps(seed=5)
        mask = torch.ones(2, 1, 5, 6, dtype=torch.float64)
        mask[:, :, :, :2] = 0
        p = iic.iic_joint(z1, z2, window=3, mask=mask)
        np.testing.assert_allclose(p.numpy(), _direct_joint(z1, z2, 3, mask), rtol=1e-10)

    def test_is_a_symmetric_distribution(self):
        p = iic.iic_joint(_softmax_maps(seed=6), _softmax_maps(seed=7), window=3)
        assert float(p.sum()) == pytest.approx(1.0)
        assert bool((p >= 0).all())
        torch.testing.assert_close(p, p.T)

    def test_one_hot_identical_maps_give_diagonal(self):
        labels = torch.tensor([[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 2, 2]])
        z = torch.nn.functional.one_hot(labels, 3).permute(2, 0, 1)[None].double()
        p = iic.iic_joint(z, z, window=1)
        np.testing.assert_allclose(p.numpy(), np.diag([4, 4, 4]) / 12)

    def test_inputs_not_mutated(self):
        z1, z2 = _softmax_maps(seed=8), _softmax_maps(seed=9)
        before = z1.clone(), z2.clone()
        mask = torch.zeros(2, 1, 5, 6, dtype=torch.float64)
        mask[0] = 1
        iic.iic_loss(z1, z2, window=3, mask=mask)
        torch.testing.assert_close(z1, before[0])
        torch.testing.assert_close(z2, before[1])

    def test_shape_mismatch(self):
        with pytest.raises(ValueError, match=r"`z2` must have shape \(B, k, H, W\) with B = 2, k = 3"):
            iic.iic_joint(_softmax_maps(k=3), _softmax_maps(k=4))

    def test_not_4d(self):
        with pytest.raises(ValueError, match=r"shape \(B, k, H, W\)"):
            iic.iic_joint(torch.rand(3, 4, 4), torch.rand(3, 4, 4))

    def test_not_a_tensor(self):
        with pytest.raises(TypeError, match="`z1` must be a torch.Tensor"):
            iic.iic_joint(np.zeros((1, 2, 3, 3)), torch.rand(1, 2, 3, 3))

    def test_even_window(self):
        with pytest.raises(ValueError, match="`window` must be odd"):
            iic.iic_joint(_softmax_maps(), _softmax_maps(), window=4)

    def test_bad_method(self):
        with pytest.raises(ValueError, match="`method` must be one of 'box', 'conv'"):
            iic.iic_joint(_softmax_maps(), _softmax_maps(), method="loop")

    def test_bad_mask_shape(self):
        with pytest.raises(ValueError, match="`mask` must have shape"):
            iic.iic_joint(_softmax_maps(), _softmax_maps(), mask=torch.ones(2, 3, 5, 6))


class TestLoss:
    @pytest.mark.parametrize("lam", [1.0, 1.5, 0.5])
    def test_matches_direct_computation(self, lam):
        z1, z2 = _softmax_maps(seed=10), _softmax_maps(seed=11)
        loss = iic.iic_loss(z1, z2, lam=lam, window=3)
        assert float(loss) == pytest.approx(_direct_loss(_direct_joint(z1, z2, 3), lam), rel=1e-10)

    def test_is_minus_mutual_information(self):
        z1, z2 = _softmax_maps(seed=12), _softmax_maps(seed=13)
        p = iic.iic_joint(z1, z2, window=3).numpy()
        loss = iic.iic_loss(z1, z2, window=3)
        assert float(loss) == pytest.approx(-mi.mutual_information(p, base=math.e), rel=1e-10)
        assert float(loss) == pytest.approx(joint_tables.iic_objective(p, lam=1.0), rel=1e-10)

    def test_collapse_scores_zero_and_agreement_scores_minus_log_k(self):
        k = 4
        collapsed = torch.zeros(1, k, 4, 4, dtype=torch.float64)
        collapsed[:, 0] = 1
        assert float(iic.iic_loss(collapsed, collapsed, window=3)) == pytest.approx(0.0, abs=1e-12)
        labels = torch.arange(16).view(4, 4) % k
        z = torch.nn.functional.one_hot(labels, k).permute(2, 0, 1)[None].double()
        assert float(iic.iic_loss(z, z, window=1)) == pytest.approx(-math.log(k))

    @pytest.mark.parametrize("method", ["box", "conv"])
    def test_gradcheck(self, method):
        g = torch.Generator().manual_seed(14)
        a = torch.randn(1, 3, 3, 4, generator=g, dtype=torch.float64, requires_grad=True)
        b = torch.randn(1, 3, 3, 4, generator=g, dtype=torch.float64, requires_grad=True)

        def f(a, b):
            return iic.iic_loss(a.softmax(dim=1), b.softmax(dim=1), lam=1.3, window=3, method=method)

        assert torch.autograd.gradcheck(f, (a, b))

    def test_negative_lambda(self):
        with pytest.raises(ValueError, match="`lam` must be >= 0"):
            iic.iic_loss(_softmax_maps(), _softmax_maps(), lam=-0.1)


class TestViews:
    def test_jitter_is_seeded_and_in_range(self):
        x = torch.rand(3, 3, 8, 8, generator=torch.Generator().manual_seed(0))
        y1 = iic.color_jitter(x, generator=torch.Generator().manual_seed(1))
        y2 = iic.color_jitter(x, generator=torch.Generator().manual_seed(1))
        torch.testing.assert_close(y1, y2)
        assert not torch.allclose(y1, x)
        assert float(y1.min()) >= 0 and float(y1.max()) <= 1

    def test_jitter_off_is_identity(self):
        x = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
        y = iic.color_jitter(x, brightness=0, contrast=0, saturation=0, hue=0)
        torch.testing.assert_close(y, x)

    def test_hue_keeps_grey_pixels_grey(self):
        x = torch.full((1, 3, 4, 4), 0.4)
        y = iic.color_jitter(x, brightness=0, contrast=0, saturation=0, hue=0.5,
                             generator=torch.Generator().manual_seed(3))
        torch.testing.assert_close(y, x)

    def test_jitter_errors(self):
        with pytest.raises(ValueError, match=r"shape \(B, 3, H, W\)"):
            iic.color_jitter(torch.rand(3, 8, 8))
        with pytest.raises(ValueError, match="`brightness` must be >= 0"):
            iic.color_jitter(torch.rand(1, 3, 8, 8), brightness=-1)
        with pytest.raises(ValueError, match="`hue` must be <= 0.5"):
            iic.color_jitter(torch.rand(1, 3, 8, 8), hue=0.7)

    def test_inverse_affine(self):
        theta = iic.random_affine(5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
        inv = iic.invert_affine(theta)
        full = torch.cat([theta, torch.tensor([[[0.0, 0.0, 1.0]]], dtype=torch.float64).expand(5, 1, 3)], 1)
        full_inv = torch.cat([inv, torch.tensor([[[0.0, 0.0, 1.0]]], dtype=torch.float64).expand(5, 1, 3)], 1)
        torch.testing.assert_close(full @ full_inv, torch.eye(3, dtype=torch.float64).expand(5, 3, 3))

    def test_flip_and_back_is_exact(self):
        z = _softmax_maps(b=1, h=6, w=7, seed=15)
        flip = torch.tensor([[[-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=torch.float64)
        flipped = iic.warp(z, flip)
        torch.testing.assert_close(flipped, z.flip(-1))
        back, mask = iic.align_to_first(flipped, flip)
        torch.testing.assert_close(back, z)
        assert bool((mask == 1).all())

    def test_alignment_undoes_affine_inside_mask(self):
        # a smooth image survives bilinear resampling there and back
        yy, xx = torch.meshgrid(torch.linspace(0, 1, 32, dtype=torch.float64),
                                torch.linspace(0, 1, 32, dtype=torch.float64), indexing="ij")
        x = torch.stack([yy, xx, yy * xx])[None]
        theta = iic.random_affine(1, max_rotation=20, max_scale=0.1, max_shift=0.1,
                                  generator=torch.Generator().manual_seed(2), dtype=torch.float64)
        back, mask = iic.align_to_first(iic.warp(x, theta), theta)
        assert 0.5 < float(mask.mean()) < 1.0  # rotation leaves corners without a partner
        inside = mask.bool().expand_as(x)
        assert float((back - x).abs()[inside].max()) < 0.05

    def test_make_views(self):
        x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
        x1, x2, theta = iic.make_views(x, generator=torch.Generator().manual_seed(1), jitter=False,
                                       max_rotation=0, max_scale=0, max_shift=0, flip=False)
        torch.testing.assert_close(x1, x)
        torch.testing.assert_close(x2, x, atol=1e-6, rtol=0)
        assert theta.shape == (2, 2, 3)

    def test_affine_errors(self):
        with pytest.raises(ValueError, match="`max_scale` must be < 1"):
            iic.random_affine(2, max_scale=1.0)
        with pytest.raises(ValueError, match="`max_rotation` must be >= 0"):
            iic.random_affine(2, max_rotation=-5)
        with pytest.raises(ValueError, match=r"`theta` must be a tensor of shape \(B, 2, 3\)"):
            iic.invert_affine(torch.eye(3)[None])
        with pytest.raises(ValueError, match="`mode` must be one of"):
            iic.warp(torch.rand(1, 1, 4, 4), torch.eye(2, 3)[None], mode="cubic")


class TestNet:
    def test_shapes_and_probabilities(self):
        torch.manual_seed(0)
        net = iic.IICNet(3, 7, width=4)
        x = torch.rand(2, 3, 10, 14)
        for head, k in (("main", 3), ("over", 7)):
            z = net(x, head=head)
            assert z.shape == (2, k, 10, 14)
            torch.testing.assert_close(z.sum(dim=1), torch.ones(2, 10, 14))

    def test_errors(self):
        with pytest.raises(ValueError, match="`k` must be at least 2"):
            iic.IICNet(1, 4)
        with pytest.raises(ValueError, match="`k_over` must be at least 4"):
            iic.IICNet(4, 3)
        net = iic.IICNet(2, 4, width=4)
        with pytest.raises(ValueError, match="`head` must be one of 'main', 'over'"):
            net(torch.rand(1, 3, 8, 8), head="aux")
        with pytest.raises(ValueError, match=r"shape \(B, C, H, W\)"):
            net(torch.rand(3, 8, 8))


def _stripes(angle, size=24, period=6.0):
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    s = np.sin((np.cos(angle) * xx + np.sin(angle) * yy) * 2 * np.pi / period) > 0
    return np.repeat((0.2 + 0.6 * s)[..., None], 3, axis=2).astype(np.float32)


@pytest.fixture(scope="module")
def two_colour_images():
    """Four noisy images split by a vertical edge at a random column: red left, blue right."""
    rng = np.random.default_rng(0)
    images = []
    for _ in range(4):
        im = np.empty((24, 24, 3), np.float32)
        im[:] = (0.9, 0.2, 0.1)
        col = rng.integers(6, 18)
        im[:, col:] = (0.1, 0.3, 0.9)
        images.append(np.clip(im + rng.normal(0, 0.03, im.shape), 0, 1).astype(np.float32))
    return images


class TestTraining:
    def test_history_callback_and_seed(self, two_colour_images):
        calls = []
        kwargs = dict(k=2, k_over=4, n_steps=6, batch_size=2, crop=16, width=4, window=3, seed=3)
        r1 = iic.train_iic(two_colour_images, callback=lambda s, info: calls.append((s, info["head"])), **kwargs)
        r2 = iic.train_iic(two_colour_images, **kwargs)
        assert calls == [(i, "over" if i % 2 == 0 else "main") for i in range(6)]
        assert r1.history["head"] == ["over", "main"] * 3
        assert len(r1.head_losses("main")) == 3 and len(r1.head_losses("over")) == 3
        assert len(r1.history["n_labels"]) == 6
        assert r1.history == r2.history
        assert not r1.model.training

    def test_callback_can_stop(self, two_colour_images):
        r = iic.train_iic(two_colour_images, k=2, k_over=4, n_steps=10, batch_size=2, crop=16, width=4,
                          window=3, callback=lambda step, info: step == 2)
        assert len(r.history["loss"]) == 3

    def test_learns_two_colours(self, two_colour_images):
        r = iic.train_iic(two_colour_images, k=2, k_over=4, n_steps=60, batch_size=4, crop=16, width=8,
                          window=3, lr=3e-3, seed=1)
        # the loss starts near 0 (near-uniform outputs) and falls; -log 2 = -0.69 is perfect
        assert abs(r.head_losses("main")[0]) < 0.05
        assert np.mean(r.head_losses("main")[-5:]) < -0.15
        labels = iic.segment_iic(r.model, two_colour_images[0])
        truth = (two_colour_images[0][..., 2] > 0.5).astype(int)
        agreement = max(np.mean(labels == truth), np.mean(labels == 1 - truth))
        assert agreement > 0.95

    def test_input_not_mutated(self, two_colour_images):
        before = [im.copy() for im in two_colour_images]
        iic.train_iic(two_colour_images, k=2, k_over=2, n_steps=2, batch_size=2, crop=16, width=4, window=3)
        for a, b in zip(two_colour_images, before):
            np.testing.assert_array_equal(a, b)

    def test_errors(self, two_colour_images):
        with pytest.raises(ValueError, match="smaller than `crop`"):
            iic.train_iic(two_colour_images, crop=32)
        with pytest.raises(ValueError, match="non-empty list"):
            iic.train_iic([])
        with pytest.raises(ValueError, match="`window` must be odd"):
            iic.train_iic(two_colour_images, window=2, crop=16)
        with pytest.raises(ValueError, match="`k_over` must be at least 4"):
            iic.train_iic(two_colour_images, k=4, k_over=2, crop=16)


class TestPredict:
    def test_segment_and_predict(self):
        torch.manual_seed(0)
        net = iic.IICNet(3, 6, width=4)
        image = _stripes(0.0)
        probs = iic.predict_iic(net, [image, image])
        assert probs.shape == (2, 3, 24, 24)
        np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)
        labels = iic.segment_iic(net, image, head="over")
        assert labels.shape == (24, 24) and labels.max() < 6
        assert net.training  # predict restores the mode it found

    def test_errors(self):
        with pytest.raises(TypeError, match="`model` must be an IICNet"):
            iic.predict_iic(torch.nn.Conv2d(3, 2, 1), np.zeros((8, 8, 3)))
        with pytest.raises(ValueError, match="same size"):
            iic.images_to_tensor([np.zeros((8, 8, 3)), np.zeros((8, 9, 3))])


class TestOrderings:
    def test_eight_distinct_orderings(self):
        ranks = {iic.ordering_rank((3, 4), corner=c, major=m).tobytes() for c, m in iic.AC_ORDERINGS}
        assert len(iic.AC_ORDERINGS) == 8 and len(ranks) == 8

    @pytest.mark.parametrize("corner,major", iic.AC_ORDERINGS)
    def test_rank_is_a_permutation_starting_at_the_corner(self, corner, major):
        rank = iic.ordering_rank((3, 4), corner=corner, major=major)
        assert sorted(rank.ravel().tolist()) == list(range(12))
        y = 0 if corner.startswith("top") else 2
        x = 0 if corner.endswith("left") else 3
        assert rank[y, x] == 0

    @pytest.mark.parametrize("corner,major", iic.AC_ORDERINGS)
    def test_mask_sees_half_the_kernel(self, corner, major):
        mask = iic.ordering_mask(5, corner=corner, major=major)
        assert mask.sum() == 12 and not mask[2, 2]
        opposite = {"top-left": "bottom-right", "bottom-right": "top-left",
                    "top-right": "bottom-left", "bottom-left": "top-right"}[corner]
        other = iic.ordering_mask(5, corner=opposite, major=major)
        assert not (mask & other).any()  # opposite scans see complementary halves

    def test_errors(self):
        with pytest.raises(ValueError, match="`size` must be odd"):
            iic.ordering_mask(4)
        with pytest.raises(ValueError, match="`corner` must be one of"):
            iic.ordering_rank((3, 3), corner="middle")
        with pytest.raises(ValueError, match="`major` must be one of"):
            iic.ordering_mask(3, major="diagonal")
        with pytest.raises(TypeError, match="`shape` must be a pair"):
            iic.ordering_rank(3)
