"""The Binder simulation (benchmarks/binder_sim.py) on a tiny notebook: runs, times a Train click."""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "benchmarks" / "binder_sim.py"

CELLS = [
    "import time\nimport ipywidgets as widgets\nfrom segkit.show.widgets import ParamCache\ncache = ParamCache()",
    "def slow(x):\n    time.sleep(0.3)\n    return x\n"
    "button = widgets.Button(description='Train')\n"
    "out = widgets.Output()\n"
    "def on_click(_=None):\n    with out:\n        print(cache.get(slow, 1))\n"
    "button.on_click(on_click)\ndisplay(button, out)\non_click()",
    "print('done')",
]


def _tiny_notebook(path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def _run(args):
    return subprocess.run([sys.executable, str(SIM), *args], capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_simulation_runs_a_notebook_and_times_its_train_click(tmp_path):
    nb = tmp_path / "tiny.ipynb"
    _tiny_notebook(nb)
    cgroup = [] if os.geteuid() == 0 else ["--no-cgroup"]
    proc = _run([str(nb), "--threads", "default", "--clicks", "--inplace", "--cell-timeout", "60",
                 "--poll-slice", "1", "--markdown", *cgroup])
    if proc.returncode == 3:  # root, but no cgroup can be made here: run without one
        proc = _run([str(nb), "--threads", "default", "--clicks", "--inplace", "--cell-timeout", "60",
                     "--markdown", "--no-cgroup"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "| tiny.ipynb | default |" in proc.stdout
    # the click ran the callback afresh (the cache was emptied): at least the 0.3 s sleep
    clicked = [ln for ln in proc.stdout.splitlines() if "Train: " in ln]
    assert clicked and float(clicked[0].split("Train: ")[1].split(" s")[0]) >= 0.3
    stored = nbformat.read(nb, as_version=4)
    assert "done" in stored.cells[-1].outputs[0]["text"]          # --inplace stored the outputs
    assert len(stored.cells) == len(CELLS)                         # and not the click cell


def test_simulation_refuses_bad_options(tmp_path):
    proc = _run(["--cpus", "0"])
    assert proc.returncode == 2 and "--cpus" in proc.stderr
    proc = _run([str(tmp_path / "missing.ipynb")])
    assert proc.returncode == 2 and "missing.ipynb" in proc.stderr
