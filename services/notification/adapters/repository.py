"""Deadline repository: the only place notification's SQL lives."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from slrt.db import upsert_insert

from ..domain.deadlines import DeadlineKind, DeadlineState
from .tables import deadlines


class DeadlineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_if_absent(self, rows: list[dict[str, Any]]) -> None:
        stmt = upsert_insert(self.session, deadlines).values(rows).on_conflict_do_nothing()
        await self.session.execute(stmt)

    async def settle(self, referral_id: uuid.UUID, kind: DeadlineKind, state: DeadlineState,
                     at: dt.datetime) -> None:
        await self.session.execute(
            update(deadlines)
            .where(deadlines.c.referral_id == str(referral_id), deadlines.c.kind == kind,
                   deadlines.c.state == DeadlineState.OPEN)
            .values(state=state, updated_at=at))

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
