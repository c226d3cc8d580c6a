"""Referral's Kafka subscriptions: assessments open cases, withdrawals close them, agencies'
responses move referrals. Each handler runs one use case in the consumer's unit of work."""

from __future__ import annotations

import re
from collections.abc import Sequence

from opentelemetry import trace

from contracts import (
    AgencyResponseV1,
    ComplaintAssessedV1,
    ComplaintWithdrawnV1,
    EscalationRaisedV1,
)
from contracts.envelope import CloudEventMeta
from slrt.db import UnitOfWork
from slrt.messaging import Handler, Subscription
from slrt.outbox import Clock
from slrt.runtime import Runtime

from ..service_layer import agency_work, escalations, opening
from ..service_layer.policy import ReferralPolicy
from ..service_layer.unit import Work

_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")


def trace_id_of(meta: CloudEventMeta) -> str | None:
    """The trace an event belongs to: its `traceparent`'s (the complaint's journey, begun by
    intake's request), else the consuming span's; None when neither is valid."""
    found = _TRACEPARENT.match((meta.traceparent or "").strip().lower())
    if found and found.group(1) != "0" * 32:
        return found.group(1)
    context = trace.get_current_span().get_span_context()
    return f"{context.trace_id:032x}" if context.is_valid else None


def on_assessed(policy: ReferralPolicy, clock: Clock) -> Handler:
    async def handle(event: ComplaintAssessedV1, meta: CloudEventMeta, uow: UnitOfWork) -> None:
        await opening.open_case(Work(uow, clock()), policy, event, trace_id_of(meta))

    return handle


def on_withdrawn(clock: Clock) -> Handler:
    async def handle(event: ComplaintWithdrawnV1, meta: CloudEventMeta, uow: UnitOfWork) -> None:
        await opening.withdraw_case(Work(uow, clock()), event)

    return handle


def on_response(clock: Clock) -> Handler:
    async def handle(event: AgencyResponseV1, meta: CloudEventMeta, uow: UnitOfWork) -> None:
        await agency_work.on_agency_response(Work(uow, clock()), event, meta.id)

    return handle


def on_escalation(clock: Clock) -> Handler:
    async def handle(event: EscalationRaisedV1, meta: CloudEventMeta, uow: UnitOfWork) -> None:
        await escalations.record_escalation(Work(uow, clock()), event)

    return handle


def subscriptions(runtime: Runtime) -> Sequence[Subscription]:
    policy: ReferralPolicy = runtime.extras["policy"]
    return (
        Subscription(ComplaintAssessedV1.topic, ComplaintAssessedV1,
                     on_assessed(policy, runtime.clock)),
        Subscription(ComplaintWithdrawnV1.topic, ComplaintWithdrawnV1,
                     on_withdrawn(runtime.clock)),
        Subscription(AgencyResponseV1.topic, AgencyResponseV1, on_response(runtime.clock)),
        Subscription(EscalationRaisedV1.topic, EscalationRaisedV1, on_escalation(runtime.clock)),
    )
