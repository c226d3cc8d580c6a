"""Referral state machine: allowed paths, refused ones with the allowed list, escalation levels,
optimistic concurrency, idempotent change ids, pausing while returned, and overdue at a moved
clock."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from contracts.vocabulary import ReferralStatus as S
from contracts.vocabulary import Sector, Urgency
from services.referral.domain.errors import ChangeIdReused, VersionConflict
from services.referral.domain.sla import WIB, default_policy
from services.referral.domain.state import (
    EscalationNotAllowed,
    InvalidTransition,
    NoteRequired,
    Referral,
    ReferralError,
    allowed_transitions,
)

JKT = ZoneInfo(WIB)
AT = dt.datetime(2026, 3, 16, 9, 0, tzinfo=JKT)  # Monday before Lebaran
CLOCK = default_policy().clock_for(Sector.HEALTH, None, Urgency.NORMAL, WIB)


def end_of(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(23, 59, 59),
                               tzinfo=JKT).astimezone(dt.UTC)


def referral(status: S = S.CREATED, referral_id: uuid.UUID | None = None) -> Referral:
    due = CLOCK.deadlines(AT)
    return Referral(
        referral_id=referral_id or uuid.uuid4(),
        case_id=uuid.UUID(int=1),
        complaint_id=uuid.UUID(int=2),
        agency_id="dinkes-3402",
        sector=Sector.HEALTH,
        need_codes=("health.treatment",),
        accept_due_at=due.accept_due_at,
        resolve_due_at=due.resolve_due_at,
        sla=CLOCK,
        status=status,
        created_at=AT,
    )


class FakeClock:
    """Time that tests move instead of sleeping."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def move_to(self, day: str, hour: int = 12) -> dt.datetime:
        self.now = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=JKT)
        return self.now


def test_happy_path_bumps_version_and_records_changes() -> None:
    r = referral()
    changes = [
        r.transition(S.DELIVERED, AT, "system"),
        r.transition(S.ACCEPTED, AT + dt.timedelta(hours=1), "officer-1"),
        r.transition(S.IN_PROGRESS, AT, "officer-1"),
        r.transition(S.RESOLVED, AT + dt.timedelta(days=1), "officer-1", "KIS diterbitkan"),
    ]
    assert [(c.from_status, c.to_status) for c in changes] == [
        (S.CREATED, S.DELIVERED), (S.DELIVERED, S.ACCEPTED),
        (S.ACCEPTED, S.IN_PROGRESS), (S.IN_PROGRESS, S.RESOLVED),
    ]
    assert [c.version for c in changes] == [2, 3, 4, 5]
    assert r.status is S.RESOLVED and r.version == 5 and not r.is_open
    assert changes[-1].note == "KIS diterbitkan" and changes[-1].by == "officer-1"
    assert r.accepted_at == AT + dt.timedelta(hours=1)
    assert r.ended_at == AT + dt.timedelta(days=1)
    assert r.history == changes and len({c.change_id for c in changes}) == 4


def test_invalid_transition_lists_allowed_ones_and_changes_nothing() -> None:
    r = referral()
    with pytest.raises(InvalidTransition) as info:
        r.transition(S.RESOLVED, AT, "officer-1")
    assert info.value.current is S.CREATED
    assert info.value.requested is S.RESOLVED
    assert info.value.allowed == [S.DELIVERED]
    assert "from created to resolved" in str(info.value)
    assert "allowed: delivered" in str(info.value)
    assert r.status is S.CREATED and r.version == 1 and r.history == []


@pytest.mark.parametrize("terminal", [S.RESOLVED, S.REJECTED])
def test_terminal_states_allow_nothing(terminal: S) -> None:
    with pytest.raises(InvalidTransition, match="closed") as info:
        referral(terminal).transition(S.DELIVERED, AT, "x")
    assert info.value.allowed == []


@pytest.mark.parametrize(
    ("start", "to"), [(S.DELIVERED, S.REJECTED), (S.DELIVERED, S.RETURNED),
                      (S.RETURNED, S.DELIVERED), (S.RETURNED, S.REJECTED)],
)
def test_rejecting_returning_and_answering_need_a_note(start: S, to: S) -> None:
    r = referral(start)
    with pytest.raises(NoteRequired, match=f"from {start.value} to {to.value}"):
        r.transition(to, AT, "officer-1", "  ")
    assert r.status is start and r.version == 1


def test_escalation_is_a_flag_with_levels() -> None:
    r = referral(S.DELIVERED)
    with pytest.raises(InvalidTransition, match="escalate"):
        r.transition(S.ESCALATED, AT, "manager")
    later = AT + dt.timedelta(days=3)
    e = r.escalate(later, "sla-clock", note="accept overdue")
    assert (e.level, e.status, e.version) == ("district", S.DELIVERED, 2)
    assert r.status is S.DELIVERED and r.is_escalated and r.escalated_at == later
    assert r.escalation_level == "district"
    with pytest.raises(EscalationNotAllowed, match="allowed: province") as info:
        r.escalate(later, "sla-clock", "district")
    assert info.value.allowed == ["province"]
    top = r.escalate(later + dt.timedelta(days=2), "manager-3402", "province")
    assert (top.level, r.escalation_level, r.escalated_at) == ("province", "province", later)
    assert [(x.level, x.by) for x in r.escalations] == [("district", "sla-clock"),
                                                       ("province", "manager-3402")]
    with pytest.raises(EscalationNotAllowed, match="highest level"):
        r.escalate(later, "x", "province")
    # an escalated referral still moves on normally
    r.transition(S.ACCEPTED, later, "officer-1")
    assert r.status is S.ACCEPTED and r.version == 4


def test_closed_referral_cannot_be_escalated() -> None:
    with pytest.raises(ReferralError, match="resolved"):
        referral(S.RESOLVED).escalate(AT, "sla-clock")


def test_expected_version_mismatch_names_both_versions() -> None:
    r = referral()
    r.transition(S.DELIVERED, AT, "system", expected_version=1)
    with pytest.raises(VersionConflict) as info:
        r.transition(S.ACCEPTED, AT, "officer-1", expected_version=1)
    assert (info.value.expected, info.value.actual) == (1, 2)
    assert "version 2" in str(info.value) and "expected version 1" in str(info.value)
    with pytest.raises(VersionConflict):
        r.escalate(AT, "manager", expected_version=3)
    assert r.status is S.DELIVERED and r.version == 2


def test_a_repeated_change_id_changes_nothing() -> None:
    r = referral(S.DELIVERED)
    response = uuid.uuid4()  # e.g. the agency's response message id, delivered twice
    first = r.transition(S.ACCEPTED, AT, "officer-1", change_id=response)
    again = r.transition(S.ACCEPTED, AT + dt.timedelta(hours=1), "officer-1",
                         change_id=response, expected_version=1)
    assert again is first and r.version == 2 and len(r.history) == 1
    with pytest.raises(ChangeIdReused):
        r.transition(S.IN_PROGRESS, AT, "officer-1", change_id=response)
    with pytest.raises(ChangeIdReused):
        r.escalate(AT, "manager", change_id=response)


def test_applying_recorded_changes_rebuilds_and_replays_are_no_ops() -> None:
    live = referral()
    live.transition(S.DELIVERED, AT, "system")
    live.escalate(AT, "sla-clock")
    live.transition(S.RETURNED, AT, "officer-1", "Fotokopi KK?")
    live.transition(S.DELIVERED, AT + dt.timedelta(days=1), "backoffice", "KK dilampirkan")
    copy = referral(referral_id=live.referral_id)
    assert all(copy.apply(c) for c in live.history)
    assert copy == live
    assert not any(copy.apply(c) for c in live.history)  # replaying changes nothing
    assert copy == live and copy.version == 5
    stale = referral(referral_id=live.referral_id)
    with pytest.raises(VersionConflict):
        stale.apply(live.history[1])  # version 3 cannot follow version 1
    with pytest.raises(ValueError, match="another referral"):
        referral().apply(live.history[0])


def test_returned_pauses_the_clock_and_delivering_again_moves_due_times() -> None:
    r = referral()  # Mon 16 Mar 09:00 WIB: accept due 25 Mar, resolve due 30 Mar
    assert (r.accept_due_at, r.resolve_due_at) == (end_of("2026-03-25"), end_of("2026-03-30"))
    r.transition(S.DELIVERED, AT, "system")
    r.transition(S.ACCEPTED, AT, "officer-1")
    returned_at = dt.datetime(2026, 3, 17, 12, 0, tzinfo=JKT)
    returned = r.transition(S.RETURNED, returned_at, "officer-1", "Surat keterangan RT?")
    assert r.paused_at == returned_at
    assert returned.answer_due_at == r.answer_due_at == end_of("2026-03-27")  # 3 working days
    assert r.running_deadlines() == {"answer": end_of("2026-03-27")}
    answered = r.transition(S.DELIVERED, dt.datetime(2026, 3, 25, 12, 0, tzinfo=JKT),
                            "backoffice", "Surat dilampirkan")
    # 24 h of working time paused (12 h on the 17th, 12 h on the 25th): one working day later.
    assert answered.resolve_due_at == r.resolve_due_at == end_of("2026-03-31")
    assert r.accept_due_at == end_of("2026-03-26")
    assert r.paused_at is None and r.answer_due_at is None
    # It had been accepted before: only the resolve deadline binds it now.
    assert r.running_deadlines() == {"resolve": end_of("2026-03-31")}


def test_overdue_with_a_moved_clock_across_lebaran() -> None:
    clock = FakeClock(AT)
    r = referral()
    r.transition(S.DELIVERED, clock(), "system")
    assert r.overdue(clock.move_to("2026-03-24")) == []  # Lebaran: no working day passed
    assert r.overdue(clock.move_to("2026-03-25", 23)) == []
    assert r.overdue(clock.move_to("2026-03-26", 0)) == ["accept"]
    r.escalate(clock(), "sla-clock")
    r.transition(S.ACCEPTED, clock(), "officer-1")
    assert r.overdue(clock()) == []
    assert r.overdue(clock.move_to("2026-03-31", 0)) == ["resolve"]
    r.transition(S.RETURNED, clock(), "officer-1", "Data BPJS?")
    # Paused; the back office has 3 working days: 1, 2 and (3 Apr is Good Friday) 6 Apr.
    assert r.overdue(clock()) == []
    assert r.overdue(clock.move_to("2026-04-06", 23)) == []
    assert r.overdue(clock.move_to("2026-04-07", 0)) == ["answer"]
    r.transition(S.REJECTED, clock(), "officer-1", "bukan kewenangan kami")
    assert r.overdue(clock.move_to("2030-01-01")) == [] and r.ended_at is not None


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        referral().transition(S.DELIVERED, dt.datetime(2026, 3, 16), "system")


def test_allowed_transitions_table() -> None:
    assert allowed_transitions(S.DELIVERED) == [S.ACCEPTED, S.REJECTED, S.RETURNED]
    assert allowed_transitions(S.ACCEPTED) == [S.IN_PROGRESS, S.RESOLVED, S.RETURNED]
    assert allowed_transitions(S.IN_PROGRESS) == [S.RESOLVED, S.RETURNED]
    assert allowed_transitions(S.RETURNED) == [S.DELIVERED, S.REJECTED]
