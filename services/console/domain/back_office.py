"""Back-office screens without I/O: the queue's filters and pages, and what a case page shows —
the household, the needs with their rule and routing explanations, the referrals with their
state, deadlines and what can be done with them, the case's allowed actions, the timeline —
plus reading the action forms and turning a service's refusal into a message.

Texts are message keys (`back_office.*`); the templates translate them.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from contracts import Sector, Urgency
from slrt.auth import Role

from ..adapters.backends import BackendError

REASONS = ("unrouted", "rejected", "returned", "outcome_pending")
CATEGORIES = tuple(s.value for s in Sector)
URGENCIES = tuple(u.value for u in Urgency)
PAGE_SIZE = 20
#: Who may change cases (the referral API's back-office tools); others here only read.
ACTING_ROLES = frozenset({Role.BACK_OFFICE, Role.MANAGER})
ENDED = frozenset({"resolved", "rejected"})
ACTIVE_CASE = frozenset({"open", "referred"})
#: The case page's forms for the case's own actions, in the order they are shown.
CASE_FORMS = ("add_referral", "inform_complainant", "close", "handle_at_puskesos", "reopen",
              "merge")
#: The action forms the page posts to (`/cases/{id}/{action}`), and the service call of each.
ACTIONS = ("reroute", "add_referral", "inform_complainant", "close", "handle_at_puskesos",
           "reopen", "merge")
NOTE_REQUIRED = frozenset({"inform_complainant", "handle_at_puskesos", "reopen"})
NOTE_MAX = 2000
COMPLAINT_NUMBER = re.compile(r"^SLRT-\d{4}-\d{4}-\d{6}$")
_AREA = re.compile(r"^\d{2,10}$")
WIB = "Asia/Jakarta"


# -- the queue ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueQuery:
    """The queue's filters as typed in the page's form; unusable values are left out and named
    in `errors` (field -> message key)."""

    reason: str = ""
    category: str = ""
    urgency: str = ""
    area: str = ""
    overdue: bool = False
    page: int = 1
    errors: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> QueueQuery:
        errors: dict[str, str] = {}

        def pick(name: str, allowed: Sequence[str]) -> str:
            value = (params.get(name) or "").strip()
            if value and value not in allowed:
                errors[name] = "back_office.filter.invalid_choice"
                return ""
            return value

        area = re.sub(r"[.\s]", "", params.get("area") or "")
        if area and not _AREA.match(area):
            errors["area"] = "back_office.filter.invalid_area"
            area = ""
        raw_page = (params.get("page") or "1").strip()
        page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) < 100_000 else 1
        return cls(pick("reason", REASONS), pick("category", CATEGORIES),
                   pick("urgency", URGENCIES), area,
                   (params.get("overdue") or "") in ("1", "true", "on"), page, errors)

    def api_params(self) -> dict[str, Any]:
        """The referral queue's query for this page."""
        return {"reason": self.reason, "category": self.category, "urgency": self.urgency,
                "area": self.area, "overdue": "true" if self.overdue else None,
                "limit": PAGE_SIZE, "offset": (self.page - 1) * PAGE_SIZE}

    def url(self, page: int | None = None) -> str:
        """This queue's address with the same filters (on `page`)."""
        query = {"reason": self.reason, "category": self.category, "urgency": self.urgency,
                 "area": self.area, "overdue": "1" if self.overdue else "",
                 "page": str(page or self.page) if (page or self.page) > 1 else ""}
        kept = {k: v for k, v in query.items() if v}
        return "/back-office" + (f"?{urlencode(kept)}" if kept else "")

    @property
    def filtered(self) -> bool:
        return bool(self.reason or self.category or self.urgency or self.area or self.overdue)


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    total: int
    first: int  # 1-based number of the first item shown (0 when none)
    last: int
    prev_url: str | None
    next_url: str | None


def pager(query: QueueQuery, total: int, shown: int) -> Pager:
    pages = max(1, -(-total // PAGE_SIZE))
    first = (query.page - 1) * PAGE_SIZE + 1 if shown else 0
    return Pager(query.page, pages, total, first, first + shown - 1 if shown else 0,
                 query.url(query.page - 1) if query.page > 1 else None,
                 query.url(query.page + 1) if query.page < pages else None)


def queue_row(item: Mapping[str, Any]) -> dict[str, Any]:
    """One queue line: the case, why it waits, its referrals and whether one is late."""
    referrals = [{"agency_id": r["agency_id"], "status": r["status"],
                  "overdue": bool(r.get("overdue"))} for r in item.get("referrals", [])]
    return {"case_id": item["case_id"], "number": item["complaint_number"],
            "village_code": item["village_code"], "category": item["category"],
            "urgency": item["urgency"], "status": item["status"],
            "opened_at": item.get("opened_at"), "attention": list(item.get("attention", [])),
            "unrouted_needs": list(item.get("unrouted_needs", [])), "referrals": referrals,
            "overdue": bool(item.get("overdue")) or any(r["overdue"] for r in referrals)}


# -- the case page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedRow:
    code: str
    sector: str | None
    program: str | None
    rule_id: str | None
    reason: str | None  # why the needs rules found it (registry's explanation)
    routing: str | None  # where routing sent it and by which rule
    unrouted: bool


def routing_by_need(explanations: Iterable[str]) -> dict[str, str]:
    """Routing explanations ("need <code>: rule ...; matched: ...") by need code."""
    found: dict[str, str] = {}
    for text in explanations:
        head, sep, rest = text.partition(": ")
        if sep and head.startswith("need "):
            found.setdefault(head[5:].strip(), rest.strip())
    return found


def need_rows(case: Mapping[str, Any], assessment: Mapping[str, Any] | None) -> list[NeedRow]:
    """The case's needs, each with the rule that found it and the routing that placed it."""
    assessed = {n["code"]: n for n in (assessment or {}).get("needs", [])}
    routing = routing_by_need(case.get("routing_explanations", []))
    unrouted = set(case.get("unrouted_needs", []))
    rows = []
    for code in case.get("needs", []):
        need = assessed.get(code, {})
        rows.append(NeedRow(code, need.get("sector"), need.get("program"), need.get("rule_id"),
                            need.get("reason"), routing.get(code), code in unrouted))
    return rows


@dataclass(frozen=True)
class ReferralRow:
    referral: Mapping[str, Any]
    overdue: tuple[str, ...]  # the deadlines passed: accept, resolve, answer
    ended: bool
    rerouted_to: str | None  # the referral that took this one's needs over
    reroutable: bool


def referral_rows(case: Mapping[str, Any]) -> list[ReferralRow]:
    """The case's referrals; rerouting is offered where the referral API allows it: on an
    active case, for a referral still open (it is withdrawn first) or rejected and not yet
    rerouted."""
    referrals = case.get("referrals", [])
    successor = {r["rerouted_from"]: r["referral_id"] for r in referrals if r.get("rerouted_from")}
    active = case.get("status") in ACTIVE_CASE
    rows = []
    for r in referrals:
        ended = r["status"] in ENDED
        rerouted_to = successor.get(r["referral_id"])
        reroutable = active and (not ended or (r["status"] == "rejected" and not rerouted_to))
        rows.append(ReferralRow(r, tuple(r.get("overdue") or ()), ended, rerouted_to,
                                reroutable))
    return rows


def agency_choices(agencies: Iterable[Mapping[str, Any]], village_code: str,
                   exclude: str | None = None) -> list[dict[str, Any]]:
    """Active agencies whose region covers the village (regency, province, national)."""
    return [{"agency_id": a["agency_id"], "name": a.get("name") or a["agency_id"],
             "sectors": list(a.get("sectors", []))}
            for a in agencies
            if a.get("active", True) and village_code.startswith(a.get("region_code", ""))
            and a["agency_id"] != exclude]


def case_forms(case: Mapping[str, Any], role: Role) -> list[str]:
    """The case's own action forms to show: allowed now by the case, and to this role."""
    if role not in ACTING_ROLES:
        return []
    allowed = set(case.get("available_actions", []))
    return [action for action in CASE_FORMS if action in allowed]


def mask(number: str | None) -> str:
    """An identity number shown by its first four and last four digits."""
    if not number:
        return ""
    return number if len(number) <= 8 else number[:4] + "•" * (len(number) - 8) + number[-4:]


def age(birth_date: str | None, today: dt.date) -> int | None:
    try:
        born = dt.date.fromisoformat(birth_date or "")
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def household_view(profile: Mapping[str, Any], today: dt.date) -> dict[str, Any]:
    """What the back office needs of the household: who lives there (identity numbers masked:
    the page does not need them whole), its welfare decile, programs and needs now."""
    members = [{"name": m.get("name"), "relation": m.get("relation"), "sex": m.get("sex"),
                "age": age(m.get("birth_date"), today), "nik": mask(m.get("nik")),
                "flags": [f for f in ("school_enrolled", "disability", "chronic_illness",
                                      "pregnant", "deceased") if m.get(f)]}
               for m in profile.get("members", [])]
    return {"household_id": profile.get("household_id"), "head_name": profile.get("head_name"),
            "address": profile.get("address"), "village_code": profile.get("village_code"),
            "kk": mask(profile.get("kk_number")), "decile": profile.get("welfare_decile"),
            "status": profile.get("registry_status"), "members": members,
            "programs": list(profile.get("programs", [])),
            "needs": list(profile.get("needs", []))}


def timeline_rows(items: Iterable[Mapping[str, Any]],
                  referrals: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The timeline oldest first, each change with the agency of its referral."""
    agency_of = {r["referral_id"]: r["agency_id"] for r in referrals}
    rows = []
    for item in items:
        detail = item.get("detail") or {}
        rows.append({**item, "agency_id": detail.get("agency_id")
                     or agency_of.get(item.get("referral_id") or "")})
    return rows


def local_time(value: str | None, zone: str | None = None) -> str:
    """An ISO time as the district reads it: day, month, year, hour:minute, zone."""
    if not value:
        return ""
    try:
        at = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    tz = ZoneInfo(zone or WIB)
    local = at.astimezone(tz)
    return f"{local:%d-%m-%Y %H:%M} {local.tzname()}"


# -- the action forms ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionForm:
    """An action form as submitted: the values, and field -> message key for what is wrong."""

    action: str
    values: dict[str, Any]
    errors: dict[str, str]


def _version(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def parse_action(action: str, form: Mapping[str, Any]) -> ActionForm:
    """Read and check an action form (the service checks again; this spares a round trip)."""
    note = str(form.get("note") or "").strip()
    values: dict[str, Any] = {"note": note, "version": _version(str(form.get("version") or ""))}
    errors: dict[str, str] = {}
    if action in NOTE_REQUIRED and not note:
        errors["note"] = "back_office.form.note_required"
    if len(note) > NOTE_MAX:
        errors["note"] = "back_office.form.note_too_long"
    if action in ("reroute", "add_referral"):
        values["agency_id"] = str(form.get("agency_id") or "").strip()
        if not values["agency_id"]:
            errors["agency_id"] = "back_office.form.agency_required"
    if action == "reroute":
        values["referral_id"] = str(form.get("referral_id") or "")
        if parse_uuid(values["referral_id"]) is None:
            errors["referral_id"] = "back_office.form.referral_unknown"
    if action == "add_referral":  # none chosen: the service refers the unrouted needs
        chosen = form.get("need_codes")
        values["need_codes"] = [str(c) for c in chosen] if isinstance(chosen, list) else []
    if action == "merge":
        target = str(form.get("target") or "").strip()
        values["target"] = target
        if not target:
            errors["target"] = "back_office.form.target_required"
        elif merge_target(target) is None:
            errors["target"] = "back_office.form.target_invalid"
    return ActionForm(action, values, errors)


def parse_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text.strip())
    except (ValueError, AttributeError):
        return None


def merge_target(text: str) -> tuple[str, str] | None:
    """("case_id", id) or ("complaint_number", NUMBER) for what was typed, else None."""
    found = parse_uuid(text)
    if found is not None:
        return "case_id", str(found)
    number = text.strip().upper()
    return ("complaint_number", number) if COMPLAINT_NUMBER.match(number) else None


def request_for(action: str, case_id: str, values: Mapping[str, Any]
                ) -> tuple[str, dict[str, Any]]:
    """The referral API path and JSON body of an action (the version goes in `If-Match`)."""
    note = values.get("note") or None
    if action == "reroute":
        return (f"/v1/referrals/{values['referral_id']}/reroute",
                {"agency_id": values["agency_id"], "note": note})
    if action == "add_referral":
        return (f"/v1/cases/{case_id}/referrals",
                {"agency_id": values["agency_id"], "need_codes": values["need_codes"] or None,
                 "note": note})
    if action == "merge":
        return (f"/v1/cases/{case_id}/merge",
                {"into_case_id": values["into_case_id"], "note": note})
    path = {"inform_complainant": "inform", "close": "close",
            "handle_at_puskesos": "handle-at-puskesos", "reopen": "reopen"}[action]
    return f"/v1/cases/{case_id}/{path}", {"note": note}


@dataclass(frozen=True)
class Refusal:
    """A service's refusal as the page shows it: a lead in our words, the service's own
    message, and its per-field messages (422) by form field."""

    lead_key: str
    message: str
    fields: dict[str, str]


_LEADS = {412: "back_office.refused.stale", 409: "back_office.refused.conflict",
          422: "back_office.refused.invalid", 403: "back_office.refused.forbidden",
          404: "back_office.refused.not_found"}


def refusal(error: BackendError) -> Refusal:
    fields: dict[str, str] = {}
    for issue in error.field_issues():
        loc = [str(part) for part in issue.get("loc", [])]
        name = {"into_case_id": "target"}.get(loc[-1], loc[-1]) if loc else ""
        if name and name != "body":
            fields.setdefault(name, str(issue.get("msg") or issue.get("message") or ""))
    return Refusal(_LEADS.get(error.status, "back_office.refused.other"), error.message, fields)


def labeler(t: Callable[..., str]) -> Callable[[str, str | None], str]:
    """`label("sector", code)`: the catalog's `back_office.sector.<code>`, or the code itself
    for a code the catalog does not know yet (a service added a value)."""

    def label(family: str, code: str | None) -> str:
        if not code:
            return ""
        key = f"back_office.{family}.{code}"
        text = t(key)
        return code if text == key else text

    return label
