"""Group commit: calls that arrive while earlier ones are being written share one transaction.

A busy desk sends many single submissions at once, and each alone pays a transaction's round
trips and its commit. `GroupRunner.submit()` queues one item and waits for its own result; a
drain takes everything queued so far (up to `max_items`) and runs it as one batch. Nothing
waits for a group to fill: a lone call starts a drain at once, and groups form only from calls
that arrive while `max_running` drains are already busy.

A batch that fails is run again item by item, so one bad item fails only its own call.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


class GroupRunner(Generic[T, R]):
    """`run(items)` returns one result per item, in order."""

    def __init__(self, run: Callable[[list[T]], Awaitable[list[R]]], *, max_items: int = 64,
                 max_running: int = 2) -> None:
        if max_items < 1 or max_running < 1:
            raise ValueError("max_items and max_running must be at least 1")
        self._run = run
        self._max_items = max_items
        self._max_running = max_running
        self._queue: deque[tuple[T, asyncio.Future[R]]] = deque()
        self._drains: set[asyncio.Task[None]] = set()
        self.groups_run = 0  # batches run (a failed batch's retries are not counted)

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if len(self._drains) < self._max_running:
            # A fresh context: the drain serves many callers, and must not run inside the
            # trace (or any other context variable) of the one that happened to start it.
            task = asyncio.create_task(self._drain(), context=contextvars.Context())
            self._drains.add(task)
            task.add_done_callback(self._drains.discard)
        # Shielded: a caller that goes away (a client disconnect) does not cancel the group.
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        while self._queue:
            count = min(len(self._queue), self._max_items)
            group = [self._queue.popleft() for _ in range(count)]
            self.groups_run += 1
            await self._run_group(group)

    async def _run_group(self, group: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await self._run([item for item, _ in group])
            if len(results) != len(group):
                raise RuntimeError(f"batch of {len(group)} items gave {len(results)} results")
        except Exception as exc:
            if len(group) == 1:
                _settle(group[0][1], exc=exc)
                return
            log.warning("a group of %d failed (%r); running its items one by one",
                        len(group), exc)
            for one in group:
                await self._run_group([one])
            return
        for (_, future), result in zip(group, results, strict=True):
            _settle(future, result=result)

    async def wait_idle(self) -> None:
        """Until every queued item has been run (for shutdown and tests)."""
        while self._drains:
            await asyncio.gather(*self._drains, return_exceptions=True)


def _settle(future: asyncio.Future[R], *, result: R | None = None,
            exc: BaseException | None = None) -> None:
    if future.done():  # the caller was cancelled while its item ran
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)  # type: ignore[arg-type]
