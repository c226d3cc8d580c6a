"""Notification HTTP API: the deadlines an agency will be reminded about (and, from
`api_inbox`, the in-app inbox and delivery status)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from slrt.auth import PrincipalDep, Role
from slrt.runtime import RuntimeDep

from ..adapters.repository import DeadlineRepository
from ..domain.contacts import agency_region as _agency_region
from ..domain.deadlines import DeadlineState
from .api_inbox import router as inbox_router

router = APIRouter(prefix="/v1", tags=["deadlines"])


@router.get("/agencies/{agency_id}/deadlines")
async def agency_deadlines(agency_id: str, principal: PrincipalDep, runtime: RuntimeDep,
                           state: DeadlineState | None = None,
                           limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                           offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    allowed = (principal.can_act_for_agency(agency_id) if principal.role == Role.AGENCY_OFFICER
               else principal.can_see_region(_agency_region(agency_id)))
    if not allowed:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"agency {agency_id} not found")
    async with runtime.uow() as uow:
        items = await DeadlineRepository(uow.session).for_agency(agency_id, state, limit, offset)
    return {"agency_id": agency_id, "items": items}


@router.get("/referrals/{referral_id}/deadlines")
async def referral_deadlines(referral_id: uuid.UUID, principal: PrincipalDep,
                             runtime: RuntimeDep) -> dict[str, Any]:
    async with runtime.uow() as uow:
        items = await DeadlineRepository(uow.session).for_referral(referral_id)
    items = [d for d in items if (principal.can_act_for_agency(d["agency_id"])
                                  if principal.role == Role.AGENCY_OFFICER
                                  else principal.can_see_region(_agency_region(d["agency_id"])))]
    if not items:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            detail=f"no deadlines for referral {referral_id}")
    return {"referral_id": str(referral_id), "items": items}


router.include_router(inbox_router)
