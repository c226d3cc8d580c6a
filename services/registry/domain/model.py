"""Households, members and program participation as held in the social welfare registry."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Final, Literal

Sex = Literal["L", "P"]
Relation = Literal["head", "spouse", "child", "parent", "other"]
ProgramStatus = Literal["active", "ended"]

SEXES: Final[frozenset[str]] = frozenset({"L", "P"})
RELATIONS: Final[frozenset[str]] = frozenset({"head", "spouse", "child", "parent", "other"})
PROGRAM_STATUSES: Final[frozenset[str]] = frozenset({"active", "ended"})
#: Program codes the registry records participation in.
PROGRAMS: Final[frozenset[str]] = frozenset(
    {"PKH", "BPNT", "PBI-JK", "KIP", "RTLH", "ASLUT", "ASPD", "LISTRIK"}
)

_VILLAGE_CODE = re.compile(r"^\d{10}$")


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Completed years of age on a day (a birthday counts from that day)."""
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)


@dataclass(slots=True)
class Member:
    """One household member (anggota rumah tangga); `nik` is None when the person has none."""

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

    def __post_init__(self) -> None:
        if self.sex not in SEXES:
            raise ValueError(f"sex must be 'L' or 'P', got {self.sex!r}")
        if self.relation not in RELATIONS:
            raise ValueError(f"unknown relation {self.relation!r}")

    def age(self, on: dt.date) -> int:
        return age_on(self.birth_date, on)


@dataclass(frozen=True, slots=True)
class Participation:
    """Membership of a household in one program (kepesertaan), e.g. PKH active."""

    program: str
    status: ProgramStatus = "active"

    def __post_init__(self) -> None:
        if self.status not in PROGRAM_STATUSES:
            raise ValueError(f"status must be 'active' or 'ended', got {self.status!r}")


@dataclass(slots=True)
class Household:
    """A household (rumah tangga) with its welfare decile (desil), members and programs."""

    household_id: uuid.UUID
    kk_number: str | None
    village_code: str
    address: str
    welfare_decile: int
    members: list[Member] = field(default_factory=list)
    programs: list[Participation] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not _VILLAGE_CODE.match(self.village_code):
            raise ValueError("village_code must be 10 digits")
        if not 1 <= self.welfare_decile <= 10:
            raise ValueError(f"welfare_decile must be 1..10, got {self.welfare_decile}")

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
