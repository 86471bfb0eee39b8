"""Models and batch transform offline: CreateModel's checks, the image's serving rules per version, the
platform's split/batch/assemble, the job's lifecycle, its logs and failures, as boto3 and SDK 2 see them."""

from __future__ import annotations

import io
import pickle
import tarfile
import time

import numpy as np
import pytest
from botocore.exceptions import ClientError

from .conftest import needs_sdk2
from .jobs import IMAGE, ROLE, TRAIN_CSV, create, wait

FEATURES = "".join(f"{i % 7}.5,{(i * 3) % 11}.25\n" for i in range(200)).encode()  # TRAIN_CSV less its label


def _trained_model(sagemaker, name: str, version: str = "1.2-2") -> str:
    create(sagemaker, name, version=version)
    job = wait(sagemaker, name)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    sagemaker.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={
        "Image": IMAGE.format(version), "ModelDataUrl": job["ModelArtifacts"]["S3ModelArtifacts"]})
    return job["ModelArtifacts"]["S3ModelArtifacts"]


def _transform(sagemaker, name: str, model: str, uri: str, content_type: str | None = "text/csv",
               wait_for_end: bool = True, **extra) -> dict:
    transform_input = {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}},
                       "SplitType": extra.pop("SplitType", "Line")}
    if content_type:
        transform_input["ContentType"] = content_type
    output = {"S3OutputPath": "s3://lab/batch-out", **extra.pop("Output", {})}
    sagemaker.create_transform_job(TransformJobName=name, ModelName=model, TransformInput=transform_input,
                                   TransformOutput=output, TransformResources={
                                       "InstanceType": "ml.m5.xlarge", "InstanceCount": 1}, **extra)
    while wait_for_end:
        job = sagemaker.describe_transform_job(TransformJobName=name)
        if job["TransformJobStatus"] not in ("InProgress", "Stopping"):
            return job
        time.sleep(0.01)
    return sagemaker.describe_transform_job(TransformJobName=name)


def _local_predictions(s3, model_uri: str, rows: bytes) -> np.ndarray:
    import xgboost

    body = s3.get_object(Bucket="lab", Key=model_uri.removeprefix("s3://lab/"))["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as archive:
        booster = pickle.loads(archive.extractfile("xgboost-model").read())
    matrix = np.loadtxt(io.BytesIO(rows), delimiter=",", ndmin=2)
    return booster.predict(xgboost.DMatrix(matrix))


def _data_log(logs, name: str) -> list[str]:
    streams = logs.describe_log_streams(logGroupName="/aws/sagemaker/TransformJobs",
                                        logStreamNamePrefix=f"{name}/")["logStreams"]
    data = [s["logStreamName"] for s in streams if s["logStreamName"].endswith("/data-log")]
    assert len(streams) == 2 and len(data) == 1
    events = logs.get_log_events(logGroupName="/aws/sagemaker/TransformJobs", logStreamName=data[0],
                                 startFromHead=True)["events"]
    return [event["message"] for event in events]


def test_a_transform_writes_one_prediction_per_row_equal_to_the_models_own(aws):
    sagemaker, s3, _ = aws
    model_uri = _trained_model(sagemaker, "tr-ok")
    s3.put_object(Bucket="lab", Key="batch-in/batch-in.csv", Body=FEATURES)
    job = _transform(sagemaker, "tr-ok", "tr-ok", "s3://lab/batch-in", BatchStrategy="MultiRecord",
                     Output={"AssembleWith": "Line", "Accept": "text/csv"})
    assert job["TransformJobStatus"] == "Completed" and "FailureReason" not in job
    assert job["TransformEndTime"] >= job["TransformStartTime"]
    out = s3.get_object(Bucket="lab", Key="batch-out/batch-in.csv.out")["Body"].read().decode()
    values = [float(line) for line in out.splitlines()]
    assert out.endswith("\n") and len(values) == 200
    np.testing.assert_allclose(values, _local_predictions(s3, model_uri, FEATURES), rtol=1e-6)
    assert all(0 < value < 1 for value in values)


def test_the_label_column_left_in_fails_the_job_with_the_images_words(aws):
    sagemaker, s3, logs = aws
    _trained_model(sagemaker, "tr-label")
    s3.put_object(Bucket="lab", Key="batch-in/with-label.csv", Body=TRAIN_CSV)
    job = _transform(sagemaker, "tr-label", "tr-label", "s3://lab/batch-in/with-label.csv")
    assert job["TransformJobStatus"] == "Failed"
    assert job["FailureReason"] == "ClientError: See job logs for more information"
    assert "Contents" not in s3.list_objects_v2(Bucket="lab", Prefix="batch-out/")  # no partial .out
    lines = _data_log(logs, "tr-label")
    assert lines[0] == "[sagemaker logs]: MaxConcurrentTransforms=4, MaxPayloadInMB=6, BatchStrategy=MULTI_RECORD"
    assert "[sagemaker logs]: lab/batch-in/with-label.csv: ClientError: 400" in lines
    assert ("[sagemaker logs]: lab/batch-in/with-label.csv: Unable to evaluate payload provided: Feature size of "
            "csv inference data 3 is not consistent with feature size of trained model 2.") in lines


def test_from_1_3_1_the_feature_check_is_xgboosts_own(aws):
    sagemaker, s3, logs = aws
    _trained_model(sagemaker, "tr-13", version="1.3-1")
    s3.put_object(Bucket="lab", Key="batch-in/with-label.csv", Body=TRAIN_CSV)
    job = _transform(sagemaker, "tr-13", "tr-13", "s3://lab/batch-in/with-label.csv")
    assert job["FailureReason"] == "ClientError: See job logs for more information"
    message = " ".join(_data_log(logs, "tr-13"))
    assert "Unable to evaluate payload provided: " in message
    assert "Check failed: learner_model_param_.num_feature >= p_fmat->Info().num_col_ (2 vs. 3)" in message


def test_a_header_row_is_a_415_that_names_the_cell(aws):
    sagemaker, s3, logs = aws
    _trained_model(sagemaker, "tr-header")
    s3.put_object(Bucket="lab", Key="batch-in/header.csv", Body=b"f1,f2\n" + FEATURES)
    job = _transform(sagemaker, "tr-header", "tr-header", "s3://lab/batch-in/header.csv", SplitType="None")
    assert job["TransformJobStatus"] == "Failed"
    lines = _data_log(logs, "tr-header")
    assert "[sagemaker logs]: lab/batch-in/header.csv: ClientError: 415" in lines
    assert "[sagemaker logs]: lab/batch-in/header.csv:  could not convert string to float: 'f1'" in lines


def test_a_wrong_content_type_is_refused_as_the_image_refuses_it(aws):
    sagemaker, s3, logs = aws
    _trained_model(sagemaker, "tr-json")
    s3.put_object(Bucket="lab", Key="batch-in/batch-in.csv", Body=FEATURES)
    job = _transform(sagemaker, "tr-json", "tr-json", "s3://lab/batch-in", content_type="application/json")
    assert job["TransformJobStatus"] == "Failed"
    assert ("[sagemaker logs]: lab/batch-in/batch-in.csv: application/json is not an accepted ContentType: csv, "
            "libsvm, parquet, recordio-protobuf, text/csv, text/libsvm, text/x-libsvm, application/x-parquet, "
            "application/x-recordio-protobuf.") in _data_log(logs, "tr-json")


def test_every_object_under_the_prefix_gets_its_out_and_a_bad_one_does_not_stop_the_others(aws):
    sagemaker, s3, _ = aws
    _trained_model(sagemaker, "tr-many")
    rows = FEATURES.splitlines(keepends=True)
    s3.put_object(Bucket="lab", Key="many/a.csv", Body=b"".join(rows[:4]))
    s3.put_object(Bucket="lab", Key="many/sub/b.csv", Body=b"".join(rows[4:9]))
    s3.put_object(Bucket="lab", Key="many/c.csv", Body=TRAIN_CSV[:60])  # the label left in
    job = _transform(sagemaker, "tr-many", "tr-many", "s3://lab/many/", BatchStrategy="SingleRecord")
    assert job["TransformJobStatus"] == "Failed"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="lab", Prefix="batch-out/")["Contents"]]
    assert keys == ["batch-out/a.csv.out", "batch-out/sub/b.csv.out"]
    a = s3.get_object(Bucket="lab", Key="batch-out/a.csv.out")["Body"].read().decode()
    assert len(a.splitlines()) == 4


def test_a_payload_over_max_payload_is_refused(aws):
    sagemaker, s3, logs = aws
    _trained_model(sagemaker, "tr-big")
    s3.put_object(Bucket="lab", Key="big/big.csv", Body=FEATURES * 6000)  # ~1.7 MB, one request
    job = _transform(sagemaker, "tr-big", "tr-big", "s3://lab/big/", SplitType="None", MaxPayloadInMB=1)
    assert job["TransformJobStatus"] == "Failed"
    assert "[sagemaker logs]: lab/big/big.csv: ClientError: Too much data for max payload size" in _data_log(
        logs, "tr-big")


def test_create_model_and_transform_check_what_the_service_checks(aws):
    sagemaker, _, _ = aws
    with pytest.raises(ClientError, match=r"Could not find model data at s3://lab/nothing/model\.tar\.gz"):
        sagemaker.create_model(ModelName="m-missing", ExecutionRoleArn=ROLE, PrimaryContainer={
            "Image": IMAGE.format("1.2-2"), "ModelDataUrl": "s3://lab/nothing/model.tar.gz"})
    with pytest.raises(ClientError, match="executionRoleArn"):
        sagemaker.create_model(ModelName="m-role", ExecutionRoleArn="arn:aws:iam::123:user/not-a-role",
                               PrimaryContainer={"Image": IMAGE.format("1.2-2")})
    with pytest.raises(ClientError, match="NotEmulatedOffline"):
        sagemaker.create_model(ModelName="m-image", ExecutionRoleArn=ROLE, PrimaryContainer={
            "Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/mine:1"})
    with pytest.raises(ClientError, match='Could not find model "arn:aws:sagemaker:us-east-1:123456789012:model/none"'):
        _transform(sagemaker, "tr-none", "none", "s3://lab/data/validation.csv")
    _trained_model(sagemaker, "tr-dup")
    with pytest.raises(ClientError, match="Cannot create already existing model"):
        sagemaker.create_model(ModelName="tr-dup", ExecutionRoleArn=ROLE, PrimaryContainer={
            "Image": IMAGE.format("1.2-2")})
    _transform(sagemaker, "tr-dup", "tr-dup", "s3://lab/data/validation.csv", content_type="text/csv",
               SplitType="None")
    with pytest.raises(ClientError, match="already exists"):
        _transform(sagemaker, "tr-dup", "tr-dup", "s3://lab/data/validation.csv")


def test_a_model_file_is_never_unpickled_beyond_a_booster(aws, tmp_path):
    """A model archive may be a learner's: one that would run code when unpickled only fails to load."""
    sagemaker, s3, _ = aws
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = pickle.dumps(Payload())
        info = tarfile.TarInfo("xgboost-model")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    s3.put_object(Bucket="lab", Key="evil/model.tar.gz", Body=buffer.getvalue())
    sagemaker.create_model(ModelName="evil", ExecutionRoleArn=ROLE, PrimaryContainer={
        "Image": IMAGE.format("1.2-2"), "ModelDataUrl": "s3://lab/evil/model.tar.gz"})
    job = _transform(sagemaker, "tr-evil", "evil", "s3://lab/data/validation.csv", SplitType="None")
    assert job["TransformJobStatus"] == "Failed"
    assert job["FailureReason"] == "AlgorithmError: See job logs for more information"
    assert not marker.exists()


@needs_sdk2
def test_sdk2_transformer_runs_waits_and_reads_back_as_the_course_lab_does(aws):
    """The course lab's cells: transformer(...).transform(...), wait(), then the .out file into pandas."""
    import pandas as pd
    import sagemaker as sdk
    from sagemaker.estimator import Estimator

    from pytest_sagemaker_lab import sdk_patches

    _, s3, _ = aws
    clock = sdk_patches.install()
    try:
        session = sdk.Session(default_bucket="lab")
        estimator = Estimator(image_uri=IMAGE.format("1.2-2"), role=ROLE, instance_count=1,
                              instance_type="ml.m5.xlarge", output_path="s3://lab/output", sagemaker_session=session,
                              hyperparameters={"num_round": 5, "objective": "binary:logistic"})
        estimator.fit({"train": sdk.inputs.TrainingInput("s3://lab/data/train.csv", content_type="text/csv")},
                      logs=False)
        s3.put_object(Bucket="lab", Key="batch-in/batch-in.csv", Body=FEATURES)
        transformer = estimator.transformer(1, "ml.m5.xlarge", strategy="MultiRecord", assemble_with="Line",
                                            output_path="s3://lab/batch-out", accept="text/csv")
        transformer.transform("s3://lab/batch-in", content_type="text/csv", split_type="Line")
        transformer.wait()
        frame = pd.read_csv(io.BytesIO(s3.get_object(Bucket="lab", Key="batch-out/batch-in.csv.out")["Body"].read()),
                            header=None)
        assert frame.shape == (200, 1)
        bad = estimator.transformer(1, "ml.m5.xlarge", output_path="s3://lab/batch-bad")
        with pytest.raises(Exception, match=r"Failed\. Reason: ClientError: See job logs for more information"):
            bad.transform("s3://lab/data/train.csv", content_type="text/csv", split_type="Line")
        assert clock.slept < 5  # the SDK's 10 s (logs) and 5 s sleeps were not waited out
    finally:
        sdk_patches.uninstall()


def test_list_transform_jobs_filters_sorts_then_pages_as_the_service_does(aws):
    """Newest first by default; moto alone pages before it filters and ignores SortBy and SortOrder."""
    sagemaker, _, _ = aws
    _trained_model(sagemaker, "tr-list")
    for name in ("tr-b-older", "tr-a-newer"):
        _transform(sagemaker, name, "tr-list", "s3://lab/data/validation.csv", SplitType="None")
        time.sleep(0.01)
    newest = sagemaker.list_transform_jobs(MaxResults=1)["TransformJobSummaries"]
    assert [job["TransformJobName"] for job in newest] == ["tr-a-newer"]
    by_name = sagemaker.list_transform_jobs(SortBy="Name", SortOrder="Ascending")["TransformJobSummaries"]
    assert [job["TransformJobName"] for job in by_name] == ["tr-a-newer", "tr-b-older"]
    assert [job["TransformJobName"] for job in sagemaker.list_transform_jobs(
        NameContains="older", MaxResults=1)["TransformJobSummaries"]] == ["tr-b-older"]
    first = sagemaker.list_transform_jobs(MaxResults=1, SortOrder="Ascending")
    second = sagemaker.list_transform_jobs(MaxResults=1, SortOrder="Ascending", NextToken=first["NextToken"])
    names = [page["TransformJobSummaries"][0]["TransformJobName"] for page in (first, second)]
    assert names == ["tr-b-older", "tr-a-newer"]
