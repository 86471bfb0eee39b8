"""One botocore data loader for every session of an offline run.

Each new botocore session gets a loader of its own, whose cache starts empty, so every session reads
and parses the same service-model JSON again (about 0.1 s for SageMaker's). A lab run makes many
sessions: the harness's, the SDK's, moto's and the emulated job's. Offline they all read the same
files from the installed botocore, so one loader per data path serves them all; the loaded models are
shared read-only, as they already are between the clients of one session.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_lock = threading.Lock()
_loaders: dict[str | None, Any] = {}
_original: Callable[..., Any] | None = None
_holders = 0  # install() calls not yet matched by uninstall(): an offline world inside a served one


class _SearchPaths(list):
    """boto3 appends its own data folder to its session's loader: once is enough for a shared one."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


def _shared_create_loader(search_path_string: str | None = None) -> Any:
    assert _original is not None
    with _lock:
        loader = _loaders.get(search_path_string)
        if loader is None:
            loader = _original(search_path_string)
            loader._search_paths = _SearchPaths(loader.search_paths)
            _loaders[search_path_string] = loader
        return loader


def install() -> None:
    """Sessions created from now on share their loader, until as many ``uninstall`` calls as installs."""
    global _original, _holders
    import botocore.session

    with _lock:
        _holders += 1
        if _original is None:
            _original = botocore.session.create_loader
            botocore.session.create_loader = _shared_create_loader


def uninstall() -> None:
    """Undo one ``install``; at the last, new sessions get loaders of their own again and the shared
    ones are dropped."""
    global _original, _holders
    import botocore.session

    with _lock:
        _holders = max(_holders - 1, 0)
        if _holders:
            return
        if _original is not None:
            botocore.session.create_loader = _original
            _original = None
        _loaders.clear()
