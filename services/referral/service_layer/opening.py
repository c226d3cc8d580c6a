"""Opening a case from an assessment, and closing it when the complainant withdraws.

Needs no agency is configured for (`NoAgencyConfigured`) stay on the case as unrouted needs with
the routing explanation, so the case lands in the back-office queue instead of being lost. The
topics of assessments and withdrawals are not ordered with each other: a withdrawal that comes
first is kept and applied the moment the case opens.
"""

from __future__ import annotations

import datetime as dt
import uuid

from contracts import ComplaintAssessedV1, ComplaintWithdrawnV1

from ..adapters.agency_store import AgencyRepository
from ..adapters.records import CaseInfo
from ..domain.case import Case, CaseStatus
from ..domain.changes import AnyChange
from ..domain.routing import plan_referrals
from .policy import ReferralPolicy
from .unit import SYSTEM, Work


async def open_case(work: Work, policy: ReferralPolicy, event: ComplaintAssessedV1,
                    trace_id: str | None = None) -> uuid.UUID | None:
    """Open the case and one referral per agency that must act; None if already opened.
    `trace_id`: the trace of the complaint's journey, kept on the case for operators."""
    if await work.cases.case_id_for_complaint(event.complaint_id) is not None:
        return None  # the same assessment again (e.g. published twice)
    directory = await AgencyRepository(work.uow.session).directory()
    plans = plan_referrals(directory, policy.rules, list(event.needs), event.village_code)
    now = work.now
    case, opened = Case.open(uuid.uuid4(), event.complaint_id, event.village_code, now, SYSTEM)
    changes: list[AnyChange] = [opened]
    for plan in plans:
        agency = directory.get(plan.agency_id) if plan.agency_id else None
        if agency is None:
            continue
        clock = policy.clock(agency, plan.sector, plan.need_codes, event.urgency)
        note = "; ".join(d.explanation for d in plan.decisions)
        changes.append(case.add_referral(agency.agency_id, plan.sector, plan.need_codes, clock,
                                         now, SYSTEM, note))
    info = CaseInfo(
        complaint_number=event.complaint_number, village_code=event.village_code,
        category=event.category, subcategory=event.subcategory, urgency=event.urgency,
        household_id=event.household_id, needs=list(event.needs),
        contact_name=event.contact_name, contact_phone=event.contact_phone,
        unrouted_needs=[c for p in plans if p.agency_id is None for c in p.need_codes],
        routing_explanations=[d.explanation for p in plans for d in p.decisions],
        opened_at=now, trace_id=trace_id)
    early = await work.cases.early_withdrawal(event.complaint_id)
    if early is not None:
        changes += withdraw_changes(case, info, now, early["withdrawn_by"], early["reason"])
    await work.record_case(case, info, None, changes, None)
    return case.case_id


def withdraw_changes(case: Case, info: CaseInfo, at: dt.datetime, by: str,
                     reason: str) -> list[AnyChange]:
    """End every open referral, then close the case as withdrawn (if it is still active)."""
    note = f"complaint withdrawn: {reason}"
    changes: list[AnyChange] = [r.withdraw(at, by, note) for r in case.open_referrals]
    if case.status in (CaseStatus.OPEN, CaseStatus.REFERRED):
        changes.append(case.withdraw(at, by, reason))
        info.closed_at = at
        info.unrouted_needs = []
    return changes


async def withdraw_case(work: Work, event: ComplaintWithdrawnV1) -> uuid.UUID | None:
    """Apply a complaint's withdrawal to its case (or keep it until the case opens)."""
    case_id = await work.cases.case_id_for_complaint(event.complaint_id)
    if case_id is None:
        await work.cases.add_early_withdrawal(event.complaint_id, event.withdrawn_at,
                                              event.withdrawn_by, event.withdrawal_reason)
        return None
    loaded = await work.cases.load_case(case_id)
    assert loaded is not None
    case, info = loaded
    seen = case.version
    changes = withdraw_changes(case, info, work.now, event.withdrawn_by,
                               event.withdrawal_reason)
    if changes:  # a closed or merged case without open referrals: nothing left to end
        await work.record_case(case, info, seen, changes, None)
    return case_id
