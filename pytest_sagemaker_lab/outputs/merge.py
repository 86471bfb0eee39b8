"""``python -m pytest_sagemaker_lab merge``: one gradebook from the reports of a class graded in parts.

Each ``pytest --lab-shard K/N --lab-report shard-K/report.json`` run writes its part's report, which
says which part it is and names the whole class (``"shard": {"part", "of", "class"}``). The merge
checks that the reports are the parts of one class, each once and each graded to the end, and that
every submission of the class is graded in exactly one of them; then it writes the report one run
would have written (the shard field dropped, submissions in class order), its CSV, and whatever
``outputs.write_outputs`` writes from it (the class summary, the exports, the feedback pages).

Nothing is written unless every check passes: a gradebook that silently lacks a learner is worse than
none. Exit codes: 0 merged; 1 the reports are not one whole class (each problem is printed, naming
the submission and the files); 2 a usage error (a file that cannot be read or is not a shard's
report, a bad option).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import lab_reports

EXIT_MERGED, EXIT_NOT_ONE_CLASS, EXIT_USAGE = 0, 1, 2


class MergeUsageError(Exception):
    """A file that is not a shard's report, or an option that cannot be used (exit 2)."""


class NotOneClass(Exception):
    """The reports are not the whole of one class (exit 1); ``problems`` lists every reason found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ShardReport:
    path: Path
    document: dict[str, Any]

    @property
    def shard(self) -> dict[str, Any]:
        return self.document["shard"]

    @property
    def label(self) -> str:
        return f"{self.path} (part {self.shard['part']}/{self.shard['of']})"

    def reports(self) -> list[dict[str, Any]]:
        return lab_reports(self.document)

    def labs(self) -> list[str]:
        return sorted(report["lab"] for report in self.reports())


def read_shard(path: Path) -> ShardReport:
    """A shard's report, or MergeUsageError saying why ``path`` is not one."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise MergeUsageError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise MergeUsageError(f"{path}: not JSON ({exc}): give the report.json a --lab-shard run wrote") from None
    if not isinstance(document, dict) or not ("lab" in document or "reports" in document):
        raise MergeUsageError(f"{path}: not a pytest-sagemaker-lab report (no lab, no reports)")
    shard = document.get("shard")
    if not isinstance(shard, dict) or not {"part", "of", "class"} <= set(shard):
        raise MergeUsageError(f"{path}: the report of a run that was not sharded (it has no \"shard\" field): "
                              "merge the reports of runs graded with --lab-shard K/N")
    return ShardReport(Path(path), document)


def merge(shards: list[ShardReport]) -> dict[str, Any]:
    """The report one run of the whole class would have written; NotOneClass when the shards are not
    the parts of one class, each graded to the end, every submission in exactly one of them."""
    problems = _split_problems(shards)
    if problems:  # parts of different splits or classes: what is graded where cannot be judged
        raise NotOneClass(problems)
    problems = _part_problems(shards) + _partial_problems(shards) + _submission_problems(shards)
    problems += _stage_problems(shards)
    if problems:
        raise NotOneClass(problems)
    return _merged(shards)


def _split_problems(shards: list[ShardReport]) -> list[str]:
    first = shards[0]
    problems = []
    for other in shards[1:]:
        if other.shard["of"] != first.shard["of"]:
            problems.append(f"{other.path} is part {other.shard['part']} of {other.shard['of']}, {first.path} part "
                            f"{first.shard['part']} of {first.shard['of']}: merge the parts of one split, every "
                            f"one graded with --lab-shard K/{first.shard['of']}")
        if other.shard["class"] != first.shard["class"]:
            problems.append(f"{other.path} and {first.path} were graded from different classes "
                            f"({_class_difference(first.shard['class'], other.shard['class'])}): grade every part "
                            "from the same --lab-submission folder")
        for key in ("mode", "isolation"):
            if other.document.get(key) != first.document.get(key):
                problems.append(f"{other.path} was graded with {key} {other.document.get(key)!r}, {first.path} with "
                                f"{first.document.get(key)!r}: grade every part the same way")
    graded = [shard for shard in shards if shard.reports()]
    for other in graded[1:]:
        if other.labs() != graded[0].labs():
            problems.append(f"{other.path} grades {', '.join(other.labs())}, {graded[0].path} grades "
                            f"{', '.join(graded[0].labs())}: grade every part with the same lab folders")
    return problems


def _class_difference(first: list[str], other: list[str]) -> str:
    only_first = [name for name in first if name not in other]
    only_other = [name for name in other if name not in first]
    if not only_first and not only_other:
        return "the same names in another order"
    return "; ".join(filter(None, [f"only in the first: {', '.join(only_first)}" if only_first else "",
                                   f"only in the second: {', '.join(only_other)}" if only_other else ""]))


def _part_problems(shards: list[ShardReport]) -> list[str]:
    of = shards[0].shard["of"]
    by_part: dict[int, list[ShardReport]] = defaultdict(list)
    for shard in shards:
        by_part[shard.shard["part"]].append(shard)
    problems = []
    for part in range(1, of + 1):
        found = by_part.get(part, [])
        if len(found) > 1:
            problems.append(f"part {part}/{of} is given twice: {' and '.join(str(shard.path) for shard in found)}")
        if not found:
            problems.append(f"part {part}/{of} is missing: grade it with --lab-shard {part}/{of} and merge its "
                            "report with the others")
    return problems


def _partial_problems(shards: list[ShardReport]) -> list[str]:
    problems = []
    for shard in shards:
        if not shard.document.get("partial"):
            continue
        pending = shard.document.get("pending") or []
        reason = (f"not graded to the end: {', '.join(pending)}" if pending else "its run was stopped before its end")
        problems.append(f"{shard.label} is partial ({reason}): grade part {shard.shard['part']}/{shard.shard['of']} "
                        "again")
    return problems


def _submission_problems(shards: list[ShardReport]) -> list[str]:
    """Every submission of the class graded in exactly one report, in every lab."""
    everyone = shards[0].shard["class"]
    labs = sorted({lab for shard in shards for lab in shard.labs()})
    read = ", ".join(str(shard.path) for shard in shards)
    problems = []
    for lab in labs:
        where: dict[str, list[ShardReport]] = defaultdict(list)
        for shard in shards:
            for report in shard.reports():
                if report["lab"] == lab:
                    for submission in report["submissions"]:
                        where[submission["name"]].append(shard)
        in_lab = f" in {lab}" if len(labs) > 1 else ""
        for name in everyone:
            found = where.get(name, [])
            if not found:
                problems.append(f"{name} is in the class but graded{in_lab} in none of the reports ({read})")
            elif len(found) > 1:
                problems.append(f"{name} is graded{in_lab} twice: in {' and in '.join(shard.label for shard in found)}")
        for name in where:
            if name not in everyone:
                problems.append(f"{name} is graded{in_lab} in {where[name][0].path} but is not in the class its shard "
                                "names")
    return problems


def _stage_problems(shards: list[ShardReport]) -> list[str]:
    """The same stages everywhere: parts graded with other versions of a lab make no one gradebook."""
    problems = []
    seen: dict[str, tuple[list[str], Path]] = {}
    for shard in shards:
        for report in shard.reports():
            for submission in report["submissions"][:1]:
                stage_ids = [row["id"] for row in submission["stages"]]
                first = seen.setdefault(report["lab"], (stage_ids, shard.path))
                if stage_ids != first[0]:
                    problems.append(f"{report['lab']}: {shard.path} grades the stages {', '.join(stage_ids)}, "
                                    f"{first[1]} grades {', '.join(first[0])}: grade every part with the same "
                                    "version of the lab")
    return problems


def _merged(shards: list[ShardReport]) -> dict[str, Any]:
    order = {name: index for index, name in enumerate(shards[0].shard["class"])}
    labs = sorted({lab for shard in shards for lab in shard.labs()})
    reports = []
    for lab in labs:
        pieces = [report for shard in shards for report in shard.reports() if report["lab"] == lab]
        submissions = sorted((submission for piece in pieces for submission in piece["submissions"]),
                             key=lambda submission: order[submission["name"]])
        base = {key: value for key, value in pieces[0].items() if key != "shard"}
        reports.append(base | {"partial": False, "pending": [], "submissions": submissions})
    if len(reports) == 1:
        return reports[0]
    top = next(shard.document for shard in shards if len(shard.reports()) > 1)
    base = {key: value for key, value in top.items() if key != "shard"}
    return base | {"partial": False, "pending": [], "reports": reports}


def write(document: dict[str, Any], output: Path) -> list[str]:
    """The merged report and its CSV, as one run writes them; returns the lines to print."""
    from ..report import write_csv, write_json

    write_json(document, output)
    write_csv(document, output.with_suffix(".csv"), isolated_column=True)  # shards always grade submissions
    return [f"grade report: {output} and {output.with_suffix('.csv')}"]


def summary_line(shards: list[ShardReport], document: dict[str, Any]) -> str:
    reports = lab_reports(document)
    counts = ", ".join(f"{len(report['submissions'])} submissions of {report['lab']}" for report in reports)
    return f"merged {len(shards)} parts of {shards[0].shard['of']}: {counts}"
