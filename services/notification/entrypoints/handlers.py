"""Notification's Kafka subscriptions: the referral lifecycle and case closure."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from contracts import CaseClosedV1, ReferralCreatedV1, ReferralStatusChangedV1
from slrt.messaging import Subscription
from slrt.runtime import Runtime

from ..service_layer import services
from ..service_layer.context import Notifier


def subscriptions(runtime: Runtime) -> Sequence[Subscription]:
    notifier: Notifier = runtime.extras["notifier"]
    return (
        Subscription(ReferralCreatedV1.topic, ReferralCreatedV1,
                     partial(services.on_referral_created, notifier)),
        Subscription(ReferralStatusChangedV1.topic, ReferralStatusChangedV1,
                     partial(services.on_referral_status_changed, notifier)),
        Subscription(CaseClosedV1.topic, CaseClosedV1,
                     partial(services.on_case_closed, notifier)),
    )
