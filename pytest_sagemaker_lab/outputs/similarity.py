"""Pairs of submissions whose own code is suspiciously alike, for the instructor's class summary only.

Each learner's own code is their code cells (a notebook's, or a ``.py`` file's ``# %%`` cells) without
the cell tagged ``parameters`` when it only sets names to constants (the tag is the learner's: a cell so
tagged that holds more is compared); the lab's starter is left out as copydetect's boilerplate. Every pair
is compared with copydetect's fingerprints (docs/facts/copydetect.md says how, and where this module
departs from copydetect's own pipeline). A flag says "look at these two": a person judges.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..grading.submissions import read_code_cells

# copydetect's thresholds are counts of characters of *filtered* code (names become V, F or O, strings
# S, whitespace and comments go): `V=V(V,V=V,V="S")` is one line of 17. 25 (copydetect's default) is
# about two short statements: shorter runs are what any two correct solutions share by chance.
NOISE_THRESHOLD = 25
# Guarantee = noise: every k-gram is a fingerprint (winnowing window 1). A short notebook has a few
# hundred k-grams, so keeping them all costs little, and the scores then do not depend on which hashes
# Python's per-process hash() made smallest: the same class gives the same flags on every run.
GUARANTEE_THRESHOLD = NOISE_THRESHOLD
# A pair is flagged only if its matching code is at least this long (filtered characters, counted in
# the smaller side): a learner who wrote one import of their own "matches" every classmate 100%.
MIN_MATCH = 120
PARAMETERS_TAG = "parameters"  # as drivers.PARAMETERS_TAG and the graders' papermill-style injection
# A submission whose code cells hold more than this is not compared (and is named as such in the summary): a
# Lab 4.1 notebook holds about 2,300 characters, and the comparison's cost grows with every character, in
# time and, for the screen below, in memory times the class's size. A person looks at that one instead.
MAX_CODE_CHARACTERS = 100_000
# Cells of the screen's working arrays at a time (int32 and int64 ones: about 100 MiB at this size).
SCREEN_CELLS = 1 << 22


@dataclass(frozen=True)
class OwnCode:
    """A learner's own code, filtered as copydetect filters it, cell by cell."""

    name: str
    filtered: str  # the filtered cells joined
    cells: tuple[tuple[int, int, int], ...]  # (cell number as the learner counts code cells, start, end)

    def cells_in(self, slices: Any) -> tuple[int, ...]:
        """The cells the matched ``slices`` (copydetect's 2xN starts/ends in ``filtered``) cover: at least
        a k-gram's worth of each (all of a shorter cell), as a k-gram that ends a copied cell reaches up to
        k - 1 characters into the next one, which need not be copied."""
        found = []
        for number, cell_start, cell_end in self.cells:
            covered = sum(max(0, min(int(end), cell_end) - max(int(start), cell_start))
                          for start, end in zip(slices[0], slices[1], strict=True))
            if cell_end > cell_start and covered >= min(NOISE_THRESHOLD, cell_end - cell_start):
                found.append(number)
        return tuple(found)


@dataclass(frozen=True)
class Flag:
    """Two submissions whose own code is alike. ``first_share``: the part of ``first``'s own code (its
    fingerprinted tokens) found in ``second``, as copydetect reports it; ``second_share`` the other way."""

    first: str
    second: str
    first_share: float
    second_share: float
    first_cells: tuple[int, ...]
    second_cells: tuple[int, ...]

    @property
    def score(self) -> float:
        """The larger share: a learner who copied a classmate's notebook and added code of their own
        still shows in the classmate's share."""
        return max(self.first_share, self.second_share)


@dataclass(frozen=True)
class Similarity:
    flags: list[Flag]  # by score, highest first
    compared: int  # submissions compared
    notes: list[str]  # submissions skipped, and why


def own_code(name: str, path: Path) -> OwnCode:
    """The learner's code cells but the parameters cell, each filtered on its own (as a kernel runs it,
    so a cell left unfinished does not change how the next is read), joined."""
    parts: list[str] = []
    cells: list[tuple[int, int, int]] = []
    start = 0
    code = read_code_cells(path)
    size = sum(len(source) for _, source, _ in code)
    if size > MAX_CODE_CHARACTERS:
        raise ValueError(f"its code cells hold {size:,} characters, more than the {MAX_CODE_CHARACTERS:,} compared "
                         "(a Lab 4.1 notebook holds about 2,300): look at it yourself")
    for number, source, tags in code:
        if PARAMETERS_TAG in tags and _only_settings(source):
            continue
        filtered = _filtered(source)
        parts.append(filtered)
        cells.append((number, start, start + len(filtered)))
        start += len(filtered)
    return OwnCode(name, "".join(parts), tuple(cells))


def _only_settings(source: str) -> bool:
    """Whether a cell holds nothing but names set to constants, as a parameters cell does. Any other cell
    tagged ``parameters`` is compared: the tag is the learner's to set, and a copied solution in a cell so
    tagged would otherwise never be compared."""
    import ast

    try:
        statements = ast.parse(source).body
        for statement in statements:
            targets = statement.targets if isinstance(statement, ast.Assign) else \
                [statement.target] if isinstance(statement, ast.AnnAssign) and statement.value is not None else None
            if targets is None or not all(isinstance(target, ast.Name) for target in targets):
                return False
            ast.literal_eval(statement.value)
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        return False
    return True


def starter_fingerprints(lab_dir: Path) -> frozenset[int]:
    """Every k-gram hash of the lab's starter code (``starter.ipynb`` and ``starter.py``, both when both
    are there), as copydetect fingerprints boilerplate: window 1, all of them. ValueError: a starter that
    cannot be read."""
    from copydetect import CodeFingerprint

    hashes: set[int] = set()
    for starter in (lab_dir / "starter.ipynb", lab_dir / "starter.py"):
        if starter.is_file():
            try:
                cells = read_code_cells(starter)
            except ValueError as exc:
                raise ValueError(f"the lab's starter {starter} is {exc}") from None
            code = "".join(_filtered(source) for _, source, _ in cells)
            hashes |= CodeFingerprint("starter.py", NOISE_THRESHOLD, 1, filter=False, fp=io.StringIO(code)).hashes
    return frozenset(int(value) for value in hashes)


# A line of nothing but whitespace. pygments' Python lexer tries ``^(\s*)..."""`` at every line start, and
# ``\s*`` runs on across the lines after it: 50,000 lines of a tab took 98 s, growing as their square
# (docs/facts/hostile-submissions.md).
_BLANK_LINE = re.compile(r"^[^\S\n]+$", re.MULTILINE)


def _filtered(source: str) -> str:
    """The cell as copydetect filters it, its whitespace-only lines emptied first (filtering drops whitespace
    anyway; only the lexer's time changes). Line ends are made ``\n`` first, as the lexer makes them: a line
    of " \r" repeated is one line to the pattern, thousands to the lexer."""
    from copydetect.utils import filter_code

    lines = source.replace("\r\n", "\n").replace("\r", "\n")
    return filter_code(_BLANK_LINE.sub("", lines), "cell.py", "python")[0]


def fingerprint(code: OwnCode, boilerplate: frozenset[int]) -> Any:
    """copydetect's fingerprint of the learner's own code, the starter's k-grams taken out.

    copydetect can take boilerplate out itself, but it does so with ``np.intersect1d(...,
    assume_unique=True)`` on hashes that repeat (every k-gram is kept, repeats included), which also
    drops any k-gram the learner wrote twice, from the starter or not (docs/facts/copydetect.md)."""
    from copydetect import CodeFingerprint
    from copydetect.utils import get_token_coverage

    window = GUARANTEE_THRESHOLD - NOISE_THRESHOLD + 1
    result = CodeFingerprint(f"{code.name}.py", NOISE_THRESHOLD, window, filter=False,
                             fp=io.StringIO(code.filtered))
    starter = result.hashes & boilerplate
    if starter:
        result.hashes = result.hashes - starter
        result.hash_idx = {key: value for key, value in result.hash_idx.items() if key not in starter}
        result.token_coverage = get_token_coverage(result.hash_idx, NOISE_THRESHOLD, len(code.filtered))
    return result


def submission_names(paths: Sequence[Path]) -> dict[str, Path]:
    """Name -> file, named as the grader names submissions (grading/submissions.py ``discover``): the
    file's stem, or its whole name where the stem would not tell it from another file's name."""
    from ..grading.submissions import submission_names as names

    return dict(zip(names(paths), paths, strict=True))


def find_similar(files: dict[str, Path], lab_dir: Path | None, threshold: float) -> Similarity:
    """Every pair of ``files`` (name -> path) whose own code is at least ``threshold`` alike, with the
    starter in ``lab_dir`` left out (None: the lab has no starter to leave out)."""
    from copydetect import compare_files

    boilerplate = starter_fingerprints(lab_dir) if lab_dir is not None else frozenset()
    notes: list[str] = []
    codes: list[OwnCode] = []
    prints: list[Any] = []
    for name, path in sorted(files.items()):
        try:
            code = own_code(name, path)
        except ValueError as exc:
            notes.append(f"{name} ({path.name}) was skipped: {exc}")
            continue
        codes.append(code)
        prints.append(fingerprint(code, boilerplate))
    shares = share_matrix(prints)
    flags = []
    for first in range(len(codes)):
        for second in range(first + 1, len(codes)):
            if max(shares[first, second], shares[second, first]) < threshold:
                continue
            flag = _confirmed(codes[first], prints[first], codes[second], prints[second], threshold, compare_files)
            if flag is not None:
                flags.append(flag)
    flags.sort(key=lambda flag: (-flag.score, flag.first, flag.second))
    return Similarity(flags, len(codes), notes)


def share_matrix(prints: Sequence[Any]) -> Any:
    """``shares[a, b]``: the part of ``prints[a]``'s fingerprinted tokens found in ``prints[b]``, the
    number copydetect's ``compare_files`` reports for a (tokens covered by a k-gram that b has too, over
    a's token coverage), for every pair at once.

    copydetect compares one pair at a time in Python (0.4 ms a pair of Lab 4.1 notebooks: 50 s for a class
    of 500); this finds the pairs worth its comparison with one pass of numpy per submission (bench/similarity.py)."""
    import numpy as np

    k = NOISE_THRESHOLD
    holders = Counter(int(value) for print_ in prints for value in print_.hashes)
    # Only k-grams two submissions hold can match: a dense id for each (the others would only fill memory).
    ids = {value: index for index, value in enumerate(value for value, count in holders.items() if count > 1)}
    located: list[tuple[Any, Any]] = []  # per submission: where its shared k-grams start, their ids
    for print_ in prints:
        pairs = sorted((int(position), ids[int(value)]) for value, positions in print_.hash_idx.items()
                       if int(value) in ids for position in positions)
        located.append((np.array([position for position, _ in pairs], dtype=np.int64),
                        np.array([hash_id for _, hash_id in pairs], dtype=np.int64)))
    held = np.zeros((len(ids), len(prints)), dtype=bool)  # held[hash id, submission]
    for index, (_, hash_ids) in enumerate(located):
        held[hash_ids, index] = True
    shares = np.zeros((len(prints), len(prints)))
    for index, (positions, hash_ids) in enumerate(located):
        if not len(positions) or not prints[index].token_coverage:
            continue
        rows = int(positions[-1]) + 2 * k  # tokens 0..last + k - 1
        step = max(1, SCREEN_CELLS // rows)  # the others a few columns at a time: memory stays bounded
        for first in range(0, len(prints), step):
            columns = slice(first, min(len(prints), first + step))
            starts = np.zeros((rows, columns.stop - first), dtype=np.int32)
            starts[k + positions] = held[hash_ids, columns]  # row k + p: p's k-gram is also in that submission
            if first <= index < columns.stop:
                starts[:, index - first] = 0
            before = np.cumsum(starts, axis=0)  # before[k + t]: such k-grams starting at or before t
            covered = (before[k:] - before[:-k]) > 0  # token t: one of them starts in t-k+1..t
            shares[index, columns] = covered.sum(axis=0) / prints[index].token_coverage
    return shares


def _confirmed(first: OwnCode, first_print: Any, second: OwnCode, second_print: Any, threshold: float,
               compare: Any) -> Flag | None:
    """copydetect's own comparison of a pair the screen found; the flag, if it holds."""
    first_overlap, (first_share, second_share), (first_slices, second_slices) = compare(first_print, second_print)
    second_overlap = sum(int(end - start) for start, end in zip(*second_slices, strict=True))
    if max(first_share, second_share) < threshold or min(first_overlap, second_overlap) < MIN_MATCH:
        return None
    return Flag(first.name, second.name, float(first_share), float(second_share),
                first.cells_in(first_slices), second.cells_in(second_slices))
