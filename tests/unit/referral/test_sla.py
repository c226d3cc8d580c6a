"""SLA policy and clock: working days with Indonesian holidays, local end of day in WIB, WITA
and WIT, clock hours for emergencies, pauses, and the policy data."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from contracts.vocabulary import Sector, Urgency
from services.referral.domain.sla import (
    WIB,
    WIT,
    WITA,
    ZONE_BY_PROVINCE,
    Deadlines,
    Limit,
    SlaPolicyError,
    default_policy,
    due_dates,
    parse_sla_policy,
    zone_for_region,
)
from slrt.reference import children

UTC = dt.UTC
JKT, MKS, JAYAPURA = ZoneInfo(WIB), ZoneInfo(WITA), ZoneInfo(WIT)
ZONES = pytest.mark.parametrize("zone", [WIB, WITA, WIT])
H = dt.timedelta(hours=1)


def end_of(day: str, zone: str | ZoneInfo) -> dt.datetime:
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    local = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(23, 59, 59), tzinfo=tz)
    return local.astimezone(UTC)


def local(zone: str, year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


# -- the policy ------------------------------------------------------------------------------

def test_policy_limits_by_sector_subcategory_and_urgency() -> None:
    p = default_policy()
    assert p.version == "sla-2026.2"
    health = p.rule_for(Sector.HEALTH, None, Urgency.NORMAL)
    assert (health.accept, health.resolve, health.answer) == (
        Limit(2), Limit(5), Limit(3)
    )
    assert p.rule_for(Sector.HEALTH, "treatment", Urgency.URGENT).resolve == Limit(3)
    pbi = p.rule_for(Sector.HEALTH, "pbi_jk.reactivation", Urgency.NORMAL)
    assert (pbi.rule_id, pbi.resolve) == ("health/pbi_jk/normal", Limit(20))
    # No pbi_jk emergency rule: the health emergency rule applies, in hours.
    emergency = p.rule_for(Sector.HEALTH, "pbi_jk", Urgency.EMERGENCY)
    assert emergency.rule_id == "health/*/emergency"
    assert (emergency.accept, emergency.resolve) == (Limit(4, "hours"), Limit(24, "hours"))
    catch_all = p.rule_for(Sector.EDUCATION, None, Urgency.EMERGENCY)
    assert catch_all.rule_id == "*/*/emergency" and catch_all.answer == Limit(8, "hours")
    assert p.rule_for(Sector.CHILD_PROTECTION, None, Urgency.URGENT).accept == Limit(0)


def test_clock_for_carries_the_rule_and_zone() -> None:
    clock = default_policy().clock_for(Sector.HEALTH, "pbi_jk", Urgency.NORMAL, WITA)
    assert (clock.zone, clock.rule_id, clock.policy_version) == (
        WITA, "health/pbi_jk/normal", "sla-2026.2"
    )
    assert Limit(20).describe() == "20 working days" and Limit(1, "hours").describe() == "1 hour"


def _policy(*rules: dict[str, Any], **top: Any) -> dict[str, Any]:
    base = [{"sector": "*", "subcategory": "*", "urgency": u, "accept": {"working_days": 1},
             "resolve": {"working_days": 5}} for u in ("normal", "urgent", "emergency")]
    return {"version": "t", "answer": {"working_days": 3}, "rules": base + list(rules), **top}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (_policy({"sector": "*", "subcategory": "*", "urgency": "normal",
                  "accept": {"working_days": 1}, "resolve": {"working_days": 2}}),
         "duplicate rule */*/normal"),
        ({"version": "t", "answer": {"working_days": 3}, "rules": []},
         "no catch-all rule */*/normal"),
        (_policy({"sector": "health", "urgency": "normal", "accept": {"days": 1},
                  "resolve": {"working_days": 2}}), "limit unit must be one of"),
        (_policy({"sector": "health", "urgency": "normal", "accept": {"hours": -1},
                  "resolve": {"working_days": 2}}), "whole number >= 0"),
        (_policy({"sector": "*", "subcategory": "kis", "urgency": "normal",
                  "accept": {"hours": 1}, "resolve": {"hours": 2}}), "a subcategory needs a"),
        (_policy({"sector": "helth", "urgency": "normal", "accept": {"hours": 1},
                  "resolve": {"hours": 2}}), "'helth' is not a valid Sector"),
        (_policy({"sector": "health", "urgency": "normal", "accept": {"hours": 1}}),
         "rule #3: missing 'resolve'"),
        ({"version": "t", "rules": [{"sector": "*", "urgency": "normal",
                                     "accept": {"hours": 1}, "resolve": {"hours": 1}}]},
         "no answer limit"),
        (_policy(version=""), "missing version"),
    ],
)
def test_bad_policies_are_refused_with_a_clear_reason(
    document: dict[str, Any], message: str
) -> None:
    with pytest.raises(SlaPolicyError) as info:
        parse_sla_policy(document)
    assert message in str(info.value)


# -- due times across Lebaran 2026 -----------------------------------------------------------

@ZONES
def test_working_days_across_lebaran_2026_in_every_zone(zone: str) -> None:
    # Tue 17 Mar 15:00 local is the last working day before 18-24 Mar (Nyepi, Idulfitri and
    # their cuti bersama). Day 0 is the 17th.
    referred = local(zone, 2026, 3, 17, 15, 0)
    d = due_dates(default_policy(), Sector.HEALTH, Urgency.NORMAL, referred, zone)
    assert d.accept_due_at == end_of("2026-03-26", zone)  # 25, 26 Mar
    assert d.resolve_due_at == end_of("2026-03-31", zone)  # 25, 26, 27, 30, 31 Mar
    assert d.accept_due_at.tzinfo is UTC
    assert d.calendar_complete and d.policy_version == "sla-2026.2"


def test_one_instant_before_lebaran_is_a_different_local_day_per_zone() -> None:
    # 16:30 UTC on Tue 17 Mar: 23:30 Tuesday in WIB, but 00:30 / 01:30 Wednesday (cuti bersama
    # Nyepi) in WITA and WIT, where counting starts on Wed 25 Mar.
    referred = dt.datetime(2026, 3, 17, 16, 30, tzinfo=UTC)
    accept = {z: due_dates(default_policy(), Sector.HEALTH, Urgency.NORMAL, referred, z)
              .accept_due_at for z in (WIB, WITA, WIT)}
    assert accept == {WIB: end_of("2026-03-26", WIB), WITA: end_of("2026-03-27", WITA),
                      WIT: end_of("2026-03-27", WIT)}
    assert accept[WIB] == dt.datetime(2026, 3, 26, 16, 59, 59, tzinfo=UTC)
    assert accept[WITA] == dt.datetime(2026, 3, 27, 15, 59, 59, tzinfo=UTC)
    assert accept[WIT] == dt.datetime(2026, 3, 27, 14, 59, 59, tzinfo=UTC)


@ZONES
def test_a_referral_during_lebaran_counts_from_the_first_working_day(zone: str) -> None:
    referred = local(zone, 2026, 3, 21, 9, 0)  # Idulfitri itself
    d = due_dates(default_policy(), Sector.CIVIL_REGISTRATION, Urgency.URGENT, referred, zone)
    assert d.accept_due_at == end_of("2026-03-26", zone)  # day 0 = 25, +1
    # resolve 5: 26, 27, 30, 31 Mar, 1 Apr
    assert d.resolve_due_at == end_of("2026-04-01", zone)
    child = due_dates(default_policy(), Sector.CHILD_PROTECTION, Urgency.URGENT, referred, zone)
    assert child.accept_due_at == end_of("2026-03-25", zone)  # 0 days: the first working day


@ZONES
def test_emergencies_run_on_clock_hours_through_lebaran(zone: str) -> None:
    referred = local(zone, 2026, 3, 20, 22, 0)  # Friday night, cuti bersama Idulfitri
    d = due_dates(default_policy(), Sector.HEALTH, Urgency.EMERGENCY, referred, zone)
    assert d.accept_due_at == referred + 4 * H  # Saturday 02:00, Idulfitri
    assert d.resolve_due_at == referred + 24 * H
    child = due_dates(default_policy(), Sector.CHILD_PROTECTION, Urgency.EMERGENCY, referred,
                      zone)
    assert child.accept_due_at == referred + 2 * H


def test_wit_good_friday_after_lebaran() -> None:
    # Thu 2 Apr 20:00 WIT; Fri 3 Apr is Wafat Yesus Kristus -> 1 working day is Mon 6 Apr.
    referred = dt.datetime(2026, 4, 2, 20, 0, tzinfo=JAYAPURA)
    d = due_dates(default_policy(), Sector.HEALTH, Urgency.URGENT, referred, JAYAPURA)
    assert d.accept_due_at == end_of("2026-04-06", JAYAPURA)


# -- due times across the year end -----------------------------------------------------------

@ZONES
def test_year_end_2026_into_2027(zone: str) -> None:
    # Wed 23 Dec 2026; 24-27 Dec, 1-3 Jan and 5 Jan (Isra Mikraj) are off.
    referred = local(zone, 2026, 12, 23, 14, 0)
    d = due_dates(default_policy(), Sector.HEALTH, Urgency.NORMAL, referred, zone)
    assert d.accept_due_at == end_of("2026-12-29", zone)
    assert d.resolve_due_at == end_of("2027-01-04", zone)  # 28, 29, 30, 31 Dec, 4 Jan
    education = due_dates(default_policy(), Sector.EDUCATION, Urgency.NORMAL, referred, zone)
    # 14: 28-31 Dec (4), 4, 6, 7, 8 Jan (8), 11-15 Jan (13), 18 Jan (14)
    assert education.resolve_due_at == end_of("2027-01-18", zone)
    assert d.calendar_complete and education.calendar_complete


def test_year_end_2027_has_no_2028_holidays_and_says_so() -> None:
    referred = dt.datetime(2027, 12, 30, 9, 0, tzinfo=JKT)  # Thursday
    d = due_dates(default_policy(), Sector.HEALTH, Urgency.NORMAL, referred, WIB)
    assert not d.calendar_complete
    # 31 Dec 2027 (Fri, data known), then 2028 weekdays 3, 4, 5, 6 Jan.
    assert d.resolve_due_at == end_of("2028-01-06", JKT)
    inside = due_dates(default_policy(), Sector.HEALTH, Urgency.NORMAL,
                       dt.datetime(2027, 12, 1, 9, 0, tzinfo=JKT), WIB)
    assert inside.calendar_complete


def test_subcategory_reaches_due_dates() -> None:
    referred = dt.datetime(2026, 5, 4, 9, 0, tzinfo=JKT)
    plain = due_dates(default_policy(), Sector.HEALTH, Urgency.NORMAL, referred, WIB)
    pbi = due_dates(default_policy(), Sector.HEALTH, Urgency.NORMAL, referred, WIB,
                    subcategory="pbi_jk")
    assert pbi.resolve_due_at > plain.resolve_due_at
    assert pbi.accept_due_at == plain.accept_due_at


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        due_dates(default_policy(), Sector.HEALTH, Urgency.NORMAL, dt.datetime(2026, 3, 16), WIB)


# -- pausing ---------------------------------------------------------------------------------

def test_pause_across_lebaran_moves_due_times_by_the_paused_working_time() -> None:
    clock = default_policy().clock_for(Sector.HEALTH, None, Urgency.NORMAL, WIB)
    referred = dt.datetime(2026, 3, 16, 9, 0, tzinfo=JKT)
    d = clock.deadlines(referred)
    assert (d.accept_due_at, d.resolve_due_at) == (end_of("2026-03-25", WIB),
                                                    end_of("2026-03-30", WIB))
    # Returned Tue 17 Mar 12:00, answered Wed 25 Mar 12:00: 12 h + 12 h of working time.
    moved = clock.resume(d, dt.datetime(2026, 3, 17, 12, 0, tzinfo=JKT),
                         dt.datetime(2026, 3, 25, 12, 0, tzinfo=JKT))
    assert moved.accept_due_at == end_of("2026-03-26", WIB)
    assert moved.resolve_due_at == end_of("2026-03-31", WIB)
    assert moved.calendar_complete


def test_pause_over_the_year_end_in_wit() -> None:
    clock = default_policy().clock_for(Sector.HEALTH, None, Urgency.NORMAL, WIT)
    d = Deadlines(end_of("2027-01-04", WIT), end_of("2027-01-04", WIT), "sla-2026.2")
    # Thu 31 Dec 08:00 to Mon 4 Jan 08:00 WIT: 16 h + 8 h; 5 Jan is off, so 6 Jan.
    moved = clock.resume(d, dt.datetime(2026, 12, 31, 8, 0, tzinfo=JAYAPURA),
                         dt.datetime(2027, 1, 4, 8, 0, tzinfo=JAYAPURA))
    assert moved.resolve_due_at == end_of("2027-01-06", WIT)


def test_a_partial_pause_moves_by_hours_of_working_time_in_wita() -> None:
    clock = default_policy().clock_for(Sector.HOUSING, None, Urgency.NORMAL, WITA)
    d = Deadlines(end_of("2026-03-31", WITA), end_of("2026-03-31", WITA), "sla-2026.2")
    # Fri 27 Mar 15:00 to Mon 30 Mar 09:00 WITA: 9 h + 9 h of working time.
    moved = clock.resume(d, dt.datetime(2026, 3, 27, 15, 0, tzinfo=MKS),
                         dt.datetime(2026, 3, 30, 9, 0, tzinfo=MKS))
    assert moved.resolve_due_at == dt.datetime(2026, 4, 1, 17, 59, 59, tzinfo=MKS)


def test_hour_limits_move_by_elapsed_time() -> None:
    clock = default_policy().clock_for(Sector.HEALTH, None, Urgency.EMERGENCY, WITA)
    start = dt.datetime(2026, 3, 20, 22, 0, tzinfo=MKS)
    d = clock.deadlines(start)
    moved = clock.resume(d, start + H, start + 31 * H)  # 30 h over Lebaran, clock time
    assert moved.accept_due_at == d.accept_due_at + 30 * H
    assert moved.resolve_due_at == d.resolve_due_at + 30 * H


def test_answer_due_for_the_back_office() -> None:
    clock = default_policy().clock_for(Sector.HEALTH, None, Urgency.NORMAL, WIB)
    due, complete = clock.answer_due(dt.datetime(2026, 3, 17, 10, 0, tzinfo=JKT))
    assert (due, complete) == (end_of("2026-03-27", WIB), True)  # 25, 26, 27 Mar
    emergency = default_policy().clock_for(Sector.HEALTH, None, Urgency.EMERGENCY, WIB)
    at = dt.datetime(2026, 3, 21, 10, 0, tzinfo=JKT)
    assert emergency.answer_due(at) == (at + 4 * H, True)


# -- zones -----------------------------------------------------------------------------------

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
