"""What a graded class leaves besides ``report.json`` and ``report.csv``: the class summary, the LMS
and autograder exports, and one feedback page per learner.

Every writer is a function of the report document (the JSON ``--lab-report`` writes), so a gradebook
merged from shards (``python -m pytest_sagemaker_lab merge``) writes exactly the files one run would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXPORT_FORMATS = ("canvas", "moodle", "gradescope", "classroom")


@dataclass(frozen=True)
class OutputPlan:
    """Where the outputs go and what they are made from; built from the options or merge's arguments."""

    report: Path | None  # the report's JSON path: the summary and exports are named after it, beside it
    roster: Path | None = None
    exports: tuple[str, ...] = ()
    assignment: str | None = None  # the assignment's name in the LMS exports (default: the lab's title)
    feedback: Path | None = None  # the folder of the learners' pages
    similarity: float | None = None  # the threshold of the similarity flags; None: not computed
    submissions: tuple[Path, ...] = ()  # the graded files, read for the similarity flags
    lab_dirs: dict[str, Path] = field(default_factory=dict)  # lab id -> its folder (its starter)


def lab_reports(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-lab reports of a document: itself for one lab, its ``reports`` for several."""
    return document["reports"] if "reports" in document else [document]


def parse_exports(text: str | None) -> tuple[str, ...]:
    """``canvas,moodle`` -> ("canvas", "moodle"); an unknown name is a usage error that lists the known."""
    names = tuple(dict.fromkeys(part.strip().lower() for part in (text or "").split(",") if part.strip()))
    unknown = [name for name in names if name not in EXPORT_FORMATS]
    if unknown:
        raise ValueError(f"unknown export format(s) {', '.join(unknown)}; choose from {', '.join(EXPORT_FORMATS)}")
    return names


def write_outputs(document: dict[str, Any], plan: OutputPlan) -> list[str]:
    """Writes what ``plan`` asks for; returns lines for the terminal (the files written, and warnings:
    a submission missing from the roster, ...)."""
    from . import autograders, feedback, lms, summary
    from .roster import Roster

    roster = Roster.load(plan.roster) if plan.roster else None
    lines: list[str] = []
    if plan.report is not None:
        lines += summary.write_summary(document, plan)
    for name in plan.exports:
        if name in ("canvas", "moodle"):
            lines += lms.write(name, document, plan, roster)
        else:
            lines += autograders.write(name, document, plan, roster)
    if plan.feedback is not None:
        lines += feedback.write_pages(document, plan.feedback, roster)
    return lines
