"""Tests for segkit.iic.store: a trained IICNet written to a file and read back."""

import numpy as np
import pytest
import torch

from segkit import iic


def _trained_net():
    images = [np.random.default_rng(s).random((24, 24, 3)) for s in range(3)]
    return iic.train_iic(images, k=3, k_over=6, n_steps=4, batch_size=2, crop=16, width=4, seed=0).model


def test_round_trip_keeps_shape_weights_outputs_and_info(tmp_path):
    net = _trained_net()
    image = np.random.default_rng(9).random((20, 28, 3))
    info = {"data": "bsds", "steps": 4, "scores": {"IIC": [0.5, 0.1]}, "ids": ["1", "2"]}
    path = iic.save_iic(net, tmp_path / "net.pt", info=info)
    loaded, got = iic.load_iic(path)
    assert got == info
    assert (loaded.k, loaded.k_over, loaded.trunk[0].out_channels) == (3, 6, 4)
    assert not loaded.training
    for (name, a), (_, b) in zip(net.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), name
    np.testing.assert_array_equal(iic.segment_iic(net, image), iic.segment_iic(loaded, image))


def test_info_is_stored_as_plain_data(tmp_path):
    info = {"torch": torch.__version__, "score": np.float64(0.25), "n": np.int64(3), "pair": (1, 2.5),
            "flag": np.bool_(True)}
    _, got = iic.load_iic(iic.save_iic(iic.IICNet(2, 4), tmp_path / "n.pt", info=info))
    assert got == {"torch": str(torch.__version__), "score": 0.25, "n": 3, "pair": [1, 2.5], "flag": True}
    assert type(got["torch"]) is str and type(got["score"]) is float and type(got["flag"]) is bool


def test_save_does_not_change_the_model(tmp_path):
    net = _trained_net().train()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    iic.save_iic(net, str(tmp_path / "net.pt"))
    assert net.training
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_load_reads_with_weights_only(tmp_path):
    # a file that needs code to unpickle is refused, not run
    class Evil:
        def __reduce__(self):
            return (print, ("ran",))

    path = tmp_path / "evil.pt"
    torch.save({"format": "segkit-iic-1", "x": Evil()}, path)
    with pytest.raises(ValueError, match="not a file written by segkit.iic.save_iic"):
        iic.load_iic(path)


@pytest.mark.parametrize("call, error, match", [
    (lambda p: iic.save_iic("net", p / "a.pt"), TypeError, "`model` must be an IICNet"),
    (lambda p: iic.save_iic(iic.IICNet(2, 4), 3), TypeError, "`path` must be a file path"),
    (lambda p: iic.save_iic(iic.IICNet(2, 4), p / "a.pt", info=[1]), TypeError, "`info` must be a dict"),
    (lambda p: iic.save_iic(iic.IICNet(2, 4), p / "no" / "a.pt"), ValueError, "does not exist"),
    (lambda p: iic.save_iic(iic.IICNet(2, 4), p / "a.pt", info={"a": {"b": object()}}), TypeError,
     r"info\['a'\]\['b'\] is <object"),
    (lambda p: iic.save_iic(iic.IICNet(2, 4), p / "a.pt", info={1: 2}), TypeError, "keys must be str"),
    (lambda p: iic.load_iic(p / "missing.pt"), FileNotFoundError, "no file"),
    (lambda p: iic.load_iic(None), TypeError, "`path` must be a file path"),
])
def test_bad_input(tmp_path, call, error, match):
    with pytest.raises(error, match=match):
        call(tmp_path)


def test_load_refuses_other_files(tmp_path):
    text = tmp_path / "notes.pt"
    text.write_text("not a torch file")
    with pytest.raises(ValueError, match="not a file written by segkit.iic.save_iic"):
        iic.load_iic(text)
    other = tmp_path / "state.pt"
    torch.save(iic.IICNet(2, 4).state_dict(), other)   # a bare state dict: no format, no shape
    with pytest.raises(ValueError, match="expected format 'segkit-iic-1'"):
        iic.load_iic(other)
