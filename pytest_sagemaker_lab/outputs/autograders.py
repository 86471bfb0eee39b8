"""Results in the formats autograders already use, one file per submission (docs/facts/grading-formats.md):

- Gradescope: ``<report dir>/gradescope/<name>/results.json``, what ``run_autograder`` must leave in
  ``/autograder/results/results.json`` (examples/gradescope/ runs the plugin as a Gradescope autograder).
- GitHub Classroom: ``<report dir>/classroom/<name>.json``, the version-3 result of Classroom's graders,
  and ``<name>.b64``, its base64, ready for ``result=`` in ``$GITHUB_OUTPUT`` for
  ``classroom-resources/autograding-grading-reporter``.

With several labs in the report each lab gets its folder: ``gradescope/<lab>/<name>/``,
``classroom/<lab>/``. Each stage is one test; what a learner reads is the verdict and the hint in both
languages, never a stage's ``detail`` (the course authors' traceback). The roster is not needed: an
autograder runs per submission and knows whose it is.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from . import OutputPlan
from .grades import (
    NOT_GRADED_EN,
    NOT_GRADED_ZH,
    Lab,
    count,
    file_name,
    folder,
    labs,
    plain,
    stage_not_graded,
    stage_text,
    stage_title,
    summary,
)


def write(name: str, document: dict[str, Any], plan: OutputPlan, roster: Any = None) -> list[str]:
    """Writes the ``name`` ("gradescope" or "classroom") results of every submission; returns the terminal's
    lines."""
    if plan.report is None:
        return [f"pytest-sagemaker-lab: --lab-export {name} writes beside the report: give --lab-report PATH; "
                f"nothing was written",
                f"pytest-sagemaker-lab：--lab-export {name} 的檔案寫在報告旁：請加上 --lab-report PATH；未寫入任何檔案"]
    found, lines = labs(document, plan)
    for lab in found:
        if name == "gradescope":
            directory = folder(plan, lab, "gradescope")
            for submission in lab.submissions:
                _write_json(directory / file_name(submission["name"]) / "results.json", gradescope(submission, lab))
            lines.append(f"Gradescope results ({lab.id}): {directory}/<name>/results.json, "
                         f"{count(len(lab.submissions), 'submission')}")
        else:
            directory = folder(plan, lab, "classroom")
            for submission in lab.submissions:
                result = classroom(submission, lab)
                stem = directory / file_name(submission["name"])
                _write_json(stem.with_name(stem.name + ".json"), result)
                encoded = base64.b64encode(json.dumps(result, ensure_ascii=False).encode("utf-8")).decode("ascii")
                stem.with_name(stem.name + ".b64").write_text(encoded + "\n", encoding="ascii")
            lines.append(f"GitHub Classroom results ({lab.id}): {directory}/<name>.json and <name>.b64, "
                         f"{count(len(lab.submissions), 'submission')}")
    return lines


def gradescope(submission: dict[str, Any], lab: Lab) -> dict[str, Any]:
    """Gradescope's results.json: the score, a summary, and one test per stage. Text only (no HTML is
    rendered from a verdict), visible to the learner; the run's stdout stays hidden: it is the grader's
    log, tracebacks included."""
    english, chinese = summary(submission, lab)
    tests = [{
        "score": plain(stage["points"]),
        "max_score": plain(stage["max_points"]),
        "status": "passed" if stage["outcome"] == "passed" else "failed",
        "name": _name(stage),
        "number": str(index),
        "output": stage_text(stage),
        "output_format": "text",
        "tags": [stage["id"]],
        "visibility": "visible",
    } for index, stage in enumerate(submission["stages"], start=1)]
    return {
        "score": plain(submission["score"]) if lab.graded(submission) else 0,
        "output": f"{lab.title['en']}: {english}\n{lab.title['zh-TW']}：{chinese}",
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"lab": lab.id, "submission": submission["name"]},
        "tests": tests,
    }


def classroom(submission: dict[str, Any], lab: Lab) -> dict[str, Any]:
    """GitHub Classroom's result, version 3 (classroom-resources/autograding-python-grader's shape): a test
    per stage with its points as ``score``; ``error`` where the grader stopped before a stage or the
    submission, which the reporter prints with its message."""
    tests = [{
        "name": _name(stage),
        "status": _classroom_status(stage),
        "message": stage_text(stage),
        "test_code": "",
        "filename": "",
        "line_no": 0,
        "duration": 0,
        "score": plain(stage["points"]),
    } for stage in submission["stages"]]
    result: dict[str, Any] = {"version": 3, "status": "pass", "max_score": plain(lab.max_score or 0), "tests": tests}
    if not lab.graded(submission):
        result["status"] = "error"
        result["message"] = f"{NOT_GRADED_EN} / {NOT_GRADED_ZH}"
        if not tests:  # the reporter scores a runner by its tests: give it one that says why
            tests.append({"name": "Grading / 評分", "status": "error", "message": result["message"], "test_code": "",
                          "filename": "", "line_no": 0, "duration": 0, "score": 0})
    elif any(test["status"] != "pass" for test in tests):
        result["status"] = "fail"
    return result


def _classroom_status(stage: dict[str, Any]) -> str:
    if stage_not_graded(stage):
        return "error"
    return "pass" if stage["outcome"] == "passed" else "fail"


def _name(stage: dict[str, Any]) -> str:
    english, chinese = stage_title(stage)
    return english if english == chinese else f"{english} / {chinese}"


def _write_json(path: Path, content: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
