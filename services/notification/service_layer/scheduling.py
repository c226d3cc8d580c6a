"""Planning pass: turn due deadlines into recorded reminders, messages and pending deliveries.

One transaction per batch: deadlines are claimed (SKIP LOCKED), each due step is recorded in
`reminders` under its unique (referral, step) key before anything is sent, its message goes to the
recipient's in-app inbox, deliveries for the other channels wait as `pending`, escalations are
published, and each deadline gets its next look. Whatever crashes, the commit is all or nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from contracts import EscalationLevel, EscalationRaisedV1, ReminderSentV1
from slrt.db import UnitOfWork

from ..adapters.scheduler_store import SchedulerStore
from ..adapters.templates import Text, digest_text, local_time, reminder_text, what
from ..domain.contacts import Recipient, recipient_for
from ..domain.digest import split_for_digest
from ..domain.schedule import Step, due_now
from .context import Notifier


@dataclass(frozen=True, slots=True)
class _Due:
    deadline: dict[str, Any]
    step: Step


async def plan_due(notifier: Notifier, uow_factory: Callable[[], UnitOfWork],
                   now: dt.datetime) -> int:
    """Record every reminder due at `now`; the number of reminders recorded."""
    total = 0
    while True:
        async with uow_factory() as uow:
            claimed, recorded = await _plan_batch(notifier, uow, now)
            await uow.commit()
        total += recorded
        if claimed < notifier.batch_size:
            return total


async def _plan_batch(notifier: Notifier, uow: UnitOfWork, now: dt.datetime) -> tuple[int, int]:
    store = SchedulerStore(uow.session)
    rows = await store.claim_due_deadlines(now, notifier.batch_size)
    if not rows:
        return 0, 0
    done = await store.done_steps(r["referral_id"] for r in rows)
    due: list[_Due] = []
    next_looks = []
    for row in rows:
        steps = notifier.plan(row["kind"], row["due_at"], row["time_zone"])
        result = due_now(steps, done.get(row["referral_id"], set()), now, row["time_zone"],
                         notifier.hours)
        due.extend(_Due(row, s) for s in result.steps)
        # A deadline always moves on, so a pass never finds the same row due again.
        next_looks.append({"referral_id": row["referral_id"], "kind": row["kind"],
                           "next_due_at": result.next_at})
    overdue = await store.overdue_open({d.deadline["agency_id"] for d in due
                                        if d.step.is_overdue}, now)
    singles, digests = split_for_digest(
        ((d.deadline["agency_id"], d.step.is_overdue, d) for d in due), overdue,
        notifier.policy.digest_more_than)
    recorded = 0
    for item in singles:
        recorded += await _single(notifier, uow, store, item, now)
    for agency_id, items in digests.items():
        recorded += await _digest(notifier, uow, store, agency_id, items, now)
    await store.set_next_due(next_looks)
    return len(rows), recorded


def _reminder_row(item: _Due, recipient: str, message_id: str, now: dt.datetime
                  ) -> dict[str, Any]:
    d = item.deadline
    return {"id": str(uuid.uuid4()), "referral_id": d["referral_id"], "step": item.step.name,
            "case_id": d["case_id"], "agency_id": d["agency_id"],
            "audience": item.step.audience, "recipient": recipient, "due_at": d["due_at"],
            "scheduled_at": item.step.at, "created_at": now, "message_id": message_id}


async def _single(notifier: Notifier, uow: UnitOfWork, store: SchedulerStore, item: _Due,
                  now: dt.datetime) -> int:
    d, step = item.deadline, item.step
    recipient = recipient_for(step.audience, d["agency_id"])
    message_id = str(uuid.uuid4())
    reminder = _reminder_row(item, recipient.key, message_id, now)
    if not await store.add_reminder(reminder):
        return 0  # another instance, or an earlier pass, recorded this step
    link = notifier.link(d["referral_id"])
    text = reminder_text(step, d["kind"], d["complaint_number"], d["agency_id"], d["due_at"],
                         d["time_zone"], link, notifier.policy.version)
    kind = "escalation" if step.is_escalation else "reminder"
    await _message(notifier, uow, store, message_id, f"{d['referral_id']}:{step.name}",
                   recipient.audience, recipient.key, d["agency_id"], kind, text, link,
                   [reminder], now)
    if step.is_escalation:
        uow.publish(EscalationRaisedV1(
            escalation_id=uuid.UUID(reminder["id"]), referral_id=d["referral_id"],
            case_id=d["case_id"], agency_id=d["agency_id"],
            complaint_number=d["complaint_number"],
            level=(EscalationLevel.DISTRICT if step.audience == "manager"
                   else EscalationLevel.PROVINCE),
            deadline=d["kind"], due_at=d["due_at"], working_days_overdue=step.days_overdue,
            recipient=recipient.key, step=step.name, policy_version=notifier.policy.version,
            raised_at=now))
    return 1


async def _digest(notifier: Notifier, uow: UnitOfWork, store: SchedulerStore, agency_id: str,
                  items: list[_Due], now: dt.datetime) -> int:
    recipient = recipient_for("agency", agency_id)
    tz = items[0].deadline["time_zone"]
    day = notifier.hours.local_date(now, tz)
    dedup = f"digest:{agency_id}:{day.isoformat()}"
    message_id = str(uuid.uuid4())
    fresh = []
    for item in items:
        row = _reminder_row(item, recipient.key, message_id, now)
        if await store.add_reminder(row):
            fresh.append((item, row))
    if not fresh:
        return 0
    lines = [{"complaint_number": i.deadline["complaint_number"], "what": what(i.deadline["kind"]),
              "due_local": local_time(i.deadline["due_at"], tz),
              "days_overdue": i.step.days_overdue, "link": notifier.link(i.deadline["referral_id"])}
             for i, _ in fresh]
    text = digest_text(agency_id, day, lines, notifier.policy.version)
    created = await _message(notifier, uow, store, message_id, dedup, "agency", recipient.key,
                             agency_id, "digest", text, None, [r for _, r in fresh], now)
    if not created:
        # Today's digest went out already: these join it in the inbox, without a second send.
        await store.move_reminders(message_id, await store.message_id_for(dedup))
    return len(fresh)


async def _message(notifier: Notifier, uow: UnitOfWork, store: SchedulerStore, message_id: str,
                   dedup_key: str, audience: str, recipient: str, agency_id: str, kind: str,
                   text: Text, link: str | None, reminder_rows: list[dict[str, Any]],
                   now: dt.datetime) -> bool:
    """Insert the message (the inbox copy) and its deliveries; False if it existed already."""
    created = await store.add_message({
        "id": message_id, "dedup_key": dedup_key, "recipient": recipient,
        "agency_id": agency_id, "kind": kind, "subject": text.subject[:200], "body": text.body,
        "link": link, "created_at": now, "read_at": None})
    if created is None:
        return False
    addresses = notifier.contacts.addresses(recipient_for_key(recipient, agency_id))
    rows = []
    for channel in notifier.policy.channels.get(audience, ("inbox",)):
        if channel == "inbox":
            address: str | None = recipient
        elif channel in notifier.channels:
            address = addresses.for_channel(channel)
        else:
            address = None  # channel not configured in this deployment
        if address is None:
            continue
        inbox = channel == "inbox"
        rows.append({"id": str(uuid.uuid4()), "message_id": message_id, "channel": channel,
                     "address": address, "status": "sent" if inbox else "pending",
                     "attempts": 1 if inbox else 0, "next_attempt_at": None if inbox else now,
                     "lease_until": None, "last_error": None, "recipient": recipient,
                     "agency_id": agency_id, "created_at": now,
                     "sent_at": now if inbox else None})
        if inbox:
            publish_sent(uow, reminder_rows, "inbox", now)
    await store.add_deliveries(rows)
    return True


def recipient_for_key(key: str, agency_id: str) -> Recipient:
    return recipient_for(key.split(":", 1)[0], agency_id)


def publish_sent(uow: UnitOfWork, reminder_rows: list[dict[str, Any]], channel: str,
                 now: dt.datetime) -> None:
    """One ReminderSentV1 per reminder delivered on a channel."""
    for r in reminder_rows:
        uow.publish(ReminderSentV1(
            reminder_id=r["id"], referral_id=r["referral_id"], case_id=r["case_id"],
            agency_id=r["agency_id"], step=r["step"], channel=channel,
            recipient=r["recipient"], due_at=r["due_at"], sent_at=now))
