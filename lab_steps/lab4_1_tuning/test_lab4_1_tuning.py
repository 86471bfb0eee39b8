"""Lab 4.1-tuning's stages, in order: the tuning job the learner made, its best training job, and the
transform of the test set with the best model; the expected values come from lab.toml beside this file."""

import pytest

from pytest_sagemaker_lab import checks, transform_checks, tuning_checks

stage = pytest.mark.lab_stage


@pytest.fixture
def tuning_job(lab_run, lab_sagemaker, lab_spec):
    return tuning_checks.require_tuning_job(tuning_checks.find_tuning_job(lab_sagemaker), lab_spec)


@pytest.fixture
def best_job(tuning_job, lab_sagemaker, lab_spec, lab_logs):
    tuning_checks.check_tuning_completed(tuning_job, lab_sagemaker, lab_spec, lab_logs)
    return tuning_checks.best_training_job(tuning_job, lab_sagemaker)


@stage("tuning_config_valid", points=1)
def test_tuning_config_valid(lab_run, tuning_job, lab_spec, lab_evidence):
    bucket, prefix = checks.location_of(lab_run)
    lab_evidence.append(tuning_checks.check_tuning_config(tuning_job, lab_spec, bucket, prefix))


@stage("tuning_completes", points=1)
def test_tuning_completes(tuning_job, lab_sagemaker, lab_spec, lab_logs, lab_evidence):
    lab_evidence.append(tuning_checks.check_tuning_completed(tuning_job, lab_sagemaker, lab_spec, lab_logs))


@stage("best_model_transform", requires=("tuning_completes",), points=1)
def test_best_model_transform(lab_run, lab_sagemaker, lab_logs, lab_spec, best_job, lab_evidence):
    bucket, prefix = checks.location_of(lab_run)
    job = transform_checks.require_transform_job(
        transform_checks.find_transform_job(lab_sagemaker, lab_spec, bucket, prefix), lab_spec, bucket, prefix,
        best_job["TrainingJobName"])
    model = lab_sagemaker.describe_model(ModelName=job["ModelName"])
    lab_evidence.append(transform_checks.check_transform_config(job, model, best_job, lab_spec, bucket, prefix))
    lab_evidence.append(transform_checks.check_transform_completed(job, lab_logs, lab_spec))


@stage("predictions_match_model", requires=("best_model_transform",), points=1)
def test_predictions_match_model(lab_run, lab_s3, lab_spec, best_job, lab_evidence):
    bucket, prefix = checks.location_of(lab_run)
    lines = transform_checks.read_predictions(lab_s3, lab_spec, bucket, prefix)
    lab_evidence.append(transform_checks.check_predictions_present(lines, lab_spec, bucket, prefix))
    lab_evidence.append(transform_checks.check_predictions_of_job(lines, lab_s3, lab_spec, best_job))
