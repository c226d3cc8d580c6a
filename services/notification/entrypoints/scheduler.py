"""The scheduler loop: every few seconds, plan what is due and send what is pending.

Started by the service's lifespan (bootstrap), stopped before the database closes. Time comes
from the runtime's clock, so tests move time and call `tick()` instead of waiting.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from slrt.aio import cancel_and_wait
from slrt.runtime import Runtime

from ..service_layer.context import Notifier
from ..service_layer.delivery import deliver_due
from ..service_layer.scheduling import plan_due

log = logging.getLogger(__name__)


@dataclass
class Scheduler:
    runtime: Runtime
    notifier: Notifier
    interval_s: float = 5.0
    _task: asyncio.Task[None] | None = field(default=None, init=False)

    async def tick(self) -> tuple[int, int, int]:
        """One pass: (reminders recorded, deliveries sent, deliveries failed or deferred)."""
        recorded = await plan_due(self.notifier, self.runtime.uow, self.runtime.clock())
        sent, failed = await deliver_due(self.notifier, self.runtime.uow, self.runtime.clock)
        return recorded, sent, failed

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception as exc:  # the next pass tries again; nothing is lost meanwhile
                log.warning("scheduler pass failed: %s", type(exc).__name__)
            await asyncio.sleep(self.interval_s)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="notification-scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)
            self._task = None
