"""Which engine runs the papers' loop: the readable one or the private fast one.

:func:`get_engine` picks one: ``"readable"``, ``"fast"`` or ``"auto"``, which
takes the fast engine only where one activation (q x H x W values) exceeds
glibc's 32 MiB mmap threshold (:data:`FAST_ABOVE_BYTES`; above
:data:`FAST_ABOVE_PIXELS` = 83,886 pixels at q = 100 in float32), which is
where it was measured to become faster (benchmarks/bench_cnn_engines.py).
Lesson images (at most 320 px on the long side) run the readable loop; BSDS500
images at full size run the fast one.
"""

from __future__ import annotations

import torch

from .._validate import check_choice, check_int
from .train import PAPER

__all__ = ["ENGINES", "FAST_ABOVE_BYTES", "FAST_ABOVE_PIXELS", "get_engine"]

#: Values of ``engine`` accepted by :func:`get_engine` and :func:`segkit.segment`.
ENGINES = ("auto", "readable", "fast")

#: ``engine="auto"`` uses the fast engine when one activation of the network
#: (q x H x W values) takes more than this many bytes: glibc's largest ``mmap``
#: threshold. Above it every tensor of the readable loop is mapped, faulted in
#: and zeroed by the kernel each iteration; below it freed heap memory is
#: reused. Measured on 2 CPUs (benchmarks/bench_cnn_engines.py, q = 100,
#: float32): the engines are within 2% of each other up to 83,072 pixels
#: (236 x 352), and the readable loop is 1.5 times slower from 84,480 pixels
#: (240 x 352), its page faults per iteration jumping from 77 thousand to 346
#: thousand (the fast engine's: about none).
FAST_ABOVE_BYTES = 32 * 2**20

#: The same threshold in pixels (H x W) at the default q = 100 in float32:
#: 83,886, above every lesson image (320 px on the long side: at most
#: 240 x 320 = 76,800) and below BSDS500 at full size (321 x 481 = 154,401).
FAST_ABOVE_PIXELS = FAST_ABOVE_BYTES // (100 * 4)


def get_engine(engine: str = "auto", n_pixels: int = 0, *, n_channels: int = 100,
               dtype: torch.dtype = torch.float32, keep_memory: bool = True):
    """The engine that runs :func:`train_loop`'s forward pass, argmax and loss.

    Parameters
    ----------
    engine : {"auto", "readable", "fast"}
        ``"readable"``: :data:`PAPER`, the plain pieces. ``"fast"``: the
        private fast engine. ``"auto"``: fast when one activation,
        ``n_pixels * n_channels`` values of ``dtype``, exceeds
        :data:`FAST_ABOVE_BYTES` (above :data:`FAST_ABOVE_PIXELS` pixels at
        q = 100 in float32), else readable.
    n_pixels : int
        H x W of the image to train on (used by ``"auto"``).
    n_channels : int
        q, the network's channels (used by ``"auto"``).
    dtype : torch.dtype
        The network's floating-point type (used by ``"auto"``).
    keep_memory : bool
        Fast engine only: let glibc keep freed memory while the loop runs.

    Returns
    -------
    engine : PaperEngine or FastEngine
        Its ``name`` is ``"readable"`` or ``"fast"``.

    Raises
    ------
    ValueError
        For an unknown ``engine``.

    Examples
    --------
    >>> get_engine("auto", 214 * 320).name, get_engine("auto", 321 * 481).name
    ('readable', 'fast')
    >>> get_engine("auto", 321 * 481, n_channels=16).name  # 9.9 MB activations
    'readable'
    """
    engine = check_choice(engine, "engine", ENGINES)
    n_pixels = check_int(n_pixels, "n_pixels", min_value=0)
    n_channels = check_int(n_channels, "n_channels", min_value=1)
    if engine == "auto":
        nbytes = n_pixels * n_channels * torch.empty((), dtype=dtype).element_size()
        engine = "fast" if nbytes > FAST_ABOVE_BYTES else "readable"
    if engine == "readable":
        return PAPER
    from ._fast import FastEngine

    return FastEngine(keep_memory=keep_memory)
