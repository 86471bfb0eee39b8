"""The roster and the gradebook exports (``--lab-roster``, ``--lab-export canvas,moodle,gradescope,classroom``).

- From tests/data/class3/report.json and roster.csv, every export equals the files in
  tests/data/class3/exports/ exactly.
- Each format keeps its documented rules (docs/facts/grading-formats.md): Gradescope's results.json and
  GitHub Classroom's result validate against the JSON Schemas in tests/data/schemas/; Canvas's and
  Moodle's CSV files are parsed and checked against the header and row rules of their importers.
- A broken roster names the file, the line and the fix; a roster student without a submission and a
  submission without a roster row are both reported; an LMS file is never written without a roster.
- A class graded for real writes all four, and examples/gradescope/run_autograder works as Gradescope
  runs it (both need SDK 2, about 10 s each).

The expected files are the spec: after a change to an export (or to tests/data/class3/report.json),
write them again and read the diff before committing it:

    REGENERATE_EXPORTS=1 .venv/bin/pytest tests/test_exports.py -k expected -p no:randomly
"""

from __future__ import annotations

import base64
import copy
import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from pytest_sagemaker_lab.outputs import OutputPlan, autograders, lms
from pytest_sagemaker_lab.outputs.page_text import without_paths
from pytest_sagemaker_lab.outputs.roster import Roster, RosterError

from .conftest import LAB41, needs_sdk2

ROOT = Path(__file__).resolve().parent.parent
CLASS3 = Path(__file__).resolve().parent / "data" / "class3"
EXPECTED = CLASS3 / "exports"
SCHEMAS = Path(__file__).resolve().parent / "data" / "schemas"
RUN_AUTOGRADER = ROOT / "examples" / "gradescope" / "run_autograder"
FORMATS = ("canvas", "moodle", "gradescope", "classroom")
REGENERATE = os.environ.get("REGENERATE_EXPORTS") == "1"
# Canvas's importer drops headers matching these (gradebook_importer.rb NON_ASSIGNMENT_COLUMN_HEADERS).
CANVAS_NOT_ASSIGNMENTS = re.compile("Current Score|Current Points|Current Grade|Final Score|Final Points|"
                                    "Final Grade|Override Score|Override Grade|Override Status")


def _document() -> dict:
    return json.loads((CLASS3 / "report.json").read_text(encoding="utf-8"))


def _export(document: dict, folder: Path, roster: Roster | None, formats=FORMATS, assignment=None) -> list[str]:
    plan = OutputPlan(report=folder / "report.json", roster=roster.path if roster else None, exports=tuple(formats),
                      assignment=assignment)
    lines = []
    for name in formats:
        module = lms if name in ("canvas", "moodle") else autograders
        lines += module.write(name, document, plan, roster)
    return lines


def _files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file() and path.name != "report.json"}


def _schema(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((SCHEMAS / name).read_text(encoding="utf-8")))


def _csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _roster_file(folder: Path, text: str) -> Path:
    path = folder / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


# -- the expected files ---------------------------------------------------------------------------


def test_every_export_of_class3_equals_the_expected_files(tmp_path):
    roster = Roster.load(CLASS3 / "roster.csv")
    lines = _export(_document(), tmp_path, roster)
    written = _files(tmp_path)
    if REGENERATE:
        shutil.rmtree(EXPECTED, ignore_errors=True)
        for name, content in written.items():
            (EXPECTED / name).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / name).write_bytes(content)
    assert sorted(written) == sorted(_files(EXPECTED))
    for name, content in _files(EXPECTED).items():
        assert written[name].decode("utf-8") == content.decode("utf-8"), name
    assert not any("warning" in line for line in lines), lines  # every learner is in the roster, all graded
    assert "  Moodle import: Map from 'Email address', Map to useremail" in lines


# -- each format's documented rules ------------------------------------------------------------------


def test_the_canvas_file_keeps_the_importers_header_and_row_rules(tmp_path):
    roster = Roster.load(CLASS3 / "roster.csv")
    _export(_document(), tmp_path, roster, formats=("canvas",))
    header, points, *students = _csv(tmp_path / "report.canvas.csv")
    # A valid header: Student, ID, [SIS User ID, SIS Login ID], Section, then assignment columns.
    assert "Student" in header[0] and "ID" in header[1] and len(header) > 3
    assert header[2:5] == ["SIS User ID", "SIS Login ID", "Section"]
    assignment = header[5]
    assert len(header) == 6 and not CANVAS_NOT_ASSIGNMENTS.search(assignment)
    assert not re.fullmatch(r"(.*)\s\((\d+)\)", assignment)  # no "(id)": a new assignment, made by the import
    assert "Points Possible" in points[0] and points[1:5] == ["", "", "", ""] and points[5] == "7"
    by_id = {student.student_id: student for student in roster.students}
    assert [row[1] for row in students] == [student.student_id for student in roster.students]
    for row in students:
        student = by_id[row[1]]
        assert row[:5] == [student.name, student.student_id, student.sis_user_id, student.sis_login_id,
                           student.section]
        assert float(row[5]) <= float(points[5])
    assert {row[0]: row[5] for row in students} == {"Chen, Alice": "7", "Lin, Bob": "4", "Wang, Carol": "4"}


def test_a_canvas_assignment_id_in_the_name_targets_that_assignment(tmp_path):
    lines = _export(_document(), tmp_path, Roster.load(CLASS3 / "roster.csv"), formats=("canvas",),
                    assignment="Lab 4.1 (12345)")
    header = _csv(tmp_path / "report.canvas.csv")[0]
    assert header[5] == "Lab 4.1 (12345)"
    assert re.fullmatch(r"(.*)\s\((\d+)\)", header[5]).groups() == ("Lab 4.1", "12345")
    assert "assignment 'Lab 4.1 (12345)'" in lines[0]


def test_the_moodle_file_keeps_the_importers_rules(tmp_path):
    roster = Roster.load(CLASS3 / "roster.csv")
    _export(_document(), tmp_path, roster, formats=("moodle",))
    header, *students = _csv(tmp_path / "report.moodle.csv")
    assert header == ["Email address", "Full name", "Build the model and start training",
                      "Build the model and start training (Feedback)"]
    assert "Last downloaded from this course" not in header  # only Moodle's own exports carry it
    assert all(len(row) == len(header) for row in students)
    identifiers = [row[0] for row in students]
    assert identifiers == [student.email for student in roster.students] and all(identifiers)
    assert len(set(identifiers)) == len(identifiers)
    for _, _, grade, feedback in students:
        assert grade == "-" or 0 <= float(grade) <= 100  # a number within gradepointmax, or Moodle's no grade
        assert " / " in feedback and "\n" not in feedback and re.search("[\u4e00-\u9fff]", feedback)
    bob = students[1]
    assert bob[2] == "4" and bob[3].startswith("4/7 points. Not passed: The estimator is set up as the lab says")
    assert "未通過：Estimator 依本 Lab 的設定建立" in bob[3]


def test_moodle_maps_on_the_id_number_when_a_student_has_no_email(tmp_path):
    path = _roster_file(tmp_path, "submission,student_id,name,email\nalice,1001,Alice,alice@example.edu\n"
                                  "bob,1002,Bob,\ncarol,1003,Carol,carol@example.edu\n")
    lines = _export(_document(), tmp_path, Roster.load(path), formats=("moodle",))
    header, *students = _csv(tmp_path / "report.moodle.csv")
    assert header[0] == "ID number" and [row[0] for row in students] == ["1001", "1002", "1003"]
    assert "  Moodle import: Map from 'ID number', Map to useridnumber" in lines


@pytest.mark.parametrize("kind", ["gradescope", "classroom"])
def test_every_autograder_result_validates_against_its_documented_schema(tmp_path, kind):
    _export(_document(), tmp_path, None, formats=(kind,))
    validator = _schema({"gradescope": "gradescope-results.schema.json",
                         "classroom": "classroom-result.schema.json"}[kind])
    pattern = "gradescope/*/results.json" if kind == "gradescope" else "classroom/*.json"
    results = sorted(tmp_path.glob(pattern))
    assert len(results) == 3
    for path in results:
        validator.validate(json.loads(path.read_text(encoding="utf-8")))


def test_the_schemas_reject_the_other_formats_words():
    gradescope = json.loads((EXPECTED / "gradescope" / "bob" / "results.json").read_text(encoding="utf-8"))
    classroom = json.loads((EXPECTED / "classroom" / "bob.json").read_text(encoding="utf-8"))
    gradescope["tests"][0]["status"] = "pass"  # Classroom's word; Gradescope's is "passed"
    classroom["tests"][0]["status"] = "passed"
    assert not _schema("gradescope-results.schema.json").is_valid(gradescope)
    assert not _schema("classroom-result.schema.json").is_valid(classroom)
    assert not _schema("gradescope-results.schema.json").is_valid({"output": "no score anywhere"})


def test_the_autograder_results_carry_the_grade_and_never_the_authors_detail(tmp_path):
    document = _document()
    _export(document, tmp_path, None, formats=("gradescope", "classroom"))
    for submission in document["submissions"]:
        name = submission["name"]
        gradescope = json.loads((tmp_path / "gradescope" / name / "results.json").read_text(encoding="utf-8"))
        classroom = json.loads((tmp_path / "classroom" / f"{name}.json").read_text(encoding="utf-8"))
        assert gradescope["score"] == sum(test["score"] for test in gradescope["tests"]) == submission["score"]
        # What Classroom records: the sum of the tests' scores over max_score (notify-classroom.js) ...
        assert sum(test["score"] for test in classroom["tests"]) == submission["score"]
        assert classroom["max_score"] == submission["max_score"] == 7
        # ... and what the reporter's table shows: passed tests / tests x max_score (test-helpers.js).
        passed = sum(test["status"] == "pass" for test in classroom["tests"])
        assert passed / len(classroom["tests"]) * classroom["max_score"] == submission["score"]
        assert classroom["status"] == ("pass" if submission["score"] == 7 else "fail")
        assert gradescope["stdout_visibility"] == "hidden"  # the run's log holds the authors' tracebacks
        texts = [test["output"] for test in gradescope["tests"]] + [test["message"] for test in classroom["tests"]]
        for stage, text in zip(submission["stages"] * 2, texts, strict=True):
            # The grader's paths are shown as their last part, as on the feedback pages.
            assert without_paths(stage["message"]) in text and "/course/" not in text
            if stage["detail"]:
                assert stage["detail"] not in text and "Traceback" not in text and "lab_run =" not in text
            if stage["hint"]:
                assert f"Hint: {without_paths(stage['hint']['en'])}" in text
                assert f"提示：{without_paths(stage['hint']['zh-TW'])}" in text


def test_the_classroom_base64_is_what_the_reporter_decodes(tmp_path):
    _export(_document(), tmp_path, None, formats=("classroom",))
    for name in ("alice", "bob", "carol"):
        encoded = (tmp_path / "classroom" / f"{name}.b64").read_text(encoding="ascii")
        assert encoded.endswith("\n") and "\n" not in encoded.rstrip("\n")  # one line for $GITHUB_OUTPUT
        # The reporter: JSON.parse(Buffer.from(process.env[`${RUNNER}_RESULTS`], "base64").toString("utf-8"))
        decoded = json.loads(base64.b64decode(encoded).decode("utf-8"))
        assert decoded == json.loads((tmp_path / "classroom" / f"{name}.json").read_text(encoding="utf-8"))


# -- who is in the roster, who submitted, who was graded ---------------------------------------------


def test_a_student_without_a_submission_and_a_submission_without_a_row_are_reported(tmp_path):
    path = _roster_file(tmp_path, "submission,student_id,name,email\nalice,1001,\"Chen, Alice\",a@example.edu\n"
                                  "bob,1002,\"Lin, Bob\",b@example.edu\ndave,1004,\"Wu, Dave\",d@example.edu\n")
    lines = _export(_document(), tmp_path, Roster.load(path), formats=("canvas", "moodle"))
    canvas = _csv(tmp_path / "report.canvas.csv")
    assert [row[0] for row in canvas[2:]] == ["Chen, Alice", "Lin, Bob", "Wu, Dave"]  # carol left out
    assert canvas[4][5] == ""  # dave: no grade
    moodle = _csv(tmp_path / "report.moodle.csv")
    assert [row[0] for row in moodle[1:]] == ["a@example.edu", "b@example.edu", "d@example.edu"]
    assert moodle[3][2] == "-" and moodle[3][3] == "No graded submission. / 沒有已評分的提交。"
    for label in ("Canvas", "Moodle"):
        assert (f"  warning: not in the roster {path}, so left out of the {label} file ({label} could not match "
                f"them): carol. Add a row for each to the roster.") in lines
        assert f"  warning: no submission, so an empty grade in the {label} file: Wu, Dave (1004)" in lines
        assert f"  警告：沒有提交，因此在 {label} 檔案中成績留空：Wu, Dave (1004)" in lines


def test_a_submission_not_graded_to_the_end_gets_no_grade(tmp_path):
    document = _document()
    document["pending"] = ["carol"]
    document["partial"] = True
    lines = _export(document, tmp_path, Roster.load(CLASS3 / "roster.csv"))
    assert _csv(tmp_path / "report.canvas.csv")[4][5] == ""
    moodle = _csv(tmp_path / "report.moodle.csv")[3]
    assert moodle[2] == "-" and moodle[3].startswith("Not graded: the grader stopped before it finished")
    assert any("not graded to the end (the grader stopped), so an empty grade in the Canvas file: Wang, Carol "
               "(1003)" in line for line in lines)
    gradescope = json.loads((tmp_path / "gradescope" / "carol" / "results.json").read_text(encoding="utf-8"))
    assert gradescope["score"] == 0 and gradescope["output"].split(": ", 1)[1].startswith("Not graded")
    classroom = json.loads((tmp_path / "classroom" / "carol.json").read_text(encoding="utf-8"))
    assert classroom["status"] == "error" and classroom["message"].startswith("Not graded")
    _schema("classroom-result.schema.json").validate(classroom)
    _schema("gradescope-results.schema.json").validate(gradescope)


def test_a_submission_with_no_stage_at_all_still_gets_an_autograder_result(tmp_path):
    document = _document()
    document["submissions"][2].update(score=0, max_score=0, stages=[],
                                      error="not graded: the grading process stopped before this submission ran")
    _export(document, tmp_path, None, formats=("gradescope", "classroom"))
    classroom = json.loads((tmp_path / "classroom" / "carol.json").read_text(encoding="utf-8"))
    assert classroom["status"] == "error" and classroom["max_score"] == 7
    assert [test["status"] for test in classroom["tests"]] == ["error"]  # the reporter prints its message
    _schema("classroom-result.schema.json").validate(classroom)
    gradescope = json.loads((tmp_path / "gradescope" / "carol" / "results.json").read_text(encoding="utf-8"))
    assert gradescope["score"] == 0 and gradescope["tests"] == []
    _schema("gradescope-results.schema.json").validate(gradescope)


def test_without_a_roster_no_lms_file_is_written(tmp_path):
    lines = _export(_document(), tmp_path, None, formats=("canvas", "moodle"))
    assert not list(tmp_path.glob("*.csv"))
    assert lines[0] == ("pytest-sagemaker-lab: --lab-export canvas needs --lab-roster (a CSV of submission, "
                        "student_id, name): Canvas matches rows on student ids, not on file names; no Canvas file "
                        "was written")
    assert lines[1].startswith("pytest-sagemaker-lab：--lab-export canvas 需要 --lab-roster")
    assert "--lab-export moodle needs --lab-roster" in lines[2]


def test_several_labs_get_a_file_each_named_by_the_lab(tmp_path):
    first = _document()
    second = copy.deepcopy(first)
    second["lab"] = "lab4.1-evaluate"
    second["title"] = {"en": "Evaluate the model", "zh-TW": "評估模型"}
    document = {"mode": "offline", "isolation": "bwrap", "partial": False, "pending": [], "reports": [first, second]}
    lines = _export(document, tmp_path, Roster.load(CLASS3 / "roster.csv"), assignment="Lab 4")
    written = set(_files(tmp_path))
    assert {"report.lab4.1.canvas.csv", "report.lab4.1-evaluate.canvas.csv", "report.lab4.1.moodle.csv",
            "gradescope/lab4.1/bob/results.json", "gradescope/lab4.1-evaluate/bob/results.json",
            "classroom/lab4.1/bob.json", "classroom/lab4.1-evaluate/bob.b64"} <= written
    assert _csv(tmp_path / "report.lab4.1-evaluate.canvas.csv")[0][5] == "Evaluate the model"
    assert lines[0].startswith("--lab-assignment 'Lab 4' names one assignment, and this report has 2 labs")


# -- the roster ----------------------------------------------------------------------------------------


def test_a_roster_is_read_with_or_without_a_byte_order_mark(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (CLASS3 / "roster.csv").read_bytes().replace(b"\n", b"\r\n"))
    roster = Roster.load(path)
    assert roster == Roster(path, Roster.load(CLASS3 / "roster.csv").students, roster.columns)
    bob = roster.get("bob")
    assert (bob.student_id, bob.name, bob.email, bob.section, bob.line) == ("1002", "Lin, Bob", "bob@example.edu",
                                                                             "Section A", 3)
    assert roster.get("mallory") is None
    assert roster.has("email") and not roster.has("username")
    assert [s.submission for s in roster.without_submission(["alice", "carol", "zed"])] == ["bob"]
    assert roster.unknown(["alice", "zed", "zed"]) == ["zed"]


@pytest.mark.parametrize(("text", "line", "english", "chinese"), [
    ("submission,name\nalice,Alice\n", 1, "the required column(s) student_id are missing", "缺少必要欄位 student_id"),
    ("submission,student_id,name,e-mail\nalice,1,A,a@x\n", 1, "unknown column(s) 'e-mail'", "不認得的欄位 'e-mail'"),
    ("submission,student_id,name,name\nalice,1,A,A\n", 1, "the column(s) name appear more than once", "出現不只一次"),
    ("submission,student_id,name\nalice,1,A\nbob,2,B\nalice,3,C\n", 4,
     "the submission 'alice' is also on line 2", "submission 'alice' 也出現在第 2 行"),
    ("submission,student_id,name\nalice,1,A\nbob,1,B\n", 3, "the student_id '1' is also on line 2", "也出現在第 2 行"),
    ("submission,student_id,name,email\nalice,1,A,x@y\nbob,2,B,x@y\n", 3, "the email 'x@y' is also on line 2",
     "email 'x@y'"),
    ("submission,student_id,name\nalice,1,A\n\nbob, ,B\n", 4, "the student_id is empty", "student_id 是空的"),
    ("submission,student_id,name\nalice,1,Chen, Alice\n", 2, "the row has 4 field(s), the header 3",
     "這一列有 4 個欄位"),
    ("", 1, "the file has no header row", "檔案沒有標題列"),
])
def test_a_broken_roster_names_the_file_the_line_and_the_fix(tmp_path, text, line, english, chinese):
    path = _roster_file(tmp_path, text)
    with pytest.raises(RosterError) as caught:
        Roster.load(path)
    message = str(caught.value)
    assert message.startswith(f"pytest-sagemaker-lab: the roster {path}, line {line}: {english}")
    assert "Fix:" in message and "修正：" in message
    assert f"名冊 {path} 第 {line} 行：" in message and chinese in message
    assert caught.value.line == line


def test_a_roster_that_is_not_utf8_or_not_there_says_so(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes("submission,student_id,name\nalice,1,Alice\nbob,2,林柏\n".encode("big5"))
    with pytest.raises(RosterError, match=r"line 3: the file is not UTF-8 text\. Fix: save it as \"CSV UTF-8\""):
        Roster.load(path)
    with pytest.raises(RosterError, match=r"the roster .*missing\.csv: the file does not exist\. Fix: give "
                                          r"--lab-roster the path"):
        Roster.load(tmp_path / "missing.csv")


# -- a class graded for real ---------------------------------------------------------------------------


@needs_sdk2  # the class's notebooks are written for SDK 2
def test_a_broken_roster_or_an_lms_export_without_one_stops_the_run_before_any_grading(pytester):
    """Found at start, as usage errors: not after a whole class has been graded."""
    roster = pytester.path / "roster.csv"
    roster.write_text("submission,student_id,name\nalice,1001,Alice\nbob,,Bob\n", encoding="utf-8")
    common = (str(LAB41), "-p", "no:randomly", f"--lab-submission={CLASS3 / 'submissions'}",
              f"--lab-report={pytester.path / 'out' / 'report.json'}")
    result = pytester.runpytest_subprocess(*common, f"--lab-roster={roster}", "--lab-export=canvas")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--lab-roster" in result.stderr.str() and "line 3" in result.stderr.str()
    result = pytester.runpytest_subprocess(*common, "--lab-export=moodle")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--lab-export canvas/moodle needs --lab-roster PATH" in result.stderr.str()
    assert not (pytester.path / "out").exists()  # nothing was graded


@needs_sdk2  # class3's notebooks are written for SDK 2
def test_a_graded_class_writes_every_export(pytester):
    folder = pytester.mkdir("class")
    for learner in ("alice", "bob", "carol"):
        shutil.copy(CLASS3 / "submissions" / f"{learner}.ipynb", folder)
    shutil.copy(CLASS3 / "roster.csv", pytester.path / "roster.csv")
    grades = pytester.path / "grades"
    result = pytester.runpytest_subprocess(str(LAB41), "-p", "no:randomly", "-p", "no:cacheprovider",
                                           f"--lab-submission={folder}", f"--lab-report={grades / 'report.json'}",
                                           "--lab-roster=roster.csv", "--lab-export=canvas,moodle,gradescope,classroom",
                                           timeout=300)
    result.stdout.fnmatch_lines([f"Canvas gradebook (lab4.1, assignment 'Build the model and start training'): "
                                 f"{grades / 'report.canvas.csv'} (3 students)",
                                 f"Moodle gradebook (lab4.1, *): {grades / 'report.moodle.csv'} (3 students)",
                                 "Gradescope results (lab4.1): */gradescope/<name>/results.json, 3 submissions",
                                 "GitHub Classroom results (lab4.1): */classroom/<name>.json and <name>.b64, "
                                 "3 submissions"])
    result.stdout.no_fnmatch_line("*warning*")
    # The LMS files hold no job name or time: they equal the expected ones.
    for name in ("report.canvas.csv", "report.moodle.csv"):
        assert (grades / name).read_text(encoding="utf-8") == (EXPECTED / name).read_text(encoding="utf-8")
    gradescope, classroom = _schema("gradescope-results.schema.json"), _schema("classroom-result.schema.json")
    for learner, score in {"alice": 7, "bob": 4, "carol": 4}.items():
        results = json.loads((grades / "gradescope" / learner / "results.json").read_text(encoding="utf-8"))
        gradescope.validate(results)
        assert results["score"] == score
        expected = json.loads((EXPECTED / "gradescope" / learner / "results.json").read_text(encoding="utf-8"))
        assert [t["status"] for t in results["tests"]] == [t["status"] for t in expected["tests"]]
        decoded = json.loads(base64.b64decode((grades / "classroom" / f"{learner}.b64").read_text(encoding="ascii")))
        classroom.validate(decoded)
        assert sum(test["score"] for test in decoded["tests"]) == score


# -- the Gradescope autograder example -----------------------------------------------------------------


def _run_autograder(root: Path, python: str = sys.executable) -> dict:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SAGEMAKER_LAB_")}
    environment.update(AUTOGRADER_ROOT=str(root), COURSE=str(ROOT), PYTHON=python)
    completed = subprocess.run(["bash", str(RUN_AUTOGRADER)], env=environment, capture_output=True, text=True,
                               timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr  # Gradescope reads the results file, not the status
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    _schema("gradescope-results.schema.json").validate(results)
    return results


def test_the_gradescope_autograder_writes_results_even_when_nothing_can_be_graded(tmp_path):
    (tmp_path / "submission").mkdir()
    results = _run_autograder(tmp_path)
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"] == ("Not graded: the submission holds no notebook (.ipynb) or .py file. Upload your lab "
                                 "notebook.\n未評分：提交中沒有筆記本（.ipynb）或 .py 檔。請上傳你的 Lab 筆記本。")
    for learner in ("alice", "bob"):
        shutil.copy(CLASS3 / "submissions" / f"{learner}.ipynb", tmp_path / "submission")
    results = _run_autograder(tmp_path)  # two notebooks are refused before grading starts
    assert results["output"].startswith("Not graded: the submission holds 2 notebooks or .py files")
    (tmp_path / "submission" / "alice.ipynb").unlink()
    results = _run_autograder(tmp_path, python="false")  # a grader that cannot even start
    assert results["score"] == 0 and results["output"].startswith(
        "Not graded: the grader stopped before it gave a result (pytest exit status 1). This is not a grade of "
        "your work: tell the course staff.\n未評分：")


@needs_sdk2
def test_the_gradescope_autograder_grades_the_submission_as_gradescope_runs_it(tmp_path):
    (tmp_path / "submission").mkdir()
    shutil.copy(CLASS3 / "submissions" / "bob.ipynb", tmp_path / "submission")
    results = _run_autograder(tmp_path)
    expected = json.loads((EXPECTED / "gradescope" / "bob" / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == expected["score"] == 4
    assert [(t["name"], t["status"], t["score"]) for t in results["tests"]] == \
           [(t["name"], t["status"], t["score"]) for t in expected["tests"]]
