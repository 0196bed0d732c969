"""segkit's three layers (numpy, torch, presentation) hold: import-linter's contracts in pyproject.toml."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports(cwd):
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(exe).exists():
        pytest.fail("lint-imports is not installed: pip install -e '.[dev]' installs import-linter")
    return subprocess.run([exe, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(cwd)})


def test_import_contracts_hold():
    proc = _lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout



def test_a_numpy_module_that_draws_breaks_the_contracts(tmp_path):
    shutil.copytree(ROOT / "segkit", tmp_path / "segkit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    mi = tmp_path / "segkit" / "iic" / "mi.py"
    mi.write_text(mi.read_text() + "\nimport matplotlib.pyplot as plt  # a numpy module that draws\n")
    proc = _lint_imports(tmp_path)
    assert proc.returncode != 0 and "segkit.iic.mi -> matplotlib" in proc.stdout, proc.stdout[-3000:]


def test_an_earlier_lesson_importing_a_later_one_breaks_the_contracts(tmp_path):
    shutil.copytree(ROOT / "segkit", tmp_path / "segkit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    kmeans = tmp_path / "segkit" / "classical" / "kmeans.py"
    kmeans.write_text(kmeans.read_text() + "\nfrom ..superpixels import slic  # lesson 02 reaching up to 03\n")
    proc = _lint_imports(tmp_path)
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert "segkit.classical.kmeans -> segkit.superpixels" in proc.stdout, proc.stdout[-3000:]


NUMPY_ONLY = ["segkit.io", "segkit.datasets", "segkit.classical", "segkit.superpixels", "segkit.metrics",
              "segkit.iic.mi", "segkit.iic.joint", "segkit.cnn.scribbles", "segkit.cnn.random_walker",
              "segkit.cnn.upsampling"]


@pytest.mark.parametrize("module", NUMPY_ONLY)
def test_numpy_modules_run_without_torch(module):
    # import-linter reads the imports a module writes; this checks what Python
    # runs, package __init__ files included (cnn and iic load their names lazily)
    code = f"import sys, {module}; sys.exit(2 if 'torch' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0


OLD_NAMES = {"viz": "segkit.show.viz", "widgets": "segkit.show.widgets", "model": "segkit.cnn.model",
             "losses": "segkit.cnn.losses", "scribbles": "segkit.cnn.scribbles",
             "scribble_pad": "segkit.show.scribble_pad", "cnn_figures": "segkit.show.cnn_figures",
             "stego_figures": "segkit.show.stego_figures", "unsupervised": "segkit.cnn", "mi": "segkit.iic"}


@pytest.mark.parametrize("old", sorted(OLD_NAMES))
def test_old_module_names_still_import(old):
    import importlib

    import segkit

    module = importlib.import_module(f"segkit.{old}")
    assert module.__name__ == OLD_NAMES[old] and getattr(segkit, old) is module
    # the module keeps its own spec, so its relative imports still resolve in its package
    assert module.__spec__.name == OLD_NAMES[old]


def test_the_names_lessons_used_before_the_move_still_work():
    from segkit.mi import entropy, joint_from_labels  # noqa: F401
    from segkit.cnn.model import PlainListNet, SegNet, count_parameters  # noqa: F401
    from segkit.cnn import fit_reference, infer_min_labels, predict, segment

    import segkit

    assert segment is segkit.segment and predict is segkit.predict
    assert fit_reference is segkit.fit_reference and infer_min_labels is segkit.infer_min_labels
