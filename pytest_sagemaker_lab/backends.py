"""The account a lab runs against: moto offline (the default) or AWS live, and how to reach it.

One place hands out boto3 sessions and the environment a lab's code runs with. Offline, every
credential and endpoint comes from here: fake keys, the lab's region, no profile, no config file,
so no call can reach AWS or pick up a real secret.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import fast_exit, netguard, sdk_patches, shared_loader
from .spec import LabSpec

OFFLINE_ACCOUNT = "123456789012"  # moto's default account
OFFLINE_BUCKET = "sagemaker-lab-data"
OFFLINE_ROLE_NAME = "SageMakerLabRole"
# The notebook instance a graded notebook runs on, as on SageMaker: its role is the lab's, so
# ``sagemaker.get_execution_role()`` answers as it does there (see grading.sandbox, NOTEBOOK_METADATA).
OFFLINE_NOTEBOOK_INSTANCE = "sagemaker-lab-notebook"
SAGEMAKER_TRUST_POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    '"Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
)
# Variables that could carry real credentials or send calls elsewhere: removed offline.
_CREDENTIAL_VARIABLES = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE",
)


def offline_environment(region: str) -> dict[str, str]:
    """The AWS variables an offline lab runs with."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "SAGEMAKER_SUPPRESS_V2_WARNING": "1",
    }


@dataclass
class World:
    """Where one run of a lab happens: the account, region, bucket, prefix and role it uses."""

    mode: str
    region: str
    bucket: str
    prefix: str
    role_arn: str
    account_id: str = OFFLINE_ACCOUNT
    endpoint: str | None = None  # a local moto server's URL, when the lab's code runs in another process
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _session: Any = field(default=None, repr=False)
    guard: Any = None  # --live: the limits on what the run creates, and the jobs it created
    written: list[str] = field(default_factory=list)  # --live: the keys this run uploaded
    # Values the grader injects beside the account's names (the training job a later lab starts from).
    parameters: dict[str, str] = field(default_factory=dict)

    @property
    def live(self) -> bool:
        return self.mode == "live"

    def session(self):
        """One boto3 session per world: each new session reads botocore's service models again."""
        if self._session is None:
            import boto3

            self._session = boto3.Session(region_name=self.region)
        return self._session

    def client(self, service: str):
        if service not in self._clients:
            self._clients[service] = self.session().client(service, endpoint_url=self.endpoint)
        return self._clients[service]


@contextlib.contextmanager
def patched_environ(values: dict[str, str], remove: tuple[str, ...] = ()) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in (*values, *remove)}
    try:
        for name in remove:
            os.environ.pop(name, None)
        os.environ.update(values)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def seed_world(world: World, spec: LabSpec, buckets: tuple[str, ...] = ()) -> None:
    """What the earlier labs leave behind: the bucket with the lab's data, and the IAM role; for a lab
    that goes on from another ([world] after), that lab's data and its completed training job too."""
    s3 = world.client("s3")
    data = {**(spec.after.generate_data() if spec.after else {}), **spec.generate_data()}
    for bucket in dict.fromkeys((world.bucket, *buckets)):
        if world.region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": world.region})
        for key, body in data.items():
            s3.put_object(Bucket=bucket, Key=f"{world.prefix}/{key}", Body=body)
    iam = world.client("iam")
    iam.create_role(RoleName=world.role_arn.rsplit("/", 1)[-1],
                    AssumeRolePolicyDocument=SAGEMAKER_TRUST_POLICY)
    world.client("sagemaker").create_notebook_instance(
        NotebookInstanceName=OFFLINE_NOTEBOOK_INSTANCE, InstanceType="ml.t3.medium", RoleArn=world.role_arn)
    if spec.after is not None:
        world.parameters["training_job_name"] = seed_training_job(world, spec.after)


def seed_training_job(world: World, spec: LabSpec, timeout: float = 300.0) -> str:
    """The training job ``spec``'s reference would make, made as it makes it and run to its end."""
    import time
    from datetime import datetime

    from .checks import known_image_account

    name = spec.job_name_prefix + datetime.now().strftime("%m-%d-%Y-%H-%M-%S")
    account = known_image_account(world.region) or "683313688378"
    sagemaker = world.client("sagemaker")
    sagemaker.create_training_job(
        TrainingJobName=name, RoleArn=world.role_arn, HyperParameters=dict(spec.hyperparameters),
        AlgorithmSpecification={"TrainingImage": f"{account}.dkr.ecr.{world.region}.amazonaws.com/"
                                                 f"sagemaker-xgboost:{spec.version}", "TrainingInputMode": "File"},
        InputDataConfig=[{"ChannelName": channel.name, "ContentType": channel.content_type, "DataSource": {
            "S3DataSource": {"S3DataType": "S3Prefix", "S3DataDistributionType": "FullyReplicated",
                             "S3Uri": f"s3://{world.bucket}/{spec.object_key(channel, world.prefix)}"}}}
            for channel in spec.channels],
        OutputDataConfig={"S3OutputPath": spec.output_uri(world.bucket, world.prefix)},
        ResourceConfig={"InstanceType": spec.instance_type, "InstanceCount": spec.instance_count,
                        "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 86400})
    deadline = time.monotonic() + timeout
    while (status := sagemaker.describe_training_job(TrainingJobName=name)["TrainingJobStatus"]) in (
            "InProgress", "Stopping"):
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
    if status != "Completed":
        raise RuntimeError(f"{spec.directory}: seeding the world with its training job {name} ended {status}")
    return name


def _offline_world_record(spec: LabSpec, region: str | None, bucket: str | None, prefix: str | None,
                          role_arn: str | None, endpoint: str | None = None) -> World:
    """An offline world's names: what was asked for, else the lab's region and prefix and the offline
    account's bucket and role."""
    return World(mode="offline", region=region or spec.region, bucket=bucket or OFFLINE_BUCKET,
                 prefix=prefix or spec.prefix,
                 role_arn=role_arn or f"arn:aws:iam::{OFFLINE_ACCOUNT}:role/{OFFLINE_ROLE_NAME}", endpoint=endpoint)


@contextlib.contextmanager
def offline_world(spec: LabSpec, region: str | None = None, bucket: str | None = None,
                  prefix: str | None = None, role_arn: str | None = None, seed: bool = True,
                  ) -> Iterator[World]:
    """A fresh moto account, in this process, seeded with the lab's starting state."""
    from moto import mock_aws

    from .emulator import moto_hooks

    world = _offline_world_record(spec, region, bucket, prefix, role_arn)
    moto_hooks.install()
    shared_loader.install()
    # pytest, moto and xgboost leave a few hundred thousand long-lived objects that every full garbage
    # collection of the run (and pytest's last one) would walk again: moved out of the collector's way,
    # as long-running servers do after their imports. They are still freed by reference counting.
    gc.freeze()
    fast_exit.skip_final_collection()  # and what the run adds is left out of the interpreter's last sweep
    with patched_environ(offline_environment(world.region), remove=_CREDENTIAL_VARIABLES):
        netguard.install()
        mock = mock_aws()
        mock.start()
        try:
            if seed:
                seed_world(world, spec)
            sdk_patches.install()
            yield world
        finally:
            sdk_patches.uninstall()
            moto_hooks.end_jobs()
            mock.stop()
            netguard.uninstall()
            shared_loader.uninstall()


@contextlib.contextmanager
def served_world(spec: LabSpec, endpoint: str, region: str | None = None, bucket: str | None = None,
                 prefix: str | None = None, role_arn: str | None = None, extra_buckets: tuple[str, ...] = (),
                 ) -> Iterator[World]:
    """A fresh account on the local moto server at ``endpoint``, for code running in another process;
    seeded like ``offline_world``, also at the buckets the submission names."""
    from .emulator import moto_hooks
    from .emulator.server import reset

    world = _offline_world_record(spec, region, bucket, prefix, role_arn, endpoint)
    moto_hooks.end_jobs()
    reset(endpoint)
    with patched_environ({**offline_environment(world.region), "AWS_ENDPOINT_URL": endpoint},
                         remove=_CREDENTIAL_VARIABLES):
        netguard.install()
        try:
            seed_world(world, spec, extra_buckets)
            yield world
        finally:
            moto_hooks.end_jobs()
            netguard.uninstall()


def upload_missing_data(world: World, spec: LabSpec) -> list[str]:
    """--live: put the lab's data where it is missing (never over an existing object); return the keys."""
    from botocore.exceptions import ClientError

    s3 = world.client("s3")
    written = []
    for name, body in spec.generate_data().items():
        key = f"{world.prefix}/{name}"
        try:
            s3.head_object(Bucket=world.bucket, Key=key)
        except ClientError:
            s3.put_object(Bucket=world.bucket, Key=key, Body=body)
            written.append(key)
    return written


def cleanup(world: World, jobs: list[str], written: list[str]) -> list[str]:
    """--lab-cleanup: delete what this run wrote under its prefix (its jobs' outputs, its uploads), only."""
    s3 = world.client("s3")
    sagemaker = world.client("sagemaker")
    keys = list(written)
    for job in jobs:
        output = sagemaker.describe_training_job(TrainingJobName=job)["OutputDataConfig"]["S3OutputPath"]
        bucket, _, base = output.removeprefix("s3://").partition("/")
        prefix = f"{base.rstrip('/')}/{job}/"
        if bucket != world.bucket or not prefix.startswith(f"{world.prefix}/"):
            continue  # not under this run's prefix: left alone
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys += [entry["Key"] for entry in page.get("Contents", [])]
    for key in keys:
        s3.delete_object(Bucket=world.bucket, Key=key)
    return keys


@contextlib.contextmanager
def live_world(spec: LabSpec, identity: Any, bucket: str, prefix: str | None, role_arn: str) -> Iterator[World]:
    """The real account of the normal credential chain, as the preflight found it (``identity``);
    nothing is seeded or patched."""
    yield World(mode="live", region=identity.region, bucket=bucket, prefix=prefix or spec.prefix,
                role_arn=role_arn, account_id=identity.account)
