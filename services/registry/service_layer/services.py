"""Registry use cases: assess a registered complaint (match + needs) and load registry data."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from contracts import ComplaintAssessedV1, ComplaintRegisteredV1
from contracts.envelope import CloudEventMeta
from contracts.vocabulary import Sector
from slrt.auth import Role
from slrt.db import UnitOfWork
from slrt.messaging import Handler
from slrt.outbox import Clock

from ..adapters.repository import HouseholdRepository
from ..domain.complaint_proposals import DataUpdateComplaint, proposal_from_complaint
from ..domain.exclusion import missing_programs
from ..domain.facts import ComplaintFacts
from ..domain.matching import MatchResult, match_complainant
from ..domain.model import Household
from ..domain.proposal_changes import NewHousehold, NewMember
from ..domain.proposals import Actor, propose
from ..domain.rules import RuleSet, assess
from .proposals import record

log = logging.getLogger(__name__)

# Ages and school years are counted on the Indonesian calendar day, not the UTC one.
_WIB = ZoneInfo("Asia/Jakarta")


async def assess_complaint(event: ComplaintRegisteredV1, rules: RuleSet, uow: UnitOfWork,
                           now: dt.datetime) -> ComplaintAssessedV1 | None:
    """Match the complainant to a household, find needs, publish the assessment (once)."""
    repo = HouseholdRepository(uow.session)
    if await repo.assessment(event.complaint_id) is not None:
        return None  # already assessed (the same complaint registered event seen again)
    person = event.complainant
    candidates = await repo.candidates(person.nik, person.kk_number, person.name,
                                       event.village_code)
    match = match_complainant(candidates, person.nik, person.kk_number, person.name, None,
                              event.village_code)
    household = next((h for h in candidates if h.household_id == match.household_id), None)
    facts = ComplaintFacts(sector=event.category, subcategory=event.subcategory,
                           complainant_nik=person.nik,
                           complainant_has_no_nik=person.has_no_nik)
    needs = assess(rules, household, facts, now.astimezone(_WIB).date())
    await repo.record_assessment({
        "complaint_id": str(event.complaint_id),
        "household_id": str(match.household_id) if match.household_id else None,
        "match_method": match.method, "match_confidence": match.confidence,
        "match_reason": match.reason, "rules_version": rules.version,
        "needs": [n.model_dump(mode="json") for n in needs], "assessed_at": now,
        "village_code": event.village_code,
        "eligible_programs": missing_programs(n.model_dump() for n in needs),
    })
    assessed = ComplaintAssessedV1(
        complaint_id=event.complaint_id, complaint_number=event.complaint_number,
        assessed_at=now, village_code=event.village_code, category=event.category,
        subcategory=event.subcategory, urgency=event.urgency,
        household_id=match.household_id, match_method=match.method,
        match_confidence=match.confidence,
        welfare_decile=household.welfare_decile if household else None,
        rules_version=rules.version, needs=needs,
        contact_name=person.name, contact_phone=person.phone)
    uow.publish(assessed)
    await _usulan_from_complaint(uow, event, match, household, now)
    return assessed


async def _usulan_from_complaint(uow: UnitOfWork, event: ComplaintRegisteredV1,
                                 match: MatchResult, household: Household | None,
                                 now: dt.datetime) -> None:
    """A data-update complaint asks for an usulan; a complainant nobody matched gets a
    new-household usulan (registration), incomplete until the village operator fills it in."""
    person = event.complainant
    # The operator who recorded the complaint proposes; intake only lets desk roles record.
    actor = Actor(event.recorded_by, Role.FRONT_OFFICE.value)
    if event.category is Sector.DATA_UPDATE:
        outcome = proposal_from_complaint(
            DataUpdateComplaint(event.complaint_id, event.category, event.subcategory,
                                event.village_code, person.name, person.nik,
                                person.kk_number, None,
                                person.relation.value if person.relation else None),
            match, household, household.version if household else None, actor, now)
        if outcome.proposal is None:
            log.info("no usulan from complaint %s: %s", event.complaint_id, outcome.reason)
            return
        await record(uow, outcome.proposal)
    elif household is None and match.proposal is not None:
        known = match.proposal
        head = NewMember(name=known.name, birth_date=known.birth_date, nik=known.nik,
                         relation="head")
        details = NewHousehold(village_code=event.village_code, kk_number=known.kk_number,
                               members=(head,))
        await record(uow, propose(details, actor, now, village_code=event.village_code,
                                  source_complaint_id=event.complaint_id,
                                  note="registration: complainant not found in the registry"))


def make_registered_handler(rules: RuleSet, clock: Clock) -> Handler:
    async def on_complaint_registered(event: ComplaintRegisteredV1, meta: CloudEventMeta,
                                      uow: UnitOfWork) -> None:
        await assess_complaint(event, rules, uow, clock())

    return on_complaint_registered


async def load_households(uow: UnitOfWork, items: Iterable[Household], source: str,
                          now: dt.datetime) -> int:
    """Add households that are not there yet (idempotent: a demo load can run at every start)."""
    repo = HouseholdRepository(uow.session)
    added = 0
    for household in items:
        if await repo.exists(household.household_id):
            continue
        await repo.add(household, source, now)
        added += 1
    await uow.commit()
    return added
