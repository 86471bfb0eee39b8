"""The class summary file (to be written: issue 13, item 6)."""

from __future__ import annotations

from typing import Any


def write_summary(document: dict[str, Any], plan: Any) -> list[str]:
    return []
