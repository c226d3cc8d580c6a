"""Working-day arithmetic: what lokal-id says about Lebaran 2026 and the year end, and working
time measured and added in local zones."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.referral.domain.workdays import WorkingCalendar
from slrt.reference import is_working_day

WIB, WITA, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")
H = dt.timedelta(hours=1)


def days(first: str, last: str) -> list[dt.date]:
    day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    out = []
    while day <= end:
        out.append(day)
        day += dt.timedelta(days=1)
    return out


def test_lebaran_2026_as_lokal_id_has_it() -> None:
    # lokal-id (SKB 3 Menteri 2026): Nyepi 19 Mar with cuti bersama 18 Mar; Idulfitri 1447 H on
    # Sat 21 and Sun 22 Mar with cuti bersama Fri 20, Mon 23 and Tue 24 Mar. So Wed 18 to
    # Tue 24 March is one block of seven days off.
    off = days("2026-03-18", "2026-03-24")
    assert not any(is_working_day(d) for d in off)
    assert is_working_day(dt.date(2026, 3, 17)) and is_working_day(dt.date(2026, 3, 25))
    assert not is_working_day(dt.date(2026, 4, 3))  # Good Friday


def test_year_end_2026_as_lokal_id_has_it() -> None:
    working = [d for d in days("2026-12-23", "2027-01-08") if is_working_day(d)]
    assert [d.isoformat() for d in working] == [
        "2026-12-23", "2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31",
        "2027-01-04", "2027-01-06", "2027-01-07", "2027-01-08",  # 5 Jan: Isra Mikraj
    ]


def test_no_holiday_data_counts_weekdays_and_says_so() -> None:
    calendar = WorkingCalendar()
    assert calendar.is_working(dt.date(2027, 12, 31)) and calendar.complete
    assert calendar.is_working(dt.date(2028, 1, 3))  # a Monday; 2028 holidays are unknown
    assert not calendar.complete
    assert not calendar.is_working(dt.date(2028, 1, 1))  # a Saturday


def test_add_working_days_skips_lebaran() -> None:
    calendar = WorkingCalendar()
    assert calendar.add_working_days(dt.date(2026, 3, 17), 1) == dt.date(2026, 3, 25)
    assert calendar.add_working_days(dt.date(2026, 3, 17), 0) == dt.date(2026, 3, 17)
    assert calendar.first_working_on_or_after(dt.date(2026, 3, 18)) == dt.date(2026, 3, 25)


def test_working_time_between_counts_only_working_days() -> None:
    calendar = WorkingCalendar()
    start = dt.datetime(2026, 3, 17, 12, 0, tzinfo=WIB)  # Tue before Lebaran
    end = dt.datetime(2026, 3, 25, 12, 0, tzinfo=WIB)  # Wed after
    assert calendar.working_time_between(start, end, WIB) == 24 * H
    # Over a weekend: Fri 15:00 to Mon 09:00 is 9 h + 9 h.
    fri = dt.datetime(2026, 3, 27, 15, 0, tzinfo=WITA)
    assert calendar.working_time_between(fri, fri + 66 * H, WITA) == 18 * H
    assert calendar.working_time_between(end, start, WIB) == dt.timedelta()


def test_the_same_instants_measure_differently_in_each_zone() -> None:
    # 16:00 UTC on Tue 17 Mar is 23:00 WIB (still Tuesday) but 01:00 Wednesday in WIT.
    start = dt.datetime(2026, 3, 17, 16, 0, tzinfo=dt.UTC)
    end = dt.datetime(2026, 3, 25, 3, 0, tzinfo=dt.UTC)  # 10:00 WIB, 12:00 WIT on Wed 25
    calendar = WorkingCalendar()
    assert calendar.working_time_between(start, end, WIB) == 1 * H + 10 * H
    assert calendar.working_time_between(start, end, WIT) == 12 * H


def test_add_working_time_jumps_over_days_off() -> None:
    calendar = WorkingCalendar()
    due = dt.datetime(2026, 12, 23, 23, 59, 59, tzinfo=WIT)
    # One second is left on Wed 23 Dec; 24-27 Dec are off; 28 Dec carries the rest.
    moved = calendar.add_working_time(due, 2 * H, WIT)
    assert moved == dt.datetime(2026, 12, 28, 1, 59, 59, tzinfo=WIT)
    assert moved.tzinfo is dt.UTC
    # Whole days keep the time of day: two working days after Thu 31 Dec is Wed 6 Jan.
    eve = dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=WIT)
    assert calendar.add_working_time(eve, 48 * H, WIT) == dt.datetime(
        2027, 1, 6, 23, 59, 59, tzinfo=WIT
    )


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        WorkingCalendar().working_time_between(dt.datetime(2026, 1, 5), dt.datetime(2026, 1, 6),
                                               WIB)


def test_a_calendar_without_working_days_fails_instead_of_looping() -> None:
    with pytest.raises(ValueError, match="no working day"):
        WorkingCalendar(lambda day: False).first_working_on_or_after(dt.date(2026, 1, 1))


@settings(max_examples=150, deadline=None)
@given(
    start=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 1),
                       timezones=st.just(dt.UTC)),
    amount=st.timedeltas(min_value=dt.timedelta(), max_value=dt.timedelta(days=20)),
    zone=st.sampled_from([WIB, WITA, WIT]),
)
def test_adding_working_time_is_undone_by_measuring_it(
    start: dt.datetime, amount: dt.timedelta, zone: ZoneInfo
) -> None:
    calendar = WorkingCalendar()
    end = calendar.add_working_time(start, amount, zone)
    assert end >= start
    assert calendar.working_time_between(start, end, zone) == amount
