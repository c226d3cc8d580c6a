"""Deadline repository: the deadline book's SQL (the scheduler's is in `scheduler_store`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from slrt.db import insert_or_ignore

from ..domain.deadlines import DeadlineKind, DeadlineState
from .tables import deadlines

_LIVE = (DeadlineState.OPEN, DeadlineState.PAUSED)


class DeadlineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_if_absent(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert_or_ignore(deadlines, tuple(rows[0])), rows)

    async def settle(self, referral_id: uuid.UUID, kind: DeadlineKind, state: DeadlineState,
                     at: dt.datetime) -> None:
        await self.session.execute(
            update(deadlines)
            .where(deadlines.c.referral_id == str(referral_id), deadlines.c.kind == kind,
                   deadlines.c.state.in_(_LIVE))
            .values(state=state, next_due_at=None, updated_at=at))

    async def live_of_referral(self, referral_id: uuid.UUID) -> list[dict[str, Any]]:
        stmt = select(deadlines).where(deadlines.c.referral_id == str(referral_id),
                                       deadlines.c.state.in_(_LIVE))
        return [dict(r) for r in (await self.session.execute(stmt)).mappings()]

    async def reschedule(self, referral_id: str, kind: str, state: DeadlineState,
                         due_at: dt.datetime, next_due_at: dt.datetime | None,
                         at: dt.datetime) -> None:
        await self.session.execute(
            update(deadlines)
            .where(deadlines.c.referral_id == referral_id, deadlines.c.kind == kind)
            .values(state=state, due_at=due_at, next_due_at=next_due_at, updated_at=at))

    async def close_case(self, case_id: uuid.UUID, at: dt.datetime) -> None:
        await self.session.execute(
            update(deadlines)
            .where(deadlines.c.case_id == str(case_id), deadlines.c.state.in_(_LIVE))
            .values(state=DeadlineState.CLOSED, next_due_at=None, updated_at=at))

    async def for_agency(self, agency_id: str, state: str | None, limit: int,
                         offset: int) -> list[dict[str, Any]]:
        stmt = select(deadlines).where(deadlines.c.agency_id == agency_id)
        if state:
            stmt = stmt.where(deadlines.c.state == state)
        stmt = stmt.order_by(deadlines.c.due_at).limit(limit).offset(offset)
        return [dict(r) for r in (await self.session.execute(stmt)).mappings()]

    async def for_referral(self, referral_id: uuid.UUID) -> list[dict[str, Any]]:
        stmt = select(deadlines).where(deadlines.c.referral_id == str(referral_id))
        return [dict(r) for r in (await self.session.execute(stmt.order_by(deadlines.c.kind)))
                .mappings()]
