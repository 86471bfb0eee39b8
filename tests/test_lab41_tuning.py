"""Lab 4.1-tuning offline: the reference passes every stage, and the typical mistakes get exact verdicts."""

from __future__ import annotations

import re

import pytest

from .conftest import LabCopy, needs_sdk2, stages_of

pytestmark = needs_sdk2  # the lab's reference is written for SDK 2
STAGE_IDS = ["tuning_config_valid", "tuning_completes", "best_model_transform", "predictions_match_model"]


@pytest.fixture
def tuning(pytester: pytest.Pytester) -> LabCopy:
    return LabCopy(pytester, "lab4_1_tuning")


def test_reference_passes_every_stage(tuning):
    result, report = tuning.run()
    result.assert_outcomes(passed=4)
    (submission,) = report["submissions"]
    assert [stage["id"] for stage in submission["stages"]] == STAGE_IDS
    assert (submission["score"], submission["max_score"], submission["error"]) == (4, 4, None)
    completes = stages_of(report)["tuning_completes"]["message"]
    assert re.fullmatch(r"xgb-tune-\d{4}-\d{6}: Completed, 3 of 3 children completed; best "
                        r"xgb-tune-\d{4}-\d{6}-00[123]-[0-9a-f]{8} \(validation:error=0\.\d{5}\)", completes)


def test_maximize_for_an_error_metric_fails_the_config_only(tuning, outcomes):
    tuning.edit("solution_sdk2.py", 'objective_type="Minimize"', 'objective_type="Maximize"')
    _, report = tuning.run()
    assert outcomes(report) == {"tuning_config_valid": "failed", "tuning_completes": "passed",
                                "best_model_transform": "passed", "predictions_match_model": "passed"}
    config = stages_of(report)["tuning_config_valid"]
    assert config["message"].endswith("the objective validation:error is set to Maximize; the lab's is Minimize")
    assert "minimised" in config["hint"]["en"] and "最小化" in config["hint"]["zh-TW"]


def test_a_metric_the_algorithm_does_not_emit_is_refused_at_create(tuning, outcomes):
    tuning.edit("solution_sdk2.py", 'objective_metric_name="validation:error"',
                'objective_metric_name="validation:loss"')
    _, report = tuning.run()
    assert outcomes(report) == {"tuning_config_valid": "failed", "tuning_completes": "failed",
                                "best_model_transform": "skipped", "predictions_match_model": "skipped"}
    assert stages_of(report)["tuning_config_valid"]["message"] == "no hyperparameter tuning job was made"
    assert "CreateHyperParameterTuningJob" in report["submissions"][0]["error"]


def test_transforming_with_the_first_pass_model_is_not_the_best_model(tuning, outcomes):
    tuning.edit("solution_sdk2.py", "best_estimator = Estimator.attach(best_job, ",
                "best_estimator = Estimator.attach(training_job_name, ")
    _, report = tuning.run()
    assert outcomes(report)["best_model_transform"] == "failed"
    message = stages_of(report)["best_model_transform"]["message"]
    assert re.search(r"uses the model data s3://sagemaker-lab-data/lab41_local/output/xgb-pass1-[\d-]+/output/"
                     r"model\.tar\.gz, not s3://sagemaker-lab-data/lab41_local/tuning-output/xgb-tune-", message)
