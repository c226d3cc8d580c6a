"""Registry use cases: assess a registered complaint (match + needs) and load registry data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from contracts import ComplaintAssessedV1, ComplaintRegisteredV1
from contracts.envelope import CloudEventMeta
from slrt.db import UnitOfWork
from slrt.messaging import Handler
from slrt.outbox import Clock

from ..adapters.repository import HouseholdRepository
from ..domain.facts import ComplaintFacts
from ..domain.matching import match_complainant
from ..domain.model import Household
from ..domain.rules import RuleSet, assess

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
    return assessed


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
