"""A moto server on 127.0.0.1 that runs training jobs, for code in another process (a kernel, a
subprocess, the --live code under test) that reaches it through ``AWS_ENDPOINT_URL``.

In this process: ``with local_server() as endpoint: ...``. As a process of its own:
``python -m pytest_sagemaker_lab.emulator.server --port 5000``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
from collections.abc import Iterator

LOOPBACK = "127.0.0.1"


@contextlib.contextmanager
def local_server(port: int = 0) -> Iterator[str]:
    """A ThreadedMotoServer in this process, with the emulation installed; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    from .. import shared_loader
    from . import moto_hooks

    moto_hooks.install()
    shared_loader.install()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=port, verbose=False)
    server.start()
    try:
        host, bound = server.get_host_and_port()
        yield f"http://{host}:{bound}"
    finally:
        moto_hooks.wait_for_jobs()
        server.stop()
        shared_loader.uninstall()


def reset(endpoint: str) -> None:
    """Throw away every account's state on the server (moto's own reset endpoint)."""
    import urllib.request

    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)
    from moto.server import main as moto_main

    from .. import shared_loader
    from . import moto_hooks

    moto_hooks.install()
    shared_loader.install()
    moto_main(["-H", LOOPBACK, "-p", str(args.port)])


if __name__ == "__main__":
    main()
