"""Usulan (data update proposals) over HTTP: create, list, verify, approve, reject, apply.

Who may take which step is the domain's rule (`domain/proposals.py`): a refusal is 403 with
the reason, a step the state does not allow is 409 with the allowed actions, a household that
changed since the usulan was made is 409 naming both versions.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field

from slrt.auth import Principal
from slrt.runtime import RuntimeDep

from ..adapters.proposal_store import ProposalStore, StaleProposal
from ..domain.proposal_changes import ChangeError
from ..domain.proposals import (
    Action,
    Actor,
    InvalidTransition,
    NotPermitted,
    ProposalError,
    VersionConflict,
)
from ..service_layer import proposals as service
from .api_search import StaffDep

router = APIRouter(tags=["registry usulan"])


class ProposalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="new_household, add_member, remove_member, correct_field, "
                                  "mark_deceased or moved")
    household_id: uuid.UUID | None = Field(None, description="None only for new_household")
    details: dict[str, Any] = Field(default_factory=dict)
    note: str = Field("", max_length=2000)


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=2000)


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


def actor(principal: Principal) -> Actor:
    return Actor(principal.subject, principal.role.value, principal.region)


@asynccontextmanager
async def _answers() -> AsyncIterator[None]:
    """Domain refusals as HTTP answers."""
    try:
        yield
    except service.ProposalNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None
    except InvalidTransition as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail={
            "message": str(exc), "state": exc.state.value,
            "allowed_actions": [a.value for a in exc.allowed]}) from None
    except VersionConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail={
            "message": str(exc), "based_on_version": exc.based_on,
            "current_version": exc.current}) from None
    except StaleProposal as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    except NotPermitted as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(exc)) from None
    except (ProposalError, ChangeError, ValueError) as exc:
        raise HTTPException(422, detail=str(exc)) from None


@router.post("/proposals", status_code=status.HTTP_201_CREATED)
async def create(body: ProposalIn, principal: StaffDep, runtime: RuntimeDep) -> dict[str, Any]:
    async with _answers(), runtime.uow() as uow:
        return await service.create(uow, actor(principal), body.kind, body.details,
                                    body.household_id, body.note, runtime.clock())


@router.get("/proposals")
async def listing(
    principal: StaffDep, runtime: RuntimeDep,
    state: Annotated[str | None, Query(max_length=12)] = None,
    household_id: uuid.UUID | None = None, complaint_id: uuid.UUID | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Usulan in the caller's region, newest first."""
    async with runtime.uow() as uow:
        found = await ProposalStore(uow.session).listing(
            principal.region, state=state, household_id=household_id,
            complaint_id=complaint_id, limit=page_size, offset=(page - 1) * page_size)
    who = actor(principal)
    return {"page": page, "page_size": page_size,
            "items": [service.view(s, who) for s in found]}


@router.get("/proposals/{proposal_id}")
async def one(proposal_id: uuid.UUID, principal: StaffDep,
              runtime: RuntimeDep) -> dict[str, Any]:
    async with runtime.uow() as uow:
        stored = await ProposalStore(uow.session).get(proposal_id)
    if stored is None or not principal.can_see_region(stored.proposal.village_code):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no usulan {proposal_id}")
    return service.view(stored, actor(principal))


async def _step(proposal_id: uuid.UUID, principal: Principal, runtime: Any, action: Action,
                note: str) -> dict[str, Any]:
    async with _answers(), runtime.uow() as uow:
        return await service.take_step(uow, actor(principal), proposal_id, action, note,
                                       runtime.clock())


@router.post("/proposals/{proposal_id}/verify")
async def verify(proposal_id: uuid.UUID, body: StepIn, principal: StaffDep,
                 runtime: RuntimeDep) -> dict[str, Any]:
    """Verifikasi by the supervisor (back office): complete and checked."""
    return await _step(proposal_id, principal, runtime, Action.VERIFY, body.note)


@router.post("/proposals/{proposal_id}/approve")
async def approve(proposal_id: uuid.UUID, body: StepIn, principal: StaffDep,
                  runtime: RuntimeDep) -> dict[str, Any]:
    """Validasi by the district (manager)."""
    return await _step(proposal_id, principal, runtime, Action.APPROVE, body.note)


@router.post("/proposals/{proposal_id}/reject")
async def reject(proposal_id: uuid.UUID, body: RejectIn, principal: StaffDep,
                 runtime: RuntimeDep) -> dict[str, Any]:
    """Reject at any step before applied; the reason is kept and shown."""
    return await _step(proposal_id, principal, runtime, Action.REJECT, body.reason)


@router.post("/proposals/{proposal_id}/apply")
async def apply(proposal_id: uuid.UUID, principal: StaffDep,
                runtime: RuntimeDep) -> dict[str, Any]:
    """Write an approved usulan into the registry; 409 if the household changed since."""
    async with _answers(), runtime.uow() as uow:
        return await service.apply(uow, actor(principal), proposal_id,
                                   runtime.extras["rules"], runtime.clock())
