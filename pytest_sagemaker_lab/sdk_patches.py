"""Offline, three things in the SageMaker SDK must change wherever a lab's code runs: its polls must not
sleep their fixed seconds, its telemetry must not try to reach AWS, and its STS clients (made with an
explicit regional endpoint, which ``AWS_ENDPOINT_URL`` does not override) must reach the offline world.

Both are applied when the SDK module in question is imported (an import hook), or at once if it
already is: nothing imports the SDK early, so a notebook that never uses it pays nothing.
"""

from __future__ import annotations

import gc
import importlib.abc
import importlib.machinery
import os
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from . import fastclock

# The modules whose ``time`` global drives a training job's wait (SDK 2, then SDK 3).
POLLING_MODULES = ("sagemaker.session", "sagemaker.core.resources", "sagemaker.core.helper.session_helper")
# The modules that send the SDK's telemetry (a GET to an amazonaws.com bucket, and an STS call).
TELEMETRY_MODULES = ("sagemaker.telemetry.telemetry_logging", "sagemaker.core.telemetry.telemetry_logging")

# The modules that make STS clients with ``endpoint_url=sts_regional_endpoint(region)``: get_execution_role,
# default_bucket and account_id (SDK 2; SDK 3's session helper has the same code).
STS_MODULES = ("sagemaker.session", "sagemaker.core.helper.session_helper")

_lock = threading.Lock()
_saved: dict[tuple[str, str], Any] = {}
_clock: fastclock.FastClock | None = None


def _no_telemetry(*args: Any, **kwargs: Any) -> None:
    """Telemetry is off offline: the call is dropped, as the SDK's TelemetryOptOut drops it."""
    return None


def _offline_sts_endpoint(original: Callable[[str], str]) -> Callable[[str], str]:
    """The endpoint the code's other clients use (its world's), where one is set; else the SDK's."""

    def sts_regional_endpoint(region: str) -> str:
        return os.environ.get("AWS_ENDPOINT_URL_STS") or os.environ.get("AWS_ENDPOINT_URL") or original(region)

    return sts_regional_endpoint


def _patch(module: ModuleType) -> None:
    name = module.__name__
    with _lock:
        if name in POLLING_MODULES and _clock is not None and hasattr(module, "time"):
            _saved.setdefault((name, "time"), module.time)
            module.time = _clock
            # The SDK has just been imported: its ~200,000 long-lived objects need not be walked by
            # every later full garbage collection (see backends.offline_world).
            gc.freeze()
        if name in STS_MODULES and hasattr(module, "sts_regional_endpoint") \
                and (name, "sts_regional_endpoint") not in _saved:
            _saved[(name, "sts_regional_endpoint")] = module.sts_regional_endpoint
            module.sts_regional_endpoint = _offline_sts_endpoint(module.sts_regional_endpoint)
        if name in TELEMETRY_MODULES and hasattr(module, "_send_telemetry_request"):
            _saved.setdefault((name, "_send_telemetry_request"), module._send_telemetry_request)
            module._send_telemetry_request = _no_telemetry


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _patch(module)


class _Finder(importlib.abc.MetaPathFinder):
    targets = frozenset(POLLING_MODULES + TELEMETRY_MODULES + STS_MODULES)

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.targets:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader)
                return spec
        return None


_finder = _Finder()


def install(clock_factory: Callable[[], fastclock.FastClock] = fastclock.FastClock) -> fastclock.FastClock:
    """Patch the SDK now and on every later import; return the clock its polls run on."""
    global _clock
    _clock = clock_factory()
    fastclock.current = _clock
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    for name in dict.fromkeys(POLLING_MODULES + TELEMETRY_MODULES + STS_MODULES):
        module = sys.modules.get(name)
        if module is not None:
            _patch(module)
    return _clock


def uninstall() -> None:
    global _clock
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    with _lock:
        for (name, attribute), original in _saved.items():
            module = sys.modules.get(name)
            if module is not None:
                setattr(module, attribute, original)
        _saved.clear()
        _clock = None
