"""segkit.cnn.upsampling (lesson 04's in-network upsampling) against torch's own operators."""

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from segkit.cnn import upsampling as U

RNG = np.random.default_rng(0)


def _t(a):
    return torch.from_numpy(np.asarray(a, dtype=np.float64))[None, None]


@pytest.mark.parametrize("factor", [1, 2, 3])
def test_nearest_unpool_is_nearest_interpolation(factor):
    x = RNG.random((3, 4))
    ref = F.interpolate(_t(x), scale_factor=factor, mode="nearest")[0, 0].numpy()
    np.testing.assert_array_equal(U.nearest_unpool(x, factor), ref)


def test_bed_of_nails_keeps_the_values_and_their_order():
    x = RNG.random((3, 2))
    y = U.bed_of_nails(x, 3)
    assert y.shape == (9, 6) and np.count_nonzero(y) == 6
    np.testing.assert_array_equal(y[::3, ::3], x)
    np.testing.assert_array_equal(U.max_pool(y, 3)[0], x)  # pooling undoes it (values > 0)


@pytest.mark.parametrize("size", [2, 3])
def test_max_pool_and_unpool_match_torch(size):
    x = RNG.random((6, 12))
    pooled, where = U.max_pool(x, size)
    ref_p, ref_i = F.max_pool2d(_t(x), size, return_indices=True)
    np.testing.assert_array_equal(pooled, ref_p[0, 0].numpy())
    np.testing.assert_array_equal(where, ref_i[0, 0].numpy())
    ref_u = F.max_unpool2d(ref_p, ref_i, size, output_size=x.shape)[0, 0].numpy()
    np.testing.assert_array_equal(U.max_unpool(pooled, where, x.shape), ref_u)


@pytest.mark.parametrize("n, k, stride, padding, output_padding", [
    (2, 3, 2, 1, 1),   # the seminar's example: 2 x 2 -> 4 x 4
    (3, 3, 2, 1, 0),
    (2, 2, 2, 0, 0),   # no overlap
    (4, 4, 2, 1, 0),   # FCN's 2x upsampling kernel
    (3, 5, 3, 2, 2),
])
def test_transposed_conv_matches_torch(n, k, stride, padding, output_padding):
    x, kernel = RNG.random((n, n + 1)), RNG.random((k, k))
    ref = F.conv_transpose2d(_t(x), _t(kernel), stride=stride, padding=padding,
                             output_padding=output_padding)[0, 0].numpy()
    ours = U.transposed_conv2d(x, kernel, stride=stride, padding=padding, output_padding=output_padding)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)


def test_transposed_conv_is_the_transpose_of_the_strided_convolution():
    # <conv(a), b> = <a, conv_T(b)> for every a (4 x 4) and b (2 x 2): the adjoint, as in the 1-D picture
    kernel = RNG.random((3, 3))
    a, b = RNG.random((4, 4)), RNG.random((2, 2))
    conv = F.conv2d(_t(a), _t(kernel), stride=2, padding=1)[0, 0].numpy()
    assert conv.shape == (2, 2)
    lhs = float((conv * b).sum())
    rhs = float((a * U.transposed_conv2d(b, kernel, stride=2, padding=1, output_padding=1)).sum())
    assert lhs == pytest.approx(rhs, rel=1e-12)


@pytest.mark.parametrize("call, name", [
    (lambda: U.nearest_unpool(np.zeros(3)), "`x`"),
    (lambda: U.nearest_unpool(np.zeros((2, 2)), 0), "`factor`"),
    (lambda: U.max_pool(np.zeros((3, 4)), 2), "`size`"),
    (lambda: U.max_unpool(np.zeros((2, 2)), np.zeros((2, 2)), (4, 4)), "`where`"),
    (lambda: U.max_unpool(np.zeros((2, 2)), np.full((2, 2), 99), (4, 4)), "`where`"),
    (lambda: U.transposed_conv2d(np.zeros((2, 2)), np.ones((3, 3)), output_padding=2), "`output_padding`"),
    (lambda: U.transposed_conv2d(np.zeros((2, 2)), np.ones((3, 3)), padding=3), "`padding`"),
])
def test_bad_input_named(call, name):
    with pytest.raises(ValueError, match=name):
        call()
