"""Hyperparameter tuning jobs offline: real child training jobs, run a few at a time on a thread.

moto answers CreateHyperParameterTuningJob with a canned job (Completed at once, a BestTrainingJob named
"FakeTrainingJobName" that does not exist) and lacks ListTrainingJobsForHyperParameterTuningJob and
StopHyperParameterTuningJob. Here CreateHyperParameterTuningJob checks the request, records it with moto's
own backend method, then a :class:`TuningRun` starts child training jobs through
``moto_hooks.start_training_job`` (so they train, log, publish metrics and appear in ListTrainingJobs and
DescribeTrainingJob like any job), named ``<tuning name>-NNN-<8 hex>``, each with the
StaticHyperParameters, the chosen values and ``_tuning_objective_metric``. DescribeHyperParameterTuningJob
is moto's own handler, reading the state this module writes onto moto's job just before it answers.

Documented differences from the service:

- **Bayesian is not Bayesian optimisation**: it is the Random search below, seeded by the job name
  (or RandomSeed). **Hyperband** is the same random search with every child run to its full num_round
  (no Hyperband brackets). Random and Grid behave as the service documents them.
- Random search: Continuous values are uniform (Linear, Auto) or log-uniform (Logarithmic) or
  reverse-log-uniform (ReverseLogarithmic); Integer values are integers drawn the same way; Categorical
  values are a uniform choice. The sequence depends only on the name (or RandomSeed), so a rerun of a lab
  picks the same values. Values are sent as strings: integers without a decimal point, continuous values
  as Python's shortest ``repr`` (inferred: the service's own digits differ).
- Grid: one child per combination of the categorical values, the first range varying slowest (inferred
  order), at most MaxNumberOfTrainingJobs of them when it is given (inferred).
- ``eval_metric`` is made to include the objective's metric when the static hyperparameters do not name
  it (inferred: the real container adds the ``_tuning_objective_metric`` metric itself; the emulated one
  does not, so the child's HyperParameters show the added metric).
- Early stopping ``Auto`` applies the rule the developer guide states: after each round, the child's
  objective is compared with the median, over the earlier children that have ended and reached that
  round, of their running averages up to that round; a worse value stops the child (``run.stop()``). The
  rounds are read from the child's log lines (those in CloudWatch Logs and those not yet flushed) every
  few milliseconds, so a child may run a round or two past the one that condemned it. One earlier child
  is enough to compare with (inferred: the service's minimum is not documented).
- An ended child's objective is the FinalMetricDataList value of the objective's metric (Completed), or
  the last value its log shows (Stopped: the service counts early-stopped jobs' final metrics).
- After five failed children with none succeeded the tuning job fails, as the service does ("No training
  job succeeded after 5 attempts"); when every child of a smaller budget fails it fails the same way with
  the number of attempts (inferred).
- DescribeHyperParameterTuningJob's TrainingJobDefinition is the request's plus what SDK 2 reads there
  without looking first, so the service must report it: ``_tuning_objective_metric`` in
  StaticHyperParameters, the built-in algorithm's AlgorithmSpecification.MetricDefinitions, and a
  ResourceConfig copied from HyperParameterTuningResourceConfig (inferred: the last two's contents).
  Children get ``OutputDataConfig.KmsKeyId = ""`` as the service reports it (Estimator.attach reads it).
- Not emulated (NotEmulatedOffline): TrainingJobDefinitions (several algorithms), WarmStartConfig,
  Autotune. Not applied: ResourceLimits.MaxRuntimeInSeconds, TuningJobCompletionCriteria, RetryStrategy.
"""

from __future__ import annotations

import copy
import itertools
import logging
import math
import os
import random
import re
import statistics
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .. import algorithms
from . import lifecycle, moto_access, moto_hooks
from .not_emulated import ERROR_CODE
from .xgboost_metrics import METRIC_VALUE, metric_definitions

log = logging.getLogger(__name__)

_install_lock = threading.Lock()
_moto_describe: dict[str, Any] = {}  # moto's own DescribeHyperParameterTuningJob handler, once found

_NAME_PATTERN = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}"
_NAME = re.compile(_NAME_PATTERN + "$")
_POLL_SECONDS = 0.01
# The service gives up after this many failed children when none has succeeded.
_ATTEMPTS_BEFORE_FAILING = 5
# Children really running at once, whatever MaxParallelTrainingJobs says: more than the cores would only
# slow each of them down (the counters still show every child the service would have started).
_LOCAL_SLOTS = max(1, os.cpu_count() or 1)
_STRATEGIES = ("Bayesian", "Random", "Hyperband", "Grid")


# -- errors ----------------------------------------------------------------------------------------
def _validation_error(message: str) -> Exception:
    from moto.sagemaker.exceptions import ValidationError

    return ValidationError(message=message)


def _not_found(name: str) -> Exception:
    from moto.sagemaker.exceptions import ResourceNotFound

    # The service's words for DescribeHyperParameterTuningJob (aws/amazon-sagemaker-examples #1540); inferred:
    # ListTrainingJobsForHyperParameterTuningJob and StopHyperParameterTuningJob say the same.
    return ResourceNotFound(message=f"Amazon SageMaker can't find a tuning job called {name}. Type another name.")


def _not_emulated(feature: str) -> Exception:
    from moto.core.exceptions import ServiceException

    class NotEmulated(ServiceException):
        code = ERROR_CODE

    return NotEmulated(f"pytest-sagemaker-lab: {feature} in CreateHyperParameterTuningJob is not emulated "
                       "offline. Run this part of the lab with --live against AWS, or tune one estimator "
                       "without it.")


def _constraints(value: Any, field_name: str, rules: list[str]) -> str:
    """The service's wording for request fields that break the model's constraints."""
    count = f"{len(rules)} validation error{'s' if len(rules) > 1 else ''} detected: "
    return count + "; ".join(f"Value '{value}' at '{field_name}' failed to satisfy constraint: {rule}"
                             for rule in rules)


# -- the request -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParameterRange:
    kind: str  # "Integer", "Continuous" or "Categorical"
    name: str
    low: float = 0.0
    high: float = 0.0
    scaling: str = "Auto"
    values: tuple[str, ...] = ()


@dataclass
class TuningPlan:
    """What a valid request asks for, in the form the run needs."""

    strategy: str
    metric: str  # e.g. "validation:auc"
    objective_type: str  # "Minimize" or "Maximize"
    max_jobs: int
    max_parallel: int
    early_stopping: bool
    ranges: list[ParameterRange]
    seed: int | str
    definition: dict[str, Any]  # the CreateTrainingJob fields every child shares
    static: dict[str, str]  # StaticHyperParameters
    tags: list[dict[str, str]] | None = None
    children: list[dict[str, str]] = field(default_factory=list)  # the tuned values of each child


def _ranges(config: dict[str, Any]) -> list[ParameterRange]:
    found: list[ParameterRange] = []
    ranges = config.get("ParameterRanges") or {}
    if ranges.get("AutoParameters"):
        raise _not_emulated("ParameterRanges.AutoParameters (Autotune)")
    for kind in ("Integer", "Continuous"):
        for entry in ranges.get(f"{kind}ParameterRanges") or []:
            name, scaling = entry.get("Name", ""), entry.get("ScalingType") or "Auto"
            try:
                parse = int if kind == "Integer" else float
                low, high = parse(entry.get("MinValue")), parse(entry.get("MaxValue"))
            except (TypeError, ValueError):
                # inferred wording
                raise _validation_error(
                    f"The {kind.lower()} hyperparameter range for '{name}' has MinValue "
                    f"'{entry.get('MinValue')}' and MaxValue '{entry.get('MaxValue')}'; both must be "
                    f"{'integers' if kind == 'Integer' else 'numbers'}.") from None
            if not (math.isfinite(low) and math.isfinite(high)) or low > high:
                # inferred wording
                raise _validation_error(f"The MinValue of hyperparameter range '{name}' must be less than or "
                                        "equal to its MaxValue.")
            if scaling == "Logarithmic" and low <= 0:
                # inferred wording, from the API reference's rule for Logarithmic scaling
                raise _validation_error(f"Hyperparameter range '{name}' uses Logarithmic scaling, which needs "
                                        "a range whose values are all greater than 0.")
            if scaling == "ReverseLogarithmic" and (kind == "Integer" or not 0 <= low <= high < 1):
                # inferred wording, from the API reference's rule for ReverseLogarithmic scaling
                raise _validation_error(f"Hyperparameter range '{name}' uses ReverseLogarithmic scaling, which "
                                        "works only for continuous ranges within 0 <= x < 1.")
            found.append(ParameterRange(kind, name, float(low), float(high), scaling))
    for entry in ranges.get("CategoricalParameterRanges") or []:
        values = tuple(str(value) for value in entry.get("Values") or [])
        if not values:
            raise _validation_error(_constraints("[]", "categoricalParameterRanges.values",
                                                 ["Member must have length greater than or equal to 1"]))
        found.append(ParameterRange("Categorical", entry.get("Name", ""), values=values))
    names = [parameter.name for parameter in found]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        # inferred wording
        raise _validation_error(f"The hyperparameters {duplicates} appear in more than one parameter range.")
    return found


def _child_definition(definition: dict[str, Any]) -> dict[str, Any]:
    """The CreateTrainingJob fields every child shares, by their API names."""
    resource = definition.get("HyperParameterTuningResourceConfig") or definition.get("ResourceConfig") or {}
    algorithm = {key: value for key, value in (definition.get("AlgorithmSpecification") or {}).items()}
    return {
        "AlgorithmSpecification": algorithm,
        "RoleArn": definition.get("RoleArn"),
        "InputDataConfig": definition.get("InputDataConfig"),
        # The service reports KmsKeyId "" when none was given (SDK 2's Estimator.attach reads it).
        "OutputDataConfig": {"KmsKeyId": "", **(definition.get("OutputDataConfig") or {})},
        "ResourceConfig": {key: resource[key] for key in ("InstanceType", "InstanceCount", "VolumeSizeInGB",
                                                         "VolumeKmsKeyId", "KeepAlivePeriodInSeconds")
                           if key in resource},
        "VpcConfig": definition.get("VpcConfig"),
        "StoppingCondition": definition.get("StoppingCondition"),
        "CheckpointConfig": definition.get("CheckpointConfig"),
        "EnableNetworkIsolation": definition.get("EnableNetworkIsolation"),
        "EnableInterContainerTrafficEncryption": definition.get("EnableInterContainerTrafficEncryption"),
        "EnableManagedSpotTraining": definition.get("EnableManagedSpotTraining"),
        "Environment": definition.get("Environment"),
        "RetryStrategy": definition.get("RetryStrategy"),
    }


def _check_objective(metric: str, image_uri: str) -> None:
    """The objective must be a metric the built-in XGBoost prints: ``<train|validation>:<eval metric>``."""
    served = algorithms.emulated(image_uri)
    if served is not None and metric in served.algorithm.objective_metrics(served.version):
        return
    # The service's words when the objective is not among the algorithm's metric definitions (seen with
    # custom images, aws/sagemaker-python-sdk #3932); inferred: built-in images are answered alike.
    raise _validation_error("A metric is required for this hyperparameter tuning job objective. Provide a "
                            "metric in the metric definitions.")


def check_request(backend: Any, params: dict[str, Any]) -> TuningPlan:
    """The checks the service makes before it accepts a tuning job; each raises its exception."""
    name = params.get("HyperParameterTuningJobName") or ""
    rules = []
    if not _NAME.match(name):
        rules.append(f"Member must satisfy regular expression pattern: {_NAME_PATTERN}")
    if len(name) > 32:
        rules.append("Member must have length less than or equal to 32")
    if rules:
        raise _validation_error(_constraints(name, "hyperParameterTuningJobName", rules))
    if name in backend.hyper_parameter_tuning_jobs:
        from moto.sagemaker.exceptions import ResourceInUseException

        # The service's words (aws/amazon-sagemaker-examples #2440).
        raise ResourceInUseException(f"A hyperparameter tuning job with the name, {name}, already exists. Choose "
                                     "a different name.")
    for feature in ("TrainingJobDefinitions", "WarmStartConfig", "Autotune"):
        if params.get(feature):
            raise _not_emulated(feature)
    config = params.get("HyperParameterTuningJobConfig") or {}
    definition = params.get("TrainingJobDefinition")
    if not definition:
        # inferred wording
        raise _validation_error("The request must specify a TrainingJobDefinition.")
    limits = config.get("ResourceLimits") or {}
    strategy = config.get("Strategy") or ""
    early_stopping = config.get("TrainingJobEarlyStoppingType") or "Off"
    for value, field_name, allowed in ((strategy, "strategy", _STRATEGIES),
                                       (early_stopping, "trainingJobEarlyStoppingType", ("Off", "Auto"))):
        if value not in allowed:  # botocore does not check enums; the service does
            raise _validation_error(_constraints(value, f"hyperParameterTuningJobConfig.{field_name}",
                                                 [f"Member must satisfy enum value set: [{', '.join(allowed)}]"]))
    max_parallel = limits.get("MaxParallelTrainingJobs")
    if max_parallel is None:
        raise _validation_error(_constraints("null", "hyperParameterTuningJobConfig.resourceLimits."
                                             "maxParallelTrainingJobs", ["Member must not be null"]))
    max_jobs = limits.get("MaxNumberOfTrainingJobs")
    if max_jobs is None and strategy != "Grid":
        # inferred wording: only Grid computes the number of training jobs itself.
        raise _validation_error(f"ResourceLimits.MaxNumberOfTrainingJobs is required for the {strategy} "
                                "strategy; only the Grid strategy can leave it out.")
    ranges = _ranges(config)
    if strategy == "Grid":
        numeric = [parameter.name for parameter in ranges if parameter.kind != "Categorical"]
        if numeric or not ranges:
            # inferred wording, from the developer guide: Grid takes categorical parameters only.
            raise _validation_error("The Grid search strategy supports only categorical parameter ranges; "
                                    f"remove the integer and continuous ranges {numeric} or choose another "
                                    "strategy.")
    if strategy == "Hyperband" and early_stopping != "Off":
        # inferred wording, from the developer guide: Hyperband has its own early stopping.
        raise _validation_error("TrainingJobEarlyStoppingType must be Off when the tuning strategy is "
                                "Hyperband, which stops training jobs early itself.")
    objective = config.get("HyperParameterTuningJobObjective") or {}
    if not objective.get("MetricName") or objective.get("Type") not in ("Minimize", "Maximize"):
        raise _validation_error(_constraints("null", "hyperParameterTuningJobConfig."
                                             "hyperParameterTuningJobObjective", ["Member must not be null"]))
    static = definition.get("StaticHyperParameters") or {}
    both = sorted(parameter.name for parameter in ranges if parameter.name in static)
    if both:
        # inferred wording
        raise _validation_error(f"The hyperparameters {both} are both static and tunable; a hyperparameter "
                                "can be one or the other.")
    shared = _child_definition(definition)
    # The children are checked as CreateTrainingJob checks a job, before the tuning job is accepted.
    moto_hooks.check_request(backend, {**shared, "TrainingJobName": f"{name}-001-00000000"})
    _check_objective(objective["MetricName"], shared["AlgorithmSpecification"].get("TrainingImage", ""))
    seed = config.get("RandomSeed")
    plan = TuningPlan(
        strategy=strategy, metric=objective["MetricName"], objective_type=objective["Type"],
        max_jobs=int(max_jobs) if max_jobs is not None else 0, max_parallel=int(max_parallel),
        early_stopping=early_stopping == "Auto", ranges=ranges, seed=seed if seed is not None else name,
        definition=shared, static=dict(static), tags=params.get("Tags"))
    plan.children = _choose(plan)
    return plan


# -- choosing the values ---------------------------------------------------------------------------
def format_value(parameter: ParameterRange, value: float) -> str:
    """As the service sends values: integers without a decimal point, floats in full."""
    if parameter.kind == "Integer":
        return str(int(value))
    return repr(float(value))


def sample(rng: random.Random, parameter: ParameterRange) -> str:
    if parameter.kind == "Categorical":
        return rng.choice(parameter.values)
    low, high = parameter.low, parameter.high
    if parameter.kind == "Integer":
        if parameter.scaling == "Logarithmic":
            # Log-uniform over [low, high + 1), floored: each integer gets the width of its interval.
            drawn = math.floor(math.exp(rng.uniform(math.log(low), math.log(high + 1))))
            return format_value(parameter, min(max(drawn, low), high))
        return format_value(parameter, rng.randint(int(low), int(high)))
    if parameter.scaling == "Logarithmic":
        drawn = math.exp(rng.uniform(math.log(low), math.log(high)))
    elif parameter.scaling == "ReverseLogarithmic":
        drawn = 1 - math.exp(rng.uniform(math.log(1 - high), math.log(1 - low)))
    else:  # Linear, and Auto (inferred: the service's Auto choice is not documented; linear is the safe one)
        drawn = rng.uniform(low, high)
    return format_value(parameter, min(max(drawn, low), high))


def _choose(plan: TuningPlan) -> list[dict[str, str]]:
    if plan.strategy == "Grid":
        names = [parameter.name for parameter in plan.ranges]
        combinations = [dict(zip(names, values, strict=True))
                        for values in itertools.product(*(parameter.values for parameter in plan.ranges))]
        return combinations[:plan.max_jobs] if plan.max_jobs else combinations
    # Random, and the stand-ins for Bayesian and Hyperband (see the module's docstring).
    rng = random.Random(plan.seed)
    return [{parameter.name: sample(rng, parameter) for parameter in plan.ranges} for _ in range(plan.max_jobs)]


def _metric_names(raw: str) -> list[str]:
    return [metric.strip("'\"") for metric in re.split(r"[,\s]+", raw.strip("[]'\" ")) if metric.strip("'\"")]


def child_hyperparameters(plan: TuningPlan, static: dict[str, str], tuned: dict[str, str]) -> dict[str, str]:
    values = {**static, **tuned, "_tuning_objective_metric": plan.metric}
    metric = plan.metric.partition(":")[2]
    metrics = _metric_names(values.get("eval_metric", ""))
    if metric not in metrics:
        # inferred: the real container adds the objective's metric itself; the emulated one needs it named.
        values["eval_metric"] = ",".join([*metrics, metric])
    return values


# -- the run ---------------------------------------------------------------------------------------
def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Child:
    index: int  # 1-based, as in the name
    job: Any  # moto's FakeTrainingJob
    tuned: dict[str, str]
    curve: dict[int, float] = field(default_factory=dict)  # round -> objective, from the log lines
    log_offset: int = 0  # events of the CloudWatch stream already read
    checked_round: int = -1
    objective: float | None = None  # set once the job has ended

    @property
    def run(self) -> Any:
        return self.job._lab_run

    @property
    def status(self) -> str:
        return self.job.training_job_status

    @property
    def ended(self) -> bool:
        return self.status in ("Completed", "Failed", "Stopped")


class TuningRun(lifecycle.Work):
    """Runs one tuning job's children on a thread and writes its state onto moto's job."""

    def __init__(self, backend: Any, tuning_job: Any, plan: TuningPlan) -> None:
        self.backend = backend
        self.tuning_job = tuning_job
        self.plan = plan
        self.name: str = tuning_job.hyper_parameter_tuning_job_name
        self.children: list[Child] = []
        self.status = "InProgress"
        self.failure_reason: str | None = None
        self._stop = threading.Event()
        self._lock = threading.RLock()
        self._pattern = _objective_pattern(plan.metric)
        self._suffixes = random.Random(f"{self.name}/names")

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        self.publish()
        self._thread = lifecycle.spawn(f"sagemaker-tuning-{self.name}", self._run, self.stop)

    def stop(self) -> None:
        """StopHyperParameterTuningJob: Stopping, then Stopped once every running child has stopped."""
        with self._lock:
            if self.status != "InProgress":
                return
            self.status = "Stopping"
        self._stop.set()
        self.publish()

    def _run(self) -> None:
        try:
            self._loop()
        except Exception as exc:  # a bug in the emulation: fail the tuning job loudly, never hang it
            log.exception("emulated tuning job %s crashed", self.name)
            for child in self.children:
                child.run.stop()
            with self._lock:
                self.status = "Failed"
                self.failure_reason = f"InternalServerError: pytest-sagemaker-lab emulation error: {exc!r}"
        finally:
            self.publish(final=True)

    def _loop(self) -> None:
        plan = self.plan
        parallel = min(plan.max_parallel, _LOCAL_SLOTS)
        while True:
            running = [child for child in self.children if not child.ended]
            for child in self.children:
                if child.ended and child.objective is None:
                    child.objective = self._final_objective(child)
            if plan.early_stopping:
                for child in running:
                    self._early_stop(child)
            launching = not self._stop.is_set() and not self._given_up()
            while launching and len(running) < parallel and len(self.children) < len(plan.children):
                running.append(self._launch(len(self.children) + 1))
            if not running and (not launching or len(self.children) >= len(plan.children)):
                break
            if self._stop.is_set():
                for child in running:
                    child.run.stop()  # a no-op for a child already stopping
            self.publish()
            time.sleep(_POLL_SECONDS)
        with self._lock:
            if self.status == "Stopping":
                self.status = "Stopped"
            elif not any(child.objective is not None for child in self.children):
                attempts = sum(child.status == "Failed" for child in self.children)
                self.status = "Failed"
                # The service's words (aws/amazon-sagemaker-examples #2436, #2437).
                self.failure_reason = (f"No training job succeeded after {attempts} attempts. Please take a look "
                                       "at the training job failures to get more details.")
            else:
                self.status = "Completed"

    def _given_up(self) -> bool:
        failed = sum(child.status == "Failed" for child in self.children)
        succeeded = any(child.objective is not None for child in self.children)
        return failed >= _ATTEMPTS_BEFORE_FAILING and not succeeded

    def _launch(self, index: int) -> Child:
        plan = self.plan
        tuned = plan.children[index - 1]
        name = f"{self.name}-{index:03d}-{self._suffixes.getrandbits(32):08x}"
        params = copy.deepcopy(plan.definition)  # moto keeps (and the emulation edits) the dicts it is given
        params.update(TrainingJobName=name, HyperParameters=child_hyperparameters(plan, plan.static, tuned),
                      Tags=copy.deepcopy(plan.tags))  # the tuning job's tags go to every child
        job = moto_hooks.start_training_job(self.backend, params)
        job.tuning_job_arn = self.tuning_job.arn  # DescribeTrainingJob shows it as TuningJobArn
        child = Child(index, job, dict(tuned))
        with self._lock:
            self.children.append(child)
        return child

    # -- objective values ------------------------------------------------------------------------
    def _read_curve(self, child: Child) -> dict[int, float]:
        """The objective at each round so far: the lines in CloudWatch Logs, then those the job has not
        flushed yet (a line moving between the two meanwhile is read on the next look)."""
        from moto.backends import get_backend

        run = child.run
        logs = get_backend("logs")[self.backend.account_id][self.backend.region_name]
        with self._lock:  # the tuning thread and the API's threads both read: one reader moves the offset
            group = logs.groups.get(moto_access.TRAINING_LOG_GROUP)
            stream = group.streams.get(run.log_stream) if group is not None else None
            if stream is not None:
                events = stream.events[child.log_offset:]
                child.log_offset += len(events)
                self._parse(child, (event.message for event in events))
            self._parse(child, (message for _, message in list(run._events)))
            return child.curve

    def _parse(self, child: Child, lines: Any) -> None:
        for line in lines:
            match = self._pattern.match(line)
            if match is not None:
                try:
                    child.curve[int(match.group(1))] = float(match.group(2))
                except ValueError:
                    continue

    def _final_objective(self, child: Child) -> float | None:
        if child.status == "Completed":
            for metric in child.job.final_metric_data_list or []:
                if metric["MetricName"] == self.plan.metric:
                    return float(metric["Value"])
        if child.status in ("Completed", "Stopped"):
            curve = self._read_curve(child)  # a Stopped job's log is all in CloudWatch by now
            if curve:
                return curve[max(curve)]
        return None

    def _worse(self, value: float, than: float) -> bool:
        return value > than if self.plan.objective_type == "Minimize" else value < than

    def _early_stop(self, child: Child) -> None:
        """The median rule of the developer guide, applied to the latest round the child has logged."""
        if child.status != "InProgress":
            return
        curve = self._read_curve(child)
        if not curve or max(curve) <= child.checked_round:
            return
        latest = max(curve)
        child.checked_round = latest
        averages = []
        for earlier in self.children[:child.index - 1]:
            if earlier.ended and earlier.objective is not None:
                earlier_curve = self._read_curve(earlier)  # all in CloudWatch once it has ended
                if latest in earlier_curve:
                    values = [value for step, value in earlier_curve.items() if step <= latest]
                    averages.append(sum(values) / len(values))
        if averages and self._worse(curve[latest], statistics.median(averages)):
            log.info("tuning job %s stops %s early at round %d", self.name, child.job.training_job_name, latest)
            child.run.stop()

    def best(self) -> Child | None:
        scored = [child for child in self.children if child.objective is not None]
        if not scored:
            return None
        sign = 1 if self.plan.objective_type == "Minimize" else -1
        return min(scored, key=lambda child: (sign * child.objective, child.index))

    # -- what the API shows ----------------------------------------------------------------------
    def summary(self, child: Child) -> dict[str, Any]:
        """A HyperParameterTrainingJobSummary, as botocore's model names its fields."""
        job = child.job
        status = job.training_job_status
        summary: dict[str, Any] = {
            "TrainingJobName": job.training_job_name,
            "TrainingJobArn": job.arn,
            "TuningJobName": self.name,
            "CreationTime": job.creation_time,
            "TrainingStartTime": job.training_start_time,
            "TrainingEndTime": job.training_end_time if child.ended else None,
            "TrainingJobStatus": status,
            "TunedHyperParameters": dict(child.tuned),
        }
        if status == "Failed":
            summary["FailureReason"] = getattr(job, "failure_reason", None)
        objective = child.objective if child.ended else None
        if objective is not None:
            summary["FinalHyperParameterTuningJobObjectiveMetric"] = {
                "Type": self.plan.objective_type, "MetricName": self.plan.metric, "Value": objective}
        if not child.ended:
            summary["ObjectiveStatus"] = "Pending"
        else:  # inferred: a job that ended without the objective's metric counts as Failed
            summary["ObjectiveStatus"] = "Succeeded" if objective is not None else "Failed"
        return {key: value for key, value in summary.items() if value is not None}

    def summaries(self) -> list[dict[str, Any]]:
        with self._lock:
            children = list(self.children)
        for child in children:
            if child.ended and child.objective is None:
                child.objective = self._final_objective(child)
        return [self.summary(child) for child in children]

    def publish(self, final: bool = False) -> None:
        """Write the state DescribeHyperParameterTuningJob shows onto moto's job (moto's describe reads it)."""
        with self._lock:
            summaries = self.summaries()
            statuses = [summary["TrainingJobStatus"] for summary in summaries]
            objectives = [summary["ObjectiveStatus"] for summary in summaries]
            best = self.best()
            job = self.tuning_job
            changed = (self.status, statuses, objectives, best) != getattr(self, "_published", None)
            self._published = (self.status, statuses, objectives, best)
            job.hyper_parameter_tuning_job_status = self.status
            job.training_job_status_counters = {
                "Completed": statuses.count("Completed"),
                "InProgress": statuses.count("InProgress") + statuses.count("Stopping"),
                "RetryableError": 0,  # inferred: the emulation never retries a child
                "NonRetryableError": statuses.count("Failed"),
                "Stopped": statuses.count("Stopped"),
            }
            job.objective_status_counters = {
                "Succeeded": objectives.count("Succeeded"),
                "Pending": objectives.count("Pending"),
                "Failed": objectives.count("Failed"),
            }
            job.best_training_job = self.summary(best) if best is not None else None
            job.failure_reason = self.failure_reason
            if changed:
                job.last_modified_time = _now()
            if final and self.status in ("Completed", "Failed", "Stopped"):
                job.hyper_parameter_tuning_end_time = job.last_modified_time = _now()


def _objective_pattern(metric: str) -> re.Pattern[str]:
    data, _, name = metric.partition(":")
    return re.compile(rf".*\[([0-9]+)\].*#011{re.escape(data)}-{re.escape(name)}:{METRIC_VALUE}")


# -- moto's handlers -------------------------------------------------------------------------------
def _reset(tuning_job: Any) -> None:
    """moto's job is born Completed with a canned best job and canned details: start it from nothing."""
    now = _now()
    tuning_job.hyper_parameter_tuning_job_status = "InProgress"
    tuning_job.creation_time = tuning_job.last_modified_time = now
    tuning_job.hyper_parameter_tuning_end_time = None
    tuning_job.best_training_job = None
    tuning_job.OverallBestTrainingJob = None  # warm start only
    tuning_job.failure_reason = None
    tuning_job.tuning_job_completion_details = None
    tuning_job.consumed_resources = None


_CREATE_FIELDS = ("HyperParameterTuningJobName", "HyperParameterTuningJobConfig", "TrainingJobDefinition",
                  "TrainingJobDefinitions", "WarmStartConfig", "Tags", "Autotune")


def create_tuning_job(backend: Any, params: dict[str, Any]) -> TuningRun:
    """Check a CreateHyperParameterTuningJob request, record it with moto and start running it."""
    params = {name: params.get(name) for name in _CREATE_FIELDS}
    plan = check_request(backend, params)
    # The service keeps the objective in the definition's StaticHyperParameters: DescribeHyperParameterTuningJob
    # shows it there (SDK 2's HyperparameterTuner.attach deletes that key without looking first).
    definition = copy.deepcopy(params["TrainingJobDefinition"])
    definition["StaticHyperParameters"] = {**(definition.get("StaticHyperParameters") or {}),
                                           "_tuning_objective_metric": plan.metric}
    if "ResourceConfig" not in definition and plan.definition["ResourceConfig"]:
        # inferred: the service reports the resources as a ResourceConfig too. SDK 2 always sends
        # HyperParameterTuningResourceConfig, and its HyperparameterTuner.attach (used by labs as
        # attach(...).best_estimator()) reads TrainingJobDefinition["ResourceConfig"]["InstanceCount"].
        definition["ResourceConfig"] = copy.deepcopy(plan.definition["ResourceConfig"])
    algorithm = definition.setdefault("AlgorithmSpecification", {})
    if not algorithm.get("MetricDefinitions"):
        # The service supplies a built-in algorithm's metric definitions (SDK 2's attach reads
        # AlgorithmSpecification["MetricDefinitions"] without looking first); inferred: which ones, here
        # those of the metrics the children print, as their DescribeTrainingJob shows.
        algorithm["MetricDefinitions"] = metric_definitions(child_hyperparameters(plan, plan.static, {}))
    # moto's own method records the job.
    backend.create_hyper_parameter_tuning_job(
        hyper_parameter_tuning_job_name=params["HyperParameterTuningJobName"],
        hyper_parameter_tuning_job_config=params["HyperParameterTuningJobConfig"],
        training_job_definition=definition,
        training_job_definitions=params["TrainingJobDefinitions"],
        warm_start_config=params["WarmStartConfig"],
        tags=params["Tags"],
        autotune=params["Autotune"],
    )
    tuning_job = backend.hyper_parameter_tuning_jobs[params["HyperParameterTuningJobName"]]
    _reset(tuning_job)
    run = TuningRun(backend, tuning_job, plan)
    tuning_job._lab_tuning = run
    run.start()
    return run


def _run_of(backend: Any, name: str) -> TuningRun:
    tuning_job = backend.hyper_parameter_tuning_jobs.get(name)
    run = getattr(tuning_job, "_lab_tuning", None)
    if run is None:
        raise _not_found(name)
    return run


def _create_hyper_parameter_tuning_job(self: Any) -> Any:
    from moto.core.responses import ActionResult

    run = create_tuning_job(self.sagemaker_backend, {name: self._get_param(name) for name in _CREATE_FIELDS})
    return ActionResult({"HyperParameterTuningJobArn": run.tuning_job.arn})


def _describe_hyper_parameter_tuning_job(self: Any) -> Any:
    name = self._get_param("HyperParameterTuningJobName")
    job = self.sagemaker_backend.hyper_parameter_tuning_jobs.get(name)
    if job is None:
        raise _not_found(name)
    run = getattr(job, "_lab_tuning", None)
    if run is not None:
        run.publish()  # the children's latest state, not the last tick's
    return _moto_describe["handler"](self)


def _stop_hyper_parameter_tuning_job(self: Any) -> Any:
    from moto.core.responses import ActionResult

    run = _run_of(self.sagemaker_backend, self._get_param("HyperParameterTuningJobName"))
    if run.status != "InProgress":
        # inferred wording, as StopTrainingJob words it
        raise _validation_error(
            f"The request was rejected because the hyperparameter tuning job is in status {run.status}.")
    run.stop()
    return ActionResult({})


_SORT_KEYS = {
    "Name": lambda summary: summary["TrainingJobName"],
    "CreationTime": lambda summary: summary["CreationTime"],
    "Status": lambda summary: summary["TrainingJobStatus"],
    "FinalObjectiveMetricValue": lambda summary: summary["FinalHyperParameterTuningJobObjectiveMetric"]["Value"],
}


def _list_training_jobs_for_hyper_parameter_tuning_job(self: Any) -> Any:
    from moto.core.responses import ActionResult

    run = _run_of(self.sagemaker_backend, self._get_param("HyperParameterTuningJobName"))
    summaries = run.summaries()
    status = self._get_param("StatusEquals")
    if status:
        summaries = [summary for summary in summaries if summary["TrainingJobStatus"] == status]
    sort_by = self._get_param("SortBy") or "Name"  # the API reference's defaults: Name, Ascending
    if sort_by == "FinalObjectiveMetricValue":
        # "any training jobs that did not return an objective metric are not listed"
        summaries = [summary for summary in summaries if "FinalHyperParameterTuningJobObjectiveMetric" in summary]
    summaries.sort(key=_SORT_KEYS.get(sort_by, _SORT_KEYS["Name"]),
                   reverse=self._get_param("SortOrder") == "Descending")
    token = self._get_param("NextToken")
    try:
        start = int(token) if token else 0
    except ValueError:
        raise _validation_error("Invalid pagination token.") from None  # inferred wording
    size = int(self._get_param("MaxResults") or 10)  # the documented default
    page = summaries[start:start + size]
    result: dict[str, Any] = {"TrainingJobSummaries": page}
    if start + size < len(summaries):
        result["NextToken"] = str(start + size)
    return ActionResult(result)


def install() -> None:
    """Patch moto's SageMakerResponse once per process (class level: survives moto's resets)."""
    from moto.sagemaker.responses import SageMakerResponse

    with _install_lock:
        if SageMakerResponse.create_hyper_parameter_tuning_job is _create_hyper_parameter_tuning_job:
            return
        describe = SageMakerResponse.describe_hyper_parameter_tuning_job
        if describe is not _describe_hyper_parameter_tuning_job:
            _moto_describe["handler"] = describe
        SageMakerResponse.create_hyper_parameter_tuning_job = _create_hyper_parameter_tuning_job
        SageMakerResponse.describe_hyper_parameter_tuning_job = _describe_hyper_parameter_tuning_job
        SageMakerResponse.stop_hyper_parameter_tuning_job = _stop_hyper_parameter_tuning_job
        SageMakerResponse.list_training_jobs_for_hyper_parameter_tuning_job = (
            _list_training_jobs_for_hyper_parameter_tuning_job)

