"""The built-in XGBoost container in serving mode: ``POST /invocations`` as each image version answers it.

Both batch transform and endpoints send their requests here. The steps and their error bodies are the
image's (``algorithm_mode/serve.py`` and ``serve_utils.py``): an empty payload is 204; a body that does
not parse is 415; a model that does not load is 500; a prediction that fails (the label column left in,
too many features) is 400; an Accept the image does not serve is 406. Predictions are the local
xgboost's on the model the job trained; the output format is the image's: one value per line in batch,
and in real time one comma-joined line up to 1.2-1, one value per line from 1.2-2 (or JSON).
The facts: docs/facts/inference-transform-endpoints-tuning.md, section 1.3.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import UserError
from .xgboost_channels import data_content_type, parse_media_type
from .xgboost_container import ModelLoadError, load_booster

# The image's payload limit (MAX_CONTENT_LENGTH), which /execution-parameters reports as MaxPayloadInMB.
DEFAULT_MAX_PAYLOAD_MB = 6
SUPPORTED_ACCEPTS = ["application/json", "application/jsonlines", "application/x-recordio-protobuf", "text/csv"]
MAX_MODEL_BYTES = 512 << 20  # the emulation's bound on what a model.tar.gz unpacks to (no image has one)
# The versions whose real-time answer follows Accept ("Add accept encodings to alg_mode", April 2022).
ACCEPT_ENCODING_VERSIONS = frozenset({"1.2-2", "1.3-1", "1.5-1", "1.7-1", "3.0-5"})
# inferred: werkzeug's page for an exception Flask's handler did not catch.
_INTERNAL_ERROR_PAGE = (
    "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n"
    "<p>The server encountered an internal error and was unable to complete your request. Either the server is "
    "overloaded or there is an error in the application.</p>\n")


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "text/csv"


@dataclass
class LoadedModel:
    booster: Any
    pickled: bool  # the image loaded it with pickle (0.90-x to 1.2-x): only then does it check features
    objective: str


def load_model_archive(archive: bytes) -> LoadedModel:
    """``model.tar.gz`` as SageMaker unpacks it into /opt/ml/model, then the first model file in it."""
    with tempfile.TemporaryDirectory(prefix="sagemaker-lab-model-") as folder:
        try:
            with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as tar:
                # Regular files only, inside the folder, and not more than a model's worth: an archive
                # may be a learner's, and it is unpacked in the grader's process.
                members = [member for member in tar.getmembers() if member.isfile()]
                unpacked = sum(member.size for member in members)
                if unpacked > MAX_MODEL_BYTES:
                    raise ModelLoadError(f"the model archive unpacks to {unpacked} bytes, more than the offline "
                                         f"emulation's limit of {MAX_MODEL_BYTES} (pytest-sagemaker-lab)")
                tar.extractall(folder, members=members, filter="data")
        except (tarfile.TarError, OSError, EOFError) as exc:
            # inferred: the platform's words for an archive it cannot unpack.
            raise ModelLoadError(f"Failed to extract model data archive: {exc}") from None
        files = sorted(name for name in os.listdir(folder)
                       if not name.startswith(".") and os.path.isfile(os.path.join(folder, name)))
        if not files:
            # inferred: the image indexes an empty list.
            raise ModelLoadError("list index out of range")
        booster, pickled = load_booster(Path(folder) / files[0])
    booster.set_param("nthread", 1)  # as the image does for each of its workers
    config = json.loads(booster.save_config())
    return LoadedModel(booster, pickled, config["learner"]["objective"]["name"])


# --- parsing (serve_utils.parse_content_data) --------------------------------------------------------

def _data_format(content_type: str | None) -> str:
    """data_utils.get_content_type, as training reads the channel's ContentType; its message on error."""
    try:
        return data_content_type(content_type)
    except UserError as exc:
        raise ValueError(exc.message) from None


def _old_numpy_text(text: str, version: str) -> str:
    """The images before 3.0-5 run numpy 1, which quotes a bad string as 'f1', not np.str_('f1')."""
    if version == "3.0-5":
        return text
    import re

    return re.sub(r"np\.str_\(('(?:[^'\\]|\\.)*')\)", r"\1", text)


def _csv_matrix(text: str):
    import numpy as np
    import xgboost

    sniffed = csv.Sniffer().sniff(text.partition("\n")[0][:512]).delimiter
    delimiter = "," if sniffed.isalnum() else sniffed
    # A fast path for plain numeric CSV, the same matrix as the image's parse below: comma-separated,
    # only digits, signs, points, exponents, nan/inf spellings, spaces and tabs, one row per "\n" line,
    # no empty cell (loadtxt refuses one; the image reads it as NaN). Anything else, and any error,
    # goes the image's way, which then gives its own result or its own error.
    if delimiter == "," and text.isascii() and not text.encode("ascii").translate(
            None, b"0123456789.eE+-, \t\nnNaAiIfFtTyY"):
        try:
            matrix = np.loadtxt(io.StringIO(text), delimiter=",", comments=None, dtype=float, ndmin=2)
        except Exception:
            matrix = None
        if matrix is not None and matrix.shape[0] == text.count("\n") + 1:
            return xgboost.DMatrix(matrix)
    rows = [["nan" if cell == "" else cell for cell in line.split(delimiter)] for line in text.split("\n")]
    return xgboost.DMatrix(np.array(rows).astype(float))


def _libsvm_matrix(text: str):
    import numpy as np
    import xgboost
    from scipy.sparse import csr_matrix

    rows, columns, values = [], [], []
    for row, line in enumerate(text.split("\n")):
        for item in line.split(" "):
            if ":" in item:
                parts = item.split(":")
                rows.append(row)
                columns.append(parts[0])
                values.append(parts[1])
    matrix = csr_matrix((np.array(values).astype(float), (np.array(rows), np.array(columns).astype(int))))
    return xgboost.DMatrix(matrix)


def parse_payload(payload: bytes, content_type: str | None, version: str):
    """The request body as a DMatrix, or the image's 415 message (ValueError)."""
    data_format = _data_format(content_type)
    parsers = {"csv": _csv_matrix, "libsvm": _libsvm_matrix}
    if data_format in parsers:
        try:
            return parsers[data_format](payload.strip().decode("utf-8")), data_format
        except Exception as exc:
            raise ValueError(_old_numpy_text(f"Loading {data_format} data failed with Exception, please ensure "
                                             f"data is in {data_format} format:\n {type(exc)}\n {exc}",
                                             version)) from None
    if data_format == "recordio-protobuf":
        raise NotImplementedError("pytest-sagemaker-lab: application/x-recordio-protobuf inference input is not "
                                  "emulated offline; send text/csv or text/libsvm.")
    raise ValueError(f"Content-type {content_type} is not supported.")


# --- predicting (serve_utils.predict) ----------------------------------------------------------------

def predict(model: LoadedModel, matrix: Any, data_format: str):
    """The image's prediction; a pickled model first checks the feature count the image's way."""
    if model.pickled:
        trained, given = model.booster.num_features(), matrix.num_col()
        if data_format == "libsvm" and given > trained + 1:
            raise ValueError(f"Feature size of libsvm inference data {given} is larger than feature size of "
                             f"trained model {trained}.")
        if data_format == "csv" and trained not in (given, given + 1):
            raise ValueError(f"Feature size of csv inference data {given} is not consistent with feature size "
                             f"of trained model {trained}.")
    best = model.booster.attr("best_iteration")
    # The pickled images predict with best_ntree_limit (the early-stopped best round); later images
    # load a file without it and use every tree.
    if model.pickled and best is not None:
        return model.booster.predict(matrix, iteration_range=(0, int(best) + 1), validate_features=False)
    return model.booster.predict(matrix, validate_features=False)


# --- answering (serve.invocations) -------------------------------------------------------------------

def _parse_accept(accept: str | None, environment: dict[str, str]) -> str:
    media_type = parse_media_type(accept or "")[0]
    if not media_type or media_type == "*/*":
        return environment.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "text/csv")
    if media_type.lower() not in SUPPORTED_ACCEPTS:
        raise ValueError(f"Accept type {media_type} is not supported. Please use supported accept types: "
                         f"{SUPPORTED_ACCEPTS}.")
    return media_type.lower()


def _csv_rows(predictions: list) -> str:
    """sagemaker_containers' CSV encoder: one row per prediction, a multi-class row comma-joined."""
    return "".join((",".join(map(str, row)) if isinstance(row, list) else str(row)) + "\n"
                   for row in predictions)


def invoke(model: LoadedModel, version: str, payload: bytes, content_type: str | None, accept: str | None,
           *, batch: bool, environment: dict[str, str] | None = None) -> Response:
    """One ``POST /invocations``: the status, body and content type the image answers with."""
    environment = environment or {}
    if not payload:
        return Response(204, b"")
    if "SAGEMAKER_INFERENCE_OUTPUT" in environment:
        raise NotImplementedError("pytest-sagemaker-lab: selectable inference output (SAGEMAKER_INFERENCE_OUTPUT) "
                                  "is not emulated offline.")
    try:
        matrix, data_format = parse_payload(payload, content_type, version)
    except ValueError as exc:
        return Response(415, str(exc).encode())
    try:
        predictions = predict(model, matrix, data_format)
    except Exception as exc:
        return Response(400, f"Unable to evaluate payload provided: {exc}".encode())
    values = predictions.tolist()
    if version not in ACCEPT_ENCODING_VERSIONS:
        if batch:
            return Response(200, ("\n".join(map(str, values)) + "\n").encode())
        return Response(200, ",".join(map(str, values)).encode())
    try:
        chosen = _parse_accept(accept, environment)
    except ValueError as exc:
        return Response(406, str(exc).encode())
    if batch:
        return Response(200, ("\n".join(map(str, values)) + "\n").encode(), chosen)
    if chosen == "application/json":
        body = json.dumps({"predictions": [{"score": value} for value in values]})
        return Response(200, body.encode(), chosen)
    if chosen == "text/csv":
        return Response(200, _csv_rows(values).encode(), chosen)
    # inferred: the toolkit's encoders know npy, csv and json only; the exception escapes to Flask.
    return Response(500, _INTERNAL_ERROR_PAGE.encode(), "text/html; charset=utf-8")


def execution_parameters(instance_type: str) -> dict[str, Any]:
    """``GET /execution-parameters``: one worker per vCPU, MultiRecord, the payload limit."""
    return {"MaxConcurrentTransforms": instance_vcpus(instance_type), "BatchStrategy": "MULTI_RECORD",
            "MaxPayloadInMB": DEFAULT_MAX_PAYLOAD_MB}


def instance_vcpus(instance_type: str) -> int:
    """vCPUs of an ``ml.<family>.<size>`` instance as the sizes define them (large 2, xlarge 4, Nxlarge 4N)."""
    size = instance_type.rsplit(".", 1)[-1]
    if size == "xlarge":
        return 4
    if size.endswith("xlarge") and size[:-6].isdigit():
        return 4 * int(size[:-6])
    return 2  # inferred: medium and large instances have 2 vCPUs
