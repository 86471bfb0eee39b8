"""Offline, the SDKs' polls must not cost their fixed sleeps (SDK 2 sleeps 5 s before its first look).

``FastClock`` stands in for the ``time`` module inside the SDK modules that poll: a sleep is cut to a
few milliseconds and the clock jumps ahead by the time skipped, so the SDK's own timing logic (the
30-second spacing of DescribeTrainingJob in ``logs=True``) sees the time it expects to see.
"""

from __future__ import annotations

import importlib
import threading
import time as real_time
from types import ModuleType
from typing import Any

# The modules whose ``time`` global drives a training job wait, per SDK major.
POLLING_MODULES = {
    2: ("sagemaker.session",),  # wait_for_job, logs_for_job
    3: ("sagemaker.core.resources", "sagemaker.core.helper.session_helper"),  # TrainingJob.wait, Session
}
REAL_SLEEP_CAP = 0.01


class FastClock:
    def __init__(self, real: ModuleType = real_time, cap: float = REAL_SLEEP_CAP) -> None:
        self._real = real
        self._cap = cap
        self._skipped = 0.0
        self.requested = 0.0  # seconds the SDK asked to sleep
        self.slept = 0.0  # seconds actually slept
        self._lock = threading.Lock()

    def sleep(self, seconds: float) -> None:
        actual = min(max(seconds, 0.0), self._cap)
        self._real.sleep(actual)
        with self._lock:
            self._skipped += max(seconds, 0.0) - actual
            self.requested += max(seconds, 0.0)
            self.slept += actual

    def time(self) -> float:
        return self._real.time() + self._skipped

    def monotonic(self) -> float:
        return self._real.monotonic() + self._skipped

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


_patched: dict[str, Any] = {}
current: FastClock | None = None  # the clock of the offline world in progress


def install(modules: tuple[str, ...] | None = None) -> list[str]:
    """Put a FastClock in the installed SDK's polling modules; return the ones patched."""
    from . import sdk

    global current
    clock = current = FastClock()
    if modules is None:
        modules = POLLING_MODULES.get(sdk.major(sdk.installed()) or 0, ())
    done = []
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if name not in _patched:
            _patched[name] = module.time
        module.time = clock
        done.append(name)
    return done


def uninstall() -> None:
    for name, original in _patched.items():
        module = importlib.import_module(name)
        module.time = original
    _patched.clear()
