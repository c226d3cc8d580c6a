"""Working-day arithmetic in one local time zone: the ruler the SLA clock measures with.

A working day is a whole local calendar day that is not a weekend, national holiday or
collective leave day (cuti bersama). "Working time" is the time that falls on working days, all
24 hours of them: due times are ends of working days, so counting whole days keeps a pause of
exactly two working days moving a 23:59:59 due time to 23:59:59 two working days later.

Holiday data (lokal-id) covers some years only. For a day outside them the calendar counts
Monday-Friday and clears `complete`, so the caller can say the date is provisional instead of
failing the referral.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from slrt import reference

IsWorkingDay = Callable[[dt.date], bool]

DAY = dt.timedelta(days=1)
END_OF_DAY = dt.time(23, 59, 59)

#: A calendar that answers "not working" forever would loop; ten years is far beyond any SLA.
_MAX_DAYS = 3660


def _local(at: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Wall-clock time in `tz`, naive (Indonesian zones have no daylight saving time)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("times must be timezone-aware")
    return at.astimezone(tz).replace(tzinfo=None)


def _utc(local: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    return local.replace(tzinfo=tz).astimezone(dt.UTC)


class WorkingCalendar:
    """Working-day test plus arithmetic; remembers whether it had to guess a day."""

    def __init__(self, is_working_day: IsWorkingDay = reference.is_working_day) -> None:
        self._is_working_day = is_working_day
        self.complete = True

    def is_working(self, day: dt.date) -> bool:
        try:
            return self._is_working_day(day)
        except ValueError:  # no holiday data for that year
            self.complete = False
            return day.weekday() < 5

    def first_working_on_or_after(self, day: dt.date) -> dt.date:
        for _ in range(_MAX_DAYS):
            if self.is_working(day):
                return day
            day += DAY
        raise ValueError(f"no working day within {_MAX_DAYS} days of {day}")

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The `n`th working day after `day` (`day` itself for n=0)."""
        left = n
        for _ in range(_MAX_DAYS * 2):
            if left <= 0:
                return day
            day += DAY
            if self.is_working(day):
                left -= 1
        raise ValueError(f"cannot add {n} working days to {day}")

    def end_of_working_days(self, start: dt.datetime, n: int, tz: ZoneInfo) -> dt.datetime:
        """End (23:59:59 local) of the `n`th working day counted from the local date of
        `start`; a start on a non-working day counts from the next working day."""
        first = self.first_working_on_or_after(_local(start, tz).date())
        return _utc(dt.datetime.combine(self.add_working_days(first, n), END_OF_DAY), tz)

    def working_time_between(
        self, start: dt.datetime, end: dt.datetime, tz: ZoneInfo
    ) -> dt.timedelta:
        """Time between two instants that falls on working days in `tz` (zero if end <= start)."""
        s, e = _local(start, tz), _local(end, tz)
        total = dt.timedelta()
        day = s.date()
        while day <= e.date():
            day_start = dt.datetime.combine(day, dt.time())
            lo, hi = max(s, day_start), min(e, day_start + DAY)
            if hi > lo and self.is_working(day):
                total += hi - lo
            day += DAY
        return total

    def add_working_time(
        self, start: dt.datetime, amount: dt.timedelta, tz: ZoneInfo
    ) -> dt.datetime:
        """The earliest instant at which `amount` of working time has passed since `start`."""
        if amount <= dt.timedelta():
            return start.astimezone(dt.UTC)
        position = _local(start, tz)
        left = amount
        for _ in range(_MAX_DAYS + left.days * 2):
            day_end = dt.datetime.combine(position.date() + DAY, dt.time())
            if self.is_working(position.date()):
                available = day_end - position
                if left <= available:
                    return _utc(position + left, tz)
                left -= available
            position = day_end
        raise ValueError(f"cannot add {amount} of working time to {start}")
