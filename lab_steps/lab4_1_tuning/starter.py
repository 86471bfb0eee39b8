# %% [markdown]
# # Lab 4.1 (continued): tune the model (調整模型)
#
# The starter notebook: fill in every `...` (each marked TODO). The grader's self-test checks that
# this notebook, unfilled, scores zero.

# %% tags=["parameters"]
bucket_name = "sagemaker-lab-data"
prefix = "lab41_local"
role_arn = "arn:aws:iam::123456789012:role/SageMakerLabRole"
region = "us-east-1"

# %%
import boto3
from sagemaker import Session

boto_session = boto3.Session(region_name=region)
sagemaker_session = Session(boto_session=boto_session)

# %% [markdown]
# The estimator (估計器): XGBoost 1.2-2, the first pass's hyperparameters with eval_metric "error".

# %%
xgb_estimator = ...  # TODO

# %% [markdown]
# The tuning job (超參數調整): minimise validation:error over eta (0.1 to 0.5) and max_depth (3 to 9),
# at most 3 jobs, on Lab 4.1's train-pass1.csv and validate-pass1.csv.

# %%
tuner = ...  # TODO: HyperparameterTuner(...), then tuner.fit(...) and tuner.wait()
best_job = ...  # TODO: tuner.best_training_job()

# %% [markdown]
# Transform s3://{bucket_name}/{prefix}/batch-in/batch-in.csv with the best model into
# s3://{bucket_name}/{prefix}/batch-out-tuned (以最佳模型進行批次轉換).

# %%
best_transformer = ...  # TODO
