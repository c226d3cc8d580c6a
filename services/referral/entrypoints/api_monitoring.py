"""Monitoring API for managers: counts, overdue list, time to accept and resolve, resolution
rates — over the referrals of the caller's region, or of a region inside it on request
(`region=`; see `domain.monitoring` for definitions)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, status

from slrt.auth import Principal, Role, require_roles

from ..service_layer import monitoring
from .http import ReferralRoute, WorkDep

router = APIRouter(prefix="/monitoring", route_class=ReferralRoute, tags=["monitoring"])

Watcher = Annotated[Principal, Depends(require_roles(
    Role.MANAGER, Role.BACK_OFFICE, Role.PROVINCE_COORDINATOR, Role.NATIONAL_ADMIN))]
From = Annotated[dt.datetime | None, Query(alias="from", description="Created at or after")]
To = Annotated[dt.datetime | None, Query(alias="to", description="Created before")]
Region = Annotated[str | None, Query(pattern=r"^\d{2}(\d{2}(\d{2}(\d{4})?)?)?$",
                                    description="A region inside yours; default: yours")]


def _narrowed(principal: Principal, region: str | None) -> Principal:
    """The caller seen with a narrower region; a wider one keeps the caller's own, one beside
    it is refused (as registry's and intake's region filters)."""
    if not region or principal.region.startswith(region):
        return principal
    if not principal.can_see_region(region):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            detail=f"region {region} lies outside your region "
                                   f"{principal.region or '(national)'}")
    return dataclasses.replace(principal, region=region)


def _period(start: dt.datetime | None, end: dt.datetime | None,
            ) -> tuple[dt.datetime | None, dt.datetime | None]:
    for name, value in (("from", start), ("to", end)):
        if value is not None and value.tzinfo is None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                detail=f"'{name}' needs a UTC offset, e.g. 2026-01-01T00:00:00Z")
    if start is not None and end is not None and end <= start:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail="'to' must be after 'from'")
    return start, end


@router.get("/counts", summary="Referrals by status, sector, agency, district and province")
async def counts(principal: Watcher, work: WorkDep, start: From = None,
                 end: To = None, region: Region = None) -> dict[str, Any]:
    return await monitoring.counts(work, _narrowed(principal, region), *_period(start, end))


@router.get("/overdue", summary="Referrals past a running deadline, longest overdue first")
async def overdue(principal: Watcher, work: WorkDep,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                  region: Region = None) -> dict[str, Any]:
    return await monitoring.overdue(work, _narrowed(principal, region), limit)


@router.get("/durations", summary="Median and p90 time to accept and to resolve (hours)")
async def durations(principal: Watcher, work: WorkDep, start: From = None,
                    end: To = None, region: Region = None) -> dict[str, Any]:
    return await monitoring.durations(work, _narrowed(principal, region),
                                      *_period(start, end))


@router.get("/resolution-rates",
            summary="Share of the referrals created in a period resolved, per agency or district")
async def resolution_rates(
    principal: Watcher, work: WorkDep,
    by: Annotated[Literal["agency", "district"], Query()] = "agency",
    start: From = None, end: To = None,
    days: Annotated[int, Query(ge=1, le=3660, description="Period length without 'from'")]
    = 30,
    region: Region = None,
) -> dict[str, Any]:
    start, end = _period(start, end)
    end = end or work.now
    start = start or end - dt.timedelta(days=days)
    return await monitoring.resolution_rates(work, _narrowed(principal, region), start, end,
                                             by)
