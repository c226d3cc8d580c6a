"""The reminder plan and "what is due at T", over Lebaran 2026 and across WIB, WITA and WIT."""

from __future__ import annotations

import datetime as dt

import pytest

from services.notification.domain.digest import split_for_digest
from services.notification.domain.hours import WorkingHours
from services.notification.domain.policy import load_policy, policy_from_dict
from services.notification.domain.schedule import due_now, plan

POLICY = load_policy()
HOURS = WorkingHours(POLICY.opens, POLICY.closes)
WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"


def local(day: str, time: str, tz: str) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=ZoneInfo(tz))


def by_name(kind: str, due: dt.datetime, tz: str = WIB) -> dict[str, dt.datetime]:
    return {s.name: s.at for s in plan(kind, due, tz, POLICY, HOURS)}


def test_policy_file_is_versioned_and_valid() -> None:
    assert POLICY.version == "reminders-2026.1"
    assert POLICY.escalate_district_after < POLICY.escalate_province_after
    with pytest.raises(ValueError):
        policy_from_dict({**_raw(), "escalate": {"district": 5, "province": 2}})


def _raw() -> dict[str, object]:
    import json

    from services.notification.domain.policy import DEFAULT_POLICY_FILE

    return json.loads(DEFAULT_POLICY_FILE.read_text())


def test_steps_skip_lebaran_collective_leave() -> None:
    # Due Tuesday 17 March 2026, the last working day before cuti bersama (18-24 March).
    steps = by_name("resolve", local("2026-03-17", "23:59:59", WIB))
    assert steps["resolve.before_due.1"] == local("2026-03-16", "08:00", WIB)
    assert steps["resolve.at_due"] == local("2026-03-17", "08:00", WIB)
    # First overdue reminder only after Lebaran: Wednesday 25 March.
    assert steps["resolve.overdue.1"] == local("2026-03-25", "08:00", WIB)
    assert steps["resolve.overdue.2"] == local("2026-03-26", "08:00", WIB)
    # Three working days overdue: 25, 26, 27 March -> escalate on Friday 27 March.
    assert steps["resolve.escalate.district"] == local("2026-03-27", "08:00", WIB)


def test_before_due_counts_back_over_the_holidays() -> None:
    steps = by_name("accept", local("2026-03-25", "23:59:59", WIB))
    assert steps["accept.before_due.1"] == local("2026-03-17", "08:00", WIB)


@pytest.mark.parametrize(("tz", "utc_hour"), [(WIB, 1), (WITA, 0), (WIT, 23)])
def test_reminders_open_at_eight_in_each_zone(tz: str, utc_hour: int) -> None:
    steps = by_name("accept", local("2026-03-04", "23:59:59", tz), tz)
    at_due = steps["accept.at_due"]
    assert at_due.astimezone(dt.UTC).hour == utc_hour
    assert at_due == local("2026-03-04", "08:00", tz)


def test_nothing_is_sent_outside_working_hours_in_the_recipients_zone() -> None:
    due = local("2026-03-04", "23:59:59", WIT)
    steps = plan("accept", due, WIT, POLICY, HOURS)
    # 07:30 WIB on 4 March is 09:30 WIT: open in Jayapura, at_due goes out.
    now = local("2026-03-04", "07:30", WIB)
    assert [s.name for s in due_now(steps, set(), now, WIT, HOURS).steps] == ["accept.at_due"]
    # 16:30 WIT: closed; kept for the next opening, 08:00 WIT on Thursday.
    late = local("2026-03-04", "16:30", WIT)
    result = due_now(steps, set(), late, WIT, HOURS)
    assert result.steps == () and result.next_at == local("2026-03-05", "08:00", WIT)


def test_only_the_newest_agency_step_is_sent_after_a_gap() -> None:
    due = local("2026-03-04", "23:59:59", WIB)
    steps = plan("resolve", due, WIB, POLICY, HOURS)
    now = local("2026-03-09", "09:00", WIB)  # Monday: 3 working days overdue
    sent = [s.name for s in due_now(steps, set(), now, WIB, HOURS).steps]
    assert sent == ["resolve.overdue.3", "resolve.escalate.district"]
    again = due_now(steps, set(sent), now, WIB, HOURS)
    assert again.steps == () and again.next_at == local("2026-03-10", "08:00", WIB)


def test_province_escalation_after_district() -> None:
    due = local("2026-03-02", "23:59:59", WITA)
    steps = by_name("accept", due, WITA)
    assert steps["accept.escalate.district"] < steps["accept.escalate.province"]
    assert steps["accept.escalate.province"] == local("2026-03-10", "08:00", WITA)


def test_digest_groups_overdue_items_of_busy_agencies_only() -> None:
    items = [("a", True, 1), ("a", True, 2), ("a", False, 3), ("b", True, 4)]
    singles, digests = split_for_digest(items, {"a": 6, "b": 1}, more_than=5)
    assert singles == [3, 4] and digests == {"a": [1, 2]}


def test_saturday_is_never_a_reminder_day() -> None:
    for at in by_name("resolve", local("2026-04-02", "23:59:59", WIB)).values():
        assert at.astimezone(dt.timezone(dt.timedelta(hours=7))).weekday() < 5
