"""Channel validation and data-format detection of the built-in XGBoost container (algorithm mode).

Facts: ``reference/xgboost_container_facts.md`` section 4.1 (channel rules) and 4.2 (get_content_type).
The logic is the same in every version; the version argument is only checked.
"""

from __future__ import annotations

from typing import Any

from . import errors
from .xgboost_hyperparameters import VERSIONS, UncaughtKeyError

# The exact strings the container accepts, in its own order (the order its error message lists them).
CONTENT_TYPES: tuple[str, ...] = (
    "csv", "libsvm", "parquet", "recordio-protobuf", "text/csv", "text/libsvm", "text/x-libsvm",
    "application/x-parquet", "application/x-recordio-protobuf",
)  # fmt: skip
PIPE_CONTENT_TYPES: tuple[str, ...] = tuple(ct for ct in CONTENT_TYPES if "libsvm" not in ct)

FILE, PIPE = "File", "Pipe"
DISTRIBUTIONS = ("ShardedByS3Key", "FullyReplicated")
DEFAULT_CONTENT_TYPE = "text/libsvm"


def _combinations(content_types: tuple[str, ...], mode: str) -> set[tuple[str, str, str]]:
    return {(ct, mode, dist) for ct in content_types for dist in DISTRIBUTIONS}


_DATA_CHANNEL = _combinations(CONTENT_TYPES, FILE) | _combinations(PIPE_CONTENT_TYPES, PIPE)
# Each channel's allowed (ContentType, TrainingInputMode, S3DistributionType), matched exactly.
SUPPORTED: dict[str, frozenset[tuple[str, str, str]]] = {
    "train": frozenset(_DATA_CHANNEL),
    "validation": frozenset(_DATA_CHANNEL),
    "code": frozenset({("text/python", FILE, "FullyReplicated")}),
}

# inferred: SageMaker writes FastFile channels as "File" in inputdataconfig.json.
_MODE_SEEN_BY_CONTAINER = {"FastFile": FILE}


class MissingTrainChannel(UncaughtKeyError):
    """No `train` channel: the container reads os.environ["SM_CHANNEL_TRAIN"] before validating anything,
    so the job dies with a bare ``KeyError: 'SM_CHANNEL_TRAIN'`` (a framework error, not a UserError).
    The toolkit's own "Missing required channel: train" is never reached in a real job."""

    kind = "KeyError"

    def __init__(self, message: str = "'SM_CHANNEL_TRAIN'", caused_by: BaseException | None = None,
                 context: str | None = None) -> None:
        super().__init__(message, caused_by, context)


def _container_channel(item: dict[str, Any]) -> dict[str, str]:
    """One InputDataConfig entry as the container sees it in inputdataconfig.json.

    inferred: the key set and order (ContentType only when given, then TrainingInputMode,
    S3DistributionType, RecordWrapperType; no CompressionType).
    """
    s3 = item.get("DataSource", {}).get("S3DataSource", {})
    mode = item.get("InputMode") or FILE  # the job default, File, when the channel has none
    channel = {"ContentType": item["ContentType"]} if item.get("ContentType") is not None else {}
    channel["TrainingInputMode"] = _MODE_SEEN_BY_CONTAINER.get(mode, mode)
    channel["S3DistributionType"] = s3.get("S3DataDistributionType") or "FullyReplicated"  # the API default
    channel["RecordWrapperType"] = item.get("RecordWrapperType") or "None"
    return channel


def validate_channels(version: str, input_data_config: list[dict]) -> dict[str, dict]:
    """Validate the CreateTrainingJob InputDataConfig as the container of `version` does.

    Each item may carry InputMode; without it the channel is File, so a caller whose job-level
    TrainingInputMode is Pipe should copy that into the items first.
    Returns {channel name: channel dict in the container's shape}, ContentType defaulted to text/libsvm.
    Raises MissingTrainChannel when there is no train channel (checked first, as the job dies on it
    before any validation), else errors.UserError with the container's message for the first bad channel.
    Raises ValueError for a version not in VERSIONS.
    """
    if version not in VERSIONS:
        raise ValueError(f"unknown XGBoost container version {version!r}; expected one of {VERSIONS}")
    channels = {item["ChannelName"]: _container_channel(item) for item in input_data_config}
    if "train" not in channels:
        raise MissingTrainChannel()

    for name, channel in channels.items():
        if name not in SUPPORTED:
            raise errors.UserError(f"Extraneous channel found: {name}", context=f"KeyError: {name!r}")
        # The default is added after the other keys, so it prints last in the message below.
        channel.setdefault("ContentType", DEFAULT_CONTENT_TYPE)
        combination = (channel["ContentType"], channel["TrainingInputMode"], channel["S3DistributionType"])
        if combination not in SUPPORTED[name]:
            raise errors.UserError(f"Channel configuration for '{name}' channel is not supported: {channel}")
    return channels


# --- data format (data_utils.get_content_type) ----------------------------------------------------

_FORMATS = {
    "csv": "csv", "text/csv": "csv",
    "libsvm": "libsvm", "text/libsvm": "libsvm", "text/x-libsvm": "libsvm",
    "parquet": "parquet", "application/x-parquet": "parquet",
    "recordio-protobuf": "recordio-protobuf", "application/x-recordio-protobuf": "recordio-protobuf",
}  # fmt: skip


def _split_params(value: str) -> list[str]:
    """Split on ';' outside double quotes, as cgi.parse_header does."""
    parts, current, quoted = [], [], False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts]


def parse_media_type(value: str) -> tuple[str, dict[str, str]]:
    """cgi.parse_header's reading of a header value: the media type and its key=value parameters."""
    media_type, *raw_params = _split_params(value)
    params = {}
    for param in raw_params:
        key, sep, val = param.partition("=")
        if not sep:
            continue  # a parameter without '=' is dropped
        val = val.strip()
        if len(val) >= 2 and val[0] == val[-1] == '"':
            val = val[1:-1].replace("\\\\", "\\").replace('\\"', '"')
        params[key.strip().lower()] = val
    return media_type, params


def data_content_type(train_content_type: str | None) -> str:
    """The data format of both train and validation, from the train channel's ContentType.

    Returns 'csv', 'libsvm', 'parquet' or 'recordio-protobuf' (libsvm when there is no ContentType).
    Unlike the channel check, this one is case-insensitive and accepts parameters such as label_size=1.
    """
    if train_content_type is None:
        return "libsvm"
    media_type, params = parse_media_type(train_content_type.lower())
    data_format = _FORMATS.get(media_type)
    if data_format is None:
        accepted = ", ".join(CONTENT_TYPES)
        raise errors.UserError(f"{train_content_type} is not an accepted ContentType: {accepted}.")
    if data_format == "csv" and params.get("label_size", "1") != "1":
        raise errors.UserError(
            f"{train_content_type} is not an accepted csv ContentType. "
            "Optional parameter label_size must be equal to 1"
        )
    return data_format
