"""Target: the plugin installed but unused costs a plain pytest run at most 5%.

Baseline: ``python -m pytest <tmp> -q -p no:sagemaker_lab -p no:randomly -p no:cacheprovider`` on a
temporary folder of ~200 trivial tests (no lab). Measured: the same run with the plugin loaded.
Also reported: the plugin's import time (``-X importtime``) and any heavy module (boto3, botocore, moto,
sagemaker, xgboost, numpy) that importing the plugin, or a plain run with it, pulls in; there must be none.

    python bench/plugin_overhead.py [--repeat 7] [--check]
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import (
    PYTHON,
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

TARGET = 1.05
TESTS = 200
PLUGIN_MODULE = "pytest_sagemaker_lab.plugin"
HEAVY = ("boto3", "botocore", "moto", "sagemaker", "xgboost", "numpy")
COMMON_OPTIONS = ["-q", "-p", "no:randomly", "-p", "no:cacheprovider"]


def write_plain_tests(directory: Path) -> Path:
    lines = ['"""Trivial tests: a plain pytest run with no lab in it."""', ""]
    for index in range(TESTS):
        lines += ["", f"def test_trivial_{index:03d}():", f"    assert {index} + 1 == {index + 1}", ""]
    path = directory / "test_plain.py"
    path.write_text("\n".join(lines))
    return path


def importtime_us(statement: str, module: str, env: dict[str, str], cwd: Path) -> tuple[int, int]:
    """(self, cumulative) microseconds of ``module`` in ``python -X importtime -c statement``."""
    done = subprocess.run([PYTHON, "-X", "importtime", "-c", statement], cwd=cwd, env=env,
                          capture_output=True, text=True, check=True)
    pattern = re.compile(r"^import time:\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(.*)$")
    for line in done.stderr.splitlines():
        found = pattern.match(line)
        if found and found.group(3).strip() == module:
            return int(found.group(1)), int(found.group(2))
    raise RuntimeError(f"no importtime line for {module} in:\n{done.stderr[-2000:]}")


def heavy_after(code: str, env: dict[str, str], cwd: Path) -> list[str]:
    """The heavy top-level modules in sys.modules once ``code`` has run in a fresh process."""
    probe = (f"{code}\nimport json, sys\n"
             f"print('HEAVY=' + json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    done = subprocess.run([PYTHON, "-c", probe], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("HEAVY="):
            return json.loads(line.removeprefix("HEAVY="))
    raise RuntimeError(f"heavy-module probe failed (exit {done.returncode}):\n{done.stdout[-1500:]}"
                       f"{done.stderr[-1500:]}")


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__.splitlines()[0], repeat=7).parse_args(argv)
    env = fake_aws_env()
    all_ok = True
    with tempfile.TemporaryDirectory(prefix="bench-plugin-overhead-") as tmp:
        directory = Path(tmp)
        write_plain_tests(directory)
        without = [PYTHON, "-m", "pytest", str(directory), *COMMON_OPTIONS, "-p", "no:sagemaker_lab"]
        with_plugin = [PYTHON, "-m", "pytest", str(directory), *COMMON_OPTIONS]

        def baseline() -> Sample:
            return time_command(without, directory, env)

        def measured() -> Sample:
            return time_command(with_plugin, directory, env)

        try:
            paired = alternate(baseline, measured, args.repeat, args.warmup,
                               None if args.quiet else "plugin overhead")
        except CommandFailed as exc:
            print(f"plugin overhead: FAILED, no measurement: {exc}")
            return 2
        label = f"plain pytest, {TESTS} tests, plugin loaded"
        line, ok = verdict(label, "plugin disabled", paired, TARGET)
        print(line)
        print(cpu_line(label, "plugin disabled", paired))
        fastest_with = min(sample.wall for sample in paired.measured)
        fastest_without = min(sample.wall for sample in paired.baseline)
        print(f"{label} (informational, fastest runs, the least noise-sensitive view of a fixed cost): "
              f"{fastest_with:.3f} s / plugin disabled {fastest_without:.3f} s = "
              f"ratio {fastest_with / fastest_without:.3f}")
        all_ok &= ok

        # Informational: the plugin's import, alone and as pytest sees it (pytest already imported).
        importtime_us(f"import {PLUGIN_MODULE}", PLUGIN_MODULE, env, directory)  # warm the .pyc files
        _, cold = importtime_us(f"import {PLUGIN_MODULE}", PLUGIN_MODULE, env, directory)
        _, warm = importtime_us(f"import pytest; import {PLUGIN_MODULE}", PLUGIN_MODULE, env, directory)
        print(f"plugin import (informational): {PLUGIN_MODULE} cumulative {cold} us "
              f"({warm} us with pytest already imported, as in a pytest run)")

        # Heavy modules: importing the plugin, and a whole plain run with it (minus what the run
        # pulls in with the plugin disabled, which is not the plugin's doing).
        on_import = heavy_after(f"import {PLUGIN_MODULE}", env, directory)
        run_code = "import pytest\nrc = pytest.main({args!r})\nassert rc == 0, rc"
        in_run = heavy_after(run_code.format(args=[str(directory), *COMMON_OPTIONS]), env, directory)
        in_run_without = heavy_after(run_code.format(args=[str(directory), *COMMON_OPTIONS, "-p", "no:sagemaker_lab"]),
                                     env, directory)
        added_by_run = sorted(set(in_run) - set(in_run_without))
        heavy_ok = not on_import and not added_by_run
        print(f"heavy modules pulled in by the plugin (target: none): on import "
              f"{', '.join(on_import) or 'none'}; in a plain run {', '.join(added_by_run) or 'none'}: "
              f"{'OK' if heavy_ok else 'MISSED'}")
        all_ok &= heavy_ok
    return finish(all_ok, args.check)


if __name__ == "__main__":
    sys.exit(main())
