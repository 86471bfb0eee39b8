"""Offline, the SDKs' polls must not cost their fixed sleeps (SDK 2 sleeps 5 s before its first look).

``FastClock`` stands in for the ``time`` module inside the SDK modules that poll: a sleep is cut to a
few milliseconds and the clock jumps ahead by the time skipped, so the SDK's own timing logic (the
30-second spacing of DescribeTrainingJob in ``logs=True``) sees the time it expects to see. When an
emulated job ends in this process (``wake``), a poll asleep returns at once: the SDK learns of the end
as soon as it has happened, not up to one cut-short sleep later.
"""

from __future__ import annotations

import threading
import time as real_time
from types import ModuleType
from typing import Any

# Seconds a poll really sleeps: short enough that no lab waits, long enough that the SDK's
# DescribeTrainingJob calls (a few ms of CPU each in moto) do not take a core from the training.
REAL_SLEEP_CAP = 0.05

_progress = threading.Condition()


def wake() -> None:
    """What a poll waits for may have happened (an emulated job has ended): sleeping polls return now."""
    with _progress:
        _progress.notify_all()


class FastClock:
    def __init__(self, real: ModuleType = real_time, cap: float = REAL_SLEEP_CAP) -> None:
        self._real = real
        self._cap = cap
        self._skipped = 0.0
        self.requested = 0.0  # seconds the SDK asked to sleep
        self.slept = 0.0  # seconds actually slept
        self._lock = threading.Lock()

    def sleep(self, seconds: float) -> None:
        requested = max(seconds, 0.0)
        started = self._real.monotonic()
        with _progress:
            _progress.wait(min(requested, self._cap))
        actual = min(self._real.monotonic() - started, requested)
        with self._lock:
            self._skipped += requested - actual
            self.requested += requested
            self.slept += actual

    def time(self) -> float:
        return self._real.time() + self._skipped

    def monotonic(self) -> float:
        return self._real.monotonic() + self._skipped

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


current: FastClock | None = None  # the clock of the offline world in progress
