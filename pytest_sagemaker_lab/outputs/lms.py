"""Gradebook files an LMS imports as they are: Canvas's gradebook CSV and Moodle's "Import grades from CSV".

One file per lab beside the report (``report.canvas.csv``, ``report.moodle.csv``; ``report.<lab>.canvas.csv``
with several labs), one row per roster student. The formats, and why each rule below holds, are in
docs/facts/grading-formats.md:

- An LMS matches rows on ids, so the exports need the roster: without one, nothing is written (a file
  of submission names would be rejected, or worse, matched to the wrong students).
- A submission without a roster row cannot be matched: it is left out and named in a warning (Moodle
  fails the whole import on an unknown identifier).
- A roster student without a graded submission gets an empty grade (Canvas: blank; Moodle: ``-``, its
  "no grade") and is named in a warning.
- A name, a section or a feedback text that a spreadsheet would run as a formula starts with ``'``
  (outputs/spreadsheet.py); the grades and the ids an LMS matches are written as they are.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from . import OutputPlan
from .grades import Lab, beside_report, count, labs, number, summary
from .roster import Roster, Student
from .spreadsheet import spreadsheet_text

MOODLE_NO_GRADE = "-"  # Moodle's "no grade" for an existing and a new grade item alike (load_data.php)
NO_SUBMISSION_EN = "No graded submission."
NO_SUBMISSION_ZH = "沒有已評分的提交。"


def write(name: str, document: dict[str, Any], plan: OutputPlan, roster: Roster | None) -> list[str]:
    """Writes the ``name`` ("canvas" or "moodle") file of each lab; returns the terminal's lines."""
    label = {"canvas": "Canvas", "moodle": "Moodle"}[name]
    if plan.report is None:
        return [f"pytest-sagemaker-lab: --lab-export {name} writes beside the report: give --lab-report PATH; "
                f"no {label} file was written",
                f"pytest-sagemaker-lab：--lab-export {name} 的檔案寫在報告旁：請加上 --lab-report PATH；"
                f"未寫入 {label} 檔案"]
    if roster is None:
        return [f"pytest-sagemaker-lab: --lab-export {name} needs --lab-roster (a CSV of submission, student_id, "
                f"name): {label} matches rows on student ids, not on file names; no {label} file was written",
                f"pytest-sagemaker-lab：--lab-export {name} 需要 --lab-roster（含 submission、student_id、name "
                f"欄位的 CSV）：{label} 以學號比對，而非檔名；未寫入 {label} 檔案"]
    found, lines = labs(document, plan)
    for lab in found:
        path = beside_report(plan, lab, f"{name}.csv")
        rows = _canvas_rows(lab, roster) if name == "canvas" else _moodle_rows(lab, roster)
        _write_csv(path, rows)
        lines.append(f"{label} gradebook ({lab.id}, assignment {lab.assignment!r}): {path} "
                     f"({count(len(roster.students), 'student')})")
        if name == "moodle":
            column, field = _moodle_identifier(roster)
            lines.append(f"  Moodle import: Map from {column!r}, Map to {field}")
        lines += _warnings(label, lab, roster)
    return lines


def _canvas_rows(lab: Lab, roster: Roster) -> list[list[str]]:
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", lab.assignment]
    rows = [header]
    if lab.max_score is not None:
        rows.append(["    Points Possible", "", "", "", "", number(lab.max_score)])  # as Canvas's own export writes it
    for student in roster.students:
        # The ids stay as the roster has them (Canvas matches them); the name and section are only read.
        rows.append([spreadsheet_text(student.name), student.student_id, student.sis_user_id, student.sis_login_id,
                     spreadsheet_text(student.section), _grade(lab, student, no_grade="")])
    return rows


def _moodle_rows(lab: Lab, roster: Roster) -> list[list[str]]:
    column, _ = _moodle_identifier(roster)
    rows = [[column, "Full name", lab.assignment, f"{lab.assignment} (Feedback)"]]
    for student in roster.students:
        identifier = student.email if column == "Email address" else student.student_id
        # The identifier stays as the roster has it (Moodle matches it); the name and feedback are only read.
        rows.append([identifier, spreadsheet_text(student.name), _grade(lab, student, no_grade=MOODLE_NO_GRADE),
                     spreadsheet_text(_feedback(lab, student))])
    return rows


def _moodle_identifier(roster: Roster) -> tuple[str, str]:
    """The identifier column (named as Moodle's own export names it) and what it maps to in Moodle: the
    email when every student has one, else the ID number (the roster's student_id). Never an empty cell:
    Moodle would give that row's grade to the row before it."""
    return ("Email address", "useremail") if roster.has("email") else ("ID number", "useridnumber")


def _grade(lab: Lab, student: Student, no_grade: str) -> str:
    submission = lab.find(student.submission)
    if submission is None or not lab.graded(submission):
        return no_grade
    return number(submission["score"])


def _feedback(lab: Lab, student: Student) -> str:
    """A short text in both languages: the points and the stages not passed (what the learner's
    feedback page says at length); one line, as every CSV reader takes it."""
    submission = lab.find(student.submission)
    if submission is None:
        return f"{NO_SUBMISSION_EN} / {NO_SUBMISSION_ZH}"
    english, chinese = summary(submission, lab)
    return f"{english} / {chinese}"


def _warnings(label: str, lab: Lab, roster: Roster) -> list[str]:
    names = [submission["name"] for submission in lab.submissions]
    lines = []
    unknown = roster.unknown(names)
    if unknown:
        lines.append(f"  warning: not in the roster {roster.path}, so left out of the {label} file ({label} "
                     f"could not match them): {', '.join(unknown)}. Add a row for each to the roster.")
        lines.append(f"  警告：不在名冊 {roster.path} 中，因此未列入 {label} 檔案（{label} 無法比對）："
                     f"{', '.join(unknown)}。請在名冊中為每一位加上一列。")
    absent = roster.without_submission(names)
    if absent:
        who = ", ".join(f"{student.name} ({student.student_id})" for student in absent)
        lines.append(f"  warning: no submission, so an empty grade in the {label} file: {who}")
        lines.append(f"  警告：沒有提交，因此在 {label} 檔案中成績留空：{who}")
    ungraded = [student for submission in lab.submissions
                if (student := roster.get(submission["name"])) is not None and not lab.graded(submission)]
    if ungraded:
        who = ", ".join(f"{student.name} ({student.student_id})" for student in ungraded)
        lines.append(f"  warning: not graded to the end (the grader stopped), so an empty grade in the {label} "
                     f"file: {who}. Grade them again.")
        lines.append(f"  警告：未完成評分（評分程式中途停止），因此在 {label} 檔案中成績留空：{who}。請重新評分。")
    return lines


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
