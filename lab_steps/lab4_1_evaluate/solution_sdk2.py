# %% [markdown]
# # Lab 4.1 (continued): evaluate the model (評估模型)
#
# The reference solution, for SageMaker Python SDK 2. It goes on from Lab 4.1's first pass: the
# training job `training_job_name` has completed. It reads the job's training metrics, transforms the
# test file with the trained model, and reads the predictions back.

# %% tags=["parameters"]
bucket_name = "sagemaker-lab-data"
prefix = "lab41_local"
role_arn = "arn:aws:iam::123456789012:role/SageMakerLabRole"
region = "us-east-1"
training_job_name = None  # Lab 4.1's job; when None, the newest xgb-pass1-* job that completed

# %%
import io

import boto3
import numpy as np
import pandas as pd
from sagemaker import Session
from sagemaker.analytics import TrainingJobAnalytics
from sagemaker.estimator import Estimator

boto_session = boto3.Session(region_name=region)
sagemaker_session = Session(boto_session=boto_session)
if training_job_name is None:
    jobs = boto_session.client("sagemaker").list_training_jobs(
        NameContains="xgb-pass1-", StatusEquals="Completed", SortBy="CreationTime", SortOrder="Descending")
    training_job_name = jobs["TrainingJobSummaries"][0]["TrainingJobName"]
print(training_job_name)

# %% [markdown]
# The training metrics (訓練指標): the validation log loss, round by round.

# %%
metrics = TrainingJobAnalytics(training_job_name, metric_names=["validation:logloss"],
                               sagemaker_session=sagemaker_session).dataframe()
print(metrics.tail())

# %% [markdown]
# Batch transform (批次轉換) of the test file: one probability per row.

# %%
xgb_model = Estimator.attach(training_job_name, sagemaker_session=sagemaker_session)
batch_input = f"s3://{bucket_name}/{prefix}/batch-in/batch-in.csv"
batch_output = f"s3://{bucket_name}/{prefix}/batch-out"
xgb_transformer = xgb_model.transformer(instance_count=1, instance_type="ml.m5.xlarge", strategy="MultiRecord",
                                        assemble_with="Line", output_path=batch_output, accept="text/csv")
xgb_transformer.transform(batch_input, content_type="text/csv", split_type="Line", logs=False)
xgb_transformer.wait(logs=False)

# %% [markdown]
# Read the predictions back (讀取預測結果).

# %%
s3_client = boto_session.client("s3")
body = s3_client.get_object(Bucket=bucket_name, Key=f"{prefix}/batch-out/batch-in.csv.out")["Body"].read()
predictions = pd.read_csv(io.BytesIO(body), header=None)[0].to_numpy()
print(len(predictions), "predictions; positive share", np.mean(predictions > 0.5))
