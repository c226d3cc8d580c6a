"""Households, members and program participation as held in the social welfare registry."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Final

from .vocabulary import (
    HOUSING_FIELDS,
    MARITAL_STATUSES,
    OCCUPATIONS,
    PROGRAM_STATUSES,
    PROGRAMS,
    REGISTRY_STATUSES,
    RELATIONS,
    SCHOOL_LEVELS,
    SEXES,
    MaritalStatus,
    ProgramStatus,
    RegistryStatus,
    Relation,
    SchoolLevel,
    Sex,
)

__all__ = [
    "PROGRAMS", "PROGRAM_STATUSES", "RELATIONS", "SEXES", "Household", "Housing", "Member",
    "Participation", "ProgramStatus", "Relation", "Sex", "age_on",
]

_VILLAGE_CODE = re.compile(r"^\d{10}$")
#: Indonesia's extent with a margin: a point outside is a swapped or mistyped coordinate.
LATITUDE_RANGE: Final[tuple[float, float]] = (-11.5, 6.5)
LONGITUDE_RANGE: Final[tuple[float, float]] = (94.5, 141.5)


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Completed years of age on a day (a birthday counts from that day)."""
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)


def _check(value: object, allowed: object, what: str) -> None:
    if value is not None and value not in allowed:  # type: ignore[operator]
        raise ValueError(f"unknown {what} {value!r}")


@dataclass(slots=True)
class Member:
    """One household member (anggota rumah tangga).

    `nik` is None when it is not known; `no_nik` says the person has none (the seeds' residents
    without NIK), which is not the same as a NIK not written down. `kk_number` is the family
    card the person is on: one household may hold several families, each with its own KK.
    """

    member_id: uuid.UUID
    nik: str | None
    name: str
    sex: Sex
    birth_date: dt.date
    relation: Relation
    school_enrolled: bool = False
    disability: bool = False
    chronic_illness: bool = False
    deceased: bool = False
    kk_number: str | None = None
    no_nik: bool = False
    marital_status: MaritalStatus | None = None
    pregnant: bool = False
    school_level: SchoolLevel | None = None
    occupation: str | None = None

    def __post_init__(self) -> None:
        if self.sex not in SEXES:
            raise ValueError(f"sex must be 'L' or 'P', got {self.sex!r}")
        if self.relation not in RELATIONS:
            raise ValueError(f"unknown relation {self.relation!r}")
        if self.nik is not None and self.no_nik:
            raise ValueError("a member with a NIK cannot also be marked as having no NIK")
        _check(self.marital_status, MARITAL_STATUSES, "marital status")
        _check(self.school_level, SCHOOL_LEVELS, "school level")
        _check(self.occupation, OCCUPATIONS, "occupation")

    def age(self, on: dt.date) -> int:
        return age_on(self.birth_date, on)


@dataclass(frozen=True, slots=True)
class Participation:
    """Membership of a household in one program (kepesertaan), e.g. PKH active since 2019."""

    program: str
    status: ProgramStatus = "active"
    since: dt.date | None = None
    until: dt.date | None = None

    def __post_init__(self) -> None:
        if self.status not in PROGRAM_STATUSES:
            raise ValueError(f"status must be one of {sorted(PROGRAM_STATUSES)}, "
                             f"got {self.status!r}")
        if self.since is not None and self.until is not None and self.until < self.since:
            raise ValueError("participation ends before it starts")


@dataclass(frozen=True, slots=True)
class Housing:
    """Housing condition as on the DTKS form; None is an unanswered question."""

    floor: str | None = None
    wall: str | None = None
    roof: str | None = None
    water_source: str | None = None
    sanitation: str | None = None
    electricity: str | None = None

    def __post_init__(self) -> None:
        for name, allowed in HOUSING_FIELDS.items():
            _check(getattr(self, name), allowed, name.replace("_", " "))


@dataclass(slots=True)
class Household:
    """A household (rumah tangga) with its welfare decile (desil), members and programs.

    `kk_number` is the head's family card (the one the registry is searched by first);
    `kk_numbers` adds the cards of other families living in the same house. `version` counts
    changes, for optimistic concurrency of data update proposals.
    """

    household_id: uuid.UUID
    kk_number: str | None
    village_code: str
    address: str
    welfare_decile: int
    members: list[Member] = field(default_factory=list)
    programs: list[Participation] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    housing: Housing = field(default_factory=Housing)
    registry_status: RegistryStatus = "active"
    source: str | None = None
    version: int = 1

    def __post_init__(self) -> None:
        if not _VILLAGE_CODE.match(self.village_code):
            raise ValueError("village_code must be 10 digits")
        if not 1 <= self.welfare_decile <= 10:
            raise ValueError(f"welfare_decile must be 1..10, got {self.welfare_decile}")
        if self.registry_status not in REGISTRY_STATUSES:
            raise ValueError(f"unknown registry status {self.registry_status!r}")
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        if self.latitude is not None and self.longitude is not None and not (
                LATITUDE_RANGE[0] <= self.latitude <= LATITUDE_RANGE[1]
                and LONGITUDE_RANGE[0] <= self.longitude <= LONGITUDE_RANGE[1]):
            raise ValueError("location is outside Indonesia")

    @property
    def kk_numbers(self) -> list[str]:
        """Every family card in the household, the head's first."""
        found = [self.kk_number] if self.kk_number else []
        for m in self.members:
            if m.kk_number and m.kk_number not in found:
                found.append(m.kk_number)
        return found

    def member_by_nik(self, nik: str) -> Member | None:
        return next((m for m in self.members if m.nik is not None and m.nik == nik), None)

    def member_by_id(self, member_id: uuid.UUID) -> Member | None:
        return next((m for m in self.members if m.member_id == member_id), None)

    @property
    def head(self) -> Member | None:
        return next((m for m in self.members if m.relation == "head"), None)

    def living_members(self) -> list[Member]:
        return [m for m in self.members if not m.deceased]

    def active_programs(self) -> set[str]:
        return {p.program for p in self.programs if p.status == "active"}

    def has_program(self, program: str) -> bool:
        return program in self.active_programs()

    @staticmethod
    def age_of(member: Member, on: dt.date) -> int:
        return age_on(member.birth_date, on)
