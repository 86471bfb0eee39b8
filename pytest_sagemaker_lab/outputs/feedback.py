"""Feedback pages (to be written: issue 13, item 3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_pages(document: dict[str, Any], directory: Path, roster: Any) -> list[str]:
    raise NotImplementedError("--lab-feedback is not written yet")
