"""Real-time endpoints with the built-in XGBoost image: Create/Update/Describe/DeleteEndpoint with the
service's states, and ``sagemaker-runtime`` InvokeEndpoint answered by the endpoint's own model.

An endpoint is Creating while its variants' models load (as the service's instances pull the image
and pass their ping), then InService, or Failed when a model does not load. UpdateEndpoint goes
through Updating and, if the new models do not load, back to InService on the old configuration with
a FailureReason. InvokeEndpoint sends the request to the image's ``/invocations`` (``xgboost_serving``)
in real-time mode; an answer that is not 200 comes back as ``ModelError`` (424) with the container's
status and body, as the runtime reports it.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .. import algorithms
from . import lifecycle, moto_access
from .errors import ModelLoadError
from .transform_job import load_model, model_container

log = logging.getLogger(__name__)

MIN_PENDING_SECONDS = 0.25
PING_FAILURE = ("The primary container for production variant {variant} did not pass the ping health check. "
                "Please check CloudWatch logs for this endpoint.")


@dataclass
class Variant:
    name: str
    served: algorithms.Resolved  # the model's algorithm and version
    model: Any  # as the algorithm's serving container loaded it
    environment: dict[str, str]
    stream: str


# (account, region, endpoint name) -> the variants serving it; dropped when the endpoint is deleted.
_serving: dict[tuple[str, str, str], list[Variant]] = {}
_lock = threading.Lock()


def _validation_error(message: str) -> Exception:
    from moto.sagemaker.exceptions import ValidationError

    return ValidationError(message=message)


def _log_group(endpoint: str) -> str:
    return f"/aws/sagemaker/Endpoints/{endpoint}"


def _load_variants(account_id: str, region: str, endpoint: str, config_name: str) -> list[Variant]:
    """Start every production variant of a configuration; raise with the variant that failed its ping."""
    backend = moto_access.sagemaker_backend(account_id, region)
    config = backend.endpoint_configs[config_name]
    variants = []
    for production_variant in config.production_variants:
        name = production_variant["VariantName"]
        stream = f"{name}/i-{secrets.token_hex(9)[:17]}"  # inferred: the instance's id names the stream
        model = backend._models.get(production_variant["ModelName"])
        try:
            if model is None:
                raise ModelLoadError(f"model {production_variant['ModelName']} was deleted")
            served, loaded = load_model(account_id, model)
        except ModelLoadError as exc:
            moto_access.write_log(account_id, region, stream, [(_millis(), f"Unable to load model: {exc}")],
                                  group=_log_group(endpoint))
            raise _PingFailed(PING_FAILURE.format(variant=name)) from None
        moto_access.write_log(account_id, region, stream, [(_millis(), f"Model objective : {loaded.objective}")],
                              group=_log_group(endpoint))
        variants.append(Variant(name, served, loaded, dict(model_container(model).get("Environment") or {}),
                                stream))
    return variants


class _PingFailed(Exception):
    pass


def _millis() -> int:
    return int(time.time() * 1000)


def _start(endpoint: Any, account_id: str, region: str, config_name: str, previous: str | None) -> None:
    """Bring the endpoint's instances up on a thread; Creating/Updating until they pass their ping."""

    def bring_up() -> None:
        key = (account_id, region, endpoint.endpoint_name)
        started = time.monotonic()
        variants, failure = None, None
        try:
            variants = _load_variants(account_id, region, endpoint.endpoint_name, config_name)
        except _PingFailed as exc:
            failure = str(exc)
        except Exception as exc:  # a bug in the emulation: fail the endpoint loudly, never hang it
            log.exception("emulated endpoint %s crashed", endpoint.endpoint_name)
            failure = f"pytest-sagemaker-lab emulation error: {exc!r}"
        # The service's first DescribeEndpoint always finds it Creating or Updating (for minutes); a model
        # that loads in milliseconds must not skip that state for a caller that looks at once.
        time.sleep(max(0.0, MIN_PENDING_SECONDS - (time.monotonic() - started)))  # inferred minimum
        if variants is not None:
            with _lock:
                _serving[key] = variants
            endpoint.endpoint_config_name = config_name
            endpoint.endpoint_status = "InService"
        else:
            endpoint.failure_reason = failure
            if previous is None or failure.startswith("pytest-sagemaker-lab"):
                endpoint.endpoint_status = "Failed"
            else:  # the service rolls an update back to the configuration that served
                endpoint.endpoint_config_name = previous
                endpoint.endpoint_status = "InService"
        endpoint.last_modified_time = datetime.now(timezone.utc)

    lifecycle.spawn(f"sagemaker-endpoint-{endpoint.endpoint_name}", bring_up)


# --- the API ------------------------------------------------------------------------------------------

def _create_endpoint(original):
    def create_endpoint(self: Any) -> Any:
        backend = self.sagemaker_backend
        from .moto_hooks import check_name

        name = self._get_param("EndpointName") or ""
        check_name(name, "endpointName")
        if name in backend.endpoints:
            # inferred: the service's wording for an endpoint name already taken.
            raise _validation_error(f'Cannot create already existing endpoint "{backend.endpoints[name].arn}".')
        result = original(self)  # moto checks the configuration and records the endpoint (as InService)
        endpoint = backend.endpoints[name]
        endpoint.endpoint_status = "Creating"
        _start(endpoint, backend.account_id, backend.region_name, endpoint.endpoint_config_name, None)
        return result

    return create_endpoint


def _update_endpoint(self: Any) -> Any:
    from moto.core.responses import ActionResult

    backend = self.sagemaker_backend
    name = self._get_param("EndpointName")
    config_name = self._get_param("EndpointConfigName")
    endpoint = backend.endpoints.get(name)
    if endpoint is None:
        raise _validation_error(f"Could not find endpoint \"arn:aws:sagemaker:{backend.region_name}:"
                                f"{backend.account_id}:endpoint/{name}\".")
    if endpoint.endpoint_status != "InService":
        # inferred: the service's wording for an endpoint that is not InService.
        raise _validation_error(f"Cannot update in-progress endpoint \"{endpoint.arn}\".")
    backend.describe_endpoint_config(config_name)  # moto's "Could not find endpoint configuration ..."
    previous = endpoint.endpoint_config_name
    endpoint.endpoint_status = "Updating"
    endpoint.failure_reason = None
    _start(endpoint, backend.account_id, backend.region_name, config_name, previous)
    return ActionResult({"EndpointArn": endpoint.arn})


def _delete_endpoint(original):
    def delete_endpoint(self: Any) -> Any:
        backend = self.sagemaker_backend
        result = original(self)
        with _lock:
            _serving.pop((backend.account_id, backend.region_name, self._get_param("EndpointName")), None)
        return result

    return delete_endpoint


def _model_error(status: int, body: str, endpoint: str, account: str, region: str, stream: str) -> Any:
    kind = "client" if status < 500 else "server"
    message = (f"Received {kind} error ({status}) from primary with message \"{body}\". See "
               f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#logEventViewer:group="
               f"{_log_group(endpoint)} in account {account} for more information.")
    document = {"message": message, "OriginalStatusCode": status, "OriginalMessage": body,
                "LogStreamArn": f"arn:aws:logs:{region}:{account}:log-group:{_log_group(endpoint)}"}
    return _error(424, "ModelError", document)


def _error(status: int, code: str, document: dict[str, Any]) -> Any:
    # moto takes a handler's status from its "status" header.
    headers = {"x-amzn-ErrorType": code, "Content-Type": "application/json", "status": str(status)}
    return status, headers, json.dumps(document)


def _runtime_validation_error(message: str) -> Any:
    return _error(400, "ValidationError", {"message": message})


def _invoke_endpoint(self: Any) -> Any:
    account, region = self.current_account, self.region
    name = self._get_params().get("EndpointName") or self.path.split("/")[2]
    backend = moto_access.sagemaker_backend(account, region)
    endpoint = backend.endpoints.get(name)
    if endpoint is None:
        return _runtime_validation_error(f"Endpoint {name} of account {account} not found.")
    with _lock:
        variants = _serving.get((account, region, name))
    if endpoint.endpoint_status not in ("InService", "Updating") or not variants:
        # inferred: the runtime's wording for an endpoint that cannot take requests yet.
        return _runtime_validation_error(f"Endpoint {name} of account {account} not found.")
    variant = variants[0]  # inferred: one variant takes all traffic (weights are not emulated)
    headers = {key.lower(): value for key, value in self.headers.items()}
    body = self.body if isinstance(self.body, bytes) else (self.body or "").encode()
    try:
        response = variant.served.algorithm.invoke(variant.model, variant.served.version, body,
                                                   headers.get("content-type"), headers.get("accept"), batch=False,
                                                   environment=variant.environment)
    except NotImplementedError as exc:
        from .not_emulated import ERROR_CODE

        return _error(400, ERROR_CODE, {"message": str(exc)})
    if response.status not in (200, 204):
        text = response.body.decode("utf-8", "replace")
        moto_access.write_log(account, region, variant.stream, [(_millis(), text)], group=_log_group(name))
        return _model_error(response.status, text, name, account, region, variant.stream)
    return 200, {"Content-Type": response.content_type,
                 "x-Amzn-Invoked-Production-Variant": variant.name}, response.body


def install() -> None:
    """Put the emulation on moto's SageMaker and runtime responses (class level: it survives resets)."""
    from moto.sagemaker.responses import SageMakerResponse
    from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

    with _lock:
        for name, make in (("create_endpoint", _create_endpoint), ("delete_endpoint", _delete_endpoint)):
            current = getattr(SageMakerResponse, name)
            if not getattr(current, "lab_emulated", False):
                patched = make(current)
                patched.lab_emulated = True  # type: ignore[attr-defined]
                setattr(SageMakerResponse, name, patched)
        SageMakerResponse.update_endpoint = _update_endpoint
        SageMakerRuntimeResponse.invoke_endpoint = _invoke_endpoint

