"""Shared helpers for the benchmark scripts: timing, alternation, medians and the verdict line.

Every benchmark compares a measured run against a baseline measured in the same script run, so the
targets are ratios and hold on any machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def fake_aws_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every benchmark process gets: fake credentials, no SDK v2 banner, no real AWS."""
    env = dict(os.environ if base is None else base)
    env.update({
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "SAGEMAKER_SUPPRESS_V2_WARNING": "1",
    })
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "PYTEST_ADDOPTS",
                 "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_PLUGINS"):
        env.pop(name, None)
    return env


class CommandFailed(RuntimeError):
    def __init__(self, command: Sequence[str], returncode: int, output: str) -> None:
        tail = "\n".join(output.splitlines()[-30:])
        super().__init__(f"{' '.join(command)} exited {returncode}; last lines of its output:\n{tail}")
        self.returncode = returncode


@dataclass(frozen=True)
class Sample:
    """One timed run: wall seconds, and CPU seconds (user + system, every thread) of the timed work."""

    wall: float
    cpu: float


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_command(command: Sequence[str], cwd: Path, env: dict[str, str]) -> Sample:
    """Wall and CPU time of a fresh process; raises CommandFailed if it does not exit 0."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(list(command), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False)
    wall = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    if done.returncode != 0:
        raise CommandFailed(command, done.returncode, done.stdout)
    return Sample(wall, cpu)


def become_subreaper() -> bool:
    """Make this process the reaper of its orphaned descendants (Linux): a process a timed command
    started and left running when it exited comes back to this script instead of to init, where
    ``reap_leftovers`` finds it. False where that cannot be had."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _children() -> dict[int, str]:
    """This process's child processes now: pid -> command line (zombies included)."""
    found: dict[int, str] = {}
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # The parent's pid is the 2nd field after the command, which sits in parentheses.
            if int(stat[stat.rindex(")") + 2:].split()[1]) != me:
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, ValueError, IndexError):
            continue
        found[int(entry.name)] = cmdline or stat[stat.index("(") : stat.rindex(")") + 1]
    return found


def reap_leftovers(settle: float = 5.0) -> list[str]:
    """After a timed command exited (with ``become_subreaper`` in effect): the processes it left running,
    killed (by pid) and reaped; their command lines. Untimed: call it outside ``time_command``."""
    import signal

    leftovers: dict[int, str] = {}
    deadline = time.monotonic() + settle
    while True:
        children = _children()
        for pid, cmdline in children.items():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            if pid not in leftovers and not cmdline.startswith("("):  # a zombie has no command line left
                leftovers[pid] = cmdline
        while True:  # reap what has ended, this script's orphans included
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
        if not children or time.monotonic() > deadline:
            return list(leftovers.values())
        time.sleep(0.05)  # killed sandboxes hand their own processes on to this script as they die


def time_call(function: Callable[[], object]) -> Sample:
    """Wall and process CPU time (all threads) of an in-process call."""
    cpu_before = time.process_time()
    started = time.perf_counter()
    function()
    return Sample(time.perf_counter() - started, time.process_time() - cpu_before)


@dataclass
class Paired:
    """Alternated baseline/measured samples. The ratio is the median of the per-pair ratios (each pair
    ran back to back, so slow drifts of the machine cancel out); the times shown are plain medians."""

    baseline: list[Sample]
    measured: list[Sample]

    def median(self, side: str, kind: str = "wall") -> float:
        return statistics.median(getattr(sample, kind) for sample in getattr(self, side))

    def ratios(self, kind: str = "wall") -> list[float]:
        return [getattr(m, kind) / getattr(b, kind) for m, b in zip(self.measured, self.baseline, strict=True)]

    def middle(self, kind: str = "wall") -> tuple[float, float]:
        """The middle half of the per-pair ratios (quartiles), or their whole range for fewer than 4 pairs."""
        ratios = sorted(self.ratios(kind))
        if len(ratios) < 4:
            return ratios[0], ratios[-1]
        quartiles = statistics.quantiles(ratios, n=4)
        return quartiles[0], quartiles[2]

    def ratio(self, kind: str = "wall") -> float:
        return statistics.median(self.ratios(kind))


def alternate(baseline: Callable[[], Sample], measured: Callable[[], Sample], repeat: int, warmup: int = 1,
              progress: str | None = None) -> Paired:
    """Run ``warmup`` untimed pairs, then ``repeat`` timed pairs, swapping the order every pair so
    neither side always runs first (on a warmer or a cooler machine)."""
    return alternate_chain([baseline, measured], repeat, warmup, progress)[0]


def alternate_chain(runs: Sequence[Callable[[], Sample]], repeat: int, warmup: int = 1,
                    progress: str | None = None, names: Sequence[str] | None = None) -> list[Paired]:
    """``alternate`` for more than two runs that chain: ``runs[i]`` is the baseline of ``runs[i + 1]``.

    Each repetition runs them all back to back, in order and then reversed every other repetition, so
    every neighbouring two form a pair that ran back to back with its order swapped every pair, as in
    ``alternate``. Returns one ``Paired`` per neighbouring two: ``(runs[0], runs[1])``, ``(runs[1], runs[2])``...
    A middle run is timed once and serves both of its pairs."""
    if names is None:
        names = ["baseline", "measured"] if len(runs) == 2 else [f"run {index}" for index in range(len(runs))]
    for _ in range(warmup):
        for run in runs:
            run()
    samples: list[list[Sample]] = [[] for _ in runs]
    for index in range(repeat):
        order = range(len(runs)) if index % 2 == 0 else reversed(range(len(runs)))
        taken: dict[int, Sample] = {}
        for position in order:
            taken[position] = runs[position]()
        for position, sample in taken.items():
            samples[position].append(sample)
        if progress:
            times = ", ".join(f"{names[position]} {taken[position].wall:.3f} s (cpu {taken[position].cpu:.3f})"
                              for position in range(len(runs)))
            ratios = ", ".join(f"{taken[position + 1].wall / taken[position].wall:.3f}"
                               for position in range(len(runs) - 1))
            print(f"  [{progress} {index + 1}/{repeat}] {times}, ratio{'s' if len(runs) > 2 else ''} {ratios}",
                  file=sys.stderr, flush=True)
    return [Paired(samples[position], samples[position + 1]) for position in range(len(runs) - 1)]


def verdict(label: str, base_label: str, paired: Paired, target: float) -> tuple[str, bool]:
    """``label: 6.1 s / base 4.3 s = ratio 1.42 (target <= 1.5): OK`` on wall time, and whether it holds."""
    ratio = paired.ratio("wall")
    ok = ratio <= target
    line = (f"{label}: {paired.median('measured'):.3f} s / {base_label} {paired.median('baseline'):.3f} s = "
            f"ratio {ratio:.3f} (target <= {target:g}; wall, medians of {len(paired.measured)} alternated pairs, "
            f"ratio = median of per-pair ratios): {'OK' if ok else 'MISSED'}")
    low, high = paired.middle()
    if low <= target < high:
        spans = "range" if len(paired.measured) < 4 else "middle half"
        line += (f" [inconclusive: the per-pair ratios' {spans} {low:.3f}-{high:.3f} straddles the target; "
                 "rerun on an idle machine or with a larger --repeat]")
    return line, ok


def cpu_line(label: str, base_label: str, paired: Paired) -> str:
    """The same comparison on CPU seconds: informational, and less sensitive to other load on the machine."""
    return (f"{label} (informational, CPU time): {paired.median('measured', 'cpu'):.3f} s / {base_label} "
            f"{paired.median('baseline', 'cpu'):.3f} s = ratio {paired.ratio('cpu'):.3f}")


def parser(description: str, repeat: int) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--repeat", type=int, default=repeat, help=f"timed baseline/measured pairs (default {repeat})")
    p.add_argument("--warmup", type=int, default=1, help="untimed pairs run first (default 1)")
    p.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--quiet", action="store_true", help="no per-repetition progress on stderr")
    return p


def finish(all_ok: bool, check: bool) -> int:
    return 1 if check and not all_ok else 0


def time_on_worker(function: Callable[[], object], on_main_thread: bool = False, name: str = "bench-direct") -> Sample:
    """Time ``function`` on a worker thread, as an emulated job runs its work (or on the main thread)."""
    if on_main_thread:
        return time_call(function)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            function()
        except BaseException as exc:
            errors.append(exc)

    def on_worker() -> None:
        thread = threading.Thread(target=worker, name=name)
        thread.start()
        thread.join()
        if errors:
            raise errors[0]

    return time_call(on_worker)
