# %% [markdown]
# Lab 4.1 with plain boto3: no SageMaker SDK at all. The same job, as the API receives it.

# %% tags=["parameters"]
bucket_name = "sagemaker-lab-data"
prefix = "lab41_local"
role_arn = "arn:aws:iam::123456789012:role/SageMakerLabRole"
region = "us-east-1"

# %%
import time
from datetime import datetime

import boto3

sagemaker = boto3.client("sagemaker", region_name=region)
image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-2"
training_job_name = "xgb-pass1-" + datetime.now().strftime("%m-%d-%Y-%H-%M-%S")


def channel(name, key):
    return {"ChannelName": name, "ContentType": "text/csv", "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket_name}/{prefix}/{key}",
        "S3DataDistributionType": "FullyReplicated"}}}


sagemaker.create_training_job(
    TrainingJobName=training_job_name,
    AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
    RoleArn=role_arn,
    InputDataConfig=[channel("train", "train-pass1.csv"), channel("validation", "validate-pass1.csv")],
    OutputDataConfig={"S3OutputPath": f"s3://{bucket_name}/{prefix}/output/"},
    ResourceConfig={"InstanceType": "ml.m5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
    StoppingCondition={"MaxRuntimeInSeconds": 86400},
    HyperParameters={"num_round": "42", "eval_metric": "logloss", "objective": "binary:logistic",
                     "verbosity": "1", "seed": "42"},
)
while sagemaker.describe_training_job(TrainingJobName=training_job_name)["TrainingJobStatus"] == "InProgress":
    time.sleep(0.05)
