"""The estimators a notebook built, described as the CreateTrainingJob request their ``fit`` would send.

When no training job exists because ``fit`` never ran, the config stage still judges what the learner
built (the stage is "estimator config valid"). The description is read from the learner's own namespace
after the run, so a notebook could forge it: it only ever earns the config point, never the fit or the
model, which are read from the AWS world. SDK 2 ``Estimator``s and SDK 3 ``ModelTrainer``s are described
(their image, hyperparameters, instance, output path) and, when the namespace holds a dict of
``TrainingInput``s or a list of ``InputData`` (``data_channels``), the channels ``fit(inputs=...)`` or
``train(input_data_config=...)`` would get.
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

    def is_input_data(value):  # SDK 3's InputData
        return hasattr(value, "channel_name") and hasattr(value, "data_source") and not isinstance(value, type)

    def input_data(item):
        source = item.data_source
        if not isinstance(source, str):
            source = getattr(getattr(source, "s3_data_source", None), "s3_uri", None) or str(source)
        channel = {"ChannelName": str(item.channel_name), "DataSource": {"S3DataSource": {"S3Uri": source}}}
        content_type = getattr(item, "content_type", None)
        if isinstance(content_type, str):
            channel["ContentType"] = content_type
        return channel

    import json

    def sdk3_value(value):  # ModelTrainer sends strings as they are and JSON-encodes the rest
        return value if isinstance(value, str) else json.dumps(value)

    channels = None
    for value in list(namespace.values()):
        try:
            if isinstance(value, dict) and value and all(is_input(item) for item in value.values()):
                channels = [{"ChannelName": str(key), **item.config} for key, item in value.items()]
            elif isinstance(value, list) and value and all(is_input_data(item) for item in value):
                channels = [input_data(item) for item in value]
        except Exception:
            continue
    found = []
    for name, value in list(namespace.items()):
        if name.startswith("_") or isinstance(value, type):
            continue
        try:
            if (callable(getattr(value, "training_image_uri", None))
                    and callable(getattr(value, "hyperparameters", None)) and hasattr(value, "instance_type")):
                call = "fit"
                request = {  # SDK 2's Estimator
                    "AlgorithmSpecification": {"TrainingImage": str(value.training_image_uri())},
                    "HyperParameters": {str(k): str(v) for k, v in dict(value.hyperparameters() or {}).items()},
                    "ResourceConfig": {"InstanceType": str(value.instance_type),
                                       "InstanceCount": int(getattr(value, "instance_count", None) or 1)},
                    "OutputDataConfig": {"S3OutputPath": str(getattr(value, "output_path", None) or "")},
                }
            elif (isinstance(getattr(value, "training_image", None), str) and hasattr(value, "compute")
                    and hasattr(value, "output_data_config")):
                compute, call = value.compute, "train"
                request = {  # SDK 3's ModelTrainer
                    "AlgorithmSpecification": {"TrainingImage": value.training_image},
                    "HyperParameters": {str(k): sdk3_value(v)
                                        for k, v in dict(getattr(value, "hyperparameters", None) or {}).items()},
                    "ResourceConfig": {"InstanceType": str(getattr(compute, "instance_type", None)),
                                       "InstanceCount": int(getattr(compute, "instance_count", None) or 1)},
                    "OutputDataConfig": {"S3OutputPath": str(getattr(value.output_data_config, "s3_output_path",
                                                                     None) or "")},
                }
            else:
                continue
            if channels is not None:
                request["InputDataConfig"] = channels
            found.append({"name": name, "request": request, "call": call})
        except Exception:
            continue
    return found
'''


# CreateTrainingJob's limits (botocore's sagemaker model; docs/facts/hostile-submissions.md): a description past
# them is no request a fit could have sent. The instance type is one of 225 names of 21 characters at most
# there; 64 leaves a learner's typo its verdict. A variable's name has no limit of the API's: 256.
_MAX_LENGTHS = {"image": 255, "output": 1024, "uri": 1024, "channel": 64, "content_type": 256, "key": 256,
                "value": 2500, "name": 256, "instance_type": 64}
_MAX_HYPERPARAMETERS, _MAX_CHANNELS = 100, 20


def well_formed(item: Any) -> bool:
    """Whether ``item`` is a description of the shape DESCRIBE_SOURCE makes, within CreateTrainingJob's
    limits. The read-back is the learner's kernel's word (its ``print``, ``json`` or the describer's own
    look-ups can be patched), so anything else (a number for a name, a list for the hyperparameters, an
    image name of 400,000 characters) is no estimator the learner's fit could have sent: it is left out,
    as if none was built, rather than reach the checks as a shape they were not written for."""
    def text(value: Any, limit: str) -> bool:
        return isinstance(value, str) and len(value) <= _MAX_LENGTHS[limit]

    try:
        request = item["request"]
        resources = request["ResourceConfig"]
        hyperparameters = request.get("HyperParameters", {})
        channels = request.get("InputDataConfig", [])
        count = resources["InstanceCount"]
        return (text(item["name"], "name") and text(request["AlgorithmSpecification"]["TrainingImage"], "image")
                and text(resources["InstanceType"], "instance_type") and type(count) is int and count >= 0
                and text(request["OutputDataConfig"]["S3OutputPath"], "output")
                and isinstance(hyperparameters, dict) and len(hyperparameters) <= _MAX_HYPERPARAMETERS
                and all(text(key, "key") and text(value, "value") for key, value in hyperparameters.items())
                and isinstance(channels, list) and len(channels) <= _MAX_CHANNELS
                and all(text(channel["ChannelName"], "channel")
                        and text(channel["DataSource"]["S3DataSource"]["S3Uri"], "uri")
                        and (channel.get("ContentType") is None or text(channel["ContentType"], "content_type"))
                        for channel in channels))
    except (KeyError, TypeError, AttributeError):  # not a mapping where one goes, or a key missing
        return False


def describe(namespace: dict[str, Any]) -> list[dict[str, Any]]:
    """The estimators in ``namespace`` (an in-process run's globals), as the kernel read-back describes them."""
    scope: dict[str, Any] = {}
    exec(compile(DESCRIBE_SOURCE, "<sagemaker-lab estimators>", "exec"), scope)
    try:
        return scope["_sagemaker_lab_describe"](namespace)
    except Exception:  # a namespace whose values raise on every look: nothing to describe
        return []
