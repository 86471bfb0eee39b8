"""Running a notebook: a kernel that dies before it answers is started again; no learner code runs twice."""

from __future__ import annotations

import os
import textwrap

import nbformat

from pytest_sagemaker_lab.grading.runners import KERNEL_START_ATTEMPTS, run_notebook

# A sitecustomize that kills the kernel process at start-up while `deaths` (a counter file) allows it.
DYING_START = textwrap.dedent("""
    import os, sys
    counter = os.path.join(os.path.dirname(os.path.abspath(__file__)), "deaths")
    left = int(open(counter).read())
    if left > 0:
        open(counter, "w").write(str(left - 1))
        sys.stderr.write("kernel start-up failed on purpose\\n")
        sys.stderr.flush()
        os._exit(1)
""")


def _run(tmp_path, deaths: int):
    bootstrap = tmp_path / "bootstrap"
    bootstrap.mkdir()
    (bootstrap / "sitecustomize.py").write_text(DYING_START, encoding="utf-8")
    (bootstrap / "deaths").write_text(str(deaths), encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("with open('ran', 'a') as mark:\n    mark.write('x')\nprint('ran')")]
    path = tmp_path / "learner.ipynb"
    nbformat.write(nb, path)
    workdir = tmp_path / "work"
    workdir.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(bootstrap)}
    run = run_notebook(path, workdir, env, {}, 60, tmp_path / "executed")
    return run, workdir


def test_a_kernel_that_dies_at_start_is_started_again(tmp_path):
    run, workdir = _run(tmp_path, deaths=1)
    assert run.error is None
    assert (workdir / "ran").read_text() == "x"  # the learner's cell ran once
    assert "kernel start-up failed" not in run.log  # the run succeeded: no kernel noise for the author


def test_a_kernel_that_never_starts_is_reported_with_its_stderr(tmp_path):
    run, workdir = _run(tmp_path, deaths=KERNEL_START_ATTEMPTS)
    assert run.error == "the notebook could not be run: RuntimeError: Kernel died before replying to kernel_info"
    assert run.log.count("kernel start-up failed on purpose") == KERNEL_START_ATTEMPTS
    assert not (workdir / "ran").exists()
