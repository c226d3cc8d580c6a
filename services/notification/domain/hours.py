"""Working days and working hours in the recipient's own time zone (WIB, WITA or WIT).

Notification keeps its own small calendar (services never import each other); the holiday data
itself comes from `slrt.reference` (lokal-id: national holidays and cuti bersama). A year the
holiday data does not cover counts Monday to Friday, so reminders never stop for want of data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from zoneinfo import ZoneInfo

from slrt import reference

IsWorkingDay = Callable[[dt.date], bool]
DAY = dt.timedelta(days=1)
_MAX_DAYS = 3660  # a calendar without any working day must not loop forever


@lru_cache(maxsize=4096)
def _reference_working_day(day: dt.date) -> bool:
    try:
        return reference.is_working_day(day)
    except ValueError:  # outside the years lokal-id covers
        return day.weekday() < 5


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


class WorkingHours:
    """Opening and closing time of every working day, in one IANA zone at a time."""

    def __init__(self, opens: dt.time, closes: dt.time,
                 is_working_day: IsWorkingDay = _reference_working_day) -> None:
        self.opens, self.closes = opens, closes
        self.is_working_day = is_working_day

    def local_date(self, at: dt.datetime, tz: str) -> dt.date:
        return at.astimezone(zone(tz)).date()

    def opening(self, day: dt.date, tz: str) -> dt.datetime:
        """The instant (UTC) working hours open on `day` in `tz`."""
        return dt.datetime.combine(day, self.opens, zone(tz)).astimezone(dt.UTC)

    def first_working_on_or_after(self, day: dt.date) -> dt.date:
        for _ in range(_MAX_DAYS):
            if self.is_working_day(day):
                return day
            day += DAY
        raise ValueError(f"no working day within {_MAX_DAYS} days of {day}")

    def shift(self, day: dt.date, n: int) -> dt.date:
        """The `n`th working day after `day` (n > 0) or before it (n < 0); `day` for n = 0."""
        step = DAY if n > 0 else -DAY
        left = abs(n)
        for _ in range(_MAX_DAYS):
            if left == 0:
                return day
            day += step
            if self.is_working_day(day):
                left -= 1
        raise ValueError(f"cannot move {n} working days from {day}")

    def is_open(self, at: dt.datetime, tz: str) -> bool:
        local = at.astimezone(zone(tz))
        return (self.is_working_day(local.date())
                and self.opens <= local.time().replace(tzinfo=None) < self.closes)

    def next_opening(self, at: dt.datetime, tz: str) -> dt.datetime:
        """The first opening of working hours strictly after `at`."""
        day = self.local_date(at, tz)
        for _ in range(_MAX_DAYS):
            if self.is_working_day(day) and self.opening(day, tz) > at:
                return self.opening(day, tz)
            day += DAY
        raise ValueError(f"no working day within {_MAX_DAYS} days of {at}")
