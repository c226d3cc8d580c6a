"""Named facts the needs rules may test, computed from a household and a complaint.

Facts are counts, flags, the desil and category codes only: their values end up in reasons
that travel in events, so no fact may carry a name, NIK or address.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from contracts.vocabulary import Sector

from .model import Household, Member

FactValue = bool | int | str | None

SCHOOL_AGE: Final[tuple[int, int]] = (7, 18)  # inclusive; wajib belajar 12 tahun plus KIP range
ELDERLY_AGE: Final[int] = 60  # lansia, as ASLUT targets


@dataclass(frozen=True, slots=True)
class ComplaintFacts:
    """What the needs rules may know about the complaint itself."""

    sector: Sector
    subcategory: str | None = None
    complainant_nik: str | None = None
    complainant_has_no_nik: bool = False


@dataclass(frozen=True, slots=True)
class Situation:
    """Everything a fact function may look at."""

    household: Household | None
    complaint: ComplaintFacts
    today: dt.date


@dataclass(frozen=True, slots=True)
class Fact:
    """A named fact with the type of its value (None is always allowed: unknown)."""

    name: str
    kind: type[bool] | type[int] | type[str]
    compute: Callable[[Situation], FactValue]
    description: str


def _living(s: Situation) -> list[Member]:
    return s.household.living_members() if s.household is not None else []


def _active(s: Situation) -> set[str]:
    return s.household.active_programs() if s.household is not None else set()


def complainant_has_nik(s: Situation) -> bool:
    return bool(s.complaint.complainant_nik) and not s.complaint.complainant_has_no_nik


def complainant_has_no_nik(s: Situation) -> bool:
    # The person's own statement counts: a NIK merely not given is not "no NIK".
    return s.complaint.complainant_has_no_nik


def household_found(s: Situation) -> bool:
    return s.household is not None


def welfare_decile(s: Situation) -> int | None:
    return s.household.welfare_decile if s.household is not None else None


def household_size(s: Situation) -> int:
    return len(_living(s))


def school_age_children_without_kip(s: Situation) -> int:
    if "KIP" in _active(s):
        return 0
    low, high = SCHOOL_AGE
    return sum(1 for m in _living(s) if low <= m.age(s.today) <= high)


def elderly_without_aslut(s: Situation) -> int:
    if "ASLUT" in _active(s):
        return 0
    return sum(1 for m in _living(s) if m.age(s.today) >= ELDERLY_AGE)


def disabled_members_without_aspd(s: Situation) -> int:
    if "ASPD" in _active(s):
        return 0
    return sum(1 for m in _living(s) if m.disability)


def members_without_nik(s: Situation) -> int:
    return sum(1 for m in _living(s) if m.nik is None)


def has_pbi_jk(s: Situation) -> bool:
    return "PBI-JK" in _active(s)


def complaint_sector(s: Situation) -> str:
    return s.complaint.sector.value


def complaint_subcategory(s: Situation) -> str | None:
    return s.complaint.subcategory


FACTS: Final[Mapping[str, Fact]] = {
    f.name: f
    for f in (
        Fact("complainant_has_nik", bool, complainant_has_nik, "a NIK was given"),
        Fact("complainant_has_no_nik", bool, complainant_has_no_nik, "person states no NIK"),
        Fact("household_found", bool, household_found, "a registry household matched"),
        Fact("welfare_decile", int, welfare_decile, "desil 1..10, None when not found"),
        Fact("household_size", int, household_size, "living members"),
        Fact("school_age_children_without_kip", int, school_age_children_without_kip,
             "living members aged 7-18 when the household has no active KIP"),
        Fact("elderly_without_aslut", int, elderly_without_aslut,
             "living members aged 60+ when the household has no active ASLUT"),
        Fact("disabled_members_without_aspd", int, disabled_members_without_aspd,
             "living members with a disability when the household has no active ASPD"),
        Fact("members_without_nik", int, members_without_nik, "living members without NIK"),
        Fact("has_pbi_jk", bool, has_pbi_jk, "household has active PBI-JK"),
        Fact("complaint_sector", str, complaint_sector, "sector code of the complaint"),
        Fact("complaint_subcategory", str, complaint_subcategory, "subcategory code or None"),
    )
}


def compute_facts(situation: Situation) -> dict[str, FactValue]:
    """Every known fact for this situation (cheap: a household has a handful of members)."""
    return {name: fact.compute(situation) for name, fact in FACTS.items()}
