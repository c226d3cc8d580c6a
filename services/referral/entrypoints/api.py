"""Referral HTTP API: cases, agency inboxes and the agency directory."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from contracts import ReferralStatus
from slrt.auth import PrincipalDep
from slrt.runtime import RuntimeDep

from ..service_layer import services

router = APIRouter(prefix="/v1", tags=["referrals"])


@router.get("/cases/{case_id}")
async def get_case(case_id: uuid.UUID, principal: PrincipalDep,
                   runtime: RuntimeDep) -> dict[str, Any]:
    try:
        async with runtime.uow() as uow:
            return await services.show_case(uow, case_id, principal)
    except services.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None


@router.get("/agencies/{agency_id}/referrals")
async def agency_referrals(agency_id: str, principal: PrincipalDep, runtime: RuntimeDep,
                           status_filter: Annotated[ReferralStatus | None,
                                                    Query(alias="status")] = None,
                           limit: Annotated[int, Query(ge=1, le=500)] = 50,
                           offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    try:
        async with runtime.uow() as uow:
            items = await services.agency_inbox(uow, runtime.extras["policy"], agency_id,
                                                principal, status_filter, limit, offset)
    except services.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None
    return {"agency_id": agency_id, "items": items, "limit": limit, "offset": offset}


@router.get("/agencies")
async def list_agencies(principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
    directory = runtime.extras["policy"].directory
    return {"items": [{"agency_id": a.agency_id, "name": a.name, "kind": a.kind,
                       "region_code": a.region_code, "sectors": list(a.sectors)}
                      for a in directory.all()]}
