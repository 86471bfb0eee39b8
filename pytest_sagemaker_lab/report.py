"""The grade report: stage results gathered from every test report, as JSON and as a terminal summary.

Results travel in ``report.user_properties``, so they reach the controller from xdist workers too.
A stage made of several items (one per S3 object) gets one result: passed only if all of them passed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .stages import OUTCOME_PASSED, worst

PROPERTY = "sagemaker_lab"


@dataclass
class StageResult:
    lab: str
    submission: str
    submission_index: int
    stage: str
    rank: int
    max_points: float
    outcome: str
    message: str
    hint: dict[str, str] | None = None
    detail: str = ""  # for authors: the traceback or the skip's location
    run_error: str | None = None

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> StageResult:
        return cls(**payload)


@dataclass
class Gradebook:
    results: list[StageResult] = field(default_factory=list)

    def add(self, result: StageResult) -> None:
        self.results.append(result)

    def labs(self) -> list[str]:
        return sorted({result.lab for result in self.results})

    def submissions(self, lab: str) -> list[dict[str, Any]]:
        by_submission: dict[tuple[int, str], dict[str, list[StageResult]]] = defaultdict(dict)
        for result in self.results:
            if result.lab == lab:
                stages = by_submission[(result.submission_index, result.submission)]
                stages.setdefault(result.stage, []).append(result)
        return [self._submission(name, stages) for (_, name), stages in sorted(by_submission.items())]

    @staticmethod
    def _submission(name: str, stages: dict[str, list[StageResult]]) -> dict[str, Any]:
        rows = []
        error = None
        for stage_id, results in sorted(stages.items(), key=lambda pair: pair[1][0].rank):
            outcome = worst([result.outcome for result in results])
            chosen = [result for result in results if result.outcome == outcome]
            messages = list(dict.fromkeys(result.message for result in chosen if result.message))
            max_points = results[0].max_points
            rows.append({
                "id": stage_id,
                "outcome": outcome,
                "points": max_points if outcome == OUTCOME_PASSED else 0,
                "max_points": max_points,
                "message": "; ".join(messages),
                "hint": chosen[0].hint,
                "detail": "\n".join(result.detail for result in chosen if result.detail),
            })
            error = error or next((result.run_error for result in results if result.run_error), None)
        return {
            "name": name,
            "score": sum(row["points"] for row in rows),
            "max_score": sum(row["max_points"] for row in rows),
            "error": error,
            "stages": rows,
        }

    def report(self, lab: str, mode: str, learner_only: bool = False) -> dict[str, Any]:
        submissions = self.submissions(lab)
        if learner_only:
            for submission in submissions:
                for row in submission["stages"]:
                    row.pop("detail", None)
        return {"lab": lab, "mode": mode, "submissions": submissions}

    def write_csv(self, path: Path, mode: str) -> None:
        """The gradebook: one row per submission, its score, and the points of each stage."""
        import csv

        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            for lab in self.labs():
                submissions = self.submissions(lab)
                stage_ids = [row["id"] for row in submissions[0]["stages"]] if submissions else []
                multi_lab = len(self.labs()) > 1
                writer.writerow([*(["lab"] if multi_lab else []), "name", "score", "max_score", "error",
                                 *stage_ids])
                for submission in submissions:
                    points = {row["id"]: _number(row["points"]) for row in submission["stages"]}
                    writer.writerow([*([lab] if multi_lab else []), submission["name"],
                                     _number(submission["score"]), _number(submission["max_score"]),
                                     submission["error"] or "", *(points.get(stage, "") for stage in stage_ids)])

    def class_summary(self) -> list[str]:
        """Each stage's pass rate across the class (shown when more than one submission is graded)."""
        lines = []
        for lab in self.labs():
            submissions = self.submissions(lab)
            if len(submissions) < 2:
                continue
            lines.append(f"{lab}: {len(submissions)} submissions, mean score "
                         f"{sum(s['score'] for s in submissions) / len(submissions):.2f}/"
                         f"{_number(submissions[0]['max_score'])}")
            for index, row in enumerate(submissions[0]["stages"]):
                passed = sum(1 for s in submissions if s["stages"][index]["outcome"] == OUTCOME_PASSED)
                lines.append(f"  {row['id']:<26} {passed:>3}/{len(submissions)} passed "
                             f"({100 * passed / len(submissions):.0f}%)")
            failing = [s["name"] for s in submissions if s["error"]]
            if failing:
                lines.append(f"  did not run to the end: {', '.join(failing)}")
        return lines

    def write_json(self, path: Path, mode: str) -> None:
        labs = self.labs()
        reports = [self.report(lab, mode) for lab in labs]
        document: dict[str, Any] = reports[0] if len(reports) == 1 else {"mode": mode, "reports": reports}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    def terminal_lines(self, mode: str) -> list[str]:
        lines: list[str] = []
        for lab in self.labs():
            for submission in self.submissions(lab):
                score = _number(submission["score"])
                lines.append(f"{lab} ({mode}) {submission['name']}: {score}/{_number(submission['max_score'])}")
                if submission["error"]:
                    lines.append(f"  error: {submission['error']}")
                width = max(len(row["id"]) for row in submission["stages"])
                for row in submission["stages"]:
                    message = row["message"].splitlines()[0] if row["message"] else ""
                    lines.append(f"  {row['outcome']:<8} {row['id']:<{width}}  {message}")
                    if row["hint"] and row["outcome"] != OUTCOME_PASSED:
                        lines.append(f"  {'':<8} {'':<{width}}  hint: {row['hint']['en']}")
                        lines.append(f"  {'':<8} {'':<{width}}  提示: {row['hint']['zh-TW']}")
        return lines


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
