"""Running a learner's submission: a notebook in a real Jupyter kernel, a .py file in a subprocess.

Both run with the isolated environment of ``isolation``, the lab's parameters injected papermill-style,
and a deadline for the whole submission. Afterwards the evidence the stages need is taken inside the
same process (``probes.after_run``). Nothing a submission does can stop the grading of the next one:
every failure becomes the run's ``error``.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..drivers import PARAMETERS_TAG, injected_source, read_percent_cells
from .probes import PROBE_MARKER, after_run_code

PROBE_TIMEOUT = 120  # seconds the evidence may take once the submission has run
# A kernel that dies before it answers is started again (no learner code has run yet): a start can fail
# for reasons of the moment, such as a port it was given being taken by another process before it bound it.
KERNEL_START_ATTEMPTS = 3


@dataclass
class SubmissionRun:
    error: str | None = None
    failed_cell: int | None = None
    executed: Path | None = None  # the executed notebook, for the instructor
    log: str = ""  # what the run printed: for authors, not learners
    evidence: dict[str, Any] | None = None
    source: str = ""  # the submission's code, cells joined
    extras: dict[str, Any] = field(default_factory=dict)


def _timeout_text(seconds: float) -> str:
    return f"timed out after {seconds:g} s"


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


def run_notebook(path: Path, workdir: Path, env: dict[str, str], values: dict[str, str], timeout: float,
                 executed_dir: Path) -> SubmissionRun:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    from .kernels import PromptKernelManager

    run = SubmissionRun()
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # not JSON, not a notebook
        run.error = f"{path.name} is not a readable notebook ({type(exc).__name__}: {exc})"
        return run
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    run.source = "\n".join(cell.source for cell in code_cells)
    source_file = workdir / "submission_source.py"
    source_file.write_text(run.source, encoding="utf-8")
    injected_at = _inject(nb, values)
    deadline = time.monotonic() + timeout
    # The kernel is killed once its evidence is taken: a graceful shutdown only waited (0.7 s a notebook)
    # for a process whose results are already in. Its start and kill do not wait idle either (kernels).
    client = NotebookClient(nb, kernel_name="python3", timeout=None, allow_errors=False,
                            interrupt_on_timeout=True, startup_timeout=60, record_timing=False,
                            shutdown_kernel="immediate", kernel_manager_class=PromptKernelManager,
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
                    _execute(client, nb, run, injected_at, source_file, deadline, timeout)
            except DeadKernelError as exc:
                run.error = run.error or f"the kernel died while running the notebook ({exc})"
            except Exception as exc:  # the kernel would not start, or nbclient failed
                if not started and attempt < KERNEL_START_ATTEMPTS:
                    continue  # no learner code ran yet: start it again
                run.error = run.error or f"the notebook could not be run: {type(exc).__name__}: {exc}"
            break
    kernel_log = stderr_path.read_text(encoding="utf-8", errors="replace")
    executed_dir.mkdir(parents=True, exist_ok=True)
    run.executed = executed_dir / path.name
    nbformat.write(nb, run.executed)
    run.log = "\n".join(_outputs_text(cell) for cell in nb.cells if cell.cell_type == "code")
    if run.error and kernel_log.strip():  # what the author needs when the kernel itself failed
        run.log += f"\n--- the kernel's stderr ---\n{kernel_log}"
    return run


def _execute(client: Any, nb: Any, run: SubmissionRun, injected_at: int, source_file: Path, deadline: float,
             timeout: float) -> None:
    """Run the code cells in order until one fails or the deadline passes, then take the evidence."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    index = 0
    try:
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            client.execute_cell(cell, index)
            if time.monotonic() >= deadline:
                # nbclient interrupted the cell at the deadline and its code swallowed the
                # KeyboardInterrupt (SDK 2's telemetry wrapper around fit does): a time-out still.
                run.error = _timeout_text(timeout)
                run.failed_cell = _learner_cell_number(nb, index, injected_at)
                break
    except CellTimeoutError:
        run.error = _timeout_text(timeout)
        run.failed_cell = _learner_cell_number(nb, index, injected_at)
    except CellExecutionError as exc:
        run.failed_cell = _learner_cell_number(nb, index, injected_at)
        if exc.ename == "KeyboardInterrupt" and time.monotonic() >= deadline - 1:
            run.error = _timeout_text(timeout)  # the interrupt was nbclient's, at the deadline
        else:
            run.error = f"cell {run.failed_cell} raised {exc.ename}: {exc.evalue}"
    run.evidence = _kernel_evidence(client, source_file)


def _learner_cell_number(nb: Any, index: int, injected_at: int) -> int:
    """The 1-based number of the failing code cell, as the learner counts (the injected one left out)."""
    return sum(1 for i, cell in enumerate(nb.cells[: index + 1]) if cell.cell_type == "code" and i != injected_at)


def _kernel_evidence(client: Any, source_file: Path) -> dict[str, Any] | None:
    import nbformat

    probe_cell = nbformat.v4.new_code_cell(after_run_code(str(source_file)))
    saved_timeout = client.timeout_func
    client.timeout_func = lambda cell: PROBE_TIMEOUT
    client.nb.cells.append(probe_cell)  # nbclient writes the cell back by index; removed before saving
    try:
        client.execute_cell(probe_cell, len(client.nb.cells) - 1, store_history=False)
    except Exception:
        return None
    finally:
        client.nb.cells.pop()
        client.timeout_func = saved_timeout
    return _parse_evidence(_outputs_text(probe_cell))


def _outputs_text(cell: Any) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif output.get("output_type") == "error":
            parts.append("\n".join(output.get("traceback", [])))
    return "".join(parts)


def _parse_evidence(text: str) -> dict[str, Any] | None:
    for line in text.splitlines():
        if line.startswith(PROBE_MARKER):
            return json.loads(line.removeprefix(PROBE_MARKER))
    return None


# -- .py files ---------------------------------------------------------------------------------------
def run_python(path: Path, workdir: Path, env: dict[str, str], values: dict[str, str], timeout: float,
               executed_dir: Path) -> SubmissionRun:
    run = SubmissionRun()
    run.source = "".join(cell.source for cell in read_percent_cells(path))
    parameters = workdir / "parameters.json"
    parameters.write_text(json.dumps(values), encoding="utf-8")
    result_file = workdir / "result.json"
    command = [sys.executable, "-m", "pytest_sagemaker_lab.grading.pyrunner", str(path), str(parameters),
               str(result_file)]
    try:
        done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        run.log = done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        run.error = _timeout_text(timeout)
        run.log = _text(exc.stdout) + _text(exc.stderr)
    if result_file.exists():
        result = json.loads(result_file.read_text(encoding="utf-8"))
        run.error = run.error or result.get("error")
        run.failed_cell = result.get("failed_cell")
        run.evidence = result.get("evidence")
    elif run.error is None:
        run.error = f"the Python process ended without a result (exit code {done.returncode})"
    executed_dir.mkdir(parents=True, exist_ok=True)
    run.executed = executed_dir / f"{path.stem}.log"
    run.executed.write_text(run.log, encoding="utf-8")
    return run


def _text(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value or ""
