import matplotlib
import numpy as np
import pytest
import torch

from segkit.show import cnn_figures, live as live_module

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.mark.parametrize("n_in, k, stride, padding", [(4, 3, 2, 1), (7, 3, 1, 0), (9, 4, 3, 2), (5, 1, 1, 0)])
def test_conv1d_matrix_matches_torch(n_in, k, stride, padding):
    rng = np.random.default_rng(0)
    kernel = rng.normal(size=k)
    x = rng.normal(size=n_in)
    C = cnn_figures.conv1d_matrix(n_in, kernel, stride=stride, padding=padding)
    wt = torch.tensor(kernel)[None, None]
    y = torch.nn.functional.conv1d(torch.tensor(x)[None, None], wt, stride=stride, padding=padding)[0, 0]
    np.testing.assert_allclose(C @ x, y.numpy(), atol=1e-12)
    b = rng.normal(size=C.shape[0])
    out_pad = n_in - ((C.shape[0] - 1) * stride - 2 * padding + k)
    xt = torch.nn.functional.conv_transpose1d(torch.tensor(b)[None, None], wt, stride=stride,
                                              padding=padding, output_padding=out_pad)[0, 0]
    np.testing.assert_allclose(C.T @ b, xt.numpy(), atol=1e-12)


def test_conv1d_matrix_errors():
    with pytest.raises(ValueError, match="kernel"):
        cnn_figures.conv1d_matrix(4, [])
    with pytest.raises(ValueError, match="longer than the padded input"):
        cnn_figures.conv1d_matrix(2, [1, 2, 3, 4])
    with pytest.raises(ValueError, match="stride"):
        cnn_figures.conv1d_matrix(4, [1, 2], stride=0)


def test_draw_network_and_conv_matrix():
    ax = cnn_figures.draw_network(16, 3)
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "component 3" in texts and "16 -> 16" in texts and "argmax" in texts
    plt.close("all")
    fig = cnn_figures.draw_conv_matrix(4, names=("x", "y", "z"))
    cells = [t.get_text() for t in fig.axes[0].texts]
    assert cells == ["y", "z", "0", "0", "0", "x", "y", "z"]   # C, row by row
    cells_t = [t.get_text() for t in fig.axes[1].texts]
    assert cells_t == ["y", "0", "z", "x", "0", "y", "0", "z"]  # C^T
    plt.close("all")
    with pytest.raises(ValueError, match="n_channels"):
        cnn_figures.draw_network(1)


def test_show_scribble():
    img = np.random.default_rng(0).random((10, 12, 3)).astype(np.float32)
    s = np.full((10, 12), 255, np.uint8)
    s[2, :] = 1
    ax = cnn_figures.show_scribble(img, s)
    drawn = ax.images[0].get_array()
    assert not np.allclose(drawn[2], drawn[5])
    with pytest.raises(ValueError, match="same height and width"):
        cnn_figures.show_scribble(img, s[:5])
    plt.close("all")


def test_plot_mu_sweep_counts():
    a = np.zeros((8, 8), int)
    a[:, 4:] = 1
    b = np.zeros((8, 8), int)
    b[:, ::2] = 1                     # 2 labels, 8 components
    fig = cnn_figures.plot_mu_sweep({0.5: b, 5.0: a})
    line_labels, line_comp = fig.axes[-1].lines[:2]
    np.testing.assert_array_equal(line_labels.get_ydata(), [2, 2])
    np.testing.assert_array_equal(line_comp.get_ydata(), [8, 2])
    plt.close("all")
    with pytest.raises(ValueError, match="non-empty dict"):
        cnn_figures.plot_mu_sweep({})


def test_live_history_plot_collects_and_draws():
    live = cnn_figures.LiveHistoryPlot(min_interval=0.0)
    for i in range(4):
        assert live.callback(i, {"loss": 1.0 - 0.1 * i, "sim_loss": 0.5, "con_loss": 0.2,
                                 "n_labels": 10 - i, "labels": None}) is None
    assert live.history["n_labels"] == [10.0, 9.0, 8.0, 7.0]
    live.finish()
    plt.close("all")


def test_live_training_feeds_bar_and_plot():
    import ipywidgets as widgets

    out = widgets.Output()
    callback = cnn_figures.live_training(out, total=6, every=2, min_interval=1e9)
    for i in range(3):
        callback(i, {"loss": 1.0 - 0.1 * i, "sim_loss": 0.5, "con_loss": 0.2, "n_labels": 9 - i})
    assert callback.progress.bar.value == 2                  # updated every 2 iterations
    assert callback.plot.history["n_labels"] == [9.0, 8.0, 7.0]
    again = cnn_figures.live_training(out, total=4)           # a second run starts afresh
    assert again.plot.history["loss"] == [] and again.progress.bar.value == 0
    with pytest.raises(TypeError, match="ipywidgets.Output"):
        cnn_figures.live_training(None, total=3)
    with pytest.raises(ValueError, match="total"):
        cnn_figures.live_training(out, total=0)


def test_live_history_plot_keeps_drawing_to_its_share_of_the_time(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(live_module.time, "perf_counter", lambda: clock[0])
    live = cnn_figures.LiveHistoryPlot(min_interval=0.0, max_share=0.25)
    draws = []

    def slow_draw():              # each redraw costs 1 s of the clock
        draws.append(clock[0])
        clock[0] += 1.0

    monkeypatch.setattr(live, "draw", slow_draw)
    for i in range(200):          # 200 iterations of 0.1 s each
        clock[0] += 0.1
        live.callback(i, {"loss": 1.0, "sim_loss": 0.5, "con_loss": 0.1, "n_labels": 5})
    spent_drawing = len(draws) * 1.0
    assert 1 <= len(draws) and spent_drawing / clock[0] <= 0.3
    # with free redraws it draws at every iteration (min_interval 0)
    assert len(draws) < 200
    with pytest.raises(ValueError, match="max_share"):
        cnn_figures.LiveHistoryPlot(max_share=0)


def test_draw_upsampling_2d_shows_what_segkit_computes():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from segkit.cnn import upsampling as U

    fig = cnn_figures.draw_upsampling_2d()
    axes = fig.axes
    assert len(axes) == 7
    assert axes[-1].get_title().startswith("transposed conv")
    # the numbers written in the last panel are the transposed convolution's
    expected = U.transposed_conv2d([[1, 2], [3, 4]], np.ones((3, 3)), stride=2, padding=1, output_padding=1)
    shown = [float(t.get_text()) for t in axes[-1].texts]
    assert shown == expected.ravel().tolist()
    assert [float(t.get_text()) for t in axes[5].texts] == U.max_unpool(*U.max_pool(
        np.array([[1, 5, 0, 0], [2, 3, 0, 7], [0, 0, 1, 1], [9, 0, 1, 2]], float), 2), (4, 4)).ravel().tolist()
    plt.close(fig)


def test_draw_fcn_unet_draws_both_networks():
    fig = cnn_figures.draw_fcn_unet()
    fcn, unet = fig.axes
    assert fcn.get_title().startswith("FCN-8s") and unet.get_title().startswith("U-Net")
    fcn_texts = [t.get_text() for t in fcn.texts]
    # the encoder down to 1/32, two sums (+) and the upsamplings x2, x2, x8
    assert {"1/2", "1/4", "1/8\npool3", "1/16\npool4", "1/32\nconv7"} <= set(fcn_texts)
    assert fcn_texts.count("+") == 2
    assert fcn_texts.count("up x2") == 2 and "up x8 (to full size)" in fcn_texts
    unet_texts = [t.get_text() for t in unet.texts]
    assert {"64", "128", "256", "512", "1024", "64+64", "512+512"} <= set(unet_texts)
    assert "up-conv 2x2" in unet_texts and "copy, concatenate" in unet_texts
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert len(legend) == 3 and "skip connection" in legend
    width, height = fig.get_size_inches() * 100
    assert width < 1000 and height < 500
    plt.close(fig)
