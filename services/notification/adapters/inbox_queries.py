"""Read side of the in-app inbox and of delivery status (the HTTP API's queries)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import deliveries, messages, reminders

_MESSAGE_COLUMNS = (messages.c.id, messages.c.recipient, messages.c.agency_id, messages.c.kind,
                    messages.c.subject, messages.c.body, messages.c.link, messages.c.created_at,
                    messages.c.read_at)


async def messages_for(session: AsyncSession, recipients: list[str], unread: bool, limit: int,
                       offset: int) -> list[dict[str, Any]]:
    stmt = select(*_MESSAGE_COLUMNS).where(messages.c.recipient.in_(recipients))
    if unread:
        stmt = stmt.where(messages.c.read_at.is_(None))
    stmt = stmt.order_by(messages.c.created_at.desc(), messages.c.id).limit(limit).offset(offset)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def message(session: AsyncSession, message_id: str) -> dict[str, Any] | None:
    row = (await session.execute(select(*_MESSAGE_COLUMNS)
                                 .where(messages.c.id == message_id))).mappings().first()
    return dict(row) if row else None


async def mark_read(session: AsyncSession, message_id: str, at: dt.datetime) -> None:
    await session.execute(update(messages).where(messages.c.id == message_id,
                                                 messages.c.read_at.is_(None))
                          .values(read_at=at))


async def deliveries_with(session: AsyncSession, status: str | None, limit: int
                          ) -> list[dict[str, Any]]:
    # The address is left out: managers see who (a scope) and why, not the mailbox.
    stmt = select(deliveries.c.id, deliveries.c.message_id, deliveries.c.channel,
                  deliveries.c.status, deliveries.c.attempts, deliveries.c.last_error,
                  deliveries.c.recipient, deliveries.c.agency_id, deliveries.c.created_at,
                  deliveries.c.sent_at, deliveries.c.next_attempt_at, messages.c.subject
                  ).join(messages, messages.c.id == deliveries.c.message_id)
    if status:
        stmt = stmt.where(deliveries.c.status == status)
    stmt = stmt.order_by(deliveries.c.created_at.desc()).limit(limit)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def delivery(session: AsyncSession, delivery_id: str) -> dict[str, Any] | None:
    row = (await session.execute(select(deliveries.c.id, deliveries.c.agency_id,
                                        deliveries.c.status)
                                 .where(deliveries.c.id == delivery_id))).mappings().first()
    return dict(row) if row else None


async def reminders_of_referral(session: AsyncSession, referral_id: str
                                ) -> list[dict[str, Any]]:
    stmt = (select(reminders.c.id, reminders.c.step, reminders.c.audience, reminders.c.recipient,
                   reminders.c.agency_id, reminders.c.due_at, reminders.c.scheduled_at,
                   reminders.c.created_at, reminders.c.message_id)
            .where(reminders.c.referral_id == referral_id).order_by(reminders.c.created_at))
    return [dict(r) for r in (await session.execute(stmt)).mappings()]
