# %% [markdown]
# # Lab 4.1 (continued): tune the model (調整模型), with boto3 only
#
# The reference for any SDK (the one SageMaker Python SDK 3 runs): the tuning job, its best training job
# and the transform with the best model, through the service's API.

# %% tags=["parameters"]
bucket_name = "sagemaker-lab-data"
prefix = "lab41_local"
role_arn = "arn:aws:iam::123456789012:role/SageMakerLabRole"
region = "us-east-1"

# %%
import time
from datetime import datetime

import boto3

boto_session = boto3.Session(region_name=region)
sm = boto_session.client("sagemaker")
# The built-in XGBoost 1.2-2 image of us-east-1 (image_uris.retrieve gives it with the SDK).
container = f"683313688378.dkr.ecr.{region}.amazonaws.com/sagemaker-xgboost:1.2-2"


def wait(describe, key: str) -> str:
    while (status := describe()[key]) in ("InProgress", "Stopping"):
        time.sleep(1)
    return status


# %% [markdown]
# The tuning job (超參數調整): minimise validation:error over eta and max_depth, three jobs, one at a time.

# %%
tuning_job_name = "xgb-tune-" + datetime.now().strftime("%m%d-%H%M%S")


def channel(name: str, key: str) -> dict:
    return {"ChannelName": name, "ContentType": "text/csv", "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket_name}/{prefix}/{key}",
        "S3DataDistributionType": "FullyReplicated"}}}


sm.create_hyper_parameter_tuning_job(
    HyperParameterTuningJobName=tuning_job_name,
    HyperParameterTuningJobConfig={
        "Strategy": "Random",
        "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "validation:error"},
        "ResourceLimits": {"MaxNumberOfTrainingJobs": 3, "MaxParallelTrainingJobs": 1},
        "ParameterRanges": {
            "ContinuousParameterRanges": [{"Name": "eta", "MinValue": "0.1", "MaxValue": "0.5"}],
            "IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "3", "MaxValue": "9"}]}},
    TrainingJobDefinition={
        "StaticHyperParameters": {"num_round": "42", "objective": "binary:logistic", "eval_metric": "error",
                                  "verbosity": "1", "seed": "42"},
        "AlgorithmSpecification": {"TrainingImage": container, "TrainingInputMode": "File"},
        "RoleArn": role_arn,
        "InputDataConfig": [channel("train", "train-pass1.csv"), channel("validation", "validate-pass1.csv")],
        "OutputDataConfig": {"S3OutputPath": f"s3://{bucket_name}/{prefix}/tuning-output/"},
        "ResourceConfig": {"InstanceType": "ml.m5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600}})
status = wait(lambda: sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=tuning_job_name),
              "HyperParameterTuningJobStatus")
best_job = sm.describe_hyper_parameter_tuning_job(
    HyperParameterTuningJobName=tuning_job_name)["BestTrainingJob"]["TrainingJobName"]
print(tuning_job_name, status, best_job)

# %% [markdown]
# Transform the test file with the best model (以最佳模型進行批次轉換).

# %%
best = sm.describe_training_job(TrainingJobName=best_job)
sm.create_model(ModelName=f"{best_job}-model", ExecutionRoleArn=role_arn, PrimaryContainer={
    "Image": container, "ModelDataUrl": best["ModelArtifacts"]["S3ModelArtifacts"]})
transform_job_name = f"{best_job}-transform"
sm.create_transform_job(
    TransformJobName=transform_job_name, ModelName=f"{best_job}-model", BatchStrategy="MultiRecord",
    TransformInput={"DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket_name}/{prefix}/batch-in/batch-in.csv"}},
        "ContentType": "text/csv", "SplitType": "Line"},
    TransformOutput={"S3OutputPath": f"s3://{bucket_name}/{prefix}/batch-out-tuned", "AssembleWith": "Line",
                     "Accept": "text/csv"},
    TransformResources={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1})
print(transform_job_name, wait(lambda: sm.describe_transform_job(TransformJobName=transform_job_name),
                               "TransformJobStatus"))
