"""--lab-progress: how far a class run is, and about how long it has left.

A line like ``sagemaker-lab: 12/300 submissions graded (about 6 s each on 2 workers), about 14 min
left`` is written through pytest's terminal reporter when a submission completes, at most every
``INTERVAL`` seconds, and once at the end; always on a line of its own, so pytest's dots (or its
``-v`` lines) and percentages go on around it. A submission counts when its last stage's result
reaches the controller (``completes_submission``, the same signal that rewrites the gradebook);
with several labs, each lab's grading of a submission counts once.

The estimate: a submission has taken ``elapsed * workers / done`` seconds of one worker so far (the
mean, from the first stage that started), and the ones left take ``ceil(left / workers)`` such turns,
since each xdist worker grades one submission at a time.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from .report import LAST_ITEMS_KEY, PROPERTY
from .state import SETTINGS_KEY, SUBMISSIONS_KEY

INTERVAL = 10.0  # seconds between two lines at least
_PARAMS = re.compile(r"^(?P<module>[^:]+)::[^\[]+\[(?P<params>.*)\]$")


def wanted(config: pytest.Config) -> bool:
    """on; off; auto: when more than one submission is graded and pytest is not asked to be quiet (-q)."""
    setting = config.stash[SETTINGS_KEY]["lab_progress"]
    if setting in ("on", "off"):
        return setting == "on"
    return len(config.stash[SUBMISSIONS_KEY]) > 1 and config.get_verbosity() >= 0


def count_groups(nodeids: Iterable[str], names: list[str], rootpath: Path) -> int:
    """How many (lab module, submission) groups ``nodeids`` make: what an xdist controller, which
    collects nothing itself, learns from a worker's collection."""
    from .spec import find_spec_dir

    longest_first = sorted(names, key=len, reverse=True)
    labs: dict[str, bool] = {}
    groups = set()
    for nodeid in nodeids:
        match = _PARAMS.match(nodeid)
        if match is None:
            continue
        module, params = match.group("module"), match.group("params")
        if module not in labs:
            labs[module] = find_spec_dir((rootpath / module).parent) is not None
        name = next((name for name in longest_first if params == name or params.startswith(f"{name}-")), None)
        if labs[module] and name is not None:
            groups.add((module, name))
    return len(groups)


class Progress:
    """Registered on the controller (or the only process) when ``wanted``."""

    def __init__(self, config: pytest.Config, clock: Callable[[], float] = time.monotonic,
                 interval: float = INTERVAL) -> None:
        self.config = config
        self.clock = clock  # the tests give a clock of their own
        self.interval = interval
        self.total = 0  # (lab module, submission) groups this run grades
        self.done = 0
        self.workers = 0  # xdist workers up; none: one process grades
        self.started: float | None = None
        self.shown: float | None = None

    # How much there is to grade, and by how many workers.
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if not hasattr(self.config, "workerinput") and session.items:  # no xdist: this process collected
            self.total = len(self.config.stash.get(LAST_ITEMS_KEY, {}))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if not self.total:  # every worker collects the same items
            from .xdist_scheduling import node_id_name

            names = [node_id_name(submission.name, self.config) for submission in self.config.stash[SUBMISSIONS_KEY]]
            self.total = count_groups(ids, names, Path(self.config.rootpath))

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodeready(self, node: Any) -> None:
        self.workers += 1

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        self.workers = max(0, self.workers - 1)

    # What is done.
    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        if self.started is None:
            self.started = self.clock()

    @pytest.hookimpl(trylast=True)  # after the terminal reporter has written this result
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        completed = sum(1 for name, payload in report.user_properties
                        if name == PROPERTY and payload.get("completes_submission"))
        if not completed or self.started is None:
            return
        self.done += completed
        now = self.clock()
        if self.done < self.total and now - (self.shown if self.shown is not None else self.started) >= self.interval:
            self.shown = now
            self._write(self.line(now))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.started is not None and self.total:
            self._write(self.final_line(self.clock()))

    # The lines.
    def line(self, now: float) -> str:
        workers = max(1, self.workers)
        each = self.elapsed(now) * workers / max(1, self.done)
        left = math.ceil(max(0, self.total - self.done) / workers) * each
        on = f" on {workers} workers" if workers > 1 else ""
        return (f"sagemaker-lab: {self.done}/{self.total} submissions graded (about {duration(each)} each{on}), "
                f"about {duration(left)} left")

    def final_line(self, now: float) -> str:
        return (f"sagemaker-lab: {self.done}/{self.total} submissions graded in "
                f"{duration(self.elapsed(now))}")

    def elapsed(self, now: float) -> float:
        return now - self.started if self.started is not None else 0.0

    def _write(self, text: str) -> None:
        """On a line of its own: after pytest's, which it ends if pytest has not; with -v, pytest starts
        its next line itself, and in dots mode the dots go on on the next line."""
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None:
            return
        mid_line = reporter._tw.width_of_current_line > 0  # no public API tells where pytest's cursor is
        dots = _test_case_verbosity(self.config) <= 0
        reporter.write(("\n" if mid_line else "") + text + ("\n" if dots else ""), flush=True)


def _test_case_verbosity(config: pytest.Config) -> int:
    """What decides between pytest's dots and its one line per test (its own ini key from pytest 8.1)."""
    level = getattr(pytest.Config, "VERBOSITY_TEST_CASES", None)
    return config.get_verbosity(level) if level else config.get_verbosity()


def duration(seconds: float) -> str:
    """12 s, 14 min, 1 h 05 min: as precise as an estimate deserves."""
    if seconds < 59.5:
        return f"{max(1, round(seconds))} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"
