"""The class summary: per lab, how many submissions, the mean score, each stage's pass rate and the
submissions that did not run to the end; in the terminal, and in ``report.summary.md`` beside the report
with the similarity flags (outputs/similarity.py), which are for the instructor and in no other file.

Both are made from ``lab_statistics``, a function of the report document, so a gradebook merged from
shards gets the summary one run would write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..stages import OUTCOME_PASSED
from . import OutputPlan, lab_reports


@dataclass(frozen=True)
class StageRate:
    id: str
    title: dict[str, str] | None
    passed: int


@dataclass(frozen=True)
class LabStatistics:
    lab: str
    title: dict[str, str] | None
    count: int
    mean_score: float
    max_score: float
    stages: tuple[StageRate, ...]
    unfinished: tuple[tuple[str, str], ...]  # (name, its error) of each submission that did not run to the end
    pending: tuple[str, ...]
    partial: bool


def lab_statistics(report: dict[str, Any]) -> LabStatistics:
    """One lab's class statistics from its report (one entry of ``lab_reports(document)``)."""
    submissions = report["submissions"]
    count = len(submissions)
    first = submissions[0]["stages"] if submissions else []
    stages = tuple(
        StageRate(row["id"], row.get("title"),
                  sum(1 for submission in submissions if _outcome(submission, row["id"]) == OUTCOME_PASSED))
        for row in first)
    return LabStatistics(
        lab=report["lab"],
        title=report.get("title"),
        count=count,
        mean_score=sum(submission["score"] for submission in submissions) / count if count else 0.0,
        max_score=submissions[0]["max_score"] if submissions else 0,
        stages=stages,
        unfinished=tuple((submission["name"], submission["error"]) for submission in submissions
                         if submission["error"]),
        pending=tuple(report.get("pending") or ()),
        partial=bool(report.get("partial")),
    )


def _outcome(submission: dict[str, Any], stage: str) -> str | None:
    return next((row["outcome"] for row in submission["stages"] if row["id"] == stage), None)


def terminal_lines(report: dict[str, Any]) -> list[str]:
    """The terminal's class summary of one lab: shown when more than one submission is graded."""
    stats = lab_statistics(report)
    if stats.count < 2:
        return []
    lines = [f"{stats.lab}: {stats.count} submissions, mean score {stats.mean_score:.2f}/{_points(stats.max_score)}"]
    for stage in stats.stages:
        lines.append(f"  {stage.id:<26} {stage.passed:>3}/{stats.count} passed "
                     f"({100 * stage.passed / stats.count:.0f}%)")
    if stats.unfinished:
        lines.append(f"  did not run to the end: {', '.join(name for name, _ in stats.unfinished)}")
    return lines


def summary_path(report: Path) -> Path:
    """``report.summary.md`` beside ``report.json``."""
    return report.with_name(f"{report.stem}.summary.md")


def write_summary(document: dict[str, Any], plan: OutputPlan) -> list[str]:
    """Writes the class summary beside the report; returns lines for the terminal: the file, and how
    many pairs were flagged (never who, nor their code: that is in the file, for the instructor)."""
    assert plan.report is not None
    lines: list[str] = []
    sections = []
    reports = lab_reports(document)
    for report in reports:
        similar = similar_section(report, plan)
        sections.append(lab_markdown(report, similar.text if similar else None))
        if similar and similar.flagged is not None:
            where = f"{report['lab']}: " if len(reports) > 1 else ""
            lines.append(f"{where}similar submissions: {similar.flagged} pair{'s' if similar.flagged != 1 else ''} "
                         f"flagged at {plan.similarity:g} or more (listed in the class summary, for the instructor)")
        if similar and similar.skipped:
            lines.append(f"{report['lab']}: similarity: {similar.skipped} submission(s) could not be read and were "
                         "not compared (named in the class summary)")
    path = summary_path(plan.report)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(plan.report.name, sections), encoding="utf-8")
    return [f"class summary: {path}", *lines]


def markdown(report_name: str, sections: list[str]) -> str:
    head = (f"# Class summary\n\nFrom `{report_name}`. For the instructor: the similarity flags are in this file "
            "only (not in the report, the exports or the feedback pages).\n")
    return "\n".join([head, *sections])


def lab_markdown(report: dict[str, Any], similar: str | None) -> str:
    """One lab's section: counts, the stages' pass rates, who did not run to the end, the flags."""
    stats = lab_statistics(report)
    title = stats.title or {}
    heading = stats.lab + (f": {title['en']}" if title.get("en") else "") + (
        f" ({title['zh-TW']})" if title.get("zh-TW") else "")
    out = [f"## {_escape(heading)}", ""]
    noun = "submission" if stats.count == 1 else "submissions"
    if not stats.count:
        out += ["No submissions.", ""]
    else:
        out += [f"{stats.count} {noun}, mean score {stats.mean_score:.2f}/{_points(stats.max_score)}.", ""]
    if stats.partial:
        waiting = f": not graded to the end: {', '.join(map(_escape, stats.pending))}" if stats.pending else ""
        out += [f"The gradebook is partial{waiting}.", ""]
    if stats.stages:
        out += ["| stage | what it checks | passed | pass rate |", "|---|---|---:|---:|"]
        for stage in stats.stages:
            checks = _escape((stage.title or {}).get("en", ""))
            out.append(f"| `{stage.id}` | {checks} | {stage.passed}/{stats.count} | "
                       f"{100 * stage.passed / stats.count:.0f}% |")
        out.append("")
    if stats.unfinished:
        out += [f"Did not run to the end ({len(stats.unfinished)}):", ""]
        out += [f"- {_escape(name)}: {_escape(_first_line(error))}" for name, error in stats.unfinished]
        out.append("")
    if similar:
        out += [similar]
    return "\n".join(out)


@dataclass(frozen=True)
class SimilarSection:
    text: str
    flagged: int | None  # None: not computed
    skipped: int = 0


def similar_section(report: dict[str, Any], plan: OutputPlan) -> SimilarSection | None:
    """The lab's similarity flags as Markdown, or why there are none; None when not asked for."""
    if plan.similarity is None:
        return None
    heading = "### Similar submissions\n\n"
    if not plan.submissions:
        return SimilarSection(heading + "Not computed: the graded files were not given.\n", None)
    lab_dir = plan.lab_dirs.get(report["lab"])
    if lab_dir is None:
        return SimilarSection(heading + f"Not computed: the folder of lab {_escape(report['lab'])} (its starter, "
                              "whose code is left out) is not known.\n", None)
    from . import similarity

    graded = {submission["name"] for submission in report["submissions"]}
    files = {name: path for name, path in similarity.submission_names(plan.submissions).items() if name in graded}
    try:
        result = similarity.find_similar(files, lab_dir, plan.similarity)
    except ValueError as exc:  # the lab's own starter cannot be read: the course's to fix
        return SimilarSection(heading + f"Not computed: {_escape(str(exc))}.\n", None)
    except Exception as exc:  # the flags are an extra: no learner's file may cost the class its pages
        return SimilarSection(heading + f"Not computed: the comparison failed ({_escape(type(exc).__name__)}: "
                              f"{_escape(_first_line(str(exc)))}).\n", None)
    starters = [name for name in ("starter.ipynb", "starter.py") if (lab_dir / name).is_file()]
    left_out = (f"the starter's code (`{'`, `'.join(f'{lab_dir.name}/{name}' for name in starters)}`)"
                if starters else "nothing else (the lab has no starter)")
    out = [heading.rstrip("\n"), "",
           f"Compared: each learner's own code cells, without the cell tagged `parameters` and {left_out}. "
           f"Flagged: a score (the larger of the two shares) of {plan.similarity:g} or more "
           f"(`--lab-similarity`), with at least {similarity.MIN_MATCH} characters of matching code. "
           "A share is the part of that learner's own code found in the other's; the cells are code cells "
           "counted as the learner counts them. A flag says where to look: a person judges.", "",
           f"{result.compared} submissions compared, {len(result.flags)} "
           f"pair{'s' if len(result.flags) != 1 else ''} flagged.", ""]
    if result.flags:
        out += ["| first | second | score | first's share | second's share | first's cells | second's cells |",
                "|---|---|---:|---:|---:|---|---|"]
        out += [f"| {_escape(flag.first)} | {_escape(flag.second)} | {flag.score:.2f} | {flag.first_share:.2f} | "
                f"{flag.second_share:.2f} | {_cells(flag.first_cells)} | {_cells(flag.second_cells)} |"
                for flag in result.flags]
        out.append("")
    missing = sorted(graded - set(files))
    notes = [_escape(note) for note in result.notes]
    if missing:
        notes.append(f"no file to compare for {', '.join(map(_escape, missing))}")
    if notes:
        out += ["Not compared:", "", *(f"- {note}" for note in notes), ""]
    return SimilarSection("\n".join(out), len(result.flags), len(result.notes))


def _cells(numbers: tuple[int, ...]) -> str:
    return ", ".join(map(str, numbers)) or "none"


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _escape(text: str) -> str:
    """Text as Markdown shows it: a learner's file name may hold ``|``, ``*`` or ``<``."""
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", text)


def _points(value: float) -> str:
    """7 -> "7", 6.5 -> "6.5" (as report.py writes points)."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
