"""What the LMS and autograder exports share: one lab's submissions as grades, where each lab's files go,
and the short bilingual texts a learner reads (never a stage's ``detail``, which is for course authors).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..report import NOT_GRADED, NOT_GRADED_SUBMISSION
from . import OutputPlan, lab_reports

NOT_GRADED_EN = ("Not graded: the grader stopped before it finished this submission. Ask the course staff to grade "
                 "it again.")
NOT_GRADED_ZH = "尚未評分：評分程式在完成此提交之前就停止了。請課程人員重新評分。"


@dataclass(frozen=True)
class Lab:
    """One lab of the report, as the exports see it."""

    id: str
    title: dict[str, str]  # {"en", "zh-TW"}
    assignment: str  # the assignment's name in the LMS
    submissions: tuple[dict[str, Any], ...]
    pending: frozenset[str]
    tag: str | None  # the lab's part of file names when the report has several labs, else None

    @property
    def max_score(self) -> float | None:
        """The lab's points: what a graded submission could get (None when nothing was graded)."""
        scores = [submission["max_score"] for submission in self.submissions if self.graded(submission)]
        return max(scores) if scores else None

    def graded(self, submission: dict[str, Any]) -> bool:
        """Whether the submission has a grade: its grading finished (a pending one's score is not one)."""
        if submission["name"] in self.pending or submission.get("error") == NOT_GRADED_SUBMISSION:
            return False
        return bool(submission["stages"]) and not any(stage_not_graded(stage) for stage in submission["stages"])

    def find(self, name: str) -> dict[str, Any] | None:
        return next((submission for submission in self.submissions if submission["name"] == name), None)


def labs(document: dict[str, Any], plan: OutputPlan) -> tuple[list[Lab], list[str]]:
    """The document's labs, and lines for the terminal (an ``--lab-assignment`` that cannot apply)."""
    reports = lab_reports(document)
    several = len(reports) > 1
    lines = []
    if several and plan.assignment:
        lines.append(f"--lab-assignment {plan.assignment!r} names one assignment, and this report has "
                     f"{len(reports)} labs: each lab's export uses the lab's title instead")
        lines.append(f"--lab-assignment {plan.assignment!r} 只能指定一個作業，而這份報告有 {len(reports)} 個 Lab："
                     f"每個 Lab 的匯出改用該 Lab 的標題")
    result = []
    for report in reports:
        title = report.get("title") or {}
        english = title.get("en") or report["lab"]
        result.append(Lab(
            id=report["lab"],
            title={"en": english, "zh-TW": title.get("zh-TW") or english},
            assignment=plan.assignment if plan.assignment and not several else english,
            submissions=tuple(report["submissions"]),
            pending=frozenset(report.get("pending") or ()),
            tag=report["lab"] if several else None,
        ))
    return result, lines


def beside_report(plan: OutputPlan, lab: Lab, suffix: str) -> Path:
    """``report.canvas.csv`` beside ``report.json``; ``report.<lab>.canvas.csv`` with several labs."""
    assert plan.report is not None
    stem = plan.report.stem if lab.tag is None else f"{plan.report.stem}.{lab.tag}"
    return plan.report.with_name(f"{stem}.{suffix}")


def folder(plan: OutputPlan, lab: Lab, name: str) -> Path:
    """``<report dir>/<name>/``, and ``<report dir>/<name>/<lab>/`` with several labs."""
    assert plan.report is not None
    base = plan.report.parent / name
    return base if lab.tag is None else base / file_name(lab.tag)


# A name kept as it is: letters, digits, ``_``, ``-`` and ``.`` (not first), short enough that ``.html`` and
# a temporary file's additions stay within any file system's 255 bytes.
_PLAIN_NAME = re.compile(r"[\w-][\w.-]*")
MAX_NAME_BYTES = 160


def file_name(name: str) -> str:
    """A submission's name as a file name (its feedback page, its autograder results), a different one for
    every name: the name itself when plain and short; else its plain characters (``_`` for the others, cut
    to MAX_NAME_BYTES), ``~`` and a digest of the whole name. No plain name holds a ``~``, so ``bob smith``
    (``bob_smith~3c2e...``) cannot take the file of ``bob_smith``, nor a 250-character name make one
    that the file system refuses."""
    if _PLAIN_NAME.fullmatch(name) and len(name.encode("utf-8")) <= MAX_NAME_BYTES:
        return name
    import hashlib

    cleaned = re.sub(r"[^\w.-]", "_", name).lstrip(".")
    cleaned = cleaned.encode("utf-8")[:MAX_NAME_BYTES].decode("utf-8", "ignore")  # whole characters only
    return f"{cleaned}~{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"


def number(value: float) -> str:
    """7 -> "7", 6.5 -> "6.5", 2/3 -> "0.67": points as an LMS reads them (Canvas shows two decimals)."""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def count(number: int, noun: str) -> str:
    """3, "submission" -> "3 submissions"; 1 -> "1 submission"."""
    return f"{number} {noun}" + ("" if number == 1 else "s")


def plain(value: float) -> int | float:
    """A whole number as an int (JSON ``7``, not ``7.0``)."""
    return int(value) if float(value).is_integer() else float(value)


def stage_not_graded(stage: dict[str, Any]) -> bool:
    """The stage never ran: the grading process stopped before it (the report says so in its message)."""
    return stage.get("message") == NOT_GRADED


def stage_title(stage: dict[str, Any]) -> tuple[str, str]:
    title = stage.get("title") or {}
    english = title.get("en") or stage["id"]
    return english, title.get("zh-TW") or english


def stage_text(stage: dict[str, Any]) -> str:
    """What a learner reads about one stage: its outcome and points in both languages, the verdict, and
    the hint in both languages."""
    points = f"{number(stage['points'])}/{number(stage['max_points'])}"
    outcome = stage["outcome"]
    if outcome == "passed":
        status = f"Passed ({points}). / 通過（{points}）。"
    elif outcome == "skipped":
        status = (f"Not checked: a stage it needs did not pass ({points}). / "
                  f"未檢查：它需要的前一個階段未通過（{points}）。")
    else:
        status = f"Not passed ({points}). / 未通過（{points}）。"
    from .page_text import without_paths

    lines = [status]
    if stage.get("message"):
        lines.append(stage["message"])
    hint = stage.get("hint") or {}
    if hint.get("en"):
        lines.append(f"Hint: {hint['en']}")
    if hint.get("zh-TW"):
        lines.append(f"提示：{hint['zh-TW']}")
    # The learner reads this (Gradescope, Classroom): the grader's paths are shown as their last part, as on
    # the feedback pages.
    return without_paths("\n".join(lines))


def summary(submission: dict[str, Any], lab: Lab) -> tuple[str, str]:
    """The submission's grade in one sentence per language: its points and the stages it did not pass."""
    if not lab.graded(submission):
        return NOT_GRADED_EN, NOT_GRADED_ZH
    points = f"{number(submission['score'])}/{number(submission['max_score'])}"
    failed = [stage_title(stage) for stage in submission["stages"] if stage["outcome"] == "failed"]
    skipped = [stage_title(stage) for stage in submission["stages"] if stage["outcome"] == "skipped"]
    if not failed and not skipped:
        return f"{points} points: every stage passed.", f"得分 {points}：所有階段皆通過。"
    english, chinese = [f"{points} points."], [f"得分 {points}。"]
    if failed:
        english.append("Not passed: " + "; ".join(en for en, _ in failed) + ".")
        chinese.append("未通過：" + "；".join(zh for _, zh in failed) + "。")
    if skipped:
        english.append("Not checked: " + "; ".join(en for en, _ in skipped) + ".")
        chinese.append("未檢查：" + "；".join(zh for _, zh in skipped) + "。")
    cell = submission.get("cell")
    if cell and cell.get("number"):  # where to start: the notebook stopped there
        english.append(f"Cell {cell['number']} raised an error.")
        chinese.append(f"第 {cell['number']} 個儲存格發生錯誤。")
    return " ".join(english), "".join(chinese)
