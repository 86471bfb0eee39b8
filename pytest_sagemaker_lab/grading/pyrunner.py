"""Runs a learner's .py file in this (child) process: ``python -m pytest_sagemaker_lab.grading.pyrunner
FILE PARAMETERS.json RESULT.json``. The file's cells run in order with the parameters injected
papermill-style; whatever it raises is recorded with the variables that say where the code put things.
Nothing here is evidence: the stages take theirs outside this process (``evidence``)."""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from ..drivers import read_percent_cells, with_parameters
from .runners import CAPTURED_NAMES


def _plain(value: object) -> object:
    return value if isinstance(value, str | int | float | bool | type(None)) else repr(value)


def main(path: Path, parameters: Path, result_file: Path) -> None:
    values = json.loads(parameters.read_text(encoding="utf-8"))
    namespace: dict = {"__name__": "__main__", "__file__": str(path)}
    result: dict = {"error": None, "failed_cell": None}
    for cell in with_parameters(read_percent_cells(path), values):
        try:
            exec(compile(cell.source, f"{path.name} (cell {cell.number})", "exec"), namespace)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            traceback.print_exc()
            result["failed_cell"] = cell.number
            where = f"cell {cell.number}" if cell.number else "the injected parameters"
            result["error"] = f"{where} raised {type(exc).__name__}: {exc}"
            break
    result["variables"] = {name: _plain(namespace[name]) for name in CAPTURED_NAMES if name in namespace}
    result_file.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
