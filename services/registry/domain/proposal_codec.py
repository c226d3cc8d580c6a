"""Usulan details and history as JSON: how they are stored and how the API receives them.

`details_from_json` is strict about shapes (unknown keys, wrong types: `ValueError` with a
message an operator can act on) but, like the domain, accepts incomplete details: what is
missing is listed by `problems()` and blocks verification, not creation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from .proposal_changes import (
    AddMember,
    CorrectField,
    Details,
    MarkDeceased,
    Moved,
    NewHousehold,
    NewMember,
    ProposalKind,
    RemoveMember,
)
from .proposals import Action, ProposalState, Step

_KINDS: dict[ProposalKind, type[Any]] = {
    ProposalKind.NEW_HOUSEHOLD: NewHousehold, ProposalKind.ADD_MEMBER: AddMember,
    ProposalKind.REMOVE_MEMBER: RemoveMember, ProposalKind.CORRECT_FIELD: CorrectField,
    ProposalKind.MARK_DECEASED: MarkDeceased, ProposalKind.MOVED: Moved,
}
_UUIDS = frozenset({"member_id", "household_id"})
_DATES = frozenset({"birth_date"})


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, NewMember):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def details_to_json(details: Details) -> dict[str, Any]:
    return {f.name: _plain(getattr(details, f.name)) for f in dataclasses.fields(details)}


def _field(name: str, raw: Any, where: str) -> Any:
    if raw is None:
        return None
    try:
        if name in _UUIDS:
            return uuid.UUID(str(raw))
        if name in _DATES:
            return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
    except ValueError:
        kind = "an id" if name in _UUIDS else "a date (YYYY-MM-DD)"
        raise ValueError(f"{where}{name}: must be {kind}") from None
    return raw


def _build(cls: type[Any], data: Any, where: str) -> Any:
    if not isinstance(data, Mapping):
        raise ValueError(f"{where or 'details'}: must be an object")
    names = {f.name for f in dataclasses.fields(cls)}
    if unknown := sorted(set(data) - names):
        raise ValueError(f"{where}unknown field(s): {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, raw in data.items():
        if name == "members":
            if not isinstance(raw, list):
                raise ValueError(f"{where}members: must be a list")
            values[name] = tuple(_build(NewMember, m, f"{where}members[{i}].")
                                 for i, m in enumerate(raw))
        elif name == "member" and cls is AddMember:
            values[name] = _build(NewMember, raw, f"{where}member.")
        elif name == "value":
            values[name] = raw  # typed below, once the field it corrects is known
        else:
            values[name] = _field(name, raw, where)
    if cls is CorrectField and values.get("field") in _DATES | _UUIDS:
        values["value"] = _field(values["field"], values.get("value"), "")
    if "household_id" in names and values.get("household_id") is None:
        values.pop("household_id", None)  # a new household gets a fresh id
    if "member_id" in names and cls is NewMember and values.get("member_id") is None:
        values.pop("member_id", None)
    return cls(**values)


def details_from_json(kind: str, data: Any) -> Details:
    """Details of an usulan of `kind` from JSON (the API body or a stored row)."""
    try:
        cls = _KINDS[ProposalKind(kind)]
    except ValueError:
        raise ValueError(f"kind must be one of {[k.value for k in ProposalKind]}") from None
    details: Details = _build(cls, data or {}, "")
    return details


def steps_to_json(steps: tuple[Step, ...]) -> list[dict[str, Any]]:
    return [{"action": s.action.value, "state": s.state.value, "subject": s.subject,
             "role": s.role, "at": s.at.isoformat(), "note": s.note} for s in steps]


def steps_from_json(rows: list[dict[str, Any]]) -> tuple[Step, ...]:
    return tuple(Step(Action(r["action"]), ProposalState(r["state"]), r["subject"], r["role"],
                      dt.datetime.fromisoformat(r["at"]), r.get("note", "")) for r in rows)
