"""Lab 4.1-evaluate offline: the reference passes every stage, and the typical mistakes get their exact
verdicts (the container's own words where the transform fails)."""

from __future__ import annotations

import pytest

from pytest_sagemaker_lab.spec import load_spec

from .conftest import LAB41, LabCopy, needs_sdk2, stages_of

pytestmark = needs_sdk2  # the lab's reference is written for SDK 2
STAGE_IDS = ["transform_config_valid", "transform_completes", "predictions_present", "predictions_match_model"]
EVALUATE = LAB41.parent / "lab4_1_evaluate"


@pytest.fixture
def evaluate(pytester: pytest.Pytester) -> LabCopy:
    return LabCopy(pytester, "lab4_1_evaluate")


def test_the_spec_needs_no_training_table_and_names_its_stages():
    spec = load_spec(EVALUATE)
    assert not spec.trains and spec.after is not None and spec.after.id == "lab4.1"
    assert spec.table("transform")["input"] == "batch-in/batch-in.csv"
    assert "transform_failed" in spec.hints
    import ast

    module = ast.parse((EVALUATE / "test_lab4_1_evaluate.py").read_text(encoding="utf-8"))
    marked = [decorator.args[0].value for node in module.body if isinstance(node, ast.FunctionDef)
              for decorator in node.decorator_list if isinstance(decorator, ast.Call)
              and getattr(decorator.func, "id", "") == "stage"]
    import tomllib

    assert marked == STAGE_IDS == tomllib.loads((EVALUATE / "lab.toml").read_text())["lab"]["stages"]


def test_reference_passes_every_stage_on_the_world_lab_4_1_left(evaluate):
    result, report = evaluate.run()
    result.assert_outcomes(passed=4)
    (submission,) = report["submissions"]
    assert report["lab"] == "lab4.1-evaluate" and submission["error"] is None
    assert [stage["id"] for stage in submission["stages"]] == STAGE_IDS
    assert (submission["score"], submission["max_score"]) == (4, 4)
    stages = stages_of(report)
    assert stages["predictions_present"]["message"] == (
        "s3://sagemaker-lab-data/lab41_local/batch-out/batch-in.csv.out: 200 predictions")
    assert stages["predictions_match_model"]["message"].startswith(
        "200 probabilities equal to the model's own; accuracy 0.845")


def test_the_label_column_left_in_fails_with_the_containers_feature_count(evaluate, outcomes):
    evaluate.edit("solution_sdk2.py", 'batch_input = f"s3://{bucket_name}/{prefix}/batch-in/batch-in.csv"',
                  'batch_input = f"s3://{bucket_name}/{prefix}/validate-pass1.csv"')
    _, report = evaluate.run()
    assert outcomes(report) == {"transform_config_valid": "failed", "transform_completes": "failed",
                                "predictions_present": "skipped", "predictions_match_model": "skipped"}
    stages = stages_of(report)
    assert stages["transform_config_valid"]["message"].endswith(
        "reads s3://sagemaker-lab-data/lab41_local/validate-pass1.csv, not "
        "s3://sagemaker-lab-data/lab41_local/batch-in/batch-in.csv")
    completes = stages["transform_completes"]["message"]
    assert "Failed: ClientError: See job logs for more information: " in completes
    assert ("Unable to evaluate payload provided: Feature size of csv inference data 9 is not consistent with "
            "feature size of trained model 8.") in completes
    assert "標籤欄" in stages["transform_completes"]["hint"]["zh-TW"]
    assert report["submissions"][0]["score"] == 0


def test_a_wrong_content_type_fails_config_and_the_transform(evaluate, outcomes):
    evaluate.edit("solution_sdk2.py", 'content_type="text/csv", split_type="Line"',
                  'content_type="application/json", split_type="Line"')
    _, report = evaluate.run()
    assert outcomes(report)["transform_config_valid"] == "failed"
    stages = stages_of(report)
    assert stages["transform_config_valid"]["message"].endswith("sends ContentType application/json, not text/csv")
    assert ("application/json is not an accepted ContentType: csv, libsvm, parquet, recordio-protobuf, text/csv"
            in stages["transform_completes"]["message"])


def test_reading_the_out_file_from_the_wrong_key_is_the_notebooks_error_not_the_worlds(evaluate, outcomes):
    evaluate.edit("solution_sdk2.py", 'Key=f"{prefix}/batch-out/batch-in.csv.out"',
                  'Key=f"{prefix}/batch-out/batch-in.csv"')
    _, report = evaluate.run()
    assert set(outcomes(report).values()) == {"passed"}
    error = report["submissions"][0]["error"]
    assert "NoSuchKey" in error


def test_a_transform_without_split_type_is_a_config_failure_with_correct_predictions(evaluate, outcomes):
    evaluate.edit("solution_sdk2.py", 'content_type="text/csv", split_type="Line"', 'content_type="text/csv"')
    _, report = evaluate.run()
    assert outcomes(report) == {"transform_config_valid": "failed", "transform_completes": "passed",
                                "predictions_present": "passed", "predictions_match_model": "passed"}
    assert stages_of(report)["transform_config_valid"]["message"].endswith("splits by None, not Line")


def test_the_output_elsewhere_leaves_no_predictions_where_the_lab_reads_them(evaluate, outcomes):
    evaluate.edit("solution_sdk2.py", 'batch_output = f"s3://{bucket_name}/{prefix}/batch-out"',
                  'batch_output = f"s3://{bucket_name}/{prefix}/predictions"')
    _, report = evaluate.run()
    assert outcomes(report) == {"transform_config_valid": "failed", "transform_completes": "passed",
                                "predictions_present": "failed", "predictions_match_model": "skipped"}
    present = stages_of(report)["predictions_present"]
    assert present["message"] == "s3://sagemaker-lab-data/lab41_local/batch-out/batch-in.csv.out: NoSuchKey"
    assert "transformer.wait()" in present["hint"]["en"]
