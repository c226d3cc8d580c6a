"""The usulan (data update proposal) screens without I/O: which changes a village operator can
propose from the form, the registry's request body built from the form (with per-field
checks), the registry's refusals mapped back onto the form's fields, and how an usulan is
shown (what it changes, its history, the steps the caller may take).

The registry decides who may take which step (its answer lists `allowed_actions` for the
caller: role, region and four eyes); the page shows exactly those steps.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

from .agency import local_time

Control = Literal["text", "digits16", "date", "sex", "relation", "yes_no", "none"]

STATES: tuple[str, ...] = ("proposed", "verified", "approved", "applied", "rejected")
#: The review steps of the registry API the page offers (propose is the form; amend is not
#: exposed over HTTP).
STEPS: tuple[str, ...] = ("verify", "approve", "apply", "reject")
SEXES: tuple[str, ...] = ("L", "P")
RELATIONS: tuple[str, ...] = ("head", "spouse", "child", "child_in_law", "grandchild",
                              "parent", "parent_in_law", "sibling", "other")
#: Roles the registry lets propose (`domain/proposals.ACTION_ROLES[PROPOSE]` there): the
#: village (Puskesos, front office) and the back office; the form is offered to them only.
PROPOSERS: frozenset[str] = frozenset({"puskesos_operator", "front_office", "back_office"})
PAGE_SIZE = 25
NOTE_MAX = 2000
_DIGITS16 = re.compile(r"^\d{16}$")
_VILLAGE = re.compile(r"^\d{10}$")


@dataclass(frozen=True)
class Change:
    """One thing the form can propose: an usulan kind, and for a correction its field."""

    key: str
    kind: str
    entity: Literal["household", "member", ""] = ""
    field: str = ""
    control: Control = "none"

    @property
    def label_key(self) -> str:
        return f"proposals.change.{self.key}"

    @property
    def needs_member(self) -> bool:
        return self.entity == "member" or self.kind in ("remove_member", "mark_deceased")


def _correct(entity: Literal["household", "member"], field: str, control: Control) -> Change:
    return Change(f"correct.{entity}.{field}", "correct_field", entity, field, control)


#: In the order of the form's choice list: the household, a member, then membership changes.
CHANGES: tuple[Change, ...] = (
    _correct("household", "address", "text"),
    _correct("household", "kk_number", "digits16"),
    Change("moved", "moved"),
    _correct("member", "name", "text"),
    _correct("member", "nik", "digits16"),
    _correct("member", "birth_date", "date"),
    _correct("member", "sex", "sex"),
    _correct("member", "relation", "relation"),
    _correct("member", "school_enrolled", "yes_no"),
    _correct("member", "disability", "yes_no"),
    _correct("member", "chronic_illness", "yes_no"),
    Change("add_member", "add_member"),
    Change("remove_member", "remove_member"),
    Change("mark_deceased", "mark_deceased"),
)
_CHANGES = {c.key: c for c in CHANGES}


def change(key: str | None) -> Change | None:
    return _CHANGES.get(key or "")


def change_of(kind: str, details: Mapping[str, Any]) -> Change | None:
    """The form's change an usulan corresponds to (None for a new household)."""
    if kind == "correct_field":
        return _CHANGES.get(f"correct.{details.get('entity')}.{details.get('field')}")
    return _CHANGES.get(kind)


Errors = dict[str, str]  # form field -> message key of the catalog


def _date(value: str) -> str | None:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def _value(control: Control, raw: str, errors: Errors, field: str) -> Any:
    """A typed value from the form, or an error on `field`."""
    raw = raw.strip()
    if not raw:
        errors[field] = "proposals.error.required"
        return None
    if control == "digits16" and not _DIGITS16.match(raw):
        errors[field] = "proposals.error.digits16"
    elif control == "date" and _date(raw) is None:
        errors[field] = "proposals.error.date"
    elif control == "sex" and raw not in SEXES:
        errors[field] = "proposals.error.choice"
    elif control == "relation" and raw not in RELATIONS:
        errors[field] = "proposals.error.choice"
    elif control == "yes_no":
        if raw not in ("yes", "no"):
            errors[field] = "proposals.error.choice"
            return None
        return raw == "yes"
    return raw


def build_request(chosen: Change, household_id: str, form: Mapping[str, str],
                  member_ids: Sequence[str]) -> tuple[dict[str, Any] | None, Errors]:
    """The body of the registry's `POST /v1/proposals` for `chosen`, or the form's errors.

    `member_ids` are the household's members as the page showed them: a member picked for a
    change must be one of them. The reason (note) is required: verifiers check it against
    documents.
    """
    errors: Errors = {}
    note = form.get("note", "").strip()
    if not note:
        errors["note"] = "proposals.error.reason"
    elif len(note) > NOTE_MAX:
        errors["note"] = "proposals.error.too_long"
    member_id = form.get("member_id", "").strip()
    if chosen.needs_member and member_id not in member_ids:
        errors["member_id"] = "proposals.error.member"
    details: dict[str, Any] = {}
    if chosen.kind == "correct_field":
        details = {"entity": chosen.entity, "field": chosen.field,
                   "value": _value(chosen.control, form.get("value", ""), errors, "value")}
        if chosen.entity == "member":
            details["member_id"] = member_id
    elif chosen.kind in ("remove_member", "mark_deceased"):
        details = {"member_id": member_id}
    elif chosen.kind == "moved":
        village = form.get("village_code", "").replace(".", "").strip()
        if not _VILLAGE.match(village):
            errors["village_code"] = "proposals.error.village"
        address = form.get("address", "").strip()
        if not address:
            errors["address"] = "proposals.error.required"
        details = {"village_code": village, "address": address}
    elif chosen.kind == "add_member":
        member: dict[str, Any] = {
            "name": _value("text", form.get("name", ""), errors, "name"),
            "sex": _value("sex", form.get("sex", ""), errors, "sex"),
            "birth_date": _value("date", form.get("birth_date", ""), errors, "birth_date"),
            "relation": _value("relation", form.get("relation", ""), errors, "relation"),
            "nik": None,
        }
        if nik := form.get("nik", "").strip():  # no NIK is allowed: many have none
            member["nik"] = _value("digits16", nik, errors, "nik")
        details = {"member": member}
    if errors:
        return None, errors
    return {"kind": chosen.kind, "household_id": household_id, "details": details,
            "note": note}, {}


#: The registry's message prefixes (`member.birth_date: must be a date`) and the form's fields.
_SERVICE_FIELDS = {"value": "value", "member_id": "member_id", "village_code": "village_code",
                   "address": "address", "note": "note", "member.name": "name",
                   "member.sex": "sex", "member.birth_date": "birth_date",
                   "member.relation": "relation", "member.nik": "nik"}


def service_field_errors(message: str) -> dict[str, str]:
    """The registry's refusal (`field: problem; field: problem`) on the form's fields; the
    text is the registry's own. A message naming no field gives an empty mapping."""
    found: dict[str, str] = {}
    text = message.split(": ", 1)[1] if message.startswith("the usulan is incomplete: ") \
        else message
    for part in text.split("; "):
        name, sep, problem = part.partition(": ")
        if sep and name.strip() in _SERVICE_FIELDS:
            found[_SERVICE_FIELDS[name.strip()]] = problem
    return found


def visible_steps(proposal: Mapping[str, Any]) -> list[str]:
    """The review steps the registry allows this caller now, in workflow order."""
    allowed = set(proposal.get("allowed_actions") or ())
    return [s for s in STEPS if s in allowed]


def state_badge(state: str) -> str:
    return {"applied": "ok", "rejected": "bad", "approved": "ok", "verified": "warn"}.get(
        state, "")


def list_url(state: str, page: int = 1) -> str:
    query = {"state": state, "page": str(page) if page > 1 else ""}
    return "/proposals" + (("?" + urlencode({k: v for k, v in query.items() if v}))
                           if any(query.values()) else "")


def when(value: Any) -> str:
    """A history time in WIB (the registry keeps usulan days in WIB), e.g.
    `04-12-2026 16:33 WIB`."""
    return local_time(value, "Asia/Jakarta")


@dataclass(frozen=True)
class Value:
    """A value as shown: plain text, or a catalog key (`key`) for words such as yes/no."""

    text: str
    key: bool = False


@dataclass(frozen=True)
class Line:
    """One line of what an usulan changes: a label (catalog key), the value proposed and the
    value now (None when the household could not be read or the line has none)."""

    label_key: str
    proposed: Value
    now: Value | None = None


def _shown(value: Any, control: Control = "text") -> Value:
    if value is None or value == "":
        return Value("–")
    if control == "yes_no" or isinstance(value, bool):
        return Value("proposals.yes" if value else "proposals.no", key=True)
    if control == "relation" and value in RELATIONS:
        return Value(f"proposals.relation.{value}", key=True)
    if control == "sex" and value in SEXES:
        return Value(f"proposals.sex.{value}", key=True)
    return Value(str(value))


def _member_name(household: Mapping[str, Any] | None, member_id: Any) -> str:
    for m in (household or {}).get("members") or ():
        if str(m.get("member_id")) == str(member_id):
            return str(m.get("name"))
    return str(member_id or "–")


def _current(household: Mapping[str, Any] | None, chosen: Change,
             details: Mapping[str, Any]) -> Any:
    if household is None:
        return None
    if chosen.entity == "household":
        return household.get(chosen.field)
    for m in household.get("members") or ():
        if str(m.get("member_id")) == str(details.get("member_id")):
            return m.get(chosen.field)
    return None


_NEW_MEMBER: tuple[tuple[str, Control], ...] = (
    ("name", "text"), ("nik", "digits16"), ("sex", "sex"), ("birth_date", "date"),
    ("relation", "relation"))


def describe(proposal: Mapping[str, Any], household: Mapping[str, Any] | None) -> list[Line]:
    """What the usulan changes, line by line; `household` (as it is now, if it could be
    read) turns member ids into names and shows the value a correction replaces."""
    details = proposal.get("details") or {}
    chosen = change_of(str(proposal.get("kind")), details)
    if chosen is None:  # a new household (made from a complaint or elsewhere): its fields
        return [Line(f"proposals.field.{k}", _shown(v)) for k, v in details.items()
                if k in ("village_code", "address", "kk_number", "welfare_decile")]
    lines: list[Line] = []
    if chosen.needs_member:
        lines.append(Line("proposals.field.member",
                          Value(_member_name(household, details.get("member_id")))))
    if chosen.kind == "correct_field":
        now = _current(household, chosen, details)
        lines.append(Line(chosen.label_key, _shown(details.get("value"), chosen.control),
                          _shown(now, chosen.control) if household is not None else None))
    elif chosen.kind == "moved":
        for name in ("village_code", "address"):
            lines.append(Line(f"proposals.field.{name}", _shown(details.get(name)),
                              _shown(household.get(name)) if household is not None else None))
    elif chosen.kind == "add_member":
        member = details.get("member") or {}
        lines.extend(Line(f"proposals.field.{name}", _shown(member.get(name), control))
                     for name, control in _NEW_MEMBER)
    return lines


def problems(proposal: Mapping[str, Any]) -> list[str]:
    """What the registry says is missing (verification waits for these)."""
    return [str(p) for p in proposal.get("problems") or ()]


def stale_versions(detail: Any) -> tuple[str, str] | None:
    """The household versions of a 409 on apply (based on, now), if the refusal is that."""
    if isinstance(detail, Mapping) and "current_version" in detail:
        return str(detail.get("based_on_version")), str(detail.get("current_version"))
    return None
