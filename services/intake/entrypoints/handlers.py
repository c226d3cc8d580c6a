"""Intake's Kafka subscriptions: downstream events that feed the front-office read model."""

from __future__ import annotations

from collections.abc import Sequence

from contracts import (
    CaseClosedV1,
    CaseReopenedV1,
    ComplaintAssessedV1,
    ReferralCreatedV1,
    ReferralEscalatedV1,
    ReferralStatusChangedV1,
)
from slrt.messaging import Subscription
from slrt.runtime import Runtime

from ..service_layer import services


def subscriptions(_runtime: Runtime) -> Sequence[Subscription]:
    return (
        Subscription(ComplaintAssessedV1.topic, ComplaintAssessedV1,
                     services.on_complaint_assessed),
        Subscription(ReferralCreatedV1.topic, ReferralCreatedV1, services.on_referral_created),
        Subscription(ReferralStatusChangedV1.topic, ReferralStatusChangedV1,
                     services.on_referral_status_changed),
        Subscription(ReferralEscalatedV1.topic, ReferralEscalatedV1,
                     services.on_referral_escalated),
        Subscription(CaseClosedV1.topic, CaseClosedV1, services.on_case_closed),
        Subscription(CaseReopenedV1.topic, CaseReopenedV1, services.on_case_reopened),
    )
