"""Aggregate reads over complaints for the dashboards: one GROUP BY, no personal data.

The region is a range on the indexed `village_code` (`>= '3402'` and `< '3403'`) rather than a
LIKE: PostgreSQL uses a B-tree index for a LIKE prefix only under the C collation, SQLite only
for case-insensitive columns; a range serves both. The period is a range on
`ix_complaints_registered`; each engine picks the narrower of the two indexes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import complaints


def in_region(column: Any, prefix: str) -> list[Any]:
    """Conditions for codes starting with the digit string `prefix` ("" = everywhere)."""
    if not prefix:
        return []
    following = str(int(prefix) + 1).zfill(len(prefix))
    if len(following) > len(prefix):  # "99": every longer code sorts below "100"; no top bound
        return [column >= prefix]
    return [column >= prefix, column < following]


async def counts_by_category_and_status(session: AsyncSession, region: str,
                                        start: dt.datetime | None,
                                        end: dt.datetime | None) -> list[tuple[str, str, int]]:
    """(category, status, count) of the complaints registered in [start, end) in `region`."""
    c = complaints.c
    where = in_region(c.village_code, region)
    if start is not None:
        where.append(c.registered_at >= start)
    if end is not None:
        where.append(c.registered_at < end)
    rows = await session.execute(
        select(c.category, c.status, func.count()).where(*where)
        .group_by(c.category, c.status))
    return [(category, status, int(count)) for category, status, count in rows.all()]
