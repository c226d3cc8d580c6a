"""SLA clock: working days with Indonesian holidays, local end of day, results in UTC."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from contracts.vocabulary import Sector, Urgency
from services.referral.domain.sla import (
    WIB,
    WIT,
    WITA,
    ZONE_BY_PROVINCE,
    default_policy,
    due_dates,
    zone_for_region,
)
from slrt.reference import children

UTC = dt.UTC
JKT = ZoneInfo(WIB)
JAYAPURA = ZoneInfo(WIT)


def end_of(day: str, zone: ZoneInfo) -> dt.datetime:
    local = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(23, 59, 59), tzinfo=zone)
    return local.astimezone(UTC)


def test_policy_limits() -> None:
    p = default_policy()
    assert [p.accept_limit(u) for u in Urgency] == [2, 1, 0]
    assert p.resolve_limit(Sector.HEALTH, Urgency.NORMAL) == 5
    assert p.resolve_limit(Sector.HEALTH, Urgency.URGENT) == 3  # ceil(5 / 2)
    assert p.resolve_limit(Sector.HOUSING, Urgency.EMERGENCY) == 1


def test_three_working_days_across_nyepi_and_idulfitri_2026() -> None:
    # Tue 17 Mar is the last working day before 18-24 Mar (Nyepi, Idulfitri, cuti bersama).
    referred = dt.datetime(2026, 3, 17, 10, 0, tzinfo=JKT)
    d = due_dates(default_policy(), Sector.HEALTH, Urgency.NORMAL, referred, WIB)
    # accept: 2 working days after 17 Mar -> 25, 26 Mar
    assert d.accept_due_at == end_of("2026-03-26", JKT)
    # resolve: 5 -> 25, 26, 27, 30, 31 Mar
    assert d.resolve_due_at == end_of("2026-03-31", JKT)
    assert d.accept_due_at.tzinfo is UTC
    assert d.accept_due_at == dt.datetime(2026, 3, 26, 16, 59, 59, tzinfo=UTC)
    assert d.calendar_complete and d.policy_version == "sla-2026.1"


def test_referral_on_a_holiday_counts_from_the_next_working_day() -> None:
    # Wed 18 Mar 2026 is cuti bersama Nyepi: day 0 is Wed 25 Mar.
    referred = dt.datetime(2026, 3, 18, 9, 0, tzinfo=JKT)
    emergency = due_dates(default_policy(), Sector.HEALTH, Urgency.EMERGENCY, referred, WIB)
    assert emergency.accept_due_at == end_of("2026-03-25", JKT)
    assert emergency.resolve_due_at == end_of("2026-03-26", JKT)
    normal = due_dates(default_policy(), Sector.CIVIL_REGISTRATION, Urgency.NORMAL, referred, WIB)
    assert normal.accept_due_at == end_of("2026-03-27", JKT)


def test_emergency_on_a_working_day_is_due_the_same_day() -> None:
    referred = dt.datetime(2026, 3, 16, 22, 0, tzinfo=JKT)
    d = due_dates(default_policy(), Sector.HEALTH, Urgency.EMERGENCY, referred, WIB)
    assert d.accept_due_at == end_of("2026-03-16", JKT)


def test_friday_evening_in_wit_uses_the_local_date() -> None:
    # 15:30 UTC on Fri 27 Mar is already Sat 00:30 in Jayapura: counting starts Mon 30 Mar.
    referred = dt.datetime(2026, 3, 27, 15, 30, tzinfo=UTC)
    d = due_dates(default_policy(), Sector.HEALTH, Urgency.URGENT, referred, WIT)
    assert d.accept_due_at == end_of("2026-03-31", JAYAPURA)
    assert d.accept_due_at == dt.datetime(2026, 3, 31, 14, 59, 59, tzinfo=UTC)
    # The same instant in WIB is still Friday 22:30: day 0 is Friday.
    wib = due_dates(default_policy(), Sector.HEALTH, Urgency.URGENT, referred, WIB)
    assert wib.accept_due_at == end_of("2026-03-30", JKT)


def test_friday_evening_local_wit_referral() -> None:
    referred = dt.datetime(2026, 3, 27, 20, 0, tzinfo=JAYAPURA)  # Friday 20:00 WIT
    d = due_dates(default_policy(), Sector.HEALTH, Urgency.NORMAL, referred, WIT)
    assert d.accept_due_at == end_of("2026-03-31", JAYAPURA)  # Mon 30, Tue 31
    assert d.resolve_due_at == end_of("2026-04-06", JAYAPURA)  # 30, 31, 1, 2, (Good Friday) 6


def test_friday_evening_wit_referral_before_good_friday() -> None:
    # Thu 2 Apr 20:00 WIT; Fri 3 Apr is Wafat Yesus Kristus -> 1 working day is Mon 6 Apr.
    referred = dt.datetime(2026, 4, 2, 20, 0, tzinfo=JAYAPURA)
    d = due_dates(default_policy(), Sector.HEALTH, Urgency.URGENT, referred, JAYAPURA)
    assert d.accept_due_at == end_of("2026-04-06", JAYAPURA)


def test_year_end_2026_into_2027() -> None:
    # Wed 23 Dec 2026; 24-27 Dec and 1-3 Jan are off.
    referred = dt.datetime(2026, 12, 23, 14, 0, tzinfo=JKT)
    d = due_dates(default_policy(), Sector.HEALTH, Urgency.NORMAL, referred, WIB)
    assert d.accept_due_at == end_of("2026-12-29", JKT)
    assert d.resolve_due_at == end_of("2027-01-04", JKT)  # 28, 29, 30, 31 Dec, 4 Jan


def test_without_holiday_data_counts_weekdays_and_says_so() -> None:
    referred = dt.datetime(2027, 12, 30, 9, 0, tzinfo=JKT)  # Thursday
    d = due_dates(default_policy(), Sector.HEALTH, Urgency.NORMAL, referred, WIB)
    assert not d.calendar_complete
    # 31 Dec 2027 (Fri, data known), then 2028 weekdays 3, 4, 5, 6 Jan.
    assert d.resolve_due_at == end_of("2028-01-06", JKT)


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        due_dates(default_policy(), Sector.HEALTH, Urgency.NORMAL, dt.datetime(2026, 3, 16), WIB)


def test_every_province_has_a_zone() -> None:
    assert set(ZONE_BY_PROVINCE) == {p.code for p in children(None)}


@pytest.mark.parametrize(
    ("code", "zone"),
    [("3402052001", WIB), ("6201", WIB), ("51", WITA), ("6471", WITA), ("7371", WITA),
     ("81", WIT), ("9471", WIT), ("", WIB)],
)
def test_zone_for_region(code: str, zone: str) -> None:
    assert zone_for_region(code) == zone


def test_unknown_province_is_refused() -> None:
    with pytest.raises(ValueError, match="99"):
        zone_for_region("9901")
