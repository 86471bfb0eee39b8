# %% [markdown]
# # Lab 4.1: build the model and start training (建立模型並開始訓練)
#
# The starter notebook: fill in every `...` (each marked TODO). The grader's self-test checks that
# this notebook, unfilled, scores zero.

# %% tags=["parameters"]
bucket_name = "sagemaker-lab-data"
role_arn = "arn:aws:iam::123456789012:role/SageMakerLabRole"
region = "us-east-1"

# %% [markdown]
# Verify the install (驗證安裝): import xgboost and print its version.

# %%
# TODO: import xgboost as xgb, then print(xgb.__version__)
...

# %% [markdown]
# Build the estimator (建立模型估計器): the built-in XGBoost container, version 1.2-2.

# %%
from datetime import datetime

import boto3

# TODO: import retrieve (sagemaker.image_uris), Session, Estimator (sagemaker.estimator) and
# TrainingInput (sagemaker.inputs)
container = ...  # TODO: retrieve('xgboost', region, '1.2-2')
hyperparams = ...  # TODO: num_round 42, eval_metric logloss, objective binary:logistic, verbosity 1, seed 42
xgb_model = ...  # TODO: Estimator(container, role=role_arn, instance_type='ml.m5.2xlarge', ...)

# %% [markdown]
# Check the files in S3 (確認文件可訪問), then build the channels (建立數據輸入管道).

# %%
s3_client = boto3.client("s3", region_name=region)
prefix = ...  # TODO: the lab's prefix
train_file = "train-pass1.csv"
validate_file = "validate-pass1.csv"
data_channels = ...  # TODO: {'train': TrainingInput(...), 'validation': TrainingInput(...)}, content_type='text/csv'

# %% [markdown]
# Train (訓練模型): the job is named 'xgb-pass1-' + the time, '%m-%d-%Y-%H-%M-%S'.

# %%
training_job_name = ...  # TODO
# TODO: xgb_model.fit(inputs=data_channels, logs=False, job_name=training_job_name)
