"""Case state machine: referred, closed only after every referral ended and the complainant was
informed, reopen, reroute, handled at Puskesos, merged; versions, change ids and replay."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from contracts.vocabulary import ReferralStatus as S
from contracts.vocabulary import Sector, Urgency
from services.referral.domain.case import (
    AnyChange,
    Case,
    CaseAction,
    CaseChange,
    CaseOutcome,
    CaseStatus,
    InvalidCaseTransition,
)
from services.referral.domain.errors import (
    ChangeIdReused,
    DomainError,
    NoteRequired,
    VersionConflict,
)
from services.referral.domain.sla import WIB, default_policy
from services.referral.domain.state import Escalation, Referral

A = CaseAction
T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=ZoneInfo(WIB))
CLOCK = default_policy().clock_for(Sector.HEALTH, None, Urgency.NORMAL, WIB)


def at(hours: int) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def opened() -> Case:
    case, _ = Case.open(uuid.uuid4(), uuid.uuid4(), "3402052001", T0, "intake")
    return case


def refer(case: Case, agency_id: str = "dinkes-3402", hours: int = 1) -> Referral:
    change = case.add_referral(agency_id, Sector.HEALTH, ["health.treatment"], CLOCK, at(hours),
                               "referral-service")
    assert change.referral is not None
    return case.referrals[change.referral.referral_id]


def resolve(referral: Referral, hours: int = 2) -> None:
    for status in (S.DELIVERED, S.ACCEPTED, S.RESOLVED):
        referral.transition(status, at(hours), "officer")


def reject(referral: Referral, hours: int = 2) -> None:
    referral.transition(S.DELIVERED, at(hours), "system")
    referral.transition(S.REJECTED, at(hours), "officer", "bukan kewenangan dinas ini")


def test_open_refer_resolve_inform_close() -> None:
    case = opened()
    assert (case.status, case.version) == (CaseStatus.OPEN, 1)
    assert case.available_actions() == [A.ADD_REFERRAL, A.HANDLE_AT_PUSKESOS, A.MERGE]
    referral = refer(case)
    assert (case.status, case.version) == (CaseStatus.REFERRED, 2)
    assert referral.case_id == case.case_id and referral.complaint_id == case.complaint_id
    assert referral.created_at == at(1) and referral.accept_due_at == CLOCK.deadlines(
        at(1)).accept_due_at
    resolve(referral)
    assert case.available_actions() == [A.ADD_REFERRAL, A.INFORM_COMPLAINANT, A.MERGE]
    informed = case.inform_complainant(at(3), "backoffice", "ditelepon, KIS sudah terbit")
    assert informed.kind == "complainant_informed" and case.informed_at == at(3)
    closed = case.close(at(4), "backoffice")
    assert (closed.from_status, closed.to_status, closed.version) == (
        CaseStatus.REFERRED, CaseStatus.CLOSED, 4
    )
    assert case.outcome is CaseOutcome.REFERRALS_ENDED
    assert case.available_actions() == [A.REOPEN]


def test_close_waits_for_every_referral_and_the_complainant() -> None:
    case = opened()
    first, second = refer(case), refer(case, "dinsos-3402")
    resolve(first)
    with pytest.raises(InvalidCaseTransition) as info:
        case.close(at(5), "backoffice")
    assert str(second.referral_id) in info.value.reason
    assert info.value.allowed == [A.ADD_REFERRAL, A.MERGE]
    assert "allowed: add_referral, merge" in str(info.value)
    with pytest.raises(InvalidCaseTransition, match="referrals still open"):
        case.inform_complainant(at(5), "backoffice", "sudah dikabari")
    reject(second)
    with pytest.raises(InvalidCaseTransition, match="not been informed"):
        case.close(at(5), "backoffice")
    with pytest.raises(NoteRequired):
        case.inform_complainant(at(5), "backoffice", " ")
    case.inform_complainant(at(5), "backoffice", "dikunjungi pendamping")
    with pytest.raises(InvalidCaseTransition, match="already informed"):
        case.inform_complainant(at(6), "backoffice", "lagi")
    # A new referral after informing: the complainant must hear about its end too.
    third = refer(case, "dinsos-34", hours=6)
    assert case.informed_at is None
    resolve(third, hours=7)
    case.inform_complainant(at(8), "backoffice", "SMS")
    case.close(at(8), "backoffice")
    assert case.status is CaseStatus.CLOSED


def test_nothing_leaves_closed_except_reopen() -> None:
    case = opened()
    case.handle_at_puskesos(at(1), "puskesos-sidomulyo", "KK diurus langsung di desa")
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, CaseOutcome.HANDLED_AT_PUSKESOS)
    attempts = [
        lambda: case.add_referral("dinkes-3402", Sector.HEALTH, ["health.x"], CLOCK, at(2), "b"),
        lambda: case.close(at(2), "b"),
        lambda: case.merge_into(uuid.uuid4(), at(2), "b"),
        lambda: case.handle_at_puskesos(at(2), "b", "lagi"),
        lambda: case.inform_complainant(at(2), "b", "lagi"),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidCaseTransition, match="a closed case; allowed: reopen") as info:
            attempt()
        assert info.value.allowed == [A.REOPEN]
    assert case.version == 2
    with pytest.raises(NoteRequired, match="reopen"):
        case.reopen(at(3), "manager", "")
    reopened = case.reopen(at(3), "manager", "warga datang lagi: KIS belum aktif")
    assert (reopened.to_status, case.outcome, case.informed_at) == (CaseStatus.OPEN, None, None)
    refer(case, hours=4)
    assert case.status is CaseStatus.REFERRED


def test_rejected_referral_is_rerouted_and_the_replacement_must_end() -> None:
    case = opened()
    rejected = refer(case)
    with pytest.raises(InvalidCaseTransition, match="no rejected referral"):
        case.reroute(rejected.referral_id, "dinsos-3402", CLOCK, at(2), "backoffice")
    reject(rejected)
    change = case.reroute(rejected.referral_id, "dinsos-3402", CLOCK, at(3), "backoffice",
                          "PBI-JK lewat Dinas Sosial")
    assert change.kind == "rerouted" and change.referral is not None
    new = case.referrals[change.referral.referral_id]
    assert (new.rerouted_from, new.agency_id, new.need_codes) == (
        rejected.referral_id, "dinsos-3402", rejected.need_codes
    )
    assert case.rerouted == {rejected.referral_id: new.referral_id}
    with pytest.raises(InvalidCaseTransition, match="no rejected referral"):
        case.reroute(rejected.referral_id, "kemensos", CLOCK, at(3), "backoffice")
    with pytest.raises(InvalidCaseTransition, match="referrals still open"):
        case.inform_complainant(at(4), "backoffice", "x")
    resolve(new, hours=4)
    case.inform_complainant(at(5), "backoffice", "ditelepon")
    case.close(at(5), "backoffice")


def test_handled_at_puskesos_needs_a_note_and_no_open_referral() -> None:
    case = opened()
    with pytest.raises(NoteRequired, match="Puskesos"):
        case.handle_at_puskesos(at(1), "puskesos", "")
    refer(case)
    with pytest.raises(InvalidCaseTransition) as info:
        case.handle_at_puskesos(at(2), "puskesos", "selesai")
    assert info.value.requested is A.HANDLE_AT_PUSKESOS


def test_merged_is_terminal_and_keeps_the_pointer() -> None:
    case, target = opened(), uuid.uuid4()
    running = refer(case)
    with pytest.raises(DomainError, match="itself"):
        case.merge_into(case.case_id, at(2), "backoffice")
    merged = case.merge_into(target, at(2), "backoffice", "duplikat keluhan")
    assert (case.status, case.merged_into) == (CaseStatus.MERGED, target)
    assert merged.open_referral_ids == (running.referral_id,)
    with pytest.raises(InvalidCaseTransition, match=f"merged into {target}") as info:
        case.reopen(at(3), "manager", "salah gabung")
    assert info.value.allowed == []
    # The agency still acts on the running referral.
    running.transition(S.DELIVERED, at(3), "system")


def test_case_version_conflict_and_idempotent_change_ids() -> None:
    case = opened()
    change_id = uuid.uuid4()
    first = case.add_referral("dinkes-3402", Sector.HEALTH, ["health.x"], CLOCK, at(1), "svc",
                              expected_version=1, change_id=change_id)
    again = case.add_referral("dinkes-3402", Sector.HEALTH, ["health.x"], CLOCK, at(2), "svc",
                              expected_version=1, change_id=change_id)
    assert again is first and case.version == 2 and len(case.referrals) == 1
    with pytest.raises(VersionConflict) as info:
        case.merge_into(uuid.uuid4(), at(3), "backoffice", expected_version=1)
    assert (info.value.expected, info.value.actual) == (1, 2)
    assert "case" in str(info.value) and case.status is CaseStatus.REFERRED
    with pytest.raises(ChangeIdReused):
        case.close(at(3), "backoffice", change_id=change_id)


def label(change: AnyChange) -> str:
    if isinstance(change, CaseChange):
        return change.kind
    if isinstance(change, Escalation):
        return f"escalated:{change.level}"
    return change.to_status.value


def test_timeline_and_rebuild_from_history() -> None:
    case = opened()
    referral = refer(case)
    reject(referral, hours=2)
    case.reroute(referral.referral_id, "dinsos-3402", CLOCK, at(3), "backoffice")
    replacement = case.referrals[case.rerouted[referral.referral_id]]
    replacement.escalate(at(4), "sla-clock")
    timeline = case.timeline()
    assert [label(c) for c in timeline] == [
        "opened", "referral_added", "delivered", "rejected", "rerouted", "escalated:district",
    ]
    assert [c.at for c in timeline] == sorted(c.at for c in timeline)
    rebuilt = Case.from_history(reversed(timeline))
    assert rebuilt == case
    assert not any(rebuilt.apply(c) for c in timeline)  # replay changes nothing
    assert rebuilt == case
    with pytest.raises(ValueError, match="opened"):
        Case.from_history(timeline[1:])


def test_applying_a_foreign_or_out_of_order_change_is_refused() -> None:
    case, other = opened(), opened()
    delivered = refer(other).transition(S.DELIVERED, at(2), "system")
    foreign = other.history[1]
    with pytest.raises(ValueError, match="another case"):
        case.apply(foreign)
    with pytest.raises(ValueError, match="unknown referral"):
        case.apply(delivered)
    later = CaseChange(case.case_id, "closed", CaseStatus.REFERRED, CaseStatus.CLOSED, at(1),
                       "x", None, 5)
    with pytest.raises(VersionConflict):
        case.apply(later)
    assert case.version == 1 and case.status is CaseStatus.OPEN


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        Case.open(uuid.uuid4(), uuid.uuid4(), "3402052001", dt.datetime(2026, 5, 4), "x")
    with pytest.raises(ValueError, match="aware"):
        opened().handle_at_puskesos(dt.datetime(2026, 5, 4), "x", "note")
