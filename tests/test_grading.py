"""Grading a class offline: a corpus of notebooks, each a typical learner mistake from the seed, with the
exact per-stage verdicts the real service would give; a hanging one, a crashing one, one that prints its
environment; the self-test; and a run with -n 2."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from pytest_sagemaker_lab.drivers import percent_to_notebook

from .conftest import LAB41, SDK_MAJOR, grade_class, needs_sdk2, needs_sdk3

P, F, S = "passed", "failed", "skipped"
STAGES = ("libomp_present", "xgboost_importable", "sagemaker_sdk_compatible", "s3_objects_reachable",
          "estimator_config_valid", "fit_completes", "model_artifact_present")
FIT_CELL = 'xgb_model.fit(inputs=data_channels, logs=False, job_name=training_job_name)'

# name: (edits on solution_sdk2.py, expected outcomes, {stage: message fragment}, error fragment or None)
CORPUS = {
    "reference": ([], (P, P, P, P, P, P, P), {}, None),
    "old_container": ([('retrieve("xgboost", region, "1.2-2")', 'retrieve("xgboost", region, "1.0-1")')],
                      (P, P, P, P, F, P, P),
                      {"estimator_config_valid": "the image is XGBoost 1.0-1, the lab uses 1.2-2"}, None),
    "silent": ([('"seed": "42",', '"seed": "42",\n    "silent": 1,')], (P, P, P, P, F, F, S),
               {"estimator_config_valid": "Extraneous hyperparameter found: silent",
                "fit_completes": "Failed: UserError: Extraneous hyperparameter found: silent"},
               # The FailureReason is cut at 1,024 characters; the error keeps the container's last line.
               "Failed. Reason: AlgorithmError: framework error: UserError: Extraneous hyperparameter found: silent "
               "(the container's last error line, from the job's log)"),
    "channel_validate": ([('"validation": TrainingInput', '"validate": TrainingInput')], (P, P, P, P, F, F, S),
                         {"estimator_config_valid": "unexpected channel 'validate'",
                          "fit_completes": "Extraneous channel found: validate"}, "UnexpectedStatusException"),
    "no_content_type": ([('validate_key}", content_type="text/csv")', 'validate_key}")'),
                         ('train_key}", content_type="text/csv")', 'train_key}")')],
                        (P, P, P, P, F, F, S),
                        {"estimator_config_valid": "channel 'train' has ContentType None",
                         "fit_completes": "is not 'LIBSVM' format"}, "UnexpectedStatusException"),
    "key_typo": ([('train_key = f"{prefix}/train-pass1.csv"', 'train_key = f"{prefix}/train-pass-1.csv"')],
                 (P, P, P, P, F, F, S),
                 {"estimator_config_valid":
                      "channel 'train' reads s3://sagemaker-lab-data/lab41_local/train-pass-1.csv",
                  "fit_completes": 'No S3 objects found under S3 URL "s3://sagemaker-lab-data/lab41_local/train-pass-1.csv"'},
                 "UnexpectedStatusException"),
    "other_job_name": ([('"xgb-pass1-" + datetime.now()', '"xgb-job-" + datetime.now()')], (P, P, P, P, P, F, S),
                       {"fit_completes": "which does not match"}, None),
    # fit never ran: the config stage judges the estimator the notebook built (issue 13).
    "no_fit": ([(FIT_CELL, f"# {FIT_CELL}")], (P, P, P, P, P, F, S),
               {"estimator_config_valid": "fit never ran: the estimator xgb_model the notebook built: XGBoost 1.2-2, "
                                          "ml.m5.2xlarge, hyperparameters and channels as the lab sets them",
                "fit_completes": "no training job whose name starts with xgb-pass1-: the notebook builds the "
                                 "estimator xgb_model but its fit never ran"}, None),
    "no_fit_small": ([(FIT_CELL, f"# {FIT_CELL}"), ('instance_type="ml.m5.2xlarge"', 'instance_type="ml.m5.xlarge"')],
                     (P, P, P, P, F, F, S),
                     {"estimator_config_valid": "fit never ran: the estimator xgb_model the notebook built differs "
                                                "from the lab: instance ml.m5.xlarge x1"}, None),
    "wrong_prefix": ([('train_key = f"{prefix}/train-pass1.csv"',
                       'prefix = "lab41"\ntrain_key = f"{prefix}/train-pass1.csv"')],
                     (P, P, P, F, S, S, S),
                     {"s3_objects_reachable": "s3://sagemaker-lab-data/lab41/train-pass1.csv: 404 Not Found"},
                     "UnexpectedStatusException"),
    "small_instance": ([('instance_type="ml.m5.2xlarge"', 'instance_type="ml.m5.xlarge"')], (P, P, P, P, F, P, P),
                       {"estimator_config_valid": "instance ml.m5.xlarge x1"}, None),
    "num_round_10": ([('"num_round": "42"', '"num_round": "10"')], (P, P, P, P, F, P, F),
                     {"model_artifact_present": "the model has 10 rounds, num_round is 42"}, None),
    # The seed allows error as well as logloss (lab.toml lists both): full marks.
    "eval_metric_error": ([('"eval_metric": "logloss"', '"eval_metric": "error"')], (P, P, P, P, P, P, P), {}, None),
    "eval_metric_auc": ([('"eval_metric": "logloss"', '"eval_metric": "auc"')], (P, P, P, P, F, P, P),
                        {"estimator_config_valid":
                             "hyperparameter eval_metric is 'auc', the lab expects 'logloss' or 'error'"},
                        None),
    "no_xgboost_import": ([("import xgboost as xgb\n\nprint(xgb.__version__)", "pass")], (F, S, P, P, P, P, P),
                          {"libomp_present": "never imports xgboost"}, None),
    "crash": ([('container = retrieve("xgboost", region, "1.2-2")', 'container = 1 / 0')], (P, P, P, P, F, F, S),
              {"fit_completes": "no training job whose name starts with xgb-pass1-: cell 4 raised ZeroDivisionError: "
                                "division by zero, and no cell after it ran"},
              "cell 4 raised ZeroDivisionError: division by zero"),
}


def _notebook(folder: Path, name: str, edits: list[tuple[str, str]]) -> Path:
    text = (LAB41 / "solution_sdk2.py").read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, (name, old)
        text = text.replace(old, new)
    source = folder / f"{name}.py"
    source.write_text(text, encoding="utf-8")
    target = folder / f"{name}.ipynb"
    nbformat.write(percent_to_notebook(source), target)
    source.unlink()
    return target


@needs_sdk2
def test_a_class_of_typical_mistakes_gets_the_services_verdicts(pytester, monkeypatch):
    folder = pytester.mkdir("class")
    for name, (edits, *_rest) in CORPUS.items():
        _notebook(folder, name, edits)
    # A secret in the grader's environment must reach no submission and nothing the grader writes.
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "grader-secret-do-not-leak")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_grader_token_do_not_leak")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os\nprint(dict(os.environ))\nimport boto3\n"
                                          "print(boto3.Session().get_credentials().secret_key)")]
    nbformat.write(nb, folder / "prints_env.ipynb")
    result, report = grade_class(pytester, folder)
    graded = {submission["name"]: submission for submission in report["submissions"]}
    assert set(graded) == {*CORPUS, "prints_env"}
    for name, (_edits, outcomes, messages, error) in CORPUS.items():
        stages = {stage["id"]: stage for stage in graded[name]["stages"]}
        assert tuple(stages[stage]["outcome"] for stage in STAGES) == outcomes, (name, stages)
        for stage, fragment in messages.items():
            assert fragment in stages[stage]["message"], (name, stage, stages[stage]["message"])
        for stage in stages.values():
            if stage["outcome"] == "failed":
                assert set(stage["hint"]) == {"en", "zh-TW"} and stage["hint"]["zh-TW"], (name, stage)
        if error is None:
            assert graded[name]["error"] is None, (name, graded[name]["error"])
        else:
            assert error in graded[name]["error"], (name, graded[name]["error"])
        assert graded[name]["score"] == sum(1 for outcome in outcomes if outcome == P)
    # The instructor's copies: the executed notebooks, beside the report.
    executed = pytester.path / "out" / "executed"
    assert sorted(p.stem for p in executed.glob("*.ipynb")) == sorted({*CORPUS, "prints_env"})
    printed = nbformat.read(executed / "prints_env.ipynb", as_version=4).cells[-1].outputs[0]["text"]
    assert "AWS_ENDPOINT_URL" in printed and "testing" in printed
    # The gradebook, the class summary, and no secret anywhere.
    with open(pytester.path / "out" / "grades.csv", encoding="utf-8") as handle:
        rows = {row["name"]: row for row in csv.DictReader(handle)}
    assert rows["silent"]["score"] == "4" and rows["silent"]["fit_completes"] == "0"
    assert rows["reference"]["model_artifact_present"] == "1"
    result.stdout.fnmatch_lines(["*sagemaker-lab class summary*", "lab4.1: 17 submissions, mean score*",
                                 "  fit_completes * passed (*%)"])
    written = [p.read_text(encoding="utf-8", errors="replace") for p in (pytester.path / "out").rglob("*")
               if p.is_file()] + [result.stdout.str(), result.stderr.str()]
    for text in written:
        assert "grader-secret-do-not-leak" not in text and "ghp_grader_token_do_not_leak" not in text


@needs_sdk3
def test_an_sdk3_notebook_that_never_trains_is_judged_on_the_trainer_it_built(pytester):
    """Lab 4.1 for SDK 3 with its training cell left out: the config stage judges the ModelTrainer and the
    InputData the notebook built, as train would have sent them; the fit stage says train never ran."""
    text = (LAB41 / "solution_sdk3.py").read_text(encoding="utf-8")
    folder = pytester.mkdir("class")
    cases = {"no_train": [], "no_train_small": [('instance_type="ml.m5.2xlarge"', 'instance_type="ml.m5.xlarge"')]}
    for name, edits in cases.items():
        edited = text
        for old, new in [("training_job = TrainingJob.create(", "# training_job = TrainingJob.create("),
                         ("training_job.wait(logs=False)", "# training_job.wait(logs=False)"),
                         ("print(training_job_name, training_job.training_job_status)", "print(training_job_name)"),
                         *edits]:
            assert old in edited, old
            edited = edited.replace(old, new)
        (folder / f"{name}.py").write_text(edited, encoding="utf-8")
    _result, report = grade_class(pytester, folder, "--lab-sdk=3")
    graded = {submission["name"]: {stage["id"]: stage for stage in submission["stages"]}
              for submission in report["submissions"]}
    right, small = graded["no_train"], graded["no_train_small"]
    assert right["estimator_config_valid"]["outcome"] == "passed", right["estimator_config_valid"]
    assert right["estimator_config_valid"]["message"].startswith(
        "train never ran: the estimator xgb_trainer the notebook built: XGBoost 1.2-2, ml.m5.2xlarge, "
        "hyperparameters and channels as the lab sets them")
    assert right["fit_completes"]["message"] == ("no training job whose name starts with xgb-pass1-: the notebook "
                                                 "builds the estimator xgb_trainer but its train never ran")
    assert "xgb_trainer.train(...)" in right["fit_completes"]["hint"]["en"]
    assert small["estimator_config_valid"]["outcome"] == "failed"
    assert small["estimator_config_valid"]["message"] == ("train never ran: the estimator xgb_trainer the notebook "
                                                          "built differs from the lab: instance ml.m5.xlarge x1")


def test_hanging_and_crashing_submissions_do_not_stop_the_others(pytester):
    folder = pytester.mkdir("class")
    hang = nbformat.v4.new_notebook()
    hang.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("import time\ntime.sleep(3600)")]
    nbformat.write(hang, folder / "a_hangs.ipynb")
    crash = nbformat.v4.new_notebook()
    crash.cells = [nbformat.v4.new_code_cell("y = 2"), nbformat.v4.new_code_cell("raise RuntimeError('boom')")]
    nbformat.write(crash, folder / "b_crashes.ipynb")
    (folder / "c_script.py").write_text("raise SystemExit('bye')\n")
    (folder / "d_not_json.ipynb").write_text("{ not json")
    reference = LAB41 / f"solution_sdk{SDK_MAJOR}.ipynb"
    (folder / "e_reference.ipynb").write_bytes(reference.read_bytes())
    # The bound must leave room for the reference under load (SDK 3's import alone takes seconds, and
    # CI runs this beside another worker); 8 s was once too little on a fresh machine.
    _, report = grade_class(pytester, folder, "--lab-timeout=30")
    graded = {submission["name"]: submission for submission in report["submissions"]}
    assert graded["a_hangs"]["error"] == "timed out after 30 s"
    assert graded["b_crashes"]["error"] == "cell 2 raised RuntimeError: boom"
    assert graded["c_script"]["error"] == "cell 1 raised SystemExit: bye"
    assert graded["d_not_json"]["error"].startswith("d_not_json.ipynb is not a readable notebook")
    assert (graded["e_reference"]["score"], graded["e_reference"]["error"]) == (7, None)
    for name in ("a_hangs", "b_crashes", "c_script", "d_not_json"):
        stages = {stage["id"]: stage["outcome"] for stage in graded[name]["stages"]}
        # Only the lab's data, which the earlier labs left in the bucket, can be found for them.
        assert [stage for stage, outcome in stages.items() if outcome == "passed"] in ([], ["s3_objects_reachable"])


def test_a_notebook_that_swallows_the_interrupt_is_still_timed_out(pytester):
    """nbclient interrupts the cell at the deadline; code that catches KeyboardInterrupt (as SDK 2's
    telemetry wrapper around ``fit`` does) must not turn a time-out into a finished run."""
    folder = pytester.mkdir("class")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("import time\ntry:\n    time.sleep(3600)\nexcept KeyboardInterrupt:\n"
                                          "    print('carrying on')"),
                nbformat.v4.new_code_cell("print('after')")]
    nbformat.write(nb, folder / "swallows.ipynb")
    _, report = grade_class(pytester, folder, "--lab-timeout=5")
    (graded,) = report["submissions"]
    assert graded["error"] == "timed out after 5 s"
    executed = nbformat.read(pytester.path / "out" / "executed" / "swallows.ipynb", as_version=4)
    assert "after" not in "".join(o.get("text", "") for o in executed.cells[-1].outputs)


def test_self_test_reference_full_marks_starter_zero():
    done = subprocess.run([sys.executable, "-m", "pytest_sagemaker_lab.selftest", str(LAB41)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"lab4\.1 reference: 7/7 \(as expected\)", done.stdout)
    assert "lab4.1 starter: 0/7 (as expected)" in done.stdout


@pytest.mark.parametrize(("lab", "lab_id"), [("lab4_1_evaluate", "lab4.1-evaluate"),
                                             ("lab4_1_tuning", "lab4.1-tuning")])
def test_self_test_of_the_later_labs(lab, lab_id):
    done = subprocess.run([sys.executable, "-m", "pytest_sagemaker_lab.selftest", str(LAB41.parent / lab)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{lab_id} reference: 4/4 (as expected)" in done.stdout
    assert f"{lab_id} starter: 0/4 (as expected)" in done.stdout


def test_grading_with_two_workers_keeps_each_submission_together(pytester):
    folder = pytester.mkdir("class")
    reference = LAB41 / f"solution_sdk{SDK_MAJOR}.ipynb"
    for name in ("ann", "ben", "cid"):
        (folder / f"{name}.ipynb").write_bytes(reference.read_bytes())
    (folder / "dee.ipynb").write_bytes((LAB41 / "starter.ipynb").read_bytes())
    result, report = grade_class(pytester, folder, "-n", "2", "-v")
    scores = {submission["name"]: submission["score"] for submission in report["submissions"]}
    assert scores == {"ann": 7, "ben": 7, "cid": 7, "dee": 0}
    workers: dict[str, set[str]] = {}
    for line in result.outlines:
        match = re.match(r"\[(gw\d)\] .*::test_\w+\[(\w+)[\]-]", line)
        if match:
            workers.setdefault(match.group(2), set()).add(match.group(1))
    assert set(workers) == {"ann", "ben", "cid", "dee"}
    assert all(len(used) == 1 for used in workers.values()), workers
    assert len(set().union(*workers.values())) == 2  # both workers graded


@pytest.mark.parametrize("name", ["solution_sdk2", "solution_sdk3", "starter"])
def test_shipped_notebooks_match_their_percent_sources(name):
    """The .ipynb files in lab_steps are made from the .py files; edit the .py, then regenerate with
    ``percent_to_notebook`` (this test fails until both agree)."""
    made = percent_to_notebook(LAB41 / f"{name}.py")
    assert made == nbformat.read(LAB41 / f"{name}.ipynb", as_version=4)


def test_the_guard_is_in_force_inside_the_learners_kernel(pytester):
    """No connection leaves 127.0.0.1 from the kernel itself: the guard is installed there at start-up
    (a name lookup is refused before any packet is sent), and the SDK's telemetry is switched off. The
    kernel's sessions share one botocore loader, and its OpenMP and OpenBLAS threads sleep rather than
    spin when they wait (kernels graded side by side share the cores)."""
    folder = pytester.mkdir("class")
    nb = nbformat.v4.new_notebook()
    telemetry = "sagemaker.telemetry" if SDK_MAJOR == 2 else "sagemaker.core.telemetry"
    nb.cells = [nbformat.v4.new_code_cell(
        # CPU of every thread but this one, over numpy's import and a pause (its BLAS pool spins after it).
        "import sys, threading, time\n"
        "from pytest_sagemaker_lab.grading.probes import _thread_cpu\n"
        "def others():\n"
        "    me = str(threading.get_native_id())\n"
        "    return sum(used for task, used in _thread_cpu(precise=True).items() if task != me) / 1e9\n"
        "print('numpy before:', 'numpy' in sys.modules)\n"
        "before = others()\n"
        "import numpy\n"
        "time.sleep(0.3)\n"
        "print('blas spin:', round(others() - before, 3))\n"), nbformat.v4.new_code_cell(
        "import socket\n"
        "print('connect:', socket.socket.connect.__name__)\n"
        "try:\n"
        "    socket.getaddrinfo('sm-pysdk-t-us-east-1.s3.us-east-1.amazonaws.com', 443)\n"
        "    print('lookup: allowed')\n"
        "except ConnectionRefusedError as exc:\n"
        "    print('lookup: refused:', exc)\n"
        f"from {telemetry} import telemetry_logging\n"
        "print('telemetry:', telemetry_logging._send_telemetry_request.__name__)\n"
        "import os, botocore.session\n"
        "print('loader:', botocore.session.create_loader.__name__)\n"
        "print('omp:', os.environ.get('OMP_WAIT_POLICY'), os.environ.get('OPENBLAS_THREAD_TIMEOUT'))\n")]
    nbformat.write(nb, folder / "probe.ipynb")
    grade_class(pytester, folder)
    executed = nbformat.read(pytester.path / "out" / "executed" / "probe.ipynb", as_version=4)
    printed = "".join(o.get("text", "") + "".join(o.get("traceback", [])) for o in executed.cells[-1].outputs)
    assert "connect: _guarded_connect" in printed
    assert "lookup: refused: pytest-sagemaker-lab offline mode blocked a connection" in printed
    assert "telemetry: _no_telemetry" in printed
    assert "loader: _shared_create_loader" in printed
    assert "omp: PASSIVE 4" in printed
    first = "".join(o.get("text", "") + "".join(o.get("traceback", [])) for o in executed.cells[-2].outputs)
    assert "numpy before: False" in first  # else its pool had spun already, before it was measured
    spun = float(re.search(r"blas spin: (\S+)", first).group(1))
    assert spun < 0.05  # each of numpy's BLAS threads spun ~0.1 s of CPU when its wait was not cut short


@needs_sdk2
def test_the_notebook_knows_its_role_bucket_and_account_as_on_a_notebook_instance(pytester):
    """Offline, as on a SageMaker notebook instance: get_execution_role() is the lab's role (the SDK reads
    the instance's metadata file, then DescribeNotebookInstance), default_bucket() and account_id() answer
    from the world's STS (the SDK's STS clients name a regional endpoint, here the sandbox's own)."""
    folder = pytester.mkdir("class")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import sagemaker\nsession = sagemaker.Session()\nprint('role:', sagemaker.get_execution_role())\n"
        "print('bucket:', session.default_bucket())\nprint('account:', session.account_id())\n")]
    nbformat.write(nb, folder / "identity.ipynb")
    _, report = grade_class(pytester, folder)
    assert report["submissions"][0]["error"] is None
    executed = nbformat.read(pytester.path / "out" / "executed" / "identity.ipynb", as_version=4)
    printed = "".join(output.get("text", "") for output in executed.cells[-1].outputs)
    assert "role: arn:aws:iam::123456789012:role/SageMakerLabRole\n" in printed
    assert "bucket: sagemaker-us-east-1-123456789012\n" in printed
    assert "account: 123456789012\n" in printed
