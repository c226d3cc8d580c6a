"""Small asyncio helpers the runtime and the relay share."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def cancel_and_wait(task: asyncio.Task[Any]) -> None:
    """Cancel a background task and wait for it to end; cancel again if a cancellation was
    lost (Python 3.11's wait_for can swallow one that arrives as its inner wait completes)."""
    while not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=1.0)
    with contextlib.suppress(asyncio.CancelledError, Exception):
        task.result()


class BackgroundLoop:
    """Runs `_run()` as a task from `start()` until `stop()` cancels it."""

    task_name = "background-loop"
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)
            self._task = None

    async def _run(self) -> None:
        raise NotImplementedError
