"""Referral state machine: allowed paths, refused ones with the allowed list, escalation flag."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from contracts.vocabulary import ReferralStatus as S
from contracts.vocabulary import Sector
from services.referral.domain.state import (
    InvalidTransition,
    NoteRequired,
    Referral,
    ReferralError,
    allowed_transitions,
)

AT = dt.datetime(2026, 3, 16, 3, 0, tzinfo=dt.UTC)


def referral(status: S = S.CREATED) -> Referral:
    return Referral(
        referral_id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        complaint_id=uuid.uuid4(),
        agency_id="dinkes-3402",
        sector=Sector.HEALTH,
        need_codes=("health.treatment",),
        accept_due_at=AT + dt.timedelta(days=2),
        resolve_due_at=AT + dt.timedelta(days=7),
        status=status,
    )


def test_happy_path_bumps_version_and_records_changes() -> None:
    r = referral()
    changes = [
        r.transition(S.DELIVERED, AT, "system"),
        r.transition(S.ACCEPTED, AT, "officer-1"),
        r.transition(S.IN_PROGRESS, AT, "officer-1"),
        r.transition(S.RESOLVED, AT, "officer-1", "KIS diterbitkan"),
    ]
    assert [(c.from_status, c.to_status) for c in changes] == [
        (S.CREATED, S.DELIVERED), (S.DELIVERED, S.ACCEPTED),
        (S.ACCEPTED, S.IN_PROGRESS), (S.IN_PROGRESS, S.RESOLVED),
    ]
    assert [c.version for c in changes] == [2, 3, 4, 5]
    assert r.status is S.RESOLVED and r.version == 5 and not r.is_open
    assert changes[-1].note == "KIS diterbitkan" and changes[-1].by == "officer-1"


def test_returned_then_information_supplied_goes_back_to_delivered() -> None:
    r = referral(S.DELIVERED)
    r.transition(S.RETURNED, AT, "officer-1", "Fotokopi KK belum dilampirkan")
    r.transition(S.DELIVERED, AT, "backoffice-1", "KK dilampirkan")
    assert r.status is S.DELIVERED


def test_invalid_transition_lists_allowed_ones_and_changes_nothing() -> None:
    r = referral()
    with pytest.raises(InvalidTransition) as info:
        r.transition(S.RESOLVED, AT, "officer-1")
    assert info.value.current is S.CREATED
    assert info.value.requested is S.RESOLVED
    assert info.value.allowed == [S.DELIVERED]
    assert "from created to resolved" in str(info.value)
    assert "allowed: delivered" in str(info.value)
    assert r.status is S.CREATED and r.version == 1


@pytest.mark.parametrize("terminal", [S.RESOLVED, S.REJECTED])
def test_terminal_states_allow_nothing(terminal: S) -> None:
    with pytest.raises(InvalidTransition, match="closed") as info:
        referral(terminal).transition(S.DELIVERED, AT, "x")
    assert info.value.allowed == []


def test_escalated_is_a_flag_not_a_status() -> None:
    r = referral(S.DELIVERED)
    with pytest.raises(InvalidTransition, match="escalate"):
        r.transition(S.ESCALATED, AT, "manager")
    later = AT + dt.timedelta(days=3)
    e = r.escalate(later, "sla-clock", "accept overdue")
    assert r.status is S.DELIVERED and r.is_escalated and r.escalated_at == later
    assert e.status is S.DELIVERED and e.version == 2
    r.escalate(later + dt.timedelta(days=1), "sla-clock")
    assert r.escalated_at == later  # first escalation time is kept
    # an escalated referral still moves on normally
    r.transition(S.ACCEPTED, later, "officer-1")
    assert r.status is S.ACCEPTED


def test_closed_referral_cannot_be_escalated() -> None:
    with pytest.raises(ReferralError, match="resolved"):
        referral(S.RESOLVED).escalate(AT, "sla-clock")


@pytest.mark.parametrize("to", [S.REJECTED, S.RETURNED])
def test_rejecting_or_returning_needs_a_note(to: S) -> None:
    r = referral(S.DELIVERED)
    with pytest.raises(NoteRequired):
        r.transition(to, AT, "officer-1", "  ")
    assert r.status is S.DELIVERED


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        referral().transition(S.DELIVERED, dt.datetime(2026, 3, 16), "system")


def test_allowed_transitions_table() -> None:
    assert allowed_transitions(S.DELIVERED) == [S.ACCEPTED, S.REJECTED, S.RETURNED]
    assert allowed_transitions(S.ACCEPTED) == [S.IN_PROGRESS, S.RESOLVED, S.RETURNED]
    assert allowed_transitions(S.IN_PROGRESS) == [S.RESOLVED, S.RETURNED]
    assert allowed_transitions(S.RETURNED) == [S.DELIVERED, S.REJECTED]
