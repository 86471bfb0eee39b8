# %% [markdown]
# # Customer churn prediction with XGBoost: AWS's example, offline
#
# The pattern of amazon-sagemaker-examples' `xgboost_customer_churn` notebook, for SageMaker Python SDK 2:
# the data uploaded under `<prefix>/train/` and `<prefix>/validation/`, a training job on the prefix (no
# trailing slash), a real-time endpoint with a CSV serializer, predictions parsed as that example did for
# the image it used (`np.fromstring(predictions[1:], sep=",")`: the 1.2-1 image answers a request with one
# comma-joined line), then the endpoint deleted. The data is a small synthetic churn table.

# %%
import io
import os
import pickle as pkl
import tarfile

import boto3
import numpy as np
import pandas as pd
import sagemaker
import xgboost as xgb
from sagemaker.inputs import TrainingInput
from sagemaker.serializers import CSVSerializer

# %%
sess = sagemaker.Session()
bucket = sess.default_bucket()
prefix = "sagemaker/DEMO-xgboost-churn"
role = sagemaker.get_execution_role()
print("bucket:", bucket)
print("role:", role)

# %% [markdown]
# A churn-like table: the label `Churn?_True.` first, then the numeric features and the one-hot plans.

# %%
rng = np.random.default_rng(1729)
rows = 600
churn = pd.DataFrame({
    "Account Length": rng.integers(1, 240, rows),
    "VMail Message": rng.poisson(8, rows),
    "Day Mins": rng.normal(180, 55, rows).round(1),
    "Day Calls": rng.integers(40, 160, rows),
    "Eve Mins": rng.normal(200, 50, rows).round(1),
    "Night Mins": rng.normal(200, 50, rows).round(1),
    "Intl Mins": rng.normal(10, 3, rows).round(1),
    "CustServ Calls": rng.poisson(1.6, rows),
    "Int'l Plan_yes": rng.binomial(1, 0.1, rows),
    "VMail Plan_yes": rng.binomial(1, 0.27, rows),
})
score = (0.025 * (churn["Day Mins"] - 180) + 0.9 * (churn["CustServ Calls"] - 1.6)
         + 2.5 * churn["Int'l Plan_yes"] - 1.2 * churn["VMail Plan_yes"] + rng.normal(0, 0.5, rows))
churn.insert(0, "Churn?_True.", (score > 1.0).astype(int))
print(churn.shape, "churn rate", round(churn["Churn?_True."].mean(), 3))

# The example's `np.split(frame.sample(...), [...])` gives ndarrays, not frames, under numpy 2.4 / pandas 3.
shuffled = churn.sample(frac=1, random_state=1729)
cut_train, cut_validation = int(0.7 * len(churn)), int(0.9 * len(churn))
train_data, validation_data, test_data = (shuffled.iloc[:cut_train], shuffled.iloc[cut_train:cut_validation],
                                          shuffled.iloc[cut_validation:])
train_data.to_csv("train.csv", header=False, index=False)
validation_data.to_csv("validation.csv", header=False, index=False)
boto3.Session().resource("s3").Bucket(bucket).Object(os.path.join(prefix, "train/train.csv")).upload_file(
    "train.csv")
boto3.Session().resource("s3").Bucket(bucket).Object(
    os.path.join(prefix, "validation/validation.csv")).upload_file("validation.csv")

# %% [markdown]
# ## Train

# %%
container = sagemaker.image_uris.retrieve("xgboost", sess.boto_region_name, "1.2-1")
print(container)
s3_input_train = TrainingInput(s3_data=f"s3://{bucket}/{prefix}/train", content_type="csv")
s3_input_validation = TrainingInput(s3_data=f"s3://{bucket}/{prefix}/validation/", content_type="csv")

xgb_estimator = sagemaker.estimator.Estimator(container, role, instance_count=1, instance_type="ml.m4.xlarge",
                                              output_path=f"s3://{bucket}/{prefix}/output",
                                              sagemaker_session=sess)
xgb_estimator.set_hyperparameters(max_depth=5, eta=0.2, gamma=4, min_child_weight=6, subsample=0.8, verbosity=0,
                                  objective="binary:logistic", num_round=100)
xgb_estimator.fit({"train": s3_input_train, "validation": s3_input_validation})

# %% [markdown]
# ## Host

# %%
xgb_predictor = xgb_estimator.deploy(initial_instance_count=1, instance_type="ml.m5.xlarge",
                                     serializer=CSVSerializer())
print("endpoint:", xgb_predictor.endpoint_name)

# %% [markdown]
# ## Evaluate

# %%
raw = xgb_predictor.predict(test_data.to_numpy()[:3, 1:]).decode("utf-8")
print("raw answer:", repr(raw))


def predict(data, rows=25):
    split_array = np.array_split(data, int(data.shape[0] / float(rows) + 1))
    predictions = ""
    for array in split_array:
        predictions = ",".join([predictions, xgb_predictor.predict(array).decode("utf-8")])
    return np.fromstring(predictions[1:], sep=",")


predictions = predict(test_data.to_numpy()[:, 1:])
print(len(predictions), "predictions for", len(test_data), "test rows")
print(pd.crosstab(index=test_data.iloc[:, 0], columns=np.round(predictions), rownames=["actual"],
                  colnames=["predictions"]))
print(f"accuracy {np.mean(np.round(predictions) == test_data.iloc[:, 0].to_numpy()):.3f}")

# %% [markdown]
# The endpoint answers with the trained model's own predictions: the model file (a pickled booster, as
# the 1.2-1 image writes it), loaded here, predicts the same.

# %%
artifact = xgb_estimator.model_data
print("model:", artifact)
model_bucket, model_key = artifact.removeprefix("s3://").split("/", 1)
body = boto3.client("s3").get_object(Bucket=model_bucket, Key=model_key)["Body"].read()
with tarfile.open(fileobj=io.BytesIO(body)) as archive:
    booster = pkl.load(archive.extractfile("xgboost-model"))
local = booster.predict(xgb.DMatrix(test_data.to_numpy()[:, 1:].astype(float)))
print("same as the model's own:", bool(np.allclose(local, predictions, rtol=1e-5, atol=1e-6)))

# %% [markdown]
# ## Clean up

# %%
xgb_predictor.delete_endpoint()
endpoints = sess.sagemaker_client.list_endpoints()["Endpoints"]
print("endpoints left:", [endpoint["EndpointName"] for endpoint in endpoints])
