"""In-app inbox per agency and per manager, and delivery status for managers.

Scope: an agency officer sees only its own agency's inbox; managers and coordinators see the
inboxes of agencies and managers inside their region; nobody else reads them.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from slrt.auth import Principal, Role, require_roles
from slrt.runtime import RuntimeDep

from ..adapters import inbox_queries as q
from ..adapters.scheduler_store import SchedulerStore
from ..domain.contacts import agency_region

router = APIRouter(tags=["inbox"])  # mounted under /v1 by `api.router`

_MANAGERS = (Role.MANAGER, Role.PROVINCE_COORDINATOR, Role.NATIONAL_ADMIN)
Reader = Annotated[Principal, Depends(require_roles(Role.AGENCY_OFFICER, Role.BACK_OFFICE,
                                                    *_MANAGERS))]
Manager = Annotated[Principal, Depends(require_roles(*_MANAGERS))]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


def may_read(principal: Principal, recipient: str) -> bool:
    audience, _, scope = recipient.partition(":")
    if principal.role == Role.AGENCY_OFFICER:
        return audience == "agency" and principal.can_act_for_agency(scope)
    if audience == "agency":
        return principal.can_see_region(agency_region(scope))
    return principal.role in _MANAGERS and principal.can_see_region(scope)


def _not_found(what: str) -> HTTPException:
    # 404, not 403: whether an inbox outside one's scope exists is not disclosed either.
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"{what} not found")


@router.get("/inbox/agencies/{agency_id}")
async def agency_inbox(agency_id: str, principal: Reader, runtime: RuntimeDep,
                       unread: bool = False, limit: Limit = 50, offset: Offset = 0
                       ) -> dict[str, Any]:
    recipient = f"agency:{agency_id}"
    if not may_read(principal, recipient):
        raise _not_found(f"inbox of {agency_id}")
    async with runtime.uow() as uow:
        items = await q.messages_for(uow.session, [recipient], unread, limit, offset)
    return {"recipient": recipient, "items": items}


@router.get("/inbox/managers/{region}")
async def manager_inbox(region: str, principal: Manager, runtime: RuntimeDep,
                        unread: bool = False, limit: Limit = 50, offset: Offset = 0
                        ) -> dict[str, Any]:
    """The district manager's inbox (`region` of 4 digits) or the province's (2 digits):
    escalations and failed deliveries."""
    recipients = [f"manager:{region}", f"province:{region}"]
    if not may_read(principal, recipients[0]):
        raise _not_found(f"inbox of region {region}")
    async with runtime.uow() as uow:
        items = await q.messages_for(uow.session, recipients, unread, limit, offset)
    return {"region": region, "items": items}


@router.post("/inbox/messages/{message_id}/read")
async def read_message(message_id: uuid.UUID, principal: Reader,
                       runtime: RuntimeDep) -> dict[str, Any]:
    async with runtime.uow() as uow:
        found = await q.message(uow.session, str(message_id))
        if found is None or not may_read(principal, found["recipient"]):
            raise _not_found(f"message {message_id}")
        await q.mark_read(uow.session, str(message_id), runtime.clock())
        await uow.commit()
        return {**found, "read_at": found["read_at"] or runtime.clock()}


@router.get("/deliveries")
async def list_deliveries(principal: Manager, runtime: RuntimeDep,
                          delivery_status: Annotated[str | None, Query(alias="status")] = None,
                          limit: Limit = 100) -> dict[str, Any]:
    """Deliveries of agencies in the caller's region (`status=failed`: what needs attention)."""
    async with runtime.uow() as uow:
        rows = await q.deliveries_with(uow.session, delivery_status, limit * 4)
    items = [r for r in rows if principal.can_see_region(agency_region(r["agency_id"] or ""))]
    return {"items": items[:limit]}


@router.post("/deliveries/{delivery_id}/retry", status_code=status.HTTP_202_ACCEPTED)
async def retry_delivery(delivery_id: uuid.UUID, principal: Manager,
                         runtime: RuntimeDep) -> dict[str, str]:
    """Send a failed delivery again (after its channel was repaired)."""
    async with runtime.uow() as uow:
        found = await q.delivery(uow.session, str(delivery_id))
        if found is None or not principal.can_see_region(agency_region(found["agency_id"] or "")):
            raise _not_found(f"delivery {delivery_id}")
        if not await SchedulerStore(uow.session).requeue_failed(str(delivery_id),
                                                                runtime.clock()):
            raise HTTPException(status.HTTP_409_CONFLICT,
                                detail=f"delivery {delivery_id} is {found['status']}, not failed")
        await uow.commit()
    return {"id": str(delivery_id), "status": "pending"}


@router.get("/referrals/{referral_id}/reminders")
async def referral_reminders(referral_id: uuid.UUID, principal: Reader,
                             runtime: RuntimeDep) -> dict[str, Any]:
    async with runtime.uow() as uow:
        items = await q.reminders_of_referral(uow.session, str(referral_id))
    items = [r for r in items if may_read(principal, f"agency:{r['agency_id']}")]
    if not items:
        raise _not_found(f"reminders of referral {referral_id}")
    return {"referral_id": str(referral_id), "items": items}
