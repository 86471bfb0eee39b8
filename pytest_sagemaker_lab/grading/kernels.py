"""The Jupyter kernel a notebook submission runs in, started and ended without idle waits.

jupyter_client's own start-up ends by draining IOPub until it has been quiet for 0.2 s, and its kill
polls the process every 0.1 s: together about 0.3 s of a ~3 s submission in which neither the kernel
nor the grader does anything. Here the kernel is ready once the reply to ``kernel_info`` and that
request's ``idle`` status on IOPub have both arrived (the status proves IOPub is subscribed: a
SUB socket misses what was published before it joined), and a killed kernel is polled every 5 ms.
"""

from __future__ import annotations

import asyncio
import os
import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Int, List, Type, Unicode

IOPUB_JOIN_WAIT = 0.05  # seconds to wait for a request's idle status (within ms once joined) before asking again
KILL_POLL = 0.005  # seconds between looks at a killed kernel's process


def _is_reply_to(message: dict[str, Any], msg_id: str) -> bool:
    return message.get("parent_header", {}).get("msg_id") == msg_id


def _is_idle_for(message: dict[str, Any], msg_id: str) -> bool:
    return (_is_reply_to(message, msg_id) and message.get("msg_type") == "status"
            and message.get("content", {}).get("execution_state") == "idle")


class PromptKernelClient(AsyncKernelClient):
    async def wait_for_ready(self, timeout: float | None = None) -> None:  # type: ignore[override]
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)

        def left() -> float:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
            return remaining

        while True:
            msg_id = self.kernel_info()
            reply = await self._reply(msg_id, left)
            if reply is None:
                continue  # the kernel was not listening yet: ask again
            try:
                while not _is_idle_for(await self.iopub_channel.get_msg(timeout=min(IOPUB_JOIN_WAIT, left())),
                                       msg_id):
                    pass
            except Empty:
                continue  # IOPub joined after that status was sent: ask again and wait for the next one
            self._handle_kernel_info_reply(reply)
            return

    async def _reply(self, msg_id: str, left: Any) -> dict[str, Any] | None:
        while True:
            try:
                message = await self.shell_channel.get_msg(timeout=min(1.0, left()))
            except Empty:
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info") from None
                return None
            if message.get("msg_type") == "kernel_info_reply" and _is_reply_to(message, msg_id):
                return message


class PromptKernelManager(AsyncKernelManager):
    client_class = DottedObjectName("pytest_sagemaker_lab.grading.kernels.PromptKernelClient")
    # What ``client()`` makes: AsyncKernelManager gives this trait a fixed default, so setting
    # ``client_class`` alone left nbclient with the stock client and its 0.2 s quiet wait.
    client_factory = Type(klass=PromptKernelClient)

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        while await self._async_is_alive():
            await asyncio.sleep(min(pollinterval, KILL_POLL))


class SandboxedKernelManager(PromptKernelManager):
    """A kernel started inside a sandbox: its command is wrapped (``sandbox_argv`` comes first), it
    talks over Unix sockets (``transport="ipc"``) in a folder bound into the sandbox, since no TCP port
    crosses a network namespace, and it is interrupted by a message on its control channel, since a
    signal to the sandbox's outer process does not reach it. Killing the manager's process (bwrap) ends
    the whole sandbox."""

    sandbox_argv = List(Unicode(), config=True, help="the sandbox's command, before the kernel's own")
    sandbox_uid = Int(-1, config=True, help="the uid the kernel runs as (a root grader's sandbox), or -1")

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return [*self.sandbox_argv, *super().format_kernel_cmd(extra_arguments)]

    def write_connection_file(self, **kwargs: Any) -> None:
        super().write_connection_file(**kwargs)
        if self.sandbox_uid >= 0:  # written 0600 by the grader: the kernel's uid must read it
            os.chown(self.connection_file, self.sandbox_uid, self.sandbox_uid)

    @property
    def kernel_spec(self) -> Any:
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"
        return spec
