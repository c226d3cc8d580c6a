"""Agency officers' HTTP API: their inbox, one referral, and their answers (accept, progress,
resolve, reject, return). A back-office officer or manager may record an answer for an agency
of their region (e.g. given by phone); an officer of another agency gets 404."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from contracts import AgencyAction, ReferralStatus
from slrt.auth import Principal, PrincipalDep, Role, require_roles

from ..service_layer import agency_work, queries
from .http import IfMatch, ReferralRoute, WorkDep, tagged
from .schemas import NoteIn

router = APIRouter(route_class=ReferralRoute, tags=["agency inbox"])

Answerer = Annotated[Principal, Depends(require_roles(Role.AGENCY_OFFICER, Role.BACK_OFFICE,
                                                      Role.MANAGER))]

_SUMMARIES = {
    AgencyAction.ACCEPT: "Accept the referral (the agency will act)",
    AgencyAction.PROGRESS: "Report that work on the referral has started",
    AgencyAction.RESOLVE: "Report the referral resolved",
    AgencyAction.REJECT: "Reject the referral (the note says why; the back office reroutes)",
    AgencyAction.RETURN: "Return the referral for more information (the note asks for it)",
}


@router.get("/agencies/{agency_id}/referrals", summary="An agency's inbox")
async def agency_inbox(
    agency_id: str, principal: PrincipalDep, work: WorkDep,
    status: Annotated[list[ReferralStatus], Query(description="Only these statuses")] = [],  # noqa: B006
    overdue: Annotated[bool, Query(description="Only referrals past a running deadline")]
    = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    return await queries.inbox(work, agency_id, principal, [s.value for s in status], overdue,
                               limit, offset)


@router.get("/referrals/{referral_id}", summary="One referral (ETag: its version)")
async def get_referral(referral_id: uuid.UUID, principal: PrincipalDep, work: WorkDep,
                       response: Response) -> dict[str, Any]:
    view = await queries.show_referral(work, referral_id, principal)
    return tagged(view, view["version"], response)


def _answer(action: AgencyAction) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def answer(referral_id: uuid.UUID, principal: Answerer, work: WorkDep,
                     expected: IfMatch, response: Response,
                     body: NoteIn | None = None) -> dict[str, Any]:
        referral, village = await agency_work.respond(work, referral_id, action, principal,
                                                      body.note if body else None,
                                                      expected_version=expected)
        await work.uow.commit()
        return tagged(queries.referral_view(referral, village, work.now), referral.version,
                      response)

    answer.__name__ = f"{action.value}_referral"
    return answer


for _action in AgencyAction:
    router.add_api_route(
        f"/referrals/{{referral_id}}/{_action.value}", _answer(_action), methods=["POST"],
        summary=_SUMMARIES[_action],
        description="`If-Match` with the version read (ETag) makes the answer conditional: "
                    "412 if the referral changed since. 409 lists the allowed answers when "
                    "this one is not allowed now.")
