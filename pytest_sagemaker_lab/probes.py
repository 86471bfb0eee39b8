"""Probes of the interpreter that runs a lab: is xgboost there, and does it train with OpenMP threads?

``python -m pytest_sagemaker_lab.probes`` prints the probe as JSON, so the same evidence can be taken
from another interpreter (a learner's kernel) as from this one.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

PROBE_ROWS = 10_000
PROBE_FEATURES = 16
PROBE_THREADS = 2


def _thread_cpu_ticks() -> dict[str, int] | None:
    """CPU ticks used so far by each OS thread of this process (Linux only)."""
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        return None
    ticks = {}
    for task in tasks.iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[task.name] = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


def openmp_fix() -> str:
    if sys.platform == "darwin":
        return "brew install libomp"
    if sys.platform.startswith("linux"):
        return "apt-get install libgomp1 (Debian/Ubuntu) or dnf install libgomp (Fedora/RHEL)"
    return "install the Microsoft Visual C++ Redistributable (vcomp140.dll)"


def probe() -> dict[str, Any]:
    result: dict[str, Any] = {"python": sys.executable, "platform": sys.platform,
                              "machine": platform.machine(), "cpus": os.cpu_count()}
    try:
        import xgboost
    except Exception as exc:  # ImportError, or XGBoostError when libomp is missing on macOS
        result["import_error"] = f"{type(exc).__name__}: {exc}"
        return result
    result["xgboost"] = xgboost.__version__
    try:
        import numpy

        rng = numpy.random.default_rng(0)
        features = rng.normal(size=(PROBE_ROWS, PROBE_FEATURES))
        labels = (features[:, 0] + features[:, 1] > 0).astype(float)
        matrix = xgboost.DMatrix(features, label=labels, nthread=PROBE_THREADS)
        before = _thread_cpu_ticks()
        started = time.perf_counter()
        booster = xgboost.train({"nthread": PROBE_THREADS, "tree_method": "exact", "max_depth": 6,
                                 "objective": "binary:logistic"}, matrix, num_boost_round=8)
        result["train_seconds"] = round(time.perf_counter() - started, 3)
        after = _thread_cpu_ticks()
        result["trees"] = booster.num_boosted_rounds()
    except Exception as exc:
        result["train_error"] = f"{type(exc).__name__}: {exc}"
        return result
    if before is not None and after is not None:
        result["threads_at_work"] = sum(1 for task, ticks in after.items() if ticks > before.get(task, 0))
    from threadpoolctl import threadpool_info

    result["openmp"] = [
        {"library": info.get("prefix"), "path": info.get("filepath"), "version": info.get("version"),
         "num_threads": info.get("num_threads")}
        for info in threadpool_info() if info.get("user_api") == "openmp"
    ]
    return result


if __name__ == "__main__":
    json.dump(probe(), sys.stdout)


# The variables a lab's stages read back from the learner's process after the run.
CAPTURED_NAMES = ("bucket_name", "prefix", "role_arn", "region", "training_job_name")


def after_run(namespace: dict[str, Any], source: str, names: tuple[str, ...] = CAPTURED_NAMES) -> dict[str, Any]:
    """Evidence taken inside the process that ran the learner's code, once it has run."""
    from . import sdk

    imported = "xgboost" in sys.modules  # before probe() imports it
    variables = {}
    for name in names:
        if name in namespace:
            value = namespace[name]
            variables[name] = value if isinstance(value, str | int | float | bool | type(None)) else repr(value)
    return {"imported_by_lab": imported, "probe": probe(), "sdk": sdk.probe(source), "variables": variables}


PROBE_MARKER = "SAGEMAKER-LAB-PROBE:"


def after_run_code(source_path: str) -> str:
    """The code a kernel runs (outside the saved notebook) to print ``after_run``'s evidence."""
    return (
        "import json as _json\n"
        "from pathlib import Path as _Path\n"
        "from pytest_sagemaker_lab.probes import PROBE_MARKER as _M, after_run as _after_run\n"
        f"print(_M + _json.dumps(_after_run(globals(), _Path({source_path!r}).read_text(encoding='utf-8'))))\n"
    )
