"""Registry HTTP search and household profile: scoped to the caller's region, audited."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status

from slrt.auth import Principal, Role, require_roles
from slrt.runtime import RuntimeDep

from ..service_layer.search import (
    Caller,
    OutOfScope,
    SearchError,
    SearchQuery,
    household_profile,
    scoped_region,
    search_households,
)

router = APIRouter(tags=["registry search"])
_WIB = ZoneInfo("Asia/Jakarta")

#: Staff who work with households' personal data (not the on-call engineer, not agencies).
PERSONAL_DATA_ROLES = (Role.PUSKESOS_OPERATOR, Role.FRONT_OFFICE, Role.BACK_OFFICE,
                       Role.MANAGER, Role.PROVINCE_COORDINATOR, Role.NATIONAL_ADMIN)
StaffDep = Annotated[Principal, Depends(require_roles(*PERSONAL_DATA_ROLES))]


def caller(principal: Principal) -> Caller:
    return Caller(principal.subject, principal.role.value, principal.region)


def requested_region(principal: Principal, region: str | None) -> str:
    """The region a report covers: `region` if it lies in the caller's (400 if malformed,
    403 if outside), else the caller's own."""
    try:
        return scoped_region(caller(principal), region)
    except SearchError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=str(exc)) from None
    except OutOfScope as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(exc)) from None


def _point(near: str) -> tuple[float, float]:
    try:
        lat, lon = (float(part) for part in near.split(","))
    except ValueError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST,
                            detail="near must be 'latitude,longitude', e.g. -7.95,110.33") \
            from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="near is not a valid point")
    return lat, lon


@router.get("/households/search")
async def search(
    principal: StaffDep, runtime: RuntimeDep,
    nik: Annotated[str | None, Query(max_length=32)] = None,
    kk: Annotated[str | None, Query(max_length=32)] = None,
    name: Annotated[str | None, Query(min_length=2, max_length=200)] = None,
    address: Annotated[str | None, Query(min_length=2, max_length=200)] = None,
    region: Annotated[str | None, Query(max_length=13, description=(
        "Village (10 digits) or a wider Kemendagri code; default: your region"))] = None,
    near: Annotated[str | None, Query(description="latitude,longitude")] = None,
    radius_km: Annotated[float, Query(gt=0, le=25)] = 2.0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Find households by NIK, KK, name (typo-tolerant, in a village or district), address
    text or location (nearest first). Exactly one criterion per request."""
    query = SearchQuery(nik=nik, kk=kk, name=name, address=address, region=region,
                        near=_point(near) if near else None, radius_km=radius_km, limit=limit)
    try:
        async with runtime.uow() as uow:
            results = await search_households(uow, caller(principal), query, runtime.clock())
    except SearchError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=str(exc)) from None
    except OutOfScope as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(exc)) from None
    return {"method": query.method, "count": len(results), "results": results}


@router.get("/households/{household_id}")
async def profile(household_id: uuid.UUID, principal: StaffDep, runtime: RuntimeDep,
                  response: Response) -> dict[str, Any]:
    """The household with members, programs and needs now; its version is the ETag."""
    now = runtime.clock()
    async with runtime.uow() as uow:
        found = await household_profile(uow, caller(principal), household_id,
                                        runtime.extras["rules"], now,
                                        now.astimezone(_WIB).date())
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no household {household_id}")
    response.headers["ETag"] = f'"{found["version"]}"'
    return found
