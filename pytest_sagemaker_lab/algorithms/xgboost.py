"""The built-in XGBoost images (0.90-1 to 3.0-5) behind the algorithm interface. What each version does is
in the emulator's ``xgboost_*`` modules (container, hyperparameters, channels, data, metrics, serving);
this class is the one door the training, transform, endpoint and tuning emulations go through."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


class XGBoost:
    name = "sagemaker-xgboost"

    @property
    def versions(self) -> Sequence[str]:
        from ..emulator.xgboost_container import CONTAINERS

        return tuple(CONTAINERS)

    def refusal(self, image_uri: str, version: str) -> str | None:
        if version not in self.versions:
            return (f"pytest-sagemaker-lab: the image {image_uri!r} is not emulated offline; the emulated ones are "
                    f"the built-in XGBoost versions {', '.join(self.versions)}.")
        return None

    def metric_definitions(self, hyperparameters: Mapping[str, str]) -> list[dict[str, str]]:
        from ..emulator.xgboost_metrics import metric_definitions

        return metric_definitions(hyperparameters)

    def objective_metrics(self, version: str) -> set[str]:
        from ..emulator.xgboost_hyperparameters import eval_metrics

        return {f"{data}:{metric}" for data in ("train", "validation") for metric in eval_metrics(version)}

    def train(self, version: str, hyperparameters: Mapping[str, str], channels: Sequence[Mapping[str, Any]],
              data_dir: Path, model_dir: Path, log: Any, should_stop: Any, input_mode: str) -> Any:
        from ..emulator import xgboost_container

        return xgboost_container.run(xgboost_container.ContainerJob(
            version=xgboost_container.CONTAINERS[version], hyperparameters=dict(hyperparameters),
            input_data_config=[dict(channel) for channel in channels], data_dir=data_dir, model_dir=model_dir,
            log=log, should_stop=should_stop, input_mode=input_mode))

    def failure_text(self, error: Exception, version: str) -> str:
        from ..emulator import failures, xgboost_container

        return failures.failure_text(error, xgboost_container.CONTAINERS[version])

    def load_model(self, archive: bytes) -> Any:
        from ..emulator.xgboost_serving import load_model_archive

        return load_model_archive(archive)

    def invoke(self, model: Any, version: str, payload: bytes, content_type: str | None, accept: str | None, *,
               batch: bool, environment: Mapping[str, str]) -> Any:
        from ..emulator.xgboost_serving import invoke

        return invoke(model, version, payload, content_type, accept, batch=batch, environment=dict(environment))

    def execution_parameters(self, instance_type: str) -> dict[str, Any]:
        from ..emulator.xgboost_serving import execution_parameters

        return execution_parameters(instance_type)
