"""Registry HTTP API: assessments and registry size; search, profile and usulan routes are
included from their own modules."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, status

from slrt.auth import PrincipalDep, Role, require_roles
from slrt.runtime import RuntimeDep

from ..adapters.proposal_store import ProposalStore
from ..adapters.repository import HouseholdRepository
from .api_duplicates import router as duplicates_router
from .api_proposals import router as proposals_router
from .api_search import router as search_router
from .api_stats import router as stats_router

router = APIRouter(prefix="/v1", tags=["registry"])

_STAFF = (Role.BACK_OFFICE, Role.MANAGER, Role.PROVINCE_COORDINATOR, Role.NATIONAL_ADMIN,
          Role.OPERATOR)


@router.get("/assessments/{complaint_id}", dependencies=[Depends(require_roles(*_STAFF))])
async def get_assessment(complaint_id: uuid.UUID, principal: PrincipalDep,
                         runtime: RuntimeDep) -> dict[str, Any]:
    """Why a complaint got its needs: match method, confidence, rule ids and reasons."""
    async with runtime.uow() as uow:
        repo = HouseholdRepository(uow.session)
        found = await repo.assessment(complaint_id)
        household = None
        if found and found["household_id"]:
            loaded = await repo.load_many([found["household_id"]])
            household = loaded[0] if loaded else None
        # The usulan a data-update or unmatched complaint made (registration), if any.
        usulan = await ProposalStore(uow.session).by_complaint(complaint_id)
    if found is None or (household is not None
                         and not principal.can_see_region(household.village_code)):
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            detail=f"no assessment for complaint {complaint_id}")
    return {**found, "rules": runtime.extras["rules"].version,
            "proposal_id": str(usulan.proposal.proposal_id) if usulan else None}


@router.get("/registry/stats", dependencies=[Depends(require_roles(*_STAFF))])
async def registry_stats(runtime: RuntimeDep) -> dict[str, Any]:
    async with runtime.uow() as uow:
        return {"households": await HouseholdRepository(uow.session).count()}


router.include_router(search_router)
router.include_router(proposals_router)
router.include_router(duplicates_router)
router.include_router(stats_router)
