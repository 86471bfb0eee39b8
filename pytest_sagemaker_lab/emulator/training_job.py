"""One emulated training job, from InProgress to Completed, Failed or Stopped, on a thread of its own.

The platform's part (download the channels, start the container, upload the model, report) is here;
the container's part is the algorithm's (``algorithms``). State is written onto moto's FakeTrainingJob, so
DescribeTrainingJob and ListTrainingJobs report it as the service would.
"""

from __future__ import annotations

import io
import logging
import math
import os
import re
import shutil
import tarfile
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import algorithms
from . import failures, lifecycle, moto_access
from .errors import ContainerError, StopRequested
from .s3_paths import join_s3, relative_key, split_s3_uri

log = logging.getLogger(__name__)

# SecondaryStatus messages as the service shows them in SecondaryStatusTransitions.
STATUS_MESSAGES = {
    "Starting": "Preparing the instances for training",
    "Downloading": "Downloading input data",
    "Training": "Training image download completed. Training in progress.",
    "Uploading": "Uploading generated training model",
    "Completed": "Training job completed",
    "Failed": "Training job failed",
    "Stopping": "Stopping the training job",
    "Stopped": "Training job stopped",
    "MaxRuntimeExceeded": "Training job runtime exceeded MaxRuntimeInSeconds provided",
}


class ClientFailure(Exception):
    """A failure the platform reports as ``ClientError: ...`` (before or around the container)."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


class JobRun(lifecycle.Work):
    """Runs one job. ``request`` holds the CreateTrainingJob fields moto does not keep."""

    def __init__(self, job: Any, account_id: str, region: str, request: dict[str, Any]) -> None:
        self.job = job
        self.account_id = account_id
        self.region = region
        self.request = request
        self._stop = threading.Event()
        self._stop_reason = "Stopped"
        self.log_stream = f"{job.training_job_name}/algo-1-{int(time.time())}"
        self._max_runtime = float((job.stopping_condition or {}).get("MaxRuntimeInSeconds") or 86400)
        self._started = time.monotonic()
        self._events: list[tuple[int, str]] = []  # log lines not yet in CloudWatch

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        job = self.job
        now = _now()
        job.training_job_status = "InProgress"
        job.secondary_status = "Starting"
        job.secondary_status_transitions = []
        job.training_start_time = job.training_end_time = None
        job.final_metric_data_list = None
        job.creation_time = job.last_modified_time = now
        self._transition("Starting")
        self._thread = lifecycle.spawn(f"sagemaker-job-{job.training_job_name}", self._run, self.stop)

    def stop(self, reason: str = "Stopped") -> None:
        """StopTrainingJob: the job goes to Stopping, then Stopped once the container has ended."""
        if self.job.training_job_status != "InProgress":
            return
        self._stop_reason = reason
        self.job.training_job_status = "Stopping"
        self._stop.set()

    def _should_stop(self) -> bool:
        if not self._stop.is_set() and time.monotonic() - self._started > self._max_runtime:
            self._stop_reason = "MaxRuntimeExceeded"
            self._stop.set()
        return self._stop.is_set()

    def _transition(self, status: str) -> None:
        now = _now()
        transitions = self.job.secondary_status_transitions
        if transitions and "EndTime" not in transitions[-1]:
            transitions[-1]["EndTime"] = now
        entry = {"Status": status, "StartTime": now, "StatusMessage": STATUS_MESSAGES[status]}
        if status in ("Completed", "Failed", "Stopped", "MaxRuntimeExceeded"):
            entry["EndTime"] = now
        transitions.append(entry)
        self.job.secondary_status = status
        self.job.last_modified_time = now

    # -- the job ---------------------------------------------------------------------------------
    def _run(self) -> None:
        workdir = Path(tempfile.mkdtemp(prefix="sagemaker-lab-job-"))
        events = self._events

        def container_log(message: str) -> None:
            events.append((int(time.time() * 1000), message))
            if len(events) >= 50:
                self._flush(events)

        try:
            self._execute(workdir, container_log)
        except ClientFailure as exc:
            self._finish_failed(f"ClientError: {exc}")
        except ContainerError as exc:
            served = self._algorithm()
            text = served.algorithm.failure_text(exc, served.version)
            container_log("Reporting training FAILURE")
            for line in text.splitlines():
                container_log(line)
            self._finish_failed(failures.failure_reason(text))
        except StopRequested:
            self._finish_stopped()
        except Exception as exc:  # a bug in the emulation: fail the job loudly, never hang it
            log.exception("emulated training job %s crashed", self.job.training_job_name)
            self._finish_failed(f"InternalServerError: pytest-sagemaker-lab emulation error: {exc!r}")
        finally:
            self._flush(events)
            shutil.rmtree(workdir, ignore_errors=True)

    def _algorithm(self) -> algorithms.Resolved:
        resolved = algorithms.emulated(self.job.algorithm_specification.get("TrainingImage", ""))
        assert resolved is not None  # checked at CreateTrainingJob
        return resolved

    def _execute(self, workdir: Path, container_log) -> None:
        self._transition("Downloading")
        self.job.training_start_time = _now()
        data_dir = workdir / "input" / "data"
        self._download_channels(data_dir)
        if self._should_stop():
            raise StopRequested()
        self._transition("Training")
        model_dir = workdir / "model"
        model_dir.mkdir(parents=True)
        served = self._algorithm()
        started, cpu_started = time.monotonic(), time.process_time()
        result = served.algorithm.train(
            served.version, dict(self.job.hyper_parameters or {}), list(self.job.input_data_config or []),
            data_dir, model_dir, container_log, self._should_stop,
            self.job.algorithm_specification.get("TrainingInputMode", "File"))
        wall, cpu = time.monotonic() - started, time.process_time() - cpu_started
        self._transition("Uploading")
        self._upload_model(model_dir)
        self._write_debug_output(result)
        self._write_profiler_output(wall, cpu)
        self._finish_completed(result)

    def _check_output_bucket(self) -> None:
        bucket, _ = split_s3_uri(self.job.output_data_config["S3OutputPath"])
        if not moto_access.bucket_exists(self.account_id, bucket):
            # inferred: the service's wording when the output bucket is missing.
            raise ClientFailure(f"The bucket {bucket} given in OutputDataConfig.S3OutputPath does not exist. "
                                f"Please create the bucket in {self.region} or choose an existing one.")

    def _download_channels(self, data_dir: Path) -> None:
        """File mode: every object under a channel's S3Uri lands in the channel's folder at its key
        relative to that S3Uri (S3Uri is a string prefix: ``s3://b/p/train`` puts ``p/train/a.csv`` at
        ``a.csv``); an S3Uri that names an object puts it there by its name."""
        self._check_output_bucket()
        default_mode = self.job.algorithm_specification.get("TrainingInputMode", "File")
        for channel in self.job.input_data_config or []:
            if channel.get("InputMode", default_mode) == "Pipe":
                raise ClientFailure(f"Pipe input mode (channel '{channel['ChannelName']}') is not emulated by "
                                    "pytest-sagemaker-lab; use File mode offline.")
            source = channel["DataSource"]["S3DataSource"]
            bucket, prefix = split_s3_uri(source["S3Uri"])
            keys = moto_access.list_keys(self.account_id, bucket, prefix)
            if source.get("S3DataType", "S3Prefix") == "ManifestFile":
                raise ClientFailure("ManifestFile input is not emulated by pytest-sagemaker-lab.")
            if not keys:
                # inferred: the service's wording for an empty channel prefix.
                raise ClientFailure(
                    f'No S3 objects found under S3 URL "{source["S3Uri"]}" given in input data source. '
                    f"Please ensure that the bucket exists in the selected region ({self.region}), that "
                    f'objects exist under that S3 prefix, and that the role "{self.job.role_arn}" has '
                    f'"s3:ListBucket" permissions on bucket "{bucket}".'
                )
            folder = data_dir / channel["ChannelName"]
            for key, _ in keys:
                if key.endswith("/"):
                    continue  # a "folder" placeholder object
                moto_access.download(self.account_id, bucket, key, folder / relative_key(key, prefix))
            folder.mkdir(parents=True, exist_ok=True)

    def _output_prefix(self) -> str:
        return join_s3(self.job.output_data_config["S3OutputPath"], self.job.training_job_name)

    def _upload_model(self, model_dir: Path) -> None:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for path in sorted(model_dir.iterdir()):
                archive.add(path, arcname=path.name)
        uri = self.job.model_artifacts["S3ModelArtifacts"] = join_s3(self._output_prefix(), "output",
                                                                     "model.tar.gz")
        bucket, key = split_s3_uri(uri)
        moto_access.upload(self.account_id, bucket, key, buffer.getvalue())

    def _write_debug_output(self, result: Any) -> None:
        hook = self.job.debug_hook_config
        version = self._algorithm().version
        # 0.90-1 has no smdebug and 3.0-5 has its hook call commented out: they save no tensors.
        if not hook or version in ("0.90-1", "3.0-5"):
            return
        from .debug_output import debug_output_files

        base = join_s3(hook.get("S3OutputPath") or self.job.output_data_config["S3OutputPath"],
                       self.job.training_job_name, "debug-output")
        for relative, body in debug_output_files(result).items():
            bucket, key = split_s3_uri(join_s3(base, relative))
            moto_access.upload(self.account_id, bucket, key, body)

    def _write_profiler_output(self, wall_seconds: float, cpu_seconds: float) -> None:
        config = self.request.get("ProfilerConfig")
        if not config or config.get("DisableProfiler"):
            return
        from .debug_output import profiler_output_files

        base = join_s3(config.get("S3OutputPath") or self.job.output_data_config["S3OutputPath"],
                       self.job.training_job_name, "profiler-output")
        for relative, body in profiler_output_files(wall_seconds, cpu_seconds, os.cpu_count() or 1).items():
            bucket, key = split_s3_uri(join_s3(base, relative))
            moto_access.upload(self.account_id, bucket, key, body)

    # -- endings ---------------------------------------------------------------------------------
    def _seal_times(self) -> None:
        # The service has the log in CloudWatch before it reports the job's end.
        self._flush(self._events)
        now = _now()
        self.job.training_end_time = now
        start = self.job.training_start_time or now
        seconds = max(1, round((now - start).total_seconds()))
        self.job.training_time_in_seconds = seconds
        self.job.billable_time_in_seconds = seconds

    def _finish_completed(self, result: Any) -> None:
        self._seal_times()
        now = _now()
        self.job.final_metric_data_list = [
            {"MetricName": name, "Value": value, "Timestamp": now}
            for name, value in sorted(result.final_metrics.items())
        ]
        self._transition("Completed")
        self.job.training_job_status = "Completed"

    def _finish_failed(self, reason: str) -> None:
        self._seal_times()
        self.job.failure_reason = reason[: failures.FAILURE_REASON_LIMIT]
        self.job.model_artifacts = None  # a failed job has no artifact
        self._transition("Failed")
        self.job.training_job_status = "Failed"

    def _finish_stopped(self) -> None:
        self._seal_times()
        self.job.model_artifacts = None
        if self._stop_reason == "MaxRuntimeExceeded":
            self._transition("MaxRuntimeExceeded")
        else:
            self._transition("Stopped")
        self.job.training_job_status = "Stopped"

    def _flush(self, events: list[tuple[int, str]]) -> None:
        if events:
            moto_access.write_log(self.account_id, self.region, self.log_stream, list(events))
            self._publish_metrics(events)
            events.clear()

    def _publish_metrics(self, events: list[tuple[int, str]]) -> None:
        """As the service does: each of the job's MetricDefinitions is applied to every line the algorithm
        logs, and what it captures goes to CloudWatch at the line's time (TrainingJobAnalytics reads it)."""
        definitions = [(definition["Name"], re.compile(definition["Regex"]))
                       for definition in self.job.algorithm_specification.get("MetricDefinitions") or []]
        points = []
        for millis, line in events:
            for name, pattern in definitions:
                match = pattern.match(line)
                if match is None:
                    continue
                try:
                    value = float(match.group(1))
                except ValueError:
                    continue  # inferred: a capture that is not a number publishes nothing
                if math.isfinite(value):  # moto keeps metric times as naive UTC
                    when = datetime.fromtimestamp(millis / 1000, tz=timezone.utc).replace(tzinfo=None)
                    points.append((name, value, when))
        if points:
            moto_access.put_training_metrics(self.account_id, self.region, self.job.training_job_name, points)
