"""The checks' verdicts on evidence made up to show each failure: OpenMP, xgboost, artifacts."""

from __future__ import annotations

import sys

import pytest

from pytest_sagemaker_lab import checks
from pytest_sagemaker_lab.grading import probes
from pytest_sagemaker_lab.grading.environment import SHARED_CORES
from pytest_sagemaker_lab.messages import StageFailure

GOOD = {"python": sys.executable, "xgboost": "3.2.0", "trees": 8, "train_seconds": 0.1, "threads_at_work": 3,
        "openmp": [{"library": "libgomp", "path": "/x/libgomp.so.1", "num_threads": 2}]}


def test_openmp_passes_with_threads_at_work():
    assert checks.check_openmp(GOOD) == "libgomp at /x/libgomp.so.1: 3 threads at work"


def test_openmp_missing_names_the_fix_for_the_platform(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    with pytest.raises(StageFailure) as raised:
        checks.check_openmp({**GOOD, "openmp": []})
    assert "brew install libomp" in raised.value.hint["en"]
    assert "brew install libomp" in raised.value.hint["zh-TW"]
    monkeypatch.setattr(sys, "platform", "linux")
    assert "apt-get install libgomp1" in probes.openmp_fix()


def test_openmp_with_one_busy_thread_fails():
    with pytest.raises(StageFailure, match="kept only 1 thread busy") as raised:
        checks.check_openmp({**GOOD, "threads_at_work": 1})
    assert "OMP_NUM_THREADS" in raised.value.hint["en"]


def test_xgboost_import_error_is_told_with_the_interpreter():
    with pytest.raises(StageFailure) as raised:
        checks.check_xgboost({"python": "/usr/bin/python3",
                              "import_error": "ModuleNotFoundError: No module named 'xgboost'"})
    assert raised.value.message == ("import xgboost failed in /usr/bin/python3: ModuleNotFoundError: "
                                    "No module named 'xgboost'")
    assert "/usr/bin/python3 -m pip install xgboost" in raised.value.hint["en"]


def test_probe_of_this_interpreter_shows_openmp_at_work():
    found = probes.probe()
    assert found["trees"] == 8
    assert found["openmp"], "xgboost trained without an OpenMP runtime loaded"
    assert checks.check_openmp(found).startswith(found["openmp"][0]["library"])


def test_threads_at_work_are_those_that_shared_the_work():
    before = {"main": 100, "omp": 50, "iopub": 7}
    assert probes.threads_at_work(before, {"main": 1100, "omp": 900, "iopub": 9, "new": 300}) == 3
    assert probes.threads_at_work(before, {"main": 1100, "omp": 50, "iopub": 60}) == 1  # helpers only ran
    assert probes.threads_at_work(before, {"main": 1100, "omp": 50, "iopub": 60}, share=0.0) == 2  # ticks
    assert probes.threads_at_work(None, before) is None


MEASURE = """
import sys
from pytest_sagemaker_lab.grading import probes
import numpy, xgboost
print(probes.train_counting_threads(int(sys.argv[1]), precise=sys.argv[2] == "ns")[2])
"""


@pytest.mark.parametrize("precise", [True, False], ids=["nanoseconds", "ticks"])
@pytest.mark.parametrize("nthread", [1, 2])
def test_a_serial_training_shows_one_thread_at_work_and_a_team_of_two_shows_two(nthread, precise):
    """In a process of its own, as in a graded kernel: this test process has threads of its own
    (moto servers, other tests' jobs) that may run meanwhile."""
    import os
    import subprocess

    if precise and not probes._has_schedstat():
        pytest.skip("no /proc/<pid>/task/<tid>/schedstat here")
    env = {**os.environ, **SHARED_CORES}  # as the grader sets for kernels: waiting threads do not spin
    done = subprocess.run([sys.executable, "-c", MEASURE, str(nthread), "ns" if precise else "ticks"],
                          capture_output=True, text=True, timeout=120, env=env, check=True)
    at_work = int(done.stdout.split()[-1])
    assert at_work == 1 if nthread == 1 else at_work >= 2


def test_stage_failure_survives_pickling():
    import pickle

    failure = checks.fail("s3_object_missing", "s3://b/k: 404 Not Found", bucket="b", key="k", name="k", prefix="p")
    copy = pickle.loads(pickle.dumps(failure))
    assert (copy.message, copy.hint) == (failure.message, failure.hint)
    assert str(copy) == str(failure)


def test_a_fresh_interpreter_s_probe_counts_the_openmp_team_only():
    """numpy's BLAS threads spin for a moment after its import; the probe, run at once, must not count
    them (it asks them to sleep when idle before numpy is imported)."""
    import json
    import os
    import subprocess

    if not probes._has_schedstat() or (os.cpu_count() or 1) < 2:
        pytest.skip("needs per-thread CPU in nanoseconds and two cores")
    env = {name: value for name, value in os.environ.items()
           if name not in ("OPENBLAS_THREAD_TIMEOUT", "OMP_WAIT_POLICY", "OMP_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-m", "pytest_sagemaker_lab.grading.probes"], capture_output=True, text=True,
                          timeout=120, env=env, check=True)
    assert json.loads(done.stdout)["threads_at_work"] == probes.PROBE_THREADS


def test_the_estimators_a_namespace_built_are_described_as_their_fit_would_send_them():
    """An SDK 2 Estimator and a dict of TrainingInputs, as Lab 4.1 builds them; classes, private names and
    objects that raise on every look are passed over."""
    from importlib.metadata import version

    sagemaker = pytest.importorskip("sagemaker")
    if not version("sagemaker").startswith("2."):
        pytest.skip("SDK 2's Estimator")
    import boto3
    from sagemaker.estimator import Estimator
    from sagemaker.inputs import TrainingInput

    from pytest_sagemaker_lab.grading.estimators import describe

    class Hostile:
        def __getattr__(self, name):
            raise RuntimeError("no")

    estimator = Estimator("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-2",
                          role="arn:aws:iam::123456789012:role/lab", instance_count=1, instance_type="ml.m5.2xlarge",
                          output_path="s3://b/p/output/", hyperparameters={"num_round": 42, "eta": "0.2"},
                          sagemaker_session=sagemaker.Session(boto3.Session(region_name="us-east-1")))
    namespace = {"xgb_model": estimator, "Estimator": Estimator, "_hidden": estimator, "odd": Hostile(),
                 "data_channels": {"train": TrainingInput("s3://b/p/train.csv", content_type="text/csv")}}
    image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-2"
    assert describe(namespace) == [{"name": "xgb_model", "call": "fit", "request": {
        "AlgorithmSpecification": {"TrainingImage": image},
        "HyperParameters": {"num_round": "42", "eta": "0.2"},
        "ResourceConfig": {"InstanceType": "ml.m5.2xlarge", "InstanceCount": 1},
        "OutputDataConfig": {"S3OutputPath": "s3://b/p/output/"},
        "InputDataConfig": [{"ChannelName": "train", "ContentType": "text/csv", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": "s3://b/p/train.csv", "S3DataDistributionType": "FullyReplicated"}}}],
    }}]
    assert describe({"x": 1, "odd": Hostile()}) == []


def _lab41_job(**changes: object) -> dict:
    hyperparameters = {"num_round": "42", "eval_metric": "logloss", "objective": "binary:logistic",
                       "verbosity": "1", "seed": "42"}
    hyperparameters.update(changes.pop("hyperparameters", {}))  # type: ignore[arg-type]
    channel = {"DataSource": {"S3DataSource": {"S3Uri": ""}}, "ContentType": "text/csv"}
    image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-2"
    job = {"AlgorithmSpecification": {"TrainingImage": image},
           "HyperParameters": hyperparameters,
           "ResourceConfig": {"InstanceType": "ml.m5.2xlarge", "InstanceCount": 1},
           "OutputDataConfig": {"S3OutputPath": "s3://b/p/output/"},
           "InputDataConfig": [
               {**channel, "ChannelName": "train", "DataSource": {"S3DataSource": {"S3Uri": "s3://b/p/train-pass1.csv"}}},
               {**channel, "ChannelName": "validation",
                "DataSource": {"S3DataSource": {"S3Uri": "s3://b/p/validate-pass1.csv"}}}]}
    job.update(changes)
    return job


def test_a_difference_the_lab_lets_pass_is_said_but_costs_nothing():
    """Lab 4.1's lab.toml: [grading] free = ["hyperparameter:verbosity"] (a logging level)."""
    from pytest_sagemaker_lab.spec import load_spec

    from .conftest import LAB41

    spec = load_spec(LAB41)
    assert checks.check_config(_lab41_job(), spec, "b", "p", "us-east-1") == []
    assert checks.check_config(_lab41_job(hyperparameters={"verbosity": "3"}), spec, "b", "p", "us-east-1") == [
        "hyperparameter verbosity is '3', the lab expects '1'"]
    with pytest.raises(StageFailure) as caught:
        checks.check_config(_lab41_job(hyperparameters={"verbosity": "3", "num_round": "10"}), spec, "b", "p",
                            "us-east-1")
    assert caught.value.message == "hyperparameter num_round is '10', the lab expects '42'"


def test_grading_free_must_name_a_part_of_the_job(tmp_path):
    from pytest_sagemaker_lab.spec import SpecError, load_spec

    from .conftest import LAB41

    text = (LAB41 / "lab.toml").read_text(encoding="utf-8").replace(
        'free = ["hyperparameter:verbosity"]', 'free = ["speed"]')
    (tmp_path / "lab.toml").write_text(text, encoding="utf-8")
    with pytest.raises(SpecError, match=r"\[grading\] free lists 'speed'; name a part of the training job"):
        load_spec(tmp_path)


def test_an_sdk3_model_trainer_and_its_input_data_are_described_as_train_would_send_them():
    """SDK 3's ModelTrainer, Compute, OutputDataConfig and a list of InputData, as Lab 4.1's SDK 3 reference
    builds them, as objects of their shape (the real classes, which need an AWS world to be made, are graded
    in tests/test_grading.py under SDK 3)."""
    from types import SimpleNamespace as Shape

    from pytest_sagemaker_lab.grading.estimators import describe, well_formed

    image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-2"
    trainer = Shape(training_image=image, compute=Shape(instance_type="ml.m5.2xlarge", instance_count=1),
                    output_data_config=Shape(s3_output_path="s3://b/p/output/"),
                    hyperparameters={"num_round": "42", "eta": 0.2})
    channels = [Shape(channel_name="train", data_source="s3://b/p/train.csv", content_type="text/csv")]
    described = describe({"xgb_trainer": trainer, "data_channels": channels})
    assert described == [{"name": "xgb_trainer", "call": "train", "request": {
        "AlgorithmSpecification": {"TrainingImage": image},
        "HyperParameters": {"num_round": "42", "eta": "0.2"},
        "ResourceConfig": {"InstanceType": "ml.m5.2xlarge", "InstanceCount": 1},
        "OutputDataConfig": {"S3OutputPath": "s3://b/p/output/"},
        "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {"S3Uri": "s3://b/p/train.csv"}},
                             "ContentType": "text/csv"}],
    }}]
    assert well_formed(described[0])
