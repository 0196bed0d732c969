"""Execute every lesson notebook and record its wall time and peak memory.

Usage (from the repository root, in the course's environment)::

    python benchmarks/notebook_resources.py [notebooks/NN_name.ipynb ...] [--markdown]

Each notebook runs top to bottom in a fresh kernel at its own defaults
(nbclient), exactly as a student's *Run All* would. Peak memory is the largest
resident set size of the kernel process and its children, sampled every
50 ms with psutil (Binder's limit counts the same thing). The goal is under
1.5 GB per notebook (Binder gives 2 GB) and a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
GOAL_MB = 1536


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc] + proc.children(recursive=True):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_notebook(path: Path, *, timeout: int = 1200) -> dict:
    """Execute one notebook in a fresh kernel; return seconds and peak MB."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    peak = [0]
    stop = threading.Event()

    def sample(pid):
        proc = psutil.Process(pid)
        while not stop.is_set():
            try:
                peak[0] = max(peak[0], _tree_rss(proc))
            except psutil.Error:
                return
            time.sleep(0.05)

    def start_watching(**_):
        pid = client.km.provisioner.process.pid
        threading.Thread(target=sample, args=(pid,), daemon=True).start()

    client.on_notebook_start = start_watching
    t0 = time.perf_counter()
    error = None
    try:
        client.execute()
    except Exception as exc:  # noqa: BLE001 - recorded, not hidden
        error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:160]}"
    finally:
        stop.set()
    return {"notebook": path.name, "seconds": time.perf_counter() - t0, "peak_mb": peak[0] / 2**20,
            "error": error}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/*.ipynb")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table for RESULTS.md")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    rows = []
    for path in paths:
        row = run_notebook(path)
        rows.append(row)
        status = "ok" if row["error"] is None else row["error"]
        print(f"{row['notebook']:40s} {row['seconds']:7.1f} s {row['peak_mb']:7.0f} MB  {status}", flush=True)
    if args.markdown:
        print(f"\nMachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
              f"{psutil.virtual_memory().total / 2**30:.0f} GiB; load average before: "
              f"{os.getloadavg()[0]:.1f}\n")
        print("| notebook | wall time (s) | peak memory (MB) | within goals |")
        print("|---|---:|---:|---|")
        for r in rows:
            ok = r["error"] is None and r["peak_mb"] < GOAL_MB and r["seconds"] < 300
            print(f"| {r['notebook']} | {r['seconds']:.0f} | {r['peak_mb']:.0f} | {'yes' if ok else 'NO'} |")
    return 0 if all(r["error"] is None for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
