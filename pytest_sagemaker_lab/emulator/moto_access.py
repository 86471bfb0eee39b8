"""The few reads and writes the emulated container makes into moto's other services.

The container runs inside moto (in-process or in a moto server), so it reaches S3 and CloudWatch Logs
through moto's backends directly rather than over HTTP. Every use of moto's internals is kept here.
"""

from __future__ import annotations

import datetime
import shutil
from collections.abc import Iterable
from pathlib import Path

TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
TRAINING_METRICS_NAMESPACE = "/aws/sagemaker/TrainingJobs"  # CloudWatch's, dimension TrainingJobName


def _s3(account_id: str):
    from moto.backends import get_backend

    return get_backend("s3")[account_id]["aws"]


def _logs(account_id: str, region: str):
    from moto.backends import get_backend

    return get_backend("logs")[account_id][region]


def bucket_exists(account_id: str, bucket: str) -> bool:
    return bucket in _s3(account_id).buckets


def bucket_region(account_id: str, bucket: str) -> str | None:
    found = _s3(account_id).buckets.get(bucket)
    return found.region_name if found is not None else None


def list_keys(account_id: str, bucket: str, prefix: str) -> list[tuple[str, int]]:
    """(key, size) of every current object under ``prefix``, in key order."""
    found = _s3(account_id).buckets.get(bucket)
    if found is None:
        return []
    keys = []
    for name in found.keys:
        if name.startswith(prefix):
            size = getattr(found.keys[name], "size", None)  # delete markers have none
            if size is not None:
                keys.append((name, size))
    return sorted(keys)


def download(account_id: str, bucket: str, key: str, destination: Path) -> None:
    """Copy an object to a file without holding a second copy of it in memory."""
    fake_key = _s3(account_id).buckets[bucket].keys[key]
    destination.parent.mkdir(parents=True, exist_ok=True)
    buffer = fake_key._value_buffer  # moto keeps the bytes in a SpooledTemporaryFile
    with fake_key.lock, open(destination, "wb") as out:
        buffer.seek(0)
        shutil.copyfileobj(buffer, out, length=1 << 20)


def upload(account_id: str, bucket: str, key: str, body: bytes) -> None:
    _s3(account_id).put_object(bucket, key, body)


def write_log(account_id: str, region: str, stream: str, events: Iterable[tuple[int, str]],
              group: str = TRAINING_LOG_GROUP) -> None:
    """Append (timestamp in ms, message) events to a CloudWatch Logs stream, creating it if needed."""
    logs = _logs(account_id, region)
    if group not in logs.groups:
        logs.create_log_group(group, tags={})
    if stream not in logs.groups[group].streams:
        logs.create_log_stream(group, stream)
    batch = [{"timestamp": timestamp, "message": message} for timestamp, message in events]
    if batch:
        logs.put_log_events(group, stream, batch)


def put_training_metrics(account_id: str, region: str, job_name: str,
                         points: list[tuple[str, float, datetime.datetime]]) -> None:
    """(metric name, value, time) points of a training job, in CloudWatch as the service publishes them."""
    from moto.backends import get_backend

    dimensions = [{"Name": "TrainingJobName", "Value": job_name}]
    get_backend("cloudwatch")[account_id][region].put_metric_data(TRAINING_METRICS_NAMESPACE, [
        {"MetricName": name, "Value": value, "Timestamp": when, "Dimensions": dimensions, "Unit": "None"}
        for name, value, when in points])


def read(account_id: str, bucket: str, key: str) -> bytes | None:
    """An object's bytes, or None when the bucket or the key does not exist."""
    found = _s3(account_id).buckets.get(bucket)
    fake_key = found.keys.get(key) if found is not None else None
    if fake_key is None or getattr(fake_key, "size", None) is None:
        return None
    return fake_key.value  # takes the key's lock itself


def sagemaker_backend(account_id: str, region: str):
    from moto.backends import get_backend

    return get_backend("sagemaker")[account_id][region]
