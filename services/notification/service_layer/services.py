"""Notification use cases: keep the deadline book in step with referral lifecycle events."""

from __future__ import annotations

from contracts import ReferralCreatedV1, ReferralStatusChangedV1
from contracts.envelope import CloudEventMeta
from slrt.db import UnitOfWork

from ..adapters.repository import DeadlineRepository
from ..domain.deadlines import after_status, deadlines_for


async def on_referral_created(event: ReferralCreatedV1, meta: CloudEventMeta,
                              uow: UnitOfWork) -> None:
    rows = [{
        "referral_id": str(event.referral_id), "kind": d.kind, "case_id": str(event.case_id),
        "complaint_number": event.complaint_number, "agency_id": event.agency_id,
        "time_zone": event.time_zone, "due_at": d.due_at, "state": d.state,
        "updated_at": event.created_at,
    } for d in deadlines_for(event.accept_due_at, event.resolve_due_at)]
    await DeadlineRepository(uow.session).add_if_absent(rows)


async def on_referral_status_changed(event: ReferralStatusChangedV1, meta: CloudEventMeta,
                                     uow: UnitOfWork) -> None:
    repo = DeadlineRepository(uow.session)
    for kind, state in after_status(event.to_status).items():
        await repo.settle(event.referral_id, kind, state, event.changed_at)
