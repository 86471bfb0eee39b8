"""Target: grading 20 notebooks with ``-n 2`` on 2 cores takes at most 0.55x the same 20 with ``-n 0``.

Both runs grade the same folder offline (``pytest lab_steps --lab-submission <folder>``): 20 copies of
the lab's reference notebook for the installed SDK (each must pass, so the run exits 0).
No submission pays a fixed sleep: the notebooks' SDK polls run on the grader's fast clock.

    python bench/grading.py [--repeat 1] [--warmup 0] [--notebooks 20] [--check]

An informational line first gives the machine's own floor: four fresh processes that import what a
graded kernel imports (SageMaker SDK, xgboost), two at a time against one at a time. Two workers can
not beat the ratio the machine itself gives two CPU-bound processes (on shared virtual cores it is
often well above 0.5). The floor is taken again beside every pair, and the last line gives how far
the pairs' ratios sit above it: the harness's own cost of running in parallel, on any machine.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    PYTHON,
    REPO_ROOT,
    CommandFailed,
    Sample,
    alternate,
    cpu_line,
    fake_aws_env,
    finish,
    parser,
    time_command,
    verdict,
)

TARGET = 0.55
LAB = REPO_ROOT / "lab_steps" / "lab4_1"


def _folder(root: Path, count: int) -> Path:
    sys.path.insert(0, str(REPO_ROOT))
    from pytest_sagemaker_lab.grading import sdk

    reference = LAB / f"solution_sdk{sdk.major(sdk.installed()) or 2}.ipynb"
    folder = root / "class"
    folder.mkdir()
    for index in range(count):
        shutil.copy(reference, folder / f"learner{index:02d}.ipynb")
    return folder


KERNEL_IMPORTS = [PYTHON, "-c", "import sagemaker, xgboost, boto3"]


def _machine_floor(env: dict[str, str], pairs: int = 3) -> float:
    """Median over ``pairs`` of: 4 import runs two at a time / the same 4 one at a time (wall)."""
    def batch(parallel: int) -> float:
        started = time.perf_counter()
        for _ in range(4 // parallel):
            running = [subprocess.Popen(KERNEL_IMPORTS, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL) for _ in range(parallel)]
            for process in running:
                process.wait()
        return time.perf_counter() - started

    ratios = sorted(batch(2) / batch(1) for _ in range(pairs))
    return ratios[len(ratios) // 2]


def _errors(report: Path) -> str:
    """What the failed run's report says went wrong in each submission (the output's tail cuts it)."""
    import json

    try:
        submissions = json.loads(report.read_text(encoding="utf-8"))["submissions"]
    except (OSError, ValueError, KeyError) as exc:
        return f"(no report to read: {exc})"
    lines = [f"{entry['name']}: {entry['error']}" for entry in submissions if entry.get("error")]
    for entry in submissions:
        for stage in entry.get("stages", []):
            if stage.get("outcome") == "failed":
                lines.append(f"{entry['name']} {stage.get('id')}: {stage.get('message')} | {stage.get('detail')}")
    return "\n".join(lines) or "(the report records no failure)"


def main(argv: list[str] | None = None) -> int:
    cli = parser(__doc__.splitlines()[0], repeat=1)
    cli.add_argument("--notebooks", type=int, default=20, help="notebooks in the class (default 20)")
    cli.set_defaults(warmup=0)
    args = cli.parse_args(argv)
    env = fake_aws_env()
    floor = _machine_floor(env)
    print(f"machine floor (informational): 4 fresh `import sagemaker, xgboost, boto3` two at a time take "
          f"{floor:.3f}x the time of one at a time")
    floors: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as scratch:
        folder = _folder(Path(scratch), args.notebooks)
        base = [PYTHON, "-m", "pytest", "lab_steps", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                f"--lab-submission={folder}", f"--lab-report={scratch}/report.json"]

        def baseline() -> Sample:
            return time_command([*base, "-n", "0"], REPO_ROOT, env)

        def measured() -> Sample:
            floors.append(_machine_floor(env, pairs=1))  # the machine as this pair found it
            return time_command([*base, "-n", "2"], REPO_ROOT, env)

        try:
            paired = alternate(baseline, measured, args.repeat, args.warmup, None if args.quiet else "grading")
        except CommandFailed as exc:
            print(f"grading: FAILED, no measurement: {exc}")
            print(_errors(Path(scratch) / "report.json"))
            return 2
    label = f"grading {args.notebooks} notebooks with -n 2"
    line, ok = verdict(label, "-n 0", paired, TARGET)
    print(line)
    print(cpu_line(label, "-n 0", paired))
    above = [ratio - floor for ratio, floor in zip(paired.ratios(), floors, strict=True)]
    print(f"{label} (informational, against the machine): the floor measured beside each pair "
          f"{', '.join(f'{f:.3f}' for f in floors)}; ratio minus floor, median {statistics.median(above):+.3f}")
    return finish(ok, args.check)


if __name__ == "__main__":
    sys.exit(main())
