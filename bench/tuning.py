"""Target: an emulated tuning job of 5 children takes at most 1.2x the same 5 emulated training jobs run one by one.

Both run inside ``moto.mock_aws()`` with the plugin's moto patches, on Lab 4.1's data (400 training rows, 100
validation rows, 8 features) and Lab 4.1's static hyperparameters (built-in XGBoost 1.2-2, 42 rounds).
Measured (tuning): CreateHyperParameterTuningJob (Random strategy, a fixed RandomSeed, MaxNumberOfTrainingJobs
5, MaxParallelTrainingJobs 1, early stopping Off, eta and max_depth tuned, objective validation:logloss) then
DescribeHyperParameterTuningJob until it leaves InProgress. Baseline (sequential): 5 CreateTrainingJob calls,
one after another, each with the HyperParameters of the tuning job's child of the same rank (read from an
untimed tuning job first), each polled with DescribeTrainingJob until it leaves InProgress before the next is
created; timed until the 5th is Completed. Both sides poll as the offline SDK does (``fastclock``: a sleep of at
most 0.05 s, ``--poll``, cut short when an emulated job ends; ``--plain-sleep`` to sleep it whole).

Checked in every run (untimed): the tuning job is Completed with 5 Completed children whose HyperParameters
and objective values are those of the 5 sequential jobs; a wrong answer fails the benchmark with no measurement.

Each side takes under 0.2 s and its pairs scatter by about +-20% on an idle machine, so the default is 9 pairs
(a few seconds): with 3 the verdict is often inconclusive.

    python bench/tuning.py [--repeat 9] [--check]
"""

from __future__ import annotations

import itertools
import math
import os
import sys
import time
from typing import Any

from _common import REPO_ROOT, Sample, alternate, cpu_line, fake_aws_env, finish, parser, verdict

TARGET = 1.2
CHILDREN = 5
BUCKET = "bench"
REGION = "us-east-1"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-2"
ROLE = "arn:aws:iam::123456789012:role/SageMakerLabRole"
METRIC = "validation:logloss"
# Lab 4.1's hyperparameters (lab_steps/lab4_1/lab.toml); eta and max_depth are tuned.
STATIC = {"num_round": "42", "eval_metric": "logloss", "objective": "binary:logistic", "verbosity": "1",
          "seed": "42"}
RANGES = {
    "ContinuousParameterRanges": [{"Name": "eta", "MinValue": "0.05", "MaxValue": "0.5",
                                   "ScalingType": "Logarithmic"}],
    "IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "2", "MaxValue": "6", "ScalingType": "Auto"}],
}


class WrongAnswer(RuntimeError):
    pass


def _channel(name: str, key: str) -> dict[str, Any]:
    return {"ChannelName": name, "ContentType": "text/csv", "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/{key}", "S3DataDistributionType": "FullyReplicated"}}}


def upload_lab_data(s3: Any) -> list[dict[str, Any]]:
    """Lab 4.1's generated CSVs into the bucket; the two channels that read them."""
    sys.path.insert(0, str(REPO_ROOT))
    from lab_steps.lab4_1 import data

    channels = []
    for name, body in data.generate().items():
        s3.put_object(Bucket=BUCKET, Key=f"lab41/{name}", Body=body)
        channels.append(_channel("train" if name.startswith("train") else "validation", f"lab41/{name}"))
    return channels


class World:
    """A moto world with Lab 4.1's data; runs tuning jobs and sequential training jobs under fresh names."""

    def __init__(self, sagemaker: Any, channels: list[dict[str, Any]], poll: float, plain_sleep: bool) -> None:
        from pytest_sagemaker_lab import fastclock

        self.sagemaker = sagemaker
        self.channels = channels
        self.poll = poll
        self.sleep = time.sleep if plain_sleep else fastclock.FastClock(cap=poll).sleep
        self._names = itertools.count(1)
        self.failure: str | None = None
        self.expected: list[tuple[dict[str, str], float]] = []  # each child's HyperParameters, objective

    def _name(self, kind: str) -> str:
        return f"b{kind}-{os.getpid() % 100000}-{next(self._names)}"  # tuning job names: at most 32 characters

    def _fail(self, message: str, wrong: bool = False) -> None:
        self.failure = message
        raise (WrongAnswer if wrong else RuntimeError)(message)

    # -- the tuning job (measured) ---------------------------------------------------------------
    def tune(self) -> tuple[Sample, str]:
        name = self._name("t")
        cpu_started = time.process_time()
        started = time.perf_counter()
        self.sagemaker.create_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name,
            HyperParameterTuningJobConfig={
                "Strategy": "Random",
                "RandomSeed": 42,  # the same children in every run
                "ResourceLimits": {"MaxNumberOfTrainingJobs": CHILDREN, "MaxParallelTrainingJobs": 1},
                "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": METRIC},
                "ParameterRanges": RANGES,
                "TrainingJobEarlyStoppingType": "Off",
            },
            TrainingJobDefinition={
                "StaticHyperParameters": STATIC,
                "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
                "RoleArn": ROLE,
                "InputDataConfig": self.channels,
                "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/tuning"},
                "HyperParameterTuningResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1,
                                                       "VolumeSizeInGB": 30},
                "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            },
        )
        while True:
            described = self.sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
            if described["HyperParameterTuningJobStatus"] != "InProgress":
                break
            self.sleep(self.poll)
        elapsed = Sample(time.perf_counter() - started, time.process_time() - cpu_started)
        self._settle()
        if described["HyperParameterTuningJobStatus"] != "Completed":
            self._fail(f"tuning job {name} ended {described['HyperParameterTuningJobStatus']}: "
                       f"{described.get('FailureReason', '(no FailureReason)')}")
        return elapsed, name

    def children(self, name: str) -> list[tuple[dict[str, str], float]]:
        """The tuning job's children, by rank: their HyperParameters and objective values."""
        summaries = self.sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name, SortBy="Name", MaxResults=100)["TrainingJobSummaries"]
        statuses = [summary["TrainingJobStatus"] for summary in summaries]
        if statuses != ["Completed"] * CHILDREN:
            self._fail(f"tuning job {name}: its children ended {statuses}, not {CHILDREN} Completed", wrong=True)
        found = []
        for summary in summaries:
            job = self.sagemaker.describe_training_job(TrainingJobName=summary["TrainingJobName"])
            found.append((job["HyperParameters"], summary["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]))
        return found

    def measured(self) -> Sample:
        elapsed, name = self.tune()
        found = self.children(name)
        for rank, ((hyperparameters, objective), (want, want_objective)) in enumerate(
                zip(found, self.expected, strict=True), start=1):
            if hyperparameters != want:
                self._fail(f"tuning job {name}: child {rank} trained with {hyperparameters}, the sequential job "
                           f"with {want}", wrong=True)
            if not math.isclose(objective, want_objective, rel_tol=1e-6, abs_tol=1e-9):
                self._fail(f"tuning job {name}: child {rank}'s {METRIC} is {objective}, the sequential job's "
                           f"{want_objective}", wrong=True)
        return elapsed

    # -- the sequential training jobs (baseline) -------------------------------------------------
    def train(self, hyperparameters: dict[str, str]) -> tuple[str, dict[str, Any]]:
        name = self._name("s")
        self.sagemaker.create_training_job(
            TrainingJobName=name,
            AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            RoleArn=ROLE,
            InputDataConfig=self.channels,
            OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/sequential"},
            ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
            HyperParameters=hyperparameters,
        )
        while True:
            described = self.sagemaker.describe_training_job(TrainingJobName=name)
            if described["TrainingJobStatus"] != "InProgress":
                return name, described
            self.sleep(self.poll)

    def baseline(self) -> Sample:
        cpu_started = time.process_time()
        started = time.perf_counter()
        ended = [self.train(hyperparameters) for hyperparameters, _ in self.expected]
        elapsed = Sample(time.perf_counter() - started, time.process_time() - cpu_started)
        self._settle()
        for (name, described), (_, want_objective) in zip(ended, self.expected, strict=True):
            if described["TrainingJobStatus"] != "Completed":
                self._fail(f"training job {name} ended {described['TrainingJobStatus']}: "
                           f"{described.get('FailureReason', '(no FailureReason)')}")
            final = {metric["MetricName"]: metric["Value"] for metric in described.get("FinalMetricDataList", [])}
            if METRIC not in final or not math.isclose(final[METRIC], want_objective, rel_tol=1e-6, abs_tol=1e-9):
                self._fail(f"training job {name}: {METRIC} {final.get(METRIC)}, the tuning child's {want_objective}",
                           wrong=True)
        return elapsed

    def _settle(self) -> None:
        from pytest_sagemaker_lab.emulator import moto_hooks

        moto_hooks.wait_for_jobs()  # every job's thread ends before the next run (not timed)

    def learn_children(self) -> None:
        """An untimed tuning job: the children's HyperParameters and objectives the others must match."""
        _, name = self.tune()
        self.expected = self.children(name)
        distinct = {tuple(sorted(hyperparameters.items())) for hyperparameters, _ in self.expected}
        if len(distinct) != CHILDREN:
            self._fail(f"tuning job {name}: only {len(distinct)} distinct children of {CHILDREN}", wrong=True)


def main(argv: list[str] | None = None) -> int:
    cli = parser(__doc__.splitlines()[0], repeat=9)
    cli.add_argument("--poll", type=float, default=0.05,
                     help="most seconds between Describe calls on either side (default 0.05, the offline SDK's cap)")
    cli.add_argument("--plain-sleep", action="store_true",
                     help="sleep the whole --poll between calls, not woken when an emulated job ends")
    args = cli.parse_args(argv)
    os.environ.update(fake_aws_env({}))  # before boto3 or moto look at the environment

    import boto3
    from moto import mock_aws

    from pytest_sagemaker_lab import backends
    from pytest_sagemaker_lab.emulator import moto_hooks

    with backends.patched_environ(backends.offline_environment(REGION)), mock_aws():
        moto_hooks.install()
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        boto3.client("iam", region_name=REGION).create_role(
            RoleName="SageMakerLabRole", AssumeRolePolicyDocument=backends.SAGEMAKER_TRUST_POLICY)
        world = World(boto3.client("sagemaker", region_name=REGION), upload_lab_data(s3), args.poll,
                      args.plain_sleep)
        try:
            world.learn_children()
            paired = alternate(world.baseline, world.measured, args.repeat, args.warmup,
                               None if args.quiet else "emulated tuning")
        except WrongAnswer as exc:
            print(f"emulated tuning: FAILED, wrong answer, no measurement: {world.failure or exc}")
            return 2
        except RuntimeError as exc:
            print(f"emulated tuning: FAILED, no measurement: {world.failure or exc}")
            return 2
        finally:
            moto_hooks.wait_for_jobs()
        polls = f"{'polled every' if args.plain_sleep else 'polls of at most'} {args.poll:g} s"
        label = f"emulated tuning ({CHILDREN} children, 1 at a time, Lab 4.1's data, {polls})"
        base_label = f"{CHILDREN} sequential training jobs"
        line, ok = verdict(label, base_label, paired, TARGET)
        print(line)
        print(cpu_line(label, base_label, paired))
        tuned = ", ".join(f"eta {h['eta']} max_depth {h['max_depth']}" for h, _ in world.expected)
        print(f"emulated tuning children (the same in every run, objectives equal to the sequential jobs'): {tuned}")
    return finish(ok, args.check)


if __name__ == "__main__":
    sys.exit(main())
