# %% [markdown]
# # Lab 4.1 (continued): evaluate the model (評估模型), with boto3 only
#
# The reference for any SDK (the one SageMaker Python SDK 3 runs): the same steps as the SDK 2 reference,
# through the service's API: the training metrics from CloudWatch, CreateModel and CreateTransformJob,
# then the predictions read back.

# %% tags=["parameters"]
bucket_name = "sagemaker-lab-data"
prefix = "lab41_local"
role_arn = "arn:aws:iam::123456789012:role/SageMakerLabRole"
region = "us-east-1"
training_job_name = None  # Lab 4.1's job; when None, the newest xgb-pass1-* job that completed

# %%
import io
import time
from datetime import datetime, timedelta

import boto3
import numpy as np
import pandas as pd

boto_session = boto3.Session(region_name=region)
sm = boto_session.client("sagemaker")
if training_job_name is None:
    jobs = sm.list_training_jobs(NameContains="xgb-pass1-", StatusEquals="Completed", SortBy="CreationTime",
                                 SortOrder="Descending")
    training_job_name = jobs["TrainingJobSummaries"][0]["TrainingJobName"]
job = sm.describe_training_job(TrainingJobName=training_job_name)

# %% [markdown]
# The training metrics (訓練指標): validation:logloss, as SageMaker publishes it to CloudWatch.

# %%
points = boto_session.client("cloudwatch").get_metric_statistics(
    Namespace="/aws/sagemaker/TrainingJobs", MetricName="validation:logloss",
    Dimensions=[{"Name": "TrainingJobName", "Value": training_job_name}],
    StartTime=job["TrainingStartTime"], EndTime=job["TrainingEndTime"] + timedelta(minutes=1),
    Period=60, Statistics=["Average"])["Datapoints"]
print(sorted((p["Timestamp"], p["Average"]) for p in points))

# %% [markdown]
# Batch transform (批次轉換) of the test file with the trained model.

# %%
stamp = datetime.now().strftime("%Y-%m-%d-%H-%M-%S")
model_name = f"xgb-pass1-model-{stamp}"
sm.create_model(ModelName=model_name, ExecutionRoleArn=role_arn, PrimaryContainer={
    "Image": job["AlgorithmSpecification"]["TrainingImage"],
    "ModelDataUrl": job["ModelArtifacts"]["S3ModelArtifacts"]})
transform_job_name = f"xgb-pass1-transform-{stamp}"
sm.create_transform_job(
    TransformJobName=transform_job_name, ModelName=model_name, BatchStrategy="MultiRecord",
    TransformInput={"DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket_name}/{prefix}/batch-in/batch-in.csv"}},
        "ContentType": "text/csv", "SplitType": "Line"},
    TransformOutput={"S3OutputPath": f"s3://{bucket_name}/{prefix}/batch-out", "AssembleWith": "Line",
                     "Accept": "text/csv"},
    TransformResources={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1})
while (status := sm.describe_transform_job(TransformJobName=transform_job_name)["TransformJobStatus"]) in (
        "InProgress", "Stopping"):
    time.sleep(1)
print(transform_job_name, status)

# %% [markdown]
# Read the predictions back (讀取預測結果).

# %%
body = boto_session.client("s3").get_object(
    Bucket=bucket_name, Key=f"{prefix}/batch-out/batch-in.csv.out")["Body"].read()
predictions = pd.read_csv(io.BytesIO(body), header=None)[0].to_numpy()
print(len(predictions), "predictions; positive share", np.mean(predictions > 0.5))
