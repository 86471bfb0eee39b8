"""The grader's secrets, removed from whatever a learner's output carries before anything is written.

A sandboxed submission never sees the grader's environment, but an unsandboxed one (``--lab-sandbox
none``) could read it, and a secret can reach a learner's output in ways no boundary foresees (a
value the grader passed on on purpose, a file it left readable). So every value of the grader's
secret-looking variables is replaced in the learner's output, its error text and its executed notebook.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

# Names that hold secrets by convention: AWS_SECRET_ACCESS_KEY, GITHUB_TOKEN, DB_PASSWORD, ...
SECRET_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSW|CREDENTIAL|AUTH|PRIVATE|SESSION|COOKIE|SIGNATURE|CERT|PWD$",
                         re.IGNORECASE)
# Shorter values are words ("true", "testing", a region): replacing them would garble honest output.
MIN_LENGTH = 8
# The offline world's own fake values, which every learner may see (its credentials file is /dev/null).
HARMLESS = frozenset({"testing", "FOOBARKEY", "FOOBARSECRET", os.devnull})
# The working directory matches ``PWD$`` (meant for DB_PWD and the like) but is no secret, and honest
# messages hold paths under it ("libgomp at <the venv in it>/...").
NOT_SECRET = frozenset({"PWD", "OLDPWD"})
REPLACEMENT = "[redacted]"


def secret_values(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    environ = os.environ if environ is None else environ
    values = {value for name, value in environ.items()
              if SECRET_NAME.search(name) and name not in NOT_SECRET and len(value) >= MIN_LENGTH
              and value not in HARMLESS}
    return tuple(sorted(values, key=len, reverse=True))  # a secret that contains another goes first


class Redactor:
    def __init__(self, secrets: tuple[str, ...] | None = None) -> None:
        self.secrets = secret_values() if secrets is None else secrets
        self._pattern = re.compile("|".join(map(re.escape, self.secrets))) if self.secrets else None

    def text(self, value: str) -> str:
        return self._pattern.sub(REPLACEMENT, value) if self._pattern is not None else value

    def __call__(self, value: Any) -> Any:
        """``value`` with every secret replaced: strings, and the strings inside lists and dicts."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self(item) for item in value]
        if isinstance(value, dict):
            return {key: self(item) for key, item in value.items()}
        return value
