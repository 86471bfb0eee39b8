"""Lab 4.1 run end to end offline: the reference passes, and mutated labs get their exact verdicts."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
import xgboost

from pytest_sagemaker_lab.backends import offline_world
from pytest_sagemaker_lab.drivers import run_percent_file
from pytest_sagemaker_lab.fixtures import solution_variant
from pytest_sagemaker_lab.spec import load_spec

from .conftest import LAB41, needs_sdk2, stages_of

STAGE_IDS = ["libomp_present", "xgboost_importable", "sagemaker_sdk_compatible", "s3_objects_reachable",
             "estimator_config_valid", "fit_completes", "model_artifact_present"]


def test_reference_passes_every_stage(lab_copy):
    result, report = lab_copy.run()
    result.assert_outcomes(passed=8)
    assert report["lab"] == "lab4.1"
    assert report["mode"] == "offline"
    (submission,) = report["submissions"]
    assert submission["name"] == "reference"
    assert submission["error"] is None
    assert (submission["score"], submission["max_score"]) == (7, 7)
    assert [stage["id"] for stage in submission["stages"]] == STAGE_IDS
    for stage in submission["stages"]:
        assert stage["outcome"] == "passed"
        assert (stage["points"], stage["max_points"]) == (1, 1)
        assert stage["message"]
    fit = stages_of(report)["fit_completes"]["message"]
    assert "Completed (train:logloss=" in fit and "validation:logloss=" in fit
    assert "42 rounds" in stages_of(report)["model_artifact_present"]["message"]


def test_silent_fails_config_and_fit_with_the_container_message(lab_copy, outcomes):
    lab_copy.edit(lab_copy.solution, '"seed": "42",', '"seed": "42",\n    "silent": "1",')
    result, report = lab_copy.run()
    result.assert_outcomes(passed=5, failed=2, skipped=1)
    assert outcomes(report) == {
        "libomp_present": "passed", "xgboost_importable": "passed", "sagemaker_sdk_compatible": "passed",
        "s3_objects_reachable": "passed",
        "estimator_config_valid": "failed", "fit_completes": "failed", "model_artifact_present": "skipped",
    }
    stages = stages_of(report)
    assert stages["estimator_config_valid"]["message"] == (
        "the XGBoost 1.2-2 container rejects the hyperparameters: Extraneous hyperparameter found: silent")
    assert "verbosity" in stages["estimator_config_valid"]["hint"]["en"]
    assert "verbosity" in stages["estimator_config_valid"]["hint"]["zh-TW"]
    assert stages["fit_completes"]["message"].endswith(
        "Failed: UserError: Extraneous hyperparameter found: silent (its channels received train: train-pass1.csv; "
        "validation: validate-pass1.csv)")
    assert stages["model_artifact_present"]["message"] == (
        "prerequisite fit_completes failed: model_artifact_present is not checked")
    assert report["submissions"][0]["score"] == 4


def test_missing_object_fails_s3_with_404_and_skips_later_stages(lab_copy, outcomes):
    lab_copy.edit("data.py", '"validate-pass1.csv": _rows', '"validate-pass1-old.csv": _rows')
    result, report = lab_copy.run()
    assert outcomes(report) == {
        "libomp_present": "passed", "xgboost_importable": "passed", "sagemaker_sdk_compatible": "passed",
        "s3_objects_reachable": "failed",
        "estimator_config_valid": "skipped", "fit_completes": "skipped", "model_artifact_present": "skipped",
    }
    s3 = stages_of(report)["s3_objects_reachable"]
    assert s3["message"] == "s3://sagemaker-lab-data/lab41_local/validate-pass1.csv: 404 Not Found"
    assert "validate-pass1.csv" in s3["hint"]["en"] and "404" in s3["hint"]["zh-TW"]
    for later in ("estimator_config_valid", "fit_completes"):
        assert stages_of(report)[later]["message"] == (
            f"prerequisite s3_objects_reachable failed: {later} is not checked")
    result.assert_outcomes(passed=4, failed=1, skipped=3)


def test_wrong_num_round_fails_config_and_the_tree_count(lab_copy, outcomes):
    lab_copy.edit(lab_copy.solution, '"num_round": "42"', '"num_round": "10"')
    _, report = lab_copy.run()
    stages = stages_of(report)
    assert outcomes(report)["fit_completes"] == "passed"
    assert stages["estimator_config_valid"]["message"] == (
        "hyperparameter num_round is '10', the lab expects '42'")
    assert stages["model_artifact_present"]["outcome"] == "failed"
    assert stages["model_artifact_present"]["message"] == "the model has 10 rounds, num_round is 42"


def test_old_container_version_is_named(lab_copy):
    lab_copy.edit_solution({2: ('retrieve("xgboost", region, "1.2-2")', 'retrieve("xgboost", region, "1.0-1")'),
                            3: ('version="1.2-2"', 'version="1.0-1"')})
    _, report = lab_copy.run()
    config = stages_of(report)["estimator_config_valid"]
    assert config["outcome"] == "failed"
    assert config["message"] == "the image is XGBoost 1.0-1, the lab uses 1.2-2"


def test_wrong_channel_name_is_rejected_by_the_container(lab_copy, outcomes):
    lab_copy.edit_solution({2: ('"validation": TrainingInput', '"validate": TrainingInput'),
                            3: ('channel_name="validation"', 'channel_name="validate"')})
    _, report = lab_copy.run()
    stages = stages_of(report)
    assert stages["estimator_config_valid"]["message"] == "the job has an unexpected channel 'validate'"
    assert stages["fit_completes"]["message"].endswith(
        "Failed: UserError: Extraneous channel found: validate (its channels received train: train-pass1.csv; "
        "validate: validate-pass1.csv)")


def test_a_crashing_cell_is_reported_as_the_submission_error(lab_copy):
    lab_copy.edit_solution({2: ("container = retrieve(", "container = retreive("),
                            3: ("container = image_uris.retrieve(", "container = retreive(")})
    _, report = lab_copy.run()
    submission = report["submissions"][0]
    assert submission["error"] == f"{lab_copy.solution}, cell 4 raised NameError: name 'retreive' is not defined"
    # The fit cell is there but never ran: the verdict names the cell that stopped the notebook.
    config = stages_of(report)["estimator_config_valid"]
    assert config["message"] == (f"no training job whose name starts with xgb-pass1-: {submission['error']}, and no "
                                 "cell after it ran")
    assert config["hint"]["en"].startswith("Cell 4 stopped the notebook (")
    assert "Fix cell 4 first" in config["hint"]["en"] and "請先修正第 4 個儲存格" in config["hint"]["zh-TW"]


def test_artifact_loads_and_counts_the_trees():
    """The artifact is a real model: it loads with xgboost and has num_round trees."""
    spec = load_spec(LAB41)
    with offline_world(spec) as world:
        run = run_percent_file("reference", spec.solution_path(solution_variant(spec, "auto")), world)
        assert run.error is None, run.output
        s3 = world.client("s3")
        name = run.namespace["training_job_name"]
        body = s3.get_object(Bucket=world.bucket, Key=f"lab41_local/output/{name}/output/model.tar.gz")["Body"]
        with tarfile.open(fileobj=io.BytesIO(body.read()), mode="r:gz") as archive:
            assert archive.getnames() == ["xgboost-model"]
            raw = archive.extractfile("xgboost-model").read()
    import pickle

    booster = pickle.loads(raw)  # 1.2-2 pickles the Booster (protocol 4)
    assert raw[:2] == b"\x80\x04"
    assert isinstance(booster, xgboost.Booster)
    assert booster.num_boosted_rounds() == 42
    assert len(booster.get_dump()) == 42  # binary:logistic grows one tree per round
    predictions = booster.predict(xgboost.DMatrix([[0.0] * 8, [1.0] * 8]))
    assert predictions.shape == (2,) and ((predictions > 0) & (predictions < 1)).all()


@pytest.mark.parametrize("flag", ["-n", "-p"])
def test_order_holds_under_xdist_and_randomly(lab_copy, flag):
    args = ("-n", "2") if flag == "-n" else ("-p", "randomly", "-p", "no:xdist")
    lab_copy.edit(lab_copy.solution, '"seed": "42",', '"seed": "42",\n    "silent": "1",')
    result = lab_copy.pytester.runpytest_subprocess(str(lab_copy.path), "-v", *args)
    ran = [line.split("::")[1].split("[")[0] for line in result.outlines
           if "test_lab4_1.py::" in line and ("PASSED" in line or "FAILED" in line or "SKIPPED" in line)]
    ran = list(dict.fromkeys(ran))
    assert ran == [f"test_{stage}" for stage in STAGE_IDS]
    result.assert_outcomes(passed=5, failed=2, skipped=1)


def test_code_for_the_other_sdk_major_gets_the_stage_message_not_a_traceback(lab_copy, outcomes):
    """The lab's code names SDK modules the installed SDK lacks: the SDK stage says which and how to fix
    it, and the stages that need the SDK are skipped, naming it."""
    from pytest_sagemaker_lab.grading import sdk

    installed = sdk.major(sdk.installed())
    foreign = ("from sagemaker.train import ModelTrainer" if installed == 2
               else "from sagemaker.estimator import Estimator")
    lab_copy.edit(lab_copy.solution, "from datetime import datetime\n", f"from datetime import datetime\n{foreign}\n")
    _, report = lab_copy.run(f"--lab-sdk={installed}")
    stages = stages_of(report)
    compatible = stages["sagemaker_sdk_compatible"]
    assert compatible["outcome"] == "failed"
    module = foreign.split()[1]
    assert f"is written for SDK {5 - installed} and uses {module}." in compatible["message"]
    assert "pip install 'sagemaker" in compatible["hint"]["en"] and "--lab-sdk" in compatible["hint"]["en"]
    assert "pip install 'sagemaker" in compatible["hint"]["zh-TW"]
    assert report["submissions"][0]["error"].startswith(f"{lab_copy.solution}, cell 3 raised ModuleNotFoundError")
    for later in ("estimator_config_valid", "fit_completes"):
        assert stages[later]["message"] == f"prerequisite sagemaker_sdk_compatible failed: {later} is not checked"


def test_plain_boto3_code_gets_the_same_verdict(lab_copy):
    """The checks read the job through the API: code with no SageMaker SDK passes every stage too."""
    import shutil

    shutil.copy(Path(__file__).parent / "data" / "solution_boto3.py", lab_copy.path / lab_copy.solution)
    result, report = lab_copy.run()
    result.assert_outcomes(passed=8)
    stages = stages_of(report)
    assert stages["sagemaker_sdk_compatible"]["message"] == (
        f"{lab_copy.solution} uses no SageMaker SDK (boto3 only): it runs with any SDK")
    assert "42 rounds" in stages["model_artifact_present"]["message"]


def test_a_failed_job_says_which_files_each_channel_received(lab_copy, outcomes):
    """A channel's S3Uri is a string prefix: ``.../validate-pass1.csv`` also takes a forgotten
    ``validate-pass1.csv-wide`` with 25 features. The job fails on the column mismatch, and the verdict
    says which files each channel received, so the cause can be found."""
    lab_copy.edit("data.py", '"validate-pass1.csv": _rows(rng, weights, VALIDATE_ROWS),',
                  '"validate-pass1.csv": _rows(rng, weights, VALIDATE_ROWS),\n'
                  '        "validate-pass1.csv-wide": b"1" + b",0.5" * 25 + b"\\n",')
    _, report = lab_copy.run()
    assert outcomes(report)["fit_completes"] == "failed"
    message = stages_of(report)["fit_completes"]["message"]
    assert message.endswith(" (its channels received train: train-pass1.csv; validation: validate-pass1.csv, -wide)")
    assert "(25 vs. 8)" in message


@needs_sdk2
def test_the_courses_original_notebook_is_told_every_difference_at_once(lab_copy):
    """The course's original (XGBoost 1.0-1, silent, a channel named validate) gets one verdict that lists
    each difference with its fix, instead of one at a time across three runs."""
    lab_copy.edit("solution_sdk2.py", 'retrieve("xgboost", region, "1.2-2")', 'retrieve("xgboost", region, "1.0-1")')
    lab_copy.edit("solution_sdk2.py", '"seed": "42",', '"seed": "42",\n    "silent": "0",')
    lab_copy.edit("solution_sdk2.py", '"validation": ', '"validate": ')
    _, report = lab_copy.run()
    config = stages_of(report)["estimator_config_valid"]
    assert config["outcome"] == "failed"
    assert config["message"].startswith("3 differences: the image is XGBoost 1.0-1, the lab uses 1.2-2; ")
    assert "the XGBoost 1.2-2 container rejects the hyperparameters: Extraneous hyperparameter found: silent" \
        in config["message"]
    assert config["message"].endswith("the job has an unexpected channel 'validate'")
    for language, fix in (("en", "verbosity"), ("zh-TW", "verbosity")):
        lines = config["hint"][language].splitlines()
        assert [line[:3] for line in lines] == ["1. ", "2. ", "3. "] and fix in lines[1]

