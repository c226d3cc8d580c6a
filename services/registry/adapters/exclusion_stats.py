"""The assessment rows behind the exclusion-error figures, grouped in SQL (no personal data).

Both queries read `ix_assessments_village_assessed` (village code range, then assessment time).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .regions import in_region
from .tables import assessments


def _where(region: str, start: dt.datetime | None, end: dt.datetime | None) -> list[Any]:
    a = assessments.c
    where: list[Any] = [a.village_code.is_not(None), *in_region(a.village_code, region)]
    if start is not None:
        where.append(a.assessed_at >= start)
    if end is not None:
        where.append(a.assessed_at < end)
    return where


async def unmatched_per_village(session: AsyncSession, region: str, start: dt.datetime | None,
                                end: dt.datetime | None) -> list[tuple[str, int]]:
    a = assessments.c
    rows = await session.execute(
        select(a.village_code, func.count())
        .where(*_where(region, start, end), a.household_id.is_(None))
        .group_by(a.village_code))
    return [(code, int(count)) for code, count in rows.all()]


async def eligible_households(session: AsyncSession, region: str, start: dt.datetime | None,
                              end: dt.datetime | None) -> list[tuple[str, str, str]]:
    """(village, household, programs), one row per distinct combination."""
    a = assessments.c
    rows = await session.execute(
        select(a.village_code, a.household_id, a.eligible_programs)
        .where(*_where(region, start, end), a.household_id.is_not(None),
               a.eligible_programs.is_not(None))
        .group_by(a.village_code, a.household_id, a.eligible_programs))
    return [(code, household, programs) for code, household, programs in rows.all()]
