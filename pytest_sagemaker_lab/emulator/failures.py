"""How a container failure reaches the customer: the traceback in the log and the job's FailureReason.

Every open-source XGBoost image fails through ``sagemaker_containers._trainer.train``'s generic branch,
so the FailureReason is ``AlgorithmError: framework error: \\n<traceback>\\n<message>``, cut to the API's
1,024 characters; the whole text is in CloudWatch Logs. The frames are the container's call path for
the phase that failed; line numbers other than the two the facts give (``_trainer.py`` 84 and the
toolkit's ``validate`` 278) are approximate.
"""

from __future__ import annotations

from .errors import ContainerError
from .xgboost_channels import MissingTrainChannel
from .xgboost_container import ContainerVersion

FAILURE_REASON_LIMIT = 1024  # botocore shape FailureReason: max length 1024

# (file under site-packages, line, function, source line), outermost first.
_ENTRY = (
    ("sagemaker_containers/_trainer.py", 84, "train", "entrypoint()"),
    ("sagemaker_xgboost_container/training.py", 94, "main", "train(framework.training_env())"),
    ("sagemaker_xgboost_container/training.py", 90, "train", "run_algorithm_mode()"),
)
_ALGORITHM = ("sagemaker_xgboost_container/training.py", 68, "run_algorithm_mode",
              "checkpoint_config=checkpoint_config")
_PHASE_FRAMES: dict[str, tuple[tuple[str, int, str, str], ...]] = {
    "channel_env": (
        ("sagemaker_xgboost_container/training.py", 52, "run_algorithm_mode",
         'data_config=os.environ["SM_CHANNEL_TRAIN"]'),
    ),
    "hyperparameters": (
        _ALGORITHM,
        ("sagemaker_xgboost_container/algorithm_mode/train.py", 112, "sagemaker_train",
         "validated_train_config = hyperparameters.validate(train_config)"),
        ("sagemaker_algorithm_toolkit/hyperparameter_validation.py", 280, "validate",
         "raise exc.UserError(...)"),
    ),
    "channels": (
        _ALGORITHM,
        ("sagemaker_xgboost_container/algorithm_mode/train.py", 117, "sagemaker_train",
         "validated_data_config = channels.validate(data_config)"),
        ("sagemaker_algorithm_toolkit/channel_validation.py", 106, "validate",
         "raise exc.UserError(...)"),
    ),
    "data": (
        _ALGORITHM,
        ("sagemaker_xgboost_container/algorithm_mode/train.py", 141, "sagemaker_train",
         "train_dmatrix, val_dmatrix = get_validated_dmatrices(...)"),
        ("sagemaker_xgboost_container/data_utils.py", 520, "get_dmatrix",
         "raise exc.UserError(...)"),
    ),
    "train": (
        _ALGORITHM,
        ("sagemaker_xgboost_container/algorithm_mode/train.py", 176, "sagemaker_train",
         "train_job(**train_args)"),
        ("sagemaker_xgboost_container/algorithm_mode/train.py", 268, "train_job",
         "raise exc.UserError(str(e))"),
    ),
}
# The frame of the exception the container was handling when it raised (phase, context kind).
_CONTEXT_FRAMES = {
    ("hyperparameters", "KeyError"): ("sagemaker_algorithm_toolkit/hyperparameter_validation.py", 278,
                                      "validate", "hyperparameter_obj = self.hyperparameters[hp]"),
    ("hyperparameters", None): ("sagemaker_algorithm_toolkit/hyperparameter_validation.py", 62, "parse",
                                "return self.parse_function(value)"),
    ("channels", None): ("sagemaker_algorithm_toolkit/channel_validation.py", 101, "validate",
                         "channel_obj = self.channels[channel_name]"),
}
_EXTRANEOUS_RAISE = 'raise exc.UserError("Extraneous hyperparameter found: {}".format(hp))'


def _frames(version: ContainerVersion, frames) -> list[str]:
    lines = ["Traceback (most recent call last):"]
    for file, line, function, source in frames:
        lines.append(f'  File "{version.site_packages}/{file}", line {line}, in {function}')
        lines.append(f"    {source}")
    return lines


def phase_of(error: ContainerError) -> str:
    if isinstance(error, MissingTrainChannel):
        return "channel_env"
    message = error.message
    if message.startswith(("Hyperparameter ", "Extraneous hyperparameter", "Missing required hyperparameter",
                           "Metric ", "Require input", "GPU training", "monotone_constraints",
                           "interaction_constraints", "Threshold value")):
        return "hyperparameters"
    if message.startswith(("Extraneous channel", "Channel configuration", "Missing required channel")) \
            or "ContentType" in message:
        return "channels"
    if message.startswith(("No data in", "Hidden file", "Could not determine delimiter", "First line",
                           "Failed to load", "Got input data without labels", "Content type")):
        return "data"
    return "train"


def _context_frame(phase: str, context: str) -> tuple[str, int, str, str]:
    kind = context.partition(":")[0]
    return _CONTEXT_FRAMES.get((phase, kind)) or _CONTEXT_FRAMES.get((phase, None)) \
        or _CONTEXT_FRAMES[("hyperparameters", None)]


def traceback_text(error: ContainerError, version: ContainerVersion) -> str:
    """The traceback the container prints for ``error``, ending with the exception line."""
    phase = phase_of(error)
    lines: list[str] = []
    if error.context:
        lines += [*_frames(version, (_context_frame(phase, error.context),)), error.context, "",
                  "During handling of the above exception, another exception occurred:", ""]
    frames = list(_PHASE_FRAMES[phase])
    if error.message.startswith("Extraneous hyperparameter"):
        file, line, function, _ = frames[-1]
        frames[-1] = (file, line, function, _EXTRANEOUS_RAISE)
    lines += _frames(version, (*_ENTRY, *frames))
    lines.append(error.final_line())
    return "\n".join(lines)


def failure_text(error: ContainerError, version: ContainerVersion) -> str:
    """What ``_trainer.train`` writes to /opt/ml/output/failure."""
    return f"framework error: \n{traceback_text(error, version)}\n{error.message}"


def failure_reason(text: str, kind: str = "AlgorithmError") -> str:
    return f"{kind}: {text}"[:FAILURE_REASON_LIMIT]
