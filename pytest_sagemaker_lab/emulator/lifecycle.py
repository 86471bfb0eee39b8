"""What every emulated resource's work shares: a daemon thread of its own, one registry that a world's
teardown stops and waits on, and the wake-up of any SDK poll asleep when the work ends (its end is
visible now).

A world ends once its stages have read it: what its code left running (a training job of a million
rounds, a tuning job of hundreds of children) is stopped then, so that it cannot go on taking cores
from the next submission's grading, and moto's state is not thrown away under a running job.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable

from .. import fastclock

log = logging.getLogger(__name__)
_threads: weakref.WeakKeyDictionary[threading.Thread, Callable[[], None] | None] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


class Work:
    """What a job's run shares: the registered thread it works on (``self._thread = spawn(...)``)."""

    _thread: threading.Thread | None = None

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def done(self) -> bool:
        return self._thread is not None and not self._thread.is_alive()


def spawn(name: str, work: Callable[[], None], stop: Callable[[], None] | None = None) -> threading.Thread:
    """Run ``work`` on a registered daemon thread; SDK polls are woken when it returns or raises.
    ``stop`` asks the work to end early (StopTrainingJob's way), when its world ends."""

    def run() -> None:
        try:
            work()
        finally:
            fastclock.wake()

    thread = threading.Thread(target=run, name=name, daemon=True)
    with _lock:
        _threads[thread] = stop
    thread.start()
    return thread


def stop_all() -> None:
    """Ask every running work to stop (the world it belongs to has been graded)."""
    with _lock:
        running = [stop for thread, stop in _threads.items() if thread.is_alive() and stop is not None]
    for stop in running:
        try:
            stop()
        except Exception:  # one that cannot stop must not keep the others running
            log.exception("stopping emulated work failed")


def end_all(timeout: float = 60.0) -> None:
    """Stop every running work, then wait for it (and for what stopping starts) to end."""
    stop_all()
    wait_for_all(timeout)
    stop_all()  # a tuning job may have started a child as it stopped
    wait_for_all(timeout)


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
