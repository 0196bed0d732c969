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
    mi = tmp_path / "segkit" / "mi.py"
    mi.write_text(mi.read_text() + "\nimport matplotlib.pyplot as plt  # a numpy module that draws\n")
    proc = _lint_imports(tmp_path)
    assert proc.returncode != 0 and "segkit.mi -> matplotlib" in proc.stdout, proc.stdout[-3000:]
