"""Run the lessons as Binder runs them: one CPU of quota and 2 GiB, a fresh kernel each.

Usage (from the repository root, as root, in the course's environment)::

    python benchmarks/binder_sim.py                      # every notebook, both thread settings
    python benchmarks/binder_sim.py notebooks/05_*.ipynb --threads many --clicks
    python benchmarks/binder_sim.py --inplace            # re-execute and store the outputs
    python benchmarks/binder_sim.py --repeat 20 --cell-timeout 120   # count hangs
    python benchmarks/binder_sim.py --check-threads      # what segkit sees inside the cgroup
    python benchmarks/binder_sim.py --no-cgroup --inplace notebooks/05_*.ipynb   # not root: no quota

A Binder pod gets about one CPU of quota and 2 GB while ``os.cpu_count()``
shows every core of the node. For each run this script makes a fresh cgroup
(v1 or v2, whichever the machine has, nested under the script's own cgroups)
with a CPU quota of ``--cpus`` (1) and a memory limit of ``--memory`` (2 GiB),
and starts a worker process inside it. The worker executes the notebook top to
bottom in a fresh kernel with nbclient, as a student's Run All does; the
client and the kernel share the quota, as the Jupyter server and the kernel
share a pod. Then, with ``--clicks``, it clicks every button whose label
starts with "Train" once at its default settings, with the lesson's result
caches emptied first, so the time is that of a real training run.

Thread settings (``--threads``):

* ``default``: no thread variables set; torch picks one thread per visible
  core (2 on our machines).
* ``many``: torch starts with 32 threads, as it would by default on a 32-core
  Binder node: segkit's own thread fitting (``segkit._threads``) must hold.
  (torch 2.13 caps ``OMP_NUM_THREADS`` at the visible cores, so the kernel
  calls ``torch.set_num_threads(32)`` from an IPython startup file instead.)
* ``binder``: the environment ``binder/start`` makes (every thread variable
  set from the quota).

The client waits for kernel messages in slices of ``--poll-slice`` seconds
(1), which works around a lost wake-up in the asyncio kernel client
(:func:`slice_client_waits`; ``--poll-slice 0`` waits as nbclient does).

Each cell has a timeout (``--cell-timeout``, 300 s): a hang fails, naming the
cell, instead of waiting for ever. A timed-out cell is reported as a *hang*
when the kernel used less than 1 s of CPU in the 20 s before the timeout (the
kernel sat idle: a lost message), else as *slow*. A cell that finished but
took 10 s or more while its kernel used under a fifth of that in CPU is
reported as a *stall*: it waited for a message that came late (seen under
ipykernel 7.4: a two-second cell answered only when the client's wait ran out).

Exit status: 0 when every run finished, 1 when one failed, 3 when no cgroup
could be made (not root, or no cpu/memory controller): the script says why.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARK = "BINDER_SIM_RESULT "
CLICK_MARK = "BINDER_SIM_CLICKS "
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS")
GOAL_SECONDS, GOAL_CLICK_SECONDS, GOAL_MB = 90, 10, 1536
STALL_SECONDS = 10  # a cell this long whose kernel used under a fifth of it in CPU waited for a lost message
MANY = 32  # torch threads in the "many" setting: a 32-core node

# Run in the kernel after the lesson: click each Train button once at its defaults, caches emptied.
CLICKS_CELL = '''
import gc as _gc, json as _json, time as _time
import ipywidgets as _w
from segkit.show.widgets import ParamCache as _ParamCache

def _binder_sim_clicks():
    found = []
    for b in list(_w.widget._instances.values()):
        if isinstance(b, _w.Button) and b.description.lower().startswith("train"):
            found.append(b)
    times = []
    for b in found:
        for cache in [o for o in _gc.get_objects() if isinstance(o, _ParamCache)]:
            cache.clear()
        t0 = _time.perf_counter()
        b.click()
        times.append({"button": b.description, "seconds": round(_time.perf_counter() - t0, 2)})
    return times

print("%s" + _json.dumps(_binder_sim_clicks()))
''' % CLICK_MARK


# --------------------------------------------------------------------------- #
# cgroups
# --------------------------------------------------------------------------- #

class CgroupUnavailable(RuntimeError):
    """No cgroup with a CPU quota and a memory limit can be made here."""


def _own_path(controller: str | None) -> str:
    """This process's cgroup path for a v1 controller, or the v2 path (controller None)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, rel = line.split(":", 2)
        if controller is None and controllers == "":
            return rel
        if controller is not None and controller in controllers.split(","):
            return rel
    raise CgroupUnavailable(f"this process is in no {controller or 'v2'} cgroup")


def _write(path: Path, value: str) -> None:
    try:
        path.write_text(value)
    except OSError as exc:
        raise CgroupUnavailable(f"cannot write {value.strip()!r} to {path}: {exc.strerror}") from None


class Cgroup:
    """A fresh cgroup with a CPU quota and a memory limit; ``procs_files`` take a pid."""

    def __init__(self, name: str, cpus: float, memory: int):
        if os.geteuid() != 0:
            raise CgroupUnavailable("making a cgroup needs root")
        base = Path("/sys/fs/cgroup")
        self.dirs, self.procs_files = [], []
        quota = str(int(round(cpus * 100_000)))
        if (base / "cgroup.controllers").exists():
            self.version = "v2"
            parent = base / _own_path(None).strip("/")
            enabled = (parent / "cgroup.subtree_control").read_text().split()
            for ctl in ("cpu", "memory"):
                if ctl not in enabled:
                    _write(parent / "cgroup.subtree_control", f"+{ctl}")
            d = self._mkdir(parent / name)
            _write(d / "cpu.max", f"{quota} 100000")
            _write(d / "memory.max", str(memory))
            _write(d / "memory.swap.max", "0") if (d / "memory.swap.max").exists() else None
            self.peak_file = d / "memory.peak"
            self.procs_files.append(d / "cgroup.procs")
        else:
            self.version = "v1"
            cpu_mount = next((base / m for m in ("cpu,cpuacct", "cpu") if (base / m / "cpu.cfs_quota_us").exists()),
                             None)
            mem_mount = base / "memory"
            if cpu_mount is None or not (mem_mount / "memory.limit_in_bytes").exists():
                raise CgroupUnavailable("no cgroup v2 and no cgroup v1 cpu and memory controllers")
            d = self._mkdir(cpu_mount / _own_path("cpu").strip("/") / name)
            _write(d / "cpu.cfs_period_us", "100000")
            _write(d / "cpu.cfs_quota_us", quota)
            self.procs_files.append(d / "cgroup.procs")
            m = self._mkdir(mem_mount / _own_path("memory").strip("/") / name)
            _write(m / "memory.limit_in_bytes", str(memory))
            self.peak_file = m / "memory.max_usage_in_bytes"
            self.procs_files.append(m / "cgroup.procs")

    def _mkdir(self, path: Path) -> Path:
        try:
            path.mkdir()
        except FileExistsError:
            pass
        except OSError as exc:
            raise CgroupUnavailable(f"cannot make {path}: {exc.strerror}") from None
        self.dirs.append(path)
        return path

    def enter(self) -> None:
        """Move the calling process into the cgroup (used as Popen's preexec_fn)."""
        for f in self.procs_files:
            f.write_text(str(os.getpid()))

    def peak_mb(self):
        try:
            return int(self.peak_file.read_text()) / 2**20
        except (OSError, ValueError):
            return None

    def remove(self) -> None:
        """Kill whatever is still running in the cgroup (a kernel whose client died), then remove it."""
        import signal

        for f in self.procs_files:
            try:
                pids = [int(p) for p in f.read_text().split()]
            except OSError:
                continue
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for d in reversed(self.dirs):
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)  # the last processes are still leaving


# --------------------------------------------------------------------------- #
# The worker: runs inside the cgroup
# --------------------------------------------------------------------------- #

def _tree(proc):
    import psutil

    procs = [proc]
    try:
        procs += proc.children(recursive=True)
    except psutil.Error:
        pass
    return procs


def _cpu(proc) -> float:
    """CPU seconds used so far by a process and its children."""
    import psutil

    total = 0.0
    for p in _tree(proc):
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


LATE_WAKEUPS = [0]


def slice_client_waits(seconds: float) -> None:
    """Make the kernel client wait for a message in slices of at most ``seconds``.

    jupyter_client's asyncio channels wait for a message with one
    ``socket.poll(timeout)``, woken by the edge-triggered file descriptor of
    the zmq socket. When nbclient sends on the shell socket (the comm messages
    of an ``ipywidgets.Output``) while a wait on that socket is pending, the
    edge can be consumed and the reply already sitting in the socket is found
    only when the wait times out (a cell of two seconds then "takes" the whole
    cell timeout, or for ever without one). Each slice ends with a
    level-triggered check, so a missed wake-up costs at most ``seconds``.
    """
    from time import monotonic

    from jupyter_client.channels import AsyncZMQSocketChannel
    from queue import Empty

    async def get_msg(self, timeout=None):
        deadline = None if timeout is None else monotonic() + timeout
        while True:
            left = seconds if deadline is None else min(seconds, max(0.0, deadline - monotonic()))
            t0 = monotonic()
            if await self.socket.poll(int(left * 1000)):
                if left >= seconds and monotonic() - t0 >= 0.995 * seconds:
                    LATE_WAKEUPS[0] += 1   # found only by the check at the slice's end
                return await self._recv()
            if deadline is not None and monotonic() >= deadline:
                raise Empty

    AsyncZMQSocketChannel.get_msg = get_msg


def worker(path: Path, *, cell_timeout: int, clicks: bool, inplace: bool, poll_slice: float = 0.0) -> dict:
    """Execute one notebook in a fresh kernel; return times, peak memory and clicks."""
    import nbformat
    import psutil
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    if poll_slice > 0:
        slice_client_waits(poll_slice)
    nb = nbformat.read(path, as_version=4)
    # raise_on_iopub_timeout: a cell whose outputs did not all arrive fails instead of being
    # stored without them
    client = NotebookClient(nb, timeout=cell_timeout, kernel_name="python3", startup_timeout=120,
                            raise_on_iopub_timeout=True,
                            resources={"metadata": {"path": str(path.parent)}})
    peak, cpu_log, stop = [0], [], threading.Event()

    def sample(pid):
        kernel = psutil.Process(pid)
        while not stop.is_set():
            rss = 0
            for p in _tree(kernel):
                try:
                    rss += p.memory_info().rss
                except psutil.Error:
                    pass
            peak[0] = max(peak[0], rss)
            try:
                t = kernel.cpu_times()
                cpu_log.append((time.monotonic(), t.user + t.system))
            except psutil.Error:
                return
            time.sleep(0.1)

    import ipykernel
    import jupyter_client
    import nbclient
    import zmq

    result = {"notebook": path.name, "error": None, "kind": None, "clicks": None,
              "versions": {"ipykernel": ipykernel.__version__, "nbclient": nbclient.__version__,
                           "jupyter_client": jupyter_client.__version__, "pyzmq": zmq.__version__}}
    t0 = time.perf_counter()
    cell_index = [None]
    try:
        with client.setup_kernel():
            threading.Thread(target=sample, args=(client.km.provisioner.process.pid,), daemon=True).start()
            info = client.wait_for_reply(client.kc.kernel_info())
            nb.metadata["language_info"] = info["content"]["language_info"]
            slow, stalls = result["slow_cells"], result["stalls"] = {}, {}
            kernel = psutil.Process(client.km.provisioner.process.pid)
            for index, cell in enumerate(nb.cells):
                cell_index[0] = index
                t_cell, cpu_cell = time.perf_counter(), _cpu(kernel)
                client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
                wall, cpu = time.perf_counter() - t_cell, _cpu(kernel) - cpu_cell
                if wall >= 3:
                    slow[index] = round(wall, 1)
                if wall >= STALL_SECONDS and cpu < 0.2 * wall:  # waited with the kernel idle
                    stalls[index] = {"wall": round(wall, 1), "kernel_cpu": round(cpu, 1)}
            client.set_widgets_metadata()
            result["seconds"] = time.perf_counter() - t0
            if inplace:
                nbformat.write(nb, path)
            if clicks:
                cell = nbformat.v4.new_code_cell(CLICKS_CELL)
                cell_index[0] = "clicks"
                nb.cells.append(cell)
                client.execute_cell(cell, len(nb.cells) - 1)
                text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
                line = next((ln for ln in text.splitlines() if ln.startswith(CLICK_MARK)), None)
                result["clicks"] = json.loads(line[len(CLICK_MARK):]) if line else []
    except CellTimeoutError as exc:
        now = time.monotonic()
        recent = [c for t, c in cpu_log if t >= now - 20]
        busy = (recent[-1] - recent[0]) if len(recent) > 1 else 0.0
        result["kind"] = "slow" if busy >= 1.0 else "hang"
        result["error"] = (f"cell {cell_index[0]} timed out after {cell_timeout} s "
                           f"(kernel CPU in its last 20 s: {busy:.1f} s): {str(exc).strip().splitlines()[-1][:120]}")
    except DeadKernelError as exc:
        result["kind"] = "dead kernel (out of memory?)"
        result["error"] = f"cell {cell_index[0]}: {exc}"
    except Exception as exc:  # noqa: BLE001 - a failing cell is recorded, not hidden
        result["kind"] = "error"
        result["error"] = f"cell {cell_index[0]}: {type(exc).__name__}: {str(exc).strip().splitlines()[-1][:160]}"
    finally:
        stop.set()
    result.setdefault("seconds", time.perf_counter() - t0)
    result["late_wakeups"] = LATE_WAKEUPS[0]
    result["kernel_peak_mb"] = peak[0] / 2**20
    return result


def check_threads() -> str:
    """What segkit sees inside the cgroup: CPUs, and threads while training when torch starts with 32."""
    import numpy as np
    import torch

    from segkit._threads import available_cpus
    from segkit import segment

    torch.set_num_threads(MANY)
    default = torch.get_num_threads()
    seen = []
    image = np.zeros((12, 12, 3), np.float32)
    image[:, 6:] = 1
    segment(image, max_iter=2, n_channels=8, device="cpu",
            callback=lambda it, info: seen.append(torch.get_num_threads()))
    return (f"available_cpus={available_cpus()} torch_before={default} inside_segment={max(seen)} "
            f"after={torch.get_num_threads()}")


# --------------------------------------------------------------------------- #
# The driver: one cgroup and one worker per run
# --------------------------------------------------------------------------- #

def thread_env(setting: str, scratch: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    if setting == "many":  # every kernel starts with torch at 32 threads
        startup = scratch / "ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True, exist_ok=True)
        (startup / "00-many-threads.py").write_text(f"import torch\ntorch.set_num_threads({MANY})\n")
        env["IPYTHONDIR"] = str(scratch / "ipython")
    if "SEGKIT_BSDS500" not in env:  # the local copy the test suite reads (no network)
        local = ROOT.parent / "shared" / "data" / "bsds500" / "data"
        if local.is_dir():
            env["SEGKIT_BSDS500"] = str(local)
    return env


def run_in_cgroup(args_for_worker: list, *, env: dict, cpus: float, memory: int, timeout: float,
                  binder_start: bool = False, use_cgroup: bool = True):
    """Run this script's worker inside a fresh cgroup (through binder/start when asked).

    Returns (completed process or None when it ran past ``timeout``, the cgroup's peak memory
    in MB, the cgroup version); without ``use_cgroup`` the worker runs on the machine as it is.
    """
    cg = Cgroup(f"segkit-binder-sim-{os.getpid()}", cpus, memory) if use_cgroup else None
    prefix = ["bash", str(ROOT / "binder" / "start")] if binder_start else []
    try:
        try:
            proc = subprocess.run([*prefix, sys.executable, __file__, *args_for_worker], env=env,
                                  preexec_fn=cg.enter if cg else None, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            proc = None
        return proc, (cg.peak_mb() if cg else None), (cg.version if cg else "no cgroup")
    finally:
        if cg is not None:
            cg.remove()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/*.ipynb")
    parser.add_argument("--threads", choices=("default", "many", "binder", "both"), default="both",
                        help="thread setting (both = default and many)")
    parser.add_argument("--cpus", type=float, default=1.0, help="CPU quota (1)")
    parser.add_argument("--memory", type=float, default=2.0, help="memory limit in GiB (2)")
    parser.add_argument("--clicks", action="store_true", help="time each Train button's default click")
    parser.add_argument("--inplace", action="store_true", help="store the executed notebook (outputs)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each notebook (to count hangs)")
    parser.add_argument("--cell-timeout", type=int, default=300, help="seconds per cell before failing (300)")
    parser.add_argument("--poll-slice", type=float, default=1.0,
                        help="wait for kernel messages in slices of this many seconds (1; 0: one wait, "
                             "as nbclient does, which can stall: see slice_client_waits)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table for RESULTS.md")
    parser.add_argument("--check-threads", action="store_true", help="print what segkit sees inside a cgroup")
    parser.add_argument("--no-cgroup", action="store_true",
                        help="run on the machine as it is (no root needed): to re-execute notebooks, "
                             "not to time them for Binder")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up the cgroup (finally) on kill

    if args.worker is not None:  # inside the cgroup
        if args.check_threads:
            print(check_threads())
            return 0
        res = worker(args.worker, cell_timeout=args.cell_timeout, clicks=args.clicks, inplace=args.inplace,
                     poll_slice=args.poll_slice)
        print(MARK + json.dumps(res), flush=True)
        return 0
    for name, value, low in (("--cpus", args.cpus, 0.01), ("--memory", args.memory, 0.25),
                             ("--repeat", args.repeat, 1), ("--cell-timeout", args.cell_timeout, 1)):
        if value < low:
            parser.error(f"{name} must be at least {low}; got {value}")
    memory = int(args.memory * 2**30)
    settings = ("default", "many") if args.threads == "both" else (args.threads,)

    if args.check_threads:
        try:
            proc, _, version = run_in_cgroup(["--worker", "-", "--check-threads"], env=dict(os.environ),
                                             cpus=args.cpus, memory=memory, timeout=240,
                                             use_cgroup=not args.no_cgroup)
        except CgroupUnavailable as exc:
            print(f"binder_sim: no cgroup: {exc}")
            return 3
        if proc is None:
            print("binder_sim: the thread check ran past 240 s")
            return 1
        print(f"cgroup {version}, quota {args.cpus:g} CPU: {proc.stdout.strip()} {proc.stderr.strip()[-500:]}")
        return proc.returncode

    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix="binder-sim-"))
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for p in paths:
        if not p.is_file():
            parser.error(f"notebook {str(p)!r} does not exist")
    rows = []
    for setting in settings:
        for path in paths:
            for rep in range(args.repeat):
                wargs = ["--worker", str(path.resolve()), "--cell-timeout", str(args.cell_timeout)]
                wargs += ["--clicks"] * args.clicks + ["--inplace"] * args.inplace
                wargs += ["--poll-slice", str(args.poll_slice)]
                try:
                    proc, cg_peak, version = run_in_cgroup(wargs, env=thread_env(setting, scratch), cpus=args.cpus,
                                                           memory=memory, timeout=args.cell_timeout * 60,
                                                           binder_start=setting == "binder",
                                                           use_cgroup=not args.no_cgroup)
                except CgroupUnavailable as exc:
                    print(f"binder_sim: no cgroup: {exc}")
                    return 3
                out = proc.stdout if proc is not None else ""
                line = next((ln for ln in out.splitlines() if ln.startswith(MARK)), None)
                if line is None:
                    why = ("ran past the worker's limit" if proc is None else
                           (proc.stderr.strip().splitlines() or ["(no output)"])[-1][:200])
                    res = {"notebook": path.name, "seconds": float("nan"), "kernel_peak_mb": float("nan"),
                           "clicks": None, "kind": "worker failed", "error": why}
                else:
                    res = json.loads(line[len(MARK):])
                res.update(threads=setting, run=rep + 1, cgroup_peak_mb=cg_peak, cgroup=version)
                rows.append(res)
                clicks = ", ".join(f"{c['button']}: {c['seconds']:.1f} s" for c in res["clicks"] or [])
                print(f"[{version} {args.cpus:g} CPU {args.memory:g} GiB, threads {setting}, run {rep + 1}] "
                      f"{res['notebook']:36s} {res['seconds']:6.1f} s  kernel {res['kernel_peak_mb']:5.0f} MB  "
                      f"cgroup {cg_peak or float('nan'):5.0f} MB  {clicks}  {res['error'] or 'ok'}"
                      f"  cells over 3 s: {res.get('slow_cells')}"
                      + (f"  STALLED (kernel idle): {res['stalls']}" if res.get("stalls") else "")
                      + (f"  late wake-ups: {res['late_wakeups']}" if res.get("late_wakeups") else ""), flush=True)
    if args.repeat > 1:
        print("\nFailures over repeats (hang = cell timed out with the kernel idle):")
        for setting in settings:
            for path in paths:
                mine = [r for r in rows if r["notebook"] == path.name and r["threads"] == setting]
                kinds = [r["kind"] for r in mine if r["kind"]]
                kinds += [f"stall in cell {c} ({v['wall']:.0f} s, kernel idle)" for r in mine
                          for c, v in (r.get("stalls") or {}).items()]
                bad = sum(1 for r in mine if r["kind"] or r.get("stalls"))
                print(f"  {setting:8s} {path.name:36s} {len(mine) - bad}/{len(mine)} ok"
                      + (f"; {', '.join(kinds)}" if kinds else ""))
    if args.markdown:
        import psutil

        print(f"\nMachine: {platform.machine()}, {os.cpu_count()} visible cores, "
              f"{psutil.virtual_memory().total / 2**30:.0f} GiB; cgroup {rows[0]['cgroup'] if rows else '?'} "
              f"with a {args.cpus:g}-CPU quota and {args.memory:g} GiB; Python {platform.python_version()}; "
              f"{', '.join(f'{k} {v}' for k, v in (rows[0].get('versions') or {}).items()) if rows else ''}; "
              f"client waits sliced every {args.poll_slice:g} s\n")
        print("| notebook | threads | Run All (s) | kernel peak (MB) | Train clicks (s) | within goals |")
        print("|---|---|---:|---:|---|---|")
        for r in rows:
            clicks = "; ".join(f"{c['button']} {c['seconds']:.1f}" for c in r["clicks"] or []) or "-"
            ok = (r["error"] is None and r["seconds"] < GOAL_SECONDS and r["kernel_peak_mb"] < GOAL_MB
                  and all(c["seconds"] < GOAL_CLICK_SECONDS for c in r["clicks"] or []))
            print(f"| {r['notebook']} | {r['threads']} | {r['seconds']:.0f} | {r['kernel_peak_mb']:.0f} | {clicks} "
                  f"| {'yes' if ok else 'NO: ' + (r['error'] or 'over a goal')} |")
    return 0 if all(r["error"] is None for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
