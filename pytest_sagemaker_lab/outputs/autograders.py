"""LMS and autograder exports (to be written: issue 13, item 4)."""

from __future__ import annotations

from typing import Any


def write(name: str, document: dict[str, Any], plan: Any, roster: Any) -> list[str]:
    raise NotImplementedError(f"--lab-export {name} is not written yet")
