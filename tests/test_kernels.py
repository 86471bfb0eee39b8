"""The grader's kernel: ready as soon as it has answered and IOPub is joined, gone as soon as it is killed."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from queue import Empty

import nbformat
import pytest
from nbclient import NotebookClient

from pytest_sagemaker_lab.grading.kernels import PromptKernelClient, PromptKernelManager


class _Channel:
    def __init__(self, script):
        self.script = list(script)

    async def get_msg(self, timeout=None):
        item = self.script.pop(0) if self.script else Empty()
        if isinstance(item, Exception):
            raise item
        return item


def _reply(msg_id):
    return {"msg_type": "kernel_info_reply", "parent_header": {"msg_id": msg_id}, "content": {}}


def _status(msg_id, state):
    return {"msg_type": "status", "parent_header": {"msg_id": msg_id}, "content": {"execution_state": state}}


def _client(shell, iopub, alive=True):
    client = PromptKernelClient()
    ids = (f"req{n}" for n in itertools.count(1))
    client.sent = []
    client.kernel_info = lambda: client.sent.append(next(ids)) or client.sent[-1]
    client._shell_channel, client._iopub_channel = _Channel(shell), _Channel(iopub)
    client.handled = []
    client._handle_kernel_info_reply = client.handled.append

    async def is_alive():
        return alive

    client._async_is_alive = is_alive
    return client


def test_ready_once_the_reply_and_that_requests_idle_status_have_arrived():
    client = _client(shell=[_reply("req1")], iopub=[_status("req1", "busy"), _status("req1", "idle")])
    asyncio.run(client.wait_for_ready(timeout=5))
    assert client.sent == ["req1"] and client.handled == [_reply("req1")]


def test_an_idle_status_missed_by_a_late_iopub_is_asked_for_again():
    # The first status went out before IOPub was subscribed (lost); the second request's arrives.
    client = _client(shell=[_reply("req1"), _reply("req2")], iopub=[Empty(), _status("req2", "idle")])
    asyncio.run(client.wait_for_ready(timeout=5))
    assert client.sent == ["req1", "req2"] and client.handled == [_reply("req2")]


def test_a_kernel_that_dies_before_answering_is_an_error():
    client = _client(shell=[Empty()], iopub=[], alive=False)
    with pytest.raises(RuntimeError, match="died before replying"):
        asyncio.run(client.wait_for_ready(timeout=5))


def test_a_kernel_that_never_answers_times_out():
    client = _client(shell=[Empty()] * 1000, iopub=[])
    with pytest.raises(RuntimeError, match="didn't respond in 0 seconds"):
        asyncio.run(client.wait_for_ready(timeout=0))


def test_the_manager_hands_out_the_prompt_client():
    """nbclient takes its client from the manager's ``client()``: it must be the prompt one, not
    jupyter_client's stock client with its 0.2 s wait for IOPub to be quiet."""
    assert type(PromptKernelManager(kernel_name="python3").client()) is PromptKernelClient


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads process states from /proc")
def test_a_real_kernel_runs_a_cell_and_is_killed_with_its_process_group():
    """What a learner's cell started dies with the kernel (SIGKILL to its process group)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os, subprocess\n"
                                          "child = subprocess.Popen(['sleep', '600'])\n"
                                          "print(os.getpid(), child.pid)")]
    client = NotebookClient(nb, kernel_name="python3", shutdown_kernel="immediate",
                            kernel_manager_class=PromptKernelManager)
    client.execute()
    kernel_pid, child_pid = map(int, nb.cells[0].outputs[0]["text"].split())
    assert _gone(kernel_pid) and _gone(child_pid)


def _gone(pid: int, patience: float = 5.0) -> bool:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            _signal_zero_unless_zombie(pid)
        except ProcessLookupError:
            return True
        time.sleep(0.01)
    return False


def _signal_zero_unless_zombie(pid: int) -> None:
    """Raise ProcessLookupError when ``pid`` is gone (or only a zombie waiting for its parent)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                raise ProcessLookupError(pid)
    except FileNotFoundError:
        raise ProcessLookupError(pid) from None
    os.kill(pid, 0)
