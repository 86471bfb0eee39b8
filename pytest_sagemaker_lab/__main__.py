"""``python -m pytest_sagemaker_lab COMMAND``: the grader's commands that run outside pytest.

- ``merge``: one gradebook from the reports of a class graded in parts (``--lab-shard K/N``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

PROG = "python -m pytest_sagemaker_lab"

MERGE_EPILOG = """\
exit codes:
  0  merged: OUT.json, OUT.csv and the outputs asked for are written
  1  the reports are not one whole class: a part missing or given twice, a submission graded in
     none or in two, a partial part, parts of different splits, classes, labs or modes; every
     problem is printed and nothing is written
  2  usage: a file that cannot be read or is not a --lab-shard run's report, a bad option

example:
  python -m pytest_sagemaker_lab merge shards/shard-*/report.json -o gradebook/report.json \\
      --submissions submissions --lab lab_steps/lab4_1 --roster roster.csv --export canvas
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="pytest-sagemaker-lab's commands outside pytest.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    merge = commands.add_parser(
        "merge", help="one gradebook from the reports of a class graded in parts (--lab-shard K/N)",
        description="Checks that the reports are the parts of one class, each once and graded to the end, every "
        "submission in exactly one, then writes the report one run would have written (OUT.json), its CSV "
        "(OUT.csv) and the class summary, the exports and the feedback pages asked for.",
        epilog=MERGE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    merge.add_argument("reports", nargs="+", type=Path, metavar="REPORT.json",
                       help="the report of each part (pytest --lab-shard K/N --lab-report PATH)")
    merge.add_argument("-o", "--output", required=True, type=Path, metavar="OUT.json",
                       help="the merged report; its CSV and class summary are written beside it")
    merge.add_argument("--roster", type=Path, metavar="PATH", help="as --lab-roster: the class roster CSV")
    merge.add_argument("--export", metavar="FORMATS", help="as --lab-export: canvas, moodle, gradescope, classroom")
    merge.add_argument("--assignment", metavar="NAME", help="as --lab-assignment: the assignment's name in exports")
    merge.add_argument("--feedback", type=Path, metavar="DIR", help="as --lab-feedback: one page per submission")
    merge.add_argument("--similarity", default="0.8", metavar="FRACTION|off",
                       help="as --lab-similarity (default 0.8); needs --submissions, the graded files")
    merge.add_argument("--submissions", type=Path, metavar="DIR",
                       help="the folder the parts graded (--lab-submission), for the similarity flags")
    merge.add_argument("--lab", action="append", type=Path, default=[], metavar="DIR", dest="labs",
                       help="a lab folder graded (repeat for each), so the similarity flags leave its starter out")
    merge.set_defaults(run=run_merge)
    return parser


def run_merge(args: argparse.Namespace) -> int:
    from .outputs import OutputPlan, write_outputs
    from .outputs.merge import (
        EXIT_MERGED,
        EXIT_NOT_ONE_CLASS,
        EXIT_USAGE,
        MergeUsageError,
        NotOneClass,
        merge,
        read_shard,
        summary_line,
        write,
    )

    try:
        shards = [read_shard(path) for path in args.reports]
        _check_output_path(args.output, args.reports)
        document = merge(shards)
        similarity = _similarity(args.similarity)
        plan = OutputPlan(report=args.output, roster=_roster(args.roster),
                          exports=_exports(args.export), assignment=args.assignment, feedback=args.feedback,
                          similarity=similarity if args.submissions else None,  # it reads the graded files
                          submissions=_submission_files(args.submissions, shards[0].shard["class"]),
                          lab_dirs=_lab_dirs(args.labs, document))
    except MergeUsageError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except NotOneClass as exc:
        for problem in exc.problems:
            print(f"merge: {problem}", file=sys.stderr)
        return _fail(f"{len(exc.problems)} problem(s): the reports are not one whole class; nothing was written",
                     EXIT_NOT_ONE_CLASS)
    lines = [summary_line(shards, document), *write(document, args.output)]
    try:
        lines += write_outputs(document, plan)
    except ValueError as exc:  # a broken roster (RosterError): its message names the file, the line and the fix
        print("\n".join(lines))
        return _fail(str(exc), EXIT_USAGE)
    print("\n".join(lines))
    return EXIT_MERGED


def _fail(message: str, code: int) -> int:
    print(f"merge: {message}", file=sys.stderr)
    return code


def _usage(check: Callable[[], Any], prefix: str = "") -> Any:
    """Runs ``check``; a pytest.UsageError or ValueError it raises becomes merge's usage error."""
    import pytest

    from .outputs.merge import MergeUsageError

    try:
        return check()
    except (pytest.UsageError, ValueError) as exc:
        raise MergeUsageError(f"{prefix}{exc}") from None


def _check_output_path(output: Path, reports: Sequence[Path]) -> None:
    from .outputs.merge import MergeUsageError

    if any(output.resolve() == report.resolve() for report in reports):
        raise MergeUsageError(f"-o {output} is one of the reports merged: write the gradebook elsewhere")


def _roster(path: Path | None) -> Path | None:
    """Read now, so a broken roster stops the merge before anything is written."""
    if path is not None:
        from .outputs.roster import Roster

        _usage(lambda: Roster.load(path))
    return path


def _exports(text: str | None) -> tuple[str, ...]:
    from .outputs import parse_exports

    return _usage(lambda: parse_exports(text), "--export: ")


def _similarity(text: str) -> float | None:
    from .outputs.merge import MergeUsageError

    if text.strip().lower() == "off":
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise MergeUsageError(f"--similarity must be a fraction from 0 to 1 or off, got {text!r}")
    return value


def _submission_files(folder: Path | None, everyone: list[str]) -> tuple[Path, ...]:
    """The graded files, found as --lab-submission finds them; they must be the class the shards name."""
    if folder is None:
        return ()
    from .grading.submissions import discover
    from .outputs.merge import MergeUsageError

    found = _usage(lambda: discover(folder))
    names = [submission.name for submission in found]
    if names != everyone:
        missing = [name for name in everyone if name not in names]
        extra = [name for name in names if name not in everyone]
        raise MergeUsageError(f"--submissions {folder} is not the class the reports graded (missing: "
                              f"{', '.join(missing) or 'none'}; not in the class: {', '.join(extra) or 'none'}): give "
                              "the folder the parts graded")
    return tuple(submission.path for submission in found)


def _lab_dirs(folders: list[Path], document: dict[str, Any]) -> dict[str, Path]:
    from .outputs import lab_reports
    from .outputs.merge import MergeUsageError
    from .spec import SpecError, load_spec

    graded = [report["lab"] for report in lab_reports(document)]
    found = {}
    for folder in folders:
        try:
            spec = load_spec(folder)
        except SpecError as exc:
            raise MergeUsageError(f"--lab {folder}: {exc}") from None
        if spec.id not in graded:
            raise MergeUsageError(f"--lab {folder} is the lab {spec.id}, which the reports do not grade (they grade "
                                  f"{', '.join(graded)})")
        found[spec.id] = spec.directory
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
