"""Read-side use cases: one referral, an agency's inbox, one case, the back-office queue, the
case of a complaint, and a case's timeline, each filtered by the caller's scope."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from slrt.auth import Principal

from ..adapters.agency_store import AgencyRepository
from ..adapters.records import CaseInfo, case_from_rows, referral_from_row
from ..adapters.repository import QueueFilter
from ..domain.agency_actions import allowed_actions
from ..domain.attention import attention
from ..domain.case import Case
from ..domain.state import Referral
from .errors import NotFound
from .scope import (
    case_in_scope,
    is_agency_officer,
    referral_in_scope,
    sees_case,
    sees_personal_data,
)
from .unit import Work


def referral_view(referral: Referral, village_code: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "referral_id": referral.referral_id, "case_id": referral.case_id,
        "complaint_id": referral.complaint_id, "agency_id": referral.agency_id,
        "village_code": village_code, "sector": referral.sector,
        "need_codes": list(referral.need_codes), "status": referral.status,
        "version": referral.version,
        "allowed_actions": [a.value for a in allowed_actions(referral.status)]
        if referral.is_open else [],
        "created_at": referral.created_at, "accepted_at": referral.accepted_at,
        "ended_at": referral.ended_at, "accept_due_at": referral.accept_due_at,
        "resolve_due_at": referral.resolve_due_at, "answer_due_at": referral.answer_due_at,
        "calendar_complete": referral.calendar_complete, "overdue": referral.overdue(now),
        "time_zone": referral.sla.zone, "rerouted_from": referral.rerouted_from,
        "escalation_level": referral.escalation_level, "escalated_at": referral.escalated_at,
    }


def case_view(case: Case, info: CaseInfo, now: dt.datetime) -> dict[str, Any]:
    return {
        "case_id": case.case_id, "complaint_id": case.complaint_id,
        "complaint_number": info.complaint_number, "village_code": info.village_code,
        "category": info.category, "subcategory": info.subcategory, "urgency": info.urgency,
        "household_id": info.household_id, "status": case.status, "version": case.version,
        "outcome": case.outcome, "informed_at": case.informed_at,
        "merged_into": case.merged_into, "opened_at": info.opened_at,
        "closed_at": info.closed_at, "needs": [n.code for n in info.needs],
        "unrouted_needs": info.unrouted_needs,
        "routing_explanations": info.routing_explanations, "trace_id": info.trace_id,
        "available_actions": [a.value for a in case.available_actions()],
        "attention": [a.value for a in attention(case, info.unrouted_needs)],
        "referrals": [referral_view(r, info.village_code, now)
                      for r in case.referrals.values()],
    }


async def show_referral(work: Work, referral_id: uuid.UUID,
                        principal: Principal) -> dict[str, Any]:
    referral, village = await referral_in_scope(work.cases, referral_id, principal)
    return referral_view(referral, village, work.now)


async def inbox(work: Work, agency_id: str, principal: Principal, statuses: Sequence[str],
                overdue: bool, limit: int, offset: int) -> dict[str, Any]:
    """An agency's referrals: for its own officers, or coordinators whose region covers it."""
    agency = await AgencyRepository(work.uow.session).get(agency_id)
    if is_agency_officer(principal):
        allowed = principal.agency_id == agency_id
    else:
        allowed = agency is not None and principal.can_see_region(agency["region_code"])
    if agency is None or not allowed:
        raise NotFound(f"agency {agency_id} not found")
    page = await work.cases.inbox(agency_id, statuses, work.now if overdue else None, limit,
                                  offset)
    numbers = await work.cases.case_rows(sorted({r["case_id"] for r in page.items}))
    items = []
    for row in page.items:
        view = referral_view(referral_from_row(row), row["village_code"], work.now)
        case = numbers[row["case_id"]]
        view.update(complaint_number=case["complaint_number"], urgency=case["urgency"])
        items.append(view)
    return {"agency_id": agency_id, "items": items, "total": page.total, "limit": limit,
            "offset": offset}


async def show_case(work: Work, case_id: uuid.UUID, principal: Principal) -> dict[str, Any]:
    """The whole case for back office and managers; an agency officer sees the case only
    through its own referrals."""
    loaded = await work.cases.load_case(case_id)
    if loaded is None:
        raise NotFound(f"case {case_id} not found")
    case, info = loaded
    if is_agency_officer(principal):
        mine = [r for r in case.referrals.values() if r.agency_id == principal.agency_id]
        if not mine:
            raise NotFound(f"case {case_id} not found")
        return {"case_id": case.case_id, "complaint_number": info.complaint_number,
                "status": case.status, "village_code": info.village_code,
                "referrals": [referral_view(r, info.village_code, work.now) for r in mine]}
    if not sees_case(principal, info.village_code):
        raise NotFound(f"case {case_id} not found")
    return case_view(case, info, work.now)


def case_summary(case: Case, info: CaseInfo, now: dt.datetime) -> dict[str, Any]:
    """A case in a list: what it is, where, why it waits, and how its referrals stand."""
    return {
        "case_id": case.case_id, "complaint_id": case.complaint_id,
        "complaint_number": info.complaint_number, "village_code": info.village_code,
        "category": info.category, "subcategory": info.subcategory, "urgency": info.urgency,
        "status": case.status, "version": case.version, "opened_at": info.opened_at,
        "unrouted_needs": info.unrouted_needs,
        "attention": [a.value for a in attention(case, info.unrouted_needs)],
        "available_actions": [a.value for a in case.available_actions()],
        "overdue": any(r.overdue(now) for r in case.referrals.values()),
        "referrals": [{"referral_id": r.referral_id, "agency_id": r.agency_id,
                       "status": r.status, "overdue": r.overdue(now)}
                      for r in case.referrals.values()],
    }


async def _summaries(work: Work, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    referral_rows = await work.cases.referrals_of_cases([row["case_id"] for row in rows])
    return [case_summary(*case_from_rows(row, referral_rows[row["case_id"]]), work.now)
            for row in rows]


async def back_office_queue(work: Work, principal: Principal, reason: str | None, limit: int,
                            offset: int, *, category: str | None = None,
                            urgency: str | None = None, area: str | None = None,
                            overdue: bool = False) -> dict[str, Any]:
    """The cases that wait for the back office in the caller's region, oldest first; `area`
    (a district or village code) narrows inside that region, never beyond it."""
    narrow = QueueFilter(category, urgency, area, work.now if overdue else None)
    page = await work.cases.back_office_queue(principal.region, reason, limit, offset, narrow)
    return {"items": await _summaries(work, page.items), "total": page.total, "limit": limit,
            "offset": offset}


async def find_cases(work: Work, principal: Principal, complaint_id: uuid.UUID | None,
                     complaint_number: str | None) -> dict[str, Any]:
    """The case of a complaint (by its id or number), if the caller may see it."""
    number = complaint_number.strip().upper() if complaint_number else None
    rows = [row for row in await work.cases.find_cases(complaint_id, number)
            if sees_case(principal, row["village_code"])]
    return {"items": await _summaries(work, rows)}


async def timeline(work: Work, case_id: uuid.UUID, principal: Principal) -> dict[str, Any]:
    """Every change of the case and its referrals, oldest first, with who and when. An agency
    officer gets the changes of its own referrals only."""
    if is_agency_officer(principal):
        loaded = await work.cases.load_case(case_id)
        mine = [str(r.referral_id) for r in loaded[0].referrals.values()
                if r.agency_id == principal.agency_id] if loaded else []
        if not mine:
            raise NotFound(f"case {case_id} not found")
        rows = await work.cases.timeline(case_id, mine)
    else:
        await case_in_scope(work.cases, case_id, principal)
        rows = await work.cases.timeline(case_id)
    items = [{k: row[k] for k in ("change_id", "kind", "referral_id", "from_status",
                                  "to_status", "at", "by", "role", "note", "version",
                                  "detail")} for row in rows]
    if not sees_personal_data(principal):
        # Notes are free text that may name people: an operator sees that one was written.
        for item in items:
            item["note_redacted"], item["note"] = item["note"] is not None, None
    return {"case_id": case_id, "items": items}
