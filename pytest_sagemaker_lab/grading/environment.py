"""What a learner's code runs with: an environment built from an allowlist, and a bootstrap.

A submission is untrusted code. Its process gets the variables below and nothing else from the
grader's environment (no credential, token or secret can leak through a variable the list does not
name), a HOME of its own (so no ~/.aws or ~/.config/sagemaker is read), fake AWS credentials and the
local moto server as its only endpoint.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..backends import offline_environment
from .probes import QUIET_BLAS

# Passed through from the grader: what a Python process needs to start and print, nothing more.
ALLOWLIST = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "TERM", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP",
             "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# Graded side by side (-n), kernels share the cores with each other and with the emulated jobs, so
# threads that spin while they wait burn the time another process needs: OpenMP's and OpenBLAS's
# still run their teams, they only sleep at once when idle.
SHARED_CORES = {"OMP_WAIT_POLICY": "PASSIVE", **QUIET_BLAS}
SITECUSTOMIZE = "import pytest_sagemaker_lab.grading.bootstrap  # noqa: F401\n"


def bootstrap_directory(root: Path) -> Path:
    """A folder holding the ``sitecustomize`` that loads the guard in the child process."""
    folder = root / "bootstrap"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    return folder


def child_environment(region: str, endpoint: str | None, home: Path, bootstrap: Path,
                      live_guard: dict | None = None) -> dict[str, str]:
    """Offline: fake credentials and the local server. Live (``live_guard`` given): the grader's own AWS
    configuration (the learner's notebook runs against the real account, as the grader does), and the
    guard's limits for the child's bootstrap instead of the offline patches."""
    env = {name: os.environ[name] for name in ALLOWLIST if name in os.environ}
    if live_guard is not None:
        env.update({name: value for name, value in os.environ.items() if name.startswith("AWS_")})
        env.update({"AWS_DEFAULT_REGION": region, "AWS_REGION": region, "HOME": os.environ.get("HOME", str(home)),
                    "PYTHONPATH": str(bootstrap), "PYTHONNOUSERSITE": "1", "MPLBACKEND": "Agg",
                    "SAGEMAKER_LAB_GRADING": "1", "SAGEMAKER_LAB_GUARD": json.dumps(live_guard), **SHARED_CORES})
        return env
    env.update(offline_environment(region))
    home.mkdir(parents=True, exist_ok=True)
    env.update({
        "AWS_ENDPOINT_URL": endpoint or "",
        "HOME": str(home),
        "PYTHONPATH": str(bootstrap),
        "PYTHONNOUSERSITE": "1",
        "MPLBACKEND": "Agg",
        "SAGEMAKER_LAB_GRADING": "1",  # lets a notebook know it is being graded, as NBGRADER_EXECUTION does
        **SHARED_CORES,
    })
    return env
