"""An agency's answers on the referral machine: the implicit delivery, the allowed answers
listed when one is refused, notes, versions and replays by change id; and the back office's
withdrawal of a referral and of a whole case."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from contracts import AgencyAction
from contracts.vocabulary import ReferralStatus as S
from contracts.vocabulary import Sector, Urgency
from services.referral.domain.agency_actions import (
    ActionNotAllowed,
    allowed_actions,
    delivery_change_id,
    respond,
)
from services.referral.domain.attention import Attention, attention
from services.referral.domain.case import Case, CaseOutcome, CaseStatus, InvalidCaseTransition
from services.referral.domain.errors import NoteRequired, VersionConflict
from services.referral.domain.sla import WIB, default_policy
from services.referral.domain.state import InvalidTransition, Referral

A = AgencyAction
T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=ZoneInfo(WIB))
CLOCK = default_policy().clock_for(Sector.HEALTH, None, Urgency.NORMAL, WIB)


def at(hours: int) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def referred(*agencies: str) -> tuple[Case, list[Referral]]:
    case, _ = Case.open(uuid.uuid4(), uuid.uuid4(), "3402052001", T0, "intake")
    made = []
    for agency in agencies:
        change = case.add_referral(agency, Sector.HEALTH, ["health.treatment"], CLOCK, at(1),
                                   "referral-service")
        assert change.referral is not None
        made.append(case.referrals[change.referral.referral_id])
    return case, made


def test_first_answer_records_the_delivery_then_the_answer() -> None:
    _, (referral,) = referred("dinkes-3402")
    changes = respond(referral, A.ACCEPT, at(2), "officer-1")
    assert [(c.from_status, c.to_status, c.by) for c in changes] == [
        (S.CREATED, S.DELIVERED, "referral-service"), (S.DELIVERED, S.ACCEPTED, "officer-1")]
    assert (referral.status, referral.version, referral.accepted_at) == (S.ACCEPTED, 3, at(2))
    changes = respond(referral, A.PROGRESS, at(3), "officer-1")
    assert [c.to_status for c in changes] == [S.IN_PROGRESS]


@pytest.mark.parametrize(("status", "allowed"), [
    (S.CREATED, [A.ACCEPT, A.REJECT, A.RETURN]),
    (S.DELIVERED, [A.ACCEPT, A.REJECT, A.RETURN]),
    (S.ACCEPTED, [A.PROGRESS, A.RESOLVE, A.RETURN]),
    (S.IN_PROGRESS, [A.RESOLVE, A.RETURN]),
    (S.RETURNED, [A.REJECT]),
    (S.RESOLVED, []),
    (S.REJECTED, []),
])
def test_allowed_answers_per_status(status: S, allowed: list[AgencyAction]) -> None:
    assert allowed_actions(status) == allowed


def test_a_refused_answer_lists_the_allowed_ones_and_changes_nothing() -> None:
    _, (referral,) = referred("dinkes-3402")
    before = copy.deepcopy(referral)
    with pytest.raises(ActionNotAllowed) as info:
        respond(referral, A.RESOLVE, at(2), "officer-1")
    assert info.value.allowed == ["accept", "reject", "return"]
    assert "allowed: accept, reject, return" in str(info.value)
    with pytest.raises(NoteRequired):
        respond(referral, A.REJECT, at(2), "officer-1", "  ")
    with pytest.raises(VersionConflict):
        respond(referral, A.ACCEPT, at(2), "officer-1", expected_version=2)
    assert referral == before


def test_an_answer_carries_its_id_and_a_derived_id_for_the_delivery() -> None:
    _, (referral,) = referred("dinkes-3402")
    answer = uuid.uuid4()
    delivered, returned = respond(referral, A.RETURN, at(2), "officer-1",
                                  "KK belum dilampirkan", change_id=answer)
    assert delivered.change_id == delivery_change_id(answer) != answer
    assert returned.change_id == answer and returned.answer_due_at is not None
    # The same answer again (a redelivery) returns the same changes and changes nothing.
    assert respond(referral, A.RETURN, at(3), "officer-1", "lagi",
                   change_id=answer) == [delivered, returned]
    assert (referral.status, referral.version) == (S.RETURNED, 3)
    with pytest.raises(ActionNotAllowed):  # a new answer is checked against the status
        respond(referral, A.RETURN, at(3), "officer-1", "lagi", change_id=uuid.uuid4())


def test_withdraw_ends_any_open_referral_with_the_reason() -> None:
    case, (created, accepted) = referred("dinkes-3402", "dinsos-3402")
    respond(accepted, A.ACCEPT, at(2), "officer-2")
    change = accepted.withdraw(at(3), "backoffice", "rerouted to dinsos-34")
    assert (change.from_status, change.to_status, change.withdrawn) == (
        S.ACCEPTED, S.REJECTED, True)
    assert accepted.ended_at == at(3) and not accepted.is_open
    with pytest.raises(NoteRequired):
        created.withdraw(at(3), "backoffice", "")
    replay = uuid.uuid4()
    first = created.withdraw(at(3), "backoffice", "complaint withdrawn", change_id=replay)
    assert created.withdraw(at(4), "backoffice", "again", change_id=replay) is first
    with pytest.raises(InvalidTransition, match="allowed: none"):
        created.withdraw(at(4), "backoffice", "again")
    # A withdrawn referral is an ended, rejected one: the case may reroute it.
    assert case.available_actions()[:2] == ["add_referral", "reroute"]


def test_case_withdrawal_waits_for_its_referrals_and_closes_the_case() -> None:
    case, (referral,) = referred("dinkes-3402")
    with pytest.raises(InvalidCaseTransition, match="referrals still open"):
        case.withdraw(at(2), "intake", "masalah sudah selesai sendiri")
    referral.withdraw(at(2), "intake", "complaint withdrawn")
    change = case.withdraw(at(2), "intake", "masalah sudah selesai sendiri")
    assert (change.kind, change.to_status) == ("withdrawn", CaseStatus.CLOSED)
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, CaseOutcome.WITHDRAWN)
    with pytest.raises(InvalidCaseTransition, match="the case has ended"):
        case.withdraw(at(3), "intake", "lagi")
    # Replay rebuilds the same case.
    rebuilt = Case.from_history(case.timeline())
    assert (rebuilt.status, rebuilt.outcome) == (CaseStatus.CLOSED, CaseOutcome.WITHDRAWN)


def test_attention_tells_the_back_office_what_to_do() -> None:
    case, (first, second) = referred("dinkes-3402", "dinsos-3402")
    assert attention(case, ["education.kip"]) == [Attention.UNROUTED]
    respond(first, A.REJECT, at(2), "officer-1", "bukan kewenangan kami")
    respond(second, A.RETURN, at(2), "officer-2", "mohon salinan KK")
    assert attention(case, []) == [Attention.REJECTED, Attention.RETURNED]
    case.reroute(first.referral_id, "dinsos-34", CLOCK, at(3), "backoffice")
    second.transition(S.DELIVERED, at(3), "backoffice", "salinan KK terlampir")
    assert attention(case, []) == []  # the rerouted referral and the answered one run
    empty, _ = Case.open(uuid.uuid4(), uuid.uuid4(), "3402052001", T0, "intake")
    assert attention(empty, []) == [Attention.OUTCOME_PENDING]
