"""Target: an emulated training job on a 200,000-row CSV takes at most 1.3x a direct xgboost.train on it.

Baseline (direct): ``xgboost.DMatrix("<csv>?format=csv&label_column=0")`` then ``xgboost.train`` for 42
rounds with a train eval set, on a worker thread like the emulated job (``--direct-on-main-thread``
to run it on the main thread). Measured (emulated): inside ``moto.mock_aws()`` with the plugin's moto
patches, CreateTrainingJob (built-in XGBoost 1.2-2, the CSV as the train channel, same hyperparameters)
then DescribeTrainingJob every 0.05 s (``--poll``, as the SDK polls offline) until it leaves InProgress;
timed from just before
CreateTrainingJob to seeing Completed (the upload into moto is not timed: the data is already in S3).
Also reported, informational: tracemalloc's peak Python-heap memory during one emulated job against
the CSV's size, to show the channel is not copied into Python memory.

    python bench/emulated_training.py [--repeat 3] [--rows 200000] [--check]
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import Sample, alternate, cpu_line, fake_aws_env, finish, parser, time_on_worker, verdict

TARGET = 1.3
FEATURES = 20
NUM_ROUND = 42
BUCKET = "bench"
KEY = "data/train.csv"
REGION = "us-east-1"
PARAMS: dict[str, Any] = {"objective": "binary:logistic", "eval_metric": "logloss", "seed": 42, "verbosity": 1}
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-2"
ROLE = "arn:aws:iam::123456789012:role/SageMakerLabRole"


def write_csv(path: Path, rows: int) -> int:
    """A deterministic binary-classification CSV: label (0/1) first, FEATURES numeric columns, no header."""
    import numpy as np

    rng = np.random.default_rng(0)
    features = rng.normal(size=(rows, FEATURES))
    weights = rng.normal(size=FEATURES)
    probability = 1.0 / (1.0 + np.exp(-(features @ weights)))
    labels = (rng.random(rows) < probability).astype(np.float64)
    np.savetxt(path, np.column_stack([labels, features]), fmt=["%d"] + ["%.6f"] * FEATURES, delimiter=",")
    return path.stat().st_size


def direct(csv_path: Path, on_main_thread: bool = False) -> Sample:
    """DMatrix + xgboost.train, timed. By default on a worker thread, as the emulated job trains: with any
    competing load, xgboost (libgomp) on the main thread was seen to run 5-10x slower than on a worker
    thread, which would make the ratio meaningless. On an idle machine both take the same time."""
    import xgboost

    def load_and_train() -> None:
        # xgboost >= 3.1 deprecates its text loader: a Python warning, and a C++ one that the thread-local
        # global verbosity (back to 1 on every new thread) would print.
        with warnings.catch_warnings(), xgboost.config_context(verbosity=0):
            warnings.simplefilter("ignore")
            dtrain = xgboost.DMatrix(f"{csv_path}?format=csv&label_column=0")
        # verbose_eval=False keeps the 42 eval lines off the report; the eval itself still runs.
        xgboost.train(PARAMS, dtrain, num_boost_round=NUM_ROUND, evals=[(dtrain, "train")], verbose_eval=False)

    return time_on_worker(load_and_train, on_main_thread, "bench-direct-train")


class Emulated:
    """A moto world with the CSV in S3; each call runs one training job under a fresh name."""

    def __init__(self, sagemaker: Any, poll: float) -> None:
        self.sagemaker = sagemaker
        self.poll = poll
        self._names = itertools.count(1)
        self.failure: str | None = None

    def run(self, before_create: Callable[[], None] = lambda: None) -> Sample:
        from pytest_sagemaker_lab.emulator import moto_hooks

        name = f"bench-{os.getpid()}-{next(self._names)}"
        before_create()
        cpu_started = time.process_time()
        started = time.perf_counter()
        self.sagemaker.create_training_job(
            TrainingJobName=name,
            AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            RoleArn=ROLE,
            InputDataConfig=[{
                "ChannelName": "train",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/{KEY}",
                                                "S3DataDistributionType": "FullyReplicated"}},
                "ContentType": "text/csv",
            }],
            OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/output"},
            ResourceConfig={"InstanceType": "ml.m5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
            HyperParameters={"num_round": str(NUM_ROUND), "objective": "binary:logistic", "eval_metric": "logloss",
                             "seed": "42", "verbosity": "1"},
        )
        while True:
            described = self.sagemaker.describe_training_job(TrainingJobName=name)
            if described["TrainingJobStatus"] != "InProgress":
                break
            time.sleep(self.poll)
        elapsed = Sample(time.perf_counter() - started, time.process_time() - cpu_started)
        moto_hooks.wait_for_jobs()  # let the job's thread clean up before the next run (not timed)
        if described["TrainingJobStatus"] != "Completed":
            self.failure = (f"job {name} ended {described['TrainingJobStatus']}: "
                            f"{described.get('FailureReason', '(no FailureReason)')}")
            raise RuntimeError(self.failure)
        return elapsed


def main(argv: list[str] | None = None) -> int:
    cli = parser(__doc__.splitlines()[0], repeat=3)
    cli.add_argument("--rows", type=int, default=200_000, help="CSV rows (default 200000)")
    cli.add_argument("--poll", type=float, default=0.05,
                     help="seconds between DescribeTrainingJob calls (default 0.05, the offline SDK's pace)")
    cli.add_argument("--direct-on-main-thread", action="store_true",
                     help="run the direct baseline on the main thread instead of a worker thread")
    args = cli.parse_args(argv)
    os.environ.update(fake_aws_env({}))  # before boto3 or moto look at the environment

    import boto3
    from moto import mock_aws

    from pytest_sagemaker_lab.emulator import moto_hooks

    with tempfile.TemporaryDirectory(prefix="bench-emulated-training-") as tmp:
        csv_path = Path(tmp) / "train.csv"
        size = write_csv(csv_path, args.rows)
        with mock_aws():
            moto_hooks.install()
            s3 = boto3.client("s3", region_name=REGION)
            s3.create_bucket(Bucket=BUCKET)
            with open(csv_path, "rb") as body:
                s3.put_object(Bucket=BUCKET, Key=KEY, Body=body)
            emulated = Emulated(boto3.client("sagemaker", region_name=REGION), args.poll)
            try:
                paired = alternate(lambda: direct(csv_path, args.direct_on_main_thread), emulated.run, args.repeat,
                                   args.warmup, None if args.quiet else "emulated training")
            except RuntimeError:
                print(f"emulated training: FAILED, no measurement: {emulated.failure}")
                return 2
            label = f"emulated training ({args.rows} rows, {size / 1e6:.1f} MB CSV, polled every {args.poll:g} s)"
            line, ok = verdict(label, "direct xgboost.train", paired, TARGET)
            print(line)
            print(cpu_line(label, "direct xgboost.train", paired))

            # Informational, in a run of its own so tracing does not slow the timed ones.
            emulated.run(before_create=tracemalloc.start)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"emulated training memory (informational): tracemalloc peak {peak / 1e6:.2f} MB / "
                  f"CSV {size / 1e6:.1f} MB = ratio {peak / size:.3f}")
    return finish(ok, args.check)


if __name__ == "__main__":
    sys.exit(main())
