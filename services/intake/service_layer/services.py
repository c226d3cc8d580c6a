"""Intake use cases after registration: show and list complaints, follow-ups (information,
withdrawal, satisfaction), and the read model kept from registry and referral events."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, or_

from contracts import (
    Attachment,
    CaseClosedV1,
    CaseOutcome,
    CaseReopenedV1,
    ComplaintAssessedV1,
    ComplaintInformationAddedV1,
    ComplaintWithdrawnV1,
    ReferralCreatedV1,
    ReferralEscalatedV1,
    ReferralStatus,
    ReferralStatusChangedV1,
    SatisfactionRecordedV1,
)
from contracts.envelope import CloudEventMeta
from slrt.auth import Principal, Role
from slrt.db import UnitOfWork

from ..adapters.repository import ComplaintRepository
from ..adapters.tables import complaint_referrals, complaints
from ..domain.status import (
    ComplaintStatus,
    StatusEvent,
    can_add_information,
    can_record_satisfaction,
    can_withdraw,
    fold_status,
    status_from_referrals,
)


class NotFound(Exception):
    pass


class NotAllowedNow(Exception):
    """The complaint's status does not allow this (HTTP 409)."""

    def __init__(self, message: str, status: ComplaintStatus) -> None:
        super().__init__(message)
        self.status = status


async def _visible(repo: ComplaintRepository, complaint_id: uuid.UUID,
                   principal: Principal) -> dict[str, Any]:
    row = await repo.get(complaint_id)
    if row is None or not principal.can_see_region(row["village_code"]) or (
            principal.role is Role.AGENCY_OFFICER
            and not await repo.referred_to(complaint_id, principal.agency_id)):
        # Same answer for all: existence outside one's region (or, for an agency officer,
        # outside its own referrals) is not disclosed.
        raise NotFound(f"complaint {complaint_id} not found")
    return row


async def show_complaint(uow: UnitOfWork, complaint_id: uuid.UUID, principal: Principal,
                         now: dt.datetime) -> dict[str, Any]:
    """The front-office view of one complaint; the read of personal data is audited."""
    repo = ComplaintRepository(uow.session)
    row = await _visible(repo, complaint_id, principal)
    referrals = await repo.referrals(complaint_id)
    timeline = await repo.timeline(row)
    await repo.audit(now, principal.subject, principal.role, "read", complaint_id)
    await uow.commit()
    return {"complaint": row, "referrals": referrals, "timeline": timeline}


@dataclass(frozen=True)
class ComplaintFilter:
    status: list[str] | None = None
    village_code: str | None = None
    district_code: str | None = None
    category: str | None = None
    urgency: str | None = None
    registered_from: dt.datetime | None = None
    registered_to: dt.datetime | None = None
    overdue: bool | None = None


SORTABLE = {"registered_at": complaints.c.registered_at, "updated_at": complaints.c.updated_at,
            "number": complaints.c.number, "urgency": complaints.c.urgency,
            "status": complaints.c.status}

_ACCEPT_PENDING = [str(ReferralStatus.CREATED), str(ReferralStatus.DELIVERED)]
_ENDED = [str(ReferralStatus.RESOLVED), str(ReferralStatus.REJECTED)]


def _overdue(now: dt.datetime) -> Any:
    """A referral of the complaint is past its acceptance or resolution due date."""
    r = complaint_referrals.c
    return exists().where(r.complaint_id == complaints.c.id, or_(
        and_(r.accept_due_at < now, r.status.in_(_ACCEPT_PENDING)),
        and_(r.resolve_due_at < now, r.status.not_in(_ENDED))))


async def list_complaints(uow: UnitOfWork, principal: Principal, f: ComplaintFilter,
                          sort: str, limit: int, offset: int,
                          now: dt.datetime) -> tuple[list[dict[str, Any]], int]:
    """One page of complaints in the caller's region (summaries: no personal data but the name)."""
    c = complaints.c
    where: list[Any] = []
    if principal.region:
        where.append(c.village_code.startswith(principal.region, autoescape=True))
    if principal.role is Role.AGENCY_OFFICER:  # only complaints referred to its agency
        r = complaint_referrals.c
        where.append(exists().where(r.complaint_id == c.id, r.agency_id == principal.agency_id))
    if f.status:
        where.append(c.status.in_(f.status))
    if f.village_code:
        where.append(c.village_code == f.village_code)
    if f.district_code:
        where.append(c.village_code.startswith(f.district_code, autoescape=True))
    if f.category:
        where.append(c.category == f.category)
    if f.urgency:
        where.append(c.urgency == f.urgency)
    if f.registered_from:
        where.append(c.registered_at >= f.registered_from)
    if f.registered_to:
        where.append(c.registered_at < f.registered_to)
    if f.overdue is not None:
        where.append(_overdue(now) if f.overdue else ~_overdue(now))
    column = SORTABLE[sort.lstrip("-")]
    order = [column.desc() if sort.startswith("-") else column.asc(), c.id]
    return await ComplaintRepository(uow.session).page(where, order, limit, offset)


async def _follow_up(uow: UnitOfWork, complaint_id: uuid.UUID, principal: Principal,
                     allowed: Any, action: str) -> tuple[ComplaintRepository, dict[str, Any]]:
    repo = ComplaintRepository(uow.session)
    row = await _visible(repo, complaint_id, principal)
    status = ComplaintStatus(row["status"])
    if not allowed(status):
        raise NotAllowedNow(f"cannot {action} a complaint that is {status}", status)
    return repo, row


async def add_information(uow: UnitOfWork, complaint_id: uuid.UUID, principal: Principal,
                          note: str | None, attachments: list[Attachment],
                          now: dt.datetime) -> None:
    repo, row = await _follow_up(uow, complaint_id, principal, can_add_information,
                                 "add information to")
    repo.add_timeline(uow, complaint_id, now, "information_added", {
        "by": principal.subject, "has_note": bool(note),
        "attachments": [a.model_dump(mode="json") for a in attachments]})
    await repo.set_status(complaint_id, row["status"], now)  # status unchanged; touches updated_at
    await repo.audit(now, principal.subject, principal.role, "add_information", complaint_id)
    uow.publish(ComplaintInformationAddedV1(complaint_id=complaint_id, added_at=now,
                                            added_by=principal.subject, note=note,
                                            attachments=attachments))
    await uow.commit()


async def withdraw(uow: UnitOfWork, complaint_id: uuid.UUID, principal: Principal, reason: str,
                   now: dt.datetime) -> None:
    repo, _ = await _follow_up(uow, complaint_id, principal, can_withdraw, "withdraw")
    await repo.set_status(complaint_id, ComplaintStatus.WITHDRAWN, now)
    repo.add_timeline(uow, complaint_id, now, "withdrawn", {"by": principal.subject})
    await repo.audit(now, principal.subject, principal.role, "withdraw", complaint_id)
    uow.publish(ComplaintWithdrawnV1(complaint_id=complaint_id, withdrawn_at=now,
                                     withdrawn_by=principal.subject, withdrawal_reason=reason))
    await uow.commit()


async def record_satisfaction(uow: UnitOfWork, complaint_id: uuid.UUID, principal: Principal,
                              score: int, comment: str | None, now: dt.datetime) -> None:
    repo, row = await _follow_up(uow, complaint_id, principal, can_record_satisfaction,
                                 "record satisfaction for")
    if row["satisfaction_score"] is not None:
        raise NotAllowedNow("satisfaction was already recorded", ComplaintStatus(row["status"]))
    await repo.set_status(complaint_id, row["status"], now, satisfaction_score=score)
    repo.add_timeline(uow, complaint_id, now, "satisfaction", {"by": principal.subject,
                                                                 "score": score})
    await repo.audit(now, principal.subject, principal.role, "satisfaction", complaint_id)
    uow.publish(SatisfactionRecordedV1(complaint_id=complaint_id, recorded_at=now,
                                       recorded_by=principal.subject, score=score,
                                       comment=comment))
    await uow.commit()


async def _refold(repo: ComplaintRepository, complaint_id: uuid.UUID, status: str,
                  kind: StatusEvent, at: dt.datetime, **extra: Any) -> None:
    """Recompute the status of a complaint after a downstream event."""
    statuses = {r["referral_id"]: r["status"] for r in await repo.referrals(complaint_id)}
    folded = fold_status(ComplaintStatus(status), kind, statuses)
    await repo.set_status(complaint_id, folded, at, **extra)


# The read model's handlers read only the status: `None` is a complaint this database never
# held (e.g. another deployment's), and its event changes nothing here.


async def on_complaint_assessed(event: ComplaintAssessedV1, meta: CloudEventMeta,
                                uow: UnitOfWork) -> None:
    repo = ComplaintRepository(uow.session)
    status = await repo.status(event.complaint_id)
    if status is None:
        return
    repo.add_timeline(uow, event.complaint_id, event.assessed_at, "assessed", {
        "household_found": event.household_id is not None,
        "match_method": str(event.match_method),
        "needs": [n.code for n in event.needs], "rules_version": event.rules_version})
    household = str(event.household_id) if event.household_id else None
    await _refold(repo, event.complaint_id, status, StatusEvent.ASSESSED, event.assessed_at,
                  household_id=household)


async def on_referral_created(event: ReferralCreatedV1, meta: CloudEventMeta,
                              uow: UnitOfWork) -> None:
    repo = ComplaintRepository(uow.session)
    status = await repo.status(event.complaint_id)
    if status is None:
        return
    await repo.upsert_referral({
        "referral_id": str(event.referral_id), "complaint_id": str(event.complaint_id),
        "agency_id": event.agency_id, "sector": event.sector, "status": event.status,
        "accept_due_at": event.accept_due_at, "resolve_due_at": event.resolve_due_at,
        "updated_at": event.created_at})
    repo.add_timeline(uow, event.complaint_id, event.created_at, "referred", {
        "agency_id": event.agency_id, "referral_id": str(event.referral_id),
        "needs": event.need_codes, "accept_due_at": event.accept_due_at.isoformat(),
        "resolve_due_at": event.resolve_due_at.isoformat()})
    await _refold(repo, event.complaint_id, status, StatusEvent.REFERRAL_CREATED,
                  event.created_at)


async def on_referral_status_changed(event: ReferralStatusChangedV1, meta: CloudEventMeta,
                                     uow: UnitOfWork) -> None:
    repo = ComplaintRepository(uow.session)
    status = await repo.status(event.complaint_id)
    if status is None:
        return
    await repo.upsert_referral({
        "referral_id": str(event.referral_id), "complaint_id": str(event.complaint_id),
        "agency_id": event.agency_id, "sector": None, "status": event.to_status,
        "updated_at": event.changed_at})
    repo.add_timeline(uow, event.complaint_id, event.changed_at, "referral_status", {
        "agency_id": event.agency_id, "referral_id": str(event.referral_id),
        "from": str(event.from_status), "to": str(event.to_status)})
    await _refold(repo, event.complaint_id, status, StatusEvent.REFERRAL_STATUS_CHANGED,
                  event.changed_at)


async def on_case_closed(event: CaseClosedV1, meta: CloudEventMeta, uow: UnitOfWork) -> None:
    repo = ComplaintRepository(uow.session)
    status = await repo.status(event.complaint_id)
    if status is None:
        return
    repo.add_timeline(uow, event.complaint_id, event.closed_at, "case_closed", {
        "outcome": str(event.outcome), "by": event.closed_by,
        "merged_into": str(event.merged_into) if event.merged_into else None})
    # A withdrawal was recorded here first; a merged duplicate lives on in the other case.
    if event.outcome in (CaseOutcome.REFERRALS_ENDED, CaseOutcome.HANDLED_AT_PUSKESOS):
        await _refold(repo, event.complaint_id, status, StatusEvent.CLOSED, event.closed_at)


async def on_case_reopened(event: CaseReopenedV1, meta: CloudEventMeta,
                           uow: UnitOfWork) -> None:
    repo = ComplaintRepository(uow.session)
    status = await repo.status(event.complaint_id)
    if status is None:
        return
    repo.add_timeline(uow, event.complaint_id, event.reopened_at, "case_reopened",
                      {"by": event.reopened_by})
    if status == ComplaintStatus.CLOSED:  # open again: the referrals say where it is
        statuses = {r["referral_id"]: ReferralStatus(r["status"])
                    for r in await repo.referrals(event.complaint_id)}
        reopened = status_from_referrals(statuses) if statuses else ComplaintStatus.ASSESSED
        await repo.set_status(event.complaint_id, reopened, event.reopened_at)


async def on_referral_escalated(event: ReferralEscalatedV1, meta: CloudEventMeta,
                                uow: UnitOfWork) -> None:
    repo = ComplaintRepository(uow.session)
    if await repo.status(event.complaint_id) is None:
        return
    repo.add_timeline(uow, event.complaint_id, event.escalated_at, "escalated", {
        "agency_id": event.agency_id, "referral_id": str(event.referral_id),
        "level": str(event.level), "by": event.escalated_by})
