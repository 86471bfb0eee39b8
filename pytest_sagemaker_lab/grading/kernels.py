"""The Jupyter kernel a notebook submission runs in, started and ended without idle waits.

jupyter_client's own start-up ends by draining IOPub until it has been quiet for 0.2 s, and its kill
polls the process every 0.1 s: together about 0.3 s of a ~3 s submission in which neither the kernel
nor the grader does anything. Here the kernel is ready once the reply to ``kernel_info`` and that
request's ``idle`` status on IOPub have both arrived (the status proves IOPub is subscribed: a
SUB socket misses what was published before it joined), and a killed kernel is polled every 5 ms.
"""

from __future__ import annotations

import asyncio
import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Type

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
