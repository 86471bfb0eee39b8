"""What every emulated resource's work shares: a daemon thread of its own, one registry that a world's
teardown waits on (so moto's state is not thrown away under a running job), and the wake-up of any SDK
poll asleep when the work ends (its end is visible now).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable

from .. import fastclock

log = logging.getLogger(__name__)
_threads: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
_lock = threading.Lock()


def spawn(name: str, work: Callable[[], None]) -> threading.Thread:
    """Run ``work`` on a registered daemon thread; SDK polls are woken when it returns or raises."""

    def run() -> None:
        try:
            work()
        finally:
            fastclock.wake()

    thread = threading.Thread(target=run, name=name, daemon=True)
    with _lock:
        _threads.add(thread)
    thread.start()
    return thread


def wait_for_all(timeout: float = 60.0) -> None:
    """Let every registered thread end, those started meanwhile too (a tuning job starts its children)."""
    deadline = time.monotonic() + timeout
    while True:
        with _lock:
            alive = [thread for thread in _threads if thread.is_alive()]
        if not alive:
            return
        for thread in alive:
            thread.join(max(0.0, deadline - time.monotonic()))
        if time.monotonic() >= deadline:
            log.warning("emulated work still running at teardown: %s", ", ".join(t.name for t in alive))
            return
