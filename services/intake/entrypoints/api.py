"""Intake HTTP API: thin routes that parse, call one use case, and shape the answer."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from contracts import Channel, Sector, Urgency
from slrt.auth import PrincipalDep, Role, require_roles
from slrt.runtime import RuntimeDep

from ..domain.complaint import ComplainantData, ComplaintDraft, FieldIssue
from ..service_layer import services

router = APIRouter(prefix="/v1", tags=["complaints"])

RECORDING_ROLES = (Role.PUSKESOS_OPERATOR, Role.FRONT_OFFICE, Role.BACK_OFFICE, Role.MANAGER,
                   Role.NATIONAL_ADMIN)


class ComplainantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=200)
    nik: str | None = Field(None, max_length=32)
    has_no_nik: bool = False
    kk_number: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=32)


class ComplaintIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Channel
    village_code: str = Field(max_length=20, examples=["3402052001"])
    category: Sector
    subcategory: str | None = Field(None, max_length=40)
    urgency: Urgency = Urgency.NORMAL
    description: str = Field(max_length=10000)
    complainant: ComplainantIn


class IssueOut(BaseModel):
    loc: list[str]
    type: str
    msg: str


class ComplaintCreated(BaseModel):
    id: uuid.UUID
    number: str
    status: str
    warnings: list[IssueOut]


def _issues(found: list[FieldIssue]) -> list[IssueOut]:
    # Same shape as FastAPI's own 422 details, so clients read one format.
    return [IssueOut(loc=["body", *f.field.split(".")], type=f.rule, msg=f.message) for f in found]


@router.post("/complaints", status_code=status.HTTP_201_CREATED, response_model=ComplaintCreated,
             dependencies=[Depends(require_roles(*RECORDING_ROLES))])
async def create_complaint(body: ComplaintIn, principal: PrincipalDep,
                           runtime: RuntimeDep) -> ComplaintCreated:
    draft = ComplaintDraft(
        channel=body.channel, village_code=body.village_code, category=body.category,
        subcategory=body.subcategory, urgency=body.urgency, description=body.description,
        complainant=ComplainantData(**body.complainant.model_dump()))
    try:
        async with runtime.uow() as uow:
            done = await services.register_complaint(uow, draft, principal, runtime.clock())
    except services.InvalidComplaint as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[
            i.model_dump() for i in _issues(exc.errors)]) from None
    except services.OutOfScope as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(exc)) from None
    return ComplaintCreated(id=done.complaint_id, number=done.number, status=done.status,
                            warnings=_issues(done.warnings))


@router.get("/complaints/{complaint_id}")
async def get_complaint(complaint_id: uuid.UUID, principal: PrincipalDep,
                        runtime: RuntimeDep) -> dict[str, Any]:
    try:
        async with runtime.uow() as uow:
            view = await services.show_complaint(uow, complaint_id, principal, runtime.clock())
    except services.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None
    c = view["complaint"]
    return {
        "id": c["id"], "number": c["number"], "status": c["status"],
        "channel": c["channel"], "village_code": c["village_code"], "category": c["category"],
        "subcategory": c["subcategory"], "urgency": c["urgency"],
        "description": c["description"], "household_id": c["household_id"],
        "complainant": {"name": c["complainant_name"], "nik": c["complainant_nik"],
                        "has_no_nik": c["complainant_has_no_nik"],
                        "kk_number": c["complainant_kk"], "phone": c["complainant_phone"]},
        "registered_at": c["registered_at"], "updated_at": c["updated_at"],
        "referrals": [{k: r[k] for k in ("referral_id", "agency_id", "sector", "status",
                                          "accept_due_at", "resolve_due_at", "updated_at")}
                      for r in view["referrals"]],
        "timeline": view["timeline"],
    }
