"""What the stages judge about a submission, taken where the learner's code cannot reach.

A learner's kernel is the learner's: anything it prints, any function of ours it imports, any module
in its ``sys.modules`` can be forged. So none of the evidence comes from it:

- *what the interpreter offers* (xgboost imports and trains with OpenMP threads; which SageMaker SDK
  is installed and which of the names the code uses it has) is taken by a fresh, isolated process of
  the same interpreter (``python -I``), in a sandbox of its own when grading is sandboxed, that never
  runs a line of the learner's. The interpreter and its site-packages are read-only to every
  submission, so one such process per grading process serves the whole class; it answers one
  request per submission.
- *what the notebook did* (does it import xgboost, which SDK names does it use) is read from the code
  of the cells that ran (as nbclient sent them, IPython syntax turned into Python first), not
  from the learner's process.

``python -I .../grading/launch.py pytest_sagemaker_lab.grading.evidence`` is that process (the kernel's
interpreter: the grader's own, or the course's with ``--lab-kernel``): it prints the interpreter's
probe as one JSON line, then answers each line ``{"cells": [...], "code": [...]}`` (the code of the
cells that ran, of every code cell) with ``{"imported_by_lab": ..., "sdk": ...}``.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import threading
from typing import Any

TIMEOUT = 120.0  # seconds the evidence may take: the interpreter's probe, then each request


def python_source(cells: list[str]) -> str:
    """The cells' code as Python: IPython's magics and ``!`` lines become the calls IPython makes."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        transform = TransformerManager().transform_cell
    except ImportError:  # no IPython: the cells are plain Python (a .py submission)
        return "\n".join(cells)
    parts = []
    for cell in cells:
        try:
            parts.append(transform(cell))
        except Exception:  # not even IPython can read it: kept as it is (ast will say so)
            parts.append(cell)
    return "\n".join(parts)


def imports_module(source: str, module: str) -> bool:
    """Whether ``source`` imports ``module`` where it runs whenever the cell runs: ``import m``,
    ``from m import ...``, ``importlib.import_module("m")`` or ``__import__("m")`` at the top of a
    cell, or in the body of a ``try`` or ``with`` there; not in code that may never run (``if False:``,
    a function never called, a loop never entered). Reading, not running."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False

    def imports(node: ast.AST) -> bool:
        if isinstance(node, ast.Import):
            return any(alias.name.split(".")[0] == module for alias in node.names)
        if isinstance(node, ast.ImportFrom):
            return node.level == 0 and (node.module or "").split(".")[0] == module
        for call in ast.walk(node):
            if isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Constant):
                name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
                if name in ("import_module", "__import__") and str(call.args[0].value).split(".")[0] == module:
                    return True
        return False

    def unconditional(statements: list[ast.stmt]) -> bool:
        for statement in statements:
            if isinstance(statement, ast.Try | ast.With):
                if unconditional(statement.body):
                    return True
            elif isinstance(statement, ast.Import | ast.ImportFrom | ast.Expr | ast.Assign | ast.AnnAssign):
                if imports(statement):
                    return True
        return False

    return unconditional(tree.body)


def answer(ran: list[str], code: list[str]) -> dict[str, Any]:
    """One submission's evidence, in the evidence process: did the cells that ran import xgboost, and
    does the SDK have every name the code uses (the code is read as a whole, not run)."""
    from . import sdk

    return {"imported_by_lab": imports_module(python_source(ran), "xgboost"), "sdk": sdk.probe(python_source(code))}


def serve() -> None:
    """Answers on the standard output as it was; anything else printed (the SDK's INFO lines on import,
    a C library's) goes to the standard error instead."""
    import os

    from .probes import probe

    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def reply(value: dict[str, Any]) -> None:
        replies.write(json.dumps(value) + "\n")
        replies.flush()

    reply(probe())
    for line in sys.stdin:
        try:
            request = json.loads(line)
            reply(answer([str(cell) for cell in request["cells"]], [str(cell) for cell in request["code"]]))
        except Exception as exc:  # a source no check can read: said, and the process goes on
            reply({"error": f"{type(exc).__name__}: {exc}"})


class EvidenceProcess:
    """The grader's side: one isolated process, started on first use, restarted if it dies."""

    def __init__(self, command: list[str], env: dict[str, str], timeout: float = TIMEOUT) -> None:
        self.command = command
        self.env = env
        self.timeout = timeout
        self.process: subprocess.Popen[str] | None = None
        self.interpreter: dict[str, Any] | None = None
        self.lock = threading.Lock()

    def _read(self) -> dict[str, Any]:
        """The next line, within the time-out (the process is killed past it)."""
        assert self.process is not None and self.process.stdout is not None
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.timeout)
        if reader.is_alive() or not line or not line[0]:
            self.close()
            raise RuntimeError(f"the evidence process gave no answer within {self.timeout:g} s")
        return json.loads(line[0])

    def _start(self) -> None:
        self.process = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True, start_new_session=True, env=self.env,
                                        cwd="/")  # no folder of anyone's on its path
        self.interpreter = self._read()

    def evidence(self, ran: list[str], code: list[str]) -> dict[str, Any]:
        """``{"probe": ..., "imported_by_lab": ..., "sdk": ...}`` for code that ran."""
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self._start()
            assert self.process is not None and self.process.stdin is not None
            self.process.stdin.write(json.dumps({"cells": ran, "code": code}) + "\n")
            self.process.stdin.flush()
            reply = self._read()
            if "error" in reply:
                raise RuntimeError(f"the evidence could not be read from the submission: {reply['error']}")
            return {"probe": self.interpreter, **reply}

    def close(self) -> None:
        if self.process is not None:
            from .sandbox import kill

            kill(self.process.pid)  # its sandbox's PID 1 first: the outer process alone may not end it
            self.process.wait()
            self.process = None


_processes: dict[tuple[str, ...], EvidenceProcess] = {}


def evidence_process(command: list[str], env: dict[str, str]) -> EvidenceProcess:
    """This grading process's evidence process for ``command`` (one per interpreter and sandbox)."""
    key = tuple(command)
    if key not in _processes:
        import atexit

        _processes[key] = EvidenceProcess(command, env)
        atexit.register(_processes[key].close)
    return _processes[key]


def command(python: str = sys.executable) -> list[str]:
    """The evidence process of ``python`` (the kernel's interpreter), which need not have the plugin
    installed: ``launch`` loads it from the plugin's own folder."""
    from pathlib import Path

    launch = str(Path(__file__).resolve().with_name("launch.py"))
    return [python, "-I", launch, "pytest_sagemaker_lab.grading.evidence"]


if __name__ == "__main__":
    serve()
