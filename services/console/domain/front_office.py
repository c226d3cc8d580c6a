"""The front office's screens without I/O: the household search, the household profile, the
complaint list's filters and the complaint page (timeline, referrals, follow-ups).

The services decide and scope; this module only shapes their answers for a page. It repeats
intake's follow-up rules (`domain/status.py` there) so that no form leads to a sure refusal:
information and withdrawal while a complaint is open, satisfaction once it is resolved or
closed at the desk, and only once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from .i18n import Translate, catalog

SEARCH_METHODS = ("nik", "kk", "name", "address")
#: Searches whose value is a personal number: never in a URL (the form posts them).
NUMBER_METHODS = frozenset({"nik", "kk"})
PAGE_SIZE = 25
STATUSES = ("registered", "assessed", "referred", "in_progress", "resolved", "closed",
            "withdrawn")
OPEN_STATUSES = frozenset({"registered", "assessed", "referred", "in_progress"})
SATISFACTION_STATUSES = frozenset({"resolved", "closed"})
SORTS = ("-registered_at", "registered_at", "-updated_at", "number", "-urgency", "status")
DEFAULT_SORT = "-registered_at"
SECTORS = ("civil_registration", "health", "education", "social_assistance", "data_update",
           "housing", "basic_infrastructure", "elderly_disability", "child_protection", "other")
URGENCIES = ("normal", "urgent", "emergency")
_REFERRAL_ENDED = frozenset({"resolved", "rejected"})
_ACCEPT_PENDING = frozenset({"created", "delivered"})

# Deadlines and registrations are shown at the office's wall clock: WIB, WITA or WIT by the
# province (first two digits of a region code), as Indonesia's three zones are drawn.
_WITA = frozenset({"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"})
_WIT = frozenset({"81", "82", "91", "92", "93", "94", "95", "96"})


def zone_of(region_code: str | None) -> ZoneInfo:
    province = (region_code or "")[:2]
    if province in _WITA:
        return ZoneInfo("Asia/Makassar")
    if province in _WIT:
        return ZoneInfo("Asia/Jayapura")
    return ZoneInfo("Asia/Jakarta")


def parse_time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def local_time(value: Any, region_code: str | None) -> str:
    """`value` (ISO, UTC) at the wall clock of the region, e.g. `04-12-2026 16:39 WIB`."""
    moment = parse_time(value)
    if moment is None:
        return ""
    here = moment.astimezone(zone_of(region_code))
    return f"{here:%d-%m-%Y %H:%M} {here.tzname()}"


def parse_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def label(t: Translate, key: str, fallback: Any) -> str:
    """`t(key)` when the catalog has it, else the fallback as it is (e.g. a new code)."""
    return t(key) if key in catalog() else str(fallback if fallback is not None else "")


# --- search ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Search:
    method: str
    value: str
    region: str

    @property
    def params(self) -> dict[str, str]:
        """The registry's query (server to server; never a URL the browser shows)."""
        return {self.method: self.value, **({"region": self.region} if self.region else {})}


def search_from_form(method: str, value: str, region: str) -> tuple[Search | None, str | None]:
    """The search to run, or the catalog key of what is wrong with the form."""
    method = method if method in SEARCH_METHODS else "name"
    value = " ".join(value.split())
    region = region.replace(".", "").strip()
    if not value:
        return None, "front_office.search.empty"
    if region and not region.isdigit():
        return None, "front_office.search.bad_region"
    if method in NUMBER_METHODS:
        digits = "".join(ch for ch in value if ch not in " .-")
        if len(digits) != 16 or not digits.isdigit():
            return None, f"front_office.search.bad_{method}"
        value = digits
    elif len(value) < 2:
        return None, "front_office.search.too_short"
    return Search(method, value, region), None


# --- household ------------------------------------------------------------------------------

MEMBER_FLAGS = ("school_enrolled", "disability", "chronic_illness", "pregnant", "deceased",
                "no_nik")
HOUSING_FIELDS = ("floor", "wall", "roof", "water_source", "sanitation", "electricity")


def birth_and_age(birth_date: Any, today: dt.date) -> tuple[str, int | None]:
    try:
        born = dt.date.fromisoformat(str(birth_date))
    except ValueError:
        return str(birth_date or ""), None
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return f"{born:%d-%m-%Y}", years


def member_rows(members: Sequence[Mapping[str, Any]], today: dt.date) -> list[dict[str, Any]]:
    rows = []
    for m in members:
        born, age = birth_and_age(m.get("birth_date"), today)
        rows.append({**m, "born": born, "age": age,
                     "flags": [f for f in MEMBER_FLAGS if m.get(f)]})
    return rows


# --- complaint list -------------------------------------------------------------------------

@dataclass(frozen=True)
class ListFilters:
    """The list's filters as the page shows them (all plain strings, "" = not set)."""

    status: str = ""
    village: str = ""
    district: str = ""
    category: str = ""
    urgency: str = ""
    date_from: str = ""
    date_to: str = ""
    overdue: bool = False
    sort: str = DEFAULT_SORT
    offset: int = 0
    problems: tuple[str, ...] = field(default=())  # catalog keys of filters left out

    def url(self, **changes: Any) -> str:
        """The list's URL with these filters (and changes, e.g. another offset)."""
        values = {"status": self.status, "village": self.village, "district": self.district,
                  "category": self.category, "urgency": self.urgency,
                  "date_from": self.date_from, "date_to": self.date_to,
                  "overdue": "1" if self.overdue else "", "sort": self.sort,
                  "offset": str(self.offset) if self.offset else "", **changes}
        query = urlencode({k: v for k, v in values.items()
                           if v not in ("", None, 0, "0") and not (k == "sort"
                                                                  and v == DEFAULT_SORT)})
        return "/complaints" + (f"?{query}" if query else "")


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def list_filters(query: Mapping[str, str]) -> ListFilters:
    """The filters from the page's query; a value intake would refuse is left out and named."""
    problems: list[str] = []

    def pick(name: str, allowed: Sequence[str]) -> str:
        value = (query.get(name) or "").strip()
        return value if value in allowed else ""

    village = (query.get("village") or "").replace(".", "").strip()
    if village and not (len(village) == 10 and village.isdigit()):
        problems.append("front_office.list.bad_village")
        village = ""
    district = (query.get("district") or "").replace(".", "").strip()
    if district and not (len(district) == 6 and district.isdigit()):
        problems.append("front_office.list.bad_district")
        district = ""
    dates = {}
    for name in ("date_from", "date_to"):
        raw = (query.get(name) or "").strip()
        if raw and _date(raw) is None:
            problems.append("front_office.list.bad_date")
            raw = ""
        dates[name] = raw
    try:
        offset = max(int(query.get("offset") or 0), 0)
    except ValueError:
        offset = 0
    sort = query.get("sort") or DEFAULT_SORT
    return ListFilters(
        status=pick("status", STATUSES), village=village, district=district,
        category=pick("category", SECTORS), urgency=pick("urgency", URGENCIES),
        date_from=dates["date_from"], date_to=dates["date_to"],
        overdue=(query.get("overdue") or "") in ("1", "true", "on"),
        sort=sort if sort in SORTS else DEFAULT_SORT, offset=offset, problems=tuple(problems))


def list_params(f: ListFilters, region_code: str | None) -> dict[str, Any]:
    """Intake's query for the filters: dates are whole days at the office's wall clock
    (the "to" day included)."""
    zone = zone_of(region_code)
    start = _date(f.date_from)
    end = _date(f.date_to)
    return {
        "status": f.status or None, "village": f.village or None,
        "district": f.district or None, "category": f.category or None,
        "urgency": f.urgency or None,
        "registered_from": dt.datetime.combine(start, dt.time(), zone).isoformat()
        if start else None,
        "registered_to": dt.datetime.combine(end + dt.timedelta(days=1), dt.time(),
                                             zone).isoformat() if end else None,
        "overdue": "true" if f.overdue else None, "sort": f.sort,
        "limit": PAGE_SIZE, "offset": f.offset,
    }


# --- one complaint --------------------------------------------------------------------------

def referral_rows(referrals: Sequence[Mapping[str, Any]], region_code: str,
                  now: dt.datetime) -> list[dict[str, Any]]:
    """The complaint's referrals with local due times; late ones marked as intake's list
    filter marks them (acceptance or resolution past due)."""
    rows = []
    for r in referrals:
        status = str(r.get("status") or "")
        accept_due, resolve_due = parse_time(r.get("accept_due_at")), parse_time(
            r.get("resolve_due_at"))
        late = bool((accept_due and accept_due < now and status in _ACCEPT_PENDING)
                    or (resolve_due and resolve_due < now and status not in _REFERRAL_ENDED))
        rows.append({**r, "accept_due": local_time(r.get("accept_due_at"), region_code),
                     "resolve_due": local_time(r.get("resolve_due_at"), region_code),
                     "overdue": late})
    return rows


#: Timeline details worth a line, in this order; others (ids, who) stay out of the way.
_DETAIL_ORDER = ("channel", "household_found", "match_method", "needs", "agency_id", "from",
                 "to", "accept_due_at", "resolve_due_at", "has_note", "attachments", "score",
                 "outcome", "level", "possible_duplicate_of", "by")


def timeline_entries(t: Translate, items: Sequence[Mapping[str, Any]],
                     region_code: str) -> list[dict[str, Any]]:
    """The complaint's timeline, oldest first, each step named in the user's language with
    its details as (label, value) pairs."""
    entries = []
    for item in sorted(items, key=lambda i: str(i.get("at") or "")):
        kind = str(item.get("kind") or "")
        detail = item.get("detail") if isinstance(item.get("detail"), Mapping) else {}
        facts = []
        for key in _DETAIL_ORDER:
            value = detail.get(key)
            if value in (None, "", [], {}):
                continue
            facts.append((label(t, f"front_office.detail.{key}", key),
                          _fact(t, key, value, region_code)))
        entries.append({"when": local_time(item.get("at"), region_code),
                        "label": label(t, f"front_office.timeline.{kind}", kind),
                        "kind": kind, "facts": facts})
    return entries


def _fact(t: Translate, key: str, value: Any, region_code: str) -> str:
    if isinstance(value, bool):
        return t("front_office.yes") if value else t("front_office.no")
    if key.endswith("_due_at"):
        return local_time(value, region_code)
    if key in ("from", "to"):
        return label(t, f"front_office.referral_status.{value}", value)
    if key == "channel":
        return label(t, f"front_office.channel.{value}", value)
    if key == "attachments" and isinstance(value, list):
        return str(len(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class FollowUps:
    information: bool
    withdraw: bool
    satisfaction: bool


def follow_ups(complaint: Mapping[str, Any]) -> FollowUps:
    status = str(complaint.get("status") or "")
    return FollowUps(information=status in OPEN_STATUSES, withdraw=status in OPEN_STATUSES,
                     satisfaction=status in SATISFACTION_STATUSES
                     and complaint.get("satisfaction_score") is None)


FOLLOW_UP_ACTIONS = ("information", "withdraw", "satisfaction")


def follow_up_body(action: str, form: Mapping[str, Any]) -> dict[str, Any]:
    """Intake's body for a follow-up form (blank text is left out: intake says what it needs)."""
    text = {name: str(form.get(name) or "").strip() for name in ("note", "reason", "comment")}
    if action == "information":
        return {"note": text["note"] or None}
    if action == "withdraw":
        return {"reason": text["reason"]}
    score = str(form.get("score") or "").strip()
    return {"score": int(score) if score.isdigit() else None, "comment": text["comment"] or None}


def warning_texts(t: Translate, codes: Sequence[str]) -> list[str]:
    """The warnings of a registration (their rule codes came along in the URL)."""
    return [label(t, f"front_office.issue.{c}", t("front_office.warning.other", rule=c))
            for c in codes if c]
