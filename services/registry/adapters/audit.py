"""Audit rows for reads and changes of personal data (the values themselves are not kept)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from .tables import audit_log


async def audit(session: AsyncSession, at: dt.datetime, subject: str, role: str, action: str,
                target: str | None = None, results: int | None = None) -> None:
    await session.execute(audit_log.insert().values(
        at=at, subject=subject, role=role, action=action, target=target, results=results))
