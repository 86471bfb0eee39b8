"""--lab-shard K/N: the part of a class one run grades, so a class can be spread over CI runners.

A part is made of whole submissions (a submission's stages depend on each other and on its one run
of the notebook, so they never leave one process), and is chosen from the class's file names only:
submission i of the class (in file-name order, as ``--lab-submission`` lists them) goes to part
``i % N + 1``. Every runner that sees the same folder chooses the same parts, the parts cover the
class once, and their sizes differ by one at most.

Why not balance by file size: what a submission costs is its kernel's start, its training job and,
for the slow ones, ``--lab-timeout``; none of that shows in the file. A notebook saved with its
outputs (a plot, a long log) is many times the size of the same code saved clean and grades as fast.
And bytes change without the class changing (a checkout that converts line
endings, a re-saved file): two runners that disagreed on a size would disagree on the parts, and a
submission would be graded twice or never. Names change only when the class does. Striding rather
than cutting the sorted list in blocks spreads submissions whose names sort together (a group's
``team3-*``, a late batch ``zz-late-*``), which are the ones likely to cost alike.

Each submission keeps its index in the whole class, so the merged gradebook
(``python -m pytest_sagemaker_lab merge``) lists them as one run would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

USAGE = "give K/N with whole numbers 1 <= K <= N: --lab-shard 2/3 grades the second of three parts of the class"


@dataclass(frozen=True)
class Shard:
    part: int  # K, 1-based
    of: int  # N

    def holds(self, index: int) -> bool:
        """Whether the submission at ``index`` in the whole class belongs to this part."""
        return index % self.of == self.part - 1

    def __str__(self) -> str:
        return f"{self.part}/{self.of}"


def parse(text: str) -> Shard:
    """``"2/3"`` -> Shard(2, 3); anything else is a usage error that says what to give."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(text or ""))
    if match is None:
        raise pytest.UsageError(f"pytest-sagemaker-lab: --lab-shard {text!r} is not K/N: {USAGE}")
    part, of = int(match.group(1)), int(match.group(2))
    if not 1 <= part <= of:
        raise pytest.UsageError(f"pytest-sagemaker-lab: --lab-shard {text!r} has no part {part} of {of}: {USAGE}")
    return Shard(part, of)


def select(submissions: list[Any], spec: str) -> list[Any]:
    """This run's part of ``submissions`` (the whole class, in its order), whole submissions only."""
    shard = parse(spec)
    if any(submission.kind != "submission" for submission in submissions):
        raise pytest.UsageError("pytest-sagemaker-lab: --lab-shard splits a class of learners' submissions: give "
                                "--lab-submission FOLDER too")
    return [submission for submission in submissions if shard.holds(submission.index)]


def record(spec: str | None, everyone: list[Any]) -> dict[str, Any] | None:
    """What a sharded run's report says of its part: which part, of how many, and the whole class (its
    names in class order), so the merge can tell a missing submission from one that never was."""
    if not spec:
        return None
    shard = parse(spec)
    return {"part": shard.part, "of": shard.of, "class": [submission.name for submission in everyone]}


def header_line(spec: str | None, everyone: list[Any], selected: list[Any]) -> str | None:
    """The report header's line: which part, and whose submissions it grades (the first few)."""
    if not spec:
        return None
    names = [submission.name for submission in selected]
    shown = ", ".join(names[:5]) + (f", ... ({len(names) - 5} more)" if len(names) > 5 else "")
    return (f"sagemaker-lab: shard {parse(spec)}: {len(selected)} of the class's {len(everyone)} submissions"
            f"{': ' + shown if names else ''}")
