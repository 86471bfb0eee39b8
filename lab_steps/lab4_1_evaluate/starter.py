# %% [markdown]
# # Lab 4.1 (continued): evaluate the model (評估模型)
#
# The starter notebook: fill in every `...` (each marked TODO). It goes on from Lab 4.1: the training
# job `training_job_name` has completed. The grader's self-test checks that this notebook, unfilled,
# scores zero.

# %% tags=["parameters"]
bucket_name = "sagemaker-lab-data"
prefix = "lab41_local"
role_arn = "arn:aws:iam::123456789012:role/SageMakerLabRole"
region = "us-east-1"
training_job_name = None  # Lab 4.1's job (the grader fills it in)

# %%
import boto3
from sagemaker import Session

boto_session = boto3.Session(region_name=region)
sagemaker_session = Session(boto_session=boto_session)

# %% [markdown]
# The training metrics (訓練指標): read `validation:logloss` with `sagemaker.analytics.TrainingJobAnalytics`.

# %%
metrics = ...  # TODO: TrainingJobAnalytics(training_job_name, metric_names=[...], ...).dataframe()

# %% [markdown]
# Batch transform (批次轉換): attach to the training job, make a transformer whose output is
# s3://{bucket_name}/{prefix}/batch-out, and transform s3://{bucket_name}/{prefix}/batch-in/batch-in.csv
# (text/csv, split by line).

# %%
xgb_model = ...  # TODO: Estimator.attach(training_job_name, sagemaker_session=sagemaker_session)
xgb_transformer = ...  # TODO: xgb_model.transformer(...)
# TODO: xgb_transformer.transform(...), then xgb_transformer.wait()

# %% [markdown]
# Read the predictions back (讀取預測結果) from s3://{bucket_name}/{prefix}/batch-out/batch-in.csv.out.

# %%
predictions = ...  # TODO
