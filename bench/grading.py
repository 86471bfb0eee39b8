"""Targets: grading a class in the sandbox takes at most 1.15x the time without one, and grading it
with ``-n 2`` on 2 cores takes at most 0.55x the same class with ``-n 0``.

Every run grades the same folder offline (``pytest lab_steps/lab4_1 --lab-submission <folder>``, the lab
its notebooks are written for): 20 copies of the lab's reference notebook for the installed SDK (each
must pass, so the run exits 0).
No submission pays a fixed sleep: the notebooks' SDK polls run on the grader's fast clock.
Three runs a repetition, back to back (their order reversed every other repetition), make two pairs:

- ``-n 0 --lab-sandbox none`` (no isolation) against ``-n 0 --lab-sandbox auto`` (the default: a
  bubblewrap sandbox per submission): the sandbox's cost, target <= 1.15x (the same notebooks on
  both sides, so it is also the ratio per notebook);
- ``-n 0`` against ``-n 2``, both in the sandbox: target <= 0.55x.

The sandboxed ``-n 0`` run is timed once and serves both pairs. The last line counts the processes
the graded runs left running after they exited (killed before the next run, untimed): there should be none.

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
    alternate_chain,
    become_subreaper,
    cpu_line,
    fake_aws_env,
    finish,
    parser,
    reap_leftovers,
    time_command,
    verdict,
)

TARGET = 0.55  # sandboxed -n 2 / sandboxed -n 0
SANDBOX_TARGET = 1.15  # sandboxed -n 0 / -n 0 --lab-sandbox none
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


def _leftover_line(leftovers: dict[str, list[list[str]]], reaper: bool) -> str:
    """What the graded runs left running after they exited (a grader must leave nothing behind)."""
    if not reaper:
        return "left running (informational): not checked (no child subreaper on this system)"
    counts = ", ".join(f"{name} {sum(map(len, runs))} in {len(runs)} runs" for name, runs in leftovers.items())
    every = [cmdline for runs in leftovers.values() for run in runs for cmdline in run]
    line = f"left running by the graded runs after they exited (killed by this script before the next run): {counts}"
    if every:
        line += f"; e.g. {every[0][:160]}"
    return line


def main(argv: list[str] | None = None) -> int:
    cli = parser(__doc__.splitlines()[0], repeat=1)
    cli.add_argument("--notebooks", type=int, default=20, help="notebooks in the class (default 20)")
    cli.set_defaults(warmup=0)
    args = cli.parse_args(argv)
    env = fake_aws_env()
    reaper = become_subreaper()  # what a graded run leaves running comes back here, to be killed
    floor = _machine_floor(env)
    print(f"machine floor (informational): 4 fresh `import sagemaker, xgboost, boto3` two at a time take "
          f"{floor:.3f}x the time of one at a time")
    floors: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as scratch:
        folder = _folder(Path(scratch), args.notebooks)
        base = [PYTHON, "-m", "pytest", str(LAB), "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                f"--lab-submission={folder}"]
        running: list[tuple[str, Path]] = []  # the run under way (or the one that failed) and its report
        # Per run: the processes it left running once it had exited (killed before the next run).
        leftovers: dict[str, list[list[str]]] = {"none-n0": [], "sandbox-n0": [], "sandbox-n2": []}

        def grade(name: str, workers: int, sandbox: str) -> Sample:
            report = Path(scratch) / f"report-{name}.json"
            report.unlink(missing_ok=True)  # a failed run's errors must not be read from an older report
            running[:] = [(name, report)]
            try:
                return time_command([*base, f"--lab-report={report}", "-n", str(workers),
                                     f"--lab-sandbox={sandbox}"], REPO_ROOT, env)
            finally:
                leftovers[name].append(reap_leftovers() if reaper else [])

        def unsandboxed() -> Sample:
            return grade("none-n0", 0, "none")

        def sandboxed() -> Sample:
            return grade("sandbox-n0", 0, "auto")

        def sandboxed_workers() -> Sample:
            floors.append(_machine_floor(env, pairs=1))  # the machine as this pair found it
            return grade("sandbox-n2", 2, "auto")

        try:
            sandbox_paired, workers_paired = alternate_chain(
                [unsandboxed, sandboxed, sandboxed_workers], args.repeat, args.warmup,
                None if args.quiet else "grading", names=["none -n 0", "sandbox -n 0", "sandbox -n 2"])
        except CommandFailed as exc:
            name, report = running[0]
            print(f"grading: FAILED ({name}), no measurement: {exc}")
            print(_errors(report))
            print(_leftover_line(leftovers, reaper))
            return 2
    label = f"grading {args.notebooks} notebooks at -n 0 in the sandbox (--lab-sandbox auto)"
    sandbox_line, sandbox_ok = verdict(label, "--lab-sandbox none", sandbox_paired, SANDBOX_TARGET)
    print(sandbox_line)
    print(cpu_line(label, "--lab-sandbox none", sandbox_paired)
          + " [the sandboxed side can miss its kernels' CPU: see bench/README.md]")
    per_measured = sandbox_paired.median("measured") / args.notebooks
    per_baseline = sandbox_paired.median("baseline") / args.notebooks
    print(f"{label} (informational, per notebook): {per_measured:.3f} s / --lab-sandbox none "
          f"{per_baseline:.3f} s, the sandbox adds {per_measured - per_baseline:+.3f} s a notebook")
    label = f"grading {args.notebooks} notebooks in the sandbox with -n 2"
    line, ok = verdict(label, "-n 0", workers_paired, TARGET)
    print(line)
    print(cpu_line(label, "-n 0", workers_paired))
    floors = floors[len(floors) - args.repeat:]  # those beside the timed pairs, not the warm-up's
    above = [ratio - floor for ratio, floor in zip(workers_paired.ratios(), floors, strict=True)]
    print(f"{label} (informational, against the machine): the floor measured beside each pair "
          f"{', '.join(f'{f:.3f}' for f in floors)}; ratio minus floor, median {statistics.median(above):+.3f}")
    print(_leftover_line(leftovers, reaper))
    return finish(sandbox_ok and ok, args.check)


if __name__ == "__main__":
    sys.exit(main())
