"""A moto server on 127.0.0.1 that runs training jobs, for code in another process (a kernel, a
subprocess, the --live code under test) that reaches it through ``AWS_ENDPOINT_URL``.

In this process: ``with local_server() as endpoint: ...``. As a process of its own:
``python -m pytest_sagemaker_lab.emulator.server --port 5000``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import socket
import sys
import threading
from collections.abc import Iterator
from typing import Any

LOOPBACK = "127.0.0.1"


@contextlib.contextmanager
def local_server(port: int = 0) -> Iterator[str]:
    """A ThreadedMotoServer in this process, with the emulation installed; yields its endpoint URL."""
    from ..grading.probes import blas_threads_sleep_when_idle

    blas_threads_sleep_when_idle()  # before the emulation imports numpy: its jobs share the cores with kernels
    from moto.server import ThreadedMotoServer

    from .. import fast_exit, shared_loader
    from . import moto_hooks

    moto_hooks.install()
    shared_loader.install()
    fast_exit.skip_final_collection()  # the server's process holds moto's and the models' heap to its end
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=port, verbose=False)
    server.start()
    try:
        host, bound = server.get_host_and_port()
        yield f"http://{host}:{bound}"
    finally:
        # A server never exited is closed by the interpreter as it exits, when no thread runs any
        # more: a stop would wait forever for the serving loop. Its daemon thread ends with the process.
        if not sys.is_finalizing():
            moto_hooks.end_jobs()
            stop_promptly(server)
            shared_loader.uninstall()


CONTROL_API = "/moto-api"


def _refuse_control_api(app: Any) -> Any:
    """moto's control API (reset, seeding, recordings, state transitions) is the grader's: a submission
    that could reach it could rewrite the world it is graded on."""

    def guarded(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").startswith(CONTROL_API):
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"pytest-sagemaker-lab: moto's control API is not open to submissions\n"]
        return app(environ, start_response)

    return guarded


@contextlib.contextmanager
def submission_socket(path: str) -> Iterator[str]:
    """The same moto world as this process's server, on a Unix socket at ``path``: what a sandbox
    reaches (bind-mounted in; see ``grading.bridge``), with the control API refused."""
    import os

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    app = _refuse_control_api(DomainDispatcherApplication(create_backend_app))
    server = make_server(f"unix://{path}", 0, app, threaded=True, request_handler=MotoRequestHandler)
    os.chmod(path, 0o666)  # a sandbox's unprivileged uid connects to it
    thread = threading.Thread(target=server.serve_forever, name="moto-submission-socket", daemon=True)
    thread.start()
    try:
        yield path
    finally:
        if not sys.is_finalizing():
            stopper = threading.Thread(target=server.shutdown, daemon=True)
            stopper.start()
            while stopper.is_alive():  # a connection wakes the serving loop's poll, as in stop_promptly
                with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as wake:
                    wake.settimeout(0.1)
                    wake.connect(path)
                stopper.join(0.01)
            server.server_close()
            with contextlib.suppress(OSError):
                os.unlink(path)


def stop_promptly(server: Any) -> None:
    """Stop a ThreadedMotoServer without waiting out its loop's poll.

    ``stop`` sets the loop's shutdown flag and waits until the loop looks at it, which it does only
    when a connection arrives or its 0.5 s ``select`` times out (werkzeug's poll interval). A
    connection after the flag is set wakes it at once; the loop exits without accepting it.
    """
    host, port = server.get_host_and_port()
    stopper = threading.Thread(target=server.stop, name="moto-server-stop", daemon=True)
    stopper.start()
    while stopper.is_alive():
        with contextlib.suppress(OSError):
            socket.create_connection((host, port), timeout=0.1).close()
        stopper.join(0.01)


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
