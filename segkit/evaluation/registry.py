"""The method registry: which segmentation methods the runner can call, and their parameters.

:data:`METHODS` maps a name to a :class:`Method` (its function and every
parameter it accepts, with defaults). The course's methods are registered here
(k-means, Felzenszwalb, SLIC, and the two unsupervised CNNs, whose torch code
is imported only when they run); a later lesson adds its own with
:func:`register_method`. :func:`variants` expands ``--methods`` and
``--param`` into the ``(name, parameters)`` pairs that :func:`evaluate` runs.
"""

from __future__ import annotations

import itertools
import json
import warnings
from dataclasses import dataclass, field

from .._validate import check_choice, describe


@dataclass(frozen=True)
class Method:
    """A segmentation method the runner can call.

    Attributes
    ----------
    name : str
    function : callable
        ``function(image, **params) -> labels``: image (H, W, 3) float32 in
        [0, 1], labels (H, W) int. Must be importable (a module-level
        function) to run in worker processes or on a Dask cluster.
    defaults : dict
        Every parameter the method accepts, with its default; the runner
        refuses unknown parameters and records the effective ones in each row.
    description : str
    """

    name: str
    function: object
    defaults: dict = field(default_factory=dict)
    description: str = ""


def _kmeans(image, *, k, position_weight, color_space, seed):
    from ..classical import kmeans_segment

    return kmeans_segment(image, k, position_weight=position_weight, color_space=color_space, seed=seed)


def _felzenszwalb(image, *, scale, sigma, min_size):
    from ..classical import felzenszwalb_segment

    return felzenszwalb_segment(image, scale=scale, sigma=sigma, min_size=min_size)


def _slic(image, *, n_segments, compactness):
    from ..superpixels import slic

    return slic(image, n_segments, compactness)


def _cnn(image, method, params):
    from ..cnn.segment_image import segment  # torch is imported only when a CNN method runs

    return segment(image, method, **params).labels


def _kanezaki2018(image, **params):
    return _cnn(image, "kanezaki2018", params)


def _kim2020(image, **params):
    return _cnn(image, "kim2020", params)


#: The evaluation trains at full size with the fast schedule (segkit.cnn.schedule;
#: ``--param kim2020.schedule=paper`` for the papers' 1,000 iterations); the
#: schedule is stored with every result like any other parameter.
_CNN_DEFAULTS = dict(max_iter=1000, min_labels=3, n_channels=100, n_conv=2, lr=0.1, seed=0, device="cpu",
                     keep_memory=False, schedule="fast")

#: The registry: method name -> :class:`Method`. Add to it with :func:`register_method`.
METHODS: dict = {}


def register_method(name: str, function, defaults=None, *, description: str = "", replace: bool = False) -> Method:
    """Add a segmentation method to :data:`METHODS` (for :func:`evaluate` and ``segkit evaluate``).

    Parameters
    ----------
    name : str
        Letters, digits, ``_`` and ``-`` (it becomes a command-line name).
    function : callable
        ``function(image, **params) -> (H, W) int labels``; a module-level
        function, so that worker processes can import it.
    defaults : dict, optional
        Every accepted parameter with its default value (numbers, strings,
        booleans or None: they are stored as JSON in the CSV).
    description : str
    replace : bool
        Allow replacing an existing entry.

    Returns
    -------
    Method

    Raises
    ------
    ValueError
        For a bad name, a name already taken (unless ``replace``), or defaults
        that are not JSON scalars.
    TypeError
        If ``function`` is not callable or ``defaults`` is not a dict.

    Examples
    --------
    >>> import numpy as np
    >>> def halves(image, *, axis=1):
    ...     h, w = image.shape[:2]
    ...     return (np.indices((h, w))[axis] >= (h, w)[axis] // 2).astype(int)
    >>> m = register_method("halves", halves, {"axis": 1}, description="left | right")
    >>> "halves" in METHODS
    True
    >>> del METHODS["halves"]
    """
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "_-" for c in name):
        raise ValueError(f"`name` must be a non-empty string of letters, digits, '_' or '-'; got {describe(name)}")
    if not callable(function):
        raise TypeError(f"`function` must be callable, function(image, **params) -> labels; got {describe(function)}")
    defaults = {} if defaults is None else defaults
    if not isinstance(defaults, dict):
        raise TypeError(f"`defaults` must be a dict of parameter names and values; got {describe(defaults)}")
    for key, value in defaults.items():
        if not isinstance(key, str) or not (value is None or isinstance(value, (bool, int, float, str))):
            raise ValueError(f"`defaults` must map parameter names to numbers, strings, booleans or None; "
                             f"got {key!r}: {describe(value)}")
    if name in METHODS and not replace:
        raise ValueError(f"`name`: a method {name!r} is already registered (pass replace=True to replace it)")
    method = Method(name, function, dict(defaults), description)
    METHODS[name] = method
    return method


register_method("kmeans", _kmeans, dict(k=8, position_weight=0.0, color_space="rgb", seed=0),
                description="k-means over pixel colours (segkit.classical.kmeans_segment)")
register_method("felzenszwalb", _felzenszwalb, dict(scale=100.0, sigma=0.8, min_size=20),
                description="Felzenszwalb-Huttenlocher graph segmentation (segkit.classical.felzenszwalb_segment)")
register_method("slic", _slic, dict(n_segments=100, compactness=10.0),
                description="SLIC superpixels (segkit.superpixels.slic)")
register_method("kanezaki2018", _kanezaki2018, dict(_CNN_DEFAULTS, n_segments=10000, compactness=100.0),
                description="unsupervised CNN with a superpixel target (Kanezaki 2018; segkit.segment)")
register_method("kim2020", _kim2020, dict(_CNN_DEFAULTS, mu=1.0),
                description="unsupervised CNN with the continuity loss (Kim et al. 2020; segkit.segment)")


def variants(methods, params=None) -> list:
    """Expand method names and parameters into ``(name, effective params)`` pairs.

    Parameters
    ----------
    methods : str or sequence
        A comma-separated string (``"kmeans,slic"``), a list of names, or a
        list mixing names and ``(name, params)`` pairs (one variant each).
    params : dict, optional
        ``{method name: {parameter: value or list of values}}``; a list makes a
        grid (every combination becomes a variant).

    Returns
    -------
    list of (str, dict)
        Every parameter of the method, defaults filled in. Each variant comes
        once: a method named twice, or a value repeated in a grid
        (``"kmeans,kmeans"``, ``{"k": [4, 4]}``, ``{"position_weight": [0, 0.0]}``),
        gives one variant, and a warning says so, so that a summary never
        counts an image twice.

    Raises
    ------
    ValueError
        For an unknown method or parameter (the message lists the accepted
        ones), or an empty list of values (a grid with no point in it).

    Warns
    -----
    UserWarning
        When repeated variants were dropped.

    Examples
    --------
    >>> [p["k"] for _, p in variants("kmeans", {"kmeans": {"k": [4, 8]}})]
    [4, 8]
    >>> variants(["slic"])
    [('slic', {'n_segments': 100, 'compactness': 10.0})]
    """
    if isinstance(methods, str):
        methods = [m.strip() for m in methods.split(",") if m.strip()]
    if not isinstance(methods, (list, tuple)) or not methods:
        raise ValueError(f"`methods` must name at least one method of {', '.join(METHODS)}; got {describe(methods)}")
    params = {} if params is None else params
    if not isinstance(params, dict):
        raise TypeError(f"`params` must be a dict {{method: {{parameter: value}}}}; got {describe(params)}")
    for name in params:
        check_choice(name, "params", METHODS)
    out = []
    for entry in methods:
        if isinstance(entry, (tuple, list)) and len(entry) == 2:
            name, overrides = entry
        else:
            name, overrides = entry, params.get(entry, {})
        check_choice(name, "methods", METHODS)
        defaults = METHODS[name].defaults
        for key in overrides:
            if key not in defaults:
                allowed = ", ".join(defaults) or "none"
                raise ValueError(f"`params`: method {name!r} has no parameter {key!r}; accepted: {allowed}")
        keys = list(overrides)
        grids = [v if isinstance(v, (list, tuple)) else [v] for v in overrides.values()]
        for key, grid in zip(keys, grids):
            if not grid:
                raise ValueError(f"`params`: {name}.{key} is an empty list of values; give at least one value")
        for combo in itertools.product(*grids):
            p = dict(defaults)
            p.update((k, _like_default(defaults[k], v)) for k, v in zip(keys, combo))
            out.append((name, p))
    return _unique(out)


def _unique(pairs) -> list:
    """``pairs`` without repeats (first kept, order kept), with a warning naming the repeated variants."""
    seen, out, repeated = set(), [], []
    for name, p in pairs:
        key = (name, json.dumps(p, sort_keys=True, default=repr))
        if key in seen:
            repeated.append(_label(name, p))
        else:
            seen.add(key)
            out.append((name, p))
    if repeated:
        shown = ", ".join(dict.fromkeys(repeated))
        warnings.warn(f"`methods`/`params`: the variant(s) {shown} came more than once; each is computed and "
                      "counted once", UserWarning, stacklevel=3)
    return out


def _like_default(default, value):
    """An int given for a float parameter becomes a float (so 0 and 0.0 are the same variant)."""
    if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _label(name, params) -> str:
    """``kmeans (k=16)``: the name and the parameters that differ from the registry's defaults."""
    defaults = METHODS[name].defaults if name in METHODS else {}
    diff = [f"{k}={v}" for k, v in params.items() if defaults.get(k, object()) != v]
    return f"{name} ({', '.join(diff)})" if diff else name
