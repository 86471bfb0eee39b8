"""What the stages of a batch-transform lab check: the transform job the learner made (its model, input,
content type, split and output), that it completed, and the predictions it wrote, against the model's
own predictions on the same file and the test set's labels. Values come from the lab's [transform].
"""

from __future__ import annotations

import io
from typing import Any

from .spec import LabSpec, _load_callable


def _expected(spec: LabSpec, bucket: str, prefix: str) -> dict[str, Any]:
    table = spec.table("transform")
    return {"bucket": bucket, "prefix": prefix, "input": table["input"], "output": table["output"],
            "content_type": table.get("content_type", "text/csv"), "split_type": table.get("split_type", "Line")}


def find_transform_job(sagemaker: Any, spec: LabSpec, bucket: str, prefix: str) -> dict[str, Any] | None:
    """The lab's transform job, described in full: the newest that writes to the lab's output path (a
    notebook may run other transforms after it, as the course's does with the tuned model), else the
    newest of all; None when there is none."""
    jobs = [sagemaker.describe_transform_job(TransformJobName=summary["TransformJobName"])
            for page in sagemaker.get_paginator("list_transform_jobs").paginate()
            for summary in page["TransformJobSummaries"]]
    if not jobs:
        return None
    output = f"s3://{bucket}/{prefix}/{spec.table('transform')['output']}"
    lab_output = [job for job in jobs if _same_uri(job["TransformOutput"]["S3OutputPath"], output)]
    return max(lab_output or jobs, key=lambda job: (job["CreationTime"], job["TransformJobName"]))


def require_transform_job(job: dict[str, Any] | None, spec: LabSpec, bucket: str, prefix: str,
                          training_job: str) -> dict[str, Any]:
    if job is None:
        raise spec.fail("transform_missing", "no batch transform job was made",
                        training_job=training_job, **_expected(spec, bucket, prefix))
    return job


def _same_uri(found: str, wanted: str) -> bool:
    return found.rstrip("/") == wanted.rstrip("/")


def check_transform_config(job: dict[str, Any], model: dict[str, Any], training: dict[str, Any],
                           spec: LabSpec, bucket: str, prefix: str) -> str:
    """The transform reads the test file with the trained model, as text/csv split by line, into the
    output path the lab names."""
    expected = _expected(spec, bucket, prefix)
    fields = {**expected, "training_job": training["TrainingJobName"]}
    name = job["TransformJobName"]
    artifact = training.get("ModelArtifacts", {}).get("S3ModelArtifacts")
    container = model.get("PrimaryContainer") or (model.get("Containers") or [{}])[0]
    if container.get("ModelDataUrl") != artifact:
        raise spec.fail("transform_config_wrong", f"{name} uses the model data {container.get('ModelDataUrl')}, "
                        f"not {artifact}", **fields)
    source = job["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"]
    wanted_file = f"s3://{bucket}/{prefix}/{expected['input']}"
    wanted_folder = wanted_file.rsplit("/", 1)[0]
    if not (_same_uri(source, wanted_file) or _same_uri(source, wanted_folder)):
        raise spec.fail("transform_config_wrong", f"{name} reads {source}, not {wanted_file}", **fields)
    content_type = job["TransformInput"].get("ContentType")
    if content_type != expected["content_type"]:
        raise spec.fail("transform_config_wrong", f"{name} sends ContentType {content_type}, not "
                        f"{expected['content_type']}", **fields)
    split_type = job["TransformInput"].get("SplitType", "None")
    if split_type != expected["split_type"]:
        raise spec.fail("transform_config_wrong", f"{name} splits by {split_type}, not {expected['split_type']}",
                        **fields)
    output = job["TransformOutput"]["S3OutputPath"]
    if not _same_uri(output, f"s3://{bucket}/{prefix}/{expected['output']}"):
        raise spec.fail("transform_config_wrong", f"{name} writes to {output}, not "
                        f"s3://{bucket}/{prefix}/{expected['output']}", **fields)
    return (f"{name}: the model of {training['TrainingJobName']} on {source}, {content_type} split by "
            f"{split_type}, into {output}")


def check_transform_completed(job: dict[str, Any], logs: Any, spec: LabSpec) -> str:
    name, status = job["TransformJobName"], job["TransformJobStatus"]
    if status == "Completed":
        return f"{name}: Completed"
    if status in ("InProgress", "Stopping"):
        raise spec.fail("transform_failed", f"{name} is still {status}: wait for it (transformer.wait())")
    lines = _data_log_errors(logs, name)
    detail = f": {' / '.join(lines)}" if lines else ""
    raise spec.fail("transform_failed", f"{name} {status}: {job.get('FailureReason', '')}{detail}")


def _data_log_errors(logs: Any, name: str) -> list[str]:
    """The lines of the job's data log that say why an object failed (the container's answer)."""
    group = "/aws/sagemaker/TransformJobs"
    try:
        streams = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=f"{name}/")["logStreams"]
    except Exception:  # no log group: nothing to add
        return []
    found = []
    for stream in streams:
        if not stream["logStreamName"].endswith("/data-log"):
            continue
        events = logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"],
                                     startFromHead=True)["events"]
        for event in events:
            text = event["message"].split(": ", 2)[-1].strip()
            if text and not event["message"].startswith("[sagemaker logs]: MaxConcurrentTransforms") \
                    and text not in ("Message:",):
                found.append(text)
    return found[:6]


def output_key(spec: LabSpec, prefix: str) -> str:
    table = spec.table("transform")
    return f"{prefix}/{table['output'].strip('/')}/{table['input'].rsplit('/', 1)[-1]}.out"


def read_predictions(s3: Any, spec: LabSpec, bucket: str, prefix: str) -> list[str]:
    from botocore.exceptions import ClientError

    key = output_key(spec, prefix)
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise spec.fail("predictions_missing", f"s3://{bucket}/{key}: {code}", bucket=bucket, key=key) from None
    return body.decode("utf-8", "replace").splitlines()


def check_predictions_present(lines: list[str], spec: LabSpec, bucket: str, prefix: str) -> str:
    key = output_key(spec, prefix)
    rows = len(_test_features(spec))
    if len(lines) != rows:
        raise spec.fail("predictions_wrong", f"s3://{bucket}/{key} has {len(lines)} lines for {rows} test rows",
                        detail=f"{len(lines)} lines, {rows} rows", training_job="the first pass")
    return f"s3://{bucket}/{key}: {rows} predictions"


def _test_features(spec: LabSpec):
    import numpy as np

    body = spec.generate_data()[spec.table("transform")["input"]]
    return np.loadtxt(io.BytesIO(body), delimiter=",", ndmin=2)


def check_predictions_match(lines: list[str], booster: Any, spec: LabSpec, training_job: str) -> str:
    """Each line is the model's probability for its row; the accuracy on the test labels is the lab's."""
    import numpy as np
    import xgboost

    fields = {"training_job": training_job}
    try:
        values = np.array([float(line) for line in lines])
    except ValueError as exc:
        raise spec.fail("predictions_wrong", f"a line is not a number: {exc}", detail="not numbers",
                        **fields) from None
    if values.size and (values.min() < 0 or values.max() > 1):
        raise spec.fail("predictions_wrong", f"values outside [0, 1] (min {values.min():g}, max {values.max():g}): "
                        "these are not probabilities", detail="not probabilities", **fields)
    own = booster.predict(xgboost.DMatrix(_test_features(spec)))
    if values.shape != own.shape or not np.allclose(values, own, rtol=1e-5, atol=1e-6):
        differing = int(np.sum(~np.isclose(values, own, rtol=1e-5, atol=1e-6))) if values.shape == own.shape \
            else abs(values.size - own.size)
        raise spec.fail("predictions_wrong", f"{differing} of {own.size} predictions differ from the model's own",
                        detail=f"{differing} differ", **fields)
    labels = np.array(_load_callable(spec.directory, spec.table("data")["labels"])())
    accuracy = float(np.mean((values > 0.5).astype(int) == labels))
    wanted = float(spec.table("transform").get("min_accuracy", 0))
    if accuracy < wanted:
        raise spec.fail("predictions_wrong", f"accuracy {accuracy:.3f} is below the lab's {wanted}",
                        detail=f"accuracy {accuracy:.3f}", **fields)
    return f"{own.size} probabilities equal to the model's own; accuracy {accuracy:.3f} (the lab states ≥ {wanted})"


def check_predictions_of_job(lines: list[str], s3: Any, spec: LabSpec, training_job: dict[str, Any]) -> str:
    """``check_predictions_match`` against the model a training job wrote (downloaded, then removed)."""
    import shutil

    from .checks import fetch_artifact, temporary_directory

    workdir = temporary_directory()
    try:
        artifact = fetch_artifact(s3, training_job, workdir)
        return check_predictions_match(lines, artifact.booster, spec, training_job["TrainingJobName"])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
