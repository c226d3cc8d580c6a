"""The operator view without I/O: reading what the operator typed to find a case, the link to a
case's trace in the trace UI, and the case's timeline as raw entries.

The operator works on operations, not on cases: the referral service gives the role cases and
timelines without the free-text notes (`note_redacted` says one was written).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

COMPLAINT_NUMBER = re.compile(r"^SLRT-\d{4}-\d{4}-\d{6}$")
TRACE_ID = re.compile(r"^[0-9a-f]{32}$")

LookupKind = Literal["id", "complaint_number"]


@dataclass(frozen=True)
class Lookup:
    """What to look for: an id (a case's or a complaint's), or a complaint number."""

    kind: LookupKind
    value: str


def parse_lookup(text: str) -> Lookup | None:
    """A case id or complaint id (a UUID), or a complaint number; None when neither."""
    cleaned = text.strip()
    try:
        return Lookup("id", str(uuid.UUID(cleaned)))
    except ValueError:
        pass
    number = cleaned.upper()
    return Lookup("complaint_number", number) if COMPLAINT_NUMBER.match(number) else None


def trace_link(template: str, trace_id: str | None) -> str | None:
    """The trace UI's page of `trace_id`, or None for a missing or malformed id (a trace id is
    32 lowercase hex digits, not all zero)."""
    if not trace_id or not TRACE_ID.match(trace_id) or trace_id == "0" * 32:
        return None
    return template.format(trace_id=trace_id)


@dataclass(frozen=True)
class RawEntry:
    kind: str  # the event type of the change (opened, status_changed, ...)
    at: str
    actor: str
    role: str | None
    referral_id: str | None
    raw: str  # the entry as the referral service sent it, pretty-printed JSON


def raw_entries(items: Iterable[Mapping[str, Any]]) -> list[RawEntry]:
    """The timeline as it is, oldest first, each entry also as indented JSON."""
    return [RawEntry(str(item.get("kind", "")), str(item.get("at", "")),
                     str(item.get("by", "")), item.get("role"), item.get("referral_id"),
                     json.dumps(item, indent=2, sort_keys=True, ensure_ascii=False))
            for item in items]


def status_counts(referrals: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """How many referrals of the case are in each status."""
    counts: dict[str, int] = {}
    for referral in referrals:
        counts[referral["status"]] = counts.get(referral["status"], 0) + 1
    return counts
