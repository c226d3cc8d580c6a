"""Referral use cases: open a case from an assessment and refer it to the agencies that act."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from contracts import (
    AgencyReferralV1,
    ComplaintAssessedV1,
    ReferralCreatedV1,
    ReferralStatus,
    agency_topic,
)
from contracts.envelope import CloudEventMeta
from slrt.auth import Principal, Role
from slrt.db import UnitOfWork
from slrt.messaging import Handler
from slrt.outbox import Clock

from ..adapters.repository import CaseRepository
from ..domain.agencies import AgencyDirectory
from ..domain.routing import RoutingRules, plan_referrals
from ..domain.sla import SlaPolicy, due_dates, zone_for_region


@dataclass(frozen=True)
class ReferralPolicy:
    """The data that decides routing and due dates (loaded once at start-up)."""

    directory: AgencyDirectory
    rules: RoutingRules
    sla: SlaPolicy


class NotFound(Exception):
    pass


async def open_case(event: ComplaintAssessedV1, policy: ReferralPolicy, uow: UnitOfWork,
                    now: dt.datetime) -> uuid.UUID | None:
    """Open a case and one referral per agency that must act. Idempotent per complaint."""
    repo = CaseRepository(uow.session)
    if await repo.case_for_complaint(event.complaint_id) is not None:
        return None  # already opened (e.g. the same assessment published twice)
    case_id = uuid.uuid4()
    plans = plan_referrals(policy.directory, policy.rules, list(event.needs), event.village_code)
    unrouted = [code for p in plans if p.agency_id is None for code in p.need_codes]
    await repo.add_case({
        "case_id": str(case_id), "complaint_id": str(event.complaint_id),
        "complaint_number": event.complaint_number, "village_code": event.village_code,
        "category": event.category, "urgency": event.urgency,
        "household_id": str(event.household_id) if event.household_id else None,
        "status": "open", "unrouted_needs": unrouted,
        "routing_explanations": [d.explanation for p in plans for d in p.decisions],
        "opened_at": now,
    })
    needs_by_code = {n.code: n for n in event.needs}
    for plan in plans:
        if plan.agency_id is None:
            continue
        agency = policy.directory.get(plan.agency_id)
        assert agency is not None
        zone = zone_for_region(agency.region_code)
        due = due_dates(policy.sla, plan.sector, event.urgency, now, zone)
        referral_id = uuid.uuid4()
        await repo.add_referral({
            "referral_id": str(referral_id), "case_id": str(case_id),
            "complaint_id": str(event.complaint_id), "agency_id": plan.agency_id,
            "sector": plan.sector, "need_codes": list(plan.need_codes),
            "status": ReferralStatus.CREATED, "version": 1, "time_zone": zone,
            "accept_due_at": due.accept_due_at, "resolve_due_at": due.resolve_due_at,
            "created_at": now, "updated_at": now,
        })
        uow.publish(ReferralCreatedV1(
            referral_id=referral_id, case_id=case_id, complaint_id=event.complaint_id,
            complaint_number=event.complaint_number, agency_id=plan.agency_id,
            sector=plan.sector, need_codes=list(plan.need_codes),
            village_code=event.village_code, urgency=event.urgency, created_at=now,
            accept_due_at=due.accept_due_at, resolve_due_at=due.resolve_due_at, time_zone=zone))
        uow.publish(AgencyReferralV1(
            referral_id=referral_id, case_id=case_id, complaint_number=event.complaint_number,
            agency_id=plan.agency_id, sector=plan.sector, subcategory=event.subcategory,
            urgency=event.urgency, needs=[needs_by_code[c] for c in plan.need_codes],
            village_code=event.village_code, household_id=event.household_id,
            description=_agency_description(event), contact_name=event.contact_name,
            contact_phone=event.contact_phone, accept_due_at=due.accept_due_at,
            resolve_due_at=due.resolve_due_at), topic=agency_topic(plan.agency_id))
    return case_id


def _agency_description(event: ComplaintAssessedV1) -> str:
    needs = "; ".join(f"{n.code}: {n.reason}" for n in event.needs)
    return f"Keluhan {event.complaint_number} ({event.category}). Kebutuhan: {needs}"


def make_assessment_handler(policy: ReferralPolicy, clock: Clock) -> Handler:
    async def on_complaint_assessed(event: ComplaintAssessedV1, meta: CloudEventMeta,
                                    uow: UnitOfWork) -> None:
        await open_case(event, policy, uow, clock())

    return on_complaint_assessed


def _visible(principal: Principal, referral: dict[str, Any], village_code: str) -> bool:
    if principal.role == Role.AGENCY_OFFICER:
        return principal.can_act_for_agency(referral["agency_id"])
    return principal.can_see_region(village_code)


async def show_case(uow: UnitOfWork, case_id: uuid.UUID, principal: Principal) -> dict[str, Any]:
    repo = CaseRepository(uow.session)
    case = await repo.get_case(case_id)
    if case is None or (principal.role != Role.AGENCY_OFFICER
                        and not principal.can_see_region(case["village_code"])):
        raise NotFound(f"case {case_id} not found")
    refs = await repo.referrals_of_case(case_id)
    if principal.role == Role.AGENCY_OFFICER:
        refs = [r for r in refs if _visible(principal, r, case["village_code"])]
        if not refs:
            raise NotFound(f"case {case_id} not found")
    return {**case, "referrals": refs}


async def agency_inbox(uow: UnitOfWork, policy: ReferralPolicy, agency_id: str,
                       principal: Principal, status: str | None, limit: int,
                       offset: int) -> list[dict[str, Any]]:
    """An agency's referrals: its own officers, or managers whose region covers the agency."""
    agency = policy.directory.get(agency_id)
    if principal.role == Role.AGENCY_OFFICER:
        allowed = principal.can_act_for_agency(agency_id)
    else:
        allowed = agency is not None and principal.can_see_region(agency.region_code)
    if agency is None or not allowed:
        raise NotFound(f"agency {agency_id} not found")
    return await CaseRepository(uow.session).agency_inbox(agency_id, status, limit, offset)
