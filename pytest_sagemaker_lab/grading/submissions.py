"""What a run grades: the lab's reference solution, the account as it is, or learners' submissions."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

REFERENCE = "reference"
VERIFY_ONLY = "account"


@dataclass(frozen=True)
class Submission:
    """One thing to grade. ``path`` is None for the reference solution and for verify-only runs."""

    name: str
    index: int
    kind: str  # "reference", "verify-only" or "submission"
    path: Path | None = None

    def __repr__(self) -> str:  # shown in pytest's parametrization ids and errors
        return f"Submission({self.name!r})"


SUFFIXES = (".ipynb", ".py")


def discover(path: Path) -> list[Submission]:
    """A notebook or .py file, or every one of them directly in a folder, sorted by name."""
    if not path.exists():
        raise pytest.UsageError(f"--lab-submission: {path} does not exist; give a notebook, a .py file or a "
                                "folder of them")
    if path.is_file():
        if path.suffix not in SUFFIXES:
            raise pytest.UsageError(f"--lab-submission: {path} is neither a notebook (.ipynb) nor a .py file")
        files = [path]
    else:
        files = sorted(p for p in path.iterdir()
                       if p.is_file() and p.suffix in SUFFIXES and not p.name.startswith((".", "_")))
        if not files:
            raise pytest.UsageError(f"--lab-submission: {path} holds no .ipynb or .py file")
    for file in files:
        problem = unprintable_name(file.name)
        if problem:
            raise pytest.UsageError(f"--lab-submission: the file {file.name!r} in {file.parent} has a name that "
                                    f"{problem}: the report, the terminal and the LMS files could not show it "
                                    "as it is. Rename it (to the learner's id, say) and grade again")
    return [Submission(name, index, "submission", file.resolve())
            for index, (name, file) in enumerate(zip(submission_names(files), files, strict=True))]


def submission_names(files: Sequence[Path]) -> list[str]:
    """Each file's submission name, one per file: its stem, or its whole file name where the stem would not tell
    it from another file's name. alice.ipynb and alice.py are named so; and then alice.ipynb.py (stem
    ``alice.ipynb``) too, or a learner could name a file after a classmate's and share their name, which
    is what the report, the stages' bookkeeping and every output file go by."""
    stems = Counter(file.stem for file in files)
    whole = {file for file in files if stems[file.stem] > 1}
    while True:  # a stem that is another file's whole name takes its own whole name, which may be a third's stem
        taken = {file.name for file in whole}
        more = {file for file in files if file not in whole and file.stem in taken}
        if not more:
            return [file.name if file in whole else file.stem for file in files]
        whole |= more


# Bidirectional overrides and isolates: they make a name read as another ("Trojan Source", CVE-2021-42574).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def unprintable_name(name: str) -> str | None:
    """Why a file name cannot name a submission, or None: bytes that are not UTF-8 (Python holds them as
    lone surrogates, which no UTF-8 file can be written with: the report once failed for the whole class),
    control characters (a newline forges a line of the terminal's or the class summary's, an escape
    sequence rewrites the terminal), and bidirectional controls (docs/facts/hostile-submissions.md)."""
    if any("\ud800" <= char <= "\udfff" for char in name):
        return "is not UTF-8 text"
    if any(ord(char) < 32 or 127 <= ord(char) < 160 for char in name):
        return "holds a control character (a newline, a tab, an escape, ...)"
    if any(char in _BIDI_CONTROLS for char in name):
        return "holds a bidirectional control character, which makes it read as another name"
    return None


def literal_assignments(source: str, name: str) -> list[str]:
    """The string literals ``source`` assigns to ``name``, in order (how a notebook names its bucket)."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            if any(isinstance(target, ast.Name) and target.id == name for target in node.targets):
                found.append((node.lineno, node.value.value))
    return [value for _, value in sorted(found)]


def submissions_for(submission_option: str | None, verify_only: bool) -> list[Submission]:
    if submission_option:
        return discover(Path(submission_option))
    if verify_only:
        return [Submission(VERIFY_ONLY, 0, "verify-only")]
    return [Submission(REFERENCE, 0, "reference")]


def submission_source(path: Path) -> str:
    """The code of a notebook's code cells, or of a .py file's cells, joined; "" for a file that is neither
    (the run says why it could not run it, which a stage's set-up error would not)."""
    try:
        cells = read_code_cells(path)
    except ValueError:
        return ""
    return ("\n" if path.suffix == ".ipynb" else "").join(source for _, source, _ in cells)


def read_code_cells(path: Path) -> list[tuple[int, str, tuple[str, ...]]]:
    """(number, source, tags) of each code cell, numbered as the learner counts code cells; raises
    ValueError for a file that is not a readable notebook or ``.py`` file."""
    if path.suffix == ".py":
        from ..drivers import read_percent_cells

        try:
            return [(cell.number, cell.source, cell.tags) for cell in read_percent_cells(path)]
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"not a readable .py file ({type(exc).__name__}: {exc})") from None
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = [cell for cell in notebook["cells"] if cell.get("cell_type") == "code"]
        return [(number, _text(cell.get("source", "")), tuple(cell.get("metadata", {}).get("tags", [])))
                for number, cell in enumerate(cells, start=1)]
    # RecursionError: JSON nested thousands deep, which the grader could not run either.
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise ValueError(f"not a readable notebook ({type(exc).__name__}: {str(exc)[:200]})") from None


def _text(source: str | list[str]) -> str:
    return source if isinstance(source, str) else "".join(source)
