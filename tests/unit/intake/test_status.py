"""Folding referral and registry events into the front-office complaint status."""

from __future__ import annotations

import pytest

from contracts.vocabulary import ReferralStatus as R
from services.intake.domain.status import ComplaintStatus as C
from services.intake.domain.status import StatusEvent as E
from services.intake.domain.status import fold_status


def test_registered_stays_until_assessed() -> None:
    assert fold_status(C.REGISTERED, E.REFERRAL_STATUS_CHANGED, {}) is C.REGISTERED
    assert fold_status(C.REGISTERED, E.ASSESSED, {}) is C.ASSESSED


def test_assessed_then_referred() -> None:
    assert fold_status(C.ASSESSED, E.REFERRAL_CREATED, {"dinsos": R.CREATED}) is C.REFERRED


def test_referral_before_assessment_event_still_refers() -> None:
    # events from different topics may arrive out of order
    assert fold_status(C.REGISTERED, E.REFERRAL_CREATED, {"dinkes": R.DELIVERED}) is C.REFERRED


def test_a_late_assessment_does_not_move_back() -> None:
    assert fold_status(C.REFERRED, E.ASSESSED, {"dinkes": R.CREATED}) is C.REFERRED


@pytest.mark.parametrize("working", [R.ACCEPTED, R.IN_PROGRESS])
def test_any_accepted_means_in_progress(working: R) -> None:
    referrals = {"dinsos": R.DELIVERED, "dukcapil": working}
    assert fold_status(C.REFERRED, E.REFERRAL_STATUS_CHANGED, referrals) is C.IN_PROGRESS


def test_resolved_only_when_all_finished_and_one_resolved() -> None:
    partial = {"dinsos": R.RESOLVED, "dinkes": R.IN_PROGRESS}
    assert fold_status(C.IN_PROGRESS, E.REFERRAL_STATUS_CHANGED, partial) is C.IN_PROGRESS
    done = {"dinsos": R.RESOLVED, "dinkes": R.REJECTED}
    assert fold_status(C.IN_PROGRESS, E.REFERRAL_STATUS_CHANGED, done) is C.RESOLVED


def test_one_resolved_while_another_still_waits_is_in_progress() -> None:
    referrals = {"dinsos": R.RESOLVED, "pln": R.DELIVERED}
    assert fold_status(C.REFERRED, E.REFERRAL_STATUS_CHANGED, referrals) is C.IN_PROGRESS


def test_all_rejected_is_not_resolved() -> None:
    referrals = {"dinsos": R.REJECTED, "dinkes": R.REJECTED}
    assert fold_status(C.IN_PROGRESS, E.REFERRAL_STATUS_CHANGED, referrals) is C.REFERRED


def test_returned_or_escalated_alone_is_referred() -> None:
    referrals = {"dinsos": R.RETURNED, "dinkes": R.ESCALATED}
    assert fold_status(C.IN_PROGRESS, E.REFERRAL_STATUS_CHANGED, referrals) is C.REFERRED


def test_new_referral_reopens_a_resolved_complaint() -> None:
    referrals = {"dinsos": R.RESOLVED, "perkim": R.CREATED}
    assert fold_status(C.RESOLVED, E.REFERRAL_CREATED, referrals) is C.IN_PROGRESS


def test_closed_is_terminal() -> None:
    assert fold_status(C.RESOLVED, E.CLOSED, {"dinsos": R.RESOLVED}) is C.CLOSED
    assert fold_status(C.CLOSED, E.REFERRAL_CREATED, {"dinsos": R.CREATED}) is C.CLOSED


def test_redelivered_event_is_idempotent() -> None:
    referrals = {"dinsos": R.ACCEPTED}
    once = fold_status(C.REFERRED, E.REFERRAL_STATUS_CHANGED, referrals)
    assert fold_status(once, E.REFERRAL_STATUS_CHANGED, referrals) is once is C.IN_PROGRESS
