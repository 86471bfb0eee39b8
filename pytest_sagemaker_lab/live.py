"""``--live``: the preflight that runs before anything is created, and the guard on what a run creates.

The preflight checks, in order, that credentials are found (and whose they are), that there is a
region, that the bucket exists, can be reached and is in that region, and that the role exists and
trusts ``sagemaker.amazonaws.com``; each failure says what to do. The guard sits in front of every
CreateTrainingJob the lab's code sends: it tags the job as the harness's, bounds its runtime, and
refuses instance types outside the allowlist, before the request leaves the process.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

HARNESS_TAG = {"Key": "created-by", "Value": "pytest-sagemaker-lab"}
DEFAULT_INSTANCE_TYPES = ("ml.m5.large", "ml.m5.xlarge", "ml.m5.2xlarge")
DEFAULT_MAX_RUNTIME = 900
SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com"


class PreflightError(Exception):
    """A live run cannot start; the message says what is wrong and how to fix it."""


@dataclass(frozen=True)
class Identity:
    account: str
    arn: str
    region: str


def preflight(session: Any, region: str | None, bucket: str, role_arn: str) -> Identity:
    from botocore.exceptions import BotoCoreError, ClientError

    if session.get_credentials() is None:
        raise PreflightError("no AWS credentials were found. Run `aws configure` (or `aws sso login`), or set "
                             "AWS_PROFILE / AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then run again.")
    region = region or session.region_name
    if not region:
        raise PreflightError("no AWS region: pass --lab-region (or set AWS_DEFAULT_REGION / SAGEMAKER_LAB_REGION).")
    try:
        caller = session.client("sts", region_name=region).get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        raise PreflightError(f"the AWS credentials were refused ({_code(exc)}): they may be expired. Renew them "
                             "(`aws sso login`, or new access keys) and run again.") from None
    identity = Identity(account=caller["Account"], arn=caller["Arn"], region=region)
    _check_bucket(session.client("s3", region_name=region), bucket, region)
    _check_role(session.client("iam", region_name=region), role_arn)
    return identity


def checked_identity(settings: Any) -> Identity:
    """The preflight for a run's settings; a failure is a usage error that says how to fix it."""
    import boto3
    import pytest

    missing = [flag for flag, name in (("--lab-bucket", "lab_bucket"), ("--lab-role", "lab_role"))
               if not settings[name]]
    if missing:
        raise pytest.UsageError(f"pytest-sagemaker-lab --live needs {' and '.join(missing)} (or the ini keys "
                                "lab_bucket / lab_role, or SAGEMAKER_LAB_BUCKET / SAGEMAKER_LAB_ROLE)")
    try:
        return preflight(boto3.Session(), settings["lab_region"], settings["lab_bucket"], settings["lab_role"])
    except PreflightError as exc:
        raise pytest.UsageError(f"pytest-sagemaker-lab --live preflight: {exc}") from None


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code") or type(exc).__name__)


def _check_bucket(s3: Any, bucket: str, region: str) -> None:
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        code = _code(exc)
        if code in ("404", "NoSuchBucket"):
            raise PreflightError(f"the bucket {bucket} does not exist. Create it (`aws s3 mb s3://{bucket} "
                                 f"--region {region}`) or pass the bucket of the earlier labs with --lab-bucket."
                                 ) from None
        if code in ("403", "AccessDenied"):
            raise PreflightError(f"the bucket {bucket} exists but these credentials cannot reach it (403). "
                                 "Use your own bucket, or ask for s3:ListBucket and s3:GetObject on it.") from None
        raise PreflightError(f"the bucket {bucket} cannot be checked ({code}).") from None
    location = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint") or "us-east-1"
    if location != region:
        raise PreflightError(f"the bucket {bucket} is in {location}, but the lab runs in {region}: SageMaker "
                             f"reads its channels from the job's region. Pass --lab-region {location}, or use a "
                             f"bucket in {region}.")


def _check_role(iam: Any, role_arn: str) -> None:
    from botocore.exceptions import ClientError

    name = role_arn.rsplit("/", 1)[-1]
    if ":role/" not in role_arn:
        raise PreflightError(f"--lab-role {role_arn} is not a role ARN (arn:aws:iam::<account>:role/<name>).")
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except ClientError as exc:
        if _code(exc) in ("NoSuchEntity", "NoSuchEntityException"):
            raise PreflightError(f"the role {role_arn} does not exist. Create a SageMaker execution role (see "
                                 "the README's IAM policy) and pass its ARN with --lab-role.") from None
        raise PreflightError(f"the role {role_arn} cannot be read ({_code(exc)}): the preflight needs "
                             "iam:GetRole on it.") from None
    document = role.get("AssumeRolePolicyDocument") or {}
    if isinstance(document, str):
        document = json.loads(urllib.parse.unquote(document))
    if not _trusts_sagemaker(document):
        raise PreflightError(f"the role {role_arn} does not trust {SAGEMAKER_PRINCIPAL}, so SageMaker cannot "
                             "assume it. Add to its trust policy: {\"Effect\": \"Allow\", \"Principal\": "
                             f"{{\"Service\": \"{SAGEMAKER_PRINCIPAL}\"}}, \"Action\": \"sts:AssumeRole\"}}.")


def _trusts_sagemaker(document: dict[str, Any]) -> bool:
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        services = (statement.get("Principal") or {}).get("Service", [])
        services = [services] if isinstance(services, str) else services
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if statement.get("Effect") == "Allow" and SAGEMAKER_PRINCIPAL in services and "sts:AssumeRole" in actions:
            return True
    return False


# -- the guard on CreateTrainingJob ----------------------------------------------------------------------
class InstanceTypeRefused(Exception):
    pass


@dataclass
class Guard:
    """What the lab's process may create, and the jobs it created (to stop them on Ctrl-C or time-out)."""

    max_runtime: int = DEFAULT_MAX_RUNTIME
    instance_types: tuple[str, ...] = DEFAULT_INSTANCE_TYPES
    created: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def adjust(self, params: dict[str, Any]) -> None:
        """Edit a CreateTrainingJob request in place, or refuse it."""
        instance = (params.get("ResourceConfig") or {}).get("InstanceType")
        if instance not in self.instance_types:
            raise InstanceTypeRefused(
                f"pytest-sagemaker-lab refused to create training job {params.get('TrainingJobName')} on "
                f"{instance}: live runs may use {', '.join(self.instance_types)} (--lab-instance-types).")
        stopping = params.setdefault("StoppingCondition", {})
        stopping["MaxRuntimeInSeconds"] = min(int(stopping.get("MaxRuntimeInSeconds") or self.max_runtime),
                                              self.max_runtime)
        tags = params.setdefault("Tags", [])
        if HARNESS_TAG not in tags:
            tags.append(dict(HARNESS_TAG))
        with self._lock:
            self.created.append(params["TrainingJobName"])


_guard: Guard | None = None
_original_make_api_call: Any = None


def _guarded_make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
    if _guard is not None and operation_name == "CreateTrainingJob" \
            and self.meta.service_model.service_name == "sagemaker":
        _guard.adjust(api_params)
    return _original_make_api_call(self, operation_name, api_params)


def install_guard(guard: Guard) -> None:
    """Every botocore client of this process sends CreateTrainingJob through ``guard`` from now on."""
    global _guard, _original_make_api_call
    from botocore.client import BaseClient

    _guard = guard
    if _original_make_api_call is None:
        _original_make_api_call = BaseClient._make_api_call
        BaseClient._make_api_call = _guarded_make_api_call


def uninstall_guard() -> None:
    global _guard, _original_make_api_call
    from botocore.client import BaseClient

    _guard = None
    if _original_make_api_call is not None:
        BaseClient._make_api_call = _original_make_api_call
        _original_make_api_call = None


def harness_jobs_since(sagemaker: Any, started: Any) -> list[str]:
    """The running training jobs created since ``started`` that carry the harness's tag: the account
    may be shared, and a colleague's job started meanwhile is not ours to stop."""
    names = []
    # Only running jobs are listed (the service filters them, so an account's long history is not
    # paged through); the creation time is filtered here, not with CreationTimeAfter, which moto
    # fails on (naive against aware datetimes).
    for page in sagemaker.get_paginator("list_training_jobs").paginate(StatusEquals="InProgress"):
        for summary in page["TrainingJobSummaries"]:
            if summary["CreationTime"] < started:
                continue
            if HARNESS_TAG in sagemaker.list_tags(ResourceArn=summary["TrainingJobArn"]).get("Tags", []):
                names.append(summary["TrainingJobName"])
    return names


def stop_jobs(sagemaker: Any, names: list[str]) -> list[str]:
    """StopTrainingJob for each job still running; return the ones stopped."""
    stopped = []
    for name in names:
        try:
            status = sagemaker.describe_training_job(TrainingJobName=name)["TrainingJobStatus"]
            if status == "InProgress":
                sagemaker.stop_training_job(TrainingJobName=name)
                stopped.append(name)
        except Exception:  # the stop is best effort; the message says which ones were stopped
            continue
    return stopped
