"""Hyperparameter tuning offline: real child training jobs, the service's shapes, SDK 2's HyperparameterTuner."""

from __future__ import annotations

import re
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from .conftest import needs_sdk2
from .jobs import IMAGE, ROLE, channel, log_lines

CHILD_NAME = r"-00\d-[0-9a-f]{8}"
# A label the features decide (x > 5), so that a fast learner beats a slow one from the first round.
CLEAR_ROWS = [f"{int(i % 11 > 5)},{i % 11}.5,{(i * 7) % 13}.25\n" for i in range(200)]


def definition(static: dict | None = None, **overrides) -> dict:
    made = {
        "StaticHyperParameters": static if static is not None else {
            "num_round": "3", "objective": "binary:logistic", "eval_metric": "logloss"},
        "AlgorithmSpecification": {"TrainingImage": IMAGE.format("1.2-2"), "TrainingInputMode": "File"},
        "RoleArn": ROLE,
        "InputDataConfig": [channel("train", "data/train.csv"), channel("validation", "data/validation.csv")],
        "OutputDataConfig": {"S3OutputPath": "s3://lab/output/"},
        "HyperParameterTuningResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1,
                                               "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    made.update(overrides)
    return made


def config(strategy: str = "Random", ranges: dict | None = None, max_jobs: int | None = 2, parallel: int = 2,
           metric: str = "validation:logloss", objective: str = "Minimize", early_stopping: str = "Off",
           **extra) -> dict:
    limits = {"MaxParallelTrainingJobs": parallel}
    if max_jobs is not None:
        limits["MaxNumberOfTrainingJobs"] = max_jobs
    made = {
        "Strategy": strategy, "ResourceLimits": limits,
        "HyperParameterTuningJobObjective": {"Type": objective, "MetricName": metric},
        "ParameterRanges": ranges if ranges is not None else {
            "ContinuousParameterRanges": [{"Name": "eta", "MinValue": "0.05", "MaxValue": "0.9",
                                           "ScalingType": "Logarithmic"}],
            "IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "1", "MaxValue": "6", "ScalingType": "Auto"}]},
        "TrainingJobEarlyStoppingType": early_stopping,
    }
    made.update(extra)
    return made


def tune(sagemaker, name: str, tuning: dict | None = None, training: dict | None = None, **request) -> dict:
    return sagemaker.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name, HyperParameterTuningJobConfig=tuning or config(),
        TrainingJobDefinition=training or definition(), **request)


def wait_tuning(sagemaker, name: str) -> dict:
    deadline = time.monotonic() + 50
    while time.monotonic() < deadline:
        job = sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
        if job["HyperParameterTuningJobStatus"] not in ("InProgress", "Stopping"):
            return job
        time.sleep(0.02)
    raise AssertionError(f"tuning job {name} did not end")


def children(sagemaker, name: str, **arguments) -> list[dict]:
    return sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name, **arguments)["TrainingJobSummaries"]


def counters(completed=0, in_progress=0, failed=0, stopped=0) -> dict:
    return {"Completed": completed, "InProgress": in_progress, "RetryableError": 0, "NonRetryableError": failed,
            "Stopped": stopped}


def test_random_search_runs_real_training_jobs_and_picks_the_lowest(aws):
    sagemaker, s3, _ = aws
    arn = tune(sagemaker, "rand-1", config(max_jobs=4, parallel=2))["HyperParameterTuningJobArn"]
    assert arn == "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/rand-1"
    job = wait_tuning(sagemaker, "rand-1")
    assert job["HyperParameterTuningJobStatus"] == "Completed"
    assert job["TrainingJobStatusCounters"] == counters(completed=4)
    assert job["ObjectiveStatusCounters"] == {"Succeeded": 4, "Pending": 0, "Failed": 0}
    assert job["HyperParameterTuningEndTime"] >= job["CreationTime"]
    assert "FailureReason" not in job and "OverallBestTrainingJob" not in job
    assert job["TrainingJobDefinition"]["StaticHyperParameters"] == {  # the service keeps the objective there
        "num_round": "3", "objective": "binary:logistic", "eval_metric": "logloss",
        "_tuning_objective_metric": "validation:logloss"}

    summaries = children(sagemaker, "rand-1")  # by Name, Ascending: the documented defaults
    assert [re.sub(CHILD_NAME, "-NNN", s["TrainingJobName"]) for s in summaries] == ["rand-1-NNN"] * 4
    assert [s["TrainingJobName"][7:10] for s in summaries] == ["001", "002", "003", "004"]
    values = {}
    for summary in summaries:
        tuned = summary["TunedHyperParameters"]
        assert sorted(tuned) == ["eta", "max_depth"]
        assert 0.05 <= float(tuned["eta"]) <= 0.9 and tuned["max_depth"] in {"1", "2", "3", "4", "5", "6"}
        trained = sagemaker.describe_training_job(TrainingJobName=summary["TrainingJobName"])
        assert trained["TuningJobArn"] == arn
        assert trained["HyperParameters"] == {"num_round": "3", "objective": "binary:logistic",
                                              "eval_metric": "logloss", **tuned,
                                              "_tuning_objective_metric": "validation:logloss"}
        final = {m["MetricName"]: m["Value"] for m in trained["FinalMetricDataList"]}
        assert summary["FinalHyperParameterTuningJobObjectiveMetric"] == {
            "Type": "Minimize", "MetricName": "validation:logloss", "Value": final["validation:logloss"]}
        assert summary["ObjectiveStatus"] == "Succeeded" and summary["TrainingJobStatus"] == "Completed"
        values[summary["TrainingJobName"]] = final["validation:logloss"]
    assert len(set(values.values())) == 4
    best = job["BestTrainingJob"]
    assert best["TrainingJobName"] == min(values, key=values.get)
    assert best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == min(values.values())
    assert best["TrainingJobArn"].endswith(f":training-job/{best['TrainingJobName']}")
    listed = {j["TrainingJobName"] for j in sagemaker.list_training_jobs()["TrainingJobSummaries"]}
    assert set(values) <= listed
    assert s3.head_object(Bucket="lab", Key=f"output/{best['TrainingJobName']}/output/model.tar.gz")


def test_the_same_seed_draws_the_same_values_and_maximize_picks_the_highest(aws):
    sagemaker, _, _ = aws
    for name in ("seed-a", "seed-b"):
        tune(sagemaker, name, config(max_jobs=3, metric="validation:auc", objective="Maximize", RandomSeed=7))
    drawn = {}
    for name in ("seed-a", "seed-b"):
        job = wait_tuning(sagemaker, name)
        summaries = children(sagemaker, name, SortBy="CreationTime")
        drawn[name] = [s["TunedHyperParameters"] for s in summaries]
        aucs = {s["TrainingJobName"]: s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for s in summaries}
        top = max(aucs.values())
        assert job["BestTrainingJob"]["TrainingJobName"] == next(n for n in sorted(aucs) if aucs[n] == top)
        hyperparameters = sagemaker.describe_training_job(TrainingJobName=summaries[0]["TrainingJobName"])[
            "HyperParameters"]
        assert hyperparameters["eval_metric"] == "logloss,auc"  # the objective's metric is added
    assert drawn["seed-a"] == drawn["seed-b"]
    assert len({tuple(sorted(values.items())) for values in drawn["seed-a"]}) == 3


def test_grid_runs_one_job_per_combination_in_order(aws):
    sagemaker, _, _ = aws
    grid = {"CategoricalParameterRanges": [{"Name": "max_depth", "Values": ["1", "3"]},
                                           {"Name": "eta", "Values": ["0.1", "0.5"]}]}
    tune(sagemaker, "grid-1", config("Grid", grid, max_jobs=None, parallel=2))
    job = wait_tuning(sagemaker, "grid-1")
    assert job["TrainingJobStatusCounters"] == counters(completed=4)
    assert "MaxNumberOfTrainingJobs" not in job["HyperParameterTuningJobConfig"]["ResourceLimits"]
    assert [s["TunedHyperParameters"] for s in children(sagemaker, "grid-1")] == [
        {"max_depth": "1", "eta": "0.1"}, {"max_depth": "1", "eta": "0.5"},
        {"max_depth": "3", "eta": "0.1"}, {"max_depth": "3", "eta": "0.5"}]


def test_auto_early_stopping_stops_a_child_worse_than_the_median(aws):
    """The first child learns fast; the second (eta 0.0001) is worse from its first round on: stopped."""
    sagemaker, s3, logs = aws
    s3.put_object(Bucket="lab", Key="clear/train.csv", Body="".join(CLEAR_ROWS).encode())
    s3.put_object(Bucket="lab", Key="clear/validation.csv", Body="".join(CLEAR_ROWS[:60]).encode())
    grid = {"CategoricalParameterRanges": [{"Name": "eta", "Values": ["0.9", "0.0001"]}]}
    training = definition({"num_round": "3000", "objective": "binary:logistic", "eval_metric": "logloss"},
                          InputDataConfig=[channel("train", "clear/train.csv"),
                                           channel("validation", "clear/validation.csv")])
    tune(sagemaker, "early-1", config("Grid", grid, max_jobs=None, parallel=1, early_stopping="Auto"), training)
    job = wait_tuning(sagemaker, "early-1")
    assert job["HyperParameterTuningJobStatus"] == "Completed"
    assert job["TrainingJobStatusCounters"] == counters(completed=1, stopped=1)
    assert job["ObjectiveStatusCounters"] == {"Succeeded": 2, "Pending": 0, "Failed": 0}
    good, bad = children(sagemaker, "early-1")
    assert (good["TrainingJobStatus"], bad["TrainingJobStatus"]) == ("Completed", "Stopped")
    assert bad["TunedHyperParameters"] == {"eta": "0.0001"}
    # The stopped child's last logged objective counts, and it is the worse one.
    lines = log_lines(logs, bad["TrainingJobName"])
    assert 0 < len(lines) < 3000
    last_logged = float(lines[-1].split("validation-logloss:")[1])
    assert bad["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == last_logged
    assert good["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] < 0.05
    assert bad["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] > 0.5
    assert job["BestTrainingJob"]["TrainingJobName"] == good["TrainingJobName"]
    stopped = sagemaker.describe_training_job(TrainingJobName=bad["TrainingJobName"])
    assert stopped["SecondaryStatusTransitions"][-1]["Status"] == "Stopped"


def test_stop_hyper_parameter_tuning_job_stops_its_running_children(aws):
    sagemaker, _, _ = aws
    training = definition({"num_round": "1000000", "objective": "binary:logistic"})
    tune(sagemaker, "stop-1", config(max_jobs=3, parallel=1), training)
    deadline = time.monotonic() + 30
    while not children(sagemaker, "stop-1", StatusEquals="InProgress") and time.monotonic() < deadline:
        time.sleep(0.01)
    sagemaker.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="stop-1")
    assert sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="stop-1")[
        "HyperParameterTuningJobStatus"] in ("Stopping", "Stopped")
    job = wait_tuning(sagemaker, "stop-1")
    assert job["HyperParameterTuningJobStatus"] == "Stopped"
    assert job["TrainingJobStatusCounters"] == counters(stopped=1)
    [child] = children(sagemaker, "stop-1")
    assert child["TrainingJobName"].startswith("stop-1-001-") and child["TrainingJobStatus"] == "Stopped"
    with pytest.raises(ClientError, match="status Stopped"):
        sagemaker.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="stop-1")


def test_a_tuning_job_whose_every_child_fails_fails(aws):
    sagemaker, _, _ = aws
    training = definition({"num_round": "2", "silent": "0"})  # 1.2-2 refuses silent: every child fails
    tune(sagemaker, "fail-1", config(max_jobs=2), training)
    job = wait_tuning(sagemaker, "fail-1")
    assert job["HyperParameterTuningJobStatus"] == "Failed"
    assert job["FailureReason"] == ("No training job succeeded after 2 attempts. Please take a look at the training "
                                    "job failures to get more details.")
    assert job["TrainingJobStatusCounters"] == counters(failed=2)
    assert job["ObjectiveStatusCounters"] == {"Succeeded": 0, "Pending": 0, "Failed": 2}
    assert "BestTrainingJob" not in job
    summaries = children(sagemaker, "fail-1")
    assert all(s["FailureReason"].startswith("AlgorithmError: framework error:") for s in summaries)
    assert all("FinalHyperParameterTuningJobObjectiveMetric" not in s for s in summaries)


def test_list_filters_sorts_and_pages(aws):
    sagemaker, _, _ = aws
    tune(sagemaker, "list-1", config(max_jobs=3))
    wait_tuning(sagemaker, "list-1")
    by_value = children(sagemaker, "list-1", SortBy="FinalObjectiveMetricValue", SortOrder="Descending")
    values = [s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for s in by_value]
    assert len(values) == 3 and values == sorted(values, reverse=True)
    first = sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName="list-1",
                                                                        MaxResults=2)
    rest = sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="list-1", MaxResults=2, NextToken=first["NextToken"])
    assert "NextToken" not in rest
    names = [s["TrainingJobName"] for s in first["TrainingJobSummaries"] + rest["TrainingJobSummaries"]]
    assert names == sorted(s["TrainingJobName"] for s in by_value)
    assert children(sagemaker, "list-1", StatusEquals="Failed") == []
    with pytest.raises(ClientError) as raised:
        children(sagemaker, "nope-1")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFound"
    assert raised.value.response["Error"]["Message"] == ("Amazon SageMaker can't find a tuning job called nope-1. "
                                                         "Type another name.")


NUMERIC = {"IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "1", "MaxValue": "3"}]}


@pytest.mark.parametrize(("name", "tuning", "training", "message"), [
    ("bad_name", config(), definition(),
     "1 validation error detected: Value 'bad_name' at 'hyperParameterTuningJobName' failed to satisfy constraint: "
     "Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}"),
    ("bad-strategy", config("Genetic"), definition(),
     "Value 'Genetic' at 'hyperParameterTuningJobConfig.strategy' failed to satisfy constraint: Member must satisfy "
     "enum value set: [Bayesian, Random, Hyperband, Grid]"),
    ("grid-numeric", config("Grid", NUMERIC, max_jobs=None), definition(),
     "The Grid search strategy supports only categorical parameter ranges"),
    ("hyperband-auto", config("Hyperband", early_stopping="Auto"), definition(),
     "TrainingJobEarlyStoppingType must be Off when the tuning strategy is Hyperband"),
    ("no-max-jobs", config(max_jobs=None), definition(),
     "ResourceLimits.MaxNumberOfTrainingJobs is required for the Random strategy"),
    ("bad-metric", config(metric="validation:accuracyy"), definition(),
     "A metric is required for this hyperparameter tuning job objective. Provide a metric in the metric definitions."),
    ("bad-data", config(metric="test:auc"), definition(),
     "A metric is required for this hyperparameter tuning job objective."),
    ("static-and-tuned", config(ranges=NUMERIC), definition({"num_round": "3", "max_depth": "2"}),
     "The hyperparameters ['max_depth'] are both static and tunable"),
    ("bad-instance", config(), definition(HyperParameterTuningResourceConfig={"InstanceType": "ml.m5.huge",
                                                                              "InstanceCount": 1}),
     "Value 'ml.m5.huge' at 'resourceConfig.instanceType' failed to satisfy constraint"),
])
def test_requests_the_service_refuses(aws, name, tuning, training, message):
    sagemaker, _, _ = aws
    with pytest.raises(ClientError) as raised:
        tune(sagemaker, name, tuning, training)
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert message in raised.value.response["Error"]["Message"]
    assert sagemaker.list_training_jobs()["TrainingJobSummaries"] == []


def test_a_duplicate_name_and_a_missing_parallel_limit_are_refused(aws):
    sagemaker, _, _ = aws
    tune(sagemaker, "dup-1", config(max_jobs=1))
    with pytest.raises(ClientError) as raised:
        tune(sagemaker, "dup-1", config(max_jobs=1))
    assert raised.value.response["Error"]["Code"] == "ResourceInUse"
    assert raised.value.response["Error"]["Message"] == ("A hyperparameter tuning job with the name, dup-1, already "
                                                         "exists. Choose a different name.")
    unchecked = boto3.client("sagemaker", region_name="us-east-1", config=Config(parameter_validation=False))
    limits = config()
    del limits["ResourceLimits"]["MaxParallelTrainingJobs"]
    with pytest.raises(ClientError) as raised:
        tune(unchecked, "noparallel-1", limits)
    assert raised.value.response["Error"]["Message"] == (
        "1 validation error detected: Value 'null' at 'hyperParameterTuningJobConfig.resourceLimits."
        "maxParallelTrainingJobs' failed to satisfy constraint: Member must not be null")
    wait_tuning(sagemaker, "dup-1")


@needs_sdk2
def test_sdk2_hyperparameter_tuner_end_to_end(aws):
    from sagemaker import image_uris
    from sagemaker.estimator import Estimator
    from sagemaker.inputs import TrainingInput
    from sagemaker.session import Session
    from sagemaker.tuner import ContinuousParameter, HyperparameterTuner, IntegerParameter

    from pytest_sagemaker_lab import sdk_patches

    _, s3, _ = aws
    sdk_patches.install()
    try:
        session = Session(boto_session=boto3.Session(region_name="us-east-1"), default_bucket="lab")
        estimator = Estimator(image_uris.retrieve("xgboost", "us-east-1", "1.2-2"), role=ROLE, instance_count=1,
                              instance_type="ml.m5.xlarge", output_path="s3://lab/output/", sagemaker_session=session,
                              hyperparameters={"num_round": 3, "objective": "binary:logistic", "eval_metric": "auc"})
        tuner = HyperparameterTuner(estimator, "validation:logloss", {"eta": ContinuousParameter(0.1, 0.5),
                                                                      "max_depth": IntegerParameter(2, 5)},
                                    objective_type="Minimize", max_jobs=3, max_parallel_jobs=2, strategy="Random")
        tuner.fit({"train": TrainingInput("s3://lab/data/train.csv", content_type="text/csv"),
                   "validation": TrainingInput("s3://lab/data/validation.csv", content_type="text/csv")},
                  job_name="sdk-tune-1")
        tuner.wait()
        best = tuner.best_training_job()
        attached = HyperparameterTuner.attach("sdk-tune-1", sagemaker_session=session)
        frame = tuner.analytics().dataframe()
        best_estimator = Estimator.attach(best, sagemaker_session=session)
    finally:
        sdk_patches.uninstall()
    assert re.fullmatch("sdk-tune-1" + CHILD_NAME, best)
    assert attached.best_training_job() == best
    assert attached.objective_metric_name == "validation:logloss" and attached.max_jobs == 3
    assert len(frame) == 3 and set(frame["TrainingJobStatus"]) == {"Completed"}
    names = sorted(frame["TrainingJobName"])
    assert [name[11:14] for name in names] == ["001", "002", "003"]
    assert all(re.fullmatch("sdk-tune-1" + CHILD_NAME, name) for name in names)
    lowest = frame.sort_values("FinalObjectiveValue").iloc[0]
    assert lowest["TrainingJobName"] == best
    assert frame["FinalObjectiveValue"].notna().all() and frame["max_depth"].isin([2.0, 3.0, 4.0, 5.0]).all()
    assert best_estimator.model_data == f"s3://lab/output/{best}/output/model.tar.gz"
    assert s3.head_object(Bucket="lab", Key=f"output/{best}/output/model.tar.gz")["ContentLength"] > 0
