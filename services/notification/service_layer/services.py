"""Notification use cases: keep the deadline book in step with referral lifecycle events.

Each open deadline carries `next_due_at`, the first time the scheduler must look at it; a
settled, closed or paused deadline has none, so nothing is reminded after it ends.
"""

from __future__ import annotations

from contracts import CaseClosedV1, ReferralCreatedV1, ReferralStatusChangedV1
from contracts.envelope import CloudEventMeta
from slrt.db import UnitOfWork

from ..adapters.repository import DeadlineRepository
from ..domain.deadlines import PAUSING, DeadlineKind, DeadlineState, after_status, deadlines_for
from .context import Notifier


async def on_referral_created(notifier: Notifier, event: ReferralCreatedV1,
                              meta: CloudEventMeta, uow: UnitOfWork) -> None:
    rows = [{
        "referral_id": str(event.referral_id), "kind": d.kind, "case_id": str(event.case_id),
        "complaint_number": event.complaint_number, "agency_id": event.agency_id,
        "time_zone": event.time_zone, "due_at": d.due_at, "state": d.state,
        "updated_at": event.created_at,
        "next_due_at": notifier.plan(d.kind, d.due_at, event.time_zone)[0].at,
    } for d in deadlines_for(event.accept_due_at, event.resolve_due_at)]
    await DeadlineRepository(uow.session).add_if_absent(rows)


async def on_referral_status_changed(notifier: Notifier, event: ReferralStatusChangedV1,
                                     meta: CloudEventMeta, uow: UnitOfWork) -> None:
    repo = DeadlineRepository(uow.session)
    at = event.changed_at
    if event.withdrawn:
        for kind in DeadlineKind:
            await repo.settle(event.referral_id, kind, DeadlineState.CLOSED, at)
        return
    settled = after_status(event.to_status)
    for kind, state in settled.items():
        await repo.settle(event.referral_id, kind, state, at)
    new_due = {DeadlineKind.ACCEPT: event.accept_due_at,
               DeadlineKind.RESOLVE: event.resolve_due_at}
    for row in await repo.live_of_referral(event.referral_id):
        due_at = new_due.get(DeadlineKind(row["kind"])) or row["due_at"]
        if event.to_status in PAUSING:
            # Returned to the back office: the agency cannot act, so it is not reminded.
            await repo.reschedule(row["referral_id"], row["kind"], DeadlineState.PAUSED, due_at,
                                  None, at)
            continue
        first = notifier.plan(row["kind"], due_at, row["time_zone"])[0].at
        await repo.reschedule(row["referral_id"], row["kind"], DeadlineState.OPEN, due_at,
                              first, at)


async def on_case_closed(notifier: Notifier, event: CaseClosedV1, meta: CloudEventMeta,
                         uow: UnitOfWork) -> None:
    await DeadlineRepository(uow.session).close_case(event.case_id, event.closed_at)
