"""What notification's use cases need beside a unit of work: policy, calendar, contacts,
channels and links. Built once at start-up (`bootstrap.prepare`), replaced by tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..adapters.channels import Channel
from ..domain.contacts import ContactBook
from ..domain.hours import WorkingHours
from ..domain.policy import ReminderPolicy
from ..domain.schedule import Step, plan


@dataclass
class Notifier:
    policy: ReminderPolicy
    contacts: ContactBook
    channels: dict[str, Channel] = field(default_factory=dict)  # email, webhook, sms
    referral_link: str = "http://127.0.0.1:8003/v1/referrals/{referral_id}"
    batch_size: int = 200
    lease_s: float = 60.0
    max_attempts: int = 5
    backoff_s: float = 2.0
    backoff_max_s: float = 600.0
    concurrency: int = 8
    hours: WorkingHours = field(init=False)

    def __post_init__(self) -> None:
        self.hours = WorkingHours(self.policy.opens, self.policy.closes)

    def plan(self, kind: str, due_at: dt.datetime, tz: str) -> list[Step]:
        return plan(kind, due_at, tz, self.policy, self.hours)

    def link(self, referral_id: str) -> str:
        return self.referral_link.format(referral_id=referral_id)
