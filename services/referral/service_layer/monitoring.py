"""Monitoring figures for managers: the referral records of the caller's region, read once, then
the pure functions of `domain.monitoring` (counts, overdue, durations, resolution rates).

Durations are reported in hours (floats), so that figures from different periods compare.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from contracts import ReferralStatus
from slrt.auth import Principal

from ..domain import monitoring as m
from .unit import Work


def _record(row: dict[str, Any]) -> m.ReferralRecord:
    status = ReferralStatus(row["status"])
    resolved = row["ended_at"] if status is ReferralStatus.RESOLVED else None
    return m.ReferralRecord(row["referral_id"], row["agency_id"], row["sector"],
                            row["village_code"], status, row["created_at"],
                            row["accept_due_at"], row["resolve_due_at"], row["accepted_at"],
                            resolved, row["answer_due_at"])


async def records(work: Work, principal: Principal, start: dt.datetime | None = None,
                  end: dt.datetime | None = None) -> list[m.ReferralRecord]:
    """The referrals created in [start, end) inside the caller's region."""
    rows = await work.cases.monitoring_rows(principal.region, start, end)
    return [_record(r) for r in rows]


def _hours(value: dt.timedelta | None) -> float | None:
    return round(value.total_seconds() / 3600, 3) if value is not None else None


def _stats(stats: m.DurationStats) -> dict[str, Any]:
    return {"count": stats.count, "median_hours": _hours(stats.median),
            "p90_hours": _hours(stats.p90)}


async def counts(work: Work, principal: Principal, start: dt.datetime | None,
                 end: dt.datetime | None) -> dict[str, Any]:
    found = await records(work, principal, start, end)
    return {"region": principal.region, "from": start, "to": end, "total": len(found),
            **m.counts(found)}


async def overdue(work: Work, principal: Principal, limit: int) -> dict[str, Any]:
    items = m.overdue(await records(work, principal), work.now)
    return {"at": work.now, "total": len(items), "items": [
        {"referral_id": i.referral_id, "agency_id": i.agency_id,
         "district_code": i.district_code, "deadline": i.deadline, "due_at": i.due_at,
         "overdue_hours": _hours(i.overdue_by)} for i in items[:limit]]}


async def durations(work: Work, principal: Principal, start: dt.datetime | None,
                    end: dt.datetime | None) -> dict[str, Any]:
    found = await records(work, principal, start, end)
    return {"region": principal.region, "from": start, "to": end,
            "time_to_accept": _stats(m.time_to_accept(found)),
            "time_to_resolve": _stats(m.time_to_resolve(found))}


async def resolution_rates(work: Work, principal: Principal, start: dt.datetime,
                           end: dt.datetime,
                           by: Literal["agency", "district"]) -> dict[str, Any]:
    rates = m.resolution_rates(await records(work, principal, start, end), start, end, by)
    return {"region": principal.region, "from": start, "to": end, "by": by, "items": {
        key: {"referred": r.referred, "resolved": r.resolved,
              "resolved_on_time": r.resolved_on_time, "rate": r.rate,
              "on_time_rate": r.on_time_rate} for key, r in rates.items()}}
