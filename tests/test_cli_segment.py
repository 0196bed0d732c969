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
    (["--stepsize_con", "-1"], "--stepsize_con must be >= 0"),
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


# --- bad paths and options are refused before anything is computed -----------------------------

import os  # noqa: E402

import segkit.commands.segment as segment_command  # noqa: E402


@pytest.fixture
def nothing_computed(monkeypatch):
    """Fail the test if the command reads the image or trains."""
    def refuse(args):
        raise AssertionError("the command went on to read the image and train")

    monkeypatch.setattr(segment_command, "_segment", refuse)


def _run_bad(capsys, argv):
    rc = main(["segment"] + [str(a) for a in argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return rc, err


def test_output_that_is_a_folder(image_file, tmp_path, capsys, nothing_computed):
    folder = tmp_path / "out.png"
    folder.mkdir()
    rc, err = _run_bad(capsys, [image_file, "-o", folder])
    assert rc == 2 and "-o/--output" in err and "is a folder" in err


def test_output_under_a_regular_file(image_file, tmp_path, capsys, nothing_computed):
    afile = tmp_path / "afile"
    afile.write_text("x")
    rc, err = _run_bad(capsys, [image_file, "--output", afile / "x.png"])
    assert rc == 2 and "-o/--output" in err and "is a file, not a folder" in err
    rc, err = _run_bad(capsys, [image_file, "-o", afile / "deeper" / "x.png"])
    assert rc == 2 and "is a file, not a folder" in err


def test_output_in_a_read_only_folder(image_file, tmp_path, capsys, nothing_computed, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.geteuid() == 0:  # root may write anywhere: make the folder read-only as seen by the check
            real = os.access
            monkeypatch.setattr(segment_command.os, "access",
                                lambda p, mode: False if str(p) == str(folder) else real(p, mode))
        rc, err = _run_bad(capsys, [image_file, "-o", folder / "x.png"])
    finally:
        folder.chmod(0o755)
    assert rc == 2 and "-o/--output" in err and "read-only" in err


def test_missing_output_folders_are_fine_and_created(image_file, tmp_path):
    out = tmp_path / "a" / "b" / "seg.png"
    assert main(["segment", str(image_file), "-o", str(out), "--nChannel", "4", "--maxIter", "1",
                 "--device", "cpu", "--quiet"]) == 0
    assert out.exists()


@pytest.mark.parametrize("color, message", [
    ("c.xyz", "--color must name an image file"),
    ("o.png", "--color must differ from -o/--output"),
])
def test_bad_color_path(image_file, tmp_path, capsys, nothing_computed, color, message):
    rc, err = _run_bad(capsys, [image_file, "-o", tmp_path / "o.png", "--color", tmp_path / color])
    assert rc == 2 and message in err


def test_color_folder(image_file, tmp_path, capsys, nothing_computed):
    rc, err = _run_bad(capsys, [image_file, "-o", tmp_path / "o.png", "--color", tmp_path])
    assert rc == 2 and "--color" in err and "is a folder" in err


@pytest.mark.parametrize("extra, message", [
    (["--minLabels", "50", "--nChannel", "8"], "--minLabels must not exceed --nChannel (8)"),
    (["--lr", "nan"], "--lr must be finite"),
    (["--momentum", "1"], "--momentum must be < 1"),
    (["--stepsize_sim", "-0.5"], "--stepsize_sim must be >= 0"),
    (["--stepsize_scr", "-1"], "--stepsize_scr must be >= 0"),
    (["--stepsize_con", "inf"], "--stepsize_con must be finite"),
    (["--seed", "-1"], "--seed must be at least 0"),
    (["--max_side", "4"], "--max_side must be at least 8"),
    (["--num_superpixels", "0"], "--num_superpixels must be at least 1"),
    (["--compactness", "0"], "--compactness must be > 0"),
    (["--nConv", "0"], "--nConv must be at least 1"),
])
def test_options_checked_first_and_named_as_typed(image_file, tmp_path, capsys, nothing_computed,
                                                  extra, message):
    rc, err = _run_bad(capsys, [image_file, "-o", tmp_path / "o.png"] + extra)
    assert rc == 2 and message in err
    assert "`" not in err  # no Python argument names left


def test_library_messages_are_translated_to_options():
    assert segment_command.as_typed("`n_channels` must be at most 4096; got 100000") == \
        "--nChannel must be at most 4096; got 100000"
    assert segment_command.as_typed("`src`: 'x.jpg' could not be read") == "IMAGE: 'x.jpg' could not be read"
    assert segment_command.as_typed("`unknown` stays") == "`unknown` stays"
    for keyword, option in segment_command.OPTIONS.items():  # every option the call sets exists
        assert option in segment_command.as_typed(f"`{keyword}`")


def test_damaged_image_file_is_a_clean_error(tmp_path, capsys):
    data = (tmp_path / "ok.jpg")
    Image.fromarray(np.zeros((40, 40, 3), np.uint8) + 100).save(data)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data.read_bytes()[:300])
    rc, err = _run_bad(capsys, [cut, "-o", tmp_path / "o.png"])
    assert rc == 2 and "IMAGE" in err and "cut.jpg" in err and "damaged or incomplete" in err


def test_bad_scribble_file_is_a_clean_error(image_file, tmp_path, capsys):
    cut = tmp_path / "scr.png"
    buf = tmp_path / "full.png"
    Image.fromarray(np.full((16, 20), 255, np.uint8)).save(buf)
    cut.write_bytes(buf.read_bytes()[:20])
    rc, err = _run_bad(capsys, [image_file, "-o", tmp_path / "o.png", "--scribble", cut])
    assert rc == 2 and "--scribble" in err and "scr.png" in err


def test_write_failure_after_training_is_a_clean_error(image_file, tmp_path, capsys, monkeypatch):
    def full_disk(path, array):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(segment_command, "_save_png", full_disk)
    rc, err = _run_bad(capsys, [image_file, "-o", tmp_path / "o.png", "--nChannel", "4", "--maxIter", "1",
                                "--device", "cpu", "--quiet"])
    assert rc == 1 and "writing the result failed: No space left on device" in err and "o.png" in err
