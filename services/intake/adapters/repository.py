"""Complaint repository: the only place intake's SQL lives."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from slrt.db import upsert_insert

from .tables import (
    audit_log,
    complaint_counters,
    complaint_referrals,
    complaint_timeline,
    complaints,
)


class ComplaintRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_sequence(self, regency_code: str, year: int) -> int:
        """Atomic per-regency, per-year counter (upsert ... returning) for complaint numbers."""
        stmt = upsert_insert(self.session, complaint_counters).values(
            regency_code=regency_code, year=year, last_sequence=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=["regency_code", "year"],
            set_={"last_sequence": complaint_counters.c.last_sequence + 1},
        ).returning(complaint_counters.c.last_sequence)
        return int((await self.session.execute(stmt)).scalar_one())

    async def add(self, row: dict[str, Any]) -> None:
        await self.session.execute(complaints.insert().values(**row))

    async def get(self, complaint_id: uuid.UUID) -> dict[str, Any] | None:
        row = (await self.session.execute(
            select(complaints).where(complaints.c.id == str(complaint_id)))).mappings().first()
        return dict(row) if row else None

    async def set_status(self, complaint_id: uuid.UUID, status: str, at: dt.datetime,
                         **extra: Any) -> None:
        await self.session.execute(
            update(complaints).where(complaints.c.id == str(complaint_id))
            .values(status=status, updated_at=at, **extra))

    async def referrals(self, complaint_id: uuid.UUID) -> list[dict[str, Any]]:
        rows = await self.session.execute(
            select(complaint_referrals)
            .where(complaint_referrals.c.complaint_id == str(complaint_id))
            .order_by(complaint_referrals.c.agency_id))
        return [dict(r) for r in rows.mappings()]

    async def upsert_referral(self, row: dict[str, Any]) -> None:
        stmt = upsert_insert(self.session, complaint_referrals).values(**row)
        # A status change may arrive before the creation it follows: keep whatever is known.
        changes = {k: v for k, v in row.items() if k != "referral_id" and v is not None}
        stmt = stmt.on_conflict_do_update(index_elements=["referral_id"], set_=changes)
        await self.session.execute(stmt)

    async def add_timeline(self, complaint_id: uuid.UUID, at: dt.datetime, kind: str,
                           detail: dict[str, Any]) -> None:
        await self.session.execute(complaint_timeline.insert().values(
            complaint_id=str(complaint_id), at=at, kind=kind, detail=detail))

    async def timeline(self, complaint_id: uuid.UUID) -> list[dict[str, Any]]:
        rows = await self.session.execute(
            select(complaint_timeline.c.at, complaint_timeline.c.kind, complaint_timeline.c.detail)
            .where(complaint_timeline.c.complaint_id == str(complaint_id))
            .order_by(complaint_timeline.c.at, complaint_timeline.c.id))
        return [dict(r) for r in rows.mappings()]

    async def audit(self, at: dt.datetime, subject: str, role: str, action: str,
                    complaint_id: uuid.UUID) -> None:
        await self.session.execute(audit_log.insert().values(
            at=at, subject=subject, role=role, action=action, complaint_id=str(complaint_id)))

    async def count(self) -> int:
        return int((await self.session.execute(select(func.count()).select_from(complaints)))
                   .scalar_one())
