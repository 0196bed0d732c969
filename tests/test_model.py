"""Tests for segkit.cnn.model: the network's structure, shapes, registration and errors."""

import pytest
import torch
from torch import nn

from segkit.cnn.model import PlainListNet, SegNet, count_parameters


class TestSegNet:
    def test_output_shape(self):
        net = SegNet(3, n_channels=7, n_conv=3)
        out = net(torch.rand(2, 3, 9, 11))
        assert out.shape == (2, 7, 9, 11)

    def test_structure_follows_the_papers(self):
        net = SegNet(3, n_channels=6, n_conv=3)
        assert isinstance(net.convs, nn.ModuleList) and isinstance(net.bns, nn.ModuleList)
        assert len(net.convs) == 3 and len(net.bns) == 3
        assert net.convs[0].in_channels == 3 and net.convs[0].kernel_size == (3, 3)
        assert all(c.in_channels == 6 and c.out_channels == 6 for c in net.convs[1:])
        assert net.final_conv.kernel_size == (1, 1)
        assert isinstance(net.final_bn, nn.BatchNorm2d) and net.final_bn.num_features == 6

    def test_final_bn_normalises_each_channel_over_the_image(self):
        # the final BN (affine weight 1, bias 0 at init) gives every channel zero mean, unit variance
        net = SegNet(3, n_channels=5, n_conv=2)
        out = net(torch.rand(1, 3, 12, 13)).detach()
        mean = out.mean(dim=(0, 2, 3))
        var = out.var(dim=(0, 2, 3), unbiased=False)
        assert torch.allclose(mean, torch.zeros(5), atol=1e-5)
        assert torch.allclose(var, torch.ones(5), atol=1e-3)

    def test_batch_statistics_in_eval_mode_too(self):
        net = SegNet(3, n_channels=4, n_conv=1)
        x = torch.rand(1, 3, 8, 8)
        a = net.train()(x)
        b = net.eval()(x)
        assert torch.allclose(a, b)

    def test_all_layers_registered_and_trained(self):
        torch.manual_seed(0)
        net = SegNet(3, n_channels=4, n_conv=2)
        before = [p.detach().clone() for p in net.parameters()]
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        net(torch.rand(1, 3, 8, 8)).square().mean().backward()
        opt.step()
        middle = dict(net.named_parameters())["convs.1.weight"]
        assert not torch.equal(middle, before[2])
        assert count_parameters(net) == sum(p.numel() for p in net.parameters())

    def test_relu_before_bn(self):
        # the first component is conv -> ReLU -> BN: BN of non-negative values
        net = SegNet(3, n_channels=4, n_conv=1)
        seen = {}
        net.bns[0].register_forward_hook(lambda m, i, o: seen.update(inp=i[0].detach().clone()))
        net(torch.rand(1, 3, 8, 8))
        assert float(seen["inp"].min()) >= 0.0

    @pytest.mark.parametrize("kwargs, exc, match", [
        ({"n_channels": 1}, ValueError, "n_channels"),
        ({"n_conv": 0}, ValueError, "n_conv"),
        ({"in_channels": 0}, ValueError, "in_channels"),
        ({"n_channels": 2.5}, TypeError, "n_channels"),
    ])
    def test_bad_sizes(self, kwargs, exc, match):
        with pytest.raises(exc, match=match):
            SegNet(**kwargs)

    def test_bad_input(self):
        net = SegNet(3, n_channels=4)
        with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
            net(torch.rand(3, 8, 8))
        with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
            net(torch.rand(1, 4, 8, 8))
        with pytest.raises(TypeError, match="torch.Tensor"):
            net([[1.0]])


class TestPlainListNet:
    def test_middle_layers_are_invisible(self):
        good, bad = SegNet(3, 8, 3), PlainListNet(3, 8, 3)
        per_middle = 8 * 8 * 9 + 8 + 2 * 8
        assert count_parameters(good) - count_parameters(bad) == 2 * per_middle
        assert not any(k.startswith("conv2") for k in bad.state_dict())

    def test_middle_layers_never_trained(self):
        torch.manual_seed(0)
        bad = PlainListNet(3, 4, 2)
        w0 = bad.conv2[0].weight.detach().clone()
        opt = torch.optim.SGD(bad.parameters(), lr=0.5)
        for _ in range(3):
            opt.zero_grad()
            bad(torch.rand(1, 3, 8, 8)).square().mean().backward()
            opt.step()
        assert torch.equal(bad.conv2[0].weight, w0)  # the bug
        assert bad.conv2[0].weight.grad is not None  # gradients are computed, just never applied

    def test_same_function_as_segnet_with_same_weights(self):
        good, bad = SegNet(3, 5, 2), PlainListNet(3, 5, 2)
        pairs = [(bad.conv1, good.convs[0]), (bad.bn1, good.bns[0]), (bad.conv2[0], good.convs[1]),
                 (bad.bn2[0], good.bns[1]), (bad.final_conv, good.final_conv), (bad.final_bn, good.final_bn)]
        for b, g in pairs:
            b.load_state_dict(g.state_dict())
        x = torch.rand(1, 3, 7, 9)
        assert torch.allclose(good(x), bad(x))
