"""Teach moto's SageMaker to run training jobs: class-level patches, installed once per process.

Class-level patches survive moto's backend resets (``mock_aws`` start/stop, ``/moto-api/reset``) and
apply to a ``ThreadedMotoServer`` in the same process, as the facts on extending moto found.
CreateTrainingJob validates the request as the service does, then starts a :class:`JobRun`;
StopTrainingJob, which moto lacks, is added.
"""

from __future__ import annotations

import functools
import re
import threading
import warnings
from typing import Any

from .. import algorithms
from .images import parse_image
from .training_job import JobRun

_install_lock = threading.Lock()

_ROLE_ARN_PATTERN = r"^arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$"
_ROLE_ARN = re.compile(_ROLE_ARN_PATTERN)
_JOB_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
# Request fields moto's response drops but the emulation needs.
_EXTRA_FIELDS = ("ProfilerConfig", "ProfilerRuleConfigurations", "Environment", "RetryStrategy")


def _validation_error(message: str):
    from moto.sagemaker.exceptions import ValidationError

    return ValidationError(message=message)


@functools.cache
def _instance_types() -> frozenset[str]:
    # Loading botocore's SageMaker model costs ~50 ms and ~15 MB: once per process, not per job.
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    return frozenset(model.shape_for("TrainingInstanceType").enum)


def _constraint(value: str, field: str, rule: str) -> str:
    return (f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: "
            f"{rule}")


def check_name(name: str, field: str) -> None:
    """A job's, model's or endpoint's name: the pattern the service holds them all to."""
    if not _JOB_NAME.match(name):
        raise _validation_error(_constraint(
            name, field, "Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"))


def check_role(role: str, field: str) -> None:
    if not _ROLE_ARN.match(role):
        raise _validation_error(_constraint(
            role, field, f"Member must satisfy regular expression pattern: {_ROLE_ARN_PATTERN}"))


def check_request(backend: Any, params: dict[str, Any]) -> None:
    """The checks the service makes before it accepts a job; each raises its ValidationException."""
    name = params.get("TrainingJobName") or ""
    check_name(name, "trainingJobName")
    check_role(params.get("RoleArn") or "", "roleArn")
    instance_type = (params.get("ResourceConfig") or {}).get("InstanceType", "")
    allowed = _instance_types()
    if instance_type not in allowed:
        raise _validation_error(_constraint(
            instance_type, "resourceConfig.instanceType",
            f"Member must satisfy enum value set: [{', '.join(sorted(allowed))}]"))
    if name in backend.training_jobs:
        arn = backend.training_jobs[name].arn
        raise _validation_error(
            "Training job names must be unique within an AWS account and region, and a training job "
            f"with this name already exists ({arn})")
    image_uri = (params.get("AlgorithmSpecification") or {}).get("TrainingImage", "")
    image = parse_image(image_uri)
    if image is not None and image.is_legacy_xgboost:
        raise _validation_error(
            f"pytest-sagemaker-lab: {image_uri} is the legacy XGBoost 0.72 image ('1' or 'latest'), which "
            "is not emulated offline. Use a versioned image such as image_uris.retrieve('xgboost', region, "
            "'1.2-2').")
    if algorithms.emulated(image_uri) is None:
        raise _validation_error(
            f"pytest-sagemaker-lab: the training image {image_uri!r} is not emulated offline; the emulated "
            f"ones are the built-in XGBoost versions {', '.join(algorithms.ALGORITHMS['sagemaker-xgboost'].versions)}.")


TRAINING_JOB_FIELDS = (
    "TrainingJobName", "HyperParameters", "AlgorithmSpecification", "RoleArn", "InputDataConfig",
    "OutputDataConfig", "ResourceConfig", "VpcConfig", "StoppingCondition", "Tags", "CheckpointConfig",
    "DebugHookConfig", "DebugRuleConfigurations", "TensorBoardOutputConfig", "ExperimentConfig",
    "EnableNetworkIsolation", "EnableInterContainerTrafficEncryption", "EnableManagedSpotTraining",
    *_EXTRA_FIELDS)


def start_training_job(backend: Any, params: dict[str, Any]) -> Any:
    """Check a CreateTrainingJob request as the service does, record it in moto and start running it.

    ``params`` holds the request's fields by their API names (absent ones may be missing); the tuning
    emulation calls this for each of its child jobs. Returns moto's FakeTrainingJob."""
    params = {field: params.get(field) for field in TRAINING_JOB_FIELDS}
    check_request(backend, params)
    # The service describes an output without a key as KmsKeyId "" (Estimator.attach reads it).
    params["OutputDataConfig"] = {"KmsKeyId": "", **(params["OutputDataConfig"] or {})}
    job = backend.create_training_job(
        training_job_name=params["TrainingJobName"],
        hyper_parameters=params["HyperParameters"] or {},
        algorithm_specification=params["AlgorithmSpecification"],
        role_arn=params["RoleArn"],
        input_data_config=params["InputDataConfig"] or [],
        output_data_config=params["OutputDataConfig"],
        resource_config=params["ResourceConfig"],
        vpc_config=params["VpcConfig"],
        stopping_condition=params["StoppingCondition"],
        tags=params["Tags"],
        enable_network_isolation=bool(params["EnableNetworkIsolation"]),
        enable_inter_container_traffic_encryption=bool(params["EnableInterContainerTrafficEncryption"]),
        enable_managed_spot_training=bool(params["EnableManagedSpotTraining"]),
        checkpoint_config=params["CheckpointConfig"],
        debug_hook_config=params["DebugHookConfig"],
        debug_rule_configurations=params["DebugRuleConfigurations"],
        tensor_board_output_config=params["TensorBoardOutputConfig"],
        experiment_config=params["ExperimentConfig"],
    )
    served = algorithms.emulated(job.algorithm_specification.get("TrainingImage", ""))
    job.algorithm_specification["MetricDefinitions"] = served.algorithm.metric_definitions(
        params["HyperParameters"] or {})
    if params["ProfilerConfig"] is not None:
        job.profiler_config = params["ProfilerConfig"]
    run = JobRun(job, backend.account_id, backend.region_name,
                 {field: params[field] for field in _EXTRA_FIELDS if params[field] is not None})
    job._lab_run = run
    run.start()
    return job


def _create_training_job(self) -> Any:
    from moto.core.responses import ActionResult

    job = start_training_job(self.sagemaker_backend,
                             {field: self._get_param(field) for field in TRAINING_JOB_FIELDS})
    return ActionResult({"TrainingJobArn": job.arn})


def stop_job(backend: Any, jobs: dict[str, Any], name: str, kind: str, status: str) -> Any:
    """Stop<Kind>Job: the job's run is asked to stop, or the service's error for a job that is not
    there or not running. ``kind`` is "training job" or "transform job"; ``status`` the job's status
    attribute (inferred for transform jobs: worded as StopTrainingJob words it)."""
    from moto.core.responses import ActionResult

    job = jobs.get(name)
    if job is None:
        arn = f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:{kind.replace(' ', '-')}/{name}"
        raise _validation_error(f"Could not find {kind} '{arn}'.")
    run = getattr(job, "_lab_run", None)
    current = getattr(job, status)
    if run is None or current not in ("InProgress", "Stopping"):
        raise _validation_error(f"The request was rejected because the {kind} is in status {current}.")
    run.stop()
    return ActionResult({})


def _stop_training_job(self) -> Any:
    backend = self.sagemaker_backend
    return stop_job(backend, backend.training_jobs, self._get_param("TrainingJobName"), "training job",
                    "training_job_status")


def _simulate_principal_policy(self) -> Any:
    """moto has no policy simulator. Offline, answer as AWS answers a caller who may not simulate:
    AccessDenied, which SDK 3's role check takes as "permissions cannot be verified" and goes on."""
    from moto.iam.exceptions import IAMException

    class AccessDenied(IAMException):
        code = "AccessDenied"

    raise AccessDenied("pytest-sagemaker-lab: IAM policy simulation is not emulated offline; the role's "
                       "permissions cannot be verified.")


def install() -> None:
    """Patch moto's SageMaker once; safe to call from every fixture and every thread.

    The check looks at the class itself, not a flag: a reloaded moto module is patched again."""
    from moto.iam.responses import IamResponse
    from moto.sagemaker.responses import SageMakerResponse

    from . import endpoints, not_emulated, transform_job, tuning_job

    not_emulated.install()
    transform_job.install()
    endpoints.install()
    tuning_job.install()
    with _install_lock:
        if SageMakerResponse.create_training_job is not _create_training_job:
            SageMakerResponse.create_training_job = _create_training_job
            SageMakerResponse.stop_training_job = _stop_training_job
        if getattr(IamResponse, "simulate_principal_policy", None) is not _simulate_principal_policy:
            IamResponse.simulate_principal_policy = _simulate_principal_policy
            # moto's serializer finds no AccessDenied shape in IAM's model; the error reaches the caller.
            warnings.filterwarnings("ignore", message=r"Exception\(AccessDenied\) with code AccessDenied")


def end_jobs(timeout: float = 60.0) -> None:
    """A world has been graded: stop whatever its code left running, then let it end."""
    from . import lifecycle

    lifecycle.end_all(timeout)


def wait_for_jobs(timeout: float = 60.0) -> None:
    """Let every running job end (at the end of a world, before moto's state is thrown away)."""
    from . import lifecycle

    lifecycle.wait_for_all(timeout)
