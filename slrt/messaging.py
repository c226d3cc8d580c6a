"""Kafka plumbing on FastStream 0.7: the broker factory, the relay's publish function, and
`subscribe()`, which gives every consumer the same guarantees:

* offsets are committed only after the handler's DB transaction commits (never the at-most-once
  `ACK_FIRST`): `AckPolicy.MANUAL`, and an `OffsetCommitter` that commits what was handled a
  moment later, many messages in one request (a commit per message cost more CPU, here and in
  the broker, than the handling itself); a crash between the two redelivers a few events, which
  the inbox absorbs;
* the event id goes into the inbox in that same transaction, so a redelivery changes nothing;
* a malformed event, or one whose handling still fails after bounded retries, is copied to
  `<topic>.dlq` with the error, then acknowledged; if even that fails, the message is redelivered;
* a handler that raises `Unprocessable` (the event can never succeed: it names something unknown,
  or asks for what is not allowed) has its event dead-lettered at once, without retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import ConsumerRebalanceListener, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Tracer, TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from pydantic import ValidationError

from contracts import Contract, dlq
from contracts.envelope import CloudEventMeta, EnvelopeError, decode, read_headers

from .db import UnitOfWork
from .settings import ServiceSettings

log = logging.getLogger(__name__)
_PROPAGATOR = TraceContextTextMapPropagator()

Handler = Callable[[Any, CloudEventMeta, UnitOfWork], Awaitable[None]]


def make_broker(settings: ServiceSettings, tracer_provider: TracerProvider | None) -> KafkaBroker:
    middlewares = [KafkaTelemetryMiddleware(tracer_provider=tracer_provider)]
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=f"slrt-{settings.service_name}",
        acks="all" if settings.kafka_acks == "all" else int(settings.kafka_acks),
        enable_idempotence=settings.kafka_enable_idempotence,
        compression_type=settings.kafka_compression,
        linger_ms=1,
        middlewares=middlewares,
        logger=logging.getLogger(f"slrt.{settings.service_name}.broker"),
        log_level=logging.DEBUG,  # FastStream logs every message at INFO otherwise
    )


class Unprocessable(Exception):
    """Raised by a handler for an event that no retry can make succeed; its message is the
    reason recorded on the dead letter. Nothing the handler did is committed."""


@dataclass(frozen=True)
class Subscription:
    """One consumed topic: its contract and the service-layer function that handles it."""

    topic: str
    contract: type[Contract]
    handler: Handler


class OffsetCommitter(ConsumerRebalanceListener):  # type: ignore[misc]
    """Commits the offsets of handled messages every `interval_s`, in one request.

    Offsets are recorded only once a message's effects are committed (or it is dead-lettered),
    so a commit never runs ahead of the database. Before partitions move to another consumer
    (rebalance) and at shutdown, what is pending is committed at once.
    """

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._pending: dict[TopicPartition, int] = {}
        self._consumer: Any = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.commits = 0  # requests sent (for tests and metrics)

    def handled(self, consumer: Any, record: Any) -> None:
        self._consumer = consumer
        partition = TopicPartition(record.topic, record.partition)
        self._pending[partition] = max(self._pending.get(partition, 0), record.offset + 1)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while self._pending:
            await asyncio.sleep(self.interval_s)
            await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            offsets, self._pending = self._pending, {}
            if not offsets or self._consumer is None:
                return
            try:
                await self._consumer.commit(offsets)
                self.commits += 1
            except Exception as exc:  # e.g. the partitions moved meanwhile
                # Not committed: the next owner gets these events again and its inbox
                # recognises them. Nothing is lost.
                log.info("offset commit skipped (%s): %d partition(s) will be redelivered",
                         type(exc).__name__, len(offsets))

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self.flush()

    async def on_partitions_assigned(self, assigned: Any) -> None:
        return None

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()


def subscribe(broker: KafkaBroker, settings: ServiceSettings,
              uow_factory: Callable[[], UnitOfWork], subscriptions: Sequence[Subscription],
              *, group: str | None = None,
              tracer_provider: TracerProvider | None = None) -> OffsetCommitter | None:
    """Register a service's subscriptions on the broker (before `broker.start()`).

    One Kafka consumer serves all of a service's topics and dispatches by topic: each consumer
    polls the broker on its own (every `fetch_max_wait_ms` on Tansu), so one per topic would
    multiply the idle cost and the group joins.

    With `consumer_batch_max_records` > 1 the consumer takes what the broker has ready in one
    call (FastStream's per-call cost is paid once per batch, not per event, which matters when
    events queue up); each event is still handled in its own transaction and its own span, a
    child of the event's traceparent.
    """
    if not subscriptions:
        return None
    by_topic = {sub.topic: sub for sub in subscriptions}
    if len(by_topic) != len(subscriptions):
        raise ValueError("one subscription per topic")
    group_id = f"{settings.kafka_consumer_group_prefix}.{group or settings.service_name}"
    committer = OffsetCommitter(settings.consumer_commit_interval_ms / 1000)
    batch = settings.consumer_batch_max_records > 1
    batching: dict[str, Any] = {
        "batch": True, "max_records": settings.consumer_batch_max_records,
        "batch_timeout_ms": settings.consumer_batch_timeout_ms} if batch else {}
    tracer = (tracer_provider or trace.get_tracer_provider()).get_tracer(__name__) \
        if batch else None
    broker.subscriber(
        *by_topic,
        decoder=_message_itself,
        group_id=group_id,
        ack_policy=AckPolicy.MANUAL,  # offsets: the committer, after each DB commit
        listener=committer,
        auto_offset_reset=settings.kafka_auto_offset_reset,  # type: ignore[arg-type]
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        **batching,
    )(_consumer_for(broker, settings, uow_factory, by_topic, group_id, committer, tracer))
    return committer


async def _message_itself(message: KafkaMessage) -> KafkaMessage:
    """Our consumers' decoder: the handler gets the message itself, and `_read` decodes each
    record with its contract. FastStream's own decoder parsed every body as JSON for nothing,
    and a handler parameter taken from FastStream's context (the `KafkaMessage` annotation) is
    resolved by a sync function, which fast_depends runs in a worker thread on every call."""
    return message


def _consumer_for(broker: KafkaBroker, settings: ServiceSettings,
                  uow_factory: Callable[[], UnitOfWork], by_topic: dict[str, Subscription],
                  group_id: str, committer: OffsetCommitter, tracer: Tracer | None
                  ) -> Callable[[Any], Awaitable[None]]:
    handle = _record_handler(broker, settings, uow_factory, by_topic, group_id)
    handle_together = _batch_handler(uow_factory, by_topic, tracer) if tracer else None

    async def consume(msg: Any) -> None:  # the KafkaMessage, by `_message_itself`
        raw = msg.raw_message
        records = raw if isinstance(raw, (tuple, list)) else (raw,)  # list: TestKafkaBroker
        if handle_together is not None and len(records) > 1 and await handle_together(records):
            for record in records:
                committer.handled(msg.consumer, record)
            return
        for record in records:
            try:
                if tracer is None:  # one message per call: FastStream's span is the event's
                    await handle(record)
                else:
                    with _event_span(tracer, record):
                        await handle(record)
            except BaseException:
                # Neither handled nor dead-lettered (even the DLQ failed): rewind every
                # partition of the call to its first record, so this one comes again (those
                # already handled come too, and their inbox entries skip them). Its offset is
                # never committed.
                await msg.nack()
                raise
            committer.handled(msg.consumer, record)

    return consume


def _event_span(tracer: Tracer, record: Any) -> Any:
    """A CONSUMER span for one event of a batch, in the trace its traceparent names."""
    carrier = {k: v.decode("latin-1") for k, v in (record.headers or ())
               if k in ("traceparent", "tracestate")}
    return tracer.start_as_current_span(
        f"{record.topic} process", kind=SpanKind.CONSUMER,
        context=_PROPAGATOR.extract(carrier),
        attributes={"messaging.system": "kafka", "messaging.operation": "process",
                    "messaging.destination.name": record.topic,
                    "messaging.kafka.destination.partition": record.partition,
                    "messaging.kafka.message.offset": record.offset})


#: What reading a record can fail with: no retry can help, it goes to the dead letters.
_MALFORMED = (EnvelopeError, ValidationError)


def _read(sub: Subscription, record: Any) -> tuple[CloudEventMeta, Contract]:
    """A record's CloudEvents headers and its event; raises one of _MALFORMED."""
    return read_headers(dict(record.headers or ())), decode(sub.contract, record.value)


def _batch_handler(uow_factory: Callable[[], UnitOfWork], by_topic: dict[str, Subscription],
                   tracer: Tracer) -> Callable[[Sequence[Any]], Awaitable[bool]]:
    async def handle_together(records: Sequence[Any]) -> bool:
        """Handle a batch's events in one transaction: one commit instead of one per event.
        False, with nothing committed, if any event is malformed, refused or fails: the batch
        then goes event by event, each with its own retries and dead letter (the inbox skips
        what a handler's own commit already wrote)."""
        decoded = []
        for record in records:
            sub = by_topic[record.topic]
            try:
                decoded.append((record, sub, *_read(sub, record)))
            except _MALFORMED:
                return False
        try:
            async with uow_factory() as uow:
                for record, sub, meta, event in decoded:
                    with _event_span(tracer, record):
                        if await uow.already_handled(meta.id, sub.topic):
                            continue
                        await sub.handler(event, meta, uow)
                        await uow.flush_deferred()  # later events may read those rows
                await uow.commit()
        except Exception as exc:
            log.info("a batch of %d events failed together (%s); handling them one by one",
                     len(records), type(exc).__name__)
            return False
        return True

    return handle_together


def _record_handler(broker: KafkaBroker, settings: ServiceSettings,
                    uow_factory: Callable[[], UnitOfWork], by_topic: dict[str, Subscription],
                    group_id: str) -> Callable[[Any], Awaitable[None]]:
    async def handle(record: Any) -> None:
        sub = by_topic[record.topic]
        try:
            meta, event = _read(sub, record)
        except _MALFORMED as exc:
            log.warning("malformed event on %s@%s: %s", sub.topic, record.offset, _short(exc))
            await dead_letter(broker, record, group_id, exc, attempts=0)
            return
        error: BaseException | None = None
        for attempt in range(1, settings.consumer_max_attempts + 1):
            try:
                async with uow_factory() as uow:
                    if await uow.already_handled(meta.id, sub.topic):
                        return  # a redelivery: its effects are already committed
                    await sub.handler(event, meta, uow)
                    await uow.commit()
                return
            except Unprocessable as exc:
                log.warning("%s event %s refused: %s", sub.topic, meta.id, _short(exc))
                await dead_letter(broker, record, group_id, exc, attempts=attempt)
                return
            except Exception as exc:  # retried, then dead-lettered below
                error = exc
                log.warning("handling %s event %s failed (attempt %d/%d): %s", sub.topic,
                            meta.id, attempt, settings.consumer_max_attempts, _short(exc))
                await asyncio.sleep(settings.consumer_retry_backoff_s * attempt)
        assert error is not None
        await dead_letter(broker, record, group_id, error,
                          attempts=settings.consumer_max_attempts)

    return handle


async def dead_letter(broker: KafkaBroker, record: Any, group_id: str, error: BaseException,
                      *, attempts: int) -> None:
    """Copy a record byte-for-byte to `<topic>.dlq` with why it failed (no payload in logs)."""
    headers = {k: v.decode("utf-8", "replace") for k, v in (record.headers or ())}
    headers.update({
        "dlq_error": _short(error),
        "dlq_error_type": type(error).__name__,
        "dlq_source_topic": record.topic,
        "dlq_partition": str(record.partition),
        "dlq_offset": str(record.offset),
        "dlq_group": group_id,
        "dlq_attempts": str(attempts),
        "dlq_failed_at": dt.datetime.now(dt.UTC).isoformat(),
    })
    await broker.publish(record.value, dlq(record.topic), key=record.key, headers=headers)


def _short(exc: BaseException) -> str:
    # Validation messages can quote input values: keep the error's location and type only.
    if isinstance(exc, ValidationError):
        found = (f"{'.'.join(map(str, e['loc']))}: {e['type']}" for e in exc.errors())
        return "; ".join(found)[:1000]
    return f"{type(exc).__name__}: {exc}"[:1000]
