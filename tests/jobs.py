"""Helpers to run emulated training jobs through the API, as the SDK and boto3 do."""

from __future__ import annotations

import time

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:{}"
ROLE = "arn:aws:iam::123456789012:role/SageMakerLabRole"
TRAIN_CSV = "".join(f"{i % 2},{i % 7}.5,{(i * 3) % 11}.25\n" for i in range(200)).encode()


def channel(name: str, key: str, content_type: str | None = "text/csv") -> dict:
    channel = {"ChannelName": name, "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": f"s3://lab/{key}", "S3DataDistributionType": "FullyReplicated"}}}
    if content_type:
        channel["ContentType"] = content_type
    return channel


def create(sagemaker, name: str, version: str = "1.2-2", hyperparameters: dict | None = None,
           channels: list | None = None, **overrides):
    request = dict(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": IMAGE.format(version), "TrainingInputMode": "File"},
        RoleArn=ROLE,
        InputDataConfig=channels if channels is not None else [
            channel("train", "data/train.csv"), channel("validation", "data/validation.csv")],
        OutputDataConfig={"S3OutputPath": "s3://lab/output/"},
        ResourceConfig={"InstanceType": "ml.m5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        HyperParameters=hyperparameters if hyperparameters is not None else {
            "num_round": "5", "objective": "binary:logistic", "eval_metric": "logloss"},
    )
    request.update(overrides)
    return sagemaker.create_training_job(**request)


def wait(sagemaker, name: str) -> dict:
    while True:
        job = sagemaker.describe_training_job(TrainingJobName=name)
        if job["TrainingJobStatus"] not in ("InProgress", "Stopping"):
            return job
        time.sleep(0.01)


def log_lines(logs, name: str) -> list[str]:
    streams = logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs",
                                        logStreamNamePrefix=f"{name}/")["logStreams"]
    assert len(streams) == 1 and streams[0]["logStreamName"].startswith(f"{name}/algo-1-")
    events = logs.get_log_events(logGroupName="/aws/sagemaker/TrainingJobs",
                                 logStreamName=streams[0]["logStreamName"], startFromHead=True)["events"]
    return [event["message"] for event in events]


