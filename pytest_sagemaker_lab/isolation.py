"""What a learner's code runs with: an environment built from an allowlist, and a bootstrap.

A submission is untrusted code. Its process gets the variables below and nothing else from the
grader's environment (no credential, token or secret can leak through a variable the list does not
name), a HOME of its own (so no ~/.aws or ~/.config/sagemaker is read), fake AWS credentials and the
local moto server as its only endpoint.
"""

from __future__ import annotations

import os
from pathlib import Path

from .backends import offline_environment

# Passed through from the grader: what a Python process needs to start and print, nothing more.
ALLOWLIST = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "TERM", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP",
             "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
SITECUSTOMIZE = "import pytest_sagemaker_lab.child_bootstrap  # noqa: F401\n"


def bootstrap_directory(root: Path) -> Path:
    """A folder holding the ``sitecustomize`` that loads the guard in the child process."""
    folder = root / "bootstrap"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    return folder


def child_environment(region: str, endpoint: str, home: Path, bootstrap: Path) -> dict[str, str]:
    env = {name: os.environ[name] for name in ALLOWLIST if name in os.environ}
    env.update(offline_environment(region))
    home.mkdir(parents=True, exist_ok=True)
    env.update({
        "AWS_ENDPOINT_URL": endpoint,
        "HOME": str(home),
        "PYTHONPATH": str(bootstrap),
        "PYTHONNOUSERSITE": "1",
        "MPLBACKEND": "Agg",
        "SAGEMAKER_LAB_GRADING": "1",  # lets a notebook know it is being graded, as NBGRADER_EXECUTION does
    })
    return env
