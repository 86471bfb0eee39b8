"""Target: each lab offline (every stage, real training) takes at most 1.5x importing its dependencies.

Baseline: a fresh ``python -c "import pytest, sagemaker, moto, xgboost"``.
Measured: a fresh ``python -m pytest <lab> -q -p no:randomly -p no:cacheprovider`` from the repository root,
for Lab 4.1 and Lab 4.1-evaluate (which also trains Lab 4.1's job to start from, then transforms), or the
labs named with ``--lab``. Both get the same environment (fake AWS credentials, SAGEMAKER_SUPPRESS_V2_WARNING=1).

    python bench/offline_lab.py [--repeat 3] [--check] [--lab lab_steps/lab4_1_tuning ...]
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
LABS = ["lab_steps/lab4_1", "lab_steps/lab4_1_evaluate"]


def main(argv: list[str] | None = None) -> int:
    options = parser(__doc__.splitlines()[0], repeat=3)
    options.add_argument("--lab", action="append", help="a lab folder to time (default: Lab 4.1 and Lab 4.1-evaluate)")
    args = options.parse_args(argv)
    env = fake_aws_env()
    all_ok = True
    for lab in args.lab or LABS:
        label = f"offline {lab.rstrip('/').rsplit('/', 1)[-1]}"
        command = [PYTHON, "-m", "pytest", lab, "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]

        def baseline() -> Sample:
            return time_command(IMPORTS, REPO_ROOT, env)

        def measured(command: list[str] = command) -> Sample:
            return time_command(command, REPO_ROOT, env)

        try:
            paired = alternate(baseline, measured, args.repeat, args.warmup, None if args.quiet else label)
        except CommandFailed as exc:
            print(f"{label}: FAILED, no measurement: {exc}")
            return 2
        line, ok = verdict(label, "imports", paired, TARGET)
        all_ok &= ok
        print(line)
        print(cpu_line(label, "imports", paired))
    return finish(all_ok, args.check)


if __name__ == "__main__":
    sys.exit(main())
