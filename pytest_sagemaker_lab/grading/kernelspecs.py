"""Which Jupyter kernel learners' submissions run in: the grader's own (kernelspec ``python3``), or the
course's environment named with ``--lab-kernel NAME``.

A kernel is found as Jupyter finds it (jupyter_client's KernelSpecManager: ``JUPYTER_PATH``, the
environment's ``share/jupyter/kernels``, the user's, the system's), and must be a Python ipykernel:
the grader needs its interpreter (``argv[0]``), whose prefixes and ``sys.path`` the sandbox binds
read-only, and which also runs the submission's bridge and its evidence process. Everything wrong
with a kernel is said at start, before a class is graded. See docs/facts/jupyter-kernels.md.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from dataclasses import dataclass

DEFAULT = "python3"  # the grader's own environment, as Jupyter names the kernel ipykernel installs
MINIMUM_PYTHON = (3, 10)  # the plugin's code runs beside every submission (bootstrap, bridge, evidence)
# What the grader sets for every submission (its bootstrap, HOME, the AWS world): a kernelspec's env,
# which jupyter_client applies over the environment it is given, may not change these.
GRADER_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "PYTHONNOUSERSITE", "PYTHONSTARTUP", "HOME")
GRADER_PREFIXES = ("AWS_", "SAGEMAKER_LAB_")
HOW_TO_MAKE = ("make one with '/path/to/env/bin/python -m ipykernel install --name NAME --prefix /path/to/env' "
               "and add /path/to/env/share/jupyter to JUPYTER_PATH (see the README, 'The course's kernel')")


class KernelError(Exception):
    """The kernel named cannot run submissions; the message says why and how to fix it."""


@dataclass(frozen=True)
class Kernel:
    name: str
    python: str  # the interpreter the kernel runs (its argv[0], as jupyter_client starts it)
    version: str  # that interpreter's Python version
    display_name: str
    chosen: bool  # named with --lab-kernel (else the default)

    def describe(self) -> str:
        whose = "the course's environment" if self.chosen else "the grader's own environment"
        return f"kernel {self.name} ({whose}): {self.python}, Python {self.version}"


def _manager():
    from jupyter_client.kernelspec import KernelSpecManager

    return KernelSpecManager()


def available() -> dict[str, str]:
    """The kernels Jupyter finds here: name -> resource folder."""
    return dict(sorted(_manager().find_kernel_specs().items()))


def _unknown(name: str, where: str) -> KernelError:
    listed = ", ".join(f"{kernel} ({folder})" for kernel, folder in available().items()) or "none"
    return KernelError(f"{where}: Jupyter knows no kernel named {name!r}. The kernels here are: {listed}. "
                       f"Name one of them, or {HOW_TO_MAKE}.")


def interpreter_of(argv: list[str]) -> str | None:
    """The Python interpreter of an ipykernel's argv, as jupyter_client starts it, or None when the
    argv does not start an ipykernel (``-m ipykernel_launcher`` or ``-m ipykernel``)."""
    modules = [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "-m"]
    if not argv or not modules or modules[0] not in ("ipykernel_launcher", "ipykernel"):
        return None
    # jupyter_client runs its own interpreter for these names (KernelManager.format_kernel_cmd).
    if argv[0] in {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])}:
        return sys.executable
    return argv[0]


def _ask(python: str) -> dict[str, object]:
    """The interpreter's version and whether it has ipykernel, asked of it (isolated)."""
    code = ("import importlib.util, json, platform, sys\n"
            "print(json.dumps({'version': platform.python_version(), 'info': list(sys.version_info[:2]),"
            " 'ipykernel': importlib.util.find_spec('ipykernel_launcher') is not None}))\n")
    done = subprocess.run([python, "-I", "-c", code], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, check=False)
    if done.returncode != 0:
        raise KernelError(f"its interpreter {python} does not run: {(done.stderr or done.stdout).strip()[-500:]}")
    return json.loads(done.stdout)


@functools.cache
def resolve(name: str | None, where: str | None = None) -> Kernel:
    """The kernel submissions run in: ``name``'s, or the default's when None. KernelError when it cannot
    run them, naming the kernels there are or the fix; ``where`` says where the name came from
    ("--lab-kernel course", "SAGEMAKER_LAB_KERNEL=course")."""
    from jupyter_client.kernelspec import NoSuchKernel

    wanted = name or DEFAULT
    where = where or (f"--lab-kernel {name}" if name else "the default kernel")
    try:
        spec = _manager().get_kernel_spec(wanted)
    except NoSuchKernel:
        raise _unknown(wanted, where) from None
    where = f"{where} ({os.path.join(spec.resource_dir, 'kernel.json')})"
    python = interpreter_of(list(spec.argv))
    if spec.language.lower() != "python" or python is None:
        raise KernelError(f"{where}: its argv {spec.argv} does not start a Python ipykernel ('<python> -m "
                          f"ipykernel_launcher -f {{connection_file}}'); the grader runs submissions in an "
                          f"ipykernel only: {HOW_TO_MAKE}")
    if not os.path.isabs(python) or not os.access(python, os.X_OK):
        raise KernelError(f"{where}: its interpreter {python} is not an executable file given by its full path; "
                          f"{HOW_TO_MAKE}")
    clashes = [variable for variable in spec.env
               if variable in GRADER_VARIABLES or variable.startswith(GRADER_PREFIXES)]
    if clashes:
        raise KernelError(f"{where}: its env sets {', '.join(clashes)}, which the grader sets for every "
                          "submission (its bootstrap, its HOME, its AWS world): remove them from kernel.json")
    try:
        found = _ask(python)
    except KernelError as exc:
        raise KernelError(f"{where}: {exc}") from None
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        raise KernelError(f"{where}: its interpreter {python} could not be asked what it is: {exc}") from None
    if tuple(found["info"]) < MINIMUM_PYTHON:  # type: ignore[arg-type]
        raise KernelError(f"{where}: its interpreter is Python {found['version']}; the grader's code that runs "
                          f"beside each submission needs Python {'.'.join(map(str, MINIMUM_PYTHON))} or newer: "
                          "make the course's environment with a newer Python")
    if not found["ipykernel"]:
        raise KernelError(f"{where}: ipykernel is not installed in {python}: '{python} -m pip install ipykernel'")
    return Kernel(name=wanted, python=python, version=str(found["version"]), display_name=spec.display_name,
                  chosen=name is not None)
