import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from segkit import stego
from segkit.show import stego_figures


@pytest.fixture
def pair():
    g = torch.Generator().manual_seed(0)
    f1, f2 = torch.randn(6, 4, 5, generator=g), torch.randn(6, 3, 4, generator=g)
    img1 = np.random.default_rng(0).random((32, 40, 3))
    img2 = np.random.default_rng(1).random((24, 32, 3))
    return img1, f1, img2, f2


def test_grid_position_maps_fractions_to_cells():
    f = torch.zeros(3, 5, 9)
    assert stego_figures.grid_position(f, 0.0, 0.0) == (0, 0)
    assert stego_figures.grid_position(f, 1.0, 1.0) == (4, 8)
    assert stego_figures.grid_position(f, 0.5, 0.25) == (2, 2)
    with pytest.raises(ValueError, match="row"):
        stego_figures.grid_position(f, 1.5, 0.0)
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        stego_figures.grid_position(np.zeros((3, 5, 9)), 0.0, 0.0)


def test_show_correspondence_draws_the_uncentred_maps(pair):
    img1, f1, img2, f2 = pair
    fig = stego_figures.show_correspondence(img1, f1, {"same": (img1, f1), "other": (img2, f2)}, 1.0, 0.0)
    image_axes = [ax for ax in fig.axes if ax.images and ax.get_title()]
    assert [ax.get_title() for ax in image_axes] == ["query point", "same: cosine F", "other: cosine F"]
    x, y = image_axes[0].lines[0].get_data()                      # the cross on the bottom-left cell
    assert (x[0], y[0]) == (0.5 * 40 / 5, 3.5 * 32 / 4)
    heat = image_axes[2].images[1].get_array()
    np.testing.assert_allclose(heat, stego.point_correlation(f1, f2, 3, 0, centre=False).numpy(), rtol=1e-6)
    assert image_axes[2].images[1].get_extent() == [0, 32, 24, 0]   # stretched over the other image
    plt.close(fig)


def test_show_attraction_titles_and_signs(pair):
    img1, f1, img2, f2 = pair
    fig = stego_figures.show_attraction(f1, {"itself": (img1, f1), "other": (img2, f2)}, 0.1, 0.0, 1.0)
    share = float((stego.feature_correlation(f1[None], f2[None]) > 0.1).float().mean())
    assert fig.axes[1].get_title() == f"other: {share:.0%} of pairs attract"
    signs = fig.axes[1].images[1].get_array()
    expected = (stego.point_correlation(f1, f2, 0, 4) - 0.1).sign().numpy()
    np.testing.assert_array_equal(signs, expected)
    plt.close(fig)


@pytest.mark.parametrize("others, match", [
    ({}, "non-empty dict"),
    ([1, 2], "non-empty dict"),
    ({"x": np.zeros((4, 4, 3))}, r"\(image, features\) pair"),
    ({"x": (np.zeros((4, 4, 3)), torch.zeros(2, 3))}, r"features` must be a \(C, H, W\)"),
])
def test_figure_errors(pair, others, match):
    img1, f1, _, _ = pair
    with pytest.raises(ValueError, match=match):
        stego_figures.show_correspondence(img1, f1, others, 0.5, 0.5)
    with pytest.raises(ValueError, match=match):
        stego_figures.show_attraction(f1, others, 0.1, 0.5, 0.5)


def test_attraction_shift_range(pair):
    img1, f1, _, _ = pair
    with pytest.raises(ValueError, match="`b`"):
        stego_figures.show_attraction(f1, {"itself": (img1, f1)}, 2.0, 0.5, 0.5)


def test_figures_name_their_backbone(pair):
    img1, f1, img2, f2 = pair
    others = {"same": (img1, f1), "other": (img2, f2)}
    for fig in (stego_figures.show_correspondence(img1, f1, others, 0.5, 0.5, backbone="dino_vits8"),
                stego_figures.show_attraction(f1, others, 0.1, 0.5, 0.5, backbone="dino_vits8")):
        assert fig.get_suptitle() == "features: dino_vits8"
        plt.close(fig)
    fig = stego_figures.show_attraction(f1, others, 0.1, 0.5, 0.5)
    assert fig.get_suptitle() == ""
    plt.close(fig)
    with pytest.raises(TypeError, match="`backbone`"):
        stego_figures.show_correspondence(img1, f1, others, 0.5, 0.5, backbone=3)
