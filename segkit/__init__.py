"""segkit: the package behind a notebook course on unsupervised image segmentation.

The lessons import everything from here. Submodules are loaded on first use,
so ``import segkit`` stays fast and does not import torch; the numpy-only
modules (``io``, ``datasets``, ``classical``, ``superpixels``, ``metrics``,
``iic.mi``, ``iic.joint``, ``cnn.scribbles``) never import torch at all.

One subpackage per lesson (see the README's "The package"): ``classical``
(01-02), ``superpixels`` (03), ``cnn`` (04-05), ``iic`` (06), ``stego`` and
``backbones`` (07), ``metrics`` and ``evaluation`` (00, 08), ``show`` (the
figures and widgets of all of them).

Modules that moved into the subpackages keep their old names as aliases
(:data:`MOVED`): ``from segkit import viz`` and ``import segkit.unsupervised``
still work and give the new modules.

>>> import segkit
>>> segkit.load_image is segkit.io.load_image
True
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

import sys
from importlib.abc import Loader, MetaPathFinder
from importlib.util import spec_from_loader

#: Submodules, loaded lazily on attribute access.
_SUBMODULES = (
    "io", "datasets", "classical", "superpixels", "metrics", "show", "cnn", "iic", "backbones",
    "stego", "evaluation", "cli", "source",
)

#: Old module names (before the one-subpackage-per-lesson layout) and where
#: they live now. ``segkit.unsupervised`` and ``segkit.mi`` name packages that
#: export everything the old modules did.
MOVED = {
    "viz": "show.viz",
    "widgets": "show.widgets",
    "scribble_pad": "show.scribble_pad",
    "cnn_figures": "show.cnn_figures",
    "stego_figures": "show.stego_figures",
    "model": "cnn.model",
    "losses": "cnn.losses",
    "scribbles": "cnn.scribbles",
    "unsupervised": "cnn",
    "mi": "iic",
}

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
    # the unsupervised CNN (lessons 04-06; torch is imported on first use)
    "segment": "cnn.segment_image",
    "fit_reference": "cnn.reference",
    "predict": "cnn.reference",
    "infer_min_labels": "cnn.segment_image",
    "SegNet": "cnn.model",
    # STEGO (lesson 08)
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
    if name in _SUBMODULES or name in MOVED:
        module = importlib.import_module(f".{MOVED.get(name, name)}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'segkit' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS) | set(_SUBMODULES))


class _MovedModules(MetaPathFinder, Loader):
    """Import ``segkit.<old name>`` as the module in :data:`MOVED` it became."""

    def find_spec(self, fullname, path=None, target=None):
        package, _, name = fullname.rpartition(".")
        if package == __name__ and name in MOVED:
            return spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        module = importlib.import_module(f"{__name__}.{MOVED[spec.name.rpartition('.')[2]]}")
        spec.loader_state = module.__spec__  # the import system sets __spec__ to the alias's next
        return module

    def exec_module(self, module):
        # already executed under its new name; keep its own spec, or its relative
        # imports would resolve against the old name's package
        module.__spec__ = module.__spec__.loader_state


if not any(isinstance(f, _MovedModules) for f in sys.meta_path):
    sys.meta_path.append(_MovedModules())
