"""An offline session skips the interpreter's final sweep of its heap (fast_exit)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import atexit, gc, sys
    # Registered first, so atexit runs it last: it sees what the handlers before it left.
    atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count(), flush=True))
    from pytest_sagemaker_lab.fast_exit import skip_final_collection
    if sys.argv[1] == "yes":
        skip_final_collection()
        skip_final_collection()  # a second call registers nothing more
    with open(sys.argv[2], "w") as report:  # what a session writes is written, frozen or not
        report.write("written")
""")


@pytest.mark.parametrize("skip", ["yes", "no"])
def test_the_heap_is_frozen_at_exit_only_when_asked(tmp_path, skip):
    script = tmp_path / "exit.py"
    script.write_text(SCRIPT)
    done = subprocess.run([sys.executable, str(script), skip, str(tmp_path / "out.txt")],
                          capture_output=True, text=True, timeout=60, check=True)
    frozen = int(done.stdout.split("frozen at exit:")[1])
    assert (frozen > 1000) if skip == "yes" else frozen == 0
    assert (tmp_path / "out.txt").read_text() == "written"

