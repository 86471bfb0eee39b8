"""Shared helpers for the benchmark scripts: timing, alternation, medians and the verdict line.

Every benchmark compares a measured run against a baseline measured in the same script run, so the
targets are ratios and hold on any machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
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


def time_command(command: Sequence[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall time in seconds of a fresh process; raises CommandFailed if it does not exit 0."""
    started = time.perf_counter()
    done = subprocess.run(list(command), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise CommandFailed(command, done.returncode, done.stdout)
    return elapsed


@dataclass
class Paired:
    """Alternated baseline/measured timings; the ratio is the median of the per-pair ratios."""

    baseline: list[float]
    measured: list[float]

    @property
    def baseline_median(self) -> float:
        return statistics.median(self.baseline)

    @property
    def measured_median(self) -> float:
        return statistics.median(self.measured)

    @property
    def ratio(self) -> float:
        return statistics.median(m / b for m, b in zip(self.measured, self.baseline, strict=True))


def alternate(baseline: Callable[[], float], measured: Callable[[], float], repeat: int, warmup: int = 1,
              progress: str | None = None) -> Paired:
    """Run ``warmup`` untimed pairs, then ``repeat`` timed pairs, swapping the order every pair so
    neither side always runs first (on a warmer or a cooler machine)."""
    for _ in range(warmup):
        baseline()
        measured()
    result = Paired([], [])
    for index in range(repeat):
        if index % 2 == 0:
            b = baseline()
            m = measured()
        else:
            m = measured()
            b = baseline()
        result.baseline.append(b)
        result.measured.append(m)
        if progress:
            print(f"  [{progress} {index + 1}/{repeat}] baseline {b:.3f} s, measured {m:.3f} s, "
                  f"ratio {m / b:.3f}", file=sys.stderr, flush=True)
    return result


def verdict(label: str, base_label: str, paired: Paired, target: float) -> tuple[str, bool]:
    """``label: 6.1 s / base 4.3 s = ratio 1.42 (target <= 1.5): OK`` and whether the target holds."""
    ok = paired.ratio <= target
    line = (f"{label}: {paired.measured_median:.3f} s / {base_label} {paired.baseline_median:.3f} s = "
            f"ratio {paired.ratio:.3f} (target <= {target:g}; median of {len(paired.measured)} paired runs): "
            f"{'OK' if ok else 'MISSED'}")
    return line, ok


def parser(description: str, repeat: int) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--repeat", type=int, default=repeat, help=f"timed baseline/measured pairs (default {repeat})")
    p.add_argument("--warmup", type=int, default=1, help="untimed pairs run first (default 1)")
    p.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--quiet", action="store_true", help="no per-repetition progress on stderr")
    return p


def finish(all_ok: bool, check: bool) -> int:
    return 1 if check and not all_ok else 0
