"""The stage model: what a stage is, the order stages run in, and which stage a failure skips.

A stage is a test function marked ``@pytest.mark.lab_stage(id, requires=(...), points=1)``. A lab's
stages run in the order they are defined in its module, whatever pytest-randomly or xdist do, and a
stage whose prerequisite did not pass is skipped with that prerequisite named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

MARKER = "lab_stage"
MARKER_DOC = (
    "lab_stage(id, *, requires=(), points=1): the test checks stage `id` of a SageMaker lab; it is "
    "skipped when a stage in `requires` did not pass, and is worth `points`"
)
OUTCOME_PASSED = "passed"
OUTCOME_FAILED = "failed"
OUTCOME_SKIPPED = "skipped"


@dataclass(frozen=True)
class Stage:
    id: str
    requires: tuple[str, ...] = ()
    points: float = 1

    @classmethod
    def from_marker(cls, mark: pytest.Mark) -> Stage:
        if len(mark.args) != 1 or not isinstance(mark.args[0], str):
            raise pytest.UsageError(f"lab_stage takes one stage id, got {mark.args!r}")
        unknown = set(mark.kwargs) - {"requires", "points"}
        if unknown:
            raise pytest.UsageError(f"lab_stage({mark.args[0]!r}): unknown argument(s) {sorted(unknown)}")
        requires = mark.kwargs.get("requires", ())
        if isinstance(requires, str):
            requires = (requires,)
        points = mark.kwargs.get("points", 1)
        if not isinstance(points, int | float) or points < 0:
            raise pytest.UsageError(f"lab_stage({mark.args[0]!r}): points must be a number >= 0")
        return cls(mark.args[0], tuple(requires), points)


def stage_of(item: pytest.Item) -> Stage | None:
    mark = item.get_closest_marker(MARKER)
    return Stage.from_marker(mark) if mark is not None else None


@dataclass(frozen=True)
class StageKey:
    """Identifies one stage of one lab for one submission: the unit prerequisites are tracked by."""

    lab: str
    submission: str
    stage: str


def worst(outcomes: Sequence[str]) -> str:
    """A stage made of several items (one per S3 object) passes only if all of them passed."""
    for outcome in (OUTCOME_FAILED, OUTCOME_SKIPPED):
        if outcome in outcomes:
            return outcome
    return OUTCOME_PASSED


class StageBook:
    """Outcomes of the stages run so far in this process, to decide whether to skip a later one."""

    def __init__(self) -> None:
        self._outcomes: dict[StageKey, list[str]] = {}

    def record(self, key: StageKey, outcome: str) -> None:
        self._outcomes.setdefault(key, []).append(outcome)

    def outcome(self, key: StageKey) -> str | None:
        outcomes = self._outcomes.get(key)
        return worst(outcomes) if outcomes else None

    def blocking(self, key: StageKey, requires: Sequence[str]) -> tuple[str, str] | None:
        """The first prerequisite that did not pass, with its outcome (``None`` when all passed)."""
        for required in requires:
            outcome = self.outcome(StageKey(key.lab, key.submission, required))
            if outcome != OUTCOME_PASSED:
                return required, outcome or "not run"
        return None


def stage_ranks(definitions: Sequence[tuple[int, Stage]]) -> dict[str, int]:
    """Rank each stage by where it is defined, and check every prerequisite comes before it."""
    ranks: dict[str, int] = {}
    for _, stage in sorted(definitions, key=lambda pair: pair[0]):
        if stage.id in ranks:
            continue
        missing = [required for required in stage.requires if required not in ranks]
        if missing:
            raise pytest.UsageError(
                f"lab_stage({stage.id!r}) requires {missing}, which must be stages defined before it "
                "in the same module"
            )
        ranks[stage.id] = len(ranks)
    return ranks
