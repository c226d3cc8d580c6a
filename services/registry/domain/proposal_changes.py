"""What a data update proposal (usulan) changes, and applying it to a household.

Each kind of usulan has its own details class. Details may start incomplete (an usulan made
from a complaint knows little); `problems` lists what is missing or malformed, and the workflow
refuses verification until it is empty. Applying never mutates the household it is given: it
returns a changed copy and the field changes for the history (who/when/why is the workflow's).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Final, Literal

from .model import RELATIONS, SEXES, Household, Member, Relation, Sex

Entity = Literal["household", "member"]
Check = Callable[[object], "str | None"]  # a value's problem, or None when it is fine

_DIGITS16 = re.compile(r"^\d{16}$")
_VILLAGE = re.compile(r"^\d{10}$")


class ProposalKind(StrEnum):
    NEW_HOUSEHOLD = "new_household"
    ADD_MEMBER = "add_member"
    REMOVE_MEMBER = "remove_member"
    CORRECT_FIELD = "correct_field"
    MARK_DECEASED = "mark_deceased"
    MOVED = "moved"


class ChangeError(ValueError):
    """The usulan cannot be applied to this household (member gone, nothing to change...)."""


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One line of the change history: `old` -> `new` of one field of one record."""

    entity: Entity
    entity_id: uuid.UUID
    field: str
    old: object
    new: object


def _nik_problem(value: object) -> str | None:
    if value is None:
        return None  # no NIK is allowed: many poor residents have none
    return None if isinstance(value, str) and _DIGITS16.match(value) else "must be 16 digits"


def _text_problem(value: object) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must not be empty"


def _bool_problem(value: object) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _in(allowed: Collection[str]) -> Check:
    def problem(value: object) -> str | None:
        return None if value in allowed else f"must be one of {sorted(allowed)}"
    return problem


def _date_problem(value: object) -> str | None:
    return None if isinstance(value, dt.date) else "must be a date"


#: Fields an usulan may correct, with their check. Not here: the desil (set by the national
#: ranking, not by a village), the village (a `moved` usulan) and `deceased` (`mark_deceased`).
HOUSEHOLD_FIELDS: Final[dict[str, Check]] = {"kk_number": _nik_problem, "address": _text_problem}
MEMBER_FIELDS: Final[dict[str, Check]] = {
    "nik": _nik_problem, "name": _text_problem, "sex": _in(SEXES),
    "birth_date": _date_problem, "relation": _in(RELATIONS),
    "school_enrolled": _bool_problem, "disability": _bool_problem,
    "chronic_illness": _bool_problem,
}
_NEW_MEMBER_FIELDS: Final = ("name", "sex", "birth_date", "relation", "nik")


@dataclass(frozen=True, slots=True)
class NewMember:
    """A person to add; `nik` None means the person has no NIK (allowed)."""

    name: str | None = None
    sex: Sex | None = None
    birth_date: dt.date | None = None
    relation: Relation | None = None
    nik: str | None = None
    member_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def problems(self, prefix: str = "") -> list[str]:
        out = []
        for name in _NEW_MEMBER_FIELDS:
            value = getattr(self, name)
            if value is None and name != "nik":
                out.append(f"{prefix}{name}: missing")
            elif (problem := MEMBER_FIELDS[name](value)) is not None:
                out.append(f"{prefix}{name}: {problem}")
        return out

    def to_member(self) -> Member:
        if self.name is None or self.sex is None or self.birth_date is None \
                or self.relation is None:
            raise ChangeError("the new member is incomplete")
        return Member(self.member_id, self.nik, self.name, self.sex, self.birth_date,
                      self.relation)


@dataclass(frozen=True, slots=True)
class NewHousehold:
    kind: ClassVar[ProposalKind] = ProposalKind.NEW_HOUSEHOLD
    village_code: str | None = None
    address: str | None = None
    welfare_decile: int | None = None  # provisional until the next national ranking
    kk_number: str | None = None
    members: tuple[NewMember, ...] = ()
    household_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def problems(self) -> list[str]:
        out = []
        if self.village_code is None or not _VILLAGE.match(self.village_code):
            out.append("village_code: must be 10 digits")
        if (p := _text_problem(self.address)) is not None:
            out.append(f"address: {p}")
        if not isinstance(self.welfare_decile, int) or not 1 <= self.welfare_decile <= 10:
            out.append("welfare_decile: must be 1..10")
        if (p := _nik_problem(self.kk_number)) is not None:
            out.append(f"kk_number: {p}")
        if not self.members:
            out.append("members: at least one")
        elif sum(m.relation == "head" for m in self.members) != 1:
            out.append("members: exactly one head")
        for i, m in enumerate(self.members):
            out.extend(m.problems(f"members[{i}]."))
        return out


@dataclass(frozen=True, slots=True)
class AddMember:
    kind: ClassVar[ProposalKind] = ProposalKind.ADD_MEMBER
    member: NewMember = field(default_factory=NewMember)

    def problems(self) -> list[str]:
        return self.member.problems("member.")


@dataclass(frozen=True, slots=True)
class RemoveMember:
    """The person left the household (married out, moved alone); a death is `MarkDeceased`."""

    kind: ClassVar[ProposalKind] = ProposalKind.REMOVE_MEMBER
    member_id: uuid.UUID | None = None

    def problems(self) -> list[str]:
        return ["member_id: missing"] if self.member_id is None else []


@dataclass(frozen=True, slots=True)
class CorrectField:
    kind: ClassVar[ProposalKind] = ProposalKind.CORRECT_FIELD
    entity: Entity = "member"
    field: str | None = None
    value: object = None
    member_id: uuid.UUID | None = None  # for entity "member"

    def problems(self) -> list[str]:
        allowed = HOUSEHOLD_FIELDS if self.entity == "household" else MEMBER_FIELDS
        out = []
        if self.entity == "member" and self.member_id is None:
            out.append("member_id: missing")
        if self.field is None:
            out.append("field: missing")
        elif self.field not in allowed:
            out.append(f"field: {self.entity} {self.field!r} cannot be corrected by an usulan")
        elif (p := allowed[self.field](self.value)) is not None:
            out.append(f"value: {p}")
        return out


@dataclass(frozen=True, slots=True)
class MarkDeceased:
    kind: ClassVar[ProposalKind] = ProposalKind.MARK_DECEASED
    member_id: uuid.UUID | None = None

    def problems(self) -> list[str]:
        return ["member_id: missing"] if self.member_id is None else []


@dataclass(frozen=True, slots=True)
class Moved:
    """The whole household moved (pindah domisili); one person leaving is `RemoveMember`."""

    kind: ClassVar[ProposalKind] = ProposalKind.MOVED
    village_code: str | None = None
    address: str | None = None

    def problems(self) -> list[str]:
        out = []
        if self.village_code is None or not _VILLAGE.match(self.village_code):
            out.append("village_code: must be 10 digits")
        if (p := _text_problem(self.address)) is not None:
            out.append(f"address: {p}")
        return out


Details = NewHousehold | AddMember | RemoveMember | CorrectField | MarkDeceased | Moved


def _member(household: Household, member_id: uuid.UUID | None) -> Member:
    found = household.member_by_id(member_id) if member_id is not None else None
    if found is None:
        raise ChangeError("the member is not in this household")
    return found


def _set(target: Any, entity: Entity, entity_id: uuid.UUID, name: str, value: object,
         changes: list[FieldChange]) -> None:
    old = getattr(target, name)
    if old != value:
        setattr(target, name, value)
        changes.append(FieldChange(entity, entity_id, name, old, value))


def _joined(member: Member, household_id: uuid.UUID) -> list[FieldChange]:
    out = [FieldChange("member", member.member_id, "household_id", None, household_id)]
    out.extend(FieldChange("member", member.member_id, f, None, getattr(member, f))
               for f in _NEW_MEMBER_FIELDS if getattr(member, f) is not None)
    return out


def _check(details: Details) -> None:
    if problems := details.problems():
        raise ChangeError("the usulan is incomplete: " + "; ".join(problems))


def create_household(details: NewHousehold) -> tuple[Household, list[FieldChange]]:
    """The household a complete `NewHousehold` describes, and its history lines."""
    _check(details)
    assert details.village_code is not None and details.address is not None
    assert details.welfare_decile is not None
    members = [m.to_member() for m in details.members]
    hid = details.household_id
    household = Household(hid, details.kk_number, details.village_code, details.address,
                          details.welfare_decile, members)
    changes = [FieldChange("household", hid, f, None, getattr(household, f))
               for f in ("kk_number", "village_code", "address", "welfare_decile")
               if getattr(household, f) is not None]
    for m in members:
        changes.extend(_joined(m, hid))
    return household, changes


def _correct_member(household: Household, details: CorrectField) -> list[FieldChange]:
    assert details.field is not None
    person = _member(household, details.member_id)
    old = getattr(person, details.field)
    if old == details.value:
        return []
    # replace() re-runs the member's own checks on the corrected record; problems() has
    # already checked the value's type, so Any is honest here.
    corrected: dict[str, Any] = {details.field: details.value}
    fixed = dataclasses.replace(person, **corrected)
    household.members = [fixed if m is person else m for m in household.members]
    return [FieldChange("member", person.member_id, details.field, old, details.value)]


def apply_details(details: Details,
                  household: Household) -> tuple[Household, list[FieldChange]]:
    """A changed copy of `household` and the field changes; ChangeError when inapplicable."""
    if isinstance(details, NewHousehold):
        raise ChangeError("a new household is created, not applied to an existing one")
    _check(details)
    changed = copy.deepcopy(household)  # the caller's object stays as it was (pure)
    hid = changed.household_id
    changes: list[FieldChange] = []
    if isinstance(details, AddMember):
        new = details.member.to_member()
        if changed.member_by_id(new.member_id) is not None:
            raise ChangeError("the member is already in this household")
        if new.nik is not None and changed.member_by_nik(new.nik) is not None:
            raise ChangeError("a member with this NIK is already in this household")
        changed.members.append(new)
        changes = _joined(new, hid)
    elif isinstance(details, RemoveMember):
        gone = _member(changed, details.member_id)
        if len(changed.members) == 1:
            raise ChangeError("cannot remove the only member; the household moved or ended")
        changed.members = [m for m in changed.members if m is not gone]
        changes = [FieldChange("member", gone.member_id, "household_id", hid, None)]
    elif isinstance(details, CorrectField) and details.entity == "member":
        changes = _correct_member(changed, details)
    elif isinstance(details, CorrectField):
        assert details.field is not None
        _set(changed, "household", hid, details.field, details.value, changes)
    elif isinstance(details, MarkDeceased):
        person = _member(changed, details.member_id)
        if person.deceased:
            raise ChangeError("the member is already recorded as deceased")
        _set(person, "member", person.member_id, "deceased", True, changes)
    elif isinstance(details, Moved):
        _set(changed, "household", hid, "village_code", details.village_code, changes)
        _set(changed, "household", hid, "address", details.address, changes)
    if not changes:
        raise ChangeError("the usulan changes nothing: the household already says so")
    return changed, changes


__all__ = [
    "AddMember", "ChangeError", "CorrectField", "Details", "FieldChange", "MarkDeceased",
    "Moved", "NewHousehold", "NewMember", "ProposalKind", "RemoveMember", "apply_details",
    "create_household",
]
