"""Registry's Kafka subscriptions: every registered complaint is matched and assessed."""

from __future__ import annotations

from collections.abc import Sequence

from contracts import ComplaintRegisteredV1
from slrt.messaging import Subscription
from slrt.runtime import Runtime

from ..service_layer.services import make_registered_handler


def subscriptions(runtime: Runtime) -> Sequence[Subscription]:
    return (Subscription(ComplaintRegisteredV1.topic, ComplaintRegisteredV1,
                         make_registered_handler(runtime.extras["rules"], runtime.clock)),)
