"""Lab 4.1's stages, in order. Each reads the world the lab left behind and fails with a message a
learner can act on; the expected values come from lab.toml beside this file."""

import pytest

from pytest_sagemaker_lab import checks

stage = pytest.mark.lab_stage


@stage("libomp_present", points=1)
def test_libomp_present(lab_probe, lab_evidence):
    lab_evidence.append(checks.check_openmp(lab_probe))


@stage("xgboost_importable", requires=("libomp_present",), points=1)
def test_xgboost_importable(lab_probe, lab_evidence):
    lab_evidence.append(checks.check_xgboost(lab_probe))


@stage("sagemaker_sdk_compatible", points=1)
def test_sagemaker_sdk_compatible(lab_run, lab_sdk_probe, lab_evidence):
    if lab_sdk_probe is None:
        lab_evidence.append("no lab code was run (verify-only): nothing to check against the SDK")
        return
    lab_evidence.append(checks.check_sdk(lab_sdk_probe, lab_run.source.name))


@stage("s3_objects_reachable", points=1)
def test_s3_objects_reachable(lab_run, lab_s3, lab_object, lab_evidence):
    bucket, prefix = checks.location_of(lab_run)
    size = checks.check_s3_object(lab_s3, bucket, prefix, lab_object)
    lab_evidence.append(f"s3://{bucket}/{prefix}/{lab_object.key} ({size} bytes)")


@stage("estimator_config_valid", requires=("sagemaker_sdk_compatible", "s3_objects_reachable"), points=1)
def test_estimator_config_valid(lab_run, lab_training_job, lab_spec, lab_world, lab_evidence):
    bucket, prefix = checks.location_of(lab_run)
    lab_evidence.append(checks.check_estimator_config(lab_training_job, lab_run, lab_spec, bucket, prefix,
                                                      lab_world.region))


@stage("fit_completes", requires=("sagemaker_sdk_compatible", "s3_objects_reachable"), points=1)
def test_fit_completes(lab_run, lab_training_job, lab_spec, lab_logs, lab_s3, lab_evidence):
    job = checks.require_job(lab_training_job, lab_spec, lab_run)
    lab_evidence.append(checks.check_completed(job, lab_spec, lab_logs, lab_s3))


@stage("model_artifact_present", requires=("fit_completes",), points=1)
def test_model_artifact_present(lab_model, lab_spec, lab_evidence):
    lab_evidence.append(checks.check_artifact(lab_model, lab_spec))
