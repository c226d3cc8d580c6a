"""Exclusion errors per village in the caller's region and a period (see `domain.exclusion`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from slrt.db import UnitOfWork

from ..adapters.exclusion_stats import eligible_households, unmatched_per_village
from ..domain.exclusion import per_village


async def exclusion_errors(uow: UnitOfWork, region: str, start: dt.datetime | None,
                           end: dt.datetime | None) -> dict[str, Any]:
    """`region` is already scoped (`search.scoped_region`). Figures only: no audit needed."""
    unmatched = await unmatched_per_village(uow.session, region, start, end)
    eligible = await eligible_households(uow.session, region, start, end)
    villages = per_village(unmatched, eligible)
    programs = sorted({p for v in villages for p in v.programs})
    return {
        "region": region, "from": start, "to": end,
        "total": {"not_registered": sum(v.not_registered for v in villages),
                  "eligible_not_enrolled": sum(v.eligible_not_enrolled for v in villages)},
        "programs": programs,
        "items": [{"village_code": v.village_code, "not_registered": v.not_registered,
                   "eligible_not_enrolled": v.eligible_not_enrolled,
                   "programs": v.programs} for v in villages],
    }
