"""The built-in XGBoost container in algorithm mode: validate, load, train, save, as each version does.

Training is real: the local xgboost trains on the channel files. What differs from the real image is
the library version (the local one, not the image's) and so the bytes of the model file; the README
lists where that shows.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import xgboost_channels, xgboost_hyperparameters, xgboost_metrics
from .cores import local_threads
from .errors import AlgorithmError, ContainerError, ModelLoadError, StopRequested, UserError
from .xgboost_data import CONTAINER_DATA_ROOT, load_dmatrix


@dataclass(frozen=True)
class ContainerVersion:
    version: str
    xgboost: str  # the library the real image ships
    python: str
    model_format: str  # "pickle", "pickle4" or "save_model"
    metric_format: str  # how the image's xgboost prints a metric value

    @property
    def site_packages(self) -> str:
        return f"/miniconda3/lib/python{self.python}/site-packages"

    def format_metric(self, value: float) -> str:
        return format(value, self.metric_format)


CONTAINERS: dict[str, ContainerVersion] = {
    v.version: v
    for v in (
        ContainerVersion("0.90-1", "0.90", "3.7", "pickle", "g"),
        ContainerVersion("0.90-2", "0.90", "3.6", "pickle", "g"),
        ContainerVersion("1.0-1", "1.0.0", "3.7", "pickle", ".5f"),
        ContainerVersion("1.2-1", "1.2.0", "3.7", "pickle4", ".5f"),
        ContainerVersion("1.2-2", "1.2.0", "3.7", "pickle4", ".5f"),
        ContainerVersion("1.3-1", "1.3.3", "3.7", "save_model", ".5f"),
        ContainerVersion("1.5-1", "1.5.2", "3.8", "save_model", ".5f"),
        ContainerVersion("1.7-1", "1.7.4", "3.9", "save_model", ".5f"),
        ContainerVersion("3.0-5", "3.0.5", "3.10", "save_model", ".5f"),
    )
}
MODEL_FILE = "xgboost-model"

# Substrings of xgboost errors the container re-raises as the customer's (train.py CUSTOMER_ERRORS).
CUSTOMER_ERRORS = (
    "label must be in [0,1] for logistic regression",
    "label must be in [0, num_class)",
    "Target is multiclass but average='binary'",
    "feature_names mismatch",
    "Check failed: preds.size() == info.labels_.size()",
    "Check failed: !auc_error AUC: the dataset only contains pos or neg samples",
    "base_score must be in",
    "label must be nonnegative",
    "Parameter reg_lambda should be greater equal to 0",
)
# Hyperparameters the container consumes itself instead of handing them to xgboost.
_CONTAINER_ONLY = frozenset({
    "num_round", "csv_weights", "early_stopping_rounds", "save_model_on_termination",
    "_tuning_objective_metric", "_kfold", "_num_cv_round", "_nfold", "use_dask_gpu_training",
})


@dataclass
class TrainResult:
    rounds: int
    final_metrics: dict[str, float] = field(default_factory=dict)  # "validation:logloss" -> value


@dataclass
class ContainerJob:
    """What the platform hands the container: its config files and its /opt/ml directories."""

    version: ContainerVersion
    hyperparameters: dict[str, str]
    input_data_config: list[dict[str, Any]]
    data_dir: Path  # holds one folder per channel
    model_dir: Path
    log: Callable[[str], None]
    input_mode: str = "File"  # AlgorithmSpecification.TrainingInputMode, the channels' default
    should_stop: Callable[[], bool] = lambda: False


def run(job: ContainerJob) -> TrainResult:
    """Train as ``sagemaker_xgboost_container.training.main`` does; raise its errors unchanged."""
    channel_names = {channel["ChannelName"] for channel in job.input_data_config}
    if "train" not in channel_names:
        # training.py reads SM_CHANNEL_TRAIN before any validation.
        raise xgboost_channels.MissingTrainChannel("'SM_CHANNEL_TRAIN'")
    params = xgboost_hyperparameters.validate_hyperparameters(job.version.version, job.hyperparameters)
    configured = [{"InputMode": job.input_mode, **channel} for channel in job.input_data_config]
    channels = xgboost_channels.validate_channels(job.version.version, configured)
    content_type = xgboost_channels.data_content_type(channels["train"].get("ContentType"))
    csv_weights = params.get("csv_weights") == 1
    dtrain = load_dmatrix(job.data_dir / "train", "train", content_type, csv_weights)
    if dtrain is None:
        raise UserError(f"No data in training channel path {CONTAINER_DATA_ROOT}/train")
    dvalidation = None
    if "validation" in channels:
        dvalidation = load_dmatrix(job.data_dir / "validation", "validation", content_type, csv_weights)
        if dvalidation is None:
            raise UserError(f"No data in validation channel path {CONTAINER_DATA_ROOT}/validation")
    _check_labels(params, dtrain, dvalidation)
    booster, result = _train(job, params, dtrain, dvalidation)
    save_model(booster, job.model_dir / MODEL_FILE, job.version)
    return result


def _train(job: ContainerJob, params: dict[str, Any], dtrain, dvalidation):
    import xgboost

    evals = [(dtrain, "train")] + ([(dvalidation, "validation")] if dvalidation is not None else [])
    booster_params = {name: _as_xgboost_value(value) for name, value in params.items()
                      if name not in _CONTAINER_ONLY}
    if "nthread" not in booster_params:
        booster_params["nthread"] = local_threads()
    if "silent" in booster_params:
        # Accepted by the 0.90 and 1.0 images' xgboost, unknown to the local one: same effect.
        booster_params.setdefault("verbosity", 0 if booster_params.pop("silent") else 1)
    metrics = list(params.get("eval_metric") or [])
    custom = [metric for metric in metrics if metric in xgboost_metrics.CUSTOM_METRICS]
    native = [metric for metric in metrics if metric not in xgboost_metrics.CUSTOM_METRICS]
    if metrics:
        booster_params["eval_metric"] = native
        if not native:
            booster_params["disable_default_eval_metric"] = 1
    history: dict[str, dict[str, list[float]]] = {}
    early_stopping = params.get("early_stopping_rounds") if dvalidation is not None else None
    try:
        booster = xgboost.train(
            booster_params, dtrain, num_boost_round=int(params["num_round"]), evals=evals,
            evals_result=history, verbose_eval=False, callbacks=[_metric_printer(job)],
            early_stopping_rounds=early_stopping, custom_metric=xgboost_metrics.custom_metric(custom),
        )
    except StopRequested:
        raise
    except ContainerError:
        raise
    except Exception as exc:  # xgboost raises XGBoostError (and ValueError for some inputs)
        text = str(exc)
        if any(marker in text for marker in CUSTOMER_ERRORS):
            raise UserError(text) from None
        raise AlgorithmError(f"XGB train call failed with exception:\n {text}") from None
    final = {
        f"{data}:{metric}": float(values[-1])
        for data, metrics in history.items() for metric, values in metrics.items() if values
    }
    return booster, TrainResult(rounds=booster.num_boosted_rounds(), final_metrics=final)


_LOGISTIC_OBJECTIVES = ("binary:logistic", "reg:logistic")
_MULTICLASS_OBJECTIVES = ("multi:softmax", "multi:softprob")


def _check_labels(params: dict[str, Any], *matrices) -> None:
    """The images' xgboost refuses labels outside [0, 1] for a logistic objective, and outside
    [0, num_class) for a multi-class one, with these words; the local xgboost words them differently
    (or fails earlier, on base_score), so the emulation checks first, as the image would."""
    objective = params.get("objective")
    stamp = time.strftime("%H:%M:%S", time.gmtime())
    for matrix in filter(None, matrices):
        labels = matrix.get_label()
        if not labels.size:
            continue
        if objective in _LOGISTIC_OBJECTIVES and (labels.min() < 0 or labels.max() > 1):
            # The source line is the one the facts quote; it differs between xgboost versions.
            raise UserError(f"[{stamp}] ../src/objective/regression_obj.cu:148: label must be in [0,1] "
                            "for logistic regression")
        if objective in _MULTICLASS_OBJECTIVES and (labels.min() < 0 or labels.max() >= params["num_class"]):
            # inferred: xgboost 1.x's wording and source location for this check.
            raise UserError(f"[{stamp}] ../src/objective/multiclass_obj.cu:60: SoftmaxMultiClassObj: "
                            "label must be in [0, num_class).")


def _as_xgboost_value(value: Any) -> Any:
    if isinstance(value, list):
        return ",".join(str(item) for item in value) if value and not isinstance(value[0], str) else value
    return value


def _metric_printer(job: ContainerJob):
    """Prints ``[i]#011train-m:v#011validation-m:v`` per round, and honours a stop between rounds."""
    import xgboost

    class MetricPrinter(xgboost.callback.TrainingCallback):
        def after_iteration(self, model, epoch: int, evals_log) -> bool:
            parts = [f"[{epoch}]"]
            for data, metrics in evals_log.items():
                for metric, values in metrics.items():
                    value = values[-1][0] if isinstance(values[-1], tuple) else values[-1]
                    parts.append(f"{data}-{metric}:{job.version.format_metric(float(value))}")
            job.log("#011".join(parts))
            if job.should_stop():
                raise StopRequested()
            return False

    return MetricPrinter()


def save_model(booster, path: Path, version: ContainerVersion) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if version.model_format == "save_model":
        # 1.3-1 to 1.7-1 write xgboost's legacy binary format, 3.0-5 UBJSON; the local xgboost
        # (>= 2.1) writes UBJSON for a name without extension and can no longer write the binary one.
        booster.save_model(str(path))
        return
    protocol = 4 if version.model_format == "pickle4" else 3
    with open(path, "wb") as handle:
        pickle.dump(booster, handle, protocol=protocol)


# What a pickled booster is made of; nothing else in a model file is ever unpickled (it may be a learner's).
_PICKLE_ALLOWED = frozenset({("xgboost.core", "Booster"), ("builtins", "bytearray"),
                             ("__builtin__", "bytearray"), ("_codecs", "encode")})


class _BoosterUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _PICKLE_ALLOWED:
            raise pickle.UnpicklingError(f"global '{module}.{name}' is forbidden")
        return super().find_class(module, name)


def load_booster(path: Path) -> tuple[Any, bool]:
    """Load a model file as the image does (pickle first, then ``Booster.load_model``); say which worked.

    Unpickling allows only what a pickled Booster holds: a model file may come from a learner, and the
    emulation runs in the grader's process."""
    import xgboost

    try:
        with open(path, "rb") as handle:
            booster = _BoosterUnpickler(handle).load()
        if not isinstance(booster, xgboost.Booster):
            raise pickle.UnpicklingError(f"a {type(booster).__name__}, not a Booster")
        return booster, True
    except Exception as pickle_error:
        try:
            booster = xgboost.Booster()
            booster.load_model(str(path))
            return booster, False
        except Exception as xgb_error:
            raise ModelLoadError(f"Model {path} cannot be loaded:\nPickle load error={pickle_error}"
                                 f"\nXGB load model error={xgb_error}") from None


def load_model(path: Path):
    """Load ``xgboost-model`` as the container's server does: pickle first, then ``load_model``."""
    return load_booster(path)[0]
