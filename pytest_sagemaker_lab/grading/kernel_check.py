"""What a kernel lacks for a lab: ``pytest LAB --lab-kernel-check [--lab-kernel NAME]``, and the self-test.

A lab needs, in the interpreter of the kernel its submissions run in:

- the requirements of its lab.toml's ``[kernel] requires`` (pip requirement strings), checked with
  ``packaging`` against the versions ``importlib.metadata`` finds there (markers evaluated there too);
- every top-level module its reference and starter notebooks import (read with ``ast``, not run; the
  standard library left out), importable there;
- what the grader itself needs of every kernel: ``threadpoolctl``, with which the evidence process
  reads xgboost's OpenMP threads. (ipykernel and the Python version are checked at start: without
  them no submission runs at all; see ``kernelspecs``.)

The kernel's interpreter is asked, isolated (``python -I``); it is the course's environment, not a
learner's code, so it is asked outside any sandbox. See docs/facts/jupyter-kernels.md.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GRADER = "the grader"  # the name the grader's own needs are listed under
# The grader's own needs of any kernel, with why.
GRADER_REQUIRES = {"threadpoolctl": "the grader reads xgboost's OpenMP threads with it"}
# Modules whose distribution has another name, for the fix when the grader has neither installed. # inferred
# (each project's PyPI page names its import package)
DISTRIBUTION_OF = {"sklearn": "scikit-learn", "PIL": "pillow", "yaml": "pyyaml", "cv2": "opencv-python",
                   "bs4": "beautifulsoup4", "skimage": "scikit-image", "dateutil": "python-dateutil"}

# Run by the kernel's interpreter: what it has of each distribution and module, and its marker
# environment (packaging.markers.default_environment, computed there with the standard library only).
ASK = """
import importlib.metadata as metadata, importlib.util, json, os, platform, sys
ask = json.loads(sys.argv[1])
def version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
def importable(name):
    if name in sys.stdlib_module_names:
        return "stdlib"
    try:
        return "yes" if importlib.util.find_spec(name) is not None else "no"
    except (ImportError, ValueError):
        return "no"
def full(info):
    text = f"{info.major}.{info.minor}.{info.micro}"
    return text + (info.releaselevel[0] + str(info.serial) if info.releaselevel != "final" else "")
markers = {
    "implementation_name": sys.implementation.name, "implementation_version": full(sys.implementation.version),
    "os_name": os.name, "platform_machine": platform.machine(), "platform_release": platform.release(),
    "platform_system": platform.system(), "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "platform_python_implementation": platform.python_implementation(),
    "python_version": ".".join(platform.python_version_tuple()[:2]), "sys_platform": sys.platform}
print(json.dumps({"distributions": {name: version(name) for name in ask["distributions"]},
                  "modules": {name: importable(name) for name in ask["modules"]}, "markers": markers}))
"""


@dataclass(frozen=True)
class Need:
    """One thing a lab needs of the kernel: a pip requirement, or a module its notebooks import."""

    name: str  # "xgboost>=1.2", or a module: "sklearn"
    why: str  # "lab.toml [kernel] requires it", "starter.ipynb imports it"
    module: bool = False


@dataclass(frozen=True)
class Lack:
    need: Need
    found: str  # what the kernel has instead: "not installed", "1.0.2 is installed", "not importable"
    fix: str  # the command that installs it

    def line(self) -> str:
        what = f"module {self.need.name}" if self.need.module else self.need.name
        return f"lacks {what}: {self.found} ({self.need.why}). Fix: {self.fix}"


@dataclass
class LabCheck:
    lab: str  # the lab's id, or GRADER for the grader's own needs
    needs: list[Need]
    lacks: list[Lack] = field(default_factory=list)

    def lines(self) -> list[str]:
        if self.lacks:
            return [f"{self.lab}: {lack.line()}" for lack in self.lacks]
        requirements = [need.name for need in self.needs if not need.module]
        modules = [need.name for need in self.needs if need.module]
        listed = "; ".join(part for part in (", ".join(requirements),
                                             f"modules {', '.join(modules)}" if modules else "") if part)
        whom = GRADER if self.lab == GRADER else "this lab"
        return [f"{self.lab}: the kernel has everything {whom} needs ({listed or 'nothing'})"]


# -- what a lab needs --------------------------------------------------------------------------------
def notebook_code(path: Path) -> list[str]:
    """The code cells of a notebook, or of a .py file in the percent format."""
    if path.suffix == ".ipynb":
        document = json.loads(path.read_text(encoding="utf-8"))
        return ["".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                for cell in document.get("cells", []) if cell.get("cell_type") == "code"]
    from ..drivers import percent_to_notebook

    return [cell.source for cell in percent_to_notebook(path).cells if cell.cell_type == "code"]


def imported_modules(cells: list[str]) -> list[str]:
    """The top-level modules the cells import (``import a.b``, ``from a import b``; anywhere in a cell,
    IPython syntax turned into Python first), in the order they first appear. A cell that is not Python
    (a starter's blank such as ``<your code>``) is passed over."""
    import ast

    from .evidence import python_source

    found: dict[str, None] = {}
    for cell in cells:
        try:
            tree = ast.parse(python_source([cell]))
        except (SyntaxError, ValueError):
            continue
        imports = [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)]
        for node in sorted(imports, key=lambda node: (node.lineno, node.col_offset)):
            if isinstance(node, ast.Import):
                found.update({alias.name.split(".")[0]: None for alias in node.names})
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found[node.module.split(".")[0]] = None
    return list(found)


def lab_notebooks(spec: Any) -> list[Path]:
    """The lab's reference solutions and its starter, as notebooks where there are (else their .py)."""
    paths = []
    for name in [*dict.fromkeys(spec.solutions.values()), "starter.ipynb"]:
        path = spec.directory / name
        notebook = path.with_suffix(".ipynb")
        for candidate in (notebook, path.with_suffix(".py")):
            if candidate.is_file():
                paths.append(candidate)
                break
    return paths


def lab_needs(spec: Any) -> list[Need]:
    needs = [Need(requirement, "lab.toml [kernel] requires it") for requirement in spec.kernel_requires]
    modules: dict[str, str] = {}
    for path in lab_notebooks(spec):
        for module in imported_modules(notebook_code(path)):
            modules.setdefault(module, path.name)
    needs += [Need(module, f"{where} imports it", module=True) for module, where in modules.items()]
    return needs


def grader_needs() -> list[Need]:
    return [Need(name, why) for name, why in GRADER_REQUIRES.items()]


# -- what the kernel has -----------------------------------------------------------------------------
def ask_kernel(python: str, distributions: list[str], modules: list[str]) -> dict[str, Any]:
    """What ``python`` has of each distribution (its version, or None) and module ("yes", "no",
    "stdlib"), and its marker environment."""
    done = subprocess.run([python, "-I", "-c", ASK, json.dumps({"distributions": distributions, "modules": modules})],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, cwd="/",
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{python} could not be asked what it has: {(done.stderr or done.stdout).strip()[-500:]}")
    return json.loads(done.stdout)


def distribution_for(module: str) -> str:
    """The distribution to install for ``module``: as the grader's environment knows it, else a known
    name, else the module's own."""
    import importlib.metadata

    known = importlib.metadata.packages_distributions().get(module)
    return known[0] if known else DISTRIBUTION_OF.get(module, module)


def _install(python: str, what: str) -> str:
    return f"{shlex.quote(python)} -m pip install {shlex.quote(what)}"


def find_lacks(python: str, needs: list[Need], has: dict[str, Any]) -> list[Lack]:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion

    lacks: list[Lack] = []
    lacking: set[str] = set()
    for need in needs:
        if need.module:
            continue
        requirement = Requirement(need.name)
        if requirement.marker is not None and not requirement.marker.evaluate(has["markers"]):
            continue  # not needed where the kernel runs
        installed = has["distributions"].get(requirement.name)
        fix = _install(python, need.name)
        if installed is None:
            found = "not installed"
        else:
            try:
                if requirement.specifier.contains(installed, prereleases=True):
                    continue
                found = f"{installed} is installed"
            except InvalidVersion:
                found = f"{installed} is installed, a version pip cannot compare"
        lacking.add(canonicalize_name(requirement.name))
        lacks.append(Lack(need, found, fix))
    for need in needs:
        if not need.module or has["modules"].get(need.name) != "no":
            continue
        distribution = distribution_for(need.name)
        if canonicalize_name(distribution) in lacking:
            continue  # said already, as the requirement that brings it
        lacks.append(Lack(need, "not importable", _install(python, distribution)))
    return lacks


# -- the check -----------------------------------------------------------------------------------------
def check(kernel: Any, specs: list[Any]) -> list[LabCheck]:
    """What ``kernel`` (a ``kernelspecs.Kernel``) lacks: for the grader, then for each lab of ``specs``."""
    from packaging.requirements import Requirement

    checks = [LabCheck(GRADER, grader_needs())] + [LabCheck(spec.id, lab_needs(spec)) for spec in specs]
    needs = [need for lab in checks for need in lab.needs]
    distributions = sorted({Requirement(need.name).name for need in needs if not need.module})
    modules = sorted({need.name for need in needs if need.module})
    has = ask_kernel(kernel.python, distributions, modules)
    for lab in checks:
        lab.needs = [need for need in lab.needs if not (need.module and has["modules"].get(need.name) == "stdlib")]
        lab.lacks = find_lacks(kernel.python, lab.needs, has)
    return checks


def report(kernel: Any, specs: list[Any]) -> tuple[bool, list[str]]:
    """Whether ``kernel`` has everything the labs need, and the lines that say so: one per lacking thing
    with its fix, one per lab that lacks nothing, and a last one for all."""
    checks = check(kernel, specs)
    lines = [f"sagemaker-lab kernel check: {kernel.describe()}"]
    for lab in checks:
        lines += lab.lines()
    count = sum(len(lab.lacks) for lab in checks)
    if count:
        labs = [lab.lab for lab in checks if lab.lacks]
        lines.append(f"sagemaker-lab kernel check: kernel {kernel.name} lacks {count} thing(s), for "
                     f"{', '.join(labs)}; install them and check again")
    else:
        lines.append(f"sagemaker-lab kernel check: kernel {kernel.name} has everything the grader and "
                     f"{', '.join(spec.id for spec in specs) or 'no lab'} need")
    return count == 0, lines


def stop_after_check(config: Any, kernel: Any, specs: list[Any]) -> None:
    """--lab-kernel-check: print the check for the labs of the run, then end it before anything is graded:
    exit status 0 when the kernel lacks nothing, 1 otherwise."""
    import pytest

    ok, lines = report(kernel, specs)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    for line in lines:
        if reporter is not None:
            reporter.write_line(line, red=line.split(": ", 1)[-1].startswith("lacks"))
        else:
            print(line)
    verdict = "the kernel has everything" if ok else "the kernel lacks something"
    pytest.exit(f"--lab-kernel-check: {verdict}; nothing was graded",
                returncode=pytest.ExitCode.OK if ok else pytest.ExitCode.TESTS_FAILED)
