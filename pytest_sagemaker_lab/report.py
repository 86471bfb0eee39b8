"""The grade report: stage results gathered from every test report, as JSON and as a terminal summary.

Results travel in ``report.user_properties``, so they reach the controller from xdist workers too.
A stage made of several items (one per S3 object) gets one result: passed only if all of them passed.

The class always finishes: every submission the run grades gets a row, with results or without (its
worker crashed, or the run was interrupted before it), and the report is written again each time a
submission completes, so a run that stops early leaves a gradebook that says it is partial and names
the submissions still pending.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pytest

from .grading.redact import Redactor
from .messages import Hint
from .stages import OUTCOME_FAILED, OUTCOME_PASSED, OUTCOME_SKIPPED, worst

PROPERTY = "sagemaker_lab"
# The node id of the item that ends each (lab module, submission) group in this process's order, and
# that submission's name: when that item's result arrives, the submission is graded.
LAST_ITEMS_KEY = pytest.StashKey[dict[str, str]]()
REDACTOR_KEY = pytest.StashKey[Redactor]()  # this process's, made once

NOT_GRADED = "not graded: the grading process stopped before this stage ran (it crashed or was interrupted)"
NOT_GRADED_SUBMISSION = ("not graded: the grading process stopped before this submission ran (it crashed or "
                         "was interrupted)")
NOT_GRADED_HINT = Hint(
    "The grader stopped before it checked this step, so it says nothing about your work. Ask the course "
    "staff to grade your submission again.",
    "評分程式在檢查此步驟之前就停止了，因此這不代表你的作業有誤。請課程人員重新為你的作業評分。")


@dataclass
class StageResult:
    lab: str
    submission: str
    submission_index: int
    stage: str
    rank: int
    max_points: float
    outcome: str
    message: str
    hint: dict[str, str] | None = None
    detail: str = ""  # for authors: the traceback or the skip's location
    run_error: str | None = None
    completes_submission: bool = False  # the last of its submission's stage items in its process
    title: dict[str, str] | None = None  # what the stage checks, in both languages (lab.toml [titles])
    lab_title: dict[str, str] | None = None
    cell: dict[str, Any] | None = None  # the learner's cell that raised: number, source, error

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> StageResult:
        # A worker of another version may send a field more or one less: the defaults stand in.
        known = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in payload.items() if key in known})


def redactor(config: pytest.Config) -> Redactor:
    """This process's redactor: the grader's secrets, read from its environment once."""
    cached = config.stash.get(REDACTOR_KEY, None)
    if cached is None:
        cached = config.stash[REDACTOR_KEY] = Redactor()
    return cached


@dataclass
class Gradebook:
    results: list[StageResult] = field(default_factory=list)
    # Every submission the run grades, as (index, name): each gets a row in every lab with results.
    expected: list[tuple[int, str]] = field(default_factory=list)
    isolation: str | None = None  # how submissions were isolated: "bwrap" or "none"
    completed: set[tuple[str, str]] = field(default_factory=set)  # (lab, submission) whose last stage reported
    shard: dict[str, Any] | None = None  # --lab-shard: {"part", "of", "class"}, for the merge (grading/shards.py)

    def add(self, result: StageResult) -> bool:
        """Adds a result; True when it is the last of its submission's."""
        self.results.append(result)
        if result.completes_submission:
            self.completed.add((result.lab, result.submission))
        return result.completes_submission

    def labs(self) -> list[str]:
        return sorted({result.lab for result in self.results})

    def _roster(self, lab: str) -> list[tuple[int, str]]:
        """The submissions ``lab`` reports on: those expected and those with results, by index."""
        return sorted({*self.expected, *((r.submission_index, r.submission) for r in self.results if r.lab == lab)})

    def pending(self, lab: str) -> list[str]:
        """The submissions of ``lab`` whose last stage has not reported, in order."""
        return [name for _, name in self._roster(lab) if (lab, name) not in self.completed]

    def submissions(self, lab: str) -> list[dict[str, Any]]:
        by_submission: dict[tuple[int, str], dict[str, list[StageResult]]] = {key: {} for key in self._roster(lab)}
        lab_stages: dict[str, tuple[int, float]] = {}  # every stage any submission has: its rank and points
        titles: dict[str, dict[str, str] | None] = {}
        for result in self.results:
            if result.lab == lab:
                by_submission[(result.submission_index, result.submission)].setdefault(result.stage, []).append(result)
                lab_stages.setdefault(result.stage, (result.rank, result.max_points))
                titles.setdefault(result.stage, result.title)
        return [self._submission(name, stages, lab_stages, titles) for (_, name), stages in by_submission.items()]

    def lab_title(self, lab: str) -> dict[str, str] | None:
        return next((result.lab_title for result in self.results if result.lab == lab and result.lab_title), None)

    @staticmethod
    def _submission(name: str, stages: dict[str, list[StageResult]], lab_stages: dict[str, tuple[int, float]],
                    titles: dict[str, dict[str, str] | None]) -> dict[str, Any]:
        rows = []
        error = None if stages else NOT_GRADED_SUBMISSION
        cell = None
        for stage_id, (_, lab_max_points) in sorted(lab_stages.items(), key=lambda pair: pair[1][0]):
            results = stages.get(stage_id)
            if not results:  # another submission has this stage: this one's grading stopped before it
                rows.append({"id": stage_id, "title": titles.get(stage_id), "outcome": OUTCOME_FAILED, "points": 0,
                             "max_points": lab_max_points, "message": NOT_GRADED, "hint": NOT_GRADED_HINT.render(),
                             "detail": ""})
                continue
            outcome = worst([result.outcome for result in results])
            chosen = [result for result in results if result.outcome == outcome]
            messages = list(dict.fromkeys(result.message for result in chosen if result.message))
            max_points = results[0].max_points
            rows.append({
                "id": stage_id,
                "title": titles.get(stage_id),
                "outcome": outcome,
                "points": max_points if outcome == OUTCOME_PASSED else 0,
                "max_points": max_points,
                "message": "; ".join(messages),
                "hint": chosen[0].hint,
                "detail": "\n".join(result.detail for result in chosen if result.detail),
            })
            error = error or next((result.run_error for result in results if result.run_error), None)
            cell = cell or next((result.cell for result in results if result.cell), None)
        return {
            "name": name,
            "score": sum(row["points"] for row in rows),
            "max_score": sum(row["max_points"] for row in rows),
            "error": error,
            "cell": cell,
            "stages": rows,
        }

    def report(self, lab: str, mode: str, learner_only: bool = False, partial: bool = False) -> dict[str, Any]:
        """``partial``: the run stopped early (or is still going); it is partial anyway while any
        submission is pending."""
        submissions = self.submissions(lab)
        if learner_only:
            for submission in submissions:
                for row in submission["stages"]:
                    row.pop("detail", None)
        pending = self.pending(lab)
        return {"lab": lab, "title": self.lab_title(lab), "mode": mode, "isolation": self.isolation,
                "partial": partial or bool(pending), "pending": pending, "submissions": submissions}

    def write_csv(self, path: Path, mode: str, isolated_column: bool = False) -> None:
        write_csv(self.document(mode), path, isolated_column)

    def class_summary(self) -> list[str]:
        """Each stage's pass rate across the class (shown when more than one submission is graded): the
        statistics of the class summary file (outputs/summary.py), from the same report."""
        from .outputs.summary import terminal_lines

        return [line for lab in self.labs() for line in terminal_lines(self.report(lab, mode=""))]

    def document(self, mode: str, partial: bool = False) -> dict[str, Any]:
        labs = self.labs()
        reports = [self.report(lab, mode, partial=partial) for lab in labs]
        if len(reports) == 1:
            return reports[0] | ({"shard": self.shard} if self.shard else {})
        pending = sorted({(index, name) for lab in labs for index, name in self._roster(lab)
                          if (lab, name) not in self.completed})
        return {"mode": mode, "isolation": self.isolation, "partial": any(r["partial"] for r in reports),
                "pending": [name for _, name in pending], "reports": reports,
                **({"shard": self.shard} if self.shard else {})}

    def write_json(self, path: Path, mode: str, partial: bool = False) -> None:
        write_json(self.document(mode, partial), path)

    def terminal_lines(self, mode: str, compact: bool = False) -> list[str]:
        """Every stage of every submission, with its message and hints; ``compact`` (a class, without -v):
        one line per submission, its score and the stages it did not pass, so a class of hundreds does not
        bury pytest's own output (the report, the CSV and the feedback pages have the rest)."""
        lines: list[str] = []
        for lab in self.labs():
            for submission in self.submissions(lab):
                score = _number(submission["score"])
                lines.append(f"{lab} ({mode}) {submission['name']}: {score}/{_number(submission['max_score'])}")
                if compact:
                    lines[-1] += _not_passed(submission)
                    continue
                if submission["error"]:
                    lines.append(f"  error: {printable(submission['error'])}")
                width = max(len(row["id"]) for row in submission["stages"])
                for row in submission["stages"]:
                    message = printable(row["message"].splitlines()[0]) if row["message"] else ""
                    lines.append(f"  {row['outcome']:<8} {row['id']:<{width}}  {message}")
                    if row["hint"] and row["outcome"] != OUTCOME_PASSED:
                        lines.append(f"  {'':<8} {'':<{width}}  hint: {row['hint']['en']}")
                        lines.append(f"  {'':<8} {'':<{width}}  提示: {row['hint']['zh-TW']}")
        return lines


def _not_passed(submission: dict[str, Any]) -> str:
    said = []
    for outcome in (OUTCOME_FAILED, OUTCOME_SKIPPED):
        ids = [row["id"] for row in submission["stages"] if row["outcome"] == outcome]
        if ids:
            said.append(f"{outcome}: {', '.join(ids)}")
    if submission["error"]:
        said.append(f"error: {printable(submission['error'].splitlines()[0])}")
    return f"  ({'; '.join(said)})" if said else ""


# What a learner's text must not bring to the instructor's terminal: control characters (an escape sequence
# moves the cursor and rewrites the lines above, a newline starts a line of its own, such as a forged score)
# and bidirectional controls.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, keep_lines: bool = False) -> str:
    """``text`` for the terminal: each control character shown as its escape (``\\x1b``, ``\\n``); with
    ``keep_lines``, newlines and tabs kept (pytest's own report indents every line of a message)."""
    def escaped(found: re.Match[str]) -> str:
        char = found.group()
        return char if keep_lines and char in "\n\t" else char.encode("unicode_escape").decode("ascii")

    return _CONTROLS.sub(escaped, text)


def write_json(document: dict[str, Any], path: Path) -> None:
    _write_atomically(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def write_csv(document: dict[str, Any], path: Path, isolated_column: bool = False) -> None:
    """The gradebook of a report document: one row per submission, its score, and the points of each
    stage; with ``isolated_column``, whether the submission ran in a sandbox (yes) or not (no), last.
    A function of the document, so a gradebook merged from shards is written as one run writes its own."""
    from .outputs.spreadsheet import spreadsheet_text

    reports = document["reports"] if "reports" in document else [document]
    isolated = {"bwrap": "yes", "none": "no"}.get(document.get("isolation") or "", "")
    multi_lab = len(reports) > 1
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    for report in reports:
        lab, submissions = report["lab"], report["submissions"]
        stage_ids = [row["id"] for row in submissions[0]["stages"]] if submissions else []
        writer.writerow([*(["lab"] if multi_lab else []), "name", "score", "max_score", "error",
                         *stage_ids, *(["isolated"] if isolated_column else [])])
        for submission in submissions:
            points = {row["id"]: _number(row["points"]) for row in submission["stages"]}
            # The name and the error are the learner's text: a spreadsheet must not run them as formulas.
            writer.writerow([*([lab] if multi_lab else []), spreadsheet_text(submission["name"]),
                             _number(submission["score"]), _number(submission["max_score"]),
                             spreadsheet_text(submission["error"] or ""),
                             *(points.get(stage, "") for stage in stage_ids), *([isolated] if isolated_column else [])])
    _write_atomically(path, buffer.getvalue())


def _write_atomically(path: Path, text: str) -> None:
    """A reader (a spreadsheet, a script watching the run) finds the old file or the new one, never
    half of one: the report is rewritten while the run goes on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", newline="", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
