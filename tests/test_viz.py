import matplotlib
import numpy as np
import pytest

from segkit.show import viz


def test_palette_fixed_and_distinct():
    assert viz.PALETTE.shape == (256, 3)
    first = viz.PALETTE[:20]
    d = np.linalg.norm(first[:, None] - first[None], axis=-1)
    assert d[~np.eye(20, dtype=bool)].min() > 0.1
    assert 0 <= viz.PALETTE.min() and viz.PALETTE.max() <= 1


def test_colorize_same_id_same_colour():
    a = viz.colorize(np.array([[0, 3], [3, 1]]))
    b = viz.colorize(np.array([[3, 3]]))
    np.testing.assert_array_equal(a[0, 1], b[0, 0])


def test_colorize_small_integer_dtypes():
    # uint8 label maps (scribble images) must not overflow when wrapped around the palette
    labels = np.array([[0, 255], [1, 2]], dtype=np.uint8)
    np.testing.assert_array_equal(viz.colorize(labels)[0, 1], viz.PALETTE[255])


def test_overlay_and_mark():
    img = np.zeros((10, 10, 3), np.float32)
    labels = np.zeros((10, 10), int)
    labels[:, 5:] = 1
    ov = viz.overlay(img, labels, alpha=1.0)
    np.testing.assert_allclose(ov, viz.colorize(labels))
    marked = viz.mark(img, labels)
    assert marked.shape == (10, 10, 3) and marked.max() > 0
    with pytest.raises(ValueError, match="same height and width"):
        viz.overlay(img, labels[:5])
    with pytest.raises(ValueError, match="`alpha` must be <= 1"):
        viz.overlay(img, labels, alpha=2)


def test_panels_and_history():
    img = np.random.default_rng(0).random((12, 16, 3)).astype(np.float32)
    labels = (img[..., 0] > 0.5).astype(int)
    fig = viz.show_panel(img, labels)
    assert isinstance(fig, matplotlib.figure.Figure) and len(fig.axes) == 3
    assert fig.axes[1].get_title() == "labels (2)"
    shown = fig.axes[2].get_images()[0].get_array()
    np.testing.assert_array_equal(shown, viz.mark(img, labels))
    zoomed = viz.show_panel(img, labels, zoom=4).axes[2].get_images()[0].get_array()
    np.testing.assert_array_equal(zoomed, viz.mark(img, labels, zoom=4))  # thin boundaries on enlarged pixels
    fig = viz.show_annotations(img, [labels, 1 - labels])
    assert fig.axes[2].get_title().startswith("annotator 2")
    ax = viz.plot_history({"loss": [3, 2, 1], "loss_sim": [2, 1, 0.5], "n_labels": [9, 5, 3]})
    assert len(ax.get_lines()) == 2
    ax = viz.plot_history([{"loss": 1.0, "n_labels": 4}, {"loss": 0.5, "n_labels": 3}])
    assert len(ax.get_lines()) == 1
    with pytest.raises(ValueError, match="no column 'nope'"):
        viz.plot_history({"loss": [1]}, loss_keys=["nope"])
    with pytest.raises(TypeError, match="`history` must be"):
        viz.plot_history(42)
    with pytest.raises(ValueError, match="`titles` must hold 3 strings"):
        viz.show_panel(img, labels, titles=("a",))


def test_show_row_draws_each_kind_of_picture():
    import matplotlib.pyplot as plt

    img = np.random.default_rng(0).random((10, 12, 3)).astype(np.float32)
    lab = np.zeros((10, 12), int)
    lab[:, 6:] = 3
    edges = np.zeros((10, 12), bool)
    edges[5] = True
    fig = viz.show_row([img, lab, edges], ["a", "b", "c"])
    assert [ax.get_title() for ax in fig.axes] == ["a", "b", "c"]
    drawn = [ax.images[0] for ax in fig.axes]
    np.testing.assert_allclose(drawn[0].get_array(), img)
    np.testing.assert_allclose(drawn[1].get_array(), viz.colorize(lab))   # label maps in the course's colours
    assert drawn[2].get_cmap().name == "gray"                             # masks and edge maps in grey
    np.testing.assert_array_equal(drawn[2].get_array(), edges.astype(np.float32))
    plt.close(fig)


@pytest.mark.parametrize("pictures, titles, match", [
    ([], None, "empty"),
    ([np.zeros((4, 5, 3))], ["a", "b"], "one title per picture"),
    ([np.zeros((4, 5, 4))], None, r"pictures\[0\]` must be \(H, W\) or \(H, W, 3\)"),
    ([np.zeros((4, 5)), np.zeros(3)], None, r"pictures\[1\]"),
])
def test_show_row_errors(pictures, titles, match):
    with pytest.raises(ValueError, match=match):
        viz.show_row(pictures, titles)


def test_mark_zoom_draws_thinner_boundaries_and_keeps_the_default():
    rng = np.random.default_rng(0)
    img = rng.random((12, 16, 3)).astype(np.float32)
    labels = np.repeat(np.repeat(np.arange(12).reshape(3, 4), 4, axis=0), 4, axis=1)  # 4 x 4 cells
    plain = viz.mark(img, labels)
    np.testing.assert_array_equal(plain, viz.mark(img, labels, zoom=1))          # zoom=1 is the default
    thin = viz.mark(img, labels, zoom=3, color=(1.0, 0.0, 0.0))
    assert thin.shape == (36, 48, 3)
    on_line = np.all(thin == (1.0, 0.0, 0.0), axis=-1)
    plain_line = np.all(plain == (1.0, 1.0, 0.0), axis=-1)
    assert on_line.mean() < 0.6 * plain_line.mean()                             # a smaller share covered
    off = ~on_line
    np.testing.assert_allclose(thin[off], np.repeat(np.repeat(img, 3, 0), 3, 1)[off])  # the image elsewhere
    with pytest.raises(ValueError, match="`zoom`"):
        viz.mark(img, labels, zoom=0)
