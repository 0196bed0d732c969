"""How many CPUs this process may really use, and torch threads fitted to it.

On Binder a pod gets about one CPU of quota while ``os.cpu_count()`` shows
every core of the node, so torch starts one OpenMP thread per visible core and
the threads throttle each other under the quota (lesson 04, before its split in two: 849 s with
torch's default threads against 180 s with one, benchmarks/RESULTS.md).
segkit's trainers and other heavy torch calls therefore run inside
:func:`fitted_threads`, which lowers torch's intra-op thread count to the CPUs
the process may use (its affinity and its cgroup's CPU quota, v1 or v2) and
puts the caller's setting back afterwards.

This module imports torch only when a block is entered, so the numpy-only
parts of segkit can use :func:`available_cpus` freely.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
from pathlib import Path

__all__ = [
    "available_cpus", "cgroup_cpu_limit", "fitted_threads", "fit_torch_threads", "with_fitted_threads",
]

#: Where the cgroup file systems are mounted, and where a process finds its cgroups.
CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_SELF_CGROUP = Path("/proc/self/cgroup")


def _read(path: Path):
    try:
        return path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None


def _ancestors(rel: str):
    """'/a/b' -> ['a/b', 'a', ''] (the cgroup and every parent up to the mount's root)."""
    parts = [p for p in rel.strip("/").split("/") if p]
    return ["/".join(parts[:i]) for i in range(len(parts), -1, -1)]


def _v2_limit(root: Path, rel: str):
    limits = []
    for sub in _ancestors(rel):
        text = _read(root / sub / "cpu.max")
        if not text:
            continue
        fields = text.split()
        if len(fields) >= 1 and fields[0] != "max":
            try:
                quota = int(fields[0])
                period = int(fields[1]) if len(fields) > 1 else 100_000
            except ValueError:
                continue
            if quota > 0 and period > 0:
                limits.append(quota / period)
    return min(limits) if limits else None


def _v1_limit(root: Path, controllers: str, rel: str):
    names = [controllers, *controllers.split(","), "cpu,cpuacct", "cpuacct,cpu", "cpu"]
    for name in dict.fromkeys(names):
        mount = root / name
        if not (mount / "cpu.cfs_quota_us").exists():
            continue
        limits = []
        for sub in _ancestors(rel):
            quota, period = _read(mount / sub / "cpu.cfs_quota_us"), _read(mount / sub / "cpu.cfs_period_us")
            try:
                quota, period = int(quota), int(period)
            except (TypeError, ValueError):
                continue
            if quota > 0 and period > 0:
                limits.append(quota / period)
        return min(limits) if limits else None
    return None


def cgroup_cpu_limit(*, cgroup_root=None, proc_self_cgroup=None):
    """The CPU quota of this process's cgroup, in CPUs, or None when there is none.

    Reads cgroup v2 ``cpu.max`` ("QUOTA PERIOD" or "max PERIOD") and cgroup v1
    ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` (-1 for none) of the
    process's own cgroup and of each parent up to the mount's root (a
    container often sees its own cgroup as "/"); the tightest one wins.

    Parameters
    ----------
    cgroup_root : path, optional
        Where the cgroup file systems are mounted (default
        :data:`CGROUP_ROOT`, ``/sys/fs/cgroup``).
    proc_self_cgroup : path, optional
        The process's cgroup membership (default :data:`PROC_SELF_CGROUP`,
        ``/proc/self/cgroup``).

    Returns
    -------
    cpus : float or None
        For example 1.0 for a quota of 100000 us per 100000 us period.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "cgroup").write_text("0::/pod\\n")
    >>> (d / "fs" / "pod").mkdir(parents=True)
    >>> _ = (d / "fs" / "pod" / "cpu.max").write_text("150000 100000\\n")
    >>> cgroup_cpu_limit(cgroup_root=d / "fs", proc_self_cgroup=d / "cgroup")
    1.5
    """
    root = Path(CGROUP_ROOT if cgroup_root is None else cgroup_root)
    text = _read(Path(PROC_SELF_CGROUP if proc_self_cgroup is None else proc_self_cgroup))
    if text is None:
        return None
    limits = []
    for line in text.splitlines():
        fields = line.split(":", 2)
        if len(fields) != 3:
            continue
        _, controllers, rel = fields
        if controllers == "":
            limit = _v2_limit(root, rel)
            if limit is None and (root / "unified").is_dir():  # hybrid layout: v2 beside v1
                limit = _v2_limit(root / "unified", rel)
        elif "cpu" in controllers.split(","):
            limit = _v1_limit(root, controllers, rel)
        else:
            continue
        if limit is not None:
            limits.append(limit)
    return min(limits) if limits else None


def available_cpus(*, cgroup_root=None, proc_self_cgroup=None) -> int:
    """The number of CPUs this process may really use (at least 1).

    The smaller of the CPUs in the process's affinity mask
    (``os.sched_getaffinity``, or ``os.cpu_count()`` where there is none) and
    its cgroup CPU quota rounded up (:func:`cgroup_cpu_limit`). On Binder
    ``os.cpu_count()`` shows every core of the node; this shows the pod's one.
    ``cgroup_root`` and ``proc_self_cgroup`` are as in :func:`cgroup_cpu_limit`.

    Examples
    --------
    >>> 1 <= available_cpus() <= (os.cpu_count() or 1)
    True
    """
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    limit = cgroup_cpu_limit(cgroup_root=cgroup_root, proc_self_cgroup=proc_self_cgroup)
    if limit is not None:
        n = min(n, math.ceil(limit - 1e-9))
    return max(1, n)


@contextlib.contextmanager
def fitted_threads(limit=None):
    """Context manager: torch uses no more threads than the CPUs available.

    Inside the block torch's intra-op thread count is
    ``min(torch.get_num_threads(), limit)``, where ``limit`` defaults to
    :func:`available_cpus`: a caller who asked for fewer threads keeps them.
    On leaving, the caller's count is restored.

    Parameters
    ----------
    limit : int, optional
        The most threads to use; default :func:`available_cpus`.

    Yields
    ------
    n_threads : int
        The thread count inside the block.

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with fitted_threads(1) as n:
    ...     n, torch.get_num_threads()
    (1, 1)
    >>> torch.get_num_threads() == before
    True
    """
    import torch

    if limit is None:
        limit = available_cpus()
    before = torch.get_num_threads()
    n = max(1, min(before, int(limit)))
    if n != before:
        torch.set_num_threads(n)
    try:
        yield n
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def fit_torch_threads() -> int:
    """Set torch's thread count to the CPUs available, for the rest of the session.

    For a notebook's own torch code (segkit's functions fit their threads by
    themselves, see :func:`fitted_threads`). Lowers the count only: never
    raises it above the current setting.

    Returns
    -------
    n_threads : int

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> fit_torch_threads() <= before
    True
    >>> torch.set_num_threads(before)
    """
    import torch

    n = max(1, min(torch.get_num_threads(), available_cpus()))
    if n != torch.get_num_threads():
        torch.set_num_threads(n)
    return n


def with_fitted_threads(func):
    """Decorator: run ``func`` inside :func:`fitted_threads`."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with fitted_threads():
            return func(*args, **kwargs)

    return wrapper
