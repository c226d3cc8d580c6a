"""Case and referral repository: the only place referral's SQL lives."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import cases, referrals


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def case_for_complaint(self, complaint_id: uuid.UUID) -> dict[str, Any] | None:
        row = (await self.session.execute(
            select(cases).where(cases.c.complaint_id == str(complaint_id)))).mappings().first()
        return dict(row) if row else None

    async def get_case(self, case_id: uuid.UUID) -> dict[str, Any] | None:
        row = (await self.session.execute(
            select(cases).where(cases.c.case_id == str(case_id)))).mappings().first()
        return dict(row) if row else None

    async def add_case(self, row: dict[str, Any]) -> None:
        await self.session.execute(cases.insert().values(**row))

    async def add_referral(self, row: dict[str, Any]) -> None:
        await self.session.execute(referrals.insert().values(**row))

    async def referrals_of_case(self, case_id: uuid.UUID) -> list[dict[str, Any]]:
        rows = await self.session.execute(
            select(referrals).where(referrals.c.case_id == str(case_id))
            .order_by(referrals.c.agency_id))
        return [dict(r) for r in rows.mappings()]

    async def agency_inbox(self, agency_id: str, status: str | None, limit: int,
                           offset: int) -> list[dict[str, Any]]:
        stmt = select(referrals).where(referrals.c.agency_id == agency_id)
        if status:
            stmt = stmt.where(referrals.c.status == status)
        stmt = stmt.order_by(referrals.c.accept_due_at).limit(limit).offset(offset)
        return [dict(r) for r in (await self.session.execute(stmt)).mappings()]
