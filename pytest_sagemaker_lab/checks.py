"""The checks behind the stages. Each reads the account (or the interpreter) and raises a
:class:`~pytest_sagemaker_lab.messages.StageFailure` saying what is wrong; none of them creates anything.

They read the training job through the API (DescribeTrainingJob), so a lab written with SDK 2, SDK 3
or plain boto3 gets the same verdict, offline and live.
"""

from __future__ import annotations

import io
import re
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .grading.probes import PROBE_THREADS, openmp_fix
from .messages import DEFAULT_ADVICE, HYPERPARAMETER_ADVICE, StageFailure, combined, fail, reworded
from .spec import ChannelSpec, LabSpec

MODEL_MEMBER = "xgboost-model"


# -- libomp_present, xgboost_importable ----------------------------------------------------------
def check_openmp(probe: dict[str, Any]) -> str:
    """The OpenMP runtime xgboost uses is loaded, and a two-thread training ran on several threads."""
    if probe.get("imported_by_lab") is False:
        raise fail("xgboost_not_imported", "the submission never imports xgboost, so no OpenMP runtime was "
                   "loaded by it")
    if "import_error" in probe or "train_error" in probe:
        error = probe.get("import_error") or probe.get("train_error")
        raise fail("openmp_not_loaded", f"xgboost could not train in {probe['python']}: {error}",
                   fix=openmp_fix())
    runtimes = probe.get("openmp") or []
    if not runtimes:
        raise fail("openmp_not_loaded", f"no OpenMP runtime is loaded in {probe['python']} after training "
                   "with xgboost", fix=openmp_fix())
    runtime = runtimes[0]
    at_work = probe.get("threads_at_work")
    threads = at_work if at_work is not None else runtime.get("num_threads") or 1
    # The main thread counts among those at work: a team of two means at least two busy threads.
    if threads < PROBE_THREADS:
        raise fail("openmp_single_thread",
                   f"{runtime['library']} is loaded ({runtime['path']}) but a training with "
                   f"nthread={PROBE_THREADS} kept only {threads} thread busy", library=runtime["library"])
    return f"{runtime['library']} at {runtime['path']}: {threads} threads at work"


def check_xgboost(probe: dict[str, Any]) -> str:
    if probe.get("imported_by_lab") is False:
        raise fail("xgboost_not_imported", "the submission never imports xgboost")
    if "import_error" in probe:
        raise fail("xgboost_import_failed", f"import xgboost failed in {probe['python']}: "
                   f"{probe['import_error']}", python=probe["python"])
    if "train_error" in probe or probe.get("trees", 0) < 1:
        raise fail("xgboost_train_failed", f"xgboost {probe.get('xgboost')} imports but training failed: "
                   f"{probe.get('train_error')}")
    return f"xgboost {probe['xgboost']} trained {probe['trees']} rounds in {probe['train_seconds']} s"


# -- sagemaker_sdk_compatible -------------------------------------------------------------------
_REQUIREMENTS = {2: "sagemaker>=2.200,<3", 3: "sagemaker>=3,<4"}


def check_sdk(probe: dict[str, Any], source_name: str) -> str:
    """The lab's code can run on the SDK installed where it runs (every SDK name it uses exists)."""
    written_for = probe["written_for"]
    sdk_names = [name for name in probe["uses"] if not name.startswith("boto3:")]
    if not probe["uses"]:
        raise fail("sdk_unused", f"{source_name} uses neither the SageMaker SDK nor boto3's SageMaker client")
    if not sdk_names:
        return f"{source_name} uses no SageMaker SDK (boto3 only): it runs with any SDK"
    requirement = _REQUIREMENTS.get(written_for or 2, _REQUIREMENTS[2])
    if probe["installed"] is None:
        raise fail("sdk_missing", f"the SageMaker Python SDK is not installed in {probe['python']}; "
                   f"{source_name} imports {', '.join(probe['uses'][:3])}", python=probe["python"],
                   requirement=requirement)
    if probe["missing"]:
        names = ", ".join(f"{name} (line {line})" for name, line in probe["missing"][:4])
        if written_for in (None, probe["major"]):
            raise fail("sdk_name_missing", f"{source_name} uses {names}, which SageMaker Python SDK "
                       f"{probe['installed']} does not have", names=names, installed=probe["installed"])
        other = 3 if probe["major"] == 3 else 2
        raise fail("sdk_incompatible",
                   f"SageMaker Python SDK {probe['installed']} is installed; {source_name} is written for SDK "
                   f"{written_for or '2'} and uses {names}, which SDK {probe['major']} does not have",
                   written_for=written_for or 2, installed=probe["installed"], names=names,
                   requirement=requirement, major=other,
                   alternative=f"solution_sdk{other}.py, or run with --lab-sdk {other}")
    return (f"SageMaker Python SDK {probe['installed']} in {probe['python']}; {source_name} is written for SDK "
            f"{written_for}: every SDK name it uses exists")


# -- where the lab's code put things ---------------------------------------------------------------
def location_of(run: Any) -> tuple[str, str]:
    """The bucket and prefix the lab's code ended up using (its own variables when it set them)."""
    variables = (run.evidence or {}).get("variables", {})
    found = []
    for name, injected in (("bucket_name", run.world.bucket), ("prefix", run.world.prefix)):
        value = variables.get(name, injected)
        if value == "Ellipsis":
            raise fail("location_unset", f"{name} is still `...` at the end of the submission", name=name)
        if not isinstance(value, str) or not value:
            raise fail("location_unset", f"{name} is {value!r} at the end of the submission", name=name)
        found.append(value)
    return found[0], found[1]


# -- s3_objects_reachable --------------------------------------------------------------------------
def check_s3_object(s3: Any, bucket: str, prefix: str, channel: ChannelSpec) -> int:
    """The object exists and its first bytes can be read; 404 and 403 are told apart."""
    from botocore.exceptions import ClientError

    key = f"{prefix}/{channel.key}"
    fields = {"bucket": bucket, "key": key, "name": channel.key, "prefix": prefix}
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
        body = s3.get_object(Bucket=bucket, Key=key, Range="bytes=0-1023")["Body"].read()
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code"))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code == "NoSuchBucket" or _bucket_missing(s3, bucket):
            raise fail("s3_bucket_missing", f"bucket {bucket} does not exist", **fields) from None
        if code in ("404", "NoSuchKey") or status == 404:
            raise fail("s3_object_missing", f"s3://{bucket}/{key}: 404 Not Found", **fields) from None
        if code in ("403", "AccessDenied") or status == 403:
            raise fail("s3_access_denied", f"s3://{bucket}/{key}: 403 Forbidden", **fields) from None
        raise
    size = int(head.get("ContentLength", 0))
    if size == 0 or not body:
        raise fail("s3_object_empty", f"s3://{bucket}/{key} has 0 bytes", **fields)
    return size


def _bucket_missing(s3: Any, bucket: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        return str(exc.response.get("Error", {}).get("Code")) in ("404", "NoSuchBucket")
    return False


# -- finding the lab's training job ----------------------------------------------------------------
def find_job(sagemaker: Any, spec: LabSpec) -> dict[str, Any] | None:
    """The newest training job whose name starts with the lab's prefix, described in full."""
    summaries: list[dict[str, Any]] = []
    for page in sagemaker.get_paginator("list_training_jobs").paginate(NameContains=spec.job_name_prefix):
        summaries += [s for s in page["TrainingJobSummaries"]
                      if s["TrainingJobName"].startswith(spec.job_name_prefix)]
    if not summaries:
        # A job under another name is still the learner's job: find it, so the name is what fails.
        for page in sagemaker.get_paginator("list_training_jobs").paginate():
            summaries += page["TrainingJobSummaries"]
    if not summaries:
        return None
    newest = max(summaries, key=lambda s: (s["CreationTime"], s["TrainingJobName"]))
    return sagemaker.describe_training_job(TrainingJobName=newest["TrainingJobName"])


def require_job(job: dict[str, Any] | None, spec: LabSpec, run: Any = None) -> dict[str, Any]:
    """The job, or the stage's failure: when the code stopped at a cell that raised, that cell is the
    cause (the fit cell may be there, never reached), and the verdict says so."""
    if job is None:
        message = f"no training job whose name starts with {spec.job_name_prefix}"
        error = getattr(run, "error", None)
        cell = getattr(run, "failed_cell", None)
        if error and cell:
            raise fail("job_missing_after_error", f"{message}: {error}, and no cell after it ran", cell=cell,
                       error=error, prefix=spec.job_name_prefix)
        estimator = _unfitted_estimator(job, run)
        if estimator is not None:
            call = _call_of(estimator)
            raise fail("estimator_not_fitted", f"{message}: the notebook builds the estimator {estimator['name']} "
                       f"but its {call} never ran", estimator=estimator["name"], call=call)
        raise spec.fail("job_missing", message, prefix=spec.job_name_prefix)
    return job


def built_estimators(run: Any) -> list[dict[str, Any]]:
    """The estimators the lab's code built, as their fit would send them (``grading.estimators``): read
    back from a submission's kernel, or from an in-process run's namespace."""
    from .grading.estimators import describe, well_formed
    from .grading.runners import ESTIMATORS_KEY

    variables = (getattr(run, "evidence", None) or {}).get("variables", {})
    if ESTIMATORS_KEY in variables:
        described = variables[ESTIMATORS_KEY]
        return [item for item in described if well_formed(item)] if isinstance(described, list) else []
    namespace = getattr(run, "namespace", None)
    return describe(namespace) if namespace else []


def _call_of(estimator: dict[str, Any]) -> str:
    """The method that would have made the job: ``fit`` (SDK 2) or ``train`` (SDK 3); the read-back is the
    learner's word, so any other value is taken as ``fit``."""
    return "train" if estimator.get("call") == "train" else "fit"


def _unfitted_estimator(job: dict[str, Any] | None, run: Any) -> dict[str, Any] | None:
    """The estimator to judge instead of a job: when no job exists, no cell raised (that cell is the cause
    then) and the code built one (the last built, as fit would be called on it)."""
    if job is not None or getattr(run, "error", None):
        return None
    built = built_estimators(run)
    return built[-1] if built else None


# -- estimator_config_valid ------------------------------------------------------------------------
def check_estimator_config(job: dict[str, Any] | None, run: Any, spec: LabSpec, bucket: str, prefix: str,
                           region: str) -> str:
    """The config stage: the job as submitted; when fit never ran, the estimator the code built (what
    its fit would have sent), and the verdict says fit never ran."""
    estimator = _unfitted_estimator(job, run)
    if estimator is None:
        job = require_job(job, spec, run)
        free = check_config(job, spec, bucket, prefix, region)
        return (f"{job['TrainingJobName']}: XGBoost {spec.version}, {spec.instance_type}, hyperparameters and "
                f"channels as the lab sets them{_let_pass(free)}")
    name, request = estimator["name"], estimator["request"]
    said = f"{_call_of(estimator)} never ran: the estimator {name} the notebook built"
    try:
        free = check_config(request, spec, bucket, prefix, region, channels_known="InputDataConfig" in request)
    except StageFailure as failure:
        raise reworded(failure, f"{said} differs from the lab: {failure.message}") from None
    built = f"{said}: XGBoost {spec.version}, {spec.instance_type}"
    if "InputDataConfig" in request:
        return f"{built}, hyperparameters and channels as the lab sets them{_let_pass(free)}"
    return (f"{built}, hyperparameters as the lab sets them (its channels are only known when fit runs)"
            f"{_let_pass(free)}")


def _let_pass(differences: list[str]) -> str:
    return f" (the lab lets this pass: {'; '.join(differences)})" if differences else ""


def check_config(job: dict[str, Any], spec: LabSpec, bucket: str, prefix: str, region: str,
                 channels_known: bool = True) -> list[str]:
    """The job as submitted matches the lab: image, hyperparameters, instance, output path, channels.
    Every difference is reported at once (one per part of the job), each with its fix. A difference the
    lab lets pass (``[grading] free``) costs nothing: it is returned, to be said beside the verdict."""
    found: list[tuple[str, StageFailure]] = []

    def check(part: str, look: Callable[[], None]) -> None:
        try:
            look()
        except StageFailure as failure:
            found.append((part, failure))

    check("image", lambda: _check_image(job["AlgorithmSpecification"]["TrainingImage"], spec, region))
    found.extend(_hyperparameter_differences(job.get("HyperParameters") or {}, spec))
    check("instance", lambda: _check_resources(job["ResourceConfig"], spec))
    check("output", lambda: _check_output(job["OutputDataConfig"]["S3OutputPath"], spec, bucket, prefix))
    if channels_known:
        check("channels", lambda: _check_channels(job.get("InputDataConfig") or [], spec, bucket, prefix))
    costly = [failure for part, failure in found if part not in spec.free_differences]
    if costly:
        raise combined(costly)
    return [failure.message for _, failure in found]


def _check_resources(resources: dict[str, Any], spec: LabSpec) -> None:
    if resources["InstanceType"] != spec.instance_type or resources["InstanceCount"] != spec.instance_count:
        raise fail("instance_type_wrong", f"instance {resources['InstanceType']} x{resources['InstanceCount']}",
                   actual=resources["InstanceType"], count=resources["InstanceCount"],
                   expected=spec.instance_type)


def _check_output(actual_output: str, spec: LabSpec, bucket: str, prefix: str) -> None:
    expected_output = spec.output_uri(bucket, prefix)
    if actual_output.rstrip("/") != expected_output.rstrip("/"):
        raise fail("output_path_wrong", f"S3OutputPath is {actual_output}", actual=actual_output,
                   expected=expected_output)


def _check_image(image_uri: str, spec: LabSpec, region: str) -> None:
    from .emulator.images import parse_image

    image = parse_image(image_uri)
    fields = {"image": image_uri, "version": spec.version, "region": region}
    if image is None or not image.is_xgboost:
        raise fail("image_wrong", f"the image {image_uri} is not the built-in XGBoost container", **fields)
    if image.version != spec.version:
        raise fail("image_wrong", f"the image is XGBoost {image.version}, the lab uses {spec.version}",
                   **fields)
    if image.region != region:
        raise fail("image_wrong", f"the image is from {image.region}, the lab runs in {region}", **fields)
    expected_account = known_image_account(region)
    if expected_account and image.account != expected_account:
        raise fail("image_wrong", f"the image's registry account is {image.account}; the built-in "
                   f"XGBoost images of {region} are in {expected_account}", **fields)


def known_image_account(region: str) -> str | None:
    """The XGBoost images' ECR account in ``region``, read from the installed SDK's URI config."""
    import importlib.util
    import json

    spec = importlib.util.find_spec("sagemaker")  # finds the package without importing it
    for root in (spec.submodule_search_locations or []) if spec else []:
        for relative in ("image_uri_config/xgboost.json", "core/image_uri_config/xgboost.json"):
            path = Path(root) / relative
            if path.is_file():
                config = json.loads(path.read_text())
                for scope in ("training", "inference"):
                    versions = config.get(scope, config).get("versions", {})
                    registries = versions.get("1.2-2", {}).get("registries", {})
                    if region in registries:
                        return registries[region]
    return None


def _hyperparameter_differences(actual: dict[str, str], spec: LabSpec) -> list[tuple[str, StageFailure]]:
    """What the container would reject, then every value that is not one the lab accepts; each with the
    part of the job it is about (``hyperparameter:<name>``)."""
    from .emulator.errors import UserError
    from .emulator.xgboost_hyperparameters import validate_hyperparameters

    found = []
    try:
        validate_hyperparameters(spec.version, actual)
    except UserError as exc:
        unknown = re.match(r"Extraneous hyperparameter found: (\S+)", exc.message)
        advice = HYPERPARAMETER_ADVICE.get(unknown.group(1) if unknown else "", DEFAULT_ADVICE)
        found.append(("hyperparameters", fail(
            "hyperparameter_invalid", f"the XGBoost {spec.version} container rejects the hyperparameters: "
            f"{exc.message}", version=spec.version, error=exc.message, advice=advice[0], advice_zh=advice[1])))
    for name, expected in spec.hyperparameters.items():
        accepted = spec.accepted_values(name)
        wanted = " or ".join(repr(value) for value in accepted)
        if name not in actual:
            found.append((f"hyperparameter:{name}", fail(
                "hyperparameter_missing", f"hyperparameter {name} is not set", name=name, expected=expected)))
        elif not any(_same_value(actual[name], value) for value in accepted):
            found.append((f"hyperparameter:{name}", fail(
                "hyperparameter_mismatch", f"hyperparameter {name} is {actual[name]!r}, the lab expects {wanted}",
                name=name, actual=actual[name], expected=" or ".join(accepted))))
    return found


def _same_value(actual: str, expected: str) -> bool:
    if actual == expected:
        return True
    try:
        return float(actual) == float(expected) and "." not in expected
    except ValueError:
        return False


def _check_channels(channels: list[dict[str, Any]], spec: LabSpec, bucket: str, prefix: str) -> None:
    by_name = {channel["ChannelName"]: channel for channel in channels}
    expected_names = {channel.name for channel in spec.channels}
    for name in sorted(set(by_name) - expected_names):
        raise fail("channel_extra", f"the job has an unexpected channel {name!r}", name=name)
    for expected in spec.channels:
        channel = by_name.get(expected.name)
        if channel is None:
            raise fail("channel_missing", f"the job has no {expected.name!r} channel", name=expected.name)
        content_type = channel.get("ContentType")
        if content_type != expected.content_type:
            raise fail("channel_content_type", f"channel {expected.name!r} has ContentType "
                       f"{content_type!r}", name=expected.name, actual=content_type or "(none: libsvm)",
                       expected=expected.content_type)
        uri = channel["DataSource"]["S3DataSource"]["S3Uri"]
        wanted = f"s3://{bucket}/{prefix}/{expected.key}"
        if uri.rstrip("/") != wanted:
            raise fail("channel_uri", f"channel {expected.name!r} reads {uri}", name=expected.name,
                       actual=uri, expected=wanted)


# -- fit_completes ---------------------------------------------------------------------------------
def check_completed(job: dict[str, Any], spec: LabSpec, logs: Any | None = None, s3: Any | None = None) -> str:
    name = job["TrainingJobName"]
    status = job["TrainingJobStatus"]
    if status == "Failed":
        reason = container_error(logs, name) or job.get("FailureReason", "(no reason given)")
        received = channel_files(s3, job) if s3 is not None else ""
        raise fail("job_failed", f"training job {name} Failed: {reason}{received}", name=name, reason=reason)
    if status != "Completed":
        raise fail("job_not_finished", f"training job {name} is {status}", name=name, status=status)
    if not spec.job_name_pattern.match(name):
        raise spec.fail("job_name_pattern", f"the job is named {name}, which does not match "
                        f"{spec.job_name_pattern.pattern}", name=name, pattern=spec.job_name_pattern.pattern)
    metrics = ", ".join(f"{m['MetricName']}={m['Value']:.5f}" for m in job.get("FinalMetricDataList", []))
    return f"{name} Completed ({metrics})"


def channel_files(s3: Any, job: dict[str, Any], most: int = 4) -> str:
    """`` (its channels received: train: a.csv; validation: b.csv)``: the files each channel's S3Uri put in
    the container, as SageMaker copies them (at their keys relative to the S3Uri), so that a failure such
    as "26 vs. 8" columns can be traced to the file that was read."""
    from .emulator.s3_paths import relative_key, split_s3_uri

    parts = []
    for channel in job.get("InputDataConfig") or []:
        uri = channel["DataSource"]["S3DataSource"]["S3Uri"]
        bucket, prefix = split_s3_uri(uri)
        try:
            keys = [item["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
                    for item in page.get("Contents", []) if not item["Key"].endswith("/")]
        except Exception:  # the listing is a courtesy: a bucket that is gone says nothing more
            continue
        files = [relative_key(key, prefix) for key in keys]
        shown = ", ".join(files[:most]) + (f" and {len(files) - most} more" if len(files) > most else "")
        parts.append(f"{channel['ChannelName']}: {shown or 'nothing'}")
    return f" (its channels received {'; '.join(parts)})" if parts else ""


def container_error(logs: Any | None, job_name: str) -> str | None:
    """The container's last error line from CloudWatch Logs: the FailureReason's 1,024 characters
    often cut it off."""
    if logs is None:
        return None
    from botocore.exceptions import ClientError

    try:
        streams = logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs",
                                            logStreamNamePrefix=f"{job_name}/")["logStreams"]
        for stream in streams:
            events = logs.get_log_events(logGroupName="/aws/sagemaker/TrainingJobs",
                                         logStreamName=stream["logStreamName"], startFromHead=True)["events"]
            lines = [event["message"] for event in events]
            for index in range(len(lines) - 1, -1, -1):
                match = re.match(r"^(?:[\w.]+\.)?(UserError|AlgorithmError|PlatformError|KeyError): (.*)$",
                                 lines[index])
                if match:
                    text = match.group(2)
                    if text.endswith(":") and index + 1 < len(lines):  # "...failed with exception:\n <e>"
                        text = f"{text} {lines[index + 1].strip()}"
                    return f"{match.group(1)}: {text}"
    except ClientError:
        return None
    return None


_JOB_FAILED = re.compile(r"Error for Training job (\S+): Failed\. Reason: ")
_TROUBLESHOOTING = re.compile(r"\.? ?Check troubleshooting guide for common errors: \S+$")


def readable_run_error(error: str | None, logs: Any | None) -> str | None:
    """The run's error on one line a learner can act on. SDK 2 raises a failed job's FailureReason,
    which the service cuts at 1,024 characters: a container's traceback is cut before its last line,
    the one that says what is wrong ("...algorithm_mode/train.. Check troubleshooting guide"). That
    line is taken from the job's log instead."""
    if not error:
        return error
    match = _JOB_FAILED.search(error)
    if match is None:
        return error
    reason = _TROUBLESHOOTING.sub("", error[match.end():]).strip()
    if "\n" not in reason:
        return error  # one line, whole: as the SDK said it
    last = container_error(logs, match.group(1))
    first = reason.splitlines()[0].rstrip(": ")
    if last:
        return f"{error[:match.end()]}{first}: {last} (the container's last error line, from the job's log)"
    return f"{error[:match.end()]}{first} (the service cut the rest of the reason; the job's log has it)"


# -- model_artifact_present ------------------------------------------------------------------------
@dataclass
class ModelArtifact:
    uri: str
    members: list[str]
    path: Path
    booster: Any

    @property
    def rounds(self) -> int:
        return self.booster.num_boosted_rounds()


def fetch_artifact(s3: Any, job: dict[str, Any], workdir: Path) -> ModelArtifact:
    """Download ``<output_path>/<job>/output/model.tar.gz``, unpack it and load the model."""
    from botocore.exceptions import ClientError

    output = job["OutputDataConfig"]["S3OutputPath"].rstrip("/")
    uri = f"{output}/{job['TrainingJobName']}/output/model.tar.gz"
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError:
        raise fail("artifact_missing", f"{uri} does not exist", uri=uri) from None
    try:
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
            members = archive.getnames()
            if MODEL_MEMBER not in members:
                raise fail("artifact_no_model", f"{uri} holds {members}", uri=uri, members=members)
            archive.extract(MODEL_MEMBER, workdir, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise fail("artifact_not_tar", f"{uri}: {exc}", uri=uri, error=exc) from None
    path = workdir / MODEL_MEMBER
    from .emulator.xgboost_container import load_model

    try:
        booster = load_model(path)
    except Exception as exc:
        raise fail("artifact_unloadable", f"{uri}: {exc}", uri=uri, error=exc) from None
    return ModelArtifact(uri=uri, members=members, path=path, booster=booster)


def check_artifact(artifact: ModelArtifact, spec: LabSpec) -> str:
    expected = int(spec.hyperparameters["num_round"])
    if artifact.rounds != expected:
        raise fail("artifact_tree_count", f"the model has {artifact.rounds} rounds, num_round is {expected}",
                   actual=artifact.rounds, expected=expected)
    return f"{artifact.uri}: {MODEL_MEMBER} loads, {artifact.rounds} rounds"


def temporary_directory() -> Path:
    return Path(tempfile.mkdtemp(prefix="sagemaker-lab-model-"))
