"""Notification HTTP API: the deadlines an agency will be reminded about."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from slrt.auth import PrincipalDep, Role
from slrt.runtime import RuntimeDep

from ..adapters.repository import DeadlineRepository
from ..domain.deadlines import DeadlineState

router = APIRouter(prefix="/v1", tags=["deadlines"])


def _agency_region(agency_id: str) -> str:
    # Agency ids end with their region code (dinkes-3402, dinsos-34); national ones have none.
    tail = agency_id.rsplit("-", 1)[-1]
    return tail if tail.isdigit() else ""


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
