"""SLA policy as data and the due-date clock, in Indonesian working days and local time.

A due date is the end (23:59:59 local) of the Nth working day counted from the local date of the
referral; a referral made on a non-working day counts from the next working day, so N=0 means
"by the end of the first working day". Limits are per sector; urgent halves them (rounded up) and
emergency is one working day to resolve and the same working day to accept.

Holiday data (lokal-id) only covers some years. Outside them the clock falls back to counting
Monday-Friday and says so in `Deadlines.calendar_complete`, instead of failing the referral.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from contracts.vocabulary import Sector, Urgency
from slrt import reference

WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"

#: Province code -> IANA zone. Codes as in the Kemendagri reference (Papua is 91-96 there).
ZONE_BY_PROVINCE: Mapping[str, str] = {
    **dict.fromkeys(("11", "12", "13", "14", "15", "16", "17", "18", "19", "21"), WIB),  # Sumatra
    **dict.fromkeys(("31", "32", "33", "34", "35", "36"), WIB),  # Java
    **dict.fromkeys(("61", "62"), WIB),  # West and Central Kalimantan
    **dict.fromkeys(("51", "52", "53"), WITA),  # Bali, NTB, NTT
    **dict.fromkeys(("63", "64", "65"), WITA),  # South, East, North Kalimantan
    **dict.fromkeys(("71", "72", "73", "74", "75", "76"), WITA),  # Sulawesi
    **dict.fromkeys(("81", "82"), WIT),  # Maluku, Maluku Utara
    **dict.fromkeys(("91", "92", "93", "94", "95", "96"), WIT),  # Papua provinces
}

END_OF_DAY = dt.time(23, 59, 59)


def zone_for_region(region_code: str) -> str:
    """IANA zone of a region code of any length; "" (national offices, Jakarta) is WIB."""
    if not region_code:
        return WIB
    try:
        return ZONE_BY_PROVINCE[region_code[:2]]
    except KeyError:
        raise ValueError(f"unknown province code in region {region_code!r}") from None


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """Working-day limits: acceptance per urgency, resolution per sector (normal urgency)."""

    version: str
    accept_days: Mapping[Urgency, int]
    resolve_days: Mapping[Sector, int]
    emergency_resolve_days: int = 1

    def __post_init__(self) -> None:
        missing = [s.value for s in Sector if s not in self.resolve_days] + [
            u.value for u in Urgency if u not in self.accept_days
        ]
        if missing:
            raise ValueError(f"SLA policy {self.version}: no limit for {missing}")

    def accept_limit(self, urgency: Urgency) -> int:
        return self.accept_days[urgency]

    def resolve_limit(self, sector: Sector, urgency: Urgency) -> int:
        base = self.resolve_days[sector]
        if urgency is Urgency.EMERGENCY:
            limit = self.emergency_resolve_days
        elif urgency is Urgency.URGENT:
            limit = math.ceil(base / 2)
        else:
            limit = base
        # Resolving can never be due before accepting.
        return max(limit, self.accept_limit(urgency))


def default_policy() -> SlaPolicy:
    """Policy `sla-2026.1`."""
    return SlaPolicy(
        version="sla-2026.1",
        accept_days={Urgency.NORMAL: 2, Urgency.URGENT: 1, Urgency.EMERGENCY: 0},
        resolve_days={
            Sector.CIVIL_REGISTRATION: 10,
            Sector.HEALTH: 5,
            Sector.EDUCATION: 14,
            Sector.SOCIAL_ASSISTANCE: 14,
            Sector.DATA_UPDATE: 20,  # goes through verivali before the registry changes
            Sector.HOUSING: 30,
            Sector.BASIC_INFRASTRUCTURE: 30,
            Sector.ELDERLY_DISABILITY: 14,
            Sector.CHILD_PROTECTION: 3,  # a child at risk cannot wait two weeks
            Sector.OTHER: 14,
        },
    )


@dataclass(frozen=True, slots=True)
class Deadlines:
    """Due instants in UTC. `calendar_complete` is False when holidays were unknown for a day."""

    accept_due_at: dt.datetime
    resolve_due_at: dt.datetime
    policy_version: str
    calendar_complete: bool = True


class _Calendar:
    """Working-day test that remembers whether it had to guess (no holiday data for a year)."""

    def __init__(self, is_working_day: Callable[[dt.date], bool]) -> None:
        self._is_working_day = is_working_day
        self.complete = True

    def is_working(self, day: dt.date) -> bool:
        try:
            return self._is_working_day(day)
        except ValueError:
            self.complete = False
            return day.weekday() < 5

    def first_working_on_or_after(self, day: dt.date) -> dt.date:
        while not self.is_working(day):
            day += dt.timedelta(days=1)
        return day

    def add(self, day: dt.date, n: int) -> dt.date:
        left = n
        while left > 0:
            day += dt.timedelta(days=1)
            if self.is_working(day):
                left -= 1
        return day


def due_dates(
    policy: SlaPolicy,
    sector: Sector,
    urgency: Urgency,
    referred_at: dt.datetime,
    zone: str | ZoneInfo,
    is_working_day: Callable[[dt.date], bool] = reference.is_working_day,
) -> Deadlines:
    """Accept and resolve deadlines for a referral made at `referred_at` in `zone`."""
    if referred_at.tzinfo is None or referred_at.utcoffset() is None:
        raise ValueError("referred_at must be timezone-aware")
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    calendar = _Calendar(is_working_day)
    start = calendar.first_working_on_or_after(referred_at.astimezone(tz).date())

    def end_of(n: int) -> dt.datetime:
        local = dt.datetime.combine(calendar.add(start, n), END_OF_DAY, tzinfo=tz)
        return local.astimezone(dt.UTC)

    accept = end_of(policy.accept_limit(urgency))
    resolve = end_of(policy.resolve_limit(sector, urgency))
    return Deadlines(accept, resolve, policy.version, calendar.complete)
