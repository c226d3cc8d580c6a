"""The events a domain change publishes, built from the change and what the service knows of
the case. One function per change; `events_for` picks them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from contracts import (
    AgencyReferralV1,
    CaseClosedV1,
    CaseOutcome,
    CaseReopenedV1,
    Contract,
    EscalationLevel,
    ReferralCreatedV1,
    ReferralEscalatedV1,
    ReferralStatusChangedV1,
    agency_topic,
)

from ..adapters.records import CaseInfo
from ..domain.case import Case, CaseChange
from ..domain.changes import AnyChange, Escalation, StatusChange
from ..domain.state import Referral

#: Case change kinds that end a case, and the outcome each reports.
_CLOSING = {"closed": CaseOutcome.REFERRALS_ENDED,
            "handled_at_puskesos": CaseOutcome.HANDLED_AT_PUSKESOS,
            "withdrawn": CaseOutcome.WITHDRAWN, "merged": CaseOutcome.MERGED}


def agency_description(info: CaseInfo, need_codes: tuple[str, ...]) -> str:
    """What the agency reads first: the complaint number, category and the needs with reasons
    (facts only, no personal data: the complaint text stays with intake)."""
    by_code = info.needs_by_code()
    needs = "; ".join(f"{code}: {by_code[code].reason}" if code in by_code else code
                      for code in need_codes)
    return f"Keluhan {info.complaint_number} ({info.category.value}). Kebutuhan: {needs}"


def referral_created(info: CaseInfo, referral: Referral) -> list[tuple[Contract, str | None]]:
    """The lifecycle event and the agency's own copy of a new referral."""
    assert referral.created_at is not None
    by_code = info.needs_by_code()
    created = ReferralCreatedV1(
        referral_id=referral.referral_id, case_id=referral.case_id,
        complaint_id=referral.complaint_id, complaint_number=info.complaint_number,
        agency_id=referral.agency_id, sector=referral.sector,
        need_codes=list(referral.need_codes), village_code=info.village_code,
        urgency=info.urgency, status=referral.status, created_at=referral.created_at,
        accept_due_at=referral.accept_due_at, resolve_due_at=referral.resolve_due_at,
        time_zone=referral.sla.zone)
    delivered = AgencyReferralV1(
        referral_id=referral.referral_id, case_id=referral.case_id,
        complaint_number=info.complaint_number, agency_id=referral.agency_id,
        sector=referral.sector, subcategory=info.subcategory, urgency=info.urgency,
        needs=[by_code[c] for c in referral.need_codes if c in by_code],
        village_code=info.village_code, household_id=info.household_id,
        description=agency_description(info, referral.need_codes),
        contact_name=info.contact_name, contact_phone=info.contact_phone,
        accept_due_at=referral.accept_due_at, resolve_due_at=referral.resolve_due_at)
    return [(created, None), (delivered, agency_topic(referral.agency_id))]


def status_changed(referral: Referral, change: StatusChange) -> ReferralStatusChangedV1:
    return ReferralStatusChangedV1(
        referral_id=referral.referral_id, case_id=referral.case_id,
        complaint_id=referral.complaint_id, agency_id=referral.agency_id,
        from_status=change.from_status, to_status=change.to_status, changed_at=change.at,
        changed_by=change.by, note=change.note, version=change.version,
        change_id=change.change_id, accept_due_at=change.accept_due_at,
        resolve_due_at=change.resolve_due_at, answer_due_at=change.answer_due_at,
        withdrawn=change.withdrawn)


def escalated(referral: Referral, change: Escalation) -> ReferralEscalatedV1:
    return ReferralEscalatedV1(
        referral_id=referral.referral_id, case_id=referral.case_id,
        complaint_id=referral.complaint_id, agency_id=referral.agency_id,
        level=EscalationLevel(change.level), status=change.status, escalated_at=change.at,
        escalated_by=change.by, note=change.note)


def case_changed(case: Case, info: CaseInfo, change: CaseChange) -> list[Contract]:
    if change.kind in _CLOSING:
        return [CaseClosedV1(
            case_id=case.case_id, complaint_id=case.complaint_id,
            complaint_number=info.complaint_number, village_code=info.village_code,
            outcome=_CLOSING[change.kind], closed_at=change.at, closed_by=change.by,
            merged_into=change.merged_into, note=change.note)]
    if change.kind == "reopened":
        return [CaseReopenedV1(case_id=case.case_id, complaint_id=case.complaint_id,
                               reopened_at=change.at, reopened_by=change.by, note=change.note)]
    return []


def events_for(case: Case | None, info: CaseInfo | None, change: AnyChange,
               referrals: Mapping[uuid.UUID, Referral]) -> list[tuple[Contract, str | None]]:
    """(event, topic or None for its own) for one change; `referrals` finds the referral a
    referral change belongs to (and the referral a case change created)."""
    if isinstance(change, StatusChange):
        return [(status_changed(referrals[change.referral_id], change), None)]
    if isinstance(change, Escalation):
        return [(escalated(referrals[change.referral_id], change), None)]
    assert case is not None and info is not None
    out: list[tuple[Contract, str | None]] = []
    if change.referral is not None:
        out += referral_created(info, referrals[change.referral.referral_id])
    out += [(event, None) for event in case_changed(case, info, change)]
    return out
