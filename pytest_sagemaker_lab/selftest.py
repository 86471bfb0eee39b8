"""The grader's self-test for course authors: ``python -m pytest_sagemaker_lab.selftest [LAB_DIR]
[--lab-kernel NAME]``.

First the kernel check (``--lab-kernel-check``): what the kernel the notebooks run in (NAME, else
``SAGEMAKER_LAB_KERNEL``, else the grader's own) lacks for the course's notebooks, for information (the
lab's reference may be another SDK's than the course's notebooks). Then it grades the lab's reference
solution as a notebook (the one for the installed SDK) and its starter notebook, offline, in that
kernel: the reference must score full marks and the starter zero. A stage the starter passes is a check
that gives points for nothing; one the reference fails is a broken check.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .fixtures import solution_variant
from .spec import load_spec


def kernel_lines(spec, kernel_name: str | None) -> list[str]:
    """The kernel check for the lab, as ``pytest LAB --lab-kernel-check`` prints it."""
    from .grading import kernel_check
    from .grading.kernelspecs import KernelError, resolve

    try:
        kernel = resolve(kernel_name)
    except KernelError as exc:
        return [f"sagemaker-lab kernel check: {exc}"]
    return kernel_check.report(kernel, [spec])[1]


def run(lab_dir: Path, kernel_name: str | None = None) -> tuple[bool, list[str]]:
    spec = load_spec(lab_dir)
    kernel_report = kernel_lines(spec, kernel_name)
    variant = solution_variant(spec, "auto")
    reference = spec.directory / spec.solutions[variant]
    with tempfile.TemporaryDirectory(prefix="sagemaker-lab-selftest-") as scratch:
        folder = Path(scratch) / "submissions"
        folder.mkdir()
        shutil.copy(reference.with_suffix(".ipynb"), folder / "reference.ipynb")
        shutil.copy(spec.directory / "starter.ipynb", folder / "starter.ipynb")
        report = Path(scratch) / "report.json"
        kernel = [f"--lab-kernel={kernel_name}"] if kernel_name else []
        subprocess.run([sys.executable, "-m", "pytest", str(spec.directory), "-q", "-p", "no:randomly",
                        "-p", "no:cacheprovider", f"--lab-submission={folder}", f"--lab-report={report}", *kernel],
                       capture_output=True, text=True, check=False)
        if not report.exists():
            return False, [*kernel_report, f"{spec.id}: the self-test run wrote no report"]
        document = json.loads(report.read_text(encoding="utf-8"))
    scores = {s["name"]: s for s in document["submissions"]}
    lines, ok = list(kernel_report), True
    for name, wanted in (("reference", "max"), ("starter", 0)):
        submission = scores[name]
        target = submission["max_score"] if wanted == "max" else 0
        good = submission["score"] == target
        ok &= good
        lines.append(f"{spec.id} {name}: {submission['score']}/{submission['max_score']} "
                     f"({'as expected' if good else f'expected {target}'})")
        for stage in submission["stages"]:
            wrong = (stage["outcome"] != "passed") if wanted == "max" else (stage["outcome"] == "passed")
            if wrong:
                lines.append(f"  {stage['id']}: {stage['outcome']}: {stage['message']}")
    return ok, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_sagemaker_lab.selftest", description=__doc__.split("\n")[0])
    parser.add_argument("lab_dir", nargs="?", type=Path,
                        default=Path(__file__).resolve().parent.parent / "lab_steps" / "lab4_1")
    parser.add_argument("--lab-kernel", metavar="NAME", default=os.environ.get("SAGEMAKER_LAB_KERNEL") or None,
                        help="the Jupyter kernel to grade in (default: SAGEMAKER_LAB_KERNEL, else the grader's own)")
    args = parser.parse_args(argv)
    ok, lines = run(args.lab_dir, args.lab_kernel)
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
