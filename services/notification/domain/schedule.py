"""What is due to be sent for one deadline at time T: pure, from the deadline, the policy, the
recipient's working hours and the steps already recorded.

A deadline's plan is a list of steps, each sent at the opening of working hours (recipient's
zone) of a working day counted from the due date: `before_due` (N working days before), `at_due`
(on the due day), `overdue.K` (K working days after), and the escalations to the district
manager and the province. Reminders to the agency are one track: when the scheduler comes late
(service down, night), only the newest due step is sent, never a backlog of stale ones.
Escalations are sent each, even late: a manager must always learn of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .hours import WorkingHours
from .policy import ReminderPolicy


@dataclass(frozen=True, slots=True)
class Step:
    name: str  # e.g. resolve.overdue.3 (unique per referral)
    at: dt.datetime  # UTC
    audience: str  # agency, manager or province
    days_overdue: int  # working days past due (negative before it)

    @property
    def is_escalation(self) -> bool:
        return self.audience != "agency"

    @property
    def is_overdue(self) -> bool:
        return self.audience == "agency" and self.days_overdue > 0


@dataclass(frozen=True, slots=True)
class Due:
    steps: tuple[Step, ...]  # to send now
    next_at: dt.datetime | None  # when to look again; None: nothing left to remind


def plan(kind: str, due_at: dt.datetime, tz: str, policy: ReminderPolicy,
         hours: WorkingHours) -> list[Step]:
    """Every step of one deadline, in time order."""
    due_day = hours.local_date(due_at, tz)
    first = hours.first_working_on_or_after(due_day)
    steps = [Step(f"{kind}.before_due.{n}", hours.opening(hours.shift(due_day, -n), tz),
                  "agency", -n) for n in reversed(policy.before_due_working_days)]
    if policy.at_due:
        steps.append(Step(f"{kind}.at_due", hours.opening(first, tz), "agency", 0))
    every = policy.overdue_every_working_days
    for k in range(1, policy.overdue_reminders_max + 1):
        days = k * every
        steps.append(Step(f"{kind}.overdue.{days}", hours.opening(hours.shift(first, days), tz),
                          "agency", days))
    for audience, days in (("manager", policy.escalate_district_after),
                           ("province", policy.escalate_province_after)):
        level = "district" if audience == "manager" else "province"
        steps.append(Step(f"{kind}.escalate.{level}",
                          hours.opening(hours.shift(first, days), tz), audience, days))
    return sorted(steps, key=lambda s: (s.at, s.audience != "agency"))


def due_now(steps: list[Step], done: frozenset[str] | set[str], now: dt.datetime, tz: str,
            hours: WorkingHours) -> Due:
    """The steps to send at `now` and when to look next."""
    future = [s.at for s in steps if s.at > now and s.name not in done]
    reached = [s for s in steps if s.at <= now and s.name not in done]
    agency = [s for s in reached if not s.is_escalation]
    # Only the newest agency step: an older one that was never sent is stale by now. The
    # track counts as done once anything at or after it was sent.
    newest_done = max((s.at for s in steps if s.name in done and not s.is_escalation),
                      default=None)
    send = [s for s in reached if s.is_escalation]
    if agency and (newest_done is None or agency[-1].at > newest_done):
        send.insert(0, agency[-1])
    if send and not hours.is_open(now, tz):
        # Outside the recipient's working hours: keep them for the next opening.
        return Due((), hours.next_opening(now, tz))
    return Due(tuple(send), min(future) if future else None)
