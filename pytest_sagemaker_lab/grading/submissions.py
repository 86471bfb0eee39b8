"""What a run grades: the lab's reference solution, the account as it is, or learners' submissions."""

from __future__ import annotations

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
    stems = [file.stem for file in files]
    # alice.ipynb and alice.py in one folder: keep both, named by their whole file name.
    names = [file.name if stems.count(file.stem) > 1 else file.stem for file in files]
    return [Submission(name, index, "submission", file.resolve())
            for index, (name, file) in enumerate(zip(names, files, strict=True))]


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
    """The code of a notebook's code cells, or of a .py file's cells, joined."""
    if path.suffix == ".ipynb":
        import json

        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (ValueError, OSError):
            return ""
        return "\n".join("".join(cell.get("source", "")) for cell in cells if cell.get("cell_type") == "code")
    from ..drivers import read_percent_cells

    return "".join(cell.source for cell in read_percent_cells(path))
