"""Bad inputs across the public API and the command line (issue 15).

Each case is something a careful user might type or upload. Each must raise
the error type given, with a message that names the argument the user typed
(on the command line: the option, with exit status 2 and no traceback). A
message that names another argument, or numpy's, torch's or Pillow's own
words instead, fails the test.

The torch-side cases are the ones that already give a clear error; those that
do not are listed in the issue's hand-over, not here.
"""

import importlib
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

import _scenes

import segkit
from segkit import classical as C
from segkit import metrics as M
from segkit import superpixels as S
from segkit.cli import main

IMG, LAB = _scenes.four_quadrants(shape=(24, 32))
FLAT = np.full((16, 16), 0.5)
X = np.random.default_rng(0).random((20, 2))
RAGGED = [[0, 0, 1], [0, 1]]
EMPTY = np.zeros((0, 0), int)

#: Words of the libraries underneath that must never be all a user reads (Pillow's reason for a
#: damaged file may follow segkit's own sentence, which names the file).
FOREIGN = ("setting an array element with a sequence", "inhomogeneous", "expected non-negative integer",
           "DecompressionBombError", "Errno", "Traceback")


# --- files a student uploads ---------------------------------------------------------------------

def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_claiming(width, height):
    """A PNG whose header says width x height, holding the data of 10 x 10 pixels."""
    raw = b"".join(b"\x00" + b"\x80" * 30 for _ in range(10))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(raw))
            + _png_chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A folder of bad image files (and one good one, and a good scribble)."""
    d = tmp_path_factory.mktemp("uploads")
    rgb = (np.random.default_rng(0).random((24, 32, 3)) * 255).astype(np.uint8)
    Image.fromarray(rgb).save(d / "ok.png")
    Image.fromarray(rgb).save(d / "ok.jpg", quality=90)
    (d / "truncated.jpg").write_bytes((d / "ok.jpg").read_bytes()[:400])
    data = (d / "ok.jpg").read_bytes()
    (d / "half.jpg").write_bytes(data[: len(data) // 2])  # the header complete, half the pixels
    (d / "liar.png").write_bytes(_png_claiming(3000, 2000))
    (d / "bomb.png").write_bytes(_png_claiming(30000, 30000))
    (d / "huge.png").write_bytes(_png_claiming(8000, 6500))
    (d / "notes.png").write_text("not an image")
    (d / "empty.png").write_bytes(b"")
    (d / "folder.png").mkdir()
    Image.fromarray(rgb).save(d / "rgb_scribble.png")
    Image.fromarray(np.full((5, 5), 255, np.uint8)).save(d / "small_scribble.png")
    afile = d / "afile"
    afile.write_text("a regular file")
    return d


def _load_truncated_pil(f):
    with Image.open(f / "half.jpg") as img:
        return segkit.load_image(img)


def _scribbles():
    return importlib.import_module("segkit.scribbles")


def _stego_features(n=2):
    import torch

    return [torch.rand(16, 8, 8, generator=torch.Generator().manual_seed(i)) for i in range(n)]


CASES = [
    # load_image: files
    ("truncated JPEG", lambda f: segkit.load_image(f / "truncated.jpg"), ValueError, "truncated.jpg"),
    ("truncated JPEG, max_side", lambda f: segkit.load_image(f / "truncated.jpg", max_side=16), ValueError,
     "truncated.jpg"),
    ("PNG header lies", lambda f: segkit.load_image(f / "liar.png"), ValueError, "liar.png"),
    ("decompression bomb", lambda f: segkit.load_image(f / "bomb.png"), ValueError, "bomb.png"),
    ("52 megapixels", lambda f: segkit.load_image(f / "huge.png", max_side=64), ValueError, "huge.png"),
    ("text file", lambda f: segkit.load_image(f / "notes.png"), ValueError, "notes.png"),
    ("empty file", lambda f: segkit.load_image(f / "empty.png"), ValueError, "empty.png"),
    ("folder", lambda f: segkit.load_image(f / "folder.png"), ValueError, "`src`"),
    ("missing file", lambda f: segkit.load_image(f / "missing.png"), ValueError, "`src`"),
    ("path under a file", lambda f: segkit.load_image(f / "afile" / "x.png"), ValueError, "`src`"),
    ("name too long", lambda f: segkit.load_image(f / ("x" * 4000 + ".png")), ValueError, "`src`"),
    ("truncated PIL image", _load_truncated_pil, ValueError, "`src`"),
    ("PIL float image", lambda f: segkit.load_image(Image.new("F", (16, 16))), TypeError, "`src`"),
    ("huge PIL image", lambda f: segkit.load_image(Image.new("1", (8000, 6500))), ValueError, "`src`"),
    # load_image: other values
    ("max_side too small", lambda f: segkit.load_image(IMG, max_side=4), ValueError, "`max_side`"),
    ("max_side float", lambda f: segkit.load_image(IMG, max_side=64.0), TypeError, "`max_side`"),
    ("max_side string", lambda f: segkit.load_image(IMG, max_side="64"), TypeError, "`max_side`"),
    ("max_side bool", lambda f: segkit.load_image(IMG, max_side=True), TypeError, "`max_side`"),
    ("src number", lambda f: segkit.load_image(3.5), TypeError, "`src`"),
    ("src ragged list", lambda f: segkit.load_image(RAGGED), TypeError, "`src`"),
    ("src NaN", lambda f: segkit.load_image(np.full((16, 16), np.nan)), ValueError, "`src`"),
    ("src 0-255 floats", lambda f: segkit.load_image(IMG * 255), ValueError, "`src`"),
    ("src 2 x 2", lambda f: segkit.load_image(np.zeros((2, 2))), ValueError, "`src`"),
    ("src channels first", lambda f: segkit.load_image(np.zeros((3, 16, 16))), ValueError, "`src`"),
    ("src complex", lambda f: segkit.load_image(np.zeros((16, 16), complex)), TypeError, "`src`"),
    ("sample name", lambda f: segkit.sample_image("lena"), ValueError, "`name`"),
    ("sample max_side", lambda f: segkit.sample_image("coins", max_side=2), ValueError, "`max_side`"),
    ("open_image number", lambda f: segkit.io.open_image(3), TypeError, "`src`"),
    ("open_image truncated", lambda f: segkit.io.open_image(f / "truncated.jpg", name="scribble"), ValueError,
     "`scribble`"),

    # thresholds, region growing, edges
    ("threshold above 1", lambda f: C.threshold_segment(IMG, 1.5), ValueError, "`threshold`"),
    ("threshold string", lambda f: C.threshold_segment(IMG, "0.5"), TypeError, "`threshold`"),
    ("threshold NaN", lambda f: C.threshold_segment(IMG, float("nan")), ValueError, "`threshold`"),
    ("threshold image list", lambda f: C.threshold_segment(RAGGED, 0.5), TypeError, "`image`"),
    ("otsu nbins 1", lambda f: C.otsu_segment(IMG, nbins=1), ValueError, "`nbins`"),
    ("otsu nbins 10**9", lambda f: C.otsu_threshold(IMG, nbins=10 ** 9), ValueError, "`nbins`"),
    ("otsu flat image", lambda f: C.otsu_segment(FLAT), ValueError, "`image`"),
    ("otsu curve nbins float", lambda f: C.otsu_variance_curve(IMG, nbins=256.0), TypeError, "`nbins`"),
    ("multi-otsu 6 classes", lambda f: C.multi_otsu_segment(IMG, 6), ValueError, "`classes`"),
    ("multi-otsu classes string", lambda f: C.multi_otsu_segment(IMG, "3"), TypeError, "`classes`"),
    ("multi-otsu nbins for 5 classes", lambda f: C.multi_otsu_segment(IMG, 5, nbins=1024), ValueError,
     "`nbins`"),
    ("multi-otsu more classes than levels", lambda f: C.multi_otsu_thresholds(LAB / 3, 5), ValueError,
     "`classes`"),
    ("region seed outside", lambda f: C.region_grow(IMG, (100, 0), 0.1), ValueError, "`seed`"),
    ("region seed one number", lambda f: C.region_grow(IMG, (1,), 0.1), TypeError, "`seed`"),
    ("region seed float", lambda f: C.region_grow(IMG, (1.5, 2), 0.1), TypeError, "`seed[0]"),
    ("region seed string", lambda f: C.region_grow(IMG, "1,2", 0.1), TypeError, "`seed`"),
    ("region tolerance negative", lambda f: C.region_grow(IMG, (1, 1), -0.1), ValueError, "`tolerance`"),
    ("region feature", lambda f: C.region_grow(IMG, (1, 1), 0.1, feature="rgb"), ValueError, "`feature`"),
    ("region reference", lambda f: C.region_grow(IMG, (1, 1), 0.1, reference="median"), ValueError,
     "`reference`"),
    ("region connectivity", lambda f: C.region_grow(IMG, (1, 1), 0.1, connectivity=6), ValueError,
     "`connectivity`"),
    ("region connectivity string", lambda f: C.region_grow(IMG, (1, 1), 0.1, connectivity="4"), ValueError,
     "`connectivity`"),
    ("edge method", lambda f: C.edge_map(IMG, method="prewitt"), ValueError, "`method`"),
    ("edge sigma", lambda f: C.edge_map(IMG, sigma=-1), ValueError, "`sigma`"),
    ("edge marker_level 1", lambda f: C.edge_segment(IMG, marker_level=1.0), ValueError, "`marker_level`"),
    ("edge min_size 0", lambda f: C.edge_segment(IMG, min_size=0), ValueError, "`min_size`"),

    # features, k-means, Felzenszwalb
    ("features weight negative", lambda f: C.pixel_features(IMG, position_weight=-1), ValueError,
     "`position_weight`"),
    ("features colour space", lambda f: C.pixel_features(IMG, color_space="hsv"), ValueError,
     "`color_space`"),
    ("kmeans list", lambda f: C.kmeans(X.tolist(), 2), TypeError, "`features`"),
    ("kmeans 1-D", lambda f: C.kmeans(np.zeros(10), 2), ValueError, "`features`"),
    ("kmeans NaN", lambda f: C.kmeans(np.full((5, 2), np.nan), 2), ValueError, "`features`"),
    ("kmeans bool features", lambda f: C.kmeans(np.zeros((5, 2), bool), 2), TypeError, "`features`"),
    ("kmeans k 0", lambda f: C.kmeans(X, 0), ValueError, "`k`"),
    ("kmeans k above N", lambda f: C.kmeans(X, 21), ValueError, "`k`"),
    ("kmeans k float", lambda f: C.kmeans(X, 2.0), TypeError, "`k`"),
    ("kmeans init", lambda f: C.kmeans(X, 2, init="forgy"), ValueError, "`init`"),
    ("kmeans n_init 0", lambda f: C.kmeans(X, 2, n_init=0), ValueError, "`n_init`"),
    ("kmeans tol negative", lambda f: C.kmeans(X, 2, tol=-1), ValueError, "`tol`"),
    ("kmeans seed string", lambda f: C.kmeans(X, 2, seed="zero"), TypeError, "`seed`"),
    ("kmeans seed negative", lambda f: C.kmeans(X, 2, seed=-1), ValueError, "`seed`"),
    ("kmeans history n_iter 0", lambda f: C.kmeans_history(X, 2, n_iter=0), ValueError, "`n_iter`"),
    ("kmeans segment k above pixels", lambda f: C.kmeans_segment(IMG, 10 ** 6), ValueError, "`k`"),
    ("kmeans segment table", lambda f: C.kmeans_segment(np.zeros((400, 400)), 400), ValueError, "`k`"),
    ("kmeans segment max_iter", lambda f: C.kmeans_segment(IMG, 2, max_iter=0), ValueError, "`max_iter`"),
    ("felzenszwalb scale 0", lambda f: C.felzenszwalb_segment(IMG, scale=0), ValueError, "`scale`"),
    ("felzenszwalb sigma", lambda f: C.felzenszwalb_segment(IMG, sigma=-1), ValueError, "`sigma`"),
    ("felzenszwalb min_size float", lambda f: C.felzenszwalb_segment(IMG, min_size=0.5), TypeError,
     "`min_size`"),

    # superpixels
    ("slic more segments than pixels", lambda f: S.slic(IMG, 10 ** 6), ValueError, "`n_segments`"),
    ("slic 0 segments", lambda f: S.slic(IMG, 0), ValueError, "`n_segments`"),
    ("slic segments float", lambda f: S.slic(IMG, 10.5), TypeError, "`n_segments`"),
    ("slic compactness 0", lambda f: S.slic(IMG, 10, 0), ValueError, "`compactness`"),
    ("slic compactness string", lambda f: S.slic(IMG, 10, "10"), TypeError, "`compactness`"),
    ("slic max_iter 0", lambda f: S.slic(IMG, 10, max_iter=0), ValueError, "`max_iter`"),
    ("slic enforce_connectivity 'no'", lambda f: S.slic(IMG, 10, enforce_connectivity="no"), TypeError,
     "`enforce_connectivity`"),
    ("slic move_seeds 'no'", lambda f: S.slic(IMG, 10, move_seeds="no"), TypeError, "`move_seeds`"),
    ("slic min_size_factor", lambda f: S.slic(IMG, 10, min_size_factor=2), ValueError, "`min_size_factor`"),
    ("slic engine", lambda f: S.slic(IMG, 10, engine="gpu"), ValueError, "`engine`"),
    ("slic tiny image", lambda f: S.slic(np.zeros((4, 4, 3)), 2), ValueError, "`image`"),
    ("slic_steps n_iter 0", lambda f: S.slic_steps(IMG, 10, n_iter=0), ValueError, "`n_iter`"),
    ("slic_steps move_seeds 'yes'", lambda f: S.slic_steps(IMG, 10, move_seeds="yes"), TypeError,
     "`move_seeds`"),
    ("slic_steps more segments than pixels", lambda f: S.slic_steps(IMG, 10 ** 6), ValueError,
     "`n_segments`"),
    ("connectivity ragged", lambda f: S.enforce_connectivity(RAGGED, 2), ValueError, "`segments`"),
    ("connectivity min_size 0", lambda f: S.enforce_connectivity(LAB, 0), ValueError, "`min_size`"),
    ("vote ragged", lambda f: S.majority_vote(LAB, RAGGED), ValueError, "`segments`"),
    ("vote shapes", lambda f: S.majority_vote(LAB, LAB[:-1]), ValueError, "`segments`"),
    ("vote negative", lambda f: S.majority_vote(-LAB - 1, LAB), ValueError, "`labels`"),

    # metrics
    ("miou ragged pred", lambda f: M.hungarian_miou(RAGGED, LAB), ValueError, "`pred`"),
    ("accuracy ragged gt", lambda f: M.pixel_accuracy(LAB, RAGGED), ValueError, "`gt`"),
    ("VI empty pred", lambda f: M.variation_of_information(EMPTY, LAB), ValueError, "`pred`"),
    ("Rand empty gt", lambda f: M.adapted_rand_error(LAB, EMPTY), ValueError, "`gt`"),
    ("covering empty list", lambda f: M.segmentation_covering([], LAB), ValueError, "`pred`"),
    ("covering shapes", lambda f: M.segmentation_covering(LAB, LAB.T), ValueError, "`gt`"),
    ("best overlap split 'no'", lambda f: M.best_overlap_miou(LAB, LAB, split_components="no"), TypeError,
     "`split_components`"),
    ("iou table split 'False'", lambda f: M.segment_iou_table(LAB, LAB, split_components="False"),
     TypeError, "`split_components`"),
    ("AP split 1", lambda f: M.segment_average_precision(LAB, LAB, split_components=1), TypeError,
     "`split_components`"),
    ("kanezaki thresholds string", lambda f: M.kanezaki_scores(LAB, LAB, thresholds="0.5"), TypeError,
     "`thresholds`"),
    ("kanezaki thresholds empty", lambda f: M.kanezaki_scores(LAB, LAB, thresholds=[]), ValueError,
     "`thresholds`"),
    ("kanezaki threshold 1", lambda f: M.kanezaki_scores(LAB, LAB, thresholds=[0.5, 1.0]), ValueError,
     "`thresholds[1]`"),
    ("precision threshold 1", lambda f: M.segment_precision_recall(LAB, LAB, threshold=1.0), ValueError,
     "`threshold`"),
    ("matches rank_by", lambda f: M.segment_matches(LAB, LAB, rank_by="score"), ValueError, "`rank_by`"),
    ("boundary tolerance", lambda f: M.boundary_recall(LAB, LAB, tolerance=-1), ValueError, "`tolerance`"),
    ("UE fractional labels", lambda f: M.undersegmentation_error(LAB + 0.5, LAB), ValueError, "`segments`"),
    ("components connectivity 3", lambda f: M.connected_components(LAB, connectivity=3), ValueError,
     "`connectivity`"),
    ("annotators empty", lambda f: M.over_annotators(M.pixel_accuracy, LAB, []), ValueError, "`gts`"),
    ("annotators metric name", lambda f: M.over_annotators("miou", LAB, [LAB]), TypeError, "`metric`"),
    ("annotators ragged one", lambda f: M.over_annotators(M.pixel_accuracy, LAB, [LAB, RAGGED]), ValueError,
     "`gts[1]`"),
    ("score protocol", lambda f: M.score(LAB, LAB, "f1"), ValueError, "`protocol`"),
    ("contingency strings", lambda f: M.contingency_table(np.array([["a"]]), LAB), TypeError, "`pred`"),

    # torch side: the ones that already give a clear error
    ("segment mu negative", lambda f: segkit.segment(IMG, mu=-1), ValueError, "`mu`"),
    ("segment keep_memory 'no'", lambda f: segkit.segment(IMG, keep_memory="no"), TypeError,
     "`keep_memory`"),
    ("segment method", lambda f: segkit.segment(IMG, "kim"), ValueError, "`method`"),
    ("segment schedule", lambda f: segkit.segment(IMG, schedule="quick"), ValueError, "`schedule`"),
    ("segment fast schedule with scribbles",
     lambda f: segkit.segment(IMG, schedule="fast", scribble=np.full(IMG.shape[:2], 255)), ValueError,
     "`scribble`"),
    ("segment device", lambda f: segkit.segment(IMG, device="tpu"), ValueError, "`device`"),
    ("segment n_channels 1", lambda f: segkit.segment(IMG, n_channels=1), ValueError, "`n_channels`"),
    ("segment lr string", lambda f: segkit.segment(IMG, lr="0.1"), TypeError, "`lr`"),
    ("segment momentum 1.5", lambda f: segkit.segment(IMG, momentum=1.5), ValueError, "`momentum`"),
    ("segment scribble size", lambda f: segkit.segment(IMG, scribble=np.zeros((3, 3), int)), ValueError,
     "`scribble`"),
    ("segment scribble ragged", lambda f: segkit.segment(IMG, scribble=RAGGED), TypeError, "`scribble`"),
    ("segment callback", lambda f: segkit.segment(IMG, callback=3), TypeError, "`callback`"),
    ("segment path", lambda f: segkit.segment(str(f / "ok.png")), TypeError, "`image`"),
    ("reference no images", lambda f: segkit.fit_reference([]), ValueError, "`images`"),
    ("reference one array", lambda f: segkit.fit_reference(IMG), TypeError, "`images`"),
    ("reference keep_memory 'no'", lambda f: segkit.fit_reference([IMG], keep_memory="no"), TypeError,
     "`keep_memory`"),
    ("reference size 0", lambda f: segkit.fit_reference([IMG], size=0), ValueError, "`size`"),
    ("SegNet n_channels 1", lambda f: segkit.SegNet(n_channels=1), ValueError, "`n_channels`"),
    ("SegNet n_conv 0", lambda f: segkit.SegNet(n_conv=0), ValueError, "`n_conv`"),
    ("predict model string", lambda f: segkit.predict("model.pt", IMG), TypeError, "`model`"),
    ("min labels tiny image", lambda f: segkit.infer_min_labels(np.zeros((2, 2))), ValueError, "`image`"),
    ("IIC no images", lambda f: segkit.iic.train_iic([]), ValueError, "`images`"),
    ("IIC k 1", lambda f: segkit.iic.train_iic([IMG], k=1), ValueError, "`k`"),
    ("IIC crop above image", lambda f: segkit.iic.train_iic([IMG], crop=64), ValueError, "`crop`"),
    ("IIC jitter 'no'", lambda f: segkit.iic.train_iic([IMG], jitter="no"), TypeError, "`jitter`"),
    ("IIC flip 'no'", lambda f: segkit.iic.train_iic([IMG], flip="no"), TypeError, "`flip`"),
    ("STEGO no features", lambda f: segkit.train_stego([]), TypeError, "`features`"),
    ("STEGO centre 'no'", lambda f: segkit.train_stego(_stego_features(), centre="no", n_neighbours=1), TypeError, "`centre`"),
    ("STEGO NaN features", lambda f: segkit.train_stego([t * float("nan") for t in _stego_features()]),
     ValueError, "`features[0]`"),
    ("STEGO code_dim 0", lambda f: segkit.train_stego(_stego_features(), code_dim=0), ValueError, "`code_dim`"),
    ("STEGO dropout 1.5", lambda f: segkit.train_stego(_stego_features(), dropout=1.5, batch_size=1,
                                                       n_neighbours=1), ValueError, "`dropout`"),
    ("scribble width 0", lambda f: _scribbles().draw_strokes((16, 16), [], width=0), ValueError,
     "`width`"),
    ("scribble label 300", lambda f: _scribbles().draw_strokes((16, 16), [(300, [(0, 0), (1, 1)])]),
     ValueError, "`strokes[0] label`"),
    ("scribble classes 0", lambda f: _scribbles().scribbles_from_labels(LAB, n_classes=0), ValueError,
     "`n_classes`"),
]


@pytest.mark.parametrize("call, error, name", [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_api_bad_input_names_the_argument(files, call, error, name):
    with pytest.raises(error) as info:
        call(files)
    message = str(info.value)
    assert name in message, f"the message does not name {name}: {message}"
    assert not any(word in message for word in FOREIGN), message


# --- the command line ------------------------------------------------------------------------------

#: Options appended to every run, so that a case that wrongly passes trains for one step only.
QUICK = ["--maxIter", "1", "--nChannel", "4", "--device", "cpu", "--quiet"]

CLI_CASES = [
    ("nChannel 1", ["--nChannel", "1"], "--nChannel"),
    ("maxIter 0", ["--maxIter", "0"], "--maxIter"),
    ("minLabels 0", ["--minLabels", "0"], "--minLabels"),
    ("minLabels above nChannel", ["--minLabels", "50", "--nChannel", "8"], "--minLabels"),
    ("nConv 0", ["--nConv", "0"], "--nConv"),
    ("lr negative", ["--lr", "-1"], "--lr"),
    ("lr nan", ["--lr", "nan"], "--lr"),
    ("momentum 1", ["--momentum", "1"], "--momentum"),
    ("stepsize_con negative", ["--stepsize_con", "-1"], "--stepsize_con"),
    ("stepsize_sim negative", ["--stepsize_sim", "-1"], "--stepsize_sim"),
    ("stepsize_scr inf", ["--stepsize_scr", "inf"], "--stepsize_scr"),
    ("num_superpixels 0", ["--num_superpixels", "0"], "--num_superpixels"),
    ("compactness 0", ["--compactness", "0"], "--compactness"),
    ("max_side 4", ["--max_side", "4"], "--max_side"),
    ("seed negative", ["--seed", "-1"], "--seed"),
    ("device tpu", ["--device", "tpu"], "--device"),
    ("output jpg", ["-o", "{d}/o.jpg"], "-o/--output"),
    ("output folder", ["-o", "{d}/folder.png"], "-o/--output"),
    ("output under a file", ["-o", "{d}/afile/x.png"], "-o/--output"),
    ("color same as output", ["--color", "{d}/o.png"], "--color"),
    ("color unknown format", ["--color", "{d}/c.xyz"], "--color"),
    ("color folder", ["--color", "{d}/folder.png"], "--color"),
    ("image truncated", ["IMAGE={d}/truncated.jpg"], "IMAGE"),
    ("image bomb", ["IMAGE={d}/bomb.png"], "IMAGE"),
    ("image missing", ["IMAGE={d}/missing.png"], "IMAGE"),
    ("image text", ["IMAGE={d}/notes.png"], "IMAGE"),
    ("scribble missing", ["--scribble", "{d}/none.png"], "--scribble"),
    ("scribble RGB", ["--scribble", "{d}/rgb_scribble.png"], "--scribble"),
    ("scribble truncated", ["--scribble", "{d}/truncated.jpg"], "--scribble"),
    ("scribble size", ["--scribble", "{d}/small_scribble.png"], "--scribble"),
]


def _argv(files, extra):
    image = str(files / "ok.png")
    rest = []
    for item in extra:
        if item.startswith("IMAGE="):
            image = item[len("IMAGE="):].format(d=files)
        else:
            rest.append(item.format(d=files))
    return ["segment", image, "-o", str(files / "o.png")] + QUICK + rest


@pytest.mark.parametrize("extra, option", [pytest.param(*c[1:], id=c[0]) for c in CLI_CASES])
def test_cli_bad_input_names_the_option(files, capsys, extra, option):
    rc = main(_argv(files, extra))
    err = capsys.readouterr().err
    assert rc == 2, err
    assert option in err, err
    assert "Traceback" not in err and "`" not in err, err  # no Python names, no traceback
    assert not any(word in err for word in FOREIGN), err
    assert not (files / "o.png").exists()


@pytest.mark.parametrize("extra, option", [
    (["--nChannel", "many"], "--nChannel"),
    (["--lr", "fast"], "--lr"),
    (["--method", "kanezaki"], "--method"),
])
def test_cli_unparseable_values_name_the_option(files, capsys, extra, option):
    with pytest.raises(SystemExit) as exc:
        main(_argv(files, extra))
    assert exc.value.code == 2
    assert option in capsys.readouterr().err


def test_there_are_at_least_a_hundred_cases():
    assert len(CASES) + len(CLI_CASES) + 3 >= 100


# --------------------------------------------------------------------------- #
# The torch side: bounds a typo would pass, flags given as strings
# --------------------------------------------------------------------------- #

_IMG16 = np.random.default_rng(0).random((16, 16, 3)).astype(np.float32)


def _torch_cases():
    import segkit
    from segkit import iic
    from segkit.cnn import scribbles

    return [
        ("min_labels", ValueError, lambda: segkit.segment(_IMG16, min_labels=50, n_channels=8, device="cpu")),
        ("n_channels", ValueError, lambda: segkit.segment(_IMG16, n_channels=10**5, device="cpu")),
        ("n_conv", ValueError, lambda: segkit.segment(_IMG16, n_conv=10**4, device="cpu")),
        ("n_channels", ValueError, lambda: segkit.SegNet(3, n_channels=10**7)),
        ("n_channels", ValueError, lambda: segkit.fit_reference([_IMG16], n_channels=10**5, device="cpu")),
        ("width", ValueError, lambda: iic.train_iic([_IMG16], width=10**6, crop=8)),
        ("images[0]", ValueError, lambda: iic.train_iic([[[0, 1], [0]]])),
        ("width", ValueError, lambda: scribbles.draw_strokes((10, 10), [(1, [(0, 0), (5, 5)])], width=10**5)),
        ("strokes[0]", ValueError, lambda: scribbles.draw_strokes((10, 10), [(1, [(0, 0), (10**9, 5)])])),
        ("shape", ValueError, lambda: scribbles.draw_strokes((10**6, 10**6), [(1, [(0, 0), (5, 5)])])),
        ("strokes[0]", ValueError, lambda: scribbles.draw_strokes((10, 10), [(1, [(5,), (3, 3)])])),
        ("strokes[0]", ValueError, lambda: scribbles.draw_strokes((10, 10), [(1, [("a", 1), (3, 3)])])),
        ("pretrained", TypeError, lambda: segkit.load_backbone(pretrained="no")),
        ("download", ValueError, lambda: segkit.load_backbone(download="no")),   # a string, but not "auto"
        ("download", TypeError, lambda: segkit.load_backbone(download=[True])),
        ("path", FileNotFoundError, lambda: iic.load_iic("no_such_network.pt")),
        ("info", TypeError, lambda: iic.save_iic(iic.IICNet(2, 4), "n.pt", info={"when": object()})),
    ]


@pytest.mark.parametrize("index", range(17))
def test_torch_side_bad_inputs_name_the_argument(index):
    name, error, call = _torch_cases()[index]
    with pytest.raises(error) as err:
        call()
    assert f"`{name}" in str(err.value), str(err.value)
