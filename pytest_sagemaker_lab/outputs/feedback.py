"""One feedback page per learner (``--lab-feedback DIR``): ``<DIR>/<submission>.html`` and ``.md``.

A page is made from the learner's own record in the report document and nothing else: the score, what
to do next, the cell that stopped the notebook, and every stage with its message and hint, in English
and Traditional Chinese. It never holds a stage's ``detail`` (the authors' traceback), another
learner's record, or a path of the grader's machine (page_text's rule); a learner's code and messages
are escaped (HTML: Jinja's autoescape; Markdown: page_text). Pages carry no time or run-specific value
of their own, so the same document always gives the same bytes.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import lab_reports
from .grades import file_name
from .page_text import without_paths

NOT_GRADED_PREFIX = "not graded:"  # report.NOT_GRADED_SUBMISSION: the grader stopped, not the learner
TIMED_OUT_PREFIX = "timed out after"  # grading.runners: the submission ran past --lab-timeout
SKIPPED_FOR = re.compile(r"prerequisite (\S+) \w+: ")  # plugin's skip: "prerequisite <id> failed: <id> is not checked"


@dataclass(frozen=True)
class Both:
    """One text in the two languages of the course."""

    en: str
    zh: str


OUTCOMES = {
    "passed": Both("Passed", "通過"),
    "failed": Both("Failed", "未通過"),
    "skipped": Both("Not checked", "未檢查"),
}
ALL_PASSED = Both("Every stage passed: well done! Nothing is left to fix in this lab.",
                  "所有檢查都通過了，做得好！這個 Lab 沒有需要修正的地方。")


@dataclass(frozen=True)
class Stage:
    number: int
    id: str
    title: Both
    outcome: str
    outcome_label: Both
    points: str
    max_points: str
    message: str
    hint: Both | None


@dataclass(frozen=True)
class Cell:
    number: int
    source: str
    error: str


@dataclass(frozen=True)
class LabSection:
    id: str
    title: Both
    score: str
    max_score: str
    next_steps: list[Both]
    cell: Cell | None
    run_error: str | None  # the submission could not run (no cell to blame): why
    stages: list[Stage]


@dataclass(frozen=True)
class Page:
    file_name: str
    submission: str
    learner: str  # the roster's name, else the submission's
    student_id: str | None
    labs: list[LabSection] = field(default_factory=list)


def write_pages(document: dict[str, Any], directory: Path, roster: Any, *,
                secrets: tuple[str, ...] | None = None) -> list[str]:
    """Writes every learner's page into ``directory``; returns the terminal's line about them.
    ``secrets``: the values to redact (default: the grader's environment's, as the report does)."""
    from ..grading.redact import Redactor

    # The plugin redacts what it records already; a merged document may come from another machine's run.
    pages = build_pages(Redactor(secrets)(document), roster)
    directory.mkdir(parents=True, exist_ok=True)
    for page in pages:
        for suffix in ("html", "md"):
            _write_atomically(directory / f"{page.file_name}.{suffix}", render(page, suffix))
    count = f"{len(pages)} learner{'' if len(pages) == 1 else 's'}"
    return [f"feedback pages: {count} in {_shown(directory)}{os.sep} (HTML and Markdown)"]


def build_pages(document: dict[str, Any], roster: Any) -> list[Page]:
    """One page per submission, in the order they first appear; a section per lab that graded it."""
    pages: dict[str, Page] = {}
    for report in lab_reports(document):
        for submission in report["submissions"]:
            name = submission["name"]
            if name not in pages:
                pages[name] = _page(name, roster)
            pages[name].labs.append(_lab_section(report, submission))
    return list(pages.values())


def _page(name: str, roster: Any) -> Page:
    lookup = getattr(roster, "get", None)
    student = lookup(name) if callable(lookup) else None
    learner = getattr(student, "name", None) or name
    student_id = getattr(student, "student_id", None)
    return Page(file_name=file_name(name), submission=name, learner=str(learner),
                student_id=str(student_id) if student_id not in (None, "") else None)


def _both(texts: dict[str, str] | None, fallback: str) -> Both:
    texts = texts or {}
    return Both(without_paths(texts.get("en") or fallback), without_paths(texts.get("zh-TW") or texts.get("en")
                                                                          or fallback))


def _number(value: Any) -> str:
    number = float(value or 0)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def _hint(row: dict[str, Any], titles: dict[str, Both]) -> Both | None:
    """A failed or skipped stage's hint; a stage skipped for its prerequisite, which has none, names it."""
    if row["outcome"] == "passed":
        return None
    if row.get("hint"):
        return _both(row["hint"], "")
    found = SKIPPED_FOR.match(row.get("message") or "")
    if row["outcome"] == "skipped" and found and found.group(1) in titles:
        title = titles[found.group(1)]
        return Both(f"This stage is checked once \u201c{title.en}\u201d passes: fix that stage first.",
                    f"此項目要等「{title.zh}」通過後才會檢查：請先修正那一項。")
    return None


def _lab_section(report: dict[str, Any], submission: dict[str, Any]) -> LabSection:
    titles = {row["id"]: _both(row.get("title"), row["id"]) for row in submission["stages"]}
    stages = [
        Stage(number=index, id=row["id"], title=titles[row["id"]], outcome=row["outcome"],
              outcome_label=OUTCOMES.get(row["outcome"], Both(row["outcome"], row["outcome"])),
              points=_number(row.get("points")), max_points=_number(row.get("max_points")),
              message=without_paths(row.get("message") or ""), hint=_hint(row, titles))
        for index, row in enumerate(submission["stages"], 1)
    ]
    raw_cell = submission.get("cell")
    cell = Cell(int(raw_cell["number"]), raw_cell.get("source") or "", without_paths(raw_cell.get("error") or ""))\
        if raw_cell else None
    error = submission.get("error")
    run_error = without_paths(error) if error and cell is None else None
    return LabSection(id=report["lab"], title=_both(report.get("title"), report["lab"]),
                      score=_number(submission.get("score")), max_score=_number(submission.get("max_score")),
                      next_steps=_next_steps(stages, cell, run_error), cell=cell, run_error=run_error, stages=stages)


def _next_steps(stages: list[Stage], cell: Cell | None, run_error: str | None) -> list[Both]:
    """What to do first: why the submission could not run; else the first failed stage's hint, and the
    cell that stopped the notebook (first when no stage's hint names that cell already); else the first
    unchecked stage; else a congratulation."""
    if run_error is not None:
        return [_could_not_run(run_error)]
    failed = next((stage for stage in stages if stage.outcome == "failed"), None)
    steps = []
    if failed is not None:
        steps.append(failed.hint or Both(f"The stage \u201c{failed.title.en}\u201d failed: {failed.message}",
                                         f"檢查「{failed.title.zh}」未通過：{failed.message}"))
    if cell is not None:
        named = failed is not None and failed.hint is not None and re.search(rf"\bcell {cell.number}\b",
                                                                             failed.hint.en, re.IGNORECASE)
        if not named and steps:
            steps.append(_cell_also(cell.number))
        elif not named:
            steps.append(_fix_cell(cell.number))
    if steps:
        return steps
    unchecked = next((stage for stage in stages if stage.outcome != "passed"), None)
    if unchecked is not None:
        return [unchecked.hint or Both(f"The stage \u201c{unchecked.title.en}\u201d was not checked: "
                                       f"{unchecked.message}", f"檢查「{unchecked.title.zh}」沒有執行："
                                       f"{unchecked.message}")]
    return [ALL_PASSED]


def _fix_cell(number: int) -> Both:
    return Both(f"Fix cell {number} first: it stopped your notebook, so the cells after it never ran (its error "
                "is below). Then run the whole notebook again from the top.",
                f"請先修正第 {number} 個儲存格：它讓筆記本停止，之後的儲存格都沒有執行（錯誤訊息在下方）。"
                "修正後請從頭重新執行整本筆記本。")


def _cell_also(number: int) -> Both:
    return Both(f"Cell {number} stopped your notebook, so the cells after it never ran (its error is below). "
                "Once the step above is fixed, run the whole notebook again from the top and check that cell "
                f"{number} runs.",
                f"第 {number} 個儲存格讓筆記本停止，之後的儲存格都沒有執行（錯誤訊息在下方）。完成上一步的修正後，"
                f"請從頭重新執行整本筆記本，並確認第 {number} 個儲存格能順利執行。")


def _could_not_run(error: str) -> Both:
    if error.startswith(NOT_GRADED_PREFIX):
        return Both("The grader stopped before it graded your notebook, so this says nothing about your work. "
                    "Ask the course staff to grade your submission again.",
                    "評分程式在為你的筆記本評分之前就停止了，因此這不代表你的作業有誤。請課程人員重新為你的作業評分。")
    if error.startswith(TIMED_OUT_PREFIX):
        return Both(f"Your notebook ran longer than the grader allows ({error}). Make sure it runs from the top "
                    "to the end without waiting on something that never finishes, then submit it again.",
                    f"你的筆記本執行時間超過評分程式允許的上限（{error}）。請確認它能從頭到尾執行完畢，"
                    "沒有卡在永遠不會結束的步驟，再重新繳交。")
    return Both(f"Your notebook could not be run ({error}). Open it in Jupyter, run it from the top to the end "
                "(Kernel \u203a Restart & Run All), fix what stops it, then submit it again.",
                f"你的筆記本無法執行（{error}）。請在 Jupyter 中開啟它，從頭到尾執行一次（Kernel \u203a Restart & Run "
                "All），修正讓它停止的問題，再重新繳交。")


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    from .page_text import html_inline, md_fence, md_inline, md_line

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("pytest_sagemaker_lab.outputs", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    environment.filters.update(inline=html_inline, md=md_inline, mdline=md_line, fence=md_fence)
    return environment


def render(page: Page, kind: str) -> str:
    """The page as ``html`` or ``md``."""
    return _environment().get_template(f"feedback.{kind}.j2").render(page=page)


def _write_atomically(path: Path, text: str) -> None:
    """A reader (the LMS upload, a browser) never sees half a page: written beside it, then renamed."""
    # A short prefix: the page's own name may take most of the file system's 255 bytes.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".page-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)  # mkstemp's file is the owner's only; a page is for sharing
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _shown(directory: Path) -> str:
    """The folder as the terminal shows it: relative to the working folder when it is under it."""
    try:
        return str(directory.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(directory)
