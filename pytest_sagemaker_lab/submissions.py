"""What a run grades: the lab's reference solution, the account as it is, or learners' submissions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

REFERENCE = "reference"
VERIFY_ONLY = "account"


@dataclass(frozen=True)
class Submission:
    """One thing to grade. ``path`` is None for the reference solution and for verify-only runs."""

    name: str
    index: int
    kind: str  # "reference", "verify-only" or "submission"
    path: Path | None = None

    def __repr__(self) -> str:  # shown in pytest's parametrization ids and errors
        return f"Submission({self.name!r})"


def submissions_for(submission_option: str | None, verify_only: bool) -> list[Submission]:
    if submission_option:
        raise pytest.UsageError(
            "--lab-submission: grading learners' notebooks is not available in this version yet; "
            "run without it to verify the lab with its reference solution."
        )
    if verify_only:
        return [Submission(VERIFY_ONLY, 0, "verify-only")]
    return [Submission(REFERENCE, 0, "reference")]
