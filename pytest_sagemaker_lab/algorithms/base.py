"""What a built-in SageMaker algorithm is to the offline world: one interface, so that training, batch
transform, endpoints and tuning work with any algorithm that implements it (the XGBoost image today).

Each method is what one API of the emulation needs from the algorithm's container: train in algorithm
mode, word a failure as the container does, load a model archive, answer ``/invocations``, name the
metrics it prints (for MetricDefinitions and tuning objectives).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol


class Response(Protocol):
    """One answer of the container's ``POST /invocations``."""

    status: int
    body: bytes
    content_type: str


class BuiltInAlgorithm(Protocol):
    name: str  # as the image's repository names it
    versions: Sequence[str]  # the emulated image versions

    def refusal(self, image_uri: str, version: str) -> str | None:
        """Why an image of this algorithm is not emulated (a legacy version), or None."""

    def metric_definitions(self, hyperparameters: Mapping[str, str]) -> list[dict[str, str]]:
        """The service's MetricDefinitions for a job of this algorithm with these hyperparameters."""

    def objective_metrics(self, version: str) -> set[str]:
        """The metrics a tuning job may optimise (``validation:error``, ...)."""

    def train(self, version: str, hyperparameters: Mapping[str, str], channels: Sequence[Mapping[str, Any]],
              data_dir: Path, model_dir: Path, log: Any, should_stop: Any, input_mode: str) -> Any:
        """Train as the container's algorithm mode does; raise its errors (``ContainerError``) unchanged."""

    def failure_text(self, error: Exception, version: str) -> str:
        """What the container writes to /opt/ml/output/failure for ``error``."""

    def load_model(self, archive: bytes) -> Any:
        """A ``model.tar.gz`` as the serving container loads it (raises ``ModelLoadError``)."""

    def invoke(self, model: Any, version: str, payload: bytes, content_type: str | None, accept: str | None, *,
               batch: bool, environment: Mapping[str, str]) -> Response:
        """One ``POST /invocations`` of the serving container."""

    def execution_parameters(self, instance_type: str) -> dict[str, Any]:
        """The container's ``GET /execution-parameters`` on that instance type."""
