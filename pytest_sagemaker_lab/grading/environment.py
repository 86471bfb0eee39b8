"""What a learner's code starts with: an environment built from an allowlist, and a bootstrap.

A submission is untrusted code. Its process gets the variables below and nothing else from the
grader's environment (no credential, token or secret can leak through a variable the list does not
name), a HOME of its own (so no ~/.aws or ~/.config/sagemaker is read), fake AWS credentials and its
own AWS world as its only endpoint. ``startup/sitecustomize.py``, on its PYTHONPATH, loads
``bootstrap`` first in every Python process it starts.
"""

from __future__ import annotations

import json
import os
import sysconfig
from pathlib import Path
from typing import Any

from ..backends import offline_environment
from .probes import QUIET_BLAS

# Passed through from the grader: what a Python process needs to start and print, nothing more.
ALLOWLIST = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "TERM", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP",
             "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# Graded side by side (-n), kernels share the cores with each other and with the emulated jobs, so
# threads that spin while they wait burn the time another process needs: OpenMP's and OpenBLAS's
# still run their teams, they only sleep at once when idle.
SHARED_CORES = {"OMP_WAIT_POLICY": "PASSIVE", **QUIET_BLAS}
STARTUP = Path(__file__).resolve().parent / "startup"  # holds the sitecustomize that loads ``bootstrap``


def kernel_path(path: str | None, scripts: str | None = None) -> str:
    """``path`` with the kernel interpreter's scripts folder (``scripts``; by default the grader's) first,
    as in an activated environment (a SageMaker notebook's conda environment): a notebook's
    ``!aws s3 cp ...`` finds the AWS CLI installed beside the kernel's Python, whose prefix the sandbox
    binds read-only, when the grader was started as ``.venv/bin/pytest`` without activating its
    environment."""
    scripts = scripts or sysconfig.get_path("scripts")
    entries = (path if path is not None else os.defpath).split(os.pathsep)
    return os.pathsep.join([scripts, *(entry for entry in entries if entry and entry != scripts)])


def child_environment(region: str, endpoint: str | None, home: Path, sandboxed: bool = False,
                      live_guard: dict[str, Any] | None = None,
                      live_credentials: dict[str, str] | None = None, scripts: str | None = None) -> dict[str, str]:
    """Offline: fake credentials and the submission's AWS world at ``endpoint``. Live (``live_guard``
    given): the grader's AWS configuration (the learner's notebook runs against the real account, as
    the grader does; in a sandbox, which sees no ~/.aws, as the resolved ``live_credentials``), and the
    guard's limits for the child's bootstrap instead of the offline patches. ``scripts``: the kernel
    interpreter's scripts folder, first on PATH (by default the grader's)."""
    env = {name: os.environ[name] for name in ALLOWLIST if name in os.environ}
    env["PATH"] = kernel_path(env.get("PATH"), scripts)
    if sandboxed:  # the grader's temp folders are not in the sandbox; its own /tmp is
        env.update({"TMPDIR": "/tmp", "TEMP": "/tmp", "TMP": "/tmp"})
    common = {"HOME": str(home), "PYTHONPATH": str(STARTUP), "PYTHONNOUSERSITE": "1", "MPLBACKEND": "Agg",
              # lets a notebook know it is being graded, as NBGRADER_EXECUTION does
              "SAGEMAKER_LAB_GRADING": "1", **SHARED_CORES}
    if live_guard is not None:
        env.update({name: value for name, value in os.environ.items() if name.startswith("AWS_")})
        env.update(live_credentials or {})
        env.update({"AWS_DEFAULT_REGION": region, "AWS_REGION": region, **common,
                    "SAGEMAKER_LAB_GUARD": json.dumps(live_guard)})
        if not sandboxed:
            env["HOME"] = os.environ.get("HOME", str(home))
        return env
    env.update(offline_environment(region))
    if not sandboxed:
        home.mkdir(parents=True, exist_ok=True)
    env.update({"AWS_ENDPOINT_URL": endpoint or "", **common})
    return env
