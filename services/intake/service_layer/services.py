"""Intake use cases: register a complaint, show it, and keep its status from downstream events."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from contracts import (
    Complainant,
    ComplaintAssessedV1,
    ComplaintRegisteredV1,
    ReferralCreatedV1,
    ReferralStatusChangedV1,
)
from contracts.envelope import CloudEventMeta
from slrt.auth import Principal
from slrt.db import UnitOfWork

from ..adapters.repository import ComplaintRepository
from ..domain.complaint import ComplaintDraft, FieldIssue, validate_draft
from ..domain.numbering import complaint_number
from ..domain.status import ComplaintStatus, StatusEvent, fold_status


class InvalidComplaint(Exception):
    def __init__(self, errors: list[FieldIssue], warnings: list[FieldIssue]) -> None:
        super().__init__(f"{len(errors)} validation error(s)")
        self.errors = errors
        self.warnings = warnings


class OutOfScope(Exception):
    """The caller's region does not cover this complaint's village."""


class NotFound(Exception):
    pass


@dataclass(frozen=True)
class Registered:
    complaint_id: uuid.UUID
    number: str
    status: ComplaintStatus
    warnings: list[FieldIssue]


async def register_complaint(uow: UnitOfWork, draft: ComplaintDraft, principal: Principal,
                             now: dt.datetime) -> Registered:
    checked = validate_draft(draft, now.date())
    if checked.normalised is None:
        raise InvalidComplaint(checked.errors, checked.warnings)
    c = checked.normalised
    if not principal.can_see_region(c.village_code):
        raise OutOfScope(f"village {c.village_code} is outside your region "
                         f"{principal.region or '(national)'}")
    repo = ComplaintRepository(uow.session)
    complaint_id = uuid.uuid4()
    sequence = await repo.next_sequence(c.village_code[:4], now.year)
    number = complaint_number(c.village_code[:4], now.year, sequence)
    p = c.complainant
    await repo.add({
        "id": str(complaint_id), "number": number, "channel": c.channel,
        "village_code": c.village_code, "category": c.category, "subcategory": c.subcategory,
        "urgency": c.urgency, "description": c.description, "complainant_nik": p.nik,
        "complainant_has_no_nik": p.has_no_nik, "complainant_kk": p.kk_number,
        "complainant_name": p.name, "complainant_phone": p.phone,
        "recorded_by": principal.subject, "status": ComplaintStatus.REGISTERED,
        "registered_at": now, "updated_at": now,
    })
    await repo.add_timeline(complaint_id, now, "registered",
                            {"by": principal.subject, "channel": str(c.channel)})
    await repo.audit(now, principal.subject, principal.role, "create", complaint_id)
    uow.publish(ComplaintRegisteredV1(
        complaint_id=complaint_id, complaint_number=number, registered_at=now,
        channel=c.channel, village_code=c.village_code, category=c.category,
        subcategory=c.subcategory, urgency=c.urgency, description=c.description,
        complainant=Complainant(nik=p.nik, has_no_nik=p.has_no_nik, kk_number=p.kk_number,
                                name=p.name, phone=p.phone),
        recorded_by=principal.subject,
    ))
    await uow.commit()
    return Registered(complaint_id, number, ComplaintStatus.REGISTERED, checked.warnings)


async def show_complaint(uow: UnitOfWork, complaint_id: uuid.UUID, principal: Principal,
                         now: dt.datetime) -> dict[str, Any]:
    """The front-office view of one complaint; the read of personal data is audited."""
    repo = ComplaintRepository(uow.session)
    row = await repo.get(complaint_id)
    if row is None:
        raise NotFound(f"complaint {complaint_id} not found")
    if not principal.can_see_region(row["village_code"]):
        # Same answer as "not found": existence outside one's region is not disclosed.
        raise NotFound(f"complaint {complaint_id} not found")
    referrals = await repo.referrals(complaint_id)
    timeline = await repo.timeline(complaint_id)
    await repo.audit(now, principal.subject, principal.role, "read", complaint_id)
    await uow.commit()
    return {"complaint": row, "referrals": referrals, "timeline": timeline}


async def _refold(repo: ComplaintRepository, complaint_id: uuid.UUID, kind: StatusEvent,
                  at: dt.datetime, **extra: Any) -> None:
    row = await repo.get(complaint_id)
    if row is None:
        # Events for complaints this database never held (e.g. another deployment's): ignore.
        return
    statuses = {r["referral_id"]: r["status"] for r in await repo.referrals(complaint_id)}
    status = fold_status(ComplaintStatus(row["status"]), kind, statuses)
    await repo.set_status(complaint_id, status, at, **extra)


async def on_complaint_assessed(event: ComplaintAssessedV1, meta: CloudEventMeta,
                                uow: UnitOfWork) -> None:
    repo = ComplaintRepository(uow.session)
    if await repo.get(event.complaint_id) is None:
        return
    await repo.add_timeline(event.complaint_id, event.assessed_at, "assessed", {
        "household_found": event.household_id is not None,
        "match_method": str(event.match_method),
        "needs": [n.code for n in event.needs], "rules_version": event.rules_version})
    household = str(event.household_id) if event.household_id else None
    await _refold(repo, event.complaint_id, StatusEvent.ASSESSED, event.assessed_at,
                  household_id=household)


async def on_referral_created(event: ReferralCreatedV1, meta: CloudEventMeta,
                              uow: UnitOfWork) -> None:
    repo = ComplaintRepository(uow.session)
    if await repo.get(event.complaint_id) is None:
        return
    await repo.upsert_referral({
        "referral_id": str(event.referral_id), "complaint_id": str(event.complaint_id),
        "agency_id": event.agency_id, "sector": event.sector, "status": event.status,
        "accept_due_at": event.accept_due_at, "resolve_due_at": event.resolve_due_at,
        "updated_at": event.created_at})
    await repo.add_timeline(event.complaint_id, event.created_at, "referred", {
        "agency_id": event.agency_id, "referral_id": str(event.referral_id),
        "needs": event.need_codes, "accept_due_at": event.accept_due_at.isoformat(),
        "resolve_due_at": event.resolve_due_at.isoformat()})
    await _refold(repo, event.complaint_id, StatusEvent.REFERRAL_CREATED, event.created_at)


async def on_referral_status_changed(event: ReferralStatusChangedV1, meta: CloudEventMeta,
                                     uow: UnitOfWork) -> None:
    repo = ComplaintRepository(uow.session)
    if await repo.get(event.complaint_id) is None:
        return
    await repo.upsert_referral({
        "referral_id": str(event.referral_id), "complaint_id": str(event.complaint_id),
        "agency_id": event.agency_id, "sector": None, "status": event.to_status,
        "updated_at": event.changed_at})
    await repo.add_timeline(event.complaint_id, event.changed_at, "referral_status", {
        "agency_id": event.agency_id, "referral_id": str(event.referral_id),
        "from": str(event.from_status), "to": str(event.to_status)})
    await _refold(repo, event.complaint_id, StatusEvent.REFERRAL_STATUS_CHANGED, event.changed_at)
