"""The complaint form of the front office without I/O: the form's fields as intake's body,
intake's issues as messages per field, and the choices the form offers (villages of the
user's region, the category taxonomy, the vocabularies).

Intake decides what is valid; the form adds one rule of its own, so that nobody is recorded
without a NIK by oversight: a NIK, or the explicit "has no NIK" tick (residents without a NIK
are accepted; that must be a choice, not a blank).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from slrt.reference import children, region, village

from .i18n import Translate, catalog

#: Form field names are intake's field paths, so issues land where they belong.
TEXT_FIELDS: tuple[str, ...] = (
    "village_code", "description", "desk_resolution", "complainant.name", "complainant.nik",
    "complainant.kk_number", "complainant.phone", "complainant.address")
CHOICE_FIELDS: tuple[str, ...] = ("channel", "category", "subcategory", "kind", "urgency",
                                  "complainant.relation")
FLAG_FIELDS: tuple[str, ...] = ("complainant.has_no_nik", "consent_given")
#: Every field, in the order the form shows them (the error summary follows it).
FIELDS: tuple[str, ...] = (
    "channel", "kind", "village_code", "urgency", "category", "subcategory", "description",
    "complainant.name", "complainant.relation", "complainant.nik", "complainant.has_no_nik",
    "complainant.kk_number", "complainant.phone", "complainant.address", "desk_resolution",
    "consent_given")

CHANNELS = ("puskesos", "front_office", "field_tablet", "web", "hotline", "sms")
KINDS = ("complaint", "question", "suggestion")
URGENCIES = ("normal", "urgent", "emergency")
RELATIONS = ("head", "spouse", "child", "parent", "other_member", "not_member")
#: A region with more villages than this gets a code field instead of a list.
MAX_VILLAGE_CHOICES = 600
NIK_OR_FLAG = "front_office.nik_or_flag"
_TRUE = frozenset({"on", "1", "true", "yes"})
_REQUIRED_TYPES = frozenset({"missing", NIK_OR_FLAG})


def new_form_key() -> str:
    """The Idempotency-Key of one rendering of the form: a double submit is one complaint."""
    return str(uuid.uuid4())


def complaint_body(form: Mapping[str, Any]) -> dict[str, Any]:
    """Intake's complaint body from the submitted form; blank fields are left out (intake
    then says "required" where a field is, rather than "not a valid choice")."""
    body: dict[str, Any] = {}
    person: dict[str, Any] = {}
    for name in (*TEXT_FIELDS, *CHOICE_FIELDS):
        value = str(form.get(name) or "").strip()
        if value:
            _put(body, person, name, value)
    for name in FLAG_FIELDS:
        _put(body, person, name, str(form.get(name) or "").lower() in _TRUE)
    body["complainant"] = person
    return body


def _put(body: dict[str, Any], person: dict[str, Any], name: str, value: Any) -> None:
    if name.startswith("complainant."):
        person[name.removeprefix("complainant.")] = value
    else:
        body[name] = value


def form_issues(form: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The form's own rule, as an issue shaped like intake's."""
    nik = str(form.get("complainant.nik") or "").strip()
    flagged = str(form.get("complainant.has_no_nik") or "").lower() in _TRUE
    if nik or flagged:
        return []
    return [{"loc": ["body", "complainant", "nik"], "type": NIK_OR_FLAG, "msg": ""}]


def merged(*sources: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Issues from several answers, each (field, rule) once. A refused registration stops at
    the schema when fields are missing; the check also has the domain's word on the rest."""
    seen: set[tuple[str, str]] = set()
    out = []
    for issues in sources:
        for issue in issues:
            key = (field_of(issue.get("loc") or ()), str(issue.get("type") or ""))
            if key not in seen:
                seen.add(key)
                out.append(issue)
    return out


def field_of(loc: Sequence[Any]) -> str:
    """`["body", "complainant", "nik"]` → `complainant.nik` (the form field's name)."""
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts)


def issue_text(t: Translate, lang: str, issue: Mapping[str, Any]) -> str:
    """An issue in the user's language. Intake words its own rules in Bahasa Indonesia: those
    words are kept in Indonesian; the schema's generic words (English) and every English page
    use the catalog where it knows the rule, else the service's words as they are."""
    rule = str(issue.get("type") or "")
    message = str(issue.get("msg") or issue.get("message") or "")
    key = rule if rule == NIK_OR_FLAG else f"front_office.issue.{rule}"
    known = key in catalog()
    if known and (lang != "id" or "." not in rule or rule == NIK_OR_FLAG or not message):
        context = issue.get("ctx")
        if isinstance(context, Mapping) and f"{key}.ctx" in catalog():
            # The schema's limits (e.g. min_length) when the answer carries them.
            with contextlib.suppress(KeyError, IndexError, ValueError):
                return t(f"{key}.ctx", **context)
        return t(key)
    return message or rule


@dataclass
class Feedback:
    """Messages per form field, and those about no field of the form (the summary only)."""

    errors: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    @property
    def summary(self) -> list[tuple[str, str]]:
        """(field, message) of every error, in the form's order, for the alert at the top."""
        order = {name: i for i, name in enumerate(FIELDS)}
        return sorted(self.errors.items(), key=lambda item: order.get(item[0], len(order)))


def feedback(t: Translate, lang: str, errors: Iterable[Mapping[str, Any]],
             warnings: Iterable[Mapping[str, Any]] = (), *,
             form: Mapping[str, Any] | None = None) -> Feedback:
    """Intake's issues as messages per field. With `form` (a check while typing), a field
    left blank is not yet an error: "required" waits for the submit."""
    out = Feedback()
    for kind, issues in (("errors", errors), ("warnings", warnings)):
        target: dict[str, str] = getattr(out, kind)
        for issue in issues:
            name = field_of(issue.get("loc") or ())
            if form is not None and _waits_for_submit(issue, name, form):
                continue
            text = issue_text(t, lang, issue)
            if name in FIELDS:
                target[name] = f"{target[name]} {text}" if name in target else text
            elif kind == "errors":
                out.general.append(f"{name}: {text}" if name else text)
    return out


def _waits_for_submit(issue: Mapping[str, Any], name: str, form: Mapping[str, Any]) -> bool:
    rule = str(issue.get("type") or "")
    blank = not str(form.get(name) or "").strip()
    return blank and (rule in _REQUIRED_TYPES or rule.endswith(".required"))


# --- choices --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    code: str
    label: str


@dataclass(frozen=True)
class Group:
    label: str
    options: tuple[Option, ...]
    code: str = ""


@lru_cache(maxsize=256)
def villages_of(region_code: str) -> tuple[Group, ...] | None:
    """The villages of a regency, district or village, grouped by district; None when the
    region is wider (a province or the nation: too many for a list, the code is typed)."""
    code = region_code.strip()
    if len(code) < 4 or region(code) is None:
        return None
    if len(code) == 10:
        found = village(code)
        district = region(code[:6])
        return ((Group(district.name if district else code[:6],
                       (Option(code, found.name if found else code),), code[:6]),))
    districts = children(code) if len(code) == 4 else [region(code)]
    groups = tuple(Group(d.name, tuple(Option(v.code, v.name) for v in children(d.code)),
                         d.code)
                   for d in districts if d is not None)
    if sum(len(g.options) for g in groups) > MAX_VILLAGE_CHOICES:
        return None
    return groups


@lru_cache(maxsize=256)
def districts_of(region_code: str) -> tuple[Option, ...]:
    """The districts (kecamatan) a user may filter by: those of a regency, or the one."""
    code = region_code.strip()
    if len(code) == 4:
        return tuple(Option(d.code, d.name) for d in children(code))
    if len(code) >= 6 and (d := region(code[:6])) is not None:
        return (Option(d.code, d.name),)
    return ()


@lru_cache(maxsize=4096)
def place(village_code: str) -> str:
    """"Sidomulyo, Bambanglipuro" for a village code; the code when it is unknown."""
    found = village(village_code) if village_code else None
    if found is None:
        return village_code
    district = region(village_code[:6])
    return f"{found.name}, {district.name}" if district else found.name


@dataclass(frozen=True)
class Taxonomy:
    """Intake's categories (`GET /v1/categories`) in one language."""

    categories: tuple[Option, ...]
    subcategories: tuple[Group, ...]  # one group per category, `code` = the category

    def category(self, code: str | None) -> str:
        return next((o.label for o in self.categories if o.code == code), code or "")

    def subcategory(self, category: str | None, code: str | None) -> str:
        for group in self.subcategories:
            if group.code == category:
                return next((o.label for o in group.options if o.code == code), code or "")
        return code or ""


def taxonomy(items: Iterable[Mapping[str, Any]], lang: str) -> Taxonomy:
    def label(labels: Any, code: str) -> str:
        if isinstance(labels, Mapping):
            return str(labels.get(lang) or labels.get("id") or code)
        return code

    items = list(items)
    return Taxonomy(
        tuple(Option(str(i["code"]), label(i.get("label"), str(i["code"]))) for i in items),
        tuple(Group(label(i.get("label"), str(i["code"])),
                    tuple(Option(str(s["code"]), label(s.get("label"), str(s["code"])))
                          for s in i.get("subcategories") or ()), str(i["code"]))
              for i in items))


def default_channel(role: str) -> str:
    """The channel a desk records by default: a Puskesos operator's is the Puskesos."""
    return "puskesos" if role == "puskesos_operator" else "front_office"


def prefill(household: Mapping[str, Any] | None, member_id: str = "") -> dict[str, Any]:
    """Form values taken from a registry household: its village, address and KK, and the
    chosen member (default: the head) as complainant."""
    if not household:
        return {}
    members = list(household.get("members") or ())
    chosen = next((m for m in members if str(m.get("member_id")) == member_id), None) or next(
        (m for m in members if m.get("relation") == "head"), None)
    values: dict[str, Any] = {"village_code": household.get("village_code") or "",
                              "complainant.kk_number": household.get("kk_number") or "",
                              "complainant.address": household.get("address") or ""}
    if chosen is not None:
        relation = str(chosen.get("relation") or "")
        values.update({"complainant.name": chosen.get("name") or "",
                       "complainant.nik": chosen.get("nik") or "",
                       "complainant.has_no_nik": "on" if chosen.get("no_nik") else "",
                       "complainant.relation": relation if relation in RELATIONS
                       else "other_member"})
    return values
