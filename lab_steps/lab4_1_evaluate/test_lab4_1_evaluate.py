"""Lab 4.1-evaluate's stages, in order: the batch transform the learner made and the predictions it
wrote, checked against the model Lab 4.1 trained; the expected values come from lab.toml beside this file."""

import pytest

from pytest_sagemaker_lab import checks, transform_checks

stage = pytest.mark.lab_stage


@pytest.fixture
def first_pass(lab_sagemaker, lab_spec):
    """Lab 4.1's training job, which this lab starts from (the grader seeded it)."""
    return checks.require_job(checks.find_job(lab_sagemaker, lab_spec.after), lab_spec.after)


@pytest.fixture
def transform_job(lab_run, lab_sagemaker, lab_spec, first_pass):
    bucket, prefix = checks.location_of(lab_run)
    return transform_checks.require_transform_job(
        transform_checks.find_transform_job(lab_sagemaker, lab_spec, bucket, prefix), lab_spec, bucket, prefix,
        first_pass["TrainingJobName"])


@stage("transform_config_valid", points=1)
def test_transform_config_valid(lab_run, lab_sagemaker, lab_spec, first_pass, transform_job, lab_evidence):
    bucket, prefix = checks.location_of(lab_run)
    model = lab_sagemaker.describe_model(ModelName=transform_job["ModelName"])
    lab_evidence.append(transform_checks.check_transform_config(transform_job, model, first_pass, lab_spec,
                                                                bucket, prefix))


@stage("transform_completes", points=1)
def test_transform_completes(transform_job, lab_logs, lab_spec, lab_evidence):
    lab_evidence.append(transform_checks.check_transform_completed(transform_job, lab_logs, lab_spec))


@stage("predictions_present", requires=("transform_completes",), points=1)
def test_predictions_present(lab_run, lab_s3, lab_spec, lab_evidence):
    bucket, prefix = checks.location_of(lab_run)
    lines = transform_checks.read_predictions(lab_s3, lab_spec, bucket, prefix)
    lab_evidence.append(transform_checks.check_predictions_present(lines, lab_spec, bucket, prefix))


@stage("predictions_match_model", requires=("predictions_present",), points=1)
def test_predictions_match_model(lab_run, lab_s3, lab_spec, first_pass, lab_evidence):
    bucket, prefix = checks.location_of(lab_run)
    lines = transform_checks.read_predictions(lab_s3, lab_spec, bucket, prefix)
    lab_evidence.append(transform_checks.check_predictions_of_job(lines, lab_s3, lab_spec, first_pass))
