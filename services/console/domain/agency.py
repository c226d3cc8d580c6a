"""The agency officer's screens without I/O: which agencies a user may open, the inbox filters
and rows (overdue marking, due times in the referral's own time zone), the answers the user
may give, and what a refused answer means.

The referral service decides; this module only shapes its answers for the page. It repeats
one rule of that service so that no button leads to a sure refusal: only agency officers, back
office and managers may answer a referral (`api_agency.Answerer`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slrt.auth import Principal, Role

#: Roles the referral API lets answer a referral (coordinators record an answer for an agency).
ANSWERERS: frozenset[Role] = frozenset({Role.AGENCY_OFFICER, Role.BACK_OFFICE, Role.MANAGER})
OPEN_STATUSES: tuple[str, ...] = ("created", "delivered", "accepted", "in_progress", "returned")
ENDED_STATUSES: tuple[str, ...] = ("resolved", "rejected")
#: The status filter of the inbox: a choice and the statuses it asks the API for.
STATUS_FILTERS: Mapping[str, tuple[str, ...]] = {
    "open": OPEN_STATUSES, "all": (),
    **{s: (s,) for s in (*OPEN_STATUSES, *ENDED_STATUSES)},
}
DEFAULT_STATUS_FILTER = "open"
PAGE_SIZE = 25
DEFAULT_ZONE = "Asia/Jakarta"

NoteRule = Literal["none", "optional", "required"]


@dataclass(frozen=True)
class ActionSpec:
    """One answer as a form: what the note is for and whether the API demands one."""

    action: str
    note: NoteRule
    danger: bool = False

    @property
    def label_key(self) -> str:
        return f"agency.action.{self.action}"

    @property
    def help_key(self) -> str:
        return f"agency.action.{self.action}.help"

    @property
    def note_key(self) -> str:
        return f"agency.action.{self.action}.note"


#: In the order a referral usually moves. Reject and return need a note (why / what is
#: missing): the referral service refuses them without one.
ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("accept", "optional"),
    ActionSpec("progress", "optional"),
    ActionSpec("resolve", "optional"),
    ActionSpec("return", "required"),
    ActionSpec("reject", "required", danger=True),
)
_BY_NAME = {a.action: a for a in ACTIONS}


def action_spec(name: str) -> ActionSpec | None:
    return _BY_NAME.get(name)


def can_answer(role: Role) -> bool:
    return role in ANSWERERS


def visible_actions(referral: Mapping[str, Any], role: Role) -> list[ActionSpec]:
    """The answer forms to show: those the referral allows now, if the role may answer."""
    if not can_answer(role):
        return []
    allowed = set(referral.get("allowed_actions") or ())
    return [spec for spec in ACTIONS if spec.action in allowed]


def note_problem(spec: ActionSpec, note: str) -> str | None:
    """A message key when the note the action needs is missing, else None."""
    if spec.note == "required" and not note.strip():
        return f"agency.action.{spec.action}.note_required"
    return None


def visible_agencies(principal: Principal,
                     agencies: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Active agencies whose inbox a coordinator may open: inside the coordinator's region
    (the referral service answers 404 for the others, e.g. a province or national agency)."""
    return sorted((a for a in agencies
                   if a.get("active", True) and principal.can_see_region(a.get("region_code")
                                                                         or "")),
                  key=lambda a: str(a.get("name") or a.get("agency_id")))


def status_filter(choice: str | None) -> tuple[str, tuple[str, ...]]:
    """The chosen filter (unknown → the default) and the statuses to ask for."""
    key = choice if choice in STATUS_FILTERS else DEFAULT_STATUS_FILTER
    return key, STATUS_FILTERS[key]


def parse_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def parse_time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def local_time(value: Any, zone: str | None) -> str:
    """`value` (ISO, UTC) as a wall-clock time in the referral's zone with its abbreviation,
    e.g. `08-12-2026 23:59 WIB`; empty when there is none."""
    moment = parse_time(value)
    if moment is None:
        return ""
    here = moment.astimezone(_zone(zone))
    return f"{here:%d-%m-%Y %H:%M} {here.tzname()}"


def status_badge(status: str) -> str:
    """The badge class of a status (the text says the status; the colour only repeats it)."""
    return {"resolved": "ok", "rejected": "bad", "returned": "warn"}.get(status, "")


def inbox_url(agency_id: str, status: str, overdue: bool, offset: int = 0,
              coordinator: bool = True) -> str:
    """The inbox with these filters (the agency only for coordinators, who choose it)."""
    query = {"agency": agency_id if coordinator else "", "status": status,
             "overdue": "1" if overdue else "", "offset": str(offset) if offset else ""}
    return "/agency?" + urlencode({k: v for k, v in query.items() if v})


def overdue_kinds(referral: Mapping[str, Any]) -> list[str]:
    """The running deadlines the referral is past (accept, resolve, answer)."""
    return [str(k) for k in referral.get("overdue") or ()]


@dataclass(frozen=True)
class InboxRow:
    referral_id: str
    complaint_number: str
    sector: str
    need_codes: tuple[str, ...]
    status: str
    urgency: str
    created: str
    accept_due: str
    resolve_due: str
    answer_due: str
    overdue: tuple[str, ...]
    escalated: bool

    @property
    def is_overdue(self) -> bool:
        return bool(self.overdue)

    @property
    def badge(self) -> str:
        return status_badge(self.status)


def inbox_row(item: Mapping[str, Any]) -> InboxRow:
    zone = item.get("time_zone")
    return InboxRow(
        referral_id=str(item["referral_id"]),
        complaint_number=str(item.get("complaint_number") or ""),
        sector=str(item.get("sector") or "other"),
        need_codes=tuple(item.get("need_codes") or ()),
        status=str(item.get("status") or ""),
        urgency=str(item.get("urgency") or "normal"),
        created=local_time(item.get("created_at"), zone),
        accept_due=local_time(item.get("accept_due_at"), zone),
        resolve_due=local_time(item.get("resolve_due_at"), zone),
        answer_due=local_time(item.get("answer_due_at"), zone),
        overdue=tuple(overdue_kinds(item)),
        escalated=bool(item.get("escalation_level")),
    )


HISTORY_KINDS = frozenset({"referral_added", "rerouted", "escalated", "status_changed",
                           "withdrawn"})


def history(timeline: Sequence[Mapping[str, Any]], referral_id: str,
            zone: str | None) -> list[dict[str, Any]]:
    """The referral's own changes from its case timeline, oldest first, times local; a
    status change names the status it led to."""
    out = []
    for entry in timeline:
        if str(entry.get("referral_id")) != referral_id:
            continue
        kind = str(entry.get("kind"))
        moved = kind in ("status_changed", "withdrawn") and entry.get("to_status")
        out.append({**entry, "when": local_time(entry.get("at"), zone),
                    "label_key": f"agency.history.{kind if kind in HISTORY_KINDS else 'other'}",
                    "status": str(entry["to_status"]) if moved else None})
    return out


def reminders(deadlines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The notification service's deadlines of the referral, with local times."""
    return [{"kind": d.get("kind"), "state": d.get("state"),
             "due": local_time(d.get("due_at"), d.get("time_zone")),
             "next": local_time(d.get("next_due_at"), d.get("time_zone"))}
            for d in deadlines]


@dataclass(frozen=True)
class Refusal:
    """Why an answer was refused, for the page: a catalog key with its fields, and the
    service's own words beside it."""

    key: str
    fields: Mapping[str, str]
    detail: str
    status: int


def refusal(status: int, message: str, action: str,
            fresh: Mapping[str, Any] | None) -> Refusal:
    """The meaning of the referral service's refusal of `action`, told against the referral as
    it is now (`fresh`, read again after the refusal; None if that failed too)."""
    current = str((fresh or {}).get("status") or "")
    allowed = [str(a) for a in (fresh or {}).get("allowed_actions") or ()]
    fields = {"action": action, "current": current, "allowed": ", ".join(allowed) or "-"}
    if status == 412:
        return Refusal("agency.refused.stale", fields, message, status)
    if status == 409 and fresh is not None and action not in allowed:
        return Refusal("agency.refused.not_allowed", fields, message, status)
    key = {409: "agency.refused.conflict", 422: "agency.refused.invalid",
           403: "agency.refused.forbidden"}.get(status, "agency.refused.other")
    return Refusal(key, fields, message, status)


def refusal_text(t: Any, refused: Refusal) -> str:
    """The refusal in the user's language (`t` is the page's translator), statuses and
    answers by their names."""
    allowed = [a for a in refused.fields.get("allowed", "").split(", ") if a and a != "-"]
    return t(refused.key,
             action=t(f"agency.action.{refused.fields.get('action', '')}"),
             current=t(f"agency.status.{refused.fields.get('current', '')}"),
             allowed=", ".join(t(f"agency.action.{a}") for a in allowed) or "-")
