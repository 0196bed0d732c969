"""The install story cannot drift: README, CI, pyproject, environment.yml and binder/ agree."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _env_yml():
    import yaml  # PyYAML comes with jupyter's dependencies

    return yaml.safe_load((ROOT / "environment.yml").read_text())


def _env_names():
    conda, pip = set(), set()
    for dep in _env_yml()["dependencies"]:
        if isinstance(dep, dict):
            pip |= {_name(d) for d in dep["pip"] if not d.startswith("-")}
        else:
            conda.add(_name(dep))
    return conda - {"python", "pip"}, pip


def _binder_lines():
    return [l.strip() for l in (ROOT / "binder/requirements.txt").read_text().splitlines()
            if l.strip() and not l.startswith("#")]


def test_same_dependencies_everywhere():
    project = _pyproject()["project"]
    runtime = {_name(d) for d in project["dependencies"]}
    dev = {_name(d) for d in project["optional-dependencies"]["dev"]}
    conda, pip = _env_names()
    assert conda | pip == runtime | dev, "environment.yml must list pyproject's dependencies and dev extras"
    binder = {_name(l) for l in _binder_lines() if not l.startswith("-")}
    assert binder == runtime, "binder/requirements.txt must list pyproject's runtime dependencies"


def test_same_version_bounds_everywhere():
    deps = {_name(d): d.replace(" ", "") for d in _pyproject()["project"]["dependencies"]}
    for line in _binder_lines():
        if not line.startswith("-") and _name(line) != "torch":
            assert line.replace(" ", "") == deps[_name(line)]


def test_cpu_torch_pinned_everywhere():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci/run").read_text()
    binder = _binder_lines()
    env_pip = [d for d in _env_yml()["dependencies"] if isinstance(d, dict)][0]["pip"]
    for text in (readme, ci):
        assert "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in text
    assert "torch==2.13.0" in binder and "--extra-index-url https://download.pytorch.org/whl/cpu" in binder
    assert "torch==2.13.0" in env_pip and "--extra-index-url https://download.pytorch.org/whl/cpu" in env_pip


def test_ci_runs_the_readme_commands_verbatim():
    ci = (ROOT / ".ci/run").read_text().splitlines()
    readme = (ROOT / "README.md").read_text()
    install = ci[ci.index("# README: install (the first command, without opening JupyterLab at its end)") + 1]
    assert install + " && jupyter lab notebooks/" in readme
    test_cmd = ci[ci.index("# README: test") + 2]
    assert test_cmd == "python -m pytest"
    assert ". .venv/bin/activate && python -m pytest" in readme


def test_binder_files():
    assert (ROOT / "binder/postBuild").stat().st_mode & 0o111, "postBuild must be executable"
    assert "pip install --no-deps -e ." in (ROOT / "binder/postBuild").read_text()
    assert re.fullmatch(r"python-3\.\d+\s*", (ROOT / "binder/runtime.txt").read_text())
    assert "urlpath=lab/tree/notebooks/" in (ROOT / "README.md").read_text()


def test_import_segkit_does_not_import_torch():
    code = ("import sys, importlib, importlib.util\n"
            "for m in ('segkit', 'segkit.io', 'segkit.datasets', 'segkit.metrics', 'segkit.superpixels',\n"
            "          'segkit.classical', 'segkit.iic.mi'):\n"
            "    if importlib.util.find_spec(m):\n"
            "        importlib.import_module(m)\n"
            "print('torch' in sys.modules, 'matplotlib' in sys.modules, 'ipywidgets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["False", "False", "False"]


@pytest.mark.slow
def test_package_data_ships(tmp_path):
    """The data files (BSDS registry with pinned hashes, DINO key list) are in the built wheel."""
    import zipfile

    import shutil

    src = tmp_path / "src"  # build from a copy: a wheel build writes build/ into the tree it builds
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".git", "notebooks", "build", "*.egg-info",
                                                              "__pycache__", ".import_linter_cache"))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path), str(src)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    wheel = next(tmp_path.glob("segkit-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        registry = zf.read("segkit/data/bsds500_registry.txt").decode().splitlines()
    assert "segkit/data/dino_vits_keys.json" in names
    assert len(registry) == 1000
    assert all(re.fullmatch(r"BSDS500/data/\S+ sha256:[0-9a-f]{64}", line) for line in registry)


def test_cli_entry_point():
    assert _pyproject()["project"]["scripts"]["segkit"] == "segkit.cli:main"
    out = subprocess.run([sys.executable, "-m", "segkit", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "usage: segkit" in out.stdout


def test_top_level_exports_resolve_lazily():
    code = ("import sys, segkit\n"
            "assert 'torch' not in sys.modules\n"
            "for name in segkit.__all__:\n"
            "    assert getattr(segkit, name) is not None, name\n"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"  # torch only once a torch-facing name was asked for
