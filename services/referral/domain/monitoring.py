"""Monitoring figures over referral records: the numbers SLRT evaluations report.

Pure functions over plain `ReferralRecord`s, which the service layer reads from its tables.
The definitions, so that two reports of the same data agree:

- *time to accept* is `accepted_at - created_at`; *time to resolve* is `resolved_at -
  created_at` (the wait the complainant sees from the referral on, pauses included).
- *median* is the middle value (the mean of the two middle ones for an even count); *p90* is the
  nearest rank: the smallest observed value with at least 90% of the values at or below it.
- *overdue at `now`*: the accept deadline while the referral is open and not yet accepted, the
  resolve deadline while it is open; a returned referral is paused, so only the back office's
  `answer_due_at` counts for it.
- *resolution rate over [start, end)*: of the referrals created in the period, the share
  resolved before `end`; *on time* means resolved by `resolve_due_at`.
- *district* is the kabupaten/kota (first 4 digits of the village code), as in the domain
  notes; *province* the first 2.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from contracts.vocabulary import ReferralStatus

from .state import DeadlineKind, Referral

S = ReferralStatus
Dimension = Literal["status", "sector", "agency", "district", "province"]


@dataclass(frozen=True, slots=True)
class ReferralRecord:
    referral_id: str
    agency_id: str
    sector: str
    village_code: str
    status: ReferralStatus
    created_at: dt.datetime
    accept_due_at: dt.datetime
    resolve_due_at: dt.datetime
    accepted_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    answer_due_at: dt.datetime | None = None  # while returned for information

    @property
    def district_code(self) -> str:
        return self.village_code[:4]

    @property
    def province_code(self) -> str:
        return self.village_code[:2]

    @property
    def is_open(self) -> bool:
        return self.status not in (S.RESOLVED, S.REJECTED)

    @classmethod
    def of(cls, referral: Referral, village_code: str) -> ReferralRecord:
        """The record of a domain referral (of a case in `village_code`)."""
        if referral.created_at is None:
            raise ValueError(f"referral {referral.referral_id} has no creation time")
        resolved = referral.ended_at if referral.status is S.RESOLVED else None
        return cls(str(referral.referral_id), referral.agency_id, referral.sector.value,
                   village_code, referral.status, referral.created_at, referral.accept_due_at,
                   referral.resolve_due_at, referral.accepted_at, resolved,
                   referral.answer_due_at)


_KEYS: dict[Dimension, Callable[[ReferralRecord], str]] = {
    "status": lambda r: r.status.value,
    "sector": lambda r: r.sector,
    "agency": lambda r: r.agency_id,
    "district": lambda r: r.district_code,
    "province": lambda r: r.province_code,
}


def counts_by(records: Iterable[ReferralRecord], dimension: Dimension) -> dict[str, int]:
    """How many referrals per status, sector, agency, district or province (sorted by key)."""
    counted = Counter(_KEYS[dimension](r) for r in records)
    return dict(sorted(counted.items()))


def counts(records: Iterable[ReferralRecord]) -> dict[Dimension, dict[str, int]]:
    """All the count tables at once."""
    listed = list(records)
    return {dimension: counts_by(listed, dimension) for dimension in _KEYS}


@dataclass(frozen=True, slots=True)
class OverdueItem:
    referral_id: str
    agency_id: str
    district_code: str
    deadline: DeadlineKind
    due_at: dt.datetime
    overdue_by: dt.timedelta


def _running(record: ReferralRecord) -> list[tuple[DeadlineKind, dt.datetime]]:
    if not record.is_open:
        return []
    if record.status is S.RETURNED:
        return [("answer", record.answer_due_at)] if record.answer_due_at else []
    running: list[tuple[DeadlineKind, dt.datetime]] = []
    if record.accepted_at is None:
        running.append(("accept", record.accept_due_at))
    running.append(("resolve", record.resolve_due_at))
    return running


def overdue(records: Iterable[ReferralRecord], now: dt.datetime) -> list[OverdueItem]:
    """Every passed deadline at `now`, the longest overdue first."""
    items = [
        OverdueItem(r.referral_id, r.agency_id, r.district_code, kind, due, now - due)
        for r in records for kind, due in _running(r) if now > due
    ]
    return sorted(items, key=lambda i: (-i.overdue_by, i.referral_id, i.deadline))


@dataclass(frozen=True, slots=True)
class DurationStats:
    count: int
    median: dt.timedelta | None
    p90: dt.timedelta | None


def duration_stats(durations: Iterable[dt.timedelta]) -> DurationStats:
    values = sorted(durations)
    n = len(values)
    if n == 0:
        return DurationStats(0, None, None)
    middle = n // 2
    median = values[middle] if n % 2 else (values[middle - 1] + values[middle]) / 2
    return DurationStats(n, median, values[math.ceil(0.9 * n) - 1])


def _in_period(records: Iterable[ReferralRecord], start: dt.datetime | None,
               end: dt.datetime | None) -> list[ReferralRecord]:
    return [r for r in records if (start is None or r.created_at >= start)
            and (end is None or r.created_at < end)]


def time_to_accept(records: Iterable[ReferralRecord], start: dt.datetime | None = None,
                   end: dt.datetime | None = None) -> DurationStats:
    """Median and p90 of the time to accept, over referrals created in [start, end)."""
    return duration_stats(r.accepted_at - r.created_at for r in _in_period(records, start, end)
                          if r.accepted_at is not None)


def time_to_resolve(records: Iterable[ReferralRecord], start: dt.datetime | None = None,
                    end: dt.datetime | None = None) -> DurationStats:
    """Median and p90 of the time to resolve, over referrals created in [start, end)."""
    return duration_stats(r.resolved_at - r.created_at for r in _in_period(records, start, end)
                          if r.resolved_at is not None)


@dataclass(frozen=True, slots=True)
class ResolutionRate:
    referred: int
    resolved: int
    resolved_on_time: int

    @property
    def rate(self) -> float | None:
        return self.resolved / self.referred if self.referred else None

    @property
    def on_time_rate(self) -> float | None:
        return self.resolved_on_time / self.referred if self.referred else None


def resolution_rates(
    records: Sequence[ReferralRecord], start: dt.datetime, end: dt.datetime,
    by: Literal["agency", "district"],
) -> dict[str, ResolutionRate]:
    """Resolution rate per agency or district of the referrals created in [start, end)."""
    groups: dict[str, list[ReferralRecord]] = {}
    for record in _in_period(records, start, end):
        groups.setdefault(_KEYS[by](record), []).append(record)
    rates = {}
    for key, members in sorted(groups.items()):
        resolved = [r for r in members if r.resolved_at is not None and r.resolved_at < end]
        on_time = [r for r in resolved if r.resolved_at is not None
                   and r.resolved_at <= r.resolve_due_at]
        rates[key] = ResolutionRate(len(members), len(resolved), len(on_time))
    return rates
