"""segkit: the package behind a notebook course on unsupervised image segmentation.

The lessons import everything from here. Submodules are loaded on first use,
so ``import segkit`` stays fast and does not import torch; the numpy-only
modules (``io``, ``datasets``, ``classical``, ``superpixels``, ``metrics``,
``mi``) never import torch at all.

>>> import segkit
>>> segkit.load_image is segkit.io.load_image
True
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: Submodules, loaded lazily on attribute access.
_SUBMODULES = (
    "io", "datasets", "classical", "superpixels", "metrics", "viz", "widgets",
    "model", "losses", "cnn", "unsupervised", "mi", "iic", "backbones", "stego",
    "evaluation", "cli",
)

#: Public names re-exported at the top level, and the module that defines each.
_EXPORTS = {
    # images and data
    "load_image": "io",
    "sample_image": "io",
    "SAMPLE_IMAGES": "io",
    "load_bsds500_item": "datasets",
    "synthetic_scene": "datasets",
    # classical methods (lessons 01-03)
    "otsu_segment": "classical",
    "region_grow": "classical",
    "edge_segment": "classical",
    "kmeans_segment": "classical",
    "felzenszwalb_segment": "classical",
    "slic": "superpixels",
    "majority_vote": "superpixels",
    # the unsupervised CNN (lessons 04-05; torch is imported on first use)
    "segment": "unsupervised",
    "fit_reference": "unsupervised",
    "predict": "unsupervised",
    "infer_min_labels": "unsupervised",
    "SegNet": "model",
    # STEGO (lesson 07)
    "load_backbone": "backbones",
    "train_stego": "stego",
    # torch threads fitted to the CPUs the process may use (Binder: one)
    "available_cpus": "_threads",
    "fit_torch_threads": "_threads",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name):
    if name in _EXPORTS:
        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'segkit' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS) | set(_SUBMODULES))
