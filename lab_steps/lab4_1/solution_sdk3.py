# %% [markdown]
# # Lab 4.1: build the model and start training (建立模型並開始訓練), SageMaker Python SDK 3
#
# The same lab for SDK 3 (`pip install 'sagemaker>=3'`), where `Estimator`, `TrainingInput` and
# `sagemaker.image_uris` are gone: `ModelTrainer` with `Compute`, `InputData` and `OutputDataConfig`,
# and `image_uris` from `sagemaker.core`. The job, its name and its artifacts are the same as SDK 2's.

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
from sagemaker.core import image_uris
from sagemaker.core.helper.session_helper import Session
from sagemaker.core.resources import TrainingJob
from sagemaker.core.training.configs import Compute, InputData, OutputDataConfig
from sagemaker.train import ModelTrainer

boto_session = boto3.Session(region_name=region)
sagemaker_session = Session(boto_session=boto_session)

# %% [markdown]
# The trainer on the built-in XGBoost container, version 1.2-2. SDK 3 sends hyperparameters as
# strings (non-strings are JSON-encoded), so they are written as strings here.

# %%
container = image_uris.retrieve("xgboost", region=region, version="1.2-2")
s3_output_location = f"s3://{bucket_name}/{prefix}/output/"

hyperparams = {
    "num_round": "42",
    "eval_metric": "logloss",
    "objective": "binary:logistic",
    "verbosity": "1",
    "seed": "42",
}

xgb_trainer = ModelTrainer(
    training_image=container,
    role=role_arn,
    base_job_name="xgb-pass1",
    compute=Compute(instance_type="ml.m5.2xlarge", instance_count=1),
    output_data_config=OutputDataConfig(s3_output_path=s3_output_location),
    hyperparameters=hyperparams,
    sagemaker_session=sagemaker_session,
)

# %% [markdown]
# Check that the data is in S3, then describe the two channels.

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

data_channels = [
    InputData(channel_name="train", data_source=f"s3://{bucket_name}/{train_key}", content_type="text/csv"),
    InputData(channel_name="validation", data_source=f"s3://{bucket_name}/{validate_key}", content_type="text/csv"),
]

# %% [markdown]
# Train. `ModelTrainer.train()` names its jobs `<base_job_name>-<%Y%m%d%H%M%S>` and takes no job name,
# so the request it builds is sent under the lab's name (`xgb-pass1-<%m-%d-%Y-%H-%M-%S>`).

# %%
training_job_name = "xgb-pass1-" + datetime.now().strftime("%m-%d-%Y-%H-%M-%S")
request = xgb_trainer._create_training_job_args(input_data_config=data_channels)
request["training_job_name"] = training_job_name
training_job = TrainingJob.create(session=boto_session, **request)
training_job.wait(logs=False)
print(training_job_name, training_job.training_job_status)

# %% [markdown]
# The model is under the job's `output/`.

# %%
listing = s3_client.list_objects_v2(Bucket=bucket_name, Prefix=f"{prefix}/output/{training_job_name}/")
for entry in listing.get("Contents", []):
    print(entry["Key"])
