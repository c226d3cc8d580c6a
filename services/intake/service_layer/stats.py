"""Complaint figures for dashboards: counts by category and by status in a region and period.

The region is the caller's own or one inside it (as registry's region filters): a wider one
counts the caller's part of it; one beside it is refused, not answered with zeros, so a
mistaken filter is seen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from contracts import Sector
from slrt.auth import Principal
from slrt.db import UnitOfWork

from ..adapters.stats import counts_by_category_and_status
from ..domain.status import ComplaintStatus


class OutsideScope(Exception):
    """The requested region lies outside the caller's (HTTP 403)."""


def scoped_region(principal: Principal, requested: str | None) -> str:
    """The region to count: the requested one inside the caller's scope, the scope itself for
    none or a wider one; `OutsideScope` for a region beside it."""
    if not requested or principal.region.startswith(requested):
        return principal.region
    if not principal.can_see_region(requested):
        raise OutsideScope(f"region {requested} lies outside your region "
                           f"{principal.region or '(national)'}")
    return requested


async def complaint_stats(uow: UnitOfWork, principal: Principal, region: str | None,
                          start: dt.datetime | None, end: dt.datetime | None) -> dict[str, Any]:
    """Every sector and status is listed (zero included), so charts compare like with like."""
    where = scoped_region(principal, region)
    rows = await counts_by_category_and_status(uow.session, where, start, end)
    by_category = dict.fromkeys((str(s) for s in Sector), 0)
    by_status = dict.fromkeys((str(s) for s in ComplaintStatus), 0)
    for category, status, count in rows:
        by_category[category] = by_category.get(category, 0) + count
        by_status[status] = by_status.get(status, 0) + count
    return {"region": where, "from": start, "to": end,
            "total": sum(count for _, _, count in rows),
            "by_category": by_category, "by_status": by_status}
