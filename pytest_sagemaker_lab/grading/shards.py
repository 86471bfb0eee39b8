"""--lab-shard (to be written: issue 13, item 5)."""

from __future__ import annotations

from typing import Any

import pytest


def select(submissions: list[Any], spec: str) -> list[Any]:
    raise pytest.UsageError("--lab-shard is not written yet")
