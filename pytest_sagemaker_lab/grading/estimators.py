"""The estimators a notebook built, described as the CreateTrainingJob request their ``fit`` would send.

When no training job exists because ``fit`` never ran, the config stage still judges what the learner
built (the stage is "estimator config valid"). The description is read from the learner's own namespace
after the run, so a notebook could forge it: it only ever earns the config point, never the fit or the
model, which are read from the AWS world. SDK 2 ``Estimator``s are described (their image, hyperparameters,
instance, output path) and, when the namespace holds a dict of ``TrainingInput``s (``data_channels``),
the channels ``fit(inputs=...)`` would get.
"""

from __future__ import annotations

from typing import Any

# Runs in the learner's kernel after its cells (and in-process for the reference run): self-contained,
# it never raises, and it touches nothing of the namespace but reading it.
DESCRIBE_SOURCE = r'''
def _sagemaker_lab_describe(namespace):
    def is_input(value):
        config = getattr(value, "config", None)
        return isinstance(config, dict) and isinstance(config.get("DataSource"), dict)

    channels = None
    for value in list(namespace.values()):
        try:
            if isinstance(value, dict) and value and all(is_input(item) for item in value.values()):
                channels = [{"ChannelName": str(key), **item.config} for key, item in value.items()]
        except Exception:
            continue
    found = []
    for name, value in list(namespace.items()):
        if name.startswith("_") or isinstance(value, type):
            continue
        try:
            if not (callable(getattr(value, "training_image_uri", None))
                    and callable(getattr(value, "hyperparameters", None)) and hasattr(value, "instance_type")):
                continue
            request = {
                "AlgorithmSpecification": {"TrainingImage": str(value.training_image_uri())},
                "HyperParameters": {str(k): str(v) for k, v in dict(value.hyperparameters() or {}).items()},
                "ResourceConfig": {"InstanceType": str(value.instance_type),
                                   "InstanceCount": int(getattr(value, "instance_count", None) or 1)},
                "OutputDataConfig": {"S3OutputPath": str(getattr(value, "output_path", None) or "")},
            }
            if channels is not None:
                request["InputDataConfig"] = channels
            found.append({"name": name, "request": request})
        except Exception:
            continue
    return found
'''


def describe(namespace: dict[str, Any]) -> list[dict[str, Any]]:
    """The estimators in ``namespace`` (an in-process run's globals), as the kernel read-back describes them."""
    scope: dict[str, Any] = {}
    exec(compile(DESCRIBE_SOURCE, "<sagemaker-lab estimators>", "exec"), scope)
    try:
        return scope["_sagemaker_lab_describe"](namespace)
    except Exception:  # a namespace whose values raise on every look: nothing to describe
        return []
