"""How many threads an emulated job may use on this machine."""

from __future__ import annotations

import os


def local_threads() -> int:
    """Threads for one emulated job (parsing its channels and training): the machine's cores shared
    among pytest-xdist workers, each of which runs its own jobs (OpenMP threads beyond the cores only
    spin). Neither the data nor the model depends on it."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1)
    return max(1, (os.cpu_count() or 1) // max(workers, 1))
