"""What the stages believe about a submission is read from its code and an isolated process, never from
the learner's kernel: which code counts as importing xgboost, IPython syntax, the evidence process."""

from __future__ import annotations

import sys

import pytest

from pytest_sagemaker_lab.grading import evidence


@pytest.mark.parametrize(("source", "imports"), [
    ("import xgboost as xgb\nprint(xgb.__version__)", True),
    ("from xgboost import XGBClassifier", True),
    ("try:\n    import xgboost\nexcept ImportError:\n    print('install it')", True),
    ("with open('log.txt', 'w') as log:\n    import xgboost.core", True),
    ("xgb = __import__('xgboost')", True),
    ("import importlib\nxgb = importlib.import_module('xgboost')", True),
    # Code that may never run: a dead branch, a function nobody calls, a loop never entered.
    ("if False:\n    import xgboost", False),
    ("def later():\n    import xgboost", False),
    ("for _ in []:\n    import xgboost", False),
    ("# import xgboost\nprint('import xgboost')", False),
    ("import xgboostx, numpy", False),
    ("from .xgboost import thing", False),
    ("import xgboost as", False),  # not Python: nothing is believed
])
def test_what_counts_as_importing_xgboost(source, imports):
    assert evidence.imports_module(source, "xgboost") is imports


def test_ipython_syntax_is_read_as_the_python_it_becomes():
    cells = ["%pip install -q xgboost\nimport xgboost", "!aws s3 ls\nx = 1", "%%time\nimport sagemaker"]
    source = evidence.python_source(cells)
    assert "get_ipython().run_line_magic('pip', 'install -q xgboost')" in source
    assert evidence.imports_module(source, "xgboost")
    assert "get_ipython().system('aws s3 ls')" in source


def test_the_evidence_process_answers_for_the_cells_that_ran_and_the_code_as_a_whole():
    process = evidence.EvidenceProcess(evidence.command(sys.executable), env={"PATH": "/usr/bin:/bin", "HOME": "/"})
    try:
        found = process.evidence(ran=["x = 1"],
                                 code=["x = 1", "import xgboost", "from sagemaker.estimator import Estimator"])
        again = process.evidence(ran=["import xgboost"], code=["import xgboost"])
    finally:
        process.close()
    assert found["imported_by_lab"] is False  # the import cell never ran
    assert "sagemaker.estimator.Estimator" in found["sdk"]["uses"]  # the code is read as a whole
    assert found["probe"]["xgboost"] and found["probe"]["trees"] == 8  # the interpreter's, taken once
    assert again["imported_by_lab"] is True and again["probe"] == found["probe"]


def test_the_redactor_hides_the_graders_secrets_and_nothing_else():
    from pytest_sagemaker_lab.grading.redact import Redactor, secret_values

    environ = {"GITHUB_TOKEN": "ghp_grader_token_1234", "AWS_SECRET_ACCESS_KEY": "grader-secret-5678",
               "DB_PWD": "hunter2hunter2", "PWD": "/work/main", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
               "AWS_ACCESS_KEY_ID": "testing", "API_KEY": "short", "HOME": "/home/grader-secret-5678"}
    redact = Redactor(secret_values(environ))
    assert redact({"out": ["token ghp_grader_token_1234, key grader-secret-5678, db hunter2hunter2"],
                   "path": "/work/main/.venv 2>/dev/null", "home": "/home/grader-secret-5678"}) == {
        "out": ["token [redacted], key [redacted], db [redacted]"],
        "path": "/work/main/.venv 2>/dev/null",  # the working directory and /dev/null are no secrets
        "home": "/home/[redacted]"}  # a secret's value is hidden wherever it stands
