"""The reminder policy, as data: which reminders a deadline gets, when, and who is escalated to.

The policy lives in a versioned JSON file next to this module; the version travels in every
escalation event, so a reader can tell which rules produced it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_POLICY_FILE = Path(__file__).with_name("reminder_policy_v1.json")
RECIPIENT_KINDS = ("agency", "manager", "province")
CHANNELS = ("inbox", "email", "webhook", "sms")


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    version: str
    opens: dt.time  # start of working hours, local time of the recipient
    closes: dt.time
    before_due_working_days: tuple[int, ...]
    at_due: bool
    overdue_every_working_days: int
    overdue_reminders_max: int
    escalate_district_after: int  # working days overdue
    escalate_province_after: int
    digest_more_than: int  # an agency with more overdue referrals gets one digest a day
    channels: dict[str, tuple[str, ...]]

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise ValueError("working hours must open before they close")
        if self.overdue_every_working_days < 1:
            raise ValueError("overdue_every_working_days must be at least 1")
        if not 0 < self.escalate_district_after <= self.escalate_province_after:
            raise ValueError("escalation to the province must come after the district")
        for kind, channels in self.channels.items():
            if kind not in RECIPIENT_KINDS or not set(channels) <= set(CHANNELS):
                raise ValueError(f"unknown recipient kind or channel in {kind}: {channels}")


def policy_from_dict(data: dict[str, Any]) -> ReminderPolicy:
    hours = data["working_hours"]
    return ReminderPolicy(
        version=str(data["version"]),
        opens=dt.time.fromisoformat(hours["start"]),
        closes=dt.time.fromisoformat(hours["end"]),
        before_due_working_days=tuple(sorted(int(n) for n in data["before_due_working_days"])),
        at_due=bool(data["at_due"]),
        overdue_every_working_days=int(data["overdue_every_working_days"]),
        overdue_reminders_max=int(data["overdue_reminders_max"]),
        escalate_district_after=int(data["escalate"]["district"]),
        escalate_province_after=int(data["escalate"]["province"]),
        digest_more_than=int(data["digest"]["more_than_overdue"]),
        channels={k: tuple(v) for k, v in data["channels"].items()},
    )


def load_policy(path: Path = DEFAULT_POLICY_FILE) -> ReminderPolicy:
    return policy_from_dict(json.loads(path.read_text(encoding="utf-8")))
