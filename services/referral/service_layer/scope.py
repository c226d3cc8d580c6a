"""Who may see and act on what: agency officers on their own agency's referrals, everyone else
inside their region. Anything outside the caller's scope is reported as not found. The on-call
operator reads cases and timelines for operations, without the free-text notes (they may name
people); the service keeps no other personal data in what it shows."""

from __future__ import annotations

import uuid

from slrt.auth import Principal, Role

from ..adapters.records import CaseInfo
from ..adapters.repository import CaseRepository
from ..domain.case import Case
from ..domain.state import Referral
from .errors import NotFound


def is_agency_officer(principal: Principal) -> bool:
    return principal.role is Role.AGENCY_OFFICER


def sees_personal_data(principal: Principal) -> bool:
    """False for the on-call operator: operations, not case work."""
    return principal.role is not Role.OPERATOR


def sees_referral(principal: Principal, agency_id: str, village_code: str) -> bool:
    if is_agency_officer(principal):
        return principal.agency_id == agency_id
    return principal.can_see_region(village_code)


def sees_case(principal: Principal, village_code: str) -> bool:
    """The whole case (agency officers see only their referrals, never a whole case)."""
    return not is_agency_officer(principal) and principal.can_see_region(village_code)


async def case_in_scope(cases: CaseRepository, case_id: uuid.UUID,
                        principal: Principal) -> tuple[Case, CaseInfo]:
    loaded = await cases.load_case(case_id)
    if loaded is None or not sees_case(principal, loaded[1].village_code):
        raise NotFound(f"case {case_id} not found")
    return loaded


async def referral_in_scope(cases: CaseRepository, referral_id: uuid.UUID,
                            principal: Principal) -> tuple[Referral, str]:
    """The referral and its case's village, if the caller may act on it."""
    loaded = await cases.load_referral(referral_id)
    if loaded is None or not sees_referral(principal, loaded[0].agency_id, loaded[1]):
        raise NotFound(f"referral {referral_id} not found")
    return loaded
