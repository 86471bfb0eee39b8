"""A class across CI runners (issue 13, items 5 and 8): --lab-shard K/N grades a part of the class,
whole submissions only, and ``python -m pytest_sagemaker_lab merge`` makes one gradebook of the
parts, the one a single run writes, or refuses and says which learner is missing or graded twice.
The example GitHub Actions workflow's own steps are run here with 3 parts."""

from __future__ import annotations

import csv
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_sagemaker_lab.__main__ import main
from pytest_sagemaker_lab.grading.shards import Shard, parse, record, select
from pytest_sagemaker_lab.grading.submissions import Submission, discover
from pytest_sagemaker_lab.report import Gradebook, StageResult, write_csv, write_json

from .conftest import LAB41, LAB41_FILES, needs_sdk2, synthetic_lab_toml
from .test_gradebook import STAGES

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / "examples" / "github-actions" / "grade-class.yml"
CLASS3 = Path(__file__).resolve().parent / "data" / "class3" / "submissions"


def _class(size: int) -> list[Submission]:
    return [Submission(f"s{index:02d}", index, "submission", Path(f"s{index:02d}.ipynb")) for index in range(size)]


# select(): every submission in exactly one part, balanced, deterministic.

@pytest.mark.parametrize("size", [1, 2, 3, 7, 10, 31])
@pytest.mark.parametrize("parts", [1, 2, 3, 4, 8])
def test_the_parts_cover_the_class_once_in_class_order_and_differ_in_size_by_one_at_most(size, parts):
    everyone = _class(size)
    chosen = [select(everyone, f"{part}/{parts}") for part in range(1, parts + 1)]
    graded = [submission for part in chosen for submission in part]
    assert sorted(graded, key=lambda submission: submission.index) == everyone  # each once, none lost
    assert max(map(len, chosen)) - min(map(len, chosen)) <= 1
    for part in chosen:  # whole Submission objects, with their index in the whole class, in its order
        assert part == sorted(part, key=lambda submission: submission.index)
        assert all(submission is everyone[submission.index] for submission in part)
    if parts > size:  # more parts than learners: the parts past the class are empty, and that is fine
        assert [len(part) for part in chosen] == [1] * size + [0] * (parts - size)


def test_the_parts_come_from_the_file_names_alone(tmp_path):
    """Two runners that list the same folder (files written in another order, with other contents)
    choose the same parts."""
    names = ["zoe", "Ann", "bob", "carl", "dee", "eve", "al"]
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    for name in names:
        (first / f"{name}.py").write_text("print(1)\n")
    for name in reversed(names):
        (second / f"{name}.py").write_text("print('a longer file, as a notebook saved with its outputs')\n" * 40)
    for part in ("1/3", "2/3", "3/3"):
        assert [s.name for s in select(discover(first), part)] == [s.name for s in select(discover(second), part)]
    assert [s.name for s in select(discover(first), "1/3")] == ["Ann", "carl", "zoe"]  # sorted by name, every 3rd


@pytest.mark.parametrize(("spec", "said"), [
    ("0/3", "has no part 0 of 3"), ("4/3", "has no part 4 of 3"), ("1/0", "has no part 1 of 0"),
    ("3", "is not K/N"), ("a/b", "is not K/N"), ("-1/3", "is not K/N"), ("1.5/3", "is not K/N"), ("", "is not K/N"),
])
def test_a_shard_that_is_not_k_of_n_is_a_usage_error_that_says_what_to_give(spec, said):
    with pytest.raises(pytest.UsageError) as raised:
        select(_class(3), spec)
    assert said in str(raised.value) and "give K/N with whole numbers 1 <= K <= N" in str(raised.value)


def test_parse_and_record():
    assert parse(" 2 / 3 ") == Shard(2, 3) and str(Shard(2, 3)) == "2/3"
    assert record("2/3", _class(3)) == {"part": 2, "of": 3, "class": ["s00", "s01", "s02"]}
    assert record(None, _class(3)) is None


def test_a_shard_of_the_reference_run_is_a_usage_error():
    with pytest.raises(pytest.UsageError, match="give --lab-submission FOLDER too"):
        select([Submission("reference", 0, "reference")], "1/2")


# merge: gradebooks built as the plugin builds them, for one lab and for two.

STAGE_IDS = (("first", 10, 1), ("second", 20, 2), ("third", 30, 1))


def _results(name: str, index: int, lab: str) -> list[StageResult]:
    failing = index % 2  # every other learner fails "second"
    return [StageResult(lab=lab, submission=name, submission_index=index, stage=stage, rank=rank, max_points=points,
                        outcome="failed" if failing and stage == "second" else "passed",
                        message=f"{name} {stage}", detail=f"traceback of {name}" if failing else "",
                        completes_submission=stage == "third", title={"en": stage, "zh-TW": stage},
                        lab_title={"en": lab, "zh-TW": lab})
            for stage, rank, points in STAGE_IDS]


NAMES = ["ann", "ben", "cid", "dee", "eve"]


def _document(names: list[str], labs: tuple[str, ...], shard: str | None, drop: str | None = None) -> dict:
    """The report a run writes: the whole class, or the part ``shard`` of it (less ``drop``'s results)."""
    everyone = [Submission(name, index, "submission") for index, name in enumerate(names)]
    graded = select(everyone, shard) if shard else everyone
    gradebook = Gradebook(expected=[(s.index, s.name) for s in graded], isolation="bwrap",
                          shard=record(shard, everyone))
    for submission in graded:
        for lab in labs:
            for result in _results(submission.name, submission.index, lab):
                if submission.name != drop or result.stage == "first":
                    gradebook.add(result)
    return gradebook.document("offline")


def _write_parts(folder: Path, of: int, labs: tuple[str, ...] = ("labg",), names: list[str] = NAMES,
                 **kwargs: Any) -> list[Path]:
    paths = []
    for part in range(1, of + 1):
        path = folder / f"shard-{part}" / "report.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(_document(names, labs, f"{part}/{of}", **kwargs), indent=2), encoding="utf-8")
        paths.append(path)
    return paths


def _merge(capsys: pytest.CaptureFixture, *args: Any) -> tuple[int, str, str]:
    code = main(["merge", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("labs", [("labg",), ("laba", "labb")], ids=["one lab", "two labs"])
@pytest.mark.parametrize("of", [1, 2, 3, 7])
def test_the_merged_parts_are_the_report_and_csv_one_run_writes(tmp_path, capsys, labs, of):
    whole = _document(NAMES, labs, None)
    parts = _write_parts(tmp_path, of, labs)
    code, out, err = _merge(capsys, *reversed(parts), "-o", tmp_path / "merged" / "report.json")
    assert (code, err) == (0, "")
    expected = tmp_path / "whole.json"  # written as the plugin writes a run's report and CSV
    write_json(whole, expected)
    write_csv(whole, expected.with_suffix(".csv"), isolated_column=True)
    merged = tmp_path / "merged" / "report.json"
    assert merged.read_bytes() == expected.read_bytes()
    assert merged.with_suffix(".csv").read_bytes() == expected.with_suffix(".csv").read_bytes()
    assert "shard" not in json.loads(merged.read_text(encoding="utf-8"))
    assert f"merged {of} parts of {of}: " + ", ".join(f"5 submissions of {lab}" for lab in labs) in out


def test_a_missing_part_names_its_learners_and_the_files_read_and_nothing_is_written(tmp_path, capsys):
    one, _, three = _write_parts(tmp_path, 3)
    out_path = tmp_path / "merged" / "report.json"
    code, out, err = _merge(capsys, one, three, "-o", out_path)
    assert code == 1 and out == ""
    assert "merge: part 2/3 is missing: grade it with --lab-shard 2/3 and merge its report with the others" in err
    # Part 2 of 3 holds ben and eve (indexes 1 and 4).
    assert f"merge: ben is in the class but graded in none of the reports ({one}, {three})" in err
    assert f"merge: eve is in the class but graded in none of the reports ({one}, {three})" in err
    assert "3 problem(s): the reports are not one whole class; nothing was written" in err
    assert not out_path.parent.exists()


def test_a_part_given_twice_names_each_learner_graded_twice(tmp_path, capsys):
    one, two, three = _write_parts(tmp_path, 3)
    copy = tmp_path / "again" / "report.json"
    copy.parent.mkdir()
    shutil.copy(two, copy)
    code, _, err = _merge(capsys, one, two, three, copy, "-o", tmp_path / "merged.json")
    assert code == 1
    assert f"merge: part 2/3 is given twice: {two} and {copy}" in err
    assert f"merge: ben is graded twice: in {two} (part 2/3) and in {copy} (part 2/3)" in err
    assert not (tmp_path / "merged.json").exists()


def test_a_partial_part_names_its_pending_learners(tmp_path, capsys):
    """ben's worker died after his first stage: his part's report says it is partial."""
    parts = _write_parts(tmp_path, 2, drop="cid")  # cid (index 2) is in part 1 of 2
    document = json.loads(parts[0].read_text(encoding="utf-8"))
    assert (document["partial"], document["pending"]) == (True, ["cid"])
    code, _, err = _merge(capsys, *parts, "-o", tmp_path / "merged.json")
    assert code == 1
    assert f"merge: {parts[0]} (part 1/2) is partial (not graded to the end: cid): grade part 1/2 again" in err


def test_a_stopped_part_is_partial_too(tmp_path, capsys):
    parts = _write_parts(tmp_path, 2)
    document = json.loads(parts[1].read_text(encoding="utf-8"))
    parts[1].write_text(json.dumps({**document, "partial": True}), encoding="utf-8")  # -x, nothing pending
    code, _, err = _merge(capsys, *parts, "-o", tmp_path / "merged.json")
    assert code == 1 and "(part 2/2) is partial (its run was stopped before its end): grade part 2/2 again" in err


def test_parts_of_different_splits_classes_labs_or_modes_are_refused(tmp_path, capsys):
    of_two = _write_parts(tmp_path / "two", 2)
    of_three = _write_parts(tmp_path / "three", 3)
    code, _, err = _merge(capsys, of_two[0], of_three[1], "-o", tmp_path / "merged.json")
    assert code == 1
    assert (f"merge: {of_three[1]} is part 2 of 3, {of_two[0]} part 1 of 2: merge the parts of one split, every one "
            "graded with --lab-shard K/2") in err

    other_lab = _write_parts(tmp_path / "labh", 2, labs=("labh",))
    code, _, err = _merge(capsys, of_two[0], other_lab[1], "-o", tmp_path / "merged.json")
    assert code == 1
    assert f"merge: {other_lab[1]} grades labh, {of_two[0]} grades labg: grade every part with the same lab" in err

    other_class = _write_parts(tmp_path / "more", 2, names=[*NAMES, "fay"])
    code, _, err = _merge(capsys, of_two[0], other_class[1], "-o", tmp_path / "merged.json")
    assert code == 1
    assert (f"merge: {other_class[1]} and {of_two[0]} were graded from different classes (only in the second: fay): "
            "grade every part from the same --lab-submission folder") in err

    document = json.loads(of_two[1].read_text(encoding="utf-8"))
    live = tmp_path / "live.json"
    live.write_text(json.dumps({**document, "mode": "live"}), encoding="utf-8")
    code, _, err = _merge(capsys, of_two[0], live, "-o", tmp_path / "merged.json")
    assert code == 1 and f"merge: {live} was graded with mode 'live', {of_two[0]} with 'offline'" in err
    assert not (tmp_path / "merged.json").exists()


def test_parts_graded_with_other_stages_are_refused(tmp_path, capsys):
    parts = _write_parts(tmp_path, 2)
    document = json.loads(parts[1].read_text(encoding="utf-8"))
    for submission in document["submissions"]:
        submission["stages"] = submission["stages"][:2]
    parts[1].write_text(json.dumps(document), encoding="utf-8")
    code, _, err = _merge(capsys, *parts, "-o", tmp_path / "merged.json")
    assert code == 1
    assert (f"merge: labg: {parts[1]} grades the stages first, second, {parts[0]} grades first, second, third: "
            "grade every part with the same version of the lab") in err


def test_what_is_not_a_part_is_a_usage_error(tmp_path, capsys):
    parts = _write_parts(tmp_path, 2)
    whole = tmp_path / "whole.json"
    whole.write_text(json.dumps(_document(NAMES, ("labg",), None)), encoding="utf-8")
    code, _, err = _merge(capsys, parts[0], whole, "-o", tmp_path / "merged.json")
    assert code == 2 and f"merge: {whole}: the report of a run that was not sharded (it has no \"shard\" field)" in err
    code, _, err = _merge(capsys, parts[0], tmp_path / "nowhere.json", "-o", tmp_path / "merged.json")
    assert code == 2 and "nowhere.json: cannot be read (No such file or directory)" in err
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    code, _, err = _merge(capsys, parts[0], broken, "-o", tmp_path / "merged.json")
    assert code == 2 and f"merge: {broken}: not JSON" in err
    code, _, err = _merge(capsys, *parts, "-o", parts[0])
    assert code == 2 and "is one of the reports merged: write the gradebook elsewhere" in err
    code, _, err = _merge(capsys, *parts, "-o", tmp_path / "merged.json", "--export", "blackboard")
    assert code == 2 and "merge: --export: unknown export format(s) blackboard" in err
    code, _, err = _merge(capsys, *parts, "-o", tmp_path / "merged.json", "--similarity", "2")
    assert code == 2 and "--similarity must be a fraction from 0 to 1 or off, got '2'" in err
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("ann", "ben", "zed"):
        (folder / f"{name}.py").write_text("print(1)\n")
    code, _, err = _merge(capsys, *parts, "-o", tmp_path / "merged.json", "--submissions", folder)
    assert code == 2 and (f"--submissions {folder} is not the class the reports graded (missing: cid, dee, eve; not in "
                          "the class: zed)") in err
    assert not (tmp_path / "merged.json").exists()
    with pytest.raises(SystemExit) as exited:  # argparse's own usage errors exit 2 too
        main(["merge", str(parts[0])])
    assert exited.value.code == 2


# Real runs: the synthetic lab (fast, any SDK), then Lab 4.1's notebooks through the example workflow.

def _synthetic_class(pytester: pytest.Pytester, names: tuple[str, ...]) -> Path:
    lab = pytester.mkdir("labg")
    (lab / "lab.toml").write_text(synthetic_lab_toml("labg"))
    (lab / "data.py").write_text("def generate():\n    return {'train.csv': b'1,2\\n'}\n")
    (lab / "test_labg.py").write_text(STAGES)
    folder = pytester.mkdir("class")
    for name in names:
        (folder / f"{name}.py").write_text("print('hello')\n")
    return lab


def test_a_synthetic_class_graded_in_parts_merges_into_the_one_run_gradebook(pytester, monkeypatch):
    """Five parts for three learners: two parts are empty, run, and report so; the merge of all five
    is the report and CSV of one run. ben fails a stage, as a learner does."""
    lab = _synthetic_class(pytester, ("ann", "ben", "cid"))
    monkeypatch.setenv("FAIL_AT", "ben")
    common = (str(lab), "-p", "no:randomly", "-p", "no:cacheprovider", "--lab-sandbox=none",
              f"--lab-submission={pytester.path / 'class'}")
    whole = pytester.runpytest_subprocess(*common, "--lab-report=whole/report.json")
    whole.assert_outcomes(passed=8, failed=1)
    for part in range(1, 6):
        result = pytester.runpytest_subprocess(*common, f"--lab-shard={part}/5",
                                               f"--lab-report=shard-{part}/report.json")
        holds = {1: "1 of the class's 3 submissions: ann", 2: "1 of the class's 3 submissions: ben",
                 3: "1 of the class's 3 submissions: cid"}.get(part, "0 of the class's 3 submissions")
        result.stdout.fnmatch_lines([f"sagemaker-lab: shard {part}/5: {holds}"])
        assert result.ret == (pytest.ExitCode.TESTS_FAILED if part == 2 else pytest.ExitCode.OK)
    empty = json.loads((pytester.path / "shard-4" / "report.json").read_text(encoding="utf-8"))
    assert empty == {"mode": "offline", "isolation": "none", "partial": False, "pending": [], "reports": [],
                     "shard": {"part": 4, "of": 5, "class": ["ann", "ben", "cid"]}}
    merged = pytester.run(sys.executable, "-m", "pytest_sagemaker_lab", "merge",
                          *(f"shard-{part}/report.json" for part in range(1, 6)), "-o", "merged/report.json")
    assert merged.ret == 0, merged.stderr.str()
    merged.stdout.fnmatch_lines(["merged 5 parts of 5: 3 submissions of labg",
                                 "grade report: merged/report.json and merged/report.csv"])
    for name in ("report.json", "report.csv"):
        assert (pytester.path / "merged" / name).read_bytes() == (pytester.path / "whole" / name).read_bytes()


# The example workflow, run for real: Lab 4.1 and six notebooks, in three parts.

def test_the_readme_shows_the_example_workflow_as_it_is():
    assert WORKFLOW.read_text(encoding="utf-8") in (ROOT / "README.md").read_text(encoding="utf-8")


def _expand(text: str, context: dict[str, str]) -> str:
    """The workflow's ${{ ... }} expressions, as GitHub fills them in for this job; any other is a test
    that no longer knows what it runs."""
    def value(match: re.Match) -> str:
        expression = match.group(1).strip()
        assert expression in context, f"the test does not know the workflow's expression {expression!r}"
        return context[expression]

    return re.sub(r"\$\{\{(.*?)\}\}", value, str(text))


def _step(job: dict, *, id: str | None = None, uses: str | None = None) -> dict:
    """The job's first step with this id, or that uses this action (any version)."""
    for step in job["steps"]:
        if (id and step.get("id") == id) or (uses and str(step.get("uses", "")).split("@")[0] == uses):
            return step
    raise AssertionError(f"no step with id {id!r} or uses {uses!r} in the workflow")


def _start(step: dict, context: dict[str, str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen:
    """A run step as the runner runs it with ``shell: bash``: bash --noprofile --norc -eo pipefail."""
    step_env = {**env, **{key: _expand(value, context) for key, value in (step.get("env") or {}).items()}}
    with open(log, "w", encoding="utf-8") as handle:
        return subprocess.Popen(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                                 _expand(step["run"], context)], cwd=cwd, env=step_env, stdout=handle,
                                stderr=subprocess.STDOUT)


def _finish(process: subprocess.Popen, log: Path) -> None:
    assert process.wait(timeout=300) == 0, log.read_text(encoding="utf-8")[-4000:]


# What differs from one run to another and is normalised before comparing, nothing else:
RUN_SPECIFIC = [
    # The notebooks name their training job xgb-pass1-<MM-DD-YYYY-HH-MM-SS> from the clock (messages,
    # errors, details, the CSV's error column, the class summary).
    (re.compile(r"\d{2}-\d{2}-\d{4}-\d{2}-\d{2}-\d{2}"), "<job time>"),
    # xgboost_importable quotes the time its probe's training took, measured in each process.
    (re.compile(r"rounds in [0-9.]+ s"), "rounds in <seconds> s"),
    # In the authors' detail (pytest's repr of the stage's fixtures): object addresses and the port of
    # the process's moto server.
    (re.compile(r"0x[0-9a-f]+"), "0x<address>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<port>"),
    # ... and the folder each run writes its executed notebooks to (beside its report): shard-K/ or
    # whole-0/, named alike in length so that pytest cuts its long reprs at the same place.
    (re.compile(r"/(shard-\d|whole-0)/executed/"), "/<run>/executed/"),
]


def _normalised(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    for pattern, replacement in RUN_SPECIFIC:
        text = pattern.sub(replacement, text)
    return text


@needs_sdk2
def test_the_example_workflow_grades_a_class_in_three_parts_and_merges_the_one_run_gradebook(pytester):
    from pytest_sagemaker_lab.grading.sandbox import availability

    if availability() is not None:
        pytest.skip(f"no sandbox here: {availability()}")
    import yaml  # PyYAML comes with awscli, a dependency

    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    grade, merge = workflow["jobs"]["grade"], workflow["jobs"]["merge"]
    assert grade["strategy"]["fail-fast"] is False and merge["needs"] == "grade"
    assert workflow["defaults"]["run"]["shell"] == "bash"
    parts = [str(part) for part in grade["strategy"]["matrix"]["shard"]]
    assert parts == ["1", "2", "3"]
    # What the runner does besides: the steps this test leaves to GitHub (checkout, Python, install, sysctl).
    assert [step.get("run") for step in grade["steps"] if "run" in step and step.get("id") != "grade"] == [
        "pip install pytest-sagemaker-lab", "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"]

    # The course's repository: the lab and six notebooks (class3's three, and a copy of each by another name).
    env_vars = {key: str(value) for key, value in workflow["env"].items()}
    lab = pytester.path / env_vars["LAB"]
    lab.mkdir(parents=True)
    for name in LAB41_FILES:
        shutil.copy(LAB41 / name, lab / name)
    submissions = pytester.path / env_vars["SUBMISSIONS"]
    submissions.mkdir()
    for source, copy in (("alice", "ann"), ("bob", "ben"), ("carol", "cid")):
        shutil.copy(CLASS3 / f"{source}.ipynb", submissions / f"{source}.ipynb")
        shutil.copy(CLASS3 / f"{source}.ipynb", submissions / f"{copy}.ipynb")
    env = {**os.environ, **env_vars, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTEST_ADDOPTS": "-p no:randomly -p no:cacheprovider"}  # plugins of this test environment only
    logs = pytester.mkdir("logs")

    # One run of the whole class, as the grade step runs but for --lab-shard; and the three parts. Two
    # at a time: this machine has two cores.
    whole = subprocess.Popen([sys.executable, "-m", "pytest", env_vars["LAB"], "--lab-submission",
                              env_vars["SUBMISSIONS"], "--lab-report", "whole-0/report.json", "-n", "2"],
                             cwd=pytester.path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    step = _step(grade, id="grade")
    contexts = [{"matrix.shard": part, "strategy.job-total": str(len(parts))} for part in parts]
    first = _start(step, contexts[0], env, pytester.path, logs / "grade-1.log")
    assert whole.wait(timeout=300) == pytest.ExitCode.TESTS_FAILED  # bob's and carol's kinds fail stages
    _finish(first, logs / "grade-1.log")
    rest = [(_start(step, context, env, pytester.path, logs / f"grade-{context['matrix.shard']}.log"),
             logs / f"grade-{context['matrix.shard']}.log") for context in contexts[1:]]
    for process, log in rest:
        _finish(process, log)

    # Each part: whole submissions, every third by file name.
    for context, names in zip(contexts, (["alice", "bob"], ["ann", "carol"], ["ben", "cid"]), strict=True):
        document = json.loads((pytester.path / f"shard-{context['matrix.shard']}" / "report.json").read_text())
        assert [submission["name"] for submission in document["submissions"]] == names
        assert document["shard"] == {"part": int(context["matrix.shard"]), "of": 3,
                                     "class": ["alice", "ann", "ben", "bob", "carol", "cid"]}

    # The artifacts: each part's folder uploaded as shard-K, downloaded by pattern into one folder each.
    artifacts = pytester.mkdir("artifacts")
    upload = _step(grade, uses="actions/upload-artifact")
    for context in contexts:
        shutil.copytree(pytester.path / _expand(upload["with"]["path"], context),
                        artifacts / _expand(upload["with"]["name"], context))
    download = _step(merge, uses="actions/download-artifact")
    assert download["with"].get("merge-multiple") in (None, False)  # one folder per artifact
    for artifact in sorted(artifacts.iterdir()):
        if fnmatch.fnmatch(artifact.name, download["with"]["pattern"]):
            shutil.copytree(artifact, pytester.path / download["with"]["path"] / artifact.name)
    _finish(_start(_step(merge, id="merge"), {}, env, pytester.path, logs / "merge.log"), logs / "merge.log")
    assert (logs / "merge.log").read_text(encoding="utf-8").startswith("merged 3 parts of 3: 6 submissions of lab4.1")

    # The gradebook: every file the one run wrote beside its report (the report, its CSV, the class
    # summary), equal but for what is run-specific (RUN_SPECIFIC).
    one_run = sorted(path.name for path in (pytester.path / "whole-0").iterdir() if path.is_file())
    gradebook = pytester.path / "gradebook"
    assert sorted(path.name for path in gradebook.iterdir() if path.is_file()) == one_run
    assert {"report.json", "report.csv"} <= set(one_run)
    for name in one_run:
        assert _normalised(gradebook / name) == _normalised(pytester.path / "whole-0" / name), name
    with open(gradebook / "report.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [(row[0], row[1]) for row in rows[1:]] == [("alice", "7"), ("ann", "7"), ("ben", "4"), ("bob", "4"),
                                                      ("carol", "4"), ("cid", "4")]
