"""Target: `pytest lab_steps` offline (every stage, real training) takes at most 1.5x importing its dependencies.

Baseline: a fresh ``python -c "import pytest, sagemaker, moto, xgboost"``.
Measured: a fresh ``python -m pytest lab_steps -q -p no:randomly -p no:cacheprovider`` from the repository root.
Both get the same environment (fake AWS credentials, SAGEMAKER_SUPPRESS_V2_WARNING=1).

    python bench/offline_lab.py [--repeat 3] [--check]
"""

from __future__ import annotations

import sys

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

TARGET = 1.5
IMPORTS = [PYTHON, "-c", "import pytest, sagemaker, moto, xgboost"]
LAB = [PYTHON, "-m", "pytest", "lab_steps", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__.splitlines()[0], repeat=3).parse_args(argv)
    env = fake_aws_env()

    def baseline() -> Sample:
        return time_command(IMPORTS, REPO_ROOT, env)

    def measured() -> Sample:
        return time_command(LAB, REPO_ROOT, env)

    try:
        paired = alternate(baseline, measured, args.repeat, args.warmup, None if args.quiet else "offline lab")
    except CommandFailed as exc:
        print(f"offline lab: FAILED, no measurement: {exc}")
        return 2
    line, ok = verdict("offline lab", "imports", paired, TARGET)
    print(line)
    print(cpu_line("offline lab", "imports", paired))
    return finish(ok, args.check)


if __name__ == "__main__":
    sys.exit(main())
