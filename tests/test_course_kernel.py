"""The course's kernel (--lab-kernel NAME) and the kernel check (--lab-kernel-check).

Made for real, without network: a course environment is a venv (``--without-pip``) whose site-packages
holds a ``.pth`` line pointing at the grader's site-packages plus one module only it has
(``course_extra``), registered as the kernel ``course`` with ``ipykernel install --prefix`` in a
``JUPYTER_PATH`` of the tests' own. A second venv, ``lacking``, has every package of the grader's but
xgboost. Neither has the plugin installed: what the grader runs in them (the bootstrap, the bridge, the
evidence process) comes from the plugin's own folder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from pytest_sagemaker_lab.grading import kernel_check, kernelspecs
from pytest_sagemaker_lab.grading.environment import STARTUP, child_environment
from pytest_sagemaker_lab.grading.evidence import EvidenceProcess, command
from pytest_sagemaker_lab.grading.runners import Confinement
from pytest_sagemaker_lab.grading.sandbox import EVIDENCE_UID_BASE, HOME_INSIDE, Sandbox, find_bwrap, worker_uid
from pytest_sagemaker_lab.spec import SpecError, load_spec

from .conftest import LAB41, SDK_MAJOR, LabCopy, grade_class, needs_sdk2

REPOSITORY = LAB41.parent.parent
GRADER_SITE = Path(sysconfig.get_path("purelib"))
REFERENCE = LAB41 / f"solution_sdk{SDK_MAJOR}.ipynb"
FULL_MARKS = 7


@dataclass(frozen=True)
class CourseKernels:
    jupyter_path: Path  # JUPYTER_PATH: the kernels course and lacking
    course: Path  # the course kernel's interpreter
    lacking: Path  # the interpreter of a kernel without xgboost


def _venv(root: Path, name: str) -> tuple[Path, Path]:
    """A venv without pip (no network needed): its interpreter and its site-packages."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / name)], check=True)
    python = root / name / "bin" / "python"
    site = subprocess.run([str(python), "-I", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    return python, Path(site)


def _register(python: Path, jupyter: Path, name: str) -> None:
    subprocess.run([str(python), "-m", "ipykernel", "install", "--prefix", str(jupyter), "--name", name,
                    "--display-name", f"Course ({name})"], check=True, capture_output=True)


@pytest.fixture(scope="module")
def kernels(tmp_path_factory: pytest.TempPathFactory) -> CourseKernels:
    root = tmp_path_factory.mktemp("course-kernels")
    jupyter = root / "jupyter"
    course, course_site = _venv(root, "course-env")
    (course_site / "grader.pth").write_text(f"{GRADER_SITE}\n", encoding="utf-8")
    (course_site / "course_extra.py").write_text("MARK = 'only the course has me'\n", encoding="utf-8")
    _register(course, jupyter, "course")
    lacking, lacking_site = _venv(root, "lacking-env")
    for entry in GRADER_SITE.iterdir():  # everything of the grader's but xgboost (and no .pth to run)
        if not entry.name.startswith(("xgboost", "__editable__")) and entry.suffix != ".pth":
            (lacking_site / entry.name).symlink_to(entry)
    _register(lacking, jupyter, "lacking")
    return CourseKernels(jupyter_path=jupyter / "share" / "jupyter", course=course, lacking=lacking)


@pytest.fixture(autouse=True)
def _course_jupyter_path(kernels: CourseKernels, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_PATH", str(kernels.jupyter_path))
    for name in ("SAGEMAKER_LAB_KERNEL", "SAGEMAKER_LAB_KERNEL_CHECK"):
        monkeypatch.delenv(name, raising=False)
    kernelspecs.resolve.cache_clear()


def _notebook(folder: Path, name: str, first_cells: list[str], base: Path | None = REFERENCE) -> Path:
    nb = nbformat.read(base, as_version=4) if base else nbformat.v4.new_notebook()
    nb.cells[0:0] = [nbformat.v4.new_code_cell(source) for source in first_cells]
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _printed(pytester: pytest.Pytester, name: str) -> str:
    """What the cells of a graded notebook printed, as its executed copy keeps it."""
    executed = nbformat.read(pytester.path / "out" / "executed" / f"{name}.ipynb", as_version=4)
    return "".join(output.get("text", "") for cell in executed.cells for output in cell.get("outputs", []))


def _stages(graded: dict) -> dict[str, dict]:
    return {stage["id"]: stage for stage in graded["stages"]}


IMPORTS_COURSE_EXTRA = "import course_extra\nprint(course_extra.MARK)"


# -- grading in the course's kernel ------------------------------------------------------------------------
def test_a_course_package_stops_the_default_kernel_at_its_import(pytester):
    folder = pytester.mkdir("class")
    _notebook(folder, "ann", [IMPORTS_COURSE_EXTRA])
    result, report = grade_class(pytester, folder)
    (ann,) = report["submissions"]
    assert ann["error"] == "cell 1 raised ModuleNotFoundError: No module named 'course_extra'"
    assert ann["cell"]["number"] == 1
    assert ann["score"] < ann["max_score"]
    result.stdout.fnmatch_lines([f"sagemaker-lab: submissions run in kernel python3 (the grader's own environment): "
                                 f"{sys.executable}, Python *"])


def test_the_course_kernel_grades_notebooks_and_py_files_to_full_marks_in_its_own_interpreter(pytester, kernels):
    folder = pytester.mkdir("class")
    _notebook(folder, "ann", [IMPORTS_COURSE_EXTRA])
    reference_py = (LAB41 / f"solution_sdk{SDK_MAJOR}.py").read_text(encoding="utf-8")
    (folder / "bob.py").write_text(f"# %%\n{IMPORTS_COURSE_EXTRA}\n\n{reference_py}", encoding="utf-8")
    result, report = grade_class(pytester, folder, "--lab-kernel=course")
    result.stdout.fnmatch_lines([f"sagemaker-lab: submissions run in kernel course (the course's environment): "
                                 f"{kernels.course}, Python *"])
    assert "isolated in a bubblewrap sandbox" in result.stdout.str()
    for graded in report["submissions"]:
        assert graded["error"] is None, graded
        assert (graded["score"], graded["max_score"]) == (FULL_MARKS, FULL_MARKS), graded
        # The evidence was taken by the course kernel's interpreter, not the grader's.
        message = _stages(graded)["sagemaker_sdk_compatible"]["message"]
        assert f" in {kernels.course};" in message, message
    assert "only the course has me" in _printed(pytester, "ann")


def test_the_course_kernel_without_a_sandbox(pytester, kernels):
    folder = pytester.mkdir("class")
    _notebook(folder, "ann", [IMPORTS_COURSE_EXTRA])
    result, report = grade_class(pytester, folder, "--lab-kernel=course", "--lab-sandbox=none")
    (ann,) = report["submissions"]
    assert (ann["error"], ann["score"]) == (None, FULL_MARKS), ann
    assert f" in {kernels.course};" in _stages(ann)["sagemaker_sdk_compatible"]["message"]
    result.stdout.fnmatch_lines(["sagemaker-lab: submissions are NOT isolated*"])


# What a learner's cell in the course kernel tries to reach: the grader's checkout (the labs' reference
# solutions), its HOME, the grader's own interpreter. It prints what it found.
ATTACK = """
import json, os, sys
found = {"home": os.environ.get("HOME"), "python": sys.executable}
for name, path in {"reference solution": %(solution)r, "checkout's pyproject": %(pyproject)r,
                   "grader's HOME file": %(secret)r, "grader's interpreter": %(grader_python)r}.items():
    try:
        with open(path, "rb") as handle:
            found[name] = "read %%d bytes" %% len(handle.read())
    except OSError as exc:
        found[name] = type(exc).__name__
try:
    found["checkout listing"] = sorted(os.listdir(%(checkout)r))
except OSError as exc:
    found["checkout listing"] = type(exc).__name__
print("ATTACK " + json.dumps(found))
"""


def test_in_the_course_kernel_a_learner_still_cannot_read_the_checkout_or_the_graders_home(pytester, kernels):
    secret = pytester.path / "grader-secret.txt"  # pytester's HOME is the grader's HOME here
    secret.write_text("the grader's secret\n", encoding="utf-8")
    cell = ATTACK % {"solution": str(LAB41 / "solution_sdk2.py"), "pyproject": str(REPOSITORY / "pyproject.toml"),
                     "secret": str(secret), "grader_python": sys.executable, "checkout": str(REPOSITORY)}
    folder = pytester.mkdir("class")
    _notebook(folder, "mallory", [cell], base=None)
    grade_class(pytester, folder, "--lab-kernel=course")
    found = json.loads(re.search(r"ATTACK (.*)", _printed(pytester, "mallory")).group(1))
    assert found["python"] == str(kernels.course)
    assert found["home"] == HOME_INSIDE
    for name in ("reference solution", "checkout's pyproject", "grader's HOME file", "grader's interpreter"):
        assert found[name] == "FileNotFoundError", (name, found)
    # The checkout shows only what the course kernel needs of it: the plugin, and the grader's
    # site-packages its .pth names; no lab_steps, no tests, no reports.
    grader_prefix = Path(sys.prefix)  # the grader's venv (.venv; CI's second one is .venv-sdk3)
    shown = {"pytest_sagemaker_lab"} | ({grader_prefix.name} if grader_prefix.parent == REPOSITORY else set())
    assert set(found["checkout listing"]) <= shown, found


def test_the_evidence_process_is_the_course_kernels_interpreter_in_a_sandbox(kernels):
    python = str(kernels.course)
    sandbox = Sandbox(bwrap=find_bwrap() or "bwrap", uid=worker_uid(EVIDENCE_UID_BASE))
    process = EvidenceProcess(Confinement(sandbox=sandbox, python=python).wrap(command(python), None),
                              child_environment("us-east-1", None, Path(HOME_INSIDE), True))
    try:
        evidence = process.evidence(["import xgboost"], ["import xgboost", "import sagemaker"])
    finally:
        process.close()
    assert evidence["probe"]["python"] == python
    assert evidence["probe"]["trees"] == 8
    assert evidence["imported_by_lab"] is True
    assert evidence["sdk"]["python"] == python


def test_every_process_of_a_submission_loads_the_bootstrap_where_the_plugin_is_not_installed(kernels):
    ask = ("import sys; print(sorted(n for n in sys.modules if n.startswith('pytest_sagemaker_lab.grading.boot')),"
           " sys.modules['pytest_sagemaker_lab'].__file__)")
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(STARTUP), "HOME": "/nonexistent"}
    done = subprocess.run([str(kernels.course), "-c", ask], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.split() == ["['pytest_sagemaker_lab.grading.bootstrap']",
                                   str(REPOSITORY / "pytest_sagemaker_lab" / "__init__.py")], done.stderr
    assert subprocess.run([str(kernels.course), "-I", "-c", "import pytest_sagemaker_lab"],
                          capture_output=True).returncode != 0  # not installed there


def test_a_process_whose_bootstrap_cannot_load_ends_before_any_code_of_its_own(tmp_path):
    startup = tmp_path / "grading" / "startup"  # a sitecustomize with no plugin above it
    startup.mkdir(parents=True)
    (startup / "sitecustomize.py").write_bytes((STARTUP / "sitecustomize.py").read_bytes())
    done = subprocess.run([sys.executable, "-c", "print('learner code ran')"], capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], "PYTHONPATH": str(startup)})
    assert done.returncode == 70
    assert "learner code ran" not in done.stdout
    assert "the grader's bootstrap could not be loaded" in done.stderr


# -- kernels that cannot run submissions: usage errors at start ------------------------------------------
def test_an_unknown_kernel_is_a_usage_error_naming_the_kernels_there_are(pytester):
    folder = pytester.mkdir("class")
    _notebook(folder, "ann", [])
    result = pytester.runpytest_subprocess(str(LAB41), f"--lab-submission={folder}", "--lab-kernel=nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: pytest-sagemaker-lab: --lab-kernel nope: Jupyter knows no kernel named "
                                 "'nope'. The kernels here are: course (*), lacking (*), python3 (*). Name one of "
                                 "them, or make one with*"])
    assert "passed" not in result.stdout.str()


def test_a_kernel_that_is_not_a_python_ipykernel_is_a_usage_error(pytester, kernels):
    folder = kernels.jupyter_path / "kernels" / "shell"
    folder.mkdir(exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps({"argv": ["/bin/bash", "{connection_file}"],
                                                    "display_name": "Bash", "language": "bash"}), encoding="utf-8")
    try:
        result = pytester.runpytest_subprocess(str(LAB41), "--lab-kernel-check", "--lab-kernel=shell")
    finally:
        (folder / "kernel.json").unlink()
        folder.rmdir()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert re.search(r"ERROR: pytest-sagemaker-lab: --lab-kernel shell \(\S+/kernels/shell/kernel\.json\): its argv "
                     r"\['/bin/bash', '\{connection_file\}'\] does not start a Python ipykernel", result.stderr.str())


# -- the kernel check --------------------------------------------------------------------------------------
@needs_sdk2  # the lacking kernel shares the grader's packages: under SDK 3 it lacks sagemaker<3 as well
def test_the_kernel_check_names_what_a_kernel_lacks_with_the_fix_and_exits_non_zero(pytester, kernels,
                                                                                    monkeypatch):
    (pytester.path / "pytest.ini").write_text("[pytest]\nlab_kernel = lacking\n")  # the ini key ...
    monkeypatch.setenv("SAGEMAKER_LAB_KERNEL_CHECK", "1")  # ... and the environment variable
    result = pytester.runpytest_subprocess(str(LAB41), "-c", str(pytester.path / "pytest.ini"))
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines([
        f"sagemaker-lab kernel check: kernel lacking (the course's environment): {kernels.lacking}, Python *",
        "the grader: the kernel has everything the grader needs (threadpoolctl)",
        f"lab4.1: lacks xgboost>=1.2: not installed (lab.toml [kernel] requires it). Fix: {kernels.lacking} -m pip "
        "install 'xgboost>=1.2'",
        "sagemaker-lab kernel check: kernel lacking lacks 1 thing(s), for lab4.1; install them and check again",
    ])
    assert "module xgboost" not in result.stdout.str()  # said once, as the requirement that brings it
    assert "passed" not in result.stdout.str()


@needs_sdk2  # lab.toml requires SDK 2, which the course's notebooks are written for
def test_the_kernel_check_passes_for_the_default_kernel_and_for_the_course_kernel(pytester, monkeypatch):
    result = pytester.runpytest_subprocess(str(LAB41), str(LAB41.parent / "lab4_1_evaluate"), "--lab-kernel-check")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines([
        f"sagemaker-lab kernel check: kernel python3 (the grader's own environment): {sys.executable}, Python *",
        "the grader: the kernel has everything the grader needs (threadpoolctl)",
        "lab4.1: the kernel has everything this lab needs (sagemaker>=2.200,<3, boto3, xgboost>=1.2; modules *)",
        "lab4.1-evaluate: the kernel has everything this lab needs (*numpy, pandas; modules *)",
        "sagemaker-lab kernel check: kernel python3 has everything the grader and lab4.1, lab4.1-evaluate need",
    ])
    monkeypatch.setenv("SAGEMAKER_LAB_KERNEL", "course")
    result = pytester.runpytest_subprocess(str(LAB41), "--lab-kernel-check")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["sagemaker-lab kernel check: kernel course has everything the grader and lab4.1 need"])


@needs_sdk2  # as above: under SDK 3 the lacking kernel lacks sagemaker<3 too
def test_a_lab_needs_its_requirements_and_what_its_notebooks_import_but_not_the_standard_library():
    spec = load_spec(LAB41)
    needs = kernel_check.lab_needs(spec)
    assert [need.name for need in needs if not need.module] == ["sagemaker>=2.200,<3", "boto3", "xgboost>=1.2"]
    modules = {need.name: need.why for need in needs if need.module}
    assert {"boto3", "botocore", "sagemaker", "xgboost"} <= set(modules)
    assert modules["boto3"].endswith(".ipynb imports it")
    kernel = kernelspecs.resolve("lacking")
    (grader, lab) = kernel_check.check(kernel, [spec])
    assert "datetime" not in [need.name for need in lab.needs]  # standard library: left out
    assert [lack.need.name for lack in lab.lacks] == ["xgboost>=1.2"]
    assert grader.lacks == []


def test_a_notebooks_imports_are_read_from_its_code_with_ipython_syntax():
    cells = ["%matplotlib inline\nimport numpy as np, seaborn\n!pip list", "from sklearn.metrics import f1_score",
             "import torch\nmodel = <your model>",  # not Python: passed over
             "def later():\n    import nltk", "from . import local\nimport os.path"]
    assert kernel_check.imported_modules(cells) == ["numpy", "seaborn", "sklearn", "nltk", "os"]
    has = kernel_check.ask_kernel(sys.executable, [], ["os", "no_such_module_here"])
    assert has["modules"] == {"os": "stdlib", "no_such_module_here": "no"}


def test_the_fix_for_a_missing_module_installs_its_distribution():
    has = {"distributions": {}, "modules": {"sklearn": "no", "numpy": "yes"}, "markers": {}}
    needs = [kernel_check.Need(module, "lab.ipynb imports it", module=True) for module in ("sklearn", "numpy")]
    (lack,) = kernel_check.find_lacks("/opt/course env/bin/python", needs, has)
    assert lack.line() == ("lacks module sklearn: not importable (lab.ipynb imports it). Fix: "
                           "'/opt/course env/bin/python' -m pip install scikit-learn")


def test_a_requirement_is_checked_against_the_installed_version_and_the_kernels_markers():
    has = {"distributions": {"xgboost": "1.0.2", "pandas": None, "numpy": "2.0.0rc1"}, "modules": {},
           "markers": {"sys_platform": "linux", "python_version": "3.11"}}
    needs = [kernel_check.Need(text, "lab.toml [kernel] requires it") for text in
             ("xgboost>=1.2", "pandas; sys_platform == 'win32'", "numpy>=1.24")]
    (lack,) = kernel_check.find_lacks("python", needs, has)  # pandas is not needed on linux; a prerelease counts
    assert lack.line() == ("lacks xgboost>=1.2: 1.0.2 is installed (lab.toml [kernel] requires it). Fix: "
                           "python -m pip install 'xgboost>=1.2'")


def test_a_bad_kernel_requirement_in_lab_toml_names_the_file_and_the_fix(pytester):
    lab = LabCopy(pytester).edit("lab.toml", 'requires = ["sagemaker>=2.200,<3", "boto3", "xgboost>=1.2"]',
                                 'requires = ["xgboost >= = 1.2"]')
    with pytest.raises(SpecError, match=r"lab\.toml: \[kernel\] requires: 'xgboost >= = 1\.2' is not a pip "
                                        r"requirement .*write it as pip does"):
        load_spec(lab.path)
