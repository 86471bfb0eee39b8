"""The training emulation through the API, as the SDK and boto3 see it: lifecycle, failures, logs,
artifacts, and the checks the service makes before it accepts a job."""

from __future__ import annotations

import io
import tarfile

import boto3
import pytest
from botocore.exceptions import ClientError

from .conftest import needs_sdk2, needs_sdk3
from .jobs import IMAGE, ROLE, TRAIN_CSV, channel, create, log_lines, wait


def test_a_job_trains_and_reports_like_the_service(aws):
    sagemaker, s3, logs = aws
    create(sagemaker, "ok-1")
    job = wait(sagemaker, "ok-1")
    assert job["TrainingJobStatus"] == "Completed"
    assert [t["Status"] for t in job["SecondaryStatusTransitions"]] == [
        "Starting", "Downloading", "Training", "Uploading", "Completed"]
    assert job["SecondaryStatus"] == "Completed"
    assert job["TrainingTimeInSeconds"] >= 1 and job["BillableTimeInSeconds"] == job["TrainingTimeInSeconds"]
    assert job["TrainingEndTime"] >= job["TrainingStartTime"]
    assert job["ModelArtifacts"]["S3ModelArtifacts"] == "s3://lab/output/ok-1/output/model.tar.gz"
    names = [metric["MetricName"] for metric in job["FinalMetricDataList"]]
    assert names == ["train:logloss", "validation:logloss"]
    assert {d["Name"] for d in job["AlgorithmSpecification"]["MetricDefinitions"]} == {
        "train:logloss", "validation:logloss"}
    lines = log_lines(logs, "ok-1")
    assert len(lines) == 5
    assert lines[0].startswith("[0]#011train-logloss:0.") and "#011validation-logloss:0." in lines[0]
    value = lines[-1].split("#011")[2].split(":")[1]
    assert len(value.split(".")[1]) == 5  # xgboost >= 1.0 prints five decimals
    assert float(value) == pytest.approx(job["FinalMetricDataList"][1]["Value"], abs=1e-5)
    body = s3.get_object(Bucket="lab", Key="output/ok-1/output/model.tar.gz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
        assert archive.getnames() == ["xgboost-model"]


def _logged(logs, name: str, metric: str) -> list[float]:
    """The values a metric line of the job's log carries, round by round."""
    return [float(part.split(":")[1]) for line in log_lines(logs, name) for part in line.split("#011")
            if part.startswith(f"{metric}:")]


def test_a_jobs_metrics_are_in_cloudwatch_as_the_service_publishes_them(aws):
    """Each MetricDefinition is applied to the lines the algorithm logs, each capture published under
    /aws/sagemaker/TrainingJobs with the job as its dimension: one 60 s period holds the rounds' mean."""
    import datetime

    sagemaker, _, logs = aws
    create(sagemaker, "metrics-1", hyperparameters={"num_round": "5", "objective": "binary:logistic",
                                                    "eval_metric": "logloss"})
    job = wait(sagemaker, "metrics-1")
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    for data in ("train", "validation"):
        rounds = _logged(logs, "metrics-1", f"{data}-logloss")
        assert len(rounds) == 5
        points = cloudwatch.get_metric_statistics(
            Namespace="/aws/sagemaker/TrainingJobs", MetricName=f"{data}:logloss",
            Dimensions=[{"Name": "TrainingJobName", "Value": "metrics-1"}], StartTime=job["TrainingStartTime"],
            EndTime=job["TrainingEndTime"] + datetime.timedelta(seconds=60), Period=60,
            Statistics=["Average", "SampleCount"])["Datapoints"]
        assert sum(point["SampleCount"] for point in points) == 5
        mean = sum(point["Average"] * point["SampleCount"] for point in points) / 5
        assert mean == pytest.approx(sum(rounds) / 5, abs=1e-5)


@needs_sdk2
def test_training_job_analytics_reads_the_real_series_from_sdk2(aws):
    import sagemaker as sdk
    from sagemaker.analytics import TrainingJobAnalytics

    sagemaker, _, logs = aws
    create(sagemaker, "metrics-2", hyperparameters={"num_round": "4", "objective": "binary:logistic",
                                                    "eval_metric": "logloss"})
    wait(sagemaker, "metrics-2")
    frame = TrainingJobAnalytics("metrics-2", sagemaker_session=sdk.Session(boto3.Session(region_name="us-east-1")),
                                 period=1).dataframe()
    assert sorted(set(frame["metric_name"])) == ["train:logloss", "validation:logloss"]
    for name in ("train", "validation"):
        values = frame[frame["metric_name"] == f"{name}:logloss"]["value"]
        assert min(_logged(logs, "metrics-2", f"{name}-logloss")) - 1e-5 <= values.min()
        assert values.max() <= max(_logged(logs, "metrics-2", f"{name}-logloss")) + 1e-5


def test_metric_lines_of_0_90_use_the_g_format(aws):
    sagemaker, _, logs = aws
    create(sagemaker, "old-1", version="0.90-1-cpu-py3",
           hyperparameters={"num_round": "2", "objective": "binary:logistic", "eval_metric": "error",
                            "silent": "1"})
    assert wait(sagemaker, "old-1")["TrainingJobStatus"] == "Completed"
    first = log_lines(logs, "old-1")[0]
    value = first.split("#011")[1].split(":")[1]
    assert value == format(float(value), "g")


def test_silent_on_1_2_2_fails_with_the_containers_failure_reason_and_log(aws):
    sagemaker, s3, logs = aws
    create(sagemaker, "silent-1", hyperparameters={"num_round": "5", "silent": "0"})
    job = wait(sagemaker, "silent-1")
    assert job["TrainingJobStatus"] == "Failed" and job["SecondaryStatus"] == "Failed"
    reason = job["FailureReason"]
    assert reason.startswith(
        "AlgorithmError: framework error: \nTraceback (most recent call last):\n"
        '  File "/miniconda3/lib/python3.7/site-packages/sagemaker_algorithm_toolkit/hyperparameter_validation.py",'
        " line 278, in validate\n    hyperparameter_obj = self.hyperparameters[hp]\nKeyError: 'silent'\n\n"
        "During handling of the above exception, another exception occurred:\n\n"
        "Traceback (most recent call last):\n"
        '  File "/miniconda3/lib/python3.7/site-packages/sagemaker_containers/_trainer.py", line 84, in train\n')
    assert len(reason) <= 1024
    lines = log_lines(logs, "silent-1")
    assert lines[0] == "Reporting training FAILURE"
    assert "sagemaker_algorithm_toolkit.exceptions.UserError: Extraneous hyperparameter found: silent" in lines
    assert lines[-1] == "Extraneous hyperparameter found: silent"
    assert "ModelArtifacts" not in job
    assert "Contents" not in s3.list_objects_v2(Bucket="lab", Prefix="output/silent-1/")


@needs_sdk2
def test_sdk2_raises_its_own_exception_with_the_failure_reason(aws):
    from sagemaker.estimator import Estimator
    from sagemaker.exceptions import UnexpectedStatusException
    from sagemaker.inputs import TrainingInput
    from sagemaker.session import Session

    from pytest_sagemaker_lab import sdk_patches

    sdk_patches.install()
    try:
        session = Session(boto_session=boto3.Session(region_name="us-east-1"))
        estimator = Estimator(IMAGE.format("1.2-2"), role=ROLE, instance_count=1, instance_type="ml.m5.2xlarge",
                              output_path="s3://lab/output/", sagemaker_session=session,
                              hyperparameters={"num_round": 3, "silent": 1})
        with pytest.raises(UnexpectedStatusException) as raised:
            estimator.fit({"train": TrainingInput("s3://lab/data/train.csv", content_type="text/csv")},
                          logs=False, job_name="sdk-fail-1")
    finally:
        sdk_patches.uninstall()
    message = str(raised.value)
    assert message.startswith("Error for Training job sdk-fail-1: Failed. Reason: AlgorithmError: framework error:")
    assert message.endswith("Check troubleshooting guide for common errors: "
                            "https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-python-sdk-troubleshooting.html")


@needs_sdk3
def test_sdk3_raises_its_own_exception_with_the_failure_reason(aws):
    from sagemaker.core.helper.session_helper import Session
    from sagemaker.core.training.configs import Compute, InputData, OutputDataConfig
    from sagemaker.core.utils.exceptions import FailedStatusError
    from sagemaker.train import ModelTrainer

    from pytest_sagemaker_lab import sdk_patches

    sdk_patches.install()
    try:
        trainer = ModelTrainer(
            training_image=IMAGE.format("1.2-2"), role=ROLE, base_job_name="sdk3-fail",
            compute=Compute(instance_type="ml.m5.2xlarge", instance_count=1),
            output_data_config=OutputDataConfig(s3_output_path="s3://lab/output/"),
            hyperparameters={"num_round": "3", "silent": "1"},
            sagemaker_session=Session(boto_session=boto3.Session(region_name="us-east-1")))
        with pytest.raises(FailedStatusError) as raised:
            trainer.train([InputData(channel_name="train", data_source="s3://lab/data/train.csv",
                                     content_type="text/csv")], wait=True, logs=False)
    finally:
        sdk_patches.uninstall()
    assert str(raised.value).startswith(
        "Encountered unexpected failed state while waiting for TrainingJob. Final Resource State: Failed. "
        "Failure Reason: AlgorithmError: framework error:")


def test_header_row_is_ingested_silently_as_the_open_source_images_do(aws):
    sagemaker, s3, _ = aws
    s3.put_object(Bucket="lab", Key="hdr/train.csv", Body=b"label,f1,f2\n" + TRAIN_CSV)
    create(sagemaker, "hdr-1", channels=[channel("train", "hdr/train.csv")])
    assert wait(sagemaker, "hdr-1")["TrainingJobStatus"] == "Completed"


def test_csv_without_content_type_is_read_as_libsvm_and_fails(aws):
    sagemaker, _, logs = aws
    create(sagemaker, "nolibsvm-1", channels=[channel("train", "data/train.csv", content_type=None)])
    assert wait(sagemaker, "nolibsvm-1")["TrainingJobStatus"] == "Failed"
    # A message with a newline reaches CloudWatch as two events, as the container's stdout does.
    assert "\n".join(log_lines(logs, "nolibsvm-1")).endswith(
        "First line '0,0.5,0.25\n...' of file 'train.csv' is not 'LIBSVM' format. "
        "Please ensure the file is in 'LIBSVM' format.")


def test_an_empty_channel_prefix_fails_before_the_container(aws):
    sagemaker, _, _ = aws
    create(sagemaker, "empty-1", channels=[channel("train", "nothing/here.csv")])
    job = wait(sagemaker, "empty-1")
    assert job["TrainingJobStatus"] == "Failed"
    assert job["FailureReason"].startswith('ClientError: No S3 objects found under S3 URL "s3://lab/nothing/here.csv"')


def test_missing_train_channel_dies_with_the_bare_key_error(aws):
    sagemaker, _, logs = aws
    create(sagemaker, "notrain-1", channels=[channel("validation", "data/validation.csv")])
    assert wait(sagemaker, "notrain-1")["TrainingJobStatus"] == "Failed"
    assert "KeyError: 'SM_CHANNEL_TRAIN'" in log_lines(logs, "notrain-1")


def test_labels_outside_0_1_are_the_customers_error(aws):
    sagemaker, s3, logs = aws
    s3.put_object(Bucket="lab", Key="bad/train.csv", Body=b"2,1,1\n0,1,2\n3,4,5\n")
    create(sagemaker, "labels-1", channels=[channel("train", "bad/train.csv")])
    assert wait(sagemaker, "labels-1")["TrainingJobStatus"] == "Failed"
    final = [line for line in log_lines(logs, "labels-1") if line.startswith("sagemaker_algorithm_toolkit")]
    assert final and final[0].startswith("sagemaker_algorithm_toolkit.exceptions.UserError: ")
    assert "label must be in [0,1] for logistic regression" in final[0]


def test_stop_training_job_ends_stopped(aws):
    sagemaker, _, _ = aws
    create(sagemaker, "stop-1", hyperparameters={"num_round": "100000", "objective": "binary:logistic"})
    sagemaker.stop_training_job(TrainingJobName="stop-1")
    job = wait(sagemaker, "stop-1")
    assert job["TrainingJobStatus"] == "Stopped"
    assert job["SecondaryStatusTransitions"][-1]["Status"] == "Stopped"
    with pytest.raises(ClientError, match="status Stopped"):
        sagemaker.stop_training_job(TrainingJobName="stop-1")


def test_max_runtime_is_enforced(aws):
    sagemaker, _, _ = aws
    create(sagemaker, "slow-1", hyperparameters={"num_round": "1000000", "objective": "binary:logistic"},
           StoppingCondition={"MaxRuntimeInSeconds": 1})
    job = wait(sagemaker, "slow-1")
    assert job["TrainingJobStatus"] == "Stopped"
    assert job["SecondaryStatus"] == "MaxRuntimeExceeded"


@pytest.mark.parametrize(("overrides", "message"), [
    ({"RoleArn": "arn:aws:iam::123456789012:user/LabUser"},
     "Value 'arn:aws:iam::123456789012:user/LabUser' at 'roleArn' failed to satisfy constraint"),
    ({"ResourceConfig": {"InstanceType": "ml.m5.huge", "InstanceCount": 1, "VolumeSizeInGB": 30}},
     "Value 'ml.m5.huge' at 'resourceConfig.instanceType' failed to satisfy constraint: Member must satisfy enum"),
    ({"AlgorithmSpecification": {"TrainingImage": "811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:1",
                                 "TrainingInputMode": "File"}},
     "is the legacy XGBoost 0.72 image ('1' or 'latest'), which is not emulated offline"),
])
def test_requests_the_service_refuses(aws, overrides, message):
    sagemaker, _, _ = aws
    with pytest.raises(ClientError, match="ValidationException") as raised:
        create(sagemaker, "refused-1", **overrides)
    assert message in str(raised.value)


def test_a_duplicate_job_name_is_refused(aws):
    sagemaker, _, _ = aws
    create(sagemaker, "dup-1")
    with pytest.raises(ClientError) as raised:
        create(sagemaker, "dup-1")
    assert "Training job names must be unique within an AWS account and region" in str(raised.value)


@pytest.mark.parametrize(("version", "loader"), [
    ("0.90-1-cpu-py3", "pickle"), ("0.90-2-cpu-py3", "pickle"), ("1.0-1-cpu-py3", "pickle"), ("1.2-1", "pickle"),
    ("1.2-2", "pickle"), ("1.3-1", "load_model"), ("1.5-1", "load_model"), ("1.7-1", "load_model"),
    ("3.0-5", "load_model"),
])
def test_each_versions_artifact_loads_as_its_users_load_it(aws, tmp_path, version, loader):
    """0.90-x to 1.2-x users unpickle the Booster; 1.3-1 and later users call Booster.load_model."""
    import pickle

    import xgboost

    sagemaker, s3, _ = aws
    name = f"artifact-{version.replace('.', '-')}"
    create(sagemaker, name, version=version, hyperparameters={"num_round": "4", "objective": "binary:logistic"})
    assert wait(sagemaker, name)["TrainingJobStatus"] == "Completed"
    body = s3.get_object(Bucket="lab", Key=f"output/{name}/output/model.tar.gz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
        archive.extract("xgboost-model", tmp_path, filter="data")
    path = tmp_path / "xgboost-model"
    if loader == "pickle":
        with open(path, "rb") as handle:
            booster = pickle.load(handle)
    else:
        assert path.read_bytes()[:2] == b"{L"  # UBJSON, what the local xgboost writes (see README)
        booster = xgboost.Booster()
        booster.load_model(str(path))
    assert booster.num_boosted_rounds() == 4


@pytest.mark.parametrize(("cpus", "workers", "threads"), [(2, None, 2), (2, "2", 1), (8, "3", 2), (1, "4", 1)])
def test_emulated_jobs_share_the_cores_among_xdist_workers(monkeypatch, cpus, workers, threads):
    from pytest_sagemaker_lab.emulator import cores

    monkeypatch.setattr(cores.os, "cpu_count", lambda: cpus)
    if workers is None:
        monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT", raising=False)
    else:
        monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", workers)
    assert cores.local_threads() == threads


PROCESSING = {"ProcessingJobName": "p-1", "RoleArn": ROLE,
              "AppSpecification": {"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/mine:1"},
              "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                                        "VolumeSizeInGB": 30}}}


@pytest.mark.parametrize(("service", "operation", "arguments"), [
    ("sagemaker", "create_processing_job", PROCESSING),  # moto: Completed, having run nothing
    ("sagemaker", "start_pipeline_execution", {"PipelineName": "p"}),
    ("sagemaker-runtime", "invoke_endpoint_async", {"EndpointName": "e", "InputLocation": "s3://lab/x"}),
])
def test_what_is_not_emulated_says_so_and_fakes_nothing(aws, service, operation, arguments):
    client = boto3.client(service, region_name="us-east-1")
    with pytest.raises(ClientError) as raised:
        getattr(client, operation)(**arguments)
    error = raised.value.response["Error"]
    name = "".join(part.capitalize() for part in operation.split("_"))
    assert error["Code"] == "NotEmulatedOffline"
    assert error["Message"].startswith(f"pytest-sagemaker-lab: {name} is not emulated offline")
    assert "--live" in error["Message"]


def test_over_http_a_refused_operation_is_a_clear_error_not_an_html_page():
    from pytest_sagemaker_lab.emulator.server import local_server

    with local_server() as endpoint:
        client = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=endpoint,
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        with pytest.raises(ClientError) as raised:
            client.create_processing_job(**PROCESSING)
    assert raised.value.response["Error"]["Code"] == "NotEmulatedOffline"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
