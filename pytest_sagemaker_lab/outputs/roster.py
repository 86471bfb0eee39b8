"""The class roster (to be written: issue 13, item 4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class Roster:
    @classmethod
    def load(cls, path: Path) -> Any:
        raise NotImplementedError("--lab-roster is not written yet")
