"""The first process of every sandbox (PID 1 there): it bridges the sandbox to its AWS world and runs
the submission's process.

``python -I -m pytest_sagemaker_lab.grading.bridge [--lifeline FD] [--socket PATH --port N] -- COMMAND...``

- With ``--socket``, it listens on 127.0.0.1:N, the sandbox's own loopback (the sandbox has no other
  network), and relays each connection to the Unix socket PATH: the grader's moto server for this
  submission, bind-mounted in. ``AWS_ENDPOINT_URL`` points there, so the SDK, boto3 and the AWS CLI
  reach that world and nothing else.
- It runs COMMAND, passes on SIGINT and SIGTERM (the interrupt at the deadline), reaps the orphans a
  PID namespace's first process inherits, and exits with COMMAND's status, or at once when the grader
  is gone (``--lifeline``). When it ends, the kernel ends every other process of the namespace:
  nothing a submission started outlives it.

Only the standard library: it starts before anything of the learner's, in every sandbox.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading

LOOPBACK = "127.0.0.1"
CHUNK = 65536


def _pump(source: socket.socket, target: socket.socket) -> None:
    """Copy one direction until it ends, then end the other side's writes too."""
    try:
        while data := source.recv(CHUNK):
            target.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)


def _relay(client: socket.socket, path: str) -> None:
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        upstream.connect(path)
    except OSError:
        client.close()
        upstream.close()
        return
    back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
    back.start()
    _pump(client, upstream)
    back.join()
    client.close()
    upstream.close()


def listen(port: int, path: str) -> socket.socket:
    """Relay connections to 127.0.0.1:``port`` to the Unix socket ``path``, in daemon threads."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((LOOPBACK, port))
    server.listen(128)

    def accept() -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=_relay, args=(client, path), daemon=True).start()

    threading.Thread(target=accept, name="aws-bridge", daemon=True).start()
    return server


def run(command: list[str]) -> int:
    """Run ``command``, relay the grader's signals to it, reap every orphan; its exit status."""
    # A kernel told its parent's pid (the grader's, outside) sees this process instead and exits at once
    # (ipykernel's parent poller): the sandbox already dies with the grader (--die-with-parent).
    env = {name: value for name, value in os.environ.items() if name != "JPY_PARENT_PID"}
    child = subprocess.Popen(command, env=env)

    def relay(signum: int, frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signum)

    signal.signal(signal.SIGINT, relay)
    signal.signal(signal.SIGTERM, relay)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            return 1  # not reached: the command is a child until it has been waited for
        if pid == child.pid:
            code = os.waitstatus_to_exitcode(status)
            return code if code >= 0 else 128 - code


def watch_lifeline(descriptor: int) -> None:
    """End the sandbox when the grader is gone: this process is the namespace's PID 1, whose exit ends
    every process in it, and the descriptor is a pipe only the grader writes to (EOF: it died)."""

    def watch() -> None:
        while True:
            try:
                if not os.read(descriptor, 1):
                    os._exit(137)
            except InterruptedError:
                continue
            except OSError:
                os._exit(137)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()


def main(argv: list[str]) -> int:
    if "--" not in argv:
        sys.stderr.write("usage: python -m pytest_sagemaker_lab.grading.bridge [--socket PATH --port N] -- CMD\n")
        return 2
    split = argv.index("--")
    options, command = argv[:split], argv[split + 1:]
    values = dict(zip(options[::2], options[1::2], strict=False))
    if "--lifeline" in values:
        watch_lifeline(int(values["--lifeline"]))
    if "--socket" in values:
        listen(int(values.get("--port", "4566")), values["--socket"])
    return run(command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
