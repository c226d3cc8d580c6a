"""Delivery pass: send pending deliveries over their channels, outside any transaction.

A delivery is leased in a short transaction, sent, then marked in another: `sent` (and a
ReminderSentV1 per reminder it carries), or retried later with exponential backoff, or after
`max_attempts` marked `failed` with the reason and reported to the district manager's inbox.
Nothing is dropped: a crash between the send and the mark leaves the lease to expire, and the
delivery is tried again under the same delivery id (receivers can drop the repeat).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slrt.db import UnitOfWork

from ..adapters.channels import DeliveryError, Outgoing
from ..adapters.scheduler_store import SchedulerStore
from ..adapters.templates import failure_text
from ..domain.contacts import recipient_for
from .context import Notifier
from .scheduling import publish_sent

log = logging.getLogger(__name__)


def backoff(notifier: Notifier, attempts: int) -> dt.timedelta:
    """Wait before try number `attempts + 1`: base * 2^(attempts-1), capped."""
    seconds = notifier.backoff_s * (2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=min(seconds, notifier.backoff_max_s))


async def deliver_due(notifier: Notifier, uow_factory: Callable[[], UnitOfWork],
                      clock: Callable[[], dt.datetime]) -> tuple[int, int]:
    """Send every delivery that is due now; (sent, failed or deferred)."""
    sent = failed = 0
    while True:
        now = clock()
        async with uow_factory() as uow:
            lease = now + dt.timedelta(seconds=notifier.lease_s)
            batch = await SchedulerStore(uow.session).claim_deliveries(
                now, notifier.batch_size, lease)
            await uow.commit()
        if not batch:
            return sent, failed
        outcomes = await _send_all(notifier, batch)
        async with uow_factory() as uow:
            s, f = await _record(notifier, uow, batch, outcomes, clock())
            await uow.commit()
        sent, failed = sent + s, failed + f
        if len(batch) < notifier.batch_size:
            return sent, failed


async def _send_all(notifier: Notifier, batch: list[dict[str, Any]]) -> list[str | None]:
    gate = asyncio.Semaphore(notifier.concurrency)

    async def one(row: dict[str, Any]) -> str | None:
        channel = notifier.channels.get(row["channel"])
        if channel is None:
            return f"{row['channel']}: channel not configured"
        message = Outgoing(row["id"], row["message_id"], row["kind"], row["recipient"],
                           row["subject"], row["body"], row["link"])
        async with gate:
            try:
                await channel.send(row["address"], message)
            except DeliveryError as exc:
                return str(exc)
            except Exception as exc:  # a bug in a channel must not stop the others
                return f"{row['channel']}: {type(exc).__name__}"
        return None

    return list(await asyncio.gather(*(one(r) for r in batch)))


async def _record(notifier: Notifier, uow: UnitOfWork, batch: list[dict[str, Any]],
                  outcomes: list[str | None], now: dt.datetime) -> tuple[int, int]:
    store = SchedulerStore(uow.session)
    ok = [r for r, error in zip(batch, outcomes, strict=True) if error is None]
    await store.mark_sent([r["id"] for r in ok], now)
    carried = await store.reminders_of(r["message_id"] for r in ok)
    for row in ok:
        publish_sent(uow, carried.get(row["message_id"], []), row["channel"], now)
    retries: list[dict[str, Any]] = []
    exhausted: list[dict[str, Any]] = []
    for row, error in zip(batch, outcomes, strict=True):
        if error is None:
            continue
        attempts = row["attempts"] + 1
        # Reasons are channel names, exception types and HTTP codes: no address, no text.
        log.warning("delivery %s over %s failed (attempt %d/%d): %s", row["id"],
                    row["channel"], attempts, notifier.max_attempts, error)
        mark = {"id": row["id"], "attempts": attempts, "reason": error}
        if attempts < notifier.max_attempts:
            retries.append({**mark, "next_attempt_at": now + backoff(notifier, attempts)})
        else:
            exhausted.append(mark)
    await store.mark_retries(retries)
    await store.mark_failed(exhausted)
    by_id = {row["id"]: row for row in batch}
    for mark in exhausted:
        await _report_failure(store, by_id[mark["id"]], mark["attempts"], mark["reason"], now)
    return len(ok), len(retries) + len(exhausted)


async def _report_failure(store: SchedulerStore, row: dict[str, Any], attempts: int,
                          reason: str, now: dt.datetime) -> None:
    """Tell the district manager in the app (not over a channel that may be failing too)."""
    manager = recipient_for("manager", row["agency_id"] or "")
    text = failure_text(row["subject"], row["recipient"], row["channel"], attempts, reason)
    await store.add_message({
        "id": str(uuid.uuid4()), "dedup_key": f"failed:{row['id']}:{now.isoformat()}",
        "recipient": manager.key, "agency_id": row["agency_id"], "kind": "delivery_failed",
        "subject": text.subject, "body": text.body, "link": None, "created_at": now,
        "read_at": None})
