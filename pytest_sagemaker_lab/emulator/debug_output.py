"""What lands in ``debug-output/`` and ``profiler-output/`` beside a job's ``output/``.

debug-output: smdebug's default XGBoost hook saves the ``metrics`` collection every 10 steps. The
emulation writes the same folder layout (collections, index, end marker) with the real metric values,
as JSON; smdebug's binary tfevents files are not reproduced.
profiler-output: the platform's system monitor; the emulation writes one record set measured from
the real training (wall time, and the share of the machine's CPUs it kept busy).
"""

from __future__ import annotations

import json
import time
from typing import Any

SAVE_INTERVAL = 10  # smdebug's default for the metrics collection


def debug_output_files(result: Any) -> dict[str, bytes]:
    collections = {
        "meta": {"mode": "TRAIN", "num_workers": 1, "worker_name": "worker_0"},
        "collections": {"metrics": {"name": "metrics", "include_regex": [".*-[a-z]+[0-9]*$"],
                                    "save_config": {"TRAIN": {"save_interval": SAVE_INTERVAL}}}},
    }
    files = {"collections/000000000/worker_0_collections.json": json.dumps(collections).encode()}
    for step in range(0, result.rounds, SAVE_INTERVAL):
        index = {"meta": {"mode": "TRAIN", "mode_step": step, "event_file_name": ""},
                 "tensor_payload": [{"tensorname": name.replace(":", "-"), "step": step}
                                    for name in sorted(result.final_metrics)]}
        files[f"index/000000000/{step:012d}_worker_0.json"] = json.dumps(index).encode()
    files["training_job_end.ts"] = str(time.time()).encode()
    return files


def profiler_output_files(wall_seconds: float, cpu_seconds: float, cpus: int) -> dict[str, bytes]:
    """``cpu_seconds`` is the process CPU time the training used (all threads), over ``wall_seconds``."""
    now = time.time()
    utilization = 100.0 * cpu_seconds / max(wall_seconds, 1e-6) / cpus
    hour = time.strftime("%Y%m%d%H", time.gmtime(now))
    records = [
        {"Name": "CPUUtilization", "Type": "cpu", "Dimension": "CPUUtilization",
         "Value": round(min(utilization, 100.0), 2), "Timestamp": now},
        {"Name": "TrainingSeconds", "Type": "algo", "Dimension": "WallTime", "Value": round(wall_seconds, 3),
         "Timestamp": now},
    ]
    body = "\n".join(json.dumps(record) for record in records).encode()
    return {
        f"system/incremental/{hour}/{int(now)}.algo-1.json": body,
        "system/training_job_end.ts": str(now).encode(),
    }
