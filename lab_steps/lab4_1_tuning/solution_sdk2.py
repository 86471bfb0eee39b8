# %% [markdown]
# # Lab 4.1 (continued): tune the model (調整模型)
#
# The reference solution, for SageMaker Python SDK 2. It goes on from Lab 4.1: the data is in the
# bucket. A tuning job searches eta and max_depth for the lowest validation error; the best model then
# transforms the test file.

# %% tags=["parameters"]
bucket_name = "sagemaker-lab-data"
prefix = "lab41_local"
role_arn = "arn:aws:iam::123456789012:role/SageMakerLabRole"
region = "us-east-1"

# %%
from datetime import datetime

import boto3
from sagemaker import Session
from sagemaker.estimator import Estimator
from sagemaker.image_uris import retrieve
from sagemaker.inputs import TrainingInput
from sagemaker.tuner import ContinuousParameter, HyperparameterTuner, IntegerParameter

boto_session = boto3.Session(region_name=region)
sagemaker_session = Session(boto_session=boto_session)
container = retrieve("xgboost", region, "1.2-2")

# %% [markdown]
# The estimator the tuner trains: the first pass's settings, with the error rate as the metric.

# %%
xgb_estimator = Estimator(
    container,
    role=role_arn,
    instance_count=1,
    instance_type="ml.m5.2xlarge",
    output_path=f"s3://{bucket_name}/{prefix}/tuning-output/",
    hyperparameters={"num_round": "42", "objective": "binary:logistic", "eval_metric": "error",
                     "verbosity": "1", "seed": "42"},
    sagemaker_session=sagemaker_session,
)

# %% [markdown]
# The tuning job (超參數調整): minimise validation:error over eta and max_depth, three jobs, one at a time.

# %%
tuner = HyperparameterTuner(
    xgb_estimator,
    objective_metric_name="validation:error",
    objective_type="Minimize",
    hyperparameter_ranges={"eta": ContinuousParameter(0.1, 0.5), "max_depth": IntegerParameter(3, 9)},
    max_jobs=3,
    max_parallel_jobs=1,
    strategy="Random",
)
tuning_job_name = "xgb-tune-" + datetime.now().strftime("%m%d-%H%M%S")
tuner.fit({
    "train": TrainingInput(f"s3://{bucket_name}/{prefix}/train-pass1.csv", content_type="text/csv"),
    "validation": TrainingInput(f"s3://{bucket_name}/{prefix}/validate-pass1.csv", content_type="text/csv"),
}, job_name=tuning_job_name)
tuner.wait()
best_job = tuner.best_training_job()
print(best_job)
print(tuner.analytics().dataframe()[["TrainingJobName", "FinalObjectiveValue"]])

# %% [markdown]
# Transform the test file with the best model (以最佳模型進行批次轉換).

# %%
best_estimator = Estimator.attach(best_job, sagemaker_session=sagemaker_session)
best_transformer = best_estimator.transformer(instance_count=1, instance_type="ml.m5.xlarge",
                                              strategy="MultiRecord", assemble_with="Line", accept="text/csv",
                                              output_path=f"s3://{bucket_name}/{prefix}/batch-out-tuned")
best_transformer.transform(f"s3://{bucket_name}/{prefix}/batch-in/batch-in.csv", content_type="text/csv",
                           split_type="Line", logs=False)
best_transformer.wait(logs=False)
