"""The consumer wrapper's rules, on FastStream's in-memory TestKafkaBroker (no I/O): inbox
dedup, bounded retries, dead letters for malformed and failing events."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from types import SimpleNamespace, TracebackType
from typing import Any, Self

import pytest
from faststream.kafka import KafkaBroker, KafkaMessage, TestKafkaBroker
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from contracts import ComplaintRegisteredV1, dlq
from contracts.envelope import CloudEventMeta, encode, headers_for
from slrt.messaging import Subscription, Unprocessable, _batch_handler, subscribe
from slrt.settings import ServiceSettings

TOPIC = ComplaintRegisteredV1.topic
SAMPLE = ComplaintRegisteredV1.model_validate_json(
    (Path(__file__).parents[2] / "contracts/samples/complaint.registered.v1.json").read_text())


class FakeUnitOfWork:
    """Records commits and the inbox in memory (the real one is tested on SQLite/PostgreSQL)."""

    handled: set[str] = set()
    commits = 0
    flushes = 0

    async def __aenter__(self) -> Self:
        self._pending: set[str] = set()
        return self

    async def __aexit__(self, *exc: type[BaseException] | BaseException | TracebackType | None
                        ) -> None:
        self._pending = set()

    async def already_handled(self, event_id: str, topic: str) -> bool:
        if event_id in FakeUnitOfWork.handled:
            return True
        self._pending.add(event_id)
        return False

    async def flush_deferred(self) -> None:
        FakeUnitOfWork.flushes += 1

    async def commit(self) -> None:
        FakeUnitOfWork.handled |= self._pending
        FakeUnitOfWork.commits += 1


@pytest.fixture(autouse=True)
def _reset() -> None:
    FakeUnitOfWork.handled = set()
    FakeUnitOfWork.commits = 0
    FakeUnitOfWork.flushes = 0


def make(handler: Any) -> tuple[KafkaBroker, list[Any]]:
    broker = KafkaBroker()
    settings = ServiceSettings(service_name="test", consumer_max_attempts=3,
                               consumer_retry_backoff_s=0)
    subscribe(broker, settings, FakeUnitOfWork, [Subscription(TOPIC, ComplaintRegisteredV1,
                                                              handler)])  # type: ignore[arg-type]
    dead: list[Any] = []

    @broker.subscriber(dlq(TOPIC))
    async def _dead(message: KafkaMessage) -> None:
        dead.append(message)

    return broker, dead


async def test_each_event_is_handled_once() -> None:
    seen: list[uuid.UUID] = []

    async def handler(event: ComplaintRegisteredV1, meta: CloudEventMeta, uow: Any) -> None:
        seen.append(event.complaint_id)

    broker, dead = make(handler)
    headers = headers_for(SAMPLE, source="/test")
    async with TestKafkaBroker(broker) as br:
        await br.publish(encode(SAMPLE), TOPIC, headers=headers)
        await br.publish(encode(SAMPLE), TOPIC, headers=headers)  # redelivery, same ce_id
    assert seen == [SAMPLE.complaint_id]
    assert FakeUnitOfWork.commits == 1
    assert dead == []


async def test_malformed_body_goes_to_dlq_without_calling_the_handler() -> None:
    calls: list[Any] = []

    async def handler(*args: Any) -> None:
        calls.append(args)

    broker, dead = make(handler)
    body = json.dumps({"complaint_id": "nope"}).encode()
    async with TestKafkaBroker(broker) as br:
        await br.publish(body, TOPIC, headers=headers_for(SAMPLE, source="/test"))
    assert calls == []
    assert len(dead) == 1
    assert dead[0].headers["dlq_error_type"] == "ValidationError"
    assert dead[0].headers["dlq_attempts"] == "0"
    assert dead[0].body == body


async def test_failing_handler_is_retried_then_dead_lettered() -> None:
    attempts: list[int] = []

    async def handler(*args: Any) -> None:
        attempts.append(1)
        raise RuntimeError("registry database unavailable")

    broker, dead = make(handler)
    async with TestKafkaBroker(broker) as br:
        await br.publish(encode(SAMPLE), TOPIC, headers=headers_for(SAMPLE, source="/test"))
    assert len(attempts) == 3
    assert FakeUnitOfWork.commits == 0
    assert dead[0].headers["dlq_error"] == "RuntimeError: registry database unavailable"
    assert dead[0].headers["dlq_attempts"] == "3"


async def test_unprocessable_event_is_dead_lettered_at_once_with_its_reason() -> None:
    attempts: list[int] = []

    class UnknownThing(Unprocessable):
        pass

    async def handler(*args: Any) -> None:
        attempts.append(1)
        raise UnknownThing("unknown referral 42")

    broker, dead = make(handler)
    async with TestKafkaBroker(broker) as br:
        await br.publish(encode(SAMPLE), TOPIC, headers=headers_for(SAMPLE, source="/test"))
    assert attempts == [1]  # no retry: it could never succeed
    assert FakeUnitOfWork.commits == 0 and FakeUnitOfWork.handled == set()
    assert dead[0].headers["dlq_error"] == "UnknownThing: unknown referral 42"
    assert dead[0].headers["dlq_error_type"] == "UnknownThing"
    assert dead[0].headers["dlq_attempts"] == "1"


# --- a batch of ready events in one transaction ---------------------------------------------


def record(offset: int, *, trace_id: int, body: bytes | None = None,
           event_id: uuid.UUID | None = None) -> SimpleNamespace:
    """A consumed record as aiokafka hands it over."""
    event = SAMPLE.model_copy(update={"complaint_id": uuid.uuid4()})
    headers = headers_for(event, source="/test", event_id=event_id,
                          traceparent=f"00-{trace_id:032x}-{'1' * 16}-01")
    return SimpleNamespace(topic=TOPIC, partition=0, offset=offset, key=None,
                           value=encode(event) if body is None else body,
                           headers=[(k, v.encode()) for k, v in headers.items()])


def together(handler: Any) -> Any:
    tracer = TracerProvider().get_tracer("test")
    return _batch_handler(FakeUnitOfWork, {TOPIC: Subscription(  # type: ignore[arg-type]
        TOPIC, ComplaintRegisteredV1, handler)}, tracer)


async def test_a_batch_is_handled_in_one_commit_each_event_in_its_own_trace() -> None:
    traces: list[int] = []

    async def handler(event: ComplaintRegisteredV1, meta: CloudEventMeta, uow: Any) -> None:
        traces.append(trace.get_current_span().get_span_context().trace_id)

    records = [record(n, trace_id=n + 1) for n in range(3)]
    assert await together(handler)(records) is True
    assert traces == [1, 2, 3]
    assert FakeUnitOfWork.commits == 1 and len(FakeUnitOfWork.handled) == 3
    assert FakeUnitOfWork.flushes == 3  # each event's deferred rows, before the next reads


async def test_an_event_seen_before_is_skipped_inside_the_batch() -> None:
    calls: list[Any] = []

    async def handler(*args: Any) -> None:
        calls.append(args)

    seen = uuid.uuid4()
    FakeUnitOfWork.handled = {str(seen)}
    records = [record(0, trace_id=1, event_id=seen), record(1, trace_id=2)]
    assert await together(handler)(records) is True
    assert len(calls) == 1 and FakeUnitOfWork.commits == 1


async def test_a_failing_event_sends_the_batch_one_by_one_with_nothing_committed() -> None:
    async def handler(event: ComplaintRegisteredV1, *args: Any) -> None:
        if event.complaint_id == failing:
            raise RuntimeError("registry database unavailable")

    records = [record(n, trace_id=n + 1) for n in range(3)]
    failing = ComplaintRegisteredV1.model_validate_json(records[1].value).complaint_id
    assert await together(handler)(records) is False
    assert FakeUnitOfWork.commits == 0 and FakeUnitOfWork.handled == set()


async def test_a_malformed_event_sends_the_batch_one_by_one_before_any_handler_runs() -> None:
    calls: list[Any] = []

    async def handler(*args: Any) -> None:
        calls.append(args)

    records = [record(0, trace_id=1), record(1, trace_id=2, body=b'{"complaint_id": "nope"}')]
    assert await together(handler)(records) is False
    assert calls == [] and FakeUnitOfWork.commits == 0
