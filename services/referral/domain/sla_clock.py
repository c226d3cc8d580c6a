"""The deadline clock of one referral: limits, local zone, and how a pause moves due times.

Limits are counted in one of two units:

- `working_days`: the due time is the end (23:59:59 local) of the Nth working day counted from
  the local date of the start; a start on a non-working day counts from the next working day, so
  N=0 means "by the end of the first working day".
- `hours`: clock hours, weekends and holidays included; for emergencies, which do not wait for
  Monday.

While a referral is returned for more information its clock stops. When the information is
delivered, each due time moves by the paused time in its own unit: working time (see
`workdays`) for working-day limits, elapsed time for hour limits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

from slrt import reference

from .workdays import IsWorkingDay, WorkingCalendar

LimitUnit = Literal["working_days", "hours"]
UNITS: tuple[LimitUnit, ...] = ("working_days", "hours")


@dataclass(frozen=True, slots=True)
class Limit:
    """A time limit: `amount` working days or clock hours."""

    amount: int
    unit: LimitUnit = "working_days"

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"limit unit must be one of {UNITS}, got {self.unit!r}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError(f"limit amount must be a whole number >= 0, got {self.amount!r}")

    @classmethod
    def parse(cls, raw: Any) -> Limit:
        """From the data shape `{"working_days": 2}` or `{"hours": 4}`."""
        if not isinstance(raw, dict) or len(raw) != 1:
            raise ValueError(f"a limit is one of {{'working_days': n}} or {{'hours': n}}, "
                             f"got {raw!r}")
        ((unit, amount),) = raw.items()
        return cls(amount, unit)

    def describe(self) -> str:
        word = "working day" if self.unit == "working_days" else "hour"
        return f"{self.amount} {word}{'' if self.amount == 1 else 's'}"


@dataclass(frozen=True, slots=True)
class Deadlines:
    """Due instants in UTC. `calendar_complete` is False when holidays were unknown for a day."""

    accept_due_at: dt.datetime
    resolve_due_at: dt.datetime
    policy_version: str
    calendar_complete: bool = True


@dataclass(frozen=True, slots=True)
class SlaClock:
    """The SLA terms a referral was created with, in its agency's zone."""

    zone: str
    accept: Limit
    resolve: Limit
    answer: Limit  # for the back office to supply information the agency asked for
    policy_version: str
    rule_id: str = ""
    is_working_day: IsWorkingDay = field(
        default=reference.is_working_day, repr=False, compare=False
    )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def _calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.is_working_day)

    def _due(self, limit: Limit, start: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
        if limit.unit == "hours":
            return start.astimezone(dt.UTC) + dt.timedelta(hours=limit.amount)
        return calendar.end_of_working_days(start, limit.amount, self.tz)

    def deadlines(self, start: dt.datetime) -> Deadlines:
        """Acceptance and resolution due times for a referral made at `start`."""
        _require_aware(start)
        calendar = self._calendar()
        accept = self._due(self.accept, start, calendar)
        # Resolving can never be due before accepting.
        resolve = max(self._due(self.resolve, start, calendar), accept)
        return Deadlines(accept, resolve, self.policy_version, calendar.complete)

    def answer_due(self, returned_at: dt.datetime) -> tuple[dt.datetime, bool]:
        """When the back office must have answered a request for information, and whether the
        holiday calendar was complete for that computation."""
        _require_aware(returned_at)
        calendar = self._calendar()
        return self._due(self.answer, returned_at, calendar), calendar.complete

    def _shift(
        self, limit: Limit, due: dt.datetime, paused_at: dt.datetime, resumed_at: dt.datetime,
        calendar: WorkingCalendar,
    ) -> dt.datetime:
        if limit.unit == "hours":
            return due + max(resumed_at - paused_at, dt.timedelta())
        paused = calendar.working_time_between(paused_at, resumed_at, self.tz)
        return calendar.add_working_time(due, paused, self.tz)

    def resume(
        self, current: Deadlines, paused_at: dt.datetime, resumed_at: dt.datetime
    ) -> Deadlines:
        """Due times after a pause from `paused_at` to `resumed_at`."""
        _require_aware(paused_at)
        _require_aware(resumed_at)
        calendar = self._calendar()
        accept = self._shift(self.accept, current.accept_due_at, paused_at, resumed_at, calendar)
        resolve = self._shift(
            self.resolve, current.resolve_due_at, paused_at, resumed_at, calendar
        )
        return Deadlines(
            accept, max(resolve, accept), self.policy_version,
            current.calendar_complete and calendar.complete,
        )


def _require_aware(at: dt.datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("SLA times must be timezone-aware")
