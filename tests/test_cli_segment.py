"""Tests for ``segkit segment`` through segkit.cli.main."""

import numpy as np
import pytest
from PIL import Image

from segkit.cli import main


@pytest.fixture
def image_file(tmp_path):
    rng = np.random.default_rng(0)
    img = np.zeros((16, 20, 3), dtype=np.uint8)
    img[:, 10:] = (200, 40, 40)
    img = np.clip(img + rng.integers(0, 20, img.shape), 0, 255).astype(np.uint8)
    path = tmp_path / "img.png"
    Image.fromarray(img).save(path)
    return path


def test_writes_labels_and_colours(image_file, tmp_path, capsys):
    out = tmp_path / "out" / "seg.png"
    rc = main(["segment", str(image_file), "-o", str(out), "--nChannel", "8", "--maxIter", "3",
               "--device", "cpu", "--seed", "1"])
    assert rc == 0
    labels = np.asarray(Image.open(out))
    assert labels.shape == (16, 20) and labels.dtype == np.uint8
    colour = np.asarray(Image.open(tmp_path / "out" / "seg_color.png"))
    assert colour.shape == (16, 20, 3)
    assert "iterations" in capsys.readouterr().out


def test_reference_options(image_file, tmp_path):
    scr = np.full((16, 20), 255, dtype=np.uint8)
    scr[2:5, 2:5] = 0
    scr[10:13, 14:17] = 1
    scr_path = tmp_path / "scr.png"
    Image.fromarray(scr).save(scr_path)
    out = tmp_path / "a.png"
    rc = main(["segment", str(image_file), "-o", str(out), "--nChannel", "8", "--maxIter", "2",
               "--nConv", "1", "--lr", "0.05", "--stepsize_sim", "1", "--stepsize_con", "2",
               "--stepsize_scr", "0.7", "--scribble", str(scr_path), "--device", "cpu", "--quiet", "--no_keep_memory",
               "--color", str(tmp_path / "c.png")])
    assert rc == 0 and (tmp_path / "c.png").exists()


def test_kanezaki2018(image_file, tmp_path):
    out = tmp_path / "k.png"
    rc = main(["segment", str(image_file), "-o", str(out), "--method", "kanezaki2018", "--nChannel", "8",
               "--maxIter", "2", "--num_superpixels", "20", "--compactness", "10", "--device", "cpu",
               "--quiet"])
    assert rc == 0 and out.exists()


@pytest.mark.parametrize("extra, message", [
    (["--nChannel", "1"], "--nChannel must be at least 2"),
    (["--maxIter", "0"], "--maxIter must be at least 1"),
    (["--minLabels", "0"], "--minLabels must be at least 1"),
    (["--lr", "-1"], "--lr must be > 0"),
    (["--stepsize_con", "-1"], "mu"),
    (["--device", "tpu"], "device"),
])
def test_bad_values_give_message_and_exit_2(image_file, tmp_path, capsys, extra, message):
    rc = main(["segment", str(image_file), "-o", str(tmp_path / "o.png"), "--maxIter", "1"] + extra)
    assert rc == 2
    assert message in capsys.readouterr().err


def test_bad_files(image_file, tmp_path, capsys):
    assert main(["segment", str(tmp_path / "missing.jpg"), "-o", str(tmp_path / "o.png")]) == 2
    assert "no file" in capsys.readouterr().err
    assert main(["segment", str(image_file), "-o", str(tmp_path / "o.jpg")]) == 2
    assert ".png" in capsys.readouterr().err
    rgb_scr = tmp_path / "s.png"
    Image.fromarray(np.zeros((16, 20, 3), np.uint8)).save(rgb_scr)
    assert main(["segment", str(image_file), "-o", str(tmp_path / "o.png"), "--scribble", str(rgb_scr)]) == 2
    assert "grayscale" in capsys.readouterr().err
    small = tmp_path / "small.png"
    Image.fromarray(np.full((5, 5), 255, np.uint8)).save(small)
    assert main(["segment", str(image_file), "-o", str(tmp_path / "o.png"), "--scribble", str(small)]) == 2
    assert "size" in capsys.readouterr().err


def test_argparse_errors_exit_nonzero(image_file, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["segment", str(image_file), "-o", str(tmp_path / "o.png"), "--method", "nope"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["segment", str(image_file)])
    assert exc.value.code == 2
