"""Test configuration: headless matplotlib and the local BSDS500 copy."""

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

_SHARED_BSDS = Path(__file__).resolve().parents[1] / "shared" / "data" / "bsds500" / "data"


def _bsds_root():
    env = os.environ.get("SEGKIT_BSDS500")
    if env and Path(env).is_dir():
        return Path(env)
    if _SHARED_BSDS.is_dir():
        return _SHARED_BSDS
    return None


BSDS_ROOT = _bsds_root()
if BSDS_ROOT is not None:
    os.environ.setdefault("SEGKIT_BSDS500", str(BSDS_ROOT))


@pytest.fixture
def bsds_root():
    """The local BSDS500 copy (train and val); skips the test when there is none."""
    if BSDS_ROOT is None:
        pytest.skip("no local BSDS500 copy: set SEGKIT_BSDS500 (CI reads ../shared/data/bsds500/data)")
    return BSDS_ROOT


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
