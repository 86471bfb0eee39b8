"""Offline runs must not reach the network: only loopback and Unix sockets may connect.

Installed while an offline lab runs in this process, so a call that escapes moto (the SDK's
telemetry, a hard-coded URL) fails at once with a clear error instead of reaching AWS.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}
_originals: dict[str, Any] = {}
# Every attempt the guard refused, for the tests and the report: offline, it should stay empty.
blocked: list[str] = []


class OfflineNetworkError(ConnectionRefusedError):
    pass


def is_loopback(host: Any) -> bool:
    if not isinstance(host, str):
        return False
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _blocked(host: Any, port: Any = None) -> OfflineNetworkError:
    blocked.append(f"{host}:{port}")
    return OfflineNetworkError(
        f"pytest-sagemaker-lab offline mode blocked a connection to {host}:{port}; offline runs may "
        "only reach 127.0.0.1. Use --live to reach AWS."
    )


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
        raise _blocked(*address[:2])
    return _originals["connect"](self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
        raise _blocked(*address[:2])
    return _originals["connect_ex"](self, address)


def _guarded_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and not is_loopback(name):
        raise _blocked(name, port)
    return _originals["getaddrinfo"](host, port, *args, **kwargs)


def install() -> None:
    if _originals:
        return
    _originals.update(connect=socket.socket.connect, connect_ex=socket.socket.connect_ex,
                      getaddrinfo=socket.getaddrinfo)
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo


def uninstall() -> None:
    if not _originals:
        return
    socket.socket.connect = _originals.pop("connect")  # type: ignore[method-assign]
    socket.socket.connect_ex = _originals.pop("connect_ex")  # type: ignore[method-assign]
    socket.getaddrinfo = _originals.pop("getaddrinfo")
