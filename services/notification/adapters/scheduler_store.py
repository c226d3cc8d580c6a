"""The scheduler's SQL: claim due deadlines and deliveries, record reminders, messages and
delivery outcomes. Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL (ignored by SQLite, which
has one writer); uniqueness of (referral, step) and of (message, channel) is the last word."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from slrt.db import insert_or_ignore

from ..domain.deadlines import DeadlineState
from .tables import deadlines, deliveries, messages, reminders


class SchedulerStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim_due_deadlines(self, now: dt.datetime, limit: int) -> list[dict[str, Any]]:
        """Open deadlines whose next look is due, locked until this transaction ends.

        Reads the `next_due_at` index only up to `now`: a pass never loads the whole book."""
        stmt = (select(deadlines)
                .where(deadlines.c.next_due_at <= now)
                .order_by(deadlines.c.next_due_at)
                .limit(limit)
                .with_for_update(skip_locked=True))
        return [dict(r) for r in (await self.session.execute(stmt)).mappings()]

    async def done_steps(self, referral_ids: Iterable[str]) -> dict[str, set[str]]:
        done: dict[str, set[str]] = {}
        ids = sorted(set(referral_ids))
        if not ids:
            return done
        stmt = select(reminders.c.referral_id, reminders.c.step).where(
            reminders.c.referral_id.in_(ids))
        for referral_id, step in await self.session.execute(stmt):
            done.setdefault(referral_id, set()).add(step)
        return done

    async def overdue_open(self, agency_ids: Iterable[str], now: dt.datetime) -> dict[str, int]:
        ids = sorted(set(agency_ids))
        if not ids:
            return {}
        stmt = (select(deadlines.c.agency_id, func.count())
                .where(deadlines.c.agency_id.in_(ids), deadlines.c.state == DeadlineState.OPEN,
                       deadlines.c.due_at < now)
                .group_by(deadlines.c.agency_id))
        return {a: int(n) for a, n in await self.session.execute(stmt)}

    async def set_next_due(self, rows: list[dict[str, Any]]) -> None:
        """rows: {referral_id, kind, next_due_at}."""
        if not rows:
            return
        stmt = (update(deadlines)
                .where(deadlines.c.referral_id == bindparam("b_referral"),
                       deadlines.c.kind == bindparam("b_kind"))
                .values(next_due_at=bindparam("b_next")))
        await self.session.execute(stmt, [{"b_referral": r["referral_id"], "b_kind": r["kind"],
                                           "b_next": r["next_due_at"]} for r in rows])

    async def add_reminder(self, row: dict[str, Any]) -> bool:
        """Record a reminder; False when this (referral, step) was recorded before."""
        stmt = insert_or_ignore(reminders, tuple(row))
        return (await self.session.execute(stmt, row)).rowcount == 1  # type: ignore[attr-defined]

    async def add_message(self, row: dict[str, Any]) -> str | None:
        """Insert a message; its id, or None when its dedup key exists already."""
        stmt = insert_or_ignore(messages, tuple(row))
        if (await self.session.execute(stmt, row)).rowcount == 1:  # type: ignore[attr-defined]
            return str(row["id"])
        return None

    async def message_id_for(self, dedup_key: str) -> str:
        stmt = select(messages.c.id).where(messages.c.dedup_key == dedup_key)
        return str((await self.session.execute(stmt)).scalar_one())

    async def move_reminders(self, from_message: str, to_message: str) -> None:
        await self.session.execute(update(reminders).where(reminders.c.message_id == from_message)
                                   .values(message_id=to_message))

    async def add_deliveries(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert_or_ignore(deliveries, tuple(rows[0])), rows)

    # --- deliveries -------------------------------------------------------------------------

    async def claim_deliveries(self, now: dt.datetime, limit: int,
                               lease_until: dt.datetime) -> list[dict[str, Any]]:
        """Pending deliveries that are due and not leased; leased to the caller from now on."""
        stmt = (select(deliveries.c.id)
                .where(deliveries.c.status == "pending", deliveries.c.next_attempt_at <= now,
                       or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < now))
                .order_by(deliveries.c.next_attempt_at)
                .limit(limit)
                .with_for_update(skip_locked=True))
        ids = list((await self.session.execute(stmt)).scalars())
        if not ids:
            return []
        # The lease outlives this transaction: sending happens after commit, without locks.
        # The condition is repeated so a racing SQLite writer cannot take a leased row.
        claimed = await self.session.execute(
            update(deliveries)
            .where(deliveries.c.id.in_(ids),
                   or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < now))
            .values(lease_until=lease_until)
            .returning(deliveries.c.id))
        taken = list(claimed.scalars())
        if not taken:
            return []
        rows = await self.session.execute(
            select(deliveries, messages.c.kind, messages.c.subject, messages.c.body,
                   messages.c.link)
            .join(messages, messages.c.id == deliveries.c.message_id)
            .where(deliveries.c.id.in_(taken)))
        return [dict(r) for r in rows.mappings()]

    async def mark_sent(self, ids: list[str], now: dt.datetime) -> None:
        if ids:
            await self.session.execute(
                update(deliveries).where(deliveries.c.id.in_(ids))
                .values(status="sent", sent_at=now, lease_until=None,
                        attempts=deliveries.c.attempts + 1, last_error=None))

    async def mark_retries(self, rows: list[dict[str, Any]]) -> None:
        """rows: {id, attempts, next_attempt_at, reason}; one executemany for the whole batch
        (a receiver that is down fails a whole batch: one round trip, not one per delivery)."""
        if rows:
            stmt = (update(deliveries).where(deliveries.c.id == bindparam("b_id"))
                    .values(attempts=bindparam("b_attempts"),
                            next_attempt_at=bindparam("b_next"), lease_until=None,
                            last_error=bindparam("b_reason")))
            await self.session.execute(stmt, [
                {"b_id": r["id"], "b_attempts": r["attempts"], "b_next": r["next_attempt_at"],
                 "b_reason": r["reason"]} for r in rows])

    async def mark_failed(self, rows: list[dict[str, Any]]) -> None:
        """rows: {id, attempts, reason}; out of attempts, kept as `failed` with the reason."""
        if rows:
            stmt = (update(deliveries).where(deliveries.c.id == bindparam("b_id"))
                    .values(status="failed", attempts=bindparam("b_attempts"),
                            lease_until=None, last_error=bindparam("b_reason"),
                            next_attempt_at=None))
            await self.session.execute(stmt, [
                {"b_id": r["id"], "b_attempts": r["attempts"], "b_reason": r["reason"]}
                for r in rows])

    async def reminders_of(self, message_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        ids = sorted(set(message_ids))
        out: dict[str, list[dict[str, Any]]] = {}
        if not ids:
            return out
        rows = await self.session.execute(select(reminders).where(reminders.c.message_id.in_(ids)))
        for r in rows.mappings():
            out.setdefault(r["message_id"], []).append(dict(r))
        return out

    async def requeue_failed(self, delivery_id: str, now: dt.datetime) -> bool:
        result = await self.session.execute(
            update(deliveries).where(and_(deliveries.c.id == delivery_id,
                                          deliveries.c.status == "failed"))
            .values(status="pending", attempts=0, next_attempt_at=now, lease_until=None))
        return result.rowcount == 1  # type: ignore[attr-defined]
