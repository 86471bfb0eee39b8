"""Running a learner's submission in a real Jupyter kernel: a notebook, or a .py file's cells.

It runs inside the submission's sandbox (``sandbox``; or unconfined with ``--lab-sandbox none``), with
the environment of ``environment``, the lab's parameters injected papermill-style, and one deadline for
the whole submission: at the deadline the code is interrupted, ``grace`` seconds later the sandbox is
killed with everything in it. Their output is capped and the grader's secrets are redacted from it.
The evidence the stages judge is taken afterwards, outside the learner's reach (``evidence``). Nothing
a submission does can stop the grading of the next one: every failure becomes the run's ``error``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..drivers import PARAMETERS_TAG, injected_source
from . import sandbox
from .redact import Redactor
from .sandbox import ENDPOINT_PORT, SOCKET_INSIDE, Limits, Sandbox, interpreter

# A kernel that dies before it answers is started again (no learner code has run yet): a start can fail
# for reasons of the moment, such as a port it was given being taken by another process before it bound it.
KERNEL_START_ATTEMPTS = 3
CAPTURE_TIMEOUT = 10  # seconds the read-back of the notebook's variables may take
# The variables a lab's stages read back from the learner's code after the run: where it put things.
CAPTURED_NAMES = ("bucket_name", "prefix", "role_arn", "region", "training_job_name")
# Runs the sandbox's bridge in the submission's interpreter, which need not have the plugin installed.
LAUNCH = str(Path(__file__).resolve().with_name("launch.py"))
# ... and the estimators it built, described as their fit would send them (``estimators``).
ESTIMATORS_KEY = "__estimators__"


@dataclass
class Confinement:
    """How a submission's processes are confined: its sandbox (None: not isolated), its limits, and
    its way to its AWS world (the Unix socket bound into the sandbox, or the endpoint it calls). The
    sandbox shows ``python`` (the kernel's interpreter: the grader's, or the course's) and nothing of
    another environment."""

    sandbox: Sandbox | None = None
    python: str = sys.executable
    limits: Limits = field(default_factory=Limits)
    aws_socket: str | None = None
    notebook_metadata: Path | None = None  # what the SDK reads of the notebook instance it runs on
    redactor: Redactor = field(default_factory=Redactor)

    def wrap(self, argv: list[str], runtime: Path | None) -> list[str]:
        """``argv`` inside the sandbox, behind the bridge to the submission's AWS world."""
        if self.sandbox is None:
            return argv
        python = self.python
        launcher = [python, "-I", LAUNCH, "pytest_sagemaker_lab.grading.bridge", "--lifeline", str(sandbox.LIFELINE_FD)]
        if self.aws_socket is not None:
            launcher += ["--socket", SOCKET_INSIDE, "--port", str(ENDPOINT_PORT)]
        files = {sandbox.NOTEBOOK_METADATA: self.notebook_metadata} if self.notebook_metadata else None
        return self.sandbox.command(argv, interpreter_paths=interpreter(python).read_only, runtime=runtime,
                                    aws_socket=Path(self.aws_socket) if self.aws_socket else None,
                                    launcher=[*launcher, "--"], files=files)

    @contextlib.contextmanager
    def runtime(self) -> Any:
        """A private folder for the run's files that cross the boundary (a kernel's connection file and
        sockets, a .py run's parameters and result), owned by the sandbox's uid, removed afterwards."""
        folder = sandbox.runtime_folder("sml-")
        try:
            if self.sandbox is not None and self.sandbox.drops_uid:
                os.chown(folder, self.sandbox.uid, self.sandbox.uid)
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def seal(self, runtime: Path) -> None:
        """Once the kernel's sockets exist, the sandbox may make no file in its runtime folder, which is on
        the grader's disk, outside the sandbox's size-bounded tmpfs. (Without root the sandbox keeps the
        grader's uid and cannot be kept out of it.)"""
        if self.sandbox is None or not self.sandbox.drops_uid:
            return
        os.chown(runtime, 0, 0)
        os.chmod(runtime, 0o755)


@dataclass
class SubmissionRun:
    error: str | None = None
    failed_cell: int | None = None
    executed: Path | None = None  # the executed notebook, for the instructor
    log: str = ""  # what the run printed: for authors, not learners
    ran: list[str] = field(default_factory=list)  # the code of the cells that ran, in order
    code: list[str] = field(default_factory=list)  # the code of every code cell of the submission
    variables: dict[str, Any] = field(default_factory=dict)  # CAPTURED_NAMES as the code left them


def _timeout_text(seconds: float) -> str:
    return f"timed out after {seconds:g} s"


class Watchdog:
    """Kills a sandbox (or an unconfined run's process group) at a deadline: everything in it dies."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = threading.Event()
        self._timer: threading.Timer | None = None

    def arm(self, pid: int) -> None:
        def kill() -> None:
            self.fired.set()
            sandbox.kill(pid)

        self._timer = threading.Timer(self.seconds, kill)
        self._timer.daemon = True
        self._timer.start()

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


# -- notebooks ---------------------------------------------------------------------------------------
def _inject(nb: Any, values: dict[str, str]) -> int:
    """Insert the parameters cell after the one tagged `parameters` (or first); return its index."""
    import nbformat

    tagged = [i for i, cell in enumerate(nb.cells)
              if cell.cell_type == "code" and PARAMETERS_TAG in cell.get("metadata", {}).get("tags", [])]
    position = tagged[0] + 1 if tagged else 0
    cell = nbformat.v4.new_code_cell(injected_source(values))
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(position, cell)
    return position


def _client_class(output_cap: int) -> type:
    """nbclient's client, keeping at most ``output_cap`` bytes of the notebook's outputs: what is past
    it is counted and dropped as it arrives, so a cell printing gigabytes fills neither the grader's
    memory nor the executed notebook."""
    import nbformat
    from nbclient import NotebookClient

    class CappedNotebookClient(NotebookClient):
        kept = 0
        dropped = 0

        def output(self, outs: list, msg: dict, display_id: Any, cell_index: int) -> Any:
            size = len(json.dumps(msg.get("content", {}), default=str))
            if self.kept + size <= output_cap:
                self.kept += size
                return super().output(outs, msg, display_id, cell_index)
            if not self.dropped:
                outs.append(nbformat.v4.new_output(
                    "stream", name="stderr",
                    text=f"\n[pytest-sagemaker-lab: output past {output_cap // 1024} KiB is not kept]\n"))
            self.dropped += size
            return None

    return CappedNotebookClient


def run_notebook(path: Path, workdir: Path, env: dict[str, str], values: dict[str, str], timeout: float,
                 executed_dir: Path, confinement: Confinement | None = None, kernel_name: str = "python3",
                 ) -> SubmissionRun:
    import nbformat
    from nbclient.exceptions import DeadKernelError

    from .kernels import PromptKernelManager, SandboxedKernelManager

    confinement = confinement or Confinement()
    run = SubmissionRun()
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # not JSON, not a notebook
        run.error = f"{path.name} is not a readable notebook ({type(exc).__name__}: {exc})"
        return run
    run.code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    injected_at = _inject(nb, values)
    deadline = time.monotonic() + timeout
    watchdog = Watchdog(timeout + confinement.limits.grace)
    with confinement.runtime() as runtime:
        manager_class: type = PromptKernelManager
        config: dict[str, Any] = {}
        if confinement.sandbox is not None:
            manager_class = SandboxedKernelManager
            config = {"SandboxedKernelManager": {
                "transport": "ipc", "ip": str(runtime / "kernel"), "connection_file": str(runtime / "kernel.json"),
                "sandbox_argv": confinement.wrap([], runtime),
                "sandbox_uid": confinement.sandbox.uid if confinement.sandbox.drops_uid else -1}}
        from traitlets.config import Config

        # The kernel is killed once the run is over: a graceful shutdown only waited (0.7 s a notebook)
        # for a process whose results are already in. Its start and kill do not wait idle either (kernels).
        client = _client_class(confinement.limits.output_kb * 1024)(
            nb, kernel_name=kernel_name, timeout=None, allow_errors=False, interrupt_on_timeout=True,
            startup_timeout=60, record_timing=False, shutdown_kernel="immediate", kernel_manager_class=manager_class,
            config=Config(config),
            # Rounded up: the interrupt comes at the deadline, never before it.
            timeout_func=lambda cell: max(1, math.ceil(deadline - time.monotonic())),
            resources={"metadata": {"path": str(workdir)}})
        # What the kernel process itself writes to its stderr (its start-up errors, C libraries, the learner's
        # subprocesses) goes to a file, not the grader's terminal; the author's log gets it when the run failed.
        stderr_path = workdir / "kernel-stderr.txt"
        with stderr_path.open("wb") as kernel_stderr:
            for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
                started = False
                try:
                    with client.setup_kernel(env=env, cwd=str(workdir), stderr=kernel_stderr):
                        started = True
                        outer = client.km.provisioner.process.pid
                        watchdog.arm(outer)
                        try:
                            confinement.seal(runtime)  # the kernel's sockets are made
                            _execute(client, nb, run, injected_at, deadline, timeout)
                        finally:
                            sandbox.kill(outer)  # nothing the submission started outlives its run
                except DeadKernelError as exc:
                    run.error = run.error or (_timeout_text(timeout) if watchdog.fired.is_set()
                                              else f"the kernel died while running the notebook ({exc})")
                except Exception as exc:  # the kernel would not start, or nbclient failed
                    if not started and attempt < KERNEL_START_ATTEMPTS:
                        continue  # no learner code ran yet: start it again
                    run.error = run.error or (_timeout_text(timeout) if watchdog.fired.is_set() else
                                              f"the notebook could not be run: {type(exc).__name__}: {exc}")
                finally:
                    watchdog.disarm()
                break
    kernel_log = _read_capped(stderr_path, confinement.limits.output_kb * 1024)
    redact = confinement.redactor
    _redact_outputs(nb, redact)
    executed_dir.mkdir(parents=True, exist_ok=True)
    run.executed = executed_dir / path.name
    nbformat.write(nb, run.executed)
    run.log = "\n".join(_outputs_text(cell) for cell in nb.cells if cell.cell_type == "code")
    if run.error and kernel_log.strip():  # what the author needs when the kernel itself failed
        run.log += f"\n--- the kernel's stderr ---\n{kernel_log}"
    run.log, run.error, run.variables = redact(run.log), redact(run.error), redact(run.variables)
    return run


def _execute(client: Any, nb: Any, run: SubmissionRun, injected_at: int, deadline: float, timeout: float) -> None:
    """Run the code cells in order until one fails or the deadline passes, then read the variables back."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    index = 0
    try:
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if index != injected_at:
                run.ran.append(cell.source)  # sent to the kernel: it ran, in part or whole
            client.execute_cell(cell, index)
            if time.monotonic() >= deadline:
                # nbclient interrupted the cell at the deadline and its code swallowed the
                # KeyboardInterrupt (SDK 2's telemetry wrapper around fit does): a time-out still.
                run.error = _timeout_text(timeout)
                run.failed_cell = _learner_cell_number(nb, index, injected_at)
                return
    except CellTimeoutError:
        run.error = _timeout_text(timeout)
        run.failed_cell = _learner_cell_number(nb, index, injected_at)
        return
    except CellExecutionError as exc:
        run.failed_cell = _learner_cell_number(nb, index, injected_at)
        if exc.ename == "KeyboardInterrupt" and time.monotonic() >= deadline - 1:
            run.error = _timeout_text(timeout)  # the interrupt was nbclient's, at the deadline
            return
        run.error = f"cell {run.failed_cell} raised {exc.ename}: {exc.evalue}"
    run.variables = _read_variables(client)


def _learner_cell_number(nb: Any, index: int, injected_at: int) -> int:
    """The 1-based number of the failing code cell, as the learner counts (the injected one left out)."""
    return sum(1 for i, cell in enumerate(nb.cells[: index + 1]) if cell.cell_type == "code" and i != injected_at)


def _read_variables(client: Any) -> dict[str, Any]:
    """The notebook's own ``bucket_name``, ``prefix``, ... as its code left them. The learner could print
    anything here: these values only say where the stages look, never what they find there."""
    import nbformat

    from .estimators import DESCRIBE_SOURCE

    marker = f"SAGEMAKER-LAB-VARIABLES-{secrets.token_hex(8)}:"
    # The describer runs in a scope of its own: the learner's globals gain no name from the read-back.
    code = ("import json as _json\n"
            f"_sml_scope = {{}}\nexec({DESCRIBE_SOURCE!r}, _sml_scope)\n"
            f"print({marker!r} + _json.dumps({{**{{_n: (_v if isinstance(_v, (str, int, float, bool, type(None))) "
            f"else repr(_v)) for _n, _v in globals().items() if _n in {CAPTURED_NAMES!r}}}, "
            f"{ESTIMATORS_KEY!r}: _sml_scope['_sagemaker_lab_describe'](globals())}}, default=str))\n"
            "del _sml_scope\n")
    cell = nbformat.v4.new_code_cell(code)
    saved_timeout = client.timeout_func
    client.timeout_func = lambda cell: CAPTURE_TIMEOUT
    client.nb.cells.append(cell)  # nbclient writes the cell back by index; removed at once
    try:
        client.execute_cell(cell, len(client.nb.cells) - 1, store_history=False)
    except Exception:
        return {}
    finally:
        client.nb.cells.pop()
        client.timeout_func = saved_timeout
    for line in _outputs_text(cell).splitlines():
        if line.startswith(marker):
            with contextlib.suppress(ValueError):
                found = json.loads(line.removeprefix(marker))
                return {name: found[name] for name in (*CAPTURED_NAMES, ESTIMATORS_KEY) if name in found}
    return {}


def _outputs_text(cell: Any) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif output.get("output_type") == "error":
            parts.append("\n".join(output.get("traceback", [])))
    return "".join(parts)


def _redact_outputs(nb: Any, redact: Redactor) -> None:
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            for key in ("text", "traceback", "evalue", "ename"):
                if key in output:
                    output[key] = redact(output[key])
            for mime, value in output.get("data", {}).items():
                output["data"][mime] = redact(value)


def _read_capped(path: Path, cap: int) -> str:
    with path.open("rb") as handle:
        data = handle.read(cap + 1)
    text = data[:cap].decode("utf-8", errors="replace")
    return text + ("\n[pytest-sagemaker-lab: the rest is not kept]\n" if len(data) > cap else "")


# -- .py files ---------------------------------------------------------------------------------------
def run_python(path: Path, workdir: Path, env: dict[str, str], values: dict[str, str], timeout: float,
               executed_dir: Path, confinement: Confinement | None = None, kernel_name: str = "python3",
               ) -> SubmissionRun:
    """A .py file in the percent format runs as the notebook it is, its ``# %%`` cells in a kernel: the
    cells that ran are then those nbclient sent, as for a notebook, not what the file's own process
    would say of itself (which its code could forge)."""
    import nbformat

    from ..drivers import percent_to_notebook

    notebook = workdir / f"{path.name}.ipynb"
    try:
        nbformat.write(percent_to_notebook(path), notebook)
    except (OSError, UnicodeDecodeError) as exc:
        return SubmissionRun(error=f"{path.name} could not be read ({type(exc).__name__}: {exc})")
    return run_notebook(notebook, workdir, env, values, timeout, executed_dir, confinement, kernel_name)
