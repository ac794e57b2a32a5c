"""Test-wide set-up: no network, no display, deterministic plotting.

Lives at the repository root so that it applies to unit tests, doctests in helpers/ and the
notebooks that nbval runs from chapters/ and solutions/.
"""

import os
import sys
from pathlib import Path

import pytest

_NETGUARD = Path(__file__).parent / "tests" / "netguard"

# A learner's backups (made by `make student` before it replaces an edited chapter) are their
# work, not the course: `pytest --nbval-lax chapters` must not execute them.
collect_ignore_glob = ["chapters/backup/*"]

# Kernels started by nbval inherit this environment: they import the same network guard.
os.environ["COURSE_BLOCK_NETWORK"] = "1"
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(_NETGUARD), os.environ.get("PYTHONPATH", "")) if p
)
os.environ.setdefault("MPLBACKEND", "Agg")
# Under pytest-xdist (`make test` runs one worker per core) every worker, and the kernel it starts,
# gets one math thread: two workers with two threads each would fight over two cores. Set before
# torch or numpy is imported here, and inherited by the kernels.
if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0") or 0) > 1:
    for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_var, "1")
# Kernels run exercise checks strictly: a wrong solution in solutions/ fails nbval (see
# helpers/checks/_core.py). Unit tests, which feed checks wrong answers on purpose, run without.
os.environ["COURSE_STRICT_CHECKS"] = "1"
sys.path.insert(0, str(_NETGUARD))
import sitecustomize  # noqa: E402,F401 - guards this process too

if getattr(sitecustomize, "NetworkBlockedError", None) is None:  # another sitecustomize won
    import importlib.util

    _path = _NETGUARD / "sitecustomize.py"
    _spec = importlib.util.spec_from_file_location("course_netguard", _path)
    _mod = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_mod)


@pytest.fixture(autouse=True)
def _lenient_checks_in_unit_tests(monkeypatch):
    monkeypatch.delenv("COURSE_STRICT_CHECKS", raising=False)


@pytest.fixture
def rng():
    """A seeded generator: every random test case is reproducible."""
    import numpy as np

    return np.random.default_rng(20261122)
