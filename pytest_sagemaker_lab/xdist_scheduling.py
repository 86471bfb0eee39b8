"""Under pytest-xdist, a submission's stages must run in one worker and in order.

xdist's ``loadgroup`` would do it, but its group suffix no longer reaches the node ids on pytest 9.2
(xdist 3.8 writes ``item._nodeid``, which pytest 9.2 no longer reads). So the plugin hands xdist a
scheduler of its own: a lab's items are grouped by module and submission, every other test is
scheduled alone, as with ``--dist load``. Within a group, items keep the order the workers collected
them in, which is the stage order.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

_PARAMS = re.compile(r"^(?P<module>[^:]+)::[^\[]+\[(?P<params>.*)\]$")


def make_scheduler(config: Any, log: Any, submission_names: list[str]) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    names = sorted((node_id_name(name, config) for name in submission_names), key=len, reverse=True)
    rootpath = Path(config.rootpath)

    @functools.cache
    def is_lab_module(module: str) -> bool:
        from .spec import find_spec_dir

        return find_spec_dir((rootpath / module).parent) is not None

    class LabScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            match = _PARAMS.match(nodeid)
            if match and is_lab_module(match.group("module")):
                params = match.group("params")
                for name in names:
                    if params == name or params.startswith(f"{name}-"):
                        return f"{match.group('module')}::{name}"
            return nodeid

    return LabScheduling(config, log)


def node_id_name(name: str, config: Any) -> str:
    """A submission's name as pytest writes it in node ids: pytest escapes a parametrize id to ASCII
    (``王小明`` becomes the 18 characters ``\\u738b\\u5c0f\\u660e``, ``\\`` becomes two), unless its ini option
    ``disable_test_id_escaping_...`` is set. Matched unescaped, a name with one non-ASCII letter found none of
    its items, so its stages were scheduled one by one on any worker, each running the notebook again
    without the verdicts of the stages before it (a learner named in Chinese lost three points; see
    docs/facts/hostile-submissions.md)."""
    if config.getini("disable_test_id_escaping_and_forfeit_all_rights_to_community_support"):
        return name
    return name.encode("unicode_escape").decode("ascii")  # what pytest's ascii_escaped does to a str
