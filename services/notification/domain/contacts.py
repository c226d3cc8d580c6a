"""Who receives what: recipients (an agency, a district manager, a province) and their
delivery addresses, from notification's own data file (no other service's database is read).

Recipients are scopes, never people: `agency:<agency_id>`, `manager:<region>`, `province:<code>`.
Addresses are office mailboxes, endpoints and gateway numbers; they never go into logs or events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_CONTACTS_FILE = Path(__file__).with_name("contacts_demo.json")


def agency_region(agency_id: str) -> str:
    """Agency ids end with their region code (dinkes-3402, dinsos-34); national ones have none."""
    tail = agency_id.rsplit("-", 1)[-1]
    return tail if tail.isdigit() else ""


@dataclass(frozen=True, slots=True)
class Recipient:
    audience: str  # agency, manager or province
    scope: str  # the agency id, or the region code of the manager / province
    region: str  # region the recipient belongs to (for access checks)

    @property
    def key(self) -> str:
        return f"{self.audience}:{self.scope}"


def recipient_for(audience: str, agency_id: str) -> Recipient:
    """The agency itself, or the manager one or two levels above it."""
    region = agency_region(agency_id)
    if audience == "agency":
        return Recipient("agency", agency_id, region)
    if audience == "manager":
        return Recipient("manager", region, region)
    return Recipient("province", region[:2], region[:2])


@dataclass(frozen=True, slots=True)
class Addresses:
    email: str | None = None
    webhook: str | None = None
    sms: str | None = None

    def for_channel(self, channel: str) -> str | None:
        return {"email": self.email, "webhook": self.webhook, "sms": self.sms}.get(channel)


@dataclass
class ContactBook:
    defaults: dict[str, dict[str, str]] = field(default_factory=dict)
    agencies: dict[str, dict[str, str]] = field(default_factory=dict)
    managers: dict[str, dict[str, str]] = field(default_factory=dict)

    def addresses(self, recipient: Recipient) -> Addresses:
        base = dict(self.defaults.get(recipient.audience, {}))
        book = self.agencies if recipient.audience == "agency" else self.managers
        base.update(book.get(recipient.key if recipient.audience != "agency"
                             else recipient.scope, {}))
        values = {k: v.format(agency_id=recipient.scope, region=recipient.scope or "pusat")
                  for k, v in base.items() if k in ("email", "webhook", "sms") and v}
        return Addresses(**values)


def contacts_from_dict(data: dict[str, Any]) -> ContactBook:
    return ContactBook(defaults=dict(data.get("defaults", {})),
                       agencies=dict(data.get("agencies", {})),
                       managers=dict(data.get("managers", {})))


def load_contacts(path: Path | None = None) -> ContactBook:
    return contacts_from_dict(json.loads((path or DEFAULT_CONTACTS_FILE).read_text("utf-8")))
