"""Drivers make a lab happen before the stages check it: the lab's reference solution, or nothing.

Solutions are Python files in the "percent" format (cells split by ``# %%`` lines). The driver runs
their code cells in order, injecting the world's values after the cell tagged ``parameters`` (or
before the first cell where none is tagged), as papermill does for notebooks.
"""

from __future__ import annotations

import contextlib
import io
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .backends import World

_CELL_MARKER = re.compile(r"^# %%(?P<rest>.*)$")
PARAMETERS_TAG = "parameters"


@dataclass(frozen=True)
class Cell:
    number: int  # 1-based, counting code cells only, as a learner counts them
    source: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Block:
    """One ``# %%`` block of a percent-format file: its kind, tags and text."""

    markdown: bool
    tags: tuple[str, ...]
    text: str


def percent_blocks(path: Path) -> list[Block]:
    """The blocks of a percent-format file, in order; text before the first marker is a code block."""
    blocks: list[Block] = []
    lines: list[str] = []
    header: str | None = None

    def close() -> None:
        if header is None and not any(line.strip() for line in lines):
            return
        tags = tuple(re.findall(r'"([^"]+)"', header.partition("tags=")[2])) if header else ()
        blocks.append(Block(header is not None and "[markdown]" in header, tags, "".join(lines)))

    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        match = _CELL_MARKER.match(line)
        if match:
            close()
            header, lines = match.group("rest"), []
        else:
            lines.append(line)
    close()
    return blocks


def read_percent_cells(path: Path) -> list[Cell]:
    """The code cells of a percent-format file (markdown cells are skipped)."""
    code = [block for block in percent_blocks(path) if not block.markdown]
    return [Cell(number, block.text, block.tags) for number, block in enumerate(code, start=1)]


def parameter_values(world: World) -> dict[str, str]:
    """What the grader injects: the names the lab's code reads its account from."""
    return {"bucket_name": world.bucket, "prefix": world.prefix, "role_arn": world.role_arn,
            "region": world.region, **world.parameters}


def injected_source(values: dict[str, str]) -> str:
    lines = ["# Parameters injected by pytest-sagemaker-lab"]
    lines += [f"{name} = {value!r}" for name, value in values.items()]
    return "\n".join(lines) + "\n"


def with_parameters(cells: list[Cell], values: dict[str, str]) -> list[Cell]:
    tagged = [index for index, cell in enumerate(cells) if PARAMETERS_TAG in cell.tags]
    position = tagged[0] + 1 if tagged else 0
    injected = Cell(0, injected_source(values), ("injected-parameters",))
    return [*cells[:position], injected, *cells[position:]]


@dataclass
class LabRun:
    """What a driver did: the submission's name, and why it stopped early, if it did."""

    name: str
    world: World
    source: Path | None = None  # the code the driver ran, None when it ran nothing
    error: str | None = None
    failed_cell: int | None = None
    failed_source: str = ""  # that cell's code, as the learner wrote it (for their feedback)
    output: str = ""
    namespace: dict = field(default_factory=dict, repr=False)
    evidence: dict | None = None  # taken inside the learner's process after the run (submissions)
    executed: Path | None = None  # the executed notebook (or the .py run's log), for the instructor


def run_percent_file(name: str, path: Path, world: World, interrupted: Any = None) -> LabRun:
    """Run a percent-format solution in this process, against ``world``; ``interrupted`` (an Event)
    stops it between cells."""
    run = LabRun(name=name, world=world, source=path)
    namespace: dict = {"__name__": "__main__", "__file__": str(path)}
    stdout = io.StringIO()
    cells = with_parameters(read_percent_cells(path), parameter_values(world))
    with contextlib.redirect_stdout(stdout):
        for cell in cells:
            if interrupted is not None and interrupted.is_set():
                raise KeyboardInterrupt
            label = f"{path.name}, cell {cell.number}" if cell.number else f"{path.name}, injected cell"
            try:
                exec(compile(cell.source, f"<{label}>", "exec"), namespace)
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt):
                    raise
                run.failed_cell = cell.number
                run.failed_source = cell.source
                run.error = f"{label} raised {type(exc).__name__}: {exc}"
                run.output = stdout.getvalue() + "".join(traceback.format_exception(exc))
                break
    if run.error is None:
        run.output = stdout.getvalue()
    run.namespace = namespace
    return run


def percent_to_notebook(path: Path):
    """A notebook with the cells of a percent-format file (markdown cells kept), for learners."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for block in percent_blocks(path):
        text = block.text.strip("\n")
        if block.markdown:
            markdown = "\n".join(line.removeprefix("# ").removeprefix("#") for line in text.splitlines())
            nb.cells.append(nbformat.v4.new_markdown_cell(markdown))
            continue
        cell = nbformat.v4.new_code_cell(text)
        if block.tags:
            cell.metadata["tags"] = list(block.tags)
        nb.cells.append(cell)
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index}"  # stable ids: the shipped notebooks do not change on regeneration
    return nb
