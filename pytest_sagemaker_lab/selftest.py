"""The grader's self-test for course authors: ``python -m pytest_sagemaker_lab.selftest [LAB_DIR]``.

Grades the lab's reference solution as a notebook (the one for the installed SDK) and its starter
notebook, offline: the reference must score full marks and the starter zero. A stage the starter
passes is a check that gives points for nothing; one the reference fails is a broken check.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .fixtures import solution_variant
from .spec import load_spec


def run(lab_dir: Path) -> tuple[bool, list[str]]:
    spec = load_spec(lab_dir)
    variant = solution_variant(spec, "auto")
    reference = spec.directory / spec.solutions[variant]
    with tempfile.TemporaryDirectory(prefix="sagemaker-lab-selftest-") as scratch:
        folder = Path(scratch) / "submissions"
        folder.mkdir()
        shutil.copy(reference.with_suffix(".ipynb"), folder / "reference.ipynb")
        shutil.copy(spec.directory / "starter.ipynb", folder / "starter.ipynb")
        report = Path(scratch) / "report.json"
        subprocess.run([sys.executable, "-m", "pytest", str(spec.directory), "-q", "-p", "no:randomly",
                        "-p", "no:cacheprovider", f"--lab-submission={folder}", f"--lab-report={report}"],
                       capture_output=True, text=True, check=False)
        if not report.exists():
            return False, [f"{spec.id}: the self-test run wrote no report"]
        document = json.loads(report.read_text(encoding="utf-8"))
    scores = {s["name"]: s for s in document["submissions"]}
    lines, ok = [], True
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
    args = argv if argv is not None else sys.argv[1:]
    lab_dir = Path(args[0]) if args else Path(__file__).resolve().parent.parent / "lab_steps" / "lab4_1"
    ok, lines = run(lab_dir)
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
