"""Monitoring figures over a small hand-made set of referrals, with the expected numbers worked
out by hand in the comments."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from contracts.vocabulary import ReferralStatus as S
from contracts.vocabulary import Sector, Urgency
from services.referral.domain.monitoring import (
    DurationStats,
    ReferralRecord,
    ResolutionRate,
    counts,
    counts_by,
    duration_stats,
    overdue,
    resolution_rates,
    time_to_accept,
    time_to_resolve,
)
from services.referral.domain.sla import WIB, default_policy
from services.referral.domain.state import Referral

H = dt.timedelta(hours=1)
BANTUL, KULON_PROGO, BOGOR = "3402052001", "3401012001", "3201012001"


def day(d: int, month: int = 5) -> dt.datetime:
    return dt.datetime(2026, month, d, tzinfo=dt.UTC)


def record(rid: str, agency: str, sector: str, village: str, status: S, created: dt.datetime,
           accept_due: dt.datetime, resolve_due: dt.datetime, accepted: dt.timedelta | None = None,
           resolved: dt.timedelta | None = None,
           answer_due: dt.datetime | None = None) -> ReferralRecord:
    return ReferralRecord(rid, agency, sector, village, status, created, accept_due, resolve_due,
                          created + accepted if accepted is not None else None,
                          created + resolved if resolved is not None else None, answer_due)


RECORDS = [
    # R1: accepted after 2 h, resolved after 48 h, before its due time.
    record("R1", "dinkes-3402", "health", BANTUL, S.RESOLVED, day(4), day(6), day(11),
           2 * H, 48 * H),
    # R2: accepted after 10 h, resolved after 240 h (15 May), three days late.
    record("R2", "dinkes-3402", "health", BANTUL, S.RESOLVED, day(5), day(7), day(12),
           10 * H, 240 * H),
    # R3: accepted after 4 h, still being handled, due 20 May.
    record("R3", "disdik-3402", "education", BANTUL, S.ACCEPTED, day(6), day(8), day(20),
           4 * H),
    # R4: delivered, never accepted; accept due 9 May.
    record("R4", "dinsos-3401", "social_assistance", KULON_PROGO, S.DELIVERED, day(7), day(9),
           day(25)),
    # R5: rejected.
    record("R5", "dinsos-3401", "social_assistance", KULON_PROGO, S.REJECTED, day(8), day(10),
           day(22)),
    # R6: accepted after 1 h, then returned; the back office must answer by 14 May. Its own
    # accept and resolve due times have passed, but they are paused.
    record("R6", "dinsos-3401", "other", KULON_PROGO, S.RETURNED, day(10), day(12), day(13),
           1 * H, answer_due=day(14)),
    # R7: in April, outside the May period; accepted after 6 h, resolved after 72 h.
    record("R7", "kemensos", "social_assistance", BOGOR, S.RESOLVED, day(20, 4), day(22, 4),
           day(30, 4), 6 * H, 72 * H),
]
MAY, JUNE = day(1), day(1, 6)


def test_counts_by_every_dimension() -> None:
    assert counts_by(RECORDS, "status") == {
        "accepted": 1, "delivered": 1, "rejected": 1, "resolved": 3, "returned": 1,
    }
    assert counts_by(RECORDS, "sector") == {
        "education": 1, "health": 2, "other": 1, "social_assistance": 3,
    }
    assert counts_by(RECORDS, "agency") == {
        "dinkes-3402": 2, "dinsos-3401": 3, "disdik-3402": 1, "kemensos": 1,
    }
    assert counts_by(RECORDS, "district") == {"3201": 1, "3401": 3, "3402": 3}
    assert counts_by(RECORDS, "province") == {"32": 1, "34": 6}
    every = counts(RECORDS)
    assert set(every) == {"status", "sector", "agency", "district", "province"}
    assert every["agency"] == counts_by(RECORDS, "agency")
    assert counts_by([], "status") == {}


def test_overdue_at_a_given_now() -> None:
    items = overdue(RECORDS, day(16))
    # R4 missed its accept due time by 7 days; R6's back office missed its answer by 2 days.
    # R3 is due on the 20th; R6's own due times are paused; ended referrals owe nothing.
    assert [(i.referral_id, i.deadline, i.overdue_by) for i in items] == [
        ("R4", "accept", dt.timedelta(days=7)), ("R6", "answer", dt.timedelta(days=2)),
    ]
    assert (items[0].agency_id, items[0].district_code, items[0].due_at) == (
        "dinsos-3401", "3401", day(9)
    )
    # On the 26th, R4's resolve due time (25 May) has passed as well; R3's (20 May) too.
    later = [(i.referral_id, i.deadline) for i in overdue(RECORDS, day(26))]
    assert later == [("R4", "accept"), ("R6", "answer"), ("R3", "resolve"), ("R4", "resolve")]
    assert overdue(RECORDS, day(8)) == []


def test_time_to_accept_median_and_p90() -> None:
    # Accepted: R1 2 h, R2 10 h, R3 4 h, R6 1 h, R7 6 h -> 1, 2, 4, 6, 10.
    # Median: 4 h. p90, nearest rank ceil(0.9 * 5) = 5th: 10 h.
    assert time_to_accept(RECORDS) == DurationStats(5, 4 * H, 10 * H)
    # May only (R7 is April): 1, 2, 4, 10 -> median (2 + 4) / 2 = 3 h; p90 rank 4: 10 h.
    assert time_to_accept(RECORDS, MAY, JUNE) == DurationStats(4, 3 * H, 10 * H)


def test_time_to_resolve_median_and_p90() -> None:
    # Resolved: R1 48 h, R7 72 h, R2 240 h -> median 72 h; p90 rank ceil(2.7) = 3: 240 h.
    assert time_to_resolve(RECORDS) == DurationStats(3, 72 * H, 240 * H)
    assert time_to_resolve(RECORDS, MAY, JUNE) == DurationStats(2, 144 * H, 240 * H)
    assert time_to_resolve(RECORDS, day(1, 7), day(1, 8)) == DurationStats(0, None, None)


def test_duration_stats_nearest_rank() -> None:
    ten = [i * H for i in range(1, 11)]  # 1..10 h: p90 is the 9th value
    assert duration_stats(ten) == DurationStats(10, 5.5 * H, 9 * H)
    eleven = [*ten, 11 * H]  # rank ceil(9.9) = 10
    assert duration_stats(eleven) == DurationStats(11, 6 * H, 10 * H)
    assert duration_stats([3 * H]) == DurationStats(1, 3 * H, 3 * H)


def test_resolution_rate_per_agency_over_may() -> None:
    rates = resolution_rates(RECORDS, MAY, JUNE, by="agency")
    # dinkes: R1 and R2 resolved, only R1 on time. disdik: R3 open. dinsos: R4, R5, R6 none.
    # kemensos: R7 was created in April, not in the period.
    assert rates == {
        "dinkes-3402": ResolutionRate(2, 2, 1),
        "dinsos-3401": ResolutionRate(3, 0, 0),
        "disdik-3402": ResolutionRate(1, 0, 0),
    }
    assert (rates["dinkes-3402"].rate, rates["dinkes-3402"].on_time_rate) == (1.0, 0.5)
    assert rates["dinsos-3401"].rate == 0.0


def test_resolution_rate_per_district_and_a_shorter_period() -> None:
    rates = resolution_rates(RECORDS, MAY, JUNE, by="district")
    assert rates == {"3401": ResolutionRate(3, 0, 0), "3402": ResolutionRate(3, 2, 1)}
    assert rates["3402"].rate == pytest.approx(2 / 3)
    # 1-10 May: R1-R5 were created; R2 was resolved on the 15th, after the period.
    early = resolution_rates(RECORDS, MAY, day(10), by="agency")
    assert early["dinkes-3402"] == ResolutionRate(2, 1, 1)
    assert early["dinsos-3401"] == ResolutionRate(2, 0, 0)  # R6 was created on the 10th
    assert ResolutionRate(0, 0, 0).rate is None


def test_a_domain_referral_becomes_a_record() -> None:
    clock = default_policy().clock_for(Sector.HEALTH, None, Urgency.NORMAL, WIB)
    created = day(4)
    due = clock.deadlines(created)
    r = Referral(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "dinkes-3402", Sector.HEALTH,
                 ("health.x",), due.accept_due_at, due.resolve_due_at, clock, created_at=created)
    for status in (S.DELIVERED, S.ACCEPTED, S.RESOLVED):
        r.transition(status, created + 3 * H, "officer", "ok")
    rec = ReferralRecord.of(r, BANTUL)
    assert (rec.status, rec.sector, rec.district_code) == (S.RESOLVED, "health", "3402")
    assert rec.accepted_at == rec.resolved_at == created + 3 * H
    assert time_to_resolve([rec]) == DurationStats(1, 3 * H, 3 * H)
