"""BSDS500 with its human segmentations, found locally or downloaded with pinned hashes.

The Berkeley Segmentation Data Set (Arbelaez, Maire, Fowlkes and Malik, TPAMI
2011) in its original layout::

    <root>/images/{train,val,test}/<id>.jpg
    <root>/groundTruth/{train,val,test}/<id>.mat

Each ``.mat`` file holds one segmentation per annotator (4 to 9 people, usually
5 or 6). The data are free for non-commercial research and education; cite the
paper above. They are never shipped with segkit.

Where the data are looked for, in order:

1. the ``root`` argument;
2. the environment variable ``SEGKIT_BSDS500``;
3. segkit's download cache (``pooch.os_cache("segkit")``), filled by
   :func:`fetch_bsds500` (the official 70 MB tarball, checked against its
   pinned sha256) or, for single images, by ``download=True`` (two files per
   image from the GitHub mirror ``BIDS/BSDS500``, each checked against a pinned
   sha256).

Nothing touches the network unless ``download=True`` is passed or
:func:`fetch_bsds500` is called.
"""

from __future__ import annotations

import os
from importlib import resources
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._validate import check_choice, check_float, check_int, check_path, describe
from ..io import MIN_SIDE, as_rgb, load_image

__all__ = [
    "BSDSItem",
    "bsds500",
    "bsds500_ids",
    "bsds500_root",
    "load_bsds500_item",
    "read_bsds_groundtruth",
    "fetch_bsds500",
    "DatasetNotFoundError",
    "ENV_VAR",
    "SPLITS",
]

ENV_VAR = "SEGKIT_BSDS500"
SPLITS = ("train", "val", "test")

#: The official Berkeley tarball and its pinned checksum.
TARBALL_URL = (
    "https://www2.eecs.berkeley.edu/Research/Projects/CS/vision/grouping/BSR/BSR_bsds500.tgz"
)
TARBALL_SHA256 = "97e49d31764f3912f0c4122707d53062ac9e783ba0f095e447a4d53c1a41af8e"
TARBALL_BYTES = 70_763_455
#: The folder inside the tarball that holds images/ and groundTruth/.
TARBALL_DATA_DIR = "BSR/BSDS500/data"

#: Per-file mirror (GitHub, pinned commit); hashes in segkit/data/bsds500_registry.txt.
MIRROR_COMMIT = "a04b7c6c3a9f0ace74bf205c72a43d32e1c72722"
MIRROR_URL = f"https://raw.githubusercontent.com/BIDS/BSDS500/{MIRROR_COMMIT}/"
MIRROR_DATA_DIR = "BSDS500/data"


class DatasetNotFoundError(FileNotFoundError, ValueError):
    """The dataset (or one of its files) is not where it was looked for."""


@dataclass(frozen=True)
class BSDSItem:
    """One BSDS500 image with its human segmentations.

    Attributes
    ----------
    id : str
        The image id, e.g. ``"3096"``.
    split : str
        ``"train"``, ``"val"`` or ``"test"``.
    image : (H, W, 3) ndarray of float32
        RGB in [0, 1].
    segmentations : list of (H, W) ndarray of int32
        One label map per annotator, labels starting at 0 (the files start at 1).
    """

    id: str
    split: str
    image: np.ndarray = field(repr=False)
    segmentations: list = field(repr=False)

    @property
    def n_annotators(self) -> int:
        return len(self.segmentations)

    @property
    def segment_counts(self) -> list:
        """Number of segments in each annotator's map."""
        return [int(np.unique(s).size) for s in self.segmentations]

    @property
    def finest(self) -> np.ndarray:
        """The annotation with the most segments."""
        return self.segmentations[int(np.argmax(self.segment_counts))]

    @property
    def coarsest(self) -> np.ndarray:
        """The annotation with the fewest segments."""
        return self.segmentations[int(np.argmin(self.segment_counts))]


def _cache_dir() -> Path:
    import pooch

    return Path(pooch.os_cache("segkit"))


def _normalise_root(path: Path) -> Path | None:
    """Find the folder holding images/ and groundTruth/ at or below ``path``."""
    for candidate in (path, path / "data", path / MIRROR_DATA_DIR, path / TARBALL_DATA_DIR):
        if (candidate / "images").is_dir() and (candidate / "groundTruth").is_dir():
            return candidate
    return None


def _how_to_get() -> str:
    return (
        f"Pass root=<folder with images/ and groundTruth/>, set the environment variable {ENV_VAR}, "
        f"call segkit.datasets.fetch_bsds500() once (downloads the official {TARBALL_BYTES / 1e6:.0f} MB "
        f"tarball), or pass download=True to load_bsds500_item() to fetch single images."
    )


def bsds500_root(root=None) -> Path:
    """The folder holding ``images/`` and ``groundTruth/``.

    Parameters
    ----------
    root : str or os.PathLike, optional
        A folder holding ``images/`` and ``groundTruth/`` (or a parent of it in
        the tarball's or the mirror's layout). Default: the environment
        variable ``SEGKIT_BSDS500``, then the download cache.

    Raises
    ------
    DatasetNotFoundError
        (a ``FileNotFoundError`` and a ``ValueError``) if no copy is found; the
        message says how to get one.
    """
    if root is not None:
        found = _normalise_root(check_path(root, "root", what="a path"))
        if found is None:
            raise DatasetNotFoundError(
                f"`root`: no BSDS500 copy at '{root}' (expected the folders images/ and groundTruth/ "
                f"there). {_how_to_get()}"
            )
        return found
    env = os.environ.get(ENV_VAR)
    if env:
        found = _normalise_root(Path(env))
        if found is None:
            raise DatasetNotFoundError(
                f"The environment variable {ENV_VAR}='{env}' does not point at a BSDS500 copy "
                f"(expected the folders images/ and groundTruth/ there). {_how_to_get()}"
            )
        return found
    cache = _cache_dir()
    for candidate in (cache / TARBALL_DATA_DIR, cache / "files" / MIRROR_DATA_DIR):
        found = _normalise_root(candidate)
        if found is not None:
            return found
    raise DatasetNotFoundError(f"No local copy of BSDS500 was found. {_how_to_get()}")


def bsds500_ids(split: str = "val", root=None) -> list:
    """The image ids of a split, sorted numerically.

    Only ``*.jpg`` files count (the original folders hold a stray Thumbs.db).

    >>> ids = bsds500_ids("val")  # doctest: +SKIP
    """
    check_choice(split, "split", SPLITS)
    base = bsds500_root(root)
    folder = base / "images" / split
    if not folder.is_dir():
        raise DatasetNotFoundError(f"`split`: the BSDS500 copy at '{base}' has no '{split}' split")
    return sorted((p.stem for p in folder.glob("*.jpg")), key=lambda s: (len(s), s))


def read_bsds_groundtruth(path) -> list:
    """Read a BSDS500 ``.mat`` file: one (H, W) int32 label map per annotator, 0-based.

    Raises
    ------
    ValueError
        If the file is not a BSDS ground-truth file.
    """
    import scipy.io

    path = Path(path)
    if not path.is_file():
        raise DatasetNotFoundError(f"`path`: no ground-truth file at '{path}'")
    try:
        mat = scipy.io.loadmat(str(path))
        cells = mat["groundTruth"].ravel()
        segs = [np.asarray(cell["Segmentation"][0, 0]) for cell in cells]
    except (KeyError, ValueError, TypeError, IndexError, OSError, scipy.io.matlab.MatReadError) as exc:
        raise ValueError(
            f"`path`: '{path}' is not a BSDS500 ground-truth file (expected a 'groundTruth' cell array "
            f"with 'Segmentation' fields): {exc}"
        ) from None
    out = []
    for s in segs:
        if s.ndim != 2 or s.size == 0:
            raise ValueError(f"`path`: '{path}' holds a segmentation of shape {s.shape}; expected (H, W)")
        out.append(s.astype(np.int32) - int(s.min()))
    if not out:
        raise ValueError(f"`path`: '{path}' holds no annotations")
    return out


def _resize_labels(labels: np.ndarray, shape) -> np.ndarray:
    """Nearest-neighbour resize of a label map (no new label values appear)."""
    h, w = labels.shape
    rows = np.minimum((np.arange(shape[0]) + 0.5) * h / shape[0], h - 1).astype(int)
    cols = np.minimum((np.arange(shape[1]) + 0.5) * w / shape[1], w - 1).astype(int)
    return labels[rows[:, None], cols[None, :]]


def _fetch_mirror_files(image_id: str, split: str) -> Path:
    """Download one image and its ground truth from the pinned GitHub mirror."""
    import pooch

    registry = resources.files("segkit").joinpath("data/bsds500_registry.txt")
    fetcher = pooch.create(path=_cache_dir() / "files", base_url=MIRROR_URL, registry=None)
    with registry.open("r", encoding="utf-8") as f:
        fetcher.load_registry(f)
    for rel in (f"images/{split}/{image_id}.jpg", f"groundTruth/{split}/{image_id}.mat"):
        key = f"{MIRROR_DATA_DIR}/{rel}"
        if key not in fetcher.registry:
            raise ValueError(f"`image_id`: {image_id!r} is not an image of the BSDS500 {split!r} split")
        fetcher.fetch(key)
    return _cache_dir() / "files" / MIRROR_DATA_DIR


def _check_id(image_id) -> str:
    if isinstance(image_id, (int, np.integer)) and not isinstance(image_id, bool):
        image_id = str(int(image_id))
    if not isinstance(image_id, str) or not image_id.isdigit():
        raise ValueError(f"`image_id` must be a BSDS500 image id such as '3096'; got {describe(image_id)}")
    return image_id


def load_bsds500_item(image_id, split: str = "val", root=None, *, max_side=None,
                      download: bool = False) -> BSDSItem:
    """Load one BSDS500 image with all its human segmentations.

    Parameters
    ----------
    image_id : str or int
        E.g. ``"3096"``.
    split : {"train", "val", "test"}
    root : path, optional
        See :func:`bsds500_root`.
    max_side : int, optional
        Shrink image and segmentations so the longest side is at most this
        (image with anti-aliasing, segmentations by nearest neighbour).
    download : bool
        When no local copy holds the image, fetch its two files from the
        pinned GitHub mirror (checked against pinned sha256 hashes).

    Returns
    -------
    BSDSItem

    Raises
    ------
    DatasetNotFoundError
        No local copy and ``download=False``, or the id is not in the split.
    """
    image_id = _check_id(image_id)
    check_choice(split, "split", SPLITS)
    if max_side is not None:
        max_side = check_int(max_side, "max_side", min_value=MIN_SIDE)
    base = None
    try:
        base = bsds500_root(root)
    except DatasetNotFoundError:
        if not download or root is not None:
            raise
    if base is not None and not (base / "images" / split / f"{image_id}.jpg").is_file():
        if not download:
            raise DatasetNotFoundError(
                f"`image_id`: no image {image_id!r} in the {split!r} split of the BSDS500 copy at '{base}'"
            )
        base = None
    if base is None:
        base = _fetch_mirror_files(image_id, split)
    image = load_image(base / "images" / split / f"{image_id}.jpg", max_side=max_side)
    segs = read_bsds_groundtruth(base / "groundTruth" / split / f"{image_id}.mat")
    if segs[0].shape != image.shape[:2]:
        segs = [_resize_labels(s, image.shape[:2]) for s in segs]
    return BSDSItem(id=image_id, split=split, image=image, segmentations=segs)


def bsds500(split: str = "val", root=None, *, max_side=None, ids=None, limit=None) -> list:
    """Load a BSDS500 split (or some of its images) with their human segmentations.

    Parameters
    ----------
    split : {"train", "val", "test"}
    root : path, optional
        See :func:`bsds500_root`; never downloads (call :func:`fetch_bsds500`).
    max_side : int, optional
        Shrink images and segmentations (see :func:`load_bsds500_item`).
    ids : sequence of str, optional
        Only these image ids, in this order.
    limit : int, optional
        Only the first ``limit`` ids of the split.

    Returns
    -------
    list of BSDSItem

    Examples
    --------
    >>> items = bsds500("val", limit=2, max_side=96)  # doctest: +SKIP
    >>> items[0].image.shape, items[0].n_annotators  # doctest: +SKIP
    ((64, 96, 3), 5)
    """
    check_choice(split, "split", SPLITS)
    all_ids = bsds500_ids(split, root)
    if ids is None:
        chosen = all_ids
    else:
        if isinstance(ids, (str, int)):
            raise TypeError(f"`ids` must be a sequence of image ids; got {describe(ids)}")
        chosen = [_check_id(i) for i in ids]
        missing = sorted(set(chosen) - set(all_ids))
        if missing:
            raise ValueError(f"`ids`: not in the {split!r} split: {', '.join(missing[:5])}")
    if limit is not None:
        chosen = chosen[: check_int(limit, "limit", min_value=1)]
    return [load_bsds500_item(i, split, root, max_side=max_side) for i in chosen]


def fetch_bsds500(*, progressbar: bool = True) -> Path:
    """Download and unpack the official BSDS500 tarball into segkit's cache.

    70,763,455 bytes from Berkeley, checked against its pinned sha256 before
    unpacking. Returns the data folder (holding ``images/`` and
    ``groundTruth/``). Needs internet; nothing is downloaded twice.
    """
    import pooch

    cache = _cache_dir()
    pooch.retrieve(
        TARBALL_URL,
        known_hash=f"sha256:{TARBALL_SHA256}",
        fname="BSR_bsds500.tgz",
        path=cache,
        processor=pooch.Untar(extract_dir=str(cache)),
        progressbar=progressbar,
    )
    return bsds500_root(cache / TARBALL_DATA_DIR)
