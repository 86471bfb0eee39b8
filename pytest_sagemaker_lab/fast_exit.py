"""An offline session ends without one last sweep of a heap it no longer needs.

An offline session holds moto, botocore's service models, the SDK's and xgboost's modules: a few
hundred thousand objects. At exit the interpreter's final garbage collections walk every one of them,
about half a second per process, and every xdist worker pays it. ``gc.freeze`` (objects it moves to
the permanent generation are left out of all later collections) skips that walk. Nothing the session
writes depends on it: reports and notebooks are written and closed before exit, and what the
interpreter frees by reference counting at exit it still frees.
"""

from __future__ import annotations

import atexit
import gc

_registered = False


def skip_final_collection() -> None:
    """Freeze the heap as the interpreter exits (registered once; atexit runs it before earlier handlers)."""
    global _registered
    if not _registered:
        atexit.register(gc.freeze)
        _registered = True
