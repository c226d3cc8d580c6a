"""The change history of registry data: what changed, compared record by record.

Every write to households, members or participations records who, when and why (a
`ChangeContext`) and what: one `Change` per changed field with its old and new value, or one
with `field` None for a record created (a summary in `new`) or removed (in `old`). A new
household's members and programs are part of its creation and get no rows of their own.

Pure: records are tuples in the `records.*_RECORD` orders; values are made JSON-ready here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from .model import Household, Member, Participation
from .records import (
    HOUSEHOLD_COMPARED,
    HOUSEHOLD_RECORD,
    MEMBER_COMPARED,
    MEMBER_RECORD,
    PARTICIPATION_RECORD,
)

JsonValue = None | bool | int | float | str | list[Any] | dict[str, Any]
HOUSEHOLD: Final[str] = "household"
MEMBER: Final[str] = "member"
PARTICIPATION: Final[str] = "participation"
_PARTICIPATION_COMPARED: Final[int] = len(PARTICIPATION_RECORD)


@dataclass(frozen=True, slots=True)
class ChangeContext:
    """Who changed the registry, when, why, and in which larger action (import, proposal)."""

    actor: str
    at: dt.datetime
    reason: str
    context: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    household_id: str
    entity: str
    entity_id: str
    field: str | None
    old: JsonValue
    new: JsonValue


def json_value(value: Any) -> JsonValue:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value  # type: ignore[no-any-return]


def _fields(entity: str, household_id: str, entity_id: str, names: Sequence[str],
            old: Sequence[Any], new: Sequence[Any], count: int) -> list[Change]:
    return [Change(household_id, entity, entity_id, names[i], json_value(old[i]),
                   json_value(new[i]))
            for i in range(count) if old[i] != new[i]]


def created(household: Sequence[Any], members: Sequence[Sequence[Any]],
            programs: Sequence[Sequence[Any]]) -> Change:
    """The one change row of a new household: its members and programs come with it."""
    return Change(household[0], HOUSEHOLD, household[0], None, None,
                  {"members": len(members), "programs": sorted(p[1] for p in programs)})


def household_changes(
    household: Sequence[Any], members: Iterable[Sequence[Any]],
    programs: Iterable[Sequence[Any]], old_household: Sequence[Any] | None,
    old_members: Mapping[str, Sequence[Any]], old_programs: Mapping[str, Sequence[Any]],
) -> tuple[list[Change], bool, list[Sequence[Any]], list[Sequence[Any]]]:
    """Changes that writing this household would make to what is stored.

    Returns (changes, household changed, members to write, programs to write): records equal
    to the stored ones need no write. `old_members` is keyed by member id (from anywhere in the
    registry: a member may come from another household); `old_programs` by program code.
    """
    household_id = household[0]
    members = list(members)
    programs = list(programs)
    if old_household is None:
        changes = [created(household, members, programs)]
        for m in members:
            old = old_members.get(m[0])
            if old is not None:  # moved in from another household
                changes.extend(_fields(MEMBER, household_id, m[0], MEMBER_RECORD, old, m,
                                       MEMBER_COMPARED))
        return changes, True, members, programs
    changes = _fields(HOUSEHOLD, household_id, household_id, HOUSEHOLD_RECORD, old_household,
                      household, HOUSEHOLD_COMPARED)
    household_changed = bool(changes)
    member_writes = []
    for m in members:
        old = old_members.get(m[0])
        if old is None:
            changes.append(Change(household_id, MEMBER, m[0], None, None, {"relation": m[8]}))
            member_writes.append(m)
        elif tuple(old) != tuple(m):  # derived columns too: a new village moves its copy
            changes.extend(_fields(MEMBER, household_id, m[0], MEMBER_RECORD, old, m,
                                   MEMBER_COMPARED))
            member_writes.append(m)
    program_writes = []
    for p in programs:
        old = old_programs.get(p[1])
        if old is None:
            changes.append(Change(household_id, PARTICIPATION, p[1], None, None,
                                  {"status": p[2]}))
            program_writes.append(p)
        elif tuple(old) != tuple(p):
            changes.extend(_fields(PARTICIPATION, household_id, p[1], PARTICIPATION_RECORD, old,
                                   p, _PARTICIPATION_COMPARED))
            program_writes.append(p)
    return changes, household_changed, member_writes, program_writes


# --- domain objects as records -----------------------------------------------------------------


def household_record(h: Household) -> tuple[Any, ...]:
    s = h.housing
    return (str(h.household_id), h.kk_number, h.village_code, h.address, h.latitude,
            h.longitude, s.floor, s.wall, s.roof, s.water_source, s.sanitation, s.electricity,
            h.welfare_decile, h.registry_status, h.source)


def member_record(m: Member, household: Household, name_normalized: str) -> tuple[Any, ...]:
    return (str(m.member_id), str(household.household_id), m.kk_number, m.nik, m.no_nik,
            m.name, m.sex, m.birth_date, m.relation, m.marital_status, m.disability,
            m.chronic_illness, m.pregnant, m.school_enrolled, m.school_level, m.occupation,
            m.deceased, household.village_code, name_normalized)


def participation_record(p: Participation, household: Household) -> tuple[Any, ...]:
    return (str(household.household_id), p.program, p.status, p.since, p.until)
