"""The class always finishes: every submission gets a row whatever happened to it, the gradebook is
written again as each submission completes and says when it is partial, it records how submissions
were isolated, and no grader secret a check quoted reaches it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from pytest_sagemaker_lab.report import (
    NOT_GRADED,
    NOT_GRADED_HINT,
    NOT_GRADED_SUBMISSION,
    Gradebook,
    StageResult,
)

from .conftest import LabCopy, synthetic_lab_toml

NOT_GRADED_ROW = {"title": None, "outcome": "failed", "points": 0, "message": NOT_GRADED,
                  "hint": NOT_GRADED_HINT.render(),
                  "detail": ""}

LAB_TOML = synthetic_lab_toml("labg")

# The stages never run the submissions: what each does is steered from the test by the environment.
STAGES = """
import os
import shutil

import pytest

stage = pytest.mark.lab_stage


@stage("first")
def test_first(lab_submission, lab_evidence):
    if lab_submission.name == os.environ.get("SNAPSHOT_AT"):
        shutil.copy(os.environ["REPORT"], os.environ["SNAPSHOT"])  # the gradebook as this submission starts
    lab_evidence.append(f"ran in {os.getcwd()}")


@stage("second", requires=("first",), points=2)
def test_second(lab_submission):
    if lab_submission.name == os.environ.get("INTERRUPT_AT"):
        raise KeyboardInterrupt
    if lab_submission.name == os.environ.get("CRASH_AT"):
        os._exit(1)
    assert lab_submission.name != os.environ.get("FAIL_AT"), f"second saw {os.environ.get('GRADER_API_TOKEN')}"


@stage("third")
def test_third(lab_submission):
    pass
"""


def _result(submission: str, index: int, stage: str, rank: int, *, lab: str = "labg", points: float = 1,
            outcome: str = "passed", last: bool = False) -> StageResult:
    return StageResult(lab=lab, submission=submission, submission_index=index, stage=stage, rank=rank,
                       max_points=points, outcome=outcome, message=f"{stage} {outcome}",
                       completes_submission=last)


def _graded(name: str, index: int, lab: str = "labg") -> list[StageResult]:
    """A submission all of whose stages ran: first (1 point), second (2), third (1)."""
    return [_result(name, index, "first", 10, lab=lab), _result(name, index, "second", 20, lab=lab, points=2),
            _result(name, index, "third", 30, lab=lab, last=True)]


def _gradebook(*results: StageResult, expected: tuple[str, ...] = ("ann", "ben", "cid")) -> Gradebook:
    gradebook = Gradebook(expected=list(enumerate(expected)), isolation="bwrap")
    for result in results:
        gradebook.add(result)
    return gradebook


def test_a_submission_without_results_gets_a_row_of_stages_not_graded():
    gradebook = _gradebook(*_graded("ann", 0), *_graded("cid", 2))
    ann, ben, cid = gradebook.submissions("labg")
    assert [ann["name"], ben["name"], cid["name"]] == ["ann", "ben", "cid"]
    assert ben == {"name": "ben", "score": 0, "max_score": 4, "error": NOT_GRADED_SUBMISSION, "cell": None, "stages": [
        {"id": "first", "max_points": 1, **NOT_GRADED_ROW},
        {"id": "second", "max_points": 2, **NOT_GRADED_ROW},
        {"id": "third", "max_points": 1, **NOT_GRADED_ROW},
    ]}
    assert set(NOT_GRADED_HINT.render()) == {"en", "zh-TW"}
    assert (ann["score"], ann["error"], cid["score"]) == (4, None, 4)


def test_a_submission_cut_short_gets_the_stages_it_lacks_in_stage_order():
    # ben's worker died in "second": xdist reports that item without a result of ours.
    gradebook = _gradebook(*_graded("ann", 0), _result("ben", 1, "first", 10), *_graded("cid", 2))
    ben = gradebook.submissions("labg")[1]
    assert [row["id"] for row in ben["stages"]] == ["first", "second", "third"]
    assert ben["stages"][0]["outcome"] == "passed"
    assert ben["stages"][1] == {"id": "second", "max_points": 2, **NOT_GRADED_ROW}
    assert ben["stages"][2] == {"id": "third", "max_points": 1, **NOT_GRADED_ROW}
    assert (ben["score"], ben["max_score"], ben["error"]) == (1, 4, None)


def test_a_report_is_partial_until_every_submission_has_completed():
    gradebook = _gradebook(*_graded("ann", 0), _result("ben", 1, "first", 10))
    report = gradebook.report("labg", "offline", partial=True)
    assert {key: report[key] for key in ("lab", "mode", "isolation", "partial", "pending")} == {
        "lab": "labg", "mode": "offline", "isolation": "bwrap", "partial": True, "pending": ["ben", "cid"]}
    # The end of the run, not stopped, but ben and cid never completed: still partial.
    assert (gradebook.report("labg", "offline")["partial"], gradebook.report("labg", "offline")["pending"]) == (
        True, ["ben", "cid"])
    for result in [*_graded("ben", 1)[1:], *_graded("cid", 2)]:
        gradebook.add(result)
    final = gradebook.report("labg", "offline")
    assert (final["partial"], final["pending"], [s["score"] for s in final["submissions"]]) == (False, [], [4, 4, 4])


def test_a_stopped_run_is_partial_even_when_nothing_is_pending():
    gradebook = _gradebook(*_graded("ann", 0), expected=("ann",))
    assert gradebook.add(_result("ann", 0, "third", 30, last=True)) is True
    assert gradebook.add(_result("ann", 0, "first", 10)) is False
    report = gradebook.report("labg", "offline", partial=True)
    assert (report["partial"], report["pending"]) == (True, [])


def test_several_labs_say_isolation_partial_and_pending_at_the_top(tmp_path):
    gradebook = _gradebook(*_graded("ann", 0, "laba"), *_graded("ben", 1, "laba"), *_graded("ann", 0, "labb"),
                           expected=("ann", "ben"))
    gradebook.isolation = "none"
    gradebook.write_json(tmp_path / "grades.json", "offline")
    document = json.loads((tmp_path / "grades.json").read_text(encoding="utf-8"))
    assert {key: document[key] for key in ("mode", "isolation", "partial", "pending")} == {
        "mode": "offline", "isolation": "none", "partial": True, "pending": ["ben"]}
    assert [(r["lab"], r["isolation"], r["partial"], r["pending"]) for r in document["reports"]] == [
        ("laba", "none", False, []), ("labb", "none", True, ["ben"])]
    assert document["reports"][1]["submissions"][1]["error"] == NOT_GRADED_SUBMISSION


def test_payloads_with_and_without_the_completion_field_are_read():
    payload = {"lab": "labg", "submission": "ann", "submission_index": 0, "stage": "first", "rank": 10,
               "max_points": 1, "outcome": "passed", "message": "ok", "hint": None, "detail": "", "run_error": None}
    assert StageResult.from_payload(payload).completes_submission is False
    newer = StageResult.from_payload({**payload, "completes_submission": True, "added_later": 1})
    assert (newer.completes_submission, newer.message) == (True, "ok")


@pytest.mark.parametrize(("isolation", "isolated"), [("none", "no"), ("bwrap", "yes")])
def test_the_csv_says_whether_submissions_were_isolated_in_a_last_column(tmp_path, isolation, isolated):
    gradebook = _gradebook(*_graded("ann", 0), expected=("ann", "ben"))
    gradebook.isolation = isolation
    gradebook.write_csv(tmp_path / "grades.csv", "offline", isolated_column=True)
    with open(tmp_path / "grades.csv", encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle)) == [
            ["name", "score", "max_score", "error", "first", "second", "third", "isolated"],
            ["ann", "4", "4", "", "1", "2", "1", isolated],
            ["ben", "0", "4", NOT_GRADED_SUBMISSION, "0", "0", "0", isolated]]
    gradebook.write_csv(tmp_path / "grades.csv", "offline")  # replaced whole, and no temporary file left
    assert (tmp_path / "grades.csv").read_text(encoding="utf-8").splitlines()[0] == (
        "name,score,max_score,error,first,second,third")
    assert [path.name for path in tmp_path.iterdir()] == ["grades.csv"]


@pytest.fixture
def graded_class(pytester: pytest.Pytester) -> Path:
    """The synthetic lab, and three submissions for it (which its stages never run)."""
    lab = pytester.mkdir("labg")
    (lab / "lab.toml").write_text(LAB_TOML)
    (lab / "data.py").write_text("def generate():\n    return {'train.csv': b'1,2\\n'}\n")
    (lab / "test_labg.py").write_text(STAGES)
    folder = pytester.mkdir("class")
    for name in ("ann", "ben", "cid"):
        (folder / f"{name}.py").write_text("print('hello')\n")
    return lab


def _grade(pytester: pytest.Pytester, lab: Path, *args: str) -> tuple[pytest.RunResult, dict, list[list[str]]]:
    report = pytester.path / "out" / "grades.json"
    # A KeyboardInterrupt a stage raises ends the run under test, not this one.
    result = pytester.runpytest_inprocess(str(lab), "-p", "no:randomly", "-p", "no:cacheprovider",
                                          f"--lab-submission={pytester.path / 'class'}", f"--lab-report={report}",
                                          *args, no_reraise_ctrlc=True)
    with open(report.with_suffix(".csv"), encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return result, json.loads(report.read_text(encoding="utf-8")), rows


def _outcomes(submission: dict) -> dict[str, str]:
    return {row["id"]: "not graded" if row["message"] == NOT_GRADED else row["outcome"]
            for row in submission["stages"]}


def test_a_class_graded_without_a_sandbox_says_so_in_the_gradebook(pytester, graded_class):
    result, document, rows = _grade(pytester, graded_class, "--lab-sandbox=none")
    result.assert_outcomes(passed=9)
    assert {key: document[key] for key in ("lab", "isolation", "partial", "pending")} == {
        "lab": "labg", "isolation": "none", "partial": False, "pending": []}
    assert rows[0] == ["name", "score", "max_score", "error", "first", "second", "third", "isolated"]
    assert [row[0] for row in rows[1:]] == ["ann", "ben", "cid"] and {row[-1] for row in rows[1:]} == {"no"}
    result.stdout.fnmatch_lines(["submissions were NOT isolated (--lab-sandbox none): a submission could read*"])


def test_a_class_graded_in_the_sandbox_says_so_in_the_gradebook(pytester, graded_class):
    from pytest_sagemaker_lab.grading.sandbox import availability

    if availability() is not None:
        pytest.skip(f"no sandbox here: {availability()}")
    result, document, rows = _grade(pytester, graded_class, "--lab-sandbox=auto")
    assert (document["isolation"], document["partial"], rows[0][-1], rows[1][-1]) == ("bwrap", False, "isolated", "yes")
    assert "NOT isolated" not in result.stdout.str()


def test_a_verify_only_run_reports_complete_and_unisolated(lab_copy: LabCopy):
    result, document = lab_copy.run("--lab-verify-only")
    assert {key: document[key] for key in ("lab", "isolation", "partial", "pending")} == {
        "lab": "lab4.1", "isolation": "none", "partial": False, "pending": []}
    assert [submission["name"] for submission in document["submissions"]] == ["account"]
    # The grader's working directory is no secret: the paths under it stay in the messages.
    assert "[redacted]" not in json.dumps(document)
    with open(lab_copy.pytester.path / "report.csv", encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle))[-1] == "model_artifact_present"  # no isolated column: nothing was graded
    assert "NOT isolated" not in result.stdout.str()


def test_an_interrupted_run_leaves_a_partial_gradebook_naming_the_pending(pytester, graded_class, monkeypatch):
    snapshot = pytester.path / "snapshot.json"
    monkeypatch.setenv("INTERRUPT_AT", "ben")
    monkeypatch.setenv("SNAPSHOT_AT", "ben")
    monkeypatch.setenv("REPORT", str(pytester.path / "out" / "grades.json"))
    monkeypatch.setenv("SNAPSHOT", str(snapshot))
    result, document, rows = _grade(pytester, graded_class, "--lab-sandbox=none")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    # Written as ann completed, before ben started.
    written = json.loads(snapshot.read_text(encoding="utf-8"))
    assert (written["partial"], written["pending"]) == (True, ["ben", "cid"])
    assert [(s["name"], s["score"], s["error"]) for s in written["submissions"]] == [
        ("ann", 4, None), ("ben", 0, NOT_GRADED_SUBMISSION), ("cid", 0, NOT_GRADED_SUBMISSION)]
    # At the end: ben stopped in "second", cid never started.
    assert (document["partial"], document["pending"]) == (True, ["ben", "cid"])
    ann, ben, cid = document["submissions"]
    assert _outcomes(ann) == {"first": "passed", "second": "passed", "third": "passed"}
    assert _outcomes(ben) == {"first": "passed", "second": "not graded", "third": "not graded"}
    assert (ben["score"], ben["error"]) == (1, None)
    assert _outcomes(cid) == dict.fromkeys(("first", "second", "third"), "not graded")
    assert cid["error"] == NOT_GRADED_SUBMISSION
    assert [row[:4] for row in rows[1:]] == [["ann", "4", "4", ""], ["ben", "1", "4", ""],
                                              ["cid", "0", "4", NOT_GRADED_SUBMISSION]]
    result.stdout.fnmatch_lines(["the gradebook is partial: not graded to the end: ben, cid"])


def test_a_run_stopped_by_maxfail_is_partial(pytester, graded_class, monkeypatch):
    monkeypatch.setenv("FAIL_AT", "ben")
    result, document, _ = _grade(pytester, graded_class, "--lab-sandbox=none", "-x")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert (document["partial"], document["pending"]) == (True, ["ben", "cid"])
    _, ben, cid = document["submissions"]
    assert _outcomes(ben) == {"first": "passed", "second": "failed", "third": "not graded"}
    assert cid["error"] == NOT_GRADED_SUBMISSION


def test_a_crashed_worker_leaves_its_submission_in_the_gradebook(pytester, graded_class, monkeypatch):
    monkeypatch.setenv("CRASH_AT", "ben")
    for _ in range(2):
        result, document, rows = _grade(pytester, graded_class, "--lab-sandbox=none", "-n", "1",
                                        "--max-worker-restart=0")
        # execnet may find the dead worker's pipe broken while it sends the next items, before xdist
        # learns of the crash: an INTERNALERROR of theirs, rare under load; the run is tried once more.
        if "BrokenPipeError" not in result.stdout.str():
            break
    result.stdout.fnmatch_lines(["*worker 'gw0' crashed while running*test_second[[]ben[]]*"])
    assert (document["partial"], document["pending"]) == (True, ["ben", "cid"])
    ann, ben, cid = document["submissions"]
    assert (ann["score"], _outcomes(ben), cid["error"]) == (
        4, {"first": "passed", "second": "not graded", "third": "not graded"}, NOT_GRADED_SUBMISSION)
    assert [row[0] for row in rows[1:]] == ["ann", "ben", "cid"]


def test_a_secret_a_check_quotes_never_reaches_the_gradebook(pytester, graded_class, monkeypatch):
    monkeypatch.setenv("GRADER_API_TOKEN", "grader-token-do-not-leak")
    monkeypatch.setenv("PWD", str(pytester.path))  # the working directory is no secret
    monkeypatch.setenv("FAIL_AT", "ann")
    _, document, _ = _grade(pytester, graded_class, "--lab-sandbox=none")
    second = document["submissions"][0]["stages"][1]
    assert second["message"] == "second saw [redacted]"
    assert second["hint"]["en"].startswith("second saw [redacted]. ")
    assert "second saw [redacted]" in second["detail"]
    assert document["submissions"][0]["stages"][0]["message"] == f"ran in {pytester.path}"
    written = [path.read_text(encoding="utf-8") for path in (pytester.path / "out").iterdir()]
    assert written and not any("grader-token-do-not-leak" in text for text in written)


def test_a_class_gets_one_terminal_line_per_submission_unless_verbose():
    gradebook = _gradebook(*_graded("ann", 0),
                           _result("ben", 1, "first", 10, outcome="failed"),
                           _result("ben", 1, "second", 20, points=2, outcome="skipped"),
                           _result("ben", 1, "third", 30, last=True), expected=("ann", "ben"))
    assert gradebook.terminal_lines("offline", compact=True) == [
        "labg (offline) ann: 4/4",
        "labg (offline) ben: 1/4  (failed: first; skipped: second)",
    ]
    full = gradebook.terminal_lines("offline")
    assert "  failed   first   first failed" in full and len(full) > 2
