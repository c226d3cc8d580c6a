"""Referral's Kafka subscriptions."""

from __future__ import annotations

from collections.abc import Sequence

from contracts import ComplaintAssessedV1
from slrt.messaging import Subscription
from slrt.runtime import Runtime

from ..service_layer.services import make_assessment_handler


def subscriptions(runtime: Runtime) -> Sequence[Subscription]:
    policy = runtime.extras["policy"]
    return (Subscription(ComplaintAssessedV1.topic, ComplaintAssessedV1,
                         make_assessment_handler(policy, runtime.clock)),)
