# %% [markdown]
# # Lab 4.1: build the model and start training (建立模型並開始訓練)
#
# The reference solution, for SageMaker Python SDK 2 (`pip install 'sagemaker<3'`).
# It is the seed's code, corrected: the region comes from the session, the imports are complete,
# and the channels use `sagemaker.inputs.TrainingInput`.
# Cells are separated by `# %%` lines (the "percent" format); the grader injects its values after
# the cell tagged `parameters`, as papermill does.

# %% tags=["parameters"]
bucket_name = "sagemaker-lab-data"
prefix = "lab41_local"
role_arn = "arn:aws:iam::123456789012:role/SageMakerLabRole"
region = "us-east-1"

# %% [markdown]
# Verify the install: xgboost imports (it needs the OpenMP runtime, libomp/libgomp).

# %%
import xgboost as xgb

print(xgb.__version__)

# %%
from datetime import datetime

import boto3
from botocore.exceptions import ClientError
from sagemaker import Session
from sagemaker.estimator import Estimator
from sagemaker.image_uris import retrieve
from sagemaker.inputs import TrainingInput

boto_session = boto3.Session(region_name=region)
sagemaker_session = Session(boto_session=boto_session)

# %% [markdown]
# Build the estimator on the built-in XGBoost container, version 1.2-2.

# %%
container = retrieve("xgboost", region, "1.2-2")
s3_output_location = f"s3://{bucket_name}/{prefix}/output/"

# `silent` was removed in XGBoost 1.0 (the 1.2-2 container rejects it); `verbosity` replaces it.
hyperparams = {
    "num_round": "42",
    "eval_metric": "logloss",
    "objective": "binary:logistic",
    "verbosity": "1",
    "seed": "42",
}

xgb_model = Estimator(
    container,
    role=role_arn,
    instance_count=1,
    instance_type="ml.m5.2xlarge",
    output_path=s3_output_location,
    hyperparameters=hyperparams,
    sagemaker_session=sagemaker_session,
)

# %% [markdown]
# Check that the data is in S3, then wire the two channels.

# %%
s3_client = boto_session.client("s3")


def check_s3_file_exists(bucket, key):
    try:
        s3_client.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as e:
        if e.response["Error"]["Code"] == "404":
            print(f"文件不存在 (not found): s3://{bucket}/{key}")
        else:
            print(f"無法訪問文件 (cannot read): s3://{bucket}/{key}: {e}")
        return False


train_key = f"{prefix}/train-pass1.csv"
validate_key = f"{prefix}/validate-pass1.csv"
for key in (train_key, validate_key):
    if check_s3_file_exists(bucket_name, key):
        print(f"可訪問 (reachable): s3://{bucket_name}/{key}")

data_channels = {
    "train": TrainingInput(f"s3://{bucket_name}/{train_key}", content_type="text/csv"),
    "validation": TrainingInput(f"s3://{bucket_name}/{validate_key}", content_type="text/csv"),
}

# %% [markdown]
# Train.

# %%
training_job_name = "xgb-pass1-" + datetime.now().strftime("%m-%d-%Y-%H-%M-%S")
xgb_model.fit(inputs=data_channels, logs=False, job_name=training_job_name)
print(training_job_name)

# %% [markdown]
# The model is under the job's `output/`.

# %%
listing = s3_client.list_objects_v2(Bucket=bucket_name, Prefix=f"{prefix}/output/{training_job_name}/")
for entry in listing.get("Contents", []):
    print(entry["Key"])
