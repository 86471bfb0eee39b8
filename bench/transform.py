"""Target: an emulated batch transform of 200,000 CSV rows takes at most 1.3x a direct Booster.predict on them.

Baseline (direct): read the CSV file's bytes from disk, ``np.loadtxt(..., delimiter=",")``, ``xgboost.DMatrix``
and ``booster.predict`` with the booster the emulated job serves (unpickled from the model's archive; xgboost's
default threads), on a worker thread like the emulated job (``--direct-on-main-thread`` to run it on the main
thread). Measured (emulated): inside ``moto.mock_aws()`` with the plugin's moto patches, CreateTransformJob
(built-in XGBoost 1.2-2, SplitType Line, BatchStrategy MultiRecord, ContentType text/csv, AssembleWith Line,
the default 6 MB mini-batches) then DescribeTransformJob until it leaves InProgress, polling as the offline SDK
does (``fastclock``: a sleep of at most 0.05 s, ``--poll``, cut short when an emulated job ends; ``--plain-sleep``
to sleep it whole); timed from just before CreateTransformJob to seeing Completed. Not timed: training the model
(an emulated CreateTrainingJob on Lab 4.1's data, once), CreateModel, and uploading the CSV into moto.

The rows are Lab 4.1's kind: 8 numeric features formatted ``%.6f``, no label, no header. Every emulated run's
``.out`` is checked (untimed): one line per row, allclose to the direct predictions; a wrong answer fails the
benchmark with no measurement.

    python bench/transform.py [--repeat 3] [--rows 200000] [--check]
"""

from __future__ import annotations

import io
import itertools
import os
import pickle
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import REPO_ROOT, Sample, alternate, cpu_line, fake_aws_env, finish, parser, time_on_worker, verdict

TARGET = 1.3
FEATURES = 8  # Lab 4.1's
BUCKET = "bench"
INPUT_KEY = "batch-in/batch-in.csv"
REGION = "us-east-1"
VERSION = "1.2-2"
IMAGE = f"683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:{VERSION}"
ROLE = "arn:aws:iam::123456789012:role/SageMakerLabRole"
MODEL = "bench-transform-model"
# Lab 4.1's training job (lab_steps/lab4_1/lab.toml), on Lab 4.1's data.
HYPERPARAMETERS = {"num_round": "42", "eval_metric": "logloss", "objective": "binary:logistic", "verbosity": "1",
                   "seed": "42"}


class WrongAnswer(RuntimeError):
    pass


def write_csv(path: Path, rows: int) -> int:
    """Lab 4.1's kind of rows without the label: FEATURES normal values with 6 decimals, no header."""
    import numpy as np

    features = np.random.default_rng(0).normal(size=(rows, FEATURES))
    np.savetxt(path, features, fmt="%.6f", delimiter=",")
    return path.stat().st_size


def _s3_channel(name: str, key: str) -> dict[str, Any]:
    return {"ChannelName": name, "ContentType": "text/csv", "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/{key}", "S3DataDistributionType": "FullyReplicated"}}}


def train_model(sagemaker: Any, s3: Any) -> bytes:
    """Lab 4.1's training job, emulated (untimed); CreateModel on its artifact. Returns the model archive."""
    sys.path.insert(0, str(REPO_ROOT))
    from lab_steps.lab4_1 import data

    channels = []
    for name, body in data.generate().items():
        s3.put_object(Bucket=BUCKET, Key=f"lab41/{name}", Body=body)
        channels.append(_s3_channel("train" if name.startswith("train") else "validation", f"lab41/{name}"))
    sagemaker.create_training_job(
        TrainingJobName=MODEL,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        RoleArn=ROLE,
        InputDataConfig=channels,
        OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/output"},
        ResourceConfig={"InstanceType": "ml.m5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        HyperParameters=HYPERPARAMETERS,
    )
    while (job := sagemaker.describe_training_job(TrainingJobName=MODEL))["TrainingJobStatus"] == "InProgress":
        time.sleep(0.05)
    if job["TrainingJobStatus"] != "Completed":
        raise RuntimeError(f"training the model failed: {job.get('FailureReason')}")
    artifact = job["ModelArtifacts"]["S3ModelArtifacts"]
    sagemaker.create_model(ModelName=MODEL, ExecutionRoleArn=ROLE,
                           PrimaryContainer={"Image": IMAGE, "ModelDataUrl": artifact})
    return s3.get_object(Bucket=BUCKET, Key=artifact.removeprefix(f"s3://{BUCKET}/"))["Body"].read()


def booster_of(archive: bytes) -> Any:
    """The pickled Booster in the model archive (1.2-2 writes ``xgboost-model`` with pickle); ours, trusted."""
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        member = tar.extractfile("xgboost-model")
        assert member is not None
        return pickle.loads(member.read())


def direct(csv_path: Path, booster: Any, results: list[Any], on_main_thread: bool = False) -> Sample:
    """Read, parse, DMatrix and predict, timed; the predictions go into ``results``."""
    import numpy as np
    import xgboost

    def read_and_predict() -> None:
        matrix = np.loadtxt(io.BytesIO(csv_path.read_bytes()), delimiter=",", ndmin=2)
        results.append(booster.predict(xgboost.DMatrix(matrix)))

    return time_on_worker(read_and_predict, on_main_thread, "bench-direct-predict")


class Emulated:
    """A moto world with the model and the CSV in S3; each call runs one transform job under a fresh name."""

    def __init__(self, sagemaker: Any, s3: Any, poll: float, plain_sleep: bool, expected: Any, rows: int) -> None:
        from pytest_sagemaker_lab import fastclock

        self.sagemaker = sagemaker
        self.s3 = s3
        self.poll = poll
        self.sleep = time.sleep if plain_sleep else fastclock.FastClock(cap=poll).sleep
        self.expected = expected
        self.rows = rows
        self._names = itertools.count(1)
        self.failure: str | None = None

    def run(self) -> Sample:
        from pytest_sagemaker_lab.emulator import moto_hooks

        name = f"bench-{os.getpid()}-{next(self._names)}"
        cpu_started = time.process_time()
        started = time.perf_counter()
        self.sagemaker.create_transform_job(
            TransformJobName=name,
            ModelName=MODEL,
            BatchStrategy="MultiRecord",
            TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                            "S3Uri": f"s3://{BUCKET}/{INPUT_KEY}"}},
                            "ContentType": "text/csv", "SplitType": "Line"},
            TransformOutput={"S3OutputPath": f"s3://{BUCKET}/out/{name}", "AssembleWith": "Line",
                             "Accept": "text/csv"},
            TransformResources={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1},
        )
        while True:
            described = self.sagemaker.describe_transform_job(TransformJobName=name)
            if described["TransformJobStatus"] != "InProgress":
                break
            self.sleep(self.poll)
        elapsed = Sample(time.perf_counter() - started, time.process_time() - cpu_started)
        moto_hooks.wait_for_jobs()  # let the job's thread end before the next run (not timed)
        if described["TransformJobStatus"] != "Completed":
            self.failure = (f"job {name} ended {described['TransformJobStatus']}: "
                            f"{described.get('FailureReason', '(no FailureReason)')}")
            raise RuntimeError(self.failure)
        self.check(name)
        return elapsed

    def check(self, name: str) -> None:
        """The .out holds one prediction per row, equal to the direct ones (untimed)."""
        import numpy as np

        key = f"out/{name}/{Path(INPUT_KEY).name}.out"
        out = self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
        lines = out.splitlines()
        if len(lines) != self.rows or not out.endswith("\n"):
            self.failure = f"job {name}: s3://{BUCKET}/{key} has {len(lines)} lines, not {self.rows}"
            raise WrongAnswer(self.failure)
        values = np.array([float(line) for line in lines])
        if not np.allclose(values, self.expected, rtol=1e-6, atol=1e-7):
            worst = int(np.argmax(np.abs(values - self.expected)))
            self.failure = (f"job {name}: line {worst + 1} of s3://{BUCKET}/{key} is {float(values[worst])!r}, "
                            f"the direct prediction {float(self.expected[worst])!r} (and maybe more differ)")
            raise WrongAnswer(self.failure)


def main(argv: list[str] | None = None) -> int:
    cli = parser(__doc__.splitlines()[0], repeat=3)
    cli.add_argument("--rows", type=int, default=200_000, help="CSV rows (default 200000)")
    cli.add_argument("--poll", type=float, default=0.05,
                     help="most seconds between DescribeTransformJob calls (default 0.05, the offline SDK's cap)")
    cli.add_argument("--plain-sleep", action="store_true",
                     help="sleep the whole --poll between calls, not woken when an emulated job ends")
    cli.add_argument("--direct-on-main-thread", action="store_true",
                     help="run the direct baseline on the main thread instead of a worker thread")
    args = cli.parse_args(argv)
    os.environ.update(fake_aws_env({}))  # before boto3 or moto look at the environment

    import boto3
    from moto import mock_aws

    from pytest_sagemaker_lab import backends
    from pytest_sagemaker_lab.emulator import moto_hooks

    with tempfile.TemporaryDirectory(prefix="bench-transform-") as tmp, \
            backends.patched_environ(backends.offline_environment(REGION)), mock_aws():
        csv_path = Path(tmp) / "batch-in.csv"
        size = write_csv(csv_path, args.rows)
        moto_hooks.install()
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        boto3.client("iam", region_name=REGION).create_role(
            RoleName="SageMakerLabRole", AssumeRolePolicyDocument=backends.SAGEMAKER_TRUST_POLICY)
        sagemaker = boto3.client("sagemaker", region_name=REGION)
        try:
            booster = booster_of(train_model(sagemaker, s3))
        except RuntimeError as exc:
            print(f"emulated transform: FAILED, no measurement: {exc}")
            return 2
        with open(csv_path, "rb") as body:
            s3.put_object(Bucket=BUCKET, Key=INPUT_KEY, Body=body)
        predictions: list[Any] = []
        direct(csv_path, booster, predictions, on_main_thread=True)  # the expected answer (untimed)
        emulated = Emulated(sagemaker, s3, args.poll, args.plain_sleep, predictions[0], args.rows)

        def baseline() -> Sample:
            sample = direct(csv_path, booster, predictions, args.direct_on_main_thread)
            predictions.pop()  # keep one copy: the answer does not change
            return sample

        try:
            paired = alternate(baseline, emulated.run, args.repeat, args.warmup,
                               None if args.quiet else "emulated transform")
        except WrongAnswer as exc:
            print(f"emulated transform: FAILED, wrong answer, no measurement: {emulated.failure or exc}")
            return 2
        except RuntimeError as exc:
            print(f"emulated transform: FAILED, no measurement: {emulated.failure or exc}")
            return 2
        finally:
            moto_hooks.wait_for_jobs()
        label = (f"emulated transform ({args.rows} rows, {size / 1e6:.1f} MB CSV, 6 MB mini-batches, "
                 f"{'polled every' if args.plain_sleep else 'polls of at most'} {args.poll:g} s)")
        line, ok = verdict(label, "direct Booster.predict", paired, TARGET)
        print(line)
        print(cpu_line(label, "direct Booster.predict", paired))
        print(f"emulated transform output: {args.rows} lines, allclose to the direct predictions in every run")
    return finish(ok, args.check)


if __name__ == "__main__":
    sys.exit(main())
