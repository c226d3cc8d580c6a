"""Rows and domain objects: a referral saved and loaded again is the same referral (state,
due times, SLA terms, escalation), a case keeps its trace id, a legacy row without SLA terms
still loads, and every timeline row has the same columns (they are inserted in batches)."""

from __future__ import annotations

import datetime as dt
import uuid

from contracts import AgencyAction, Need, Sector, Urgency
from services.referral.adapters.records import (
    CaseInfo,
    case_from_rows,
    case_row,
    change_rows,
    clock_from,
    referral_from_row,
    referral_row,
)
from services.referral.domain.agency_actions import respond
from services.referral.domain.case import Case
from services.referral.domain.sla import WITA, default_policy

T0 = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)
CLOCK = default_policy().clock_for(Sector.HEALTH, "pbi_jk", Urgency.URGENT, WITA)
NEED = Need(code="health.pbi_jk", sector=Sector.HEALTH, program="PBI-JK", rule_id="r1",
            reason="no JKN; decile 2")


def info() -> CaseInfo:
    return CaseInfo("SLRT-7371-2026-000001", "7371010001", Sector.HEALTH, None, Urgency.URGENT,
                    None, [NEED], "Siti", "+6281234567890")


def test_a_referral_survives_the_round_trip() -> None:
    case, _ = Case.open(uuid.uuid4(), uuid.uuid4(), "7371010001", T0, "svc")
    change = case.add_referral("dinsos-7371", Sector.HEALTH, ["health.pbi_jk"], CLOCK, T0, "svc")
    assert change.referral is not None
    referral = case.referrals[change.referral.referral_id]
    respond(referral, AgencyAction.RETURN, T0 + dt.timedelta(hours=1), "o", "KK?")
    referral.escalate(T0 + dt.timedelta(hours=2), "manager")
    row = referral_row(referral, "7371010001", T0)
    loaded = referral_from_row(row)
    for name in ("referral_id", "status", "version", "accept_due_at", "resolve_due_at",
                 "answer_due_at", "paused_at", "accepted_at", "sla", "escalation_level",
                 "escalated_at", "need_codes", "sector"):
        assert getattr(loaded, name) == getattr(referral, name), name
    assert loaded.sla.zone == WITA and loaded.sla.rule_id == CLOCK.rule_id

    rebuilt, again = case_from_rows(case_row(case, info(), T0), [row])
    assert (rebuilt.status, rebuilt.version) == (case.status, case.version)
    assert again.needs == [NEED] and again.contact_phone == "+6281234567890"
    assert again.trace_id is None


def test_the_trace_id_is_kept_with_the_case_and_optional_in_old_rows() -> None:
    case, _ = Case.open(uuid.uuid4(), uuid.uuid4(), "7371010001", T0, "svc")
    traced = info()
    traced.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    row = case_row(case, traced, T0)
    assert case_from_rows(row, [])[1].trace_id == traced.trace_id
    del row["trace_id"]  # a row read before migration 0003 has no such column
    assert case_from_rows(row, [])[1].trace_id is None


def test_a_legacy_row_without_terms_gets_a_working_clock() -> None:
    clock = clock_from(None, WITA)
    assert clock.zone == WITA and clock.policy_version == "legacy"
    assert clock.deadlines(T0).accept_due_at > T0


def test_timeline_rows_share_their_columns() -> None:
    case, opened = Case.open(uuid.uuid4(), uuid.uuid4(), "7371010001", T0, "svc")
    added = case.add_referral("dinsos-7371", Sector.HEALTH, ["health.pbi_jk"], CLOCK, T0, "svc")
    assert added.referral is not None
    referral = case.referrals[added.referral.referral_id]
    moves = respond(referral, AgencyAction.ACCEPT, T0, "officer")
    escalation = referral.escalate(T0, "manager", "district")
    rows = change_rows([opened, added, *moves, escalation], case.case_id, "system")
    assert len({tuple(sorted(r)) for r in rows}) == 1
    assert [r["kind"] for r in rows] == ["opened", "referral_added", "status_changed",
                                         "status_changed", "escalated"]
