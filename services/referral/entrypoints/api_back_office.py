"""Back-office HTTP API (back office and managers, inside their region): the queue of cases
that wait for them (province and national coordinators read it too), the case of a complaint,
one case with its timeline, and the tools — refer by hand, reroute, answer
an agency's question, escalate, merge, handle at the Puskesos, inform, close, reopen, and
reassign an agency's open referrals. `If-Match` carries the version read (the case's, or the
referral's for referral tools)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from contracts import Sector, Urgency
from slrt.auth import Principal, PrincipalDep, Role, require_roles
from slrt.runtime import RuntimeDep

from ..service_layer import back_office, queries
from ..service_layer.errors import BadRequest
from .http import IfMatch, ReferralRoute, WorkDep, tagged
from .schemas import (
    EscalateIn,
    ManualReferralIn,
    MergeIn,
    NoteIn,
    QueueReason,
    ReassignIn,
    RequiredNoteIn,
    RerouteIn,
)

router = APIRouter(route_class=ReferralRoute, tags=["back office"])

BackOffice = Annotated[Principal, Depends(require_roles(Role.BACK_OFFICE, Role.MANAGER))]
# Coordinators above the district read the queue of their region (they act through managers).
QueueReader = Annotated[Principal, Depends(require_roles(
    Role.BACK_OFFICE, Role.MANAGER, Role.PROVINCE_COORDINATOR, Role.NATIONAL_ADMIN))]
# Everyone who reads whole cases in their region (agency officers read their referrals).
CaseReader = Annotated[Principal, Depends(require_roles(
    Role.PUSKESOS_OPERATOR, Role.FRONT_OFFICE, Role.BACK_OFFICE, Role.MANAGER,
    Role.PROVINCE_COORDINATOR, Role.NATIONAL_ADMIN, Role.OPERATOR))]


async def _case(work: WorkDep, case_id: uuid.UUID, principal: Principal,
                response: Response) -> dict[str, Any]:
    view = await queries.show_case(work, case_id, principal)
    return tagged(view, view.get("version", 0), response)


@router.get("/back-office/queue", summary="Cases that wait for the back office")
async def queue(principal: QueueReader, work: WorkDep,
                reason: Annotated[QueueReason | None, Query(description="Only this reason")]
                = None,
                category: Annotated[Sector | None, Query(description="The case's sector")]
                = None,
                urgency: Annotated[Urgency | None, Query()] = None,
                area: Annotated[str | None, Query(
                    pattern=r"^\d{2,10}$",
                    description="Inside your region: a district (6 digits) or village code")]
                = None,
                overdue: Annotated[bool, Query(
                    description="Only cases with a referral past a running deadline")] = False,
                limit: Annotated[int, Query(ge=1, le=500)] = 50,
                offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> dict[str, Any]:
    return await queries.back_office_queue(
        work, principal, reason, limit, offset, category=category.value if category else None,
        urgency=urgency.value if urgency else None, area=area, overdue=overdue)


@router.get("/cases", summary="The case of a complaint, by the complaint's id or number")
async def find_cases(principal: CaseReader, work: WorkDep,
                     complaint_id: Annotated[uuid.UUID | None, Query()] = None,
                     complaint_number: Annotated[str | None, Query(
                         max_length=32, description="e.g. SLRT-3402-2026-000123")] = None
                     ) -> dict[str, Any]:
    if complaint_id is None and not complaint_number:
        raise BadRequest("give complaint_id or complaint_number")
    return await queries.find_cases(work, principal, complaint_id, complaint_number)


@router.get("/cases/{case_id}", summary="One case with its referrals (ETag: its version)")
async def get_case(case_id: uuid.UUID, principal: PrincipalDep, work: WorkDep,
                   response: Response) -> dict[str, Any]:
    return await _case(work, case_id, principal, response)


@router.get("/cases/{case_id}/timeline", summary="Every change of a case: what, who, when")
async def case_timeline(case_id: uuid.UUID, principal: PrincipalDep,
                        work: WorkDep) -> dict[str, Any]:
    return await queries.timeline(work, case_id, principal)


@router.post("/cases/{case_id}/referrals", status_code=201,
             summary="Refer the case by hand (default: its unrouted needs)")
async def add_referral(case_id: uuid.UUID, body: ManualReferralIn, principal: BackOffice,
                       work: WorkDep, runtime: RuntimeDep, expected: IfMatch,
                       response: Response) -> dict[str, Any]:
    await back_office.add_referral(work, runtime.extras["policy"], principal, case_id,
                                   body.agency_id, body.need_codes, body.note, expected)
    await work.uow.commit()
    return await _case(work, case_id, principal, response)


async def _case_action(action: str, case_id: uuid.UUID, note: str | None, principal: Principal,
                       work: WorkDep, expected: int | None,
                       response: Response) -> dict[str, Any]:
    await back_office.case_action(work, principal, case_id, action, note, expected)
    await work.uow.commit()
    return await _case(work, case_id, principal, response)


@router.post("/cases/{case_id}/inform", summary="Record that the complainant was informed")
async def inform(case_id: uuid.UUID, body: RequiredNoteIn, principal: BackOffice,
                 work: WorkDep, expected: IfMatch, response: Response) -> dict[str, Any]:
    return await _case_action("inform", case_id, body.note, principal, work, expected, response)


@router.post("/cases/{case_id}/close",
             summary="Close the case (every referral ended, complainant informed)")
async def close(case_id: uuid.UUID, principal: BackOffice, work: WorkDep, expected: IfMatch,
                response: Response, body: NoteIn | None = None) -> dict[str, Any]:
    return await _case_action("close", case_id, body.note if body else None, principal, work,
                              expected, response)


@router.post("/cases/{case_id}/handle-at-puskesos",
             summary="Close without referral: the Puskesos solved it (the note says how)")
async def handle_at_puskesos(case_id: uuid.UUID, body: RequiredNoteIn, principal: BackOffice,
                             work: WorkDep, expected: IfMatch,
                             response: Response) -> dict[str, Any]:
    return await _case_action("handle_at_puskesos", case_id, body.note, principal, work,
                              expected, response)


@router.post("/cases/{case_id}/reopen", summary="Reopen a closed case (the note says why)")
async def reopen(case_id: uuid.UUID, body: RequiredNoteIn, principal: BackOffice,
                 work: WorkDep, expected: IfMatch, response: Response) -> dict[str, Any]:
    return await _case_action("reopen", case_id, body.note, principal, work, expected,
                              response)


@router.post("/cases/{case_id}/merge", summary="Merge a duplicate case into another")
async def merge(case_id: uuid.UUID, body: MergeIn, principal: BackOffice, work: WorkDep,
                expected: IfMatch, response: Response) -> dict[str, Any]:
    await back_office.merge(work, principal, case_id, body.into_case_id, body.note, expected)
    await work.uow.commit()
    return await _case(work, case_id, principal, response)


@router.post("/referrals/{referral_id}/reroute",
             summary="Send a referral's needs to another agency (If-Match: the referral's)")
async def reroute(referral_id: uuid.UUID, body: RerouteIn, principal: BackOffice,
                  work: WorkDep, runtime: RuntimeDep, expected: IfMatch,
                  response: Response) -> dict[str, Any]:
    case = await back_office.reroute(work, runtime.extras["policy"], principal, referral_id,
                                     body.agency_id, body.note, expected)
    await work.uow.commit()
    return await _case(work, case.case_id, principal, response)


@router.post("/referrals/{referral_id}/answer",
             summary="Answer an agency's request for information (delivers it again)")
async def answer(referral_id: uuid.UUID, body: RequiredNoteIn, principal: BackOffice,
                 work: WorkDep, expected: IfMatch, response: Response) -> dict[str, Any]:
    referral = await back_office.answer(work, principal, referral_id, body.note, expected)
    await work.uow.commit()
    view = await queries.show_referral(work, referral.referral_id, principal)
    return tagged(view, referral.version, response)


@router.post("/referrals/{referral_id}/escalate", summary="Escalate a referral to a manager")
async def escalate(referral_id: uuid.UUID, body: EscalateIn, principal: BackOffice,
                   work: WorkDep, expected: IfMatch, response: Response) -> dict[str, Any]:
    referral = await back_office.escalate(work, principal, referral_id, body.level.value,
                                          body.note, expected)
    await work.uow.commit()
    view = await queries.show_referral(work, referral.referral_id, principal)
    return tagged(view, referral.version, response)


@router.post("/agencies/{agency_id}/referrals:reassign",
             summary="Move every open referral of an agency (in your region) to another")
async def reassign(agency_id: str, body: ReassignIn, principal: BackOffice, work: WorkDep,
                   runtime: RuntimeDep) -> dict[str, Any]:
    moved = await back_office.reassign_agency(work, runtime.extras["policy"], principal,
                                              agency_id, body.to_agency_id, body.note)
    await work.uow.commit()
    return {"from_agency_id": agency_id, "to_agency_id": body.to_agency_id,
            "moved": len(moved), "new_referral_ids": moved}
