"""What the stages of a tuning lab check: the tuning job the learner made (objective, direction, ranges,
budget, static hyperparameters, channels), that it completed with a best training job, and that job
described in full for the transform stages. Values come from the lab's [tuning].
"""

from __future__ import annotations

from typing import Any

from . import checks
from .spec import LabSpec


def _fields(spec: LabSpec) -> dict[str, Any]:
    table = spec.table("tuning")
    return {"objective": table["objective"], "objective_type": table["objective_type"],
            "ranges": ", ".join(table.get("ranges", [])), "max_jobs": table.get("max_jobs"),
            "static": ", ".join(f"{k}={v}" for k, v in table.get("static", {}).items())}


def find_tuning_job(sagemaker: Any) -> dict[str, Any] | None:
    """The newest tuning job in the account, described in full (None when there is none)."""
    summaries = [summary for page in sagemaker.get_paginator("list_hyper_parameter_tuning_jobs").paginate()
                 for summary in page["HyperParameterTuningJobSummaries"]]
    if not summaries:
        return None
    newest = max(summaries, key=lambda s: (s["CreationTime"], s["HyperParameterTuningJobName"]))
    return sagemaker.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=newest["HyperParameterTuningJobName"])


def require_tuning_job(job: dict[str, Any] | None, spec: LabSpec) -> dict[str, Any]:
    if job is None:
        raise spec.fail("tuning_missing", "no hyperparameter tuning job was made", **_fields(spec))
    return job


def check_tuning_config(job: dict[str, Any], spec: LabSpec, bucket: str, prefix: str) -> str:
    table, fields = spec.table("tuning"), _fields(spec)
    name = job["HyperParameterTuningJobName"]
    config = job["HyperParameterTuningJobConfig"]
    objective = config["HyperParameterTuningJobObjective"]

    def wrong(message: str) -> Exception:
        return spec.fail("tuning_config_wrong", f"{name}: {message}", **fields)

    if objective["MetricName"] != table["objective"]:
        raise wrong(f"the objective is {objective['MetricName']}, not {table['objective']}")
    if objective["Type"] != table["objective_type"]:
        raise wrong(f"the objective {objective['MetricName']} is set to {objective['Type']}; the lab's is "
                    f"{table['objective_type']}")
    ranges = config.get("ParameterRanges", {})
    tuned = {item["Name"] for kind in ranges.values() for item in kind}
    missing = [range_name for range_name in table.get("ranges", []) if range_name not in tuned]
    if missing:
        raise wrong(f"no range for {', '.join(missing)} (tuned: {', '.join(sorted(tuned)) or 'nothing'})")
    limit = config["ResourceLimits"].get("MaxNumberOfTrainingJobs")
    if table.get("max_jobs") is not None and (limit is None or limit > table["max_jobs"]):
        raise wrong(f"MaxNumberOfTrainingJobs is {limit}; the lab allows at most {table['max_jobs']}")
    definition = job.get("TrainingJobDefinition") or {}
    static = definition.get("StaticHyperParameters") or {}
    for key, value in table.get("static", {}).items():
        if static.get(key) != str(value):
            raise wrong(f"the static hyperparameter {key} is {static.get(key)!r}, not {value!r}")
    channels = {c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"]
                for c in definition.get("InputDataConfig") or []}
    for channel, key in table.get("channels", {}).items():
        wanted = f"s3://{bucket}/{prefix}/{key}"
        if channels.get(channel, "").rstrip("/") != wanted:
            raise wrong(f"the {channel} channel reads {channels.get(channel)}, not {wanted}")
    return (f"{name}: {objective['Type']} {objective['MetricName']} over {', '.join(sorted(tuned))}, "
            f"at most {limit} jobs, {config.get('Strategy')}")


def check_tuning_completed(job: dict[str, Any], sagemaker: Any, spec: LabSpec, logs: Any | None = None) -> str:
    name, status = job["HyperParameterTuningJobName"], job["HyperParameterTuningJobStatus"]
    counters = job.get("TrainingJobStatusCounters", {})
    best = job.get("BestTrainingJob")
    if status == "Completed" and best:
        metric = best["FinalHyperParameterTuningJobObjectiveMetric"]
        return (f"{name}: Completed, {counters.get('Completed', 0)} of {sum(counters.values())} children "
                f"completed; best {best['TrainingJobName']} ({metric['MetricName']}={metric['Value']:.5f})")
    reasons = []
    summaries = sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name, StatusEquals="Failed").get("TrainingJobSummaries", [])
    for summary in summaries[:2]:
        # A child's FailureReason is cut at 1,024 characters, often inside the container's traceback:
        # its log's last error line says what is wrong.
        reason = checks.container_error(logs, summary["TrainingJobName"]) or summary.get("FailureReason", "Failed")
        reasons.append(f"{summary['TrainingJobName']}: {reason}")
    detail = f" ({'; '.join(reasons)})" if reasons else ""
    reason = job.get("FailureReason")
    raise spec.fail("tuning_failed", f"{name} {status}{': ' + reason if reason else ''}{detail}")


def best_training_job(job: dict[str, Any], sagemaker: Any) -> dict[str, Any]:
    return sagemaker.describe_training_job(TrainingJobName=job["BestTrainingJob"]["TrainingJobName"])
