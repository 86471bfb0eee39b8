"""What the offline world does not emulate says so, and never answers with a fake.

moto answers some SageMaker operations with a stand-in (a processing job Completed that ran nothing,
an asynchronous invocation whose answer is canned); others it lacks, and its server answers them with
an HTML page. Training, transform, endpoints and tuning are emulated (their own modules); every other
operation here answers with an error that names it and says what to do: a notebook that uses one
stops there with a message a learner and an instructor can read, instead of grading a fake.
"""

from __future__ import annotations

import threading
from typing import Any

ERROR_CODE = "NotEmulatedOffline"
# By the moto response class that serves them: operations whose results moto would fake or lacks.
SAGEMAKER = (
    "create_processing_job", "create_compilation_job",
    "update_endpoint_weights_and_capacities",
    "create_auto_ml_job", "create_auto_ml_job_v2",
    "start_pipeline_execution",
)
SAGEMAKER_RUNTIME = ("invoke_endpoint_async",)
_lock = threading.Lock()


def operation_name(method: str) -> str:
    """``create_transform_job`` -> ``CreateTransformJob``, as the API and error messages name it."""
    return "".join(part.capitalize() for part in method.split("_"))


def message(operation: str) -> str:
    return (f"pytest-sagemaker-lab: {operation} is not emulated offline: the offline world trains models "
            "(CreateTrainingJob) but does not yet run this operation, and will not pretend it did. Run this "
            "part of the lab with --live against AWS, or leave it out of what is graded offline.")


def refusal_error(text: str) -> Exception:
    """The error an operation (or a part of one) the offline world does not run answers with."""
    from moto.core.exceptions import ServiceException

    class NotEmulated(ServiceException):
        code = ERROR_CODE

    return NotEmulated(text)


def _refusal(method: str) -> Any:
    operation = operation_name(method)

    def refuse(self: Any) -> Any:
        raise refusal_error(message(operation))

    refuse.__name__ = method
    refuse.not_emulated = True  # type: ignore[attr-defined]
    return refuse


def install() -> None:
    """Put the refusals on moto's response classes (class-level: they survive resets), once."""
    from moto.sagemaker.responses import SageMakerResponse
    from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

    with _lock:
        for response_class, methods in ((SageMakerResponse, SAGEMAKER),
                                        (SageMakerRuntimeResponse, SAGEMAKER_RUNTIME)):
            for method in methods:
                if not getattr(getattr(response_class, method, None), "not_emulated", False):
                    setattr(response_class, method, _refusal(method))
