"""The fidelity suite: each row is a job (container version, hyperparameters, channels, data) and the
verdict and message the real container or service gives, from docs/facts/xgboost-containers.md.

Verdicts: ``Completed``; ``Failed`` with the exception line the container prints last (``re:`` for a
pattern, where xgboost puts a time stamp in it); ``ClientError`` with the start of the FailureReason;
``Rejected`` with the ValidationException CreateTrainingJob answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from botocore.exceptions import ClientError

from .jobs import TRAIN_CSV, channel, create, log_lines, wait

TOOLKIT = "sagemaker_algorithm_toolkit.exceptions.UserError: "
BINARY = {"objective": "binary:logistic"}
LIBSVM = b"".join(f"{i % 2} 1:{i % 7}.5 2:{(i * 3) % 11}.25\n".encode() for i in range(120))
MULTICLASS = "".join(f"{i % 3},{i % 7}.5,{(i * 3) % 11}.25\n" for i in range(150)).encode()
WEIGHTED = "".join(f"{i % 2},{1 + i % 3},{i % 7}.5\n" for i in range(150)).encode()


@dataclass
class Row:
    id: str
    verdict: str
    message: str = ""
    version: str = "1.2-2"
    hyperparameters: dict = field(default_factory=lambda: {"num_round": "3", **BINARY})
    channels: list | None = None  # default: train and validation, text/csv
    files: dict = field(default_factory=dict)  # extra objects, key -> bytes ("parquet": made from TRAIN_CSV)
    output: str = "s3://lab/output/"


def hp(**values: str) -> dict:
    return {"num_round": "3", **values}


def csv_channel(name: str, key: str, content_type: str | None = "text/csv", **extra) -> dict:
    made = channel(name, key, content_type)
    made.update(extra)
    return made


ROWS = [
    # -- hyperparameters: the toolkit's messages (facts 3.2) --------------------------------------
    Row("num_round-missing", "Failed", TOOLKIT + "Missing required hyperparameter: num_round",
        hyperparameters={"objective": "binary:logistic"}),
    Row("required-before-extraneous", "Failed", TOOLKIT + "Missing required hyperparameter: num_round",
        hyperparameters={"silent": "0"}),
    Row("silent-1.2-2", "Failed", TOOLKIT + "Extraneous hyperparameter found: silent", hyperparameters=hp(silent="0")),
    Row("silent-1.2-1", "Failed", TOOLKIT + "Extraneous hyperparameter found: silent", version="1.2-1",
        hyperparameters=hp(silent="1")),
    Row("silent-3.0-5", "Failed", TOOLKIT + "Extraneous hyperparameter found: silent", version="3.0-5",
        hyperparameters=hp(silent="1")),
    Row("silent-1.0-1", "Completed", version="1.0-1", hyperparameters=hp(silent="1", **BINARY)),
    Row("silent-0.90-1", "Completed", version="0.90-1-cpu-py3", hyperparameters=hp(silent="1", **BINARY)),
    Row("n_estimators", "Failed", TOOLKIT + "Extraneous hyperparameter found: n_estimators",
        hyperparameters=hp(n_estimators="10")),
    Row("device-3.0-5", "Failed", TOOLKIT + "Extraneous hyperparameter found: device", version="3.0-5",
        hyperparameters=hp(device="cpu")),
    Row("num_round-float", "Failed",
        TOOLKIT + "Hyperparameter num_round: could not parse value (caused by ValueError)",
        hyperparameters={"num_round": "10.0"}),
    Row("max_depth-float", "Failed",
        TOOLKIT + "Hyperparameter max_depth: could not parse value (caused by ValueError)",
        hyperparameters=hp(max_depth="5.0")),
    Row("eta-range", "Failed", TOOLKIT + "Hyperparameter eta: 1.5 is not in [0, 1]", hyperparameters=hp(eta="1.5")),
    Row("num_round-zero", "Failed", TOOLKIT + "Hyperparameter num_round: 0 is not in [1, +inf)",
        hyperparameters={"num_round": "0"}),
    Row("subsample-zero", "Failed", TOOLKIT + "Hyperparameter subsample: 0.0 is not in (0, 1]",
        hyperparameters=hp(subsample="0")),
    Row("objective-typo", "Failed", "re:^" + re.escape(TOOLKIT + "Hyperparameter objective: reg:linearr is not in ['"),
        hyperparameters=hp(objective="reg:linearr")),
    Row("save_model_on_termination-True", "Failed",
        TOOLKIT + "Hyperparameter save_model_on_termination: True is not in ['true', 'false']",
        hyperparameters=hp(save_model_on_termination="True", **BINARY)),
    Row("eval_metric-unknown", "Failed", "re:^" + re.escape(TOOLKIT + "Hyperparameter eval_metric: value ['foo'] "
                                                            "not in range ["),
        hyperparameters=hp(eval_metric="foo", **BINARY)),
    Row("auc-regression", "Failed",
        TOOLKIT + "Metric 'auc' can only be applied for classification and ranking problems.",
        hyperparameters=hp(objective="reg:squarederror", eval_metric="auc")),
    Row("aft-nloglik-without-aft", "Failed",
        TOOLKIT + "Metric 'aft-nloglik' can only be applied for 'survival:aft' objective.",
        hyperparameters=hp(objective="reg:squarederror", eval_metric="aft-nloglik")),
    Row("softmax-without-num_class", "Failed",
        TOOLKIT + "Require input for parameter 'num_class' for multi-classification",
        hyperparameters=hp(objective="multi:softmax")),
    Row("gpu_hist-1.0-1", "Failed", TOOLKIT + "GPU training is not supported yet.", version="1.0-1",
        hyperparameters=hp(tree_method="gpu_hist", **BINARY)),
    Row("monotone-with-approx", "Failed",
        TOOLKIT + "monotone_constraints can be used only when the tree_method parameter is set to either "
        "'exact' or 'hist'.",
        hyperparameters=hp(monotone_constraints="(1,0)", tree_method="approx", **BINARY)),
    Row("interaction-with-gpu_hist", "Failed",
        TOOLKIT + "interaction_constraints can be used only when the tree_method parameter is set to either "
        "'exact', 'hist' or 'approx'.",
        hyperparameters=hp(interaction_constraints="[[1,2]]", tree_method="gpu_hist", **BINARY)),
    Row("error-threshold-not-float", "Failed", TOOLKIT + "Threshold value 't' in 'error@t' expects float input.",
        hyperparameters=hp(eval_metric="error@t", **BINARY)),
    Row("auc-with-threshold", "Failed",
        TOOLKIT + "Metric 'auc@0.5' is not supported. Parameter 'eval_metric' with customized threshold should be "
        "one of these options: 'error', 'ndcg', 'map'.",
        hyperparameters=hp(eval_metric="auc@0.5", **BINARY)),
    # -- what each version accepts (facts 3.3, "Version differences") -----------------------------
    Row("alias-0.90-1", "Failed", TOOLKIT + "Extraneous hyperparameter found: learning_rate",
        version="0.90-1-cpu-py3", hyperparameters=hp(learning_rate="0.3", **BINARY)),
    Row("alias-0.90-2", "Completed", version="0.90-2-cpu-py3", hyperparameters=hp(learning_rate="0.3", **BINARY)),
    Row("squaredlogerror-0.90-2", "Failed", "re:^" + re.escape(
        TOOLKIT + "Hyperparameter objective: reg:squaredlogerror is not in"), version="0.90-2-cpu-py3",
        hyperparameters=hp(objective="reg:squaredlogerror")),
    Row("squaredlogerror-1.0-1", "Completed", version="1.0-1", hyperparameters=hp(objective="reg:squaredlogerror")),
    Row("absoluteerror-1.5-1", "Failed", "re:^" + re.escape(
        TOOLKIT + "Hyperparameter objective: reg:absoluteerror is not in"), version="1.5-1",
        hyperparameters=hp(objective="reg:absoluteerror")),
    Row("absoluteerror-1.7-1", "Completed", version="1.7-1", hyperparameters=hp(objective="reg:absoluteerror")),
    Row("single_precision_histogram-1.7-1", "Failed",
        TOOLKIT + "Extraneous hyperparameter found: single_precision_histogram", version="1.7-1",
        hyperparameters=hp(single_precision_histogram="true", **BINARY)),
    Row("sampling_method-1.2-2", "Failed", TOOLKIT + "Extraneous hyperparameter found: sampling_method",
        hyperparameters=hp(sampling_method="uniform", **BINARY)),
    Row("sampling_method-1.3-1", "Completed", version="1.3-1", hyperparameters=hp(sampling_method="uniform", **BINARY)),
    Row("f1_binary-1.2-1", "Failed", "re:^" + re.escape(TOOLKIT + "Hyperparameter eval_metric: value ['f1_binary']"),
        version="1.2-1", hyperparameters=hp(eval_metric="f1_binary", **BINARY)),
    Row("f1_binary-1.2-2", "Completed", hyperparameters=hp(eval_metric="f1_binary", **BINARY)),
    Row("accuracy-and-logloss", "Completed", hyperparameters=hp(eval_metric="accuracy,logloss", **BINARY)),
    Row("multiclass", "Completed",
        hyperparameters=hp(objective="multi:softprob", num_class="3", eval_metric="mlogloss"),
        channels=[csv_channel("train", "multi/train.csv")], files={"multi/train.csv": MULTICLASS}),
    # -- channels (facts 4.1) ----------------------------------------------------------------------
    Row("channel-test", "Failed", TOOLKIT + "Extraneous channel found: test",
        channels=[csv_channel("train", "data/train.csv"), csv_channel("test", "data/validation.csv")]),
    Row("channel-label_size", "Failed", "re:^" + re.escape(
        TOOLKIT + "Channel configuration for 'train' channel is not supported: "
        "{'ContentType': 'text/csv; label_size=1'"),
        channels=[csv_channel("train", "data/train.csv", "text/csv; label_size=1")]),
    Row("channel-json", "Failed", "re:^" + re.escape(
        TOOLKIT + "Channel configuration for 'train' channel is not supported: {'ContentType': 'application/json'"),
        channels=[csv_channel("train", "data/train.csv", "application/json")]),
    Row("no-train-channel", "Failed", "KeyError: 'SM_CHANNEL_TRAIN'",
        channels=[csv_channel("validation", "data/validation.csv")]),
    Row("csv-as-libsvm", "Failed", TOOLKIT + "First line '0,0.5,0.25\n...' of file 'train.csv' is not 'LIBSVM' "
        "format. Please ensure the file is in 'LIBSVM' format.",
        channels=[csv_channel("train", "data/train.csv", None)]),
    Row("libsvm", "Completed", channels=[csv_channel("train", "svm/train.libsvm", "text/libsvm")],
        files={"svm/train.libsvm": LIBSVM}),
    Row("libsvm-default-content-type", "Completed", channels=[csv_channel("train", "svm/train.libsvm", None)],
        files={"svm/train.libsvm": LIBSVM}),
    Row("parquet", "Completed", channels=[csv_channel("train", "pq/train.parquet", "application/x-parquet")],
        files={"pq/train.parquet": "parquet"}),
    Row("parquet-broken", "Failed", "re:^" + re.escape(TOOLKIT + "Failed to load parquet data with exception:"),
        channels=[csv_channel("train", "pq/bad.parquet", "application/x-parquet")],
        files={"pq/bad.parquet": b"not parquet at all"}),
    # -- data (facts 4.2) --------------------------------------------------------------------------
    Row("empty-train", "Failed", TOOLKIT + "No data in training channel path /opt/ml/input/data/train",
        channels=[csv_channel("train", "empty/train.csv")], files={"empty/train.csv": b""}),
    Row("empty-validation", "Failed", TOOLKIT + "No data in validation channel path /opt/ml/input/data/validation",
        channels=[csv_channel("train", "data/train.csv"), csv_channel("validation", "empty/v.csv")],
        files={"empty/v.csv": b""}),
    Row("hidden-file", "Failed", TOOLKIT + "Hidden file found in the data path! Remove that before training.",
        channels=[csv_channel("train", "hidden/")], files={"hidden/a.csv": TRAIN_CSV, "hidden/.b.csv": TRAIN_CSV}),
    Row("header-row-ingested", "Completed", channels=[csv_channel("train", "hdr/train.csv")],
        files={"hdr/train.csv": b"label,f1,f2\n" + TRAIN_CSV}),
    Row("non-numeric-cell-ingested", "Completed", channels=[csv_channel("train", "nan/train.csv")],
        files={"nan/train.csv": TRAIN_CSV + b"1,abc,2\n"}),
    Row("undetectable-delimiter", "Failed", "re:^" + re.escape(TOOLKIT + "Could not determine delimiter on line 1"),
        channels=[csv_channel("train", "one/train.csv")], files={"one/train.csv": b"1\n0\n1\n"}),
    Row("tab-delimited", "Completed", channels=[csv_channel("train", "tab/train.csv")],
        files={"tab/train.csv": TRAIN_CSV.replace(b",", b"\t")}),
    Row("labels-outside-0-1", "Failed",
        r"re:^sagemaker_algorithm_toolkit\.exceptions\.UserError: \[\d\d:\d\d:\d\d\] \S+: label must be in \[0,1\] "
        r"for logistic regression$",
        channels=[csv_channel("train", "bad/train.csv")], files={"bad/train.csv": b"2,1,1\n0,1,2\n1,4,5\n"}),
    Row("labels-outside-num_class", "Failed",
        r"re:^sagemaker_algorithm_toolkit\.exceptions\.UserError: \[\d\d:\d\d:\d\d\] \S+: SoftmaxMultiClassObj: label "
        r"must be in \[0, num_class\)\.$",
        hyperparameters=hp(objective="multi:softmax", num_class="2"),
        channels=[csv_channel("train", "multi/train.csv")], files={"multi/train.csv": MULTICLASS}),
    Row("csv_weights", "Completed", hyperparameters=hp(csv_weights="1", **BINARY),
        channels=[csv_channel("train", "w/train.csv")], files={"w/train.csv": WEIGHTED}),
    Row("several-files-one-prefix", "Completed", channels=[csv_channel("train", "many/")],
        files={"many/part-1.csv": TRAIN_CSV, "many/part-2.csv": TRAIN_CSV, "many/sub/part-3.csv": TRAIN_CSV}),
    # AWS's churn example: S3Uri s3://bucket/prefix/train (no trailing slash), the object at
    # prefix/train/train.csv: it lands at input/data/train/train.csv, where the container reads it.
    Row("prefix-without-trailing-slash", "Completed", channels=[csv_channel("train", "churn/train")],
        files={"churn/train/train.csv": TRAIN_CSV}),
    Row("prefix-names-the-object", "Completed", channels=[csv_channel("train", "exact/train.csv")],
        files={"exact/train.csv": TRAIN_CSV, "exact/validation.csv": b"not,read\n"}),
    Row("sharded-by-s3-key", "Completed", channels=[{
        "ChannelName": "train", "ContentType": "text/csv", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": "s3://lab/data/train.csv",
            "S3DataDistributionType": "ShardedByS3Key"}}}]),
    # -- the service, before the container ---------------------------------------------------------
    Row("empty-prefix", "ClientError", 'ClientError: No S3 objects found under S3 URL "s3://lab/missing/"',
        channels=[csv_channel("train", "missing/")]),
    Row("missing-output-bucket", "ClientError", "ClientError: The bucket nowhere given in OutputDataConfig",
        output="s3://nowhere/output"),
    Row("legacy-image", "Rejected", "is the legacy XGBoost 0.72 image ('1' or 'latest'), which is not emulated",
        version="latest"),
]


def _parquet() -> bytes:
    import io

    import numpy
    import pyarrow
    import pyarrow.parquet

    rows = numpy.array([[float(v) for v in line.split(",")] for line in TRAIN_CSV.decode().splitlines()])
    table = pyarrow.table({f"c{i}": rows[:, i] for i in range(rows.shape[1])})
    buffer = io.BytesIO()
    pyarrow.parquet.write_table(table, buffer)
    return buffer.getvalue()


def _verdict(sagemaker, logs, name: str) -> tuple[str, str]:
    job = wait(sagemaker, name)
    if job["TrainingJobStatus"] == "Completed":
        return "Completed", ""
    reason = job.get("FailureReason", "")
    if reason.startswith("ClientError"):
        return "ClientError", reason
    return job["TrainingJobStatus"], "\n".join(log_lines(logs, name))


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_fidelity(aws, row: Row):
    sagemaker, s3, logs = aws
    for key, body in row.files.items():
        s3.put_object(Bucket="lab", Key=key, Body=_parquet() if body == "parquet" else body)
    if row.version == "latest":
        legacy = "811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:1"
        overrides = {"AlgorithmSpecification": {"TrainingImage": legacy, "TrainingInputMode": "File"}}
    else:
        overrides = {}
    name = f"fidelity-{abs(hash(row.id)) % 10**8}"
    try:
        create(sagemaker, name, version=row.version, hyperparameters=row.hyperparameters, channels=row.channels,
               OutputDataConfig={"S3OutputPath": row.output}, **overrides)
    except ClientError as exc:
        assert row.verdict == "Rejected", exc
        assert row.message in str(exc)
        return
    verdict, text = _verdict(sagemaker, logs, name)
    assert verdict == row.verdict, text
    if row.verdict == "Completed":
        return
    if row.verdict == "ClientError":
        assert text.startswith(row.message)
    elif row.message.startswith("re:"):
        assert any(re.search(row.message[3:], line) for line in text.splitlines()), text
    else:
        assert row.message in text.split("\n\n")[-1] or f"\n{row.message}\n" in f"\n{text}\n", text


def test_the_suite_is_large_enough():
    assert len(ROWS) >= 40
