"""The offline complaint form without I/O: what the page embeds for working offline (the
category list, its texts), the checks on a queue the page asks to sync, and intake's per-item
batch results shaped for the page.

The tablet keeps its queue in the browser; the console only relays it to intake's
`POST /v1/complaints:batch`, which decides on every item. Items carry a `client_ref`, so a
sync that is retried after a lost answer comes back as "duplicate" with the original number,
never as a second complaint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from .i18n import Translate

#: Intake takes at most this many items per batch request (`schemas.MAX_BATCH`).
MAX_BATCH = 500
CHANNEL = "field_tablet"
KINDS = ("complaint", "question", "suggestion")
URGENCIES = ("normal", "urgent", "emergency")
DEVICE_ID_MAX = 100

#: Fields of a complaint the form has, as intake names them, with their message keys.
FIELD_LABELS: Mapping[str, str] = {
    "village_code": "offline.field.village_code",
    "category": "offline.field.category",
    "subcategory": "offline.field.subcategory",
    "kind": "offline.field.kind",
    "urgency": "offline.field.urgency",
    "description": "offline.field.description",
    "complainant.name": "offline.field.name",
    "complainant.nik": "offline.field.nik",
    "complainant.has_no_nik": "offline.field.has_no_nik",
    "complainant.phone": "offline.field.phone",
    "consent_given": "offline.field.consent",
    "captured_at": "offline.field.captured_at",
    "client_ref": "offline.field.client_ref",
    "device_id": "offline.field.device_id",
}

Outcome = Literal["created", "duplicate", "rejected", "waiting"]


# --- categories -------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    code: str
    label: str


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    subcategories: tuple[Choice, ...] = ()


def _label(entry: Mapping[str, Any], lang: str) -> str:
    """The label in `lang` (`{"label": {"id": .., "en": ..}}`), else Indonesian, else the code."""
    label = entry.get("label")
    if isinstance(label, Mapping):
        return str(label.get(lang) or label.get("id") or entry["code"])
    return str(label or entry["code"])


def categories_from_listing(listing: Any, lang: str) -> list[Category]:
    """Intake's `GET /v1/categories` (`{"items": [{"code", "label": {"id", "en"},
    "subcategories": [{"code", "label"}]}]}`) as the form's choices in `lang`."""
    items = (listing.get("items") or []) if isinstance(listing, Mapping) else []
    out = []
    for sector in items:
        subs = tuple(Choice(str(s["code"]), _label(s, lang))
                     for s in sector.get("subcategories") or ())
        out.append(Category(str(sector["code"]), _label(sector, lang), subs))
    return out


# --- what the page embeds ---------------------------------------------------------------

#: Texts offline.js shows (status messages, queue rows, result rows), in the page's language;
#: `{n}`-style fields are filled in by the script.
SCRIPT_TEXTS = (
    "saved", "updated", "waiting", "to_fix", "none_waiting", "syncing", "synced",
    "nothing_to_sync", "offline_now", "online_now", "session_expired", "sign_in_again",
    "sync_failed", "storage_missing", "edit", "delete", "delete_confirm", "deleted",
    "editing", "captured", "no_nik", "warning", "duplicate_of", "possible_duplicate",
    "count_results", "state.waiting", "state.rejected",
    "outcome.created", "outcome.duplicate", "outcome.rejected", "outcome.waiting",
    "check.required", "check.village", "check.nik", "check.nik_or_none", "check.description",
    "check.consent", "check.phone",
)


def page_config(categories: Sequence[Category], t: Translate,
                sign_in_url: str) -> dict[str, Any]:
    """What offline.js needs without the network, embedded in the page as JSON."""
    return {
        "channel": CHANNEL,
        "max_batch": MAX_BATCH,
        "sign_in_url": sign_in_url,
        "sync_url": "/offline/sync",
        "categories": [{"code": c.code, "label": c.label,
                        "subcategories": [asdict(s) for s in c.subcategories]}
                       for c in categories],
        "texts": {key: t(f"offline.js.{key}") for key in SCRIPT_TEXTS},
    }


# --- a sync request from the page -------------------------------------------------------


class BadSync(ValueError):
    """The page's sync request as a whole is unusable (said in a message key)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class SyncRequest:
    device_id: str
    items: list[dict[str, Any]]  # intake's item shape; intake checks each one

    def refs(self) -> list[str | None]:
        return [i.get("client_ref") if isinstance(i.get("client_ref"), str) else None
                for i in self.items]


def sync_request(body: Any) -> SyncRequest:
    """The page's `{"device_id", "items": [...]}` checked as a whole: the items themselves are
    intake's to judge (one bad item is rejected alone, never the batch)."""
    if not isinstance(body, Mapping):
        raise BadSync("offline.sync.bad_body")
    device = body.get("device_id")
    if not isinstance(device, str) or not device.strip() or len(device) > DEVICE_ID_MAX:
        raise BadSync("offline.sync.bad_device")
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise BadSync("offline.sync.no_items")
    if len(items) > MAX_BATCH:
        raise BadSync("offline.sync.too_many")
    if not all(isinstance(i, Mapping) for i in items):
        raise BadSync("offline.sync.bad_body")
    return SyncRequest(device.strip(), [dict(i) for i in items])


# --- intake's answer, for the page ------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    field: str  # dotted, as intake names it ("complainant.nik"); "" for the item as a whole
    label: str
    message: str


@dataclass(frozen=True)
class ItemResult:
    index: int
    client_ref: str | None
    outcome: Outcome
    number: str | None = None
    complaint_id: str | None = None
    reasons: tuple[Reason, ...] = ()
    warnings: tuple[Reason, ...] = ()
    possible_duplicate_of: tuple[str, ...] = ()

    @property
    def leaves_queue(self) -> bool:
        """Created, or created before (a retry): the item is safe at intake."""
        return self.outcome in ("created", "duplicate")


def field_of(loc: Sequence[Any]) -> str:
    """`["items", 3, "complainant", "nik"]` → `complainant.nik` (also without the prefix)."""
    parts = [str(p) for p in loc]
    if parts[:1] == ["body"]:
        parts = parts[1:]
    if parts[:1] == ["items"] and len(parts) >= 2 and parts[1].isdigit():
        parts = parts[2:]
    return ".".join(parts)


def reasons(issues: Iterable[Mapping[str, Any]], t: Translate) -> tuple[Reason, ...]:
    out = []
    for issue in issues:
        name = field_of(issue.get("loc") or ())
        key = FIELD_LABELS.get(name)
        out.append(Reason(name, t(key) if key else name,
                          str(issue.get("msg") or issue.get("message") or "")))
    return tuple(out)


#: Intake's outcomes as the page shows them. "conflict" (the client_ref was used before for
#: a different body: an item edited after intake had registered it) cannot be registered
#: as it is, so it is shown, and kept, as rejected.
SHOWN_AS: Mapping[str, Outcome] = {"created": "created", "duplicate": "duplicate",
                                   "rejected": "rejected", "conflict": "rejected"}


def _item(index: int, answer: Mapping[str, Any], t: Translate) -> ItemResult:
    shown = SHOWN_AS.get(str(answer.get("outcome")), "rejected")
    number = answer.get("number")
    complaint_id = answer.get("id")
    return ItemResult(
        index=index, client_ref=answer.get("client_ref"), outcome=shown,
        number=str(number) if number else None,
        complaint_id=str(complaint_id) if complaint_id else None,
        reasons=reasons(answer.get("errors") or (), t),
        warnings=reasons(answer.get("warnings") or (), t),
        possible_duplicate_of=tuple(str(x) for x in answer.get("possible_duplicate_of") or ()))


def sync_results(request: SyncRequest, answer: Mapping[str, Any] | None,
                 t: Translate) -> list[ItemResult]:
    """One result per item sent, in order. Intake answers every item; one it did not answer
    stays waiting on the tablet (sent again with the next sync, harmless thanks to its
    client_ref), so nothing is dropped silently."""
    answered: dict[int, ItemResult] = {}
    for entry in (answer or {}).get("items") or ():
        index = entry.get("index")
        if isinstance(index, int) and 0 <= index < len(request.items):
            answered[index] = _item(index, entry, t)
    refs = request.refs()
    no_answer = (Reason("", "", t("offline.sync.no_answer")),)
    return [answered.get(i) or ItemResult(i, refs[i], "waiting", reasons=no_answer)
            for i in range(len(request.items))]


def counts(results: Iterable[ItemResult]) -> dict[str, int]:
    found = {"created": 0, "duplicate": 0, "rejected": 0, "waiting": 0}
    for r in results:
        found[r.outcome] += 1
    return found


def as_json(results: Sequence[ItemResult]) -> dict[str, Any]:
    """The page's answer: one entry per item, and the counts."""
    return {"results": [{**asdict(r), "leaves_queue": r.leaves_queue} for r in results],
            "counts": counts(results)}
