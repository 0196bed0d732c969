import functools
import http.server
import os
import threading

import numpy as np
import pytest
import scipy.io

from segkit import datasets
from segkit.datasets import (DatasetNotFoundError, bsds500, bsds500_ids, bsds500_root, load_bsds500_item,
                             read_bsds_groundtruth, synthetic_scene)


def test_local_copy_val(bsds_root):
    ids = bsds500_ids("val", bsds_root)
    assert len(ids) == 100 and ids[0] == "3096"
    item = load_bsds500_item("3096", "val", bsds_root)
    assert item.image.shape in ((321, 481, 3), (481, 321, 3))
    assert item.image.dtype == np.float32
    assert 4 <= item.n_annotators <= 9
    for seg in item.segmentations:
        assert seg.shape == item.image.shape[:2]
        assert seg.dtype == np.int32 and seg.min() == 0
    counts = item.segment_counts
    assert np.unique(item.finest).size == max(counts)
    assert np.unique(item.coarsest).size == min(counts)


def test_train_split_and_env_var(bsds_root, monkeypatch):
    monkeypatch.setenv("SEGKIT_BSDS500", str(bsds_root))
    assert len(bsds500_ids("train")) == 200
    assert bsds500_root() == bsds_root


def test_root_accepts_parent_layouts(bsds_root):
    # the tarball/mirror parent of data/ works too
    assert bsds500_root(bsds_root.parent) == bsds_root


def test_max_side_resizes_segmentations_too(bsds_root):
    item = load_bsds500_item(3096, "val", bsds_root, max_side=96)
    assert max(item.image.shape[:2]) == 96
    full = load_bsds500_item("3096", "val", bsds_root)
    for small, big in zip(item.segmentations, full.segmentations):
        assert small.shape == item.image.shape[:2]
        assert set(np.unique(small)) <= set(np.unique(big))  # nearest neighbour: no new labels


def test_bsds500_list(bsds_root):
    items = bsds500("val", bsds_root, limit=2, max_side=64)
    assert [i.id for i in items] == bsds500_ids("val", bsds_root)[:2]
    items = bsds500("val", bsds_root, ids=["8023"], max_side=64)
    assert items[0].id == "8023"
    with pytest.raises(ValueError, match="not in the 'val' split: 1"):
        bsds500("val", bsds_root, ids=["1"])
    with pytest.raises(TypeError, match="sequence of image ids"):
        bsds500("val", bsds_root, ids="8023")


def test_thumbs_db_is_ignored(tmp_path, bsds_root):
    for sub in ("images/val", "groundTruth/val"):
        (tmp_path / sub).mkdir(parents=True)
    (tmp_path / "images/val/Thumbs.db").write_bytes(b"junk")
    (tmp_path / "images/val/3096.jpg").write_bytes((bsds_root / "images/val/3096.jpg").read_bytes())
    assert bsds500_ids("val", tmp_path) == ["3096"]


def test_missing_copy_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.delenv("SEGKIT_BSDS500", raising=False)
    monkeypatch.setattr(datasets.bsds, "_cache_dir", lambda: tmp_path / "cache")
    with pytest.raises(DatasetNotFoundError, match="fetch_bsds500"):
        bsds500_root()
    with pytest.raises(ValueError, match="SEGKIT_BSDS500"):
        bsds500_ids("val")
    with pytest.raises(DatasetNotFoundError, match="no BSDS500 copy at"):
        bsds500_root(tmp_path)
    monkeypatch.setenv("SEGKIT_BSDS500", str(tmp_path / "nowhere"))
    with pytest.raises(DatasetNotFoundError, match="does not point at a BSDS500 copy"):
        bsds500_root()


@pytest.fixture
def serve(tmp_path):
    """Serve a folder over HTTP on 127.0.0.1 (pooch downloads over http/https only)."""
    servers = []

    def start(folder):
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
        handler.log_message = lambda *a, **k: None
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_download_uses_pinned_mirror_files(tmp_path, monkeypatch, bsds_root, serve):
    """download=True fetches the two files through pooch with pinned hashes (a local server stands in)."""
    monkeypatch.delenv("SEGKIT_BSDS500", raising=False)
    monkeypatch.setattr(datasets.bsds, "_cache_dir", lambda: tmp_path / "cache")
    # the mirror's layout is BSDS500/data/...; link the local copy into it
    mirror = tmp_path / "mirror"
    (mirror / "BSDS500").mkdir(parents=True)
    os.symlink(bsds_root, mirror / "BSDS500" / "data")
    monkeypatch.setattr(datasets.bsds, "MIRROR_URL", serve(mirror))
    item = load_bsds500_item("3096", "val", download=True)
    assert item.n_annotators == 5
    assert (tmp_path / "cache/files/BSDS500/data/images/val/3096.jpg").is_file()
    # now the cache is a local copy: no download needed
    assert bsds500_root() == tmp_path / "cache/files/BSDS500/data"
    with pytest.raises(ValueError, match="is not an image of the BSDS500 'val' split"):
        load_bsds500_item("12345678", "val", download=True)


def test_download_rejects_tampered_file(tmp_path, monkeypatch, bsds_root, serve):
    monkeypatch.delenv("SEGKIT_BSDS500", raising=False)
    monkeypatch.setattr(datasets.bsds, "_cache_dir", lambda: tmp_path / "cache")
    mirror = tmp_path / "mirror" / "BSDS500" / "data"
    (mirror / "images/val").mkdir(parents=True)
    (mirror / "images/val/3096.jpg").write_bytes(b"tampered")
    monkeypatch.setattr(datasets.bsds, "MIRROR_URL", serve(tmp_path / "mirror"))
    with pytest.raises(ValueError, match="SHA256 hash of downloaded file"):
        load_bsds500_item("3096", "val", download=True)


@pytest.mark.parametrize("bad, match", [("abc", "must be a BSDS500 image id"), (None, "must be a BSDS500 image id"),
                                        ("99999", "no image '99999'")])
def test_bad_image_id(bad, match, bsds_root):
    with pytest.raises(ValueError, match=match):
        load_bsds500_item(bad, "val", bsds_root)


def test_bad_split(bsds_root):
    with pytest.raises(ValueError, match="`split` must be one of 'train', 'val', 'test'"):
        bsds500_ids("training", bsds_root)
    with pytest.raises(DatasetNotFoundError, match="has no 'test' split"):
        bsds500_ids("test", bsds_root)


def test_bad_root_type():
    with pytest.raises(TypeError, match="`root` must be a path"):
        bsds500_root(3)


def test_read_groundtruth_roundtrip_and_errors(tmp_path):
    seg = np.array([[1, 1, 2], [3, 3, 2]], np.uint16)
    cell = np.empty((1, 2), dtype=object)
    for i in range(2):
        rec = np.empty((1, 1), dtype=[("Segmentation", "O"), ("Boundaries", "O")])
        rec[0, 0]["Segmentation"] = seg
        rec[0, 0]["Boundaries"] = np.zeros_like(seg, np.uint8)
        cell[0, i] = rec
    scipy.io.savemat(tmp_path / "gt.mat", {"groundTruth": cell})
    segs = read_bsds_groundtruth(tmp_path / "gt.mat")
    assert len(segs) == 2
    np.testing.assert_array_equal(segs[0], seg.astype(np.int32) - 1)
    scipy.io.savemat(tmp_path / "other.mat", {"x": np.zeros(3)})
    with pytest.raises(ValueError, match="is not a BSDS500 ground-truth file"):
        read_bsds_groundtruth(tmp_path / "other.mat")
    (tmp_path / "junk.mat").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="is not a BSDS500 ground-truth file"):
        read_bsds_groundtruth(tmp_path / "junk.mat")
    with pytest.raises(FileNotFoundError, match="no ground-truth file"):
        read_bsds_groundtruth(tmp_path / "none.mat")


@pytest.mark.parametrize("texture", [False, True])
def test_synthetic_scene(texture):
    image, gt = synthetic_scene((40, 50), n_regions=5, noise=0.02, texture=texture, seed=3)
    assert image.shape == (40, 50, 3) and image.dtype == np.float32
    assert gt.shape == (40, 50) and sorted(np.unique(gt)) == [0, 1, 2, 3, 4]
    again, gt2 = synthetic_scene((40, 50), n_regions=5, noise=0.02, texture=texture, seed=3)
    np.testing.assert_array_equal(image, again)
    other, _ = synthetic_scene((40, 50), n_regions=5, noise=0.02, texture=texture, seed=4)
    assert not np.array_equal(image, other)
    means = np.array([image[gt == r].mean(axis=0) for r in range(5)])
    if texture:  # same mean grey everywhere: only texture tells regions apart
        assert np.ptp(means) < 0.1
    else:
        dists = np.linalg.norm(means[:, None] - means[None], axis=-1)
        assert dists[~np.eye(5, dtype=bool)].min() > 0.2


@pytest.mark.parametrize("kwargs, error, match", [
    ({"shape": (4, 50)}, ValueError, r"`shape\[0\]` must be at least 8"),
    ({"shape": 40}, TypeError, "`shape` must be a pair"),
    ({"n_regions": 0}, ValueError, "`n_regions` must be at least 1"),
    ({"n_regions": 11}, ValueError, "`n_regions` must be at most 10"),
    ({"noise": -1.0}, ValueError, "`noise` must be >= 0"),
    ({"seed": -1}, ValueError, "`seed` must be at least 0"),
])
def test_synthetic_scene_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        synthetic_scene(**kwargs)
