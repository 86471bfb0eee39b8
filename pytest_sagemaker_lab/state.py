"""The plugin's per-run state, kept in ``config.stash`` / ``item.stash`` under these keys."""

from __future__ import annotations

import pytest

from .options import Settings
from .report import Gradebook
from .stages import StageBook

SETTINGS_KEY = pytest.StashKey[Settings]()
STAGEBOOK_KEY = pytest.StashKey[StageBook]()  # outcomes seen by this process, to skip dependents
GRADEBOOK_KEY = pytest.StashKey[Gradebook]()  # results gathered for the report (controller side)
EVIDENCE_KEY = pytest.StashKey[list]()  # what a passing stage found
SUBMISSIONS_KEY = pytest.StashKey[list]()  # what this run grades, in order (its shard of the class)
CLASS_KEY = pytest.StashKey[list]()  # every submission of the class, this run's shard or not
NOTICES_KEY = pytest.StashKey[list]()  # lines for the end of the run (what --lab-cleanup deleted)
IDENTITY_KEY = pytest.StashKey[object]()  # --live: whose credentials, from the preflight
SERVER_KEY = pytest.StashKey[object]()  # the local moto server submissions run against (per process)
SOCKET_KEY = pytest.StashKey[str]()  # that server's world on a Unix socket, for sandboxes (per process)
SANDBOX_KEY = pytest.StashKey[str]()  # how submissions are isolated this run: "bwrap" or "none"
KERNEL_KEY = pytest.StashKey[object]()  # the kernel submissions run in (grading.kernelspecs.Kernel), or None
