"""The class roster (``--lab-roster``): which student each submission belongs to.

A CSV file (UTF-8, a byte-order mark is fine) with one row per student:

    submission,student_id,name,email,sis_user_id,sis_login_id,section,username
    alice,1001,"Chen, Alice",alice@example.edu,S1001,alice,Section A

``submission`` is the submission's name (its file name without ``.ipynb``/``.py``), ``student_id`` and
``name`` are required; the other columns are optional. The LMS exports need it (an LMS matches rows on
ids, never on file names); the feedback pages use it for the learner's name. A broken roster is an error
that names the file, the line and the fix, in English and Traditional Chinese.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path

REQUIRED = ("submission", "student_id", "name")
OPTIONAL = ("email", "sis_user_id", "sis_login_id", "section", "username")
# Columns an LMS matches students on: two students with the same value would get each other's grade.
UNIQUE = ("submission", "student_id", "email", "sis_user_id", "sis_login_id", "username")


@dataclass(frozen=True)
class Student:
    submission: str
    student_id: str
    name: str
    email: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    username: str = ""
    line: int = 0  # its line in the roster file


class RosterError(ValueError):
    """A roster that cannot be used: the message says where and how to fix it, in both languages."""

    def __init__(self, path: Path, line: int | None, english: str, chinese: str) -> None:
        where_en = f"the roster {path}" + (f", line {line}" if line else "")
        where_zh = f"名冊 {path}" + (f" 第 {line} 行" if line else "")
        super().__init__(f"pytest-sagemaker-lab: {where_en}: {english}\n{where_zh}：{chinese}")
        self.path = path
        self.line = line


@dataclass(frozen=True)
class Roster:
    path: Path
    students: tuple[Student, ...]
    columns: tuple[str, ...]  # the columns the file has, in the file's order

    @classmethod
    def load(cls, path: Path) -> Roster:
        path = Path(path)
        text = _read_text(path)
        rows = list(csv.reader(io.StringIO(text, newline="")))
        if not rows or not any(cell.strip() for cell in rows[0]):
            raise RosterError(path, 1, f"the file has no header row. Fix: start it with the line "
                              f"{','.join(REQUIRED)} (and any of {', '.join(OPTIONAL)}).",
                              f"檔案沒有標題列。修正：第一行請寫 {','.join(REQUIRED)}"
                              f"（可再加上 {', '.join(OPTIONAL)}）。")
        columns = _columns(path, rows[0])
        students = [_student(path, number, columns, row) for number, row in enumerate(rows[1:], start=2)
                    if any(cell.strip() for cell in row)]
        _check_unique(path, students)
        return cls(path=path, students=tuple(students), columns=tuple(columns))

    def get(self, name: str) -> Student | None:
        """The student whose submission is ``name``, or None."""
        return self._by_submission.get(name)

    def has(self, column: str) -> bool:
        """Whether every student has a value in ``column`` (an LMS cannot match a row on an empty one)."""
        return bool(self.students) and all(getattr(student, column) for student in self.students)

    def without_submission(self, submissions: Iterable[str]) -> list[Student]:
        """The roster's students whose submission is not among ``submissions``, in roster order."""
        graded = set(submissions)
        return [student for student in self.students if student.submission not in graded]

    def unknown(self, submissions: Iterable[str]) -> list[str]:
        """The names among ``submissions`` that have no roster row, in their order."""
        known = self._by_submission
        return [name for name in dict.fromkeys(submissions) if name not in known]

    @cached_property
    def _by_submission(self) -> dict[str, Student]:
        return {student.submission: student for student in self.students}


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RosterError(path, None, "the file does not exist. Fix: give --lab-roster the path of the "
                          "roster CSV (relative paths are from where pytest runs).",
                          "檔案不存在。修正：--lab-roster 請指定名冊 CSV 的路徑"
                          "（相對路徑以執行 pytest 的位置為準）。") from None
    except OSError as exc:
        raise RosterError(path, None, f"the file cannot be read ({exc.strerror}). Fix: give a readable CSV "
                          f"file.", f"無法讀取檔案（{exc.strerror}）。修正：請提供可讀取的 CSV 檔。") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise RosterError(path, line, "the file is not UTF-8 text. Fix: save it as \"CSV UTF-8\" (in Excel: "
                          "Save As > CSV UTF-8).",
                          "檔案不是 UTF-8 文字。修正：請另存為「CSV UTF-8」（Excel：另存新檔 > CSV UTF-8）。") from None


def _columns(path: Path, header: list[str]) -> list[str]:
    columns = [cell.strip().lower() for cell in header]
    known = REQUIRED + OPTIONAL
    unknown = [original.strip() for original, column in zip(header, columns, strict=True) if column not in known]
    if unknown:
        raise RosterError(path, 1, f"unknown column(s) {', '.join(map(repr, unknown))}. Fix: use only "
                          f"{', '.join(known)}; remove or rename the others.",
                          f"不認得的欄位 {', '.join(map(repr, unknown))}。修正：只能使用 {', '.join(known)}；"
                          f"請刪除或改名其他欄位。")
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    if repeated:
        raise RosterError(path, 1, f"the column(s) {', '.join(repeated)} appear more than once. Fix: keep one "
                          f"of each.", f"欄位 {', '.join(repeated)} 出現不只一次。修正：每個欄位只保留一個。")
    missing = [column for column in REQUIRED if column not in columns]
    if missing:
        raise RosterError(path, 1, f"the required column(s) {', '.join(missing)} are missing (the header is "
                          f"{','.join(header)}). Fix: the header needs {', '.join(REQUIRED)}.",
                          f"缺少必要欄位 {', '.join(missing)}（標題列為 {','.join(header)}）。"
                          f"修正：標題列必須包含 {', '.join(REQUIRED)}。")
    return columns


def _student(path: Path, line: int, columns: list[str], row: list[str]) -> Student:
    if len(row) != len(columns):
        raise RosterError(path, line, f"the row has {len(row)} field(s), the header {len(columns)}. Fix: give "
                          f"every row one value per column (quote a value that has a comma: \"Chen, Alice\").",
                          f"這一列有 {len(row)} 個欄位，標題列有 {len(columns)} 個。修正：每一列每個欄位都要有一個值"
                          f"（含逗號的值請加引號：\"Chen, Alice\"）。")
    values = {column: cell.strip() for column, cell in zip(columns, row, strict=True)}
    for column in REQUIRED:
        if not values[column]:
            raise RosterError(path, line, f"the {column} is empty. Fix: fill in {column} for this student, or "
                              f"delete the row.", f"{column} 是空的。修正：請填入此學生的 {column}，或刪除這一列。")
    known = {item.name for item in fields(Student)}
    return Student(**{column: value for column, value in values.items() if column in known}, line=line)


def _check_unique(path: Path, students: list[Student]) -> None:
    for column in UNIQUE:
        first: dict[str, Student] = {}
        for student in students:
            value = getattr(student, column)
            if not value:
                continue
            if value in first:
                earlier = first[value].line
                raise RosterError(path, student.line, f"the {column} {value!r} is also on line {earlier}. Fix: "
                                  f"give each student a {column} of their own (one row per student).",
                                  f"{column} {value!r} 也出現在第 {earlier} 行。修正：每位學生的 {column} "
                                  f"必須不同（每位學生一列）。")
            first[value] = student
