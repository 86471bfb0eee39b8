"""The exceptions the built-in algorithm containers raise, as they name and word them.

The open-source XGBoost images raise ``sagemaker_algorithm_toolkit.exceptions`` classes; the job's
FailureReason and its CloudWatch log show their qualified names, so the emulation keeps them.
"""

from __future__ import annotations

TOOLKIT_MODULE = "sagemaker_algorithm_toolkit.exceptions"


class ModelLoadError(Exception):
    """A model file or archive cannot be loaded (the server answers 500; an endpoint fails its ping)."""


class StopRequested(Exception):
    """StopTrainingJob or MaxRuntimeInSeconds ended the training between two rounds."""


class ContainerError(Exception):
    """Base of the errors the emulated container raises; ``kind`` is the toolkit class name."""

    kind = "BaseToolkitError"

    def __init__(self, message: str, caused_by: BaseException | None = None,
                 context: str | None = None) -> None:
        # The toolkit appends " (caused by <ExcClass>)" when an error wraps another one.
        if caused_by is not None:
            message = f"{message} (caused by {type(caused_by).__name__})"
        super().__init__(message)
        self.message = message
        self.caused_by = caused_by
        # A line like "KeyError: 'silent'": the exception the container was handling when it
        # raised this one, shown first in its traceback ("During handling of the above ...").
        self.context = context

    @property
    def qualified_name(self) -> str:
        return f"{TOOLKIT_MODULE}.{self.kind}"

    def final_line(self) -> str:
        """The last line of the container's traceback for this error."""
        return f"{self.qualified_name}: {self.message}"

    def __reduce__(self):  # picklable across processes (xdist, moto server)
        return (type(self), (self.message, None, self.context))


class UserError(ContainerError):
    """The customer's input is wrong (hyperparameters, channels, data)."""

    kind = "UserError"


class AlgorithmError(ContainerError):
    """The algorithm failed for a reason that is not clearly the customer's."""

    kind = "AlgorithmError"


class PlatformError(ContainerError):
    kind = "PlatformError"
