"""Dead-letter tools: list what failed and why, and replay it onto its source topic once the
cause is fixed. Replay progress is a committed consumer-group offset, so each dead letter is
replayed once, and a replay that stops half-way resumes where it stopped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from contracts import dlq

DLQ_HEADER_PREFIX = "dlq_"


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]

    @property
    def error(self) -> str:
        return dict(self.headers).get("dlq_error", b"").decode("utf-8", "replace")


async def _drain(consumer: AIOKafkaConsumer, idle_polls: int = 5) -> list[DeadLetter]:
    letters: list[DeadLetter] = []
    idle = 0
    while idle < idle_polls:
        batch = await consumer.getmany(timeout_ms=200)
        idle = 0 if batch else idle + 1
        for records in batch.values():
            letters += [DeadLetter(r.partition, r.offset, r.key, r.value, list(r.headers))
                        for r in records]
    return letters


async def list_dead_letters(bootstrap: str, topic: str) -> list[DeadLetter]:
    consumer = AIOKafkaConsumer(dlq(topic), bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False,
                                fetch_max_wait_ms=50)
    await consumer.start()
    try:
        return await _drain(consumer)
    finally:
        await consumer.stop()


async def replay(bootstrap: str, topic: str, *, enable_idempotence: bool = False,
                 session_timeout_ms: int = 6000,
                 on_replayed: Callable[[DeadLetter], None] | None = None) -> int:
    """Publish every not-yet-replayed dead letter of `topic` back onto `topic`."""
    consumer = AIOKafkaConsumer(dlq(topic), bootstrap_servers=bootstrap,
                                group_id=f"slrt.dlq-replay.{topic}", auto_offset_reset="earliest",
                                enable_auto_commit=False, fetch_max_wait_ms=50,
                                session_timeout_ms=session_timeout_ms,
                                heartbeat_interval_ms=session_timeout_ms // 6)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all",
                                enable_idempotence=enable_idempotence)
    await consumer.start()
    await producer.start()
    replayed = 0
    try:
        while letters := await _drain(consumer, idle_polls=3):
            for letter in letters:
                headers = [(k, v) for k, v in letter.headers
                           if not k.startswith(DLQ_HEADER_PREFIX)]
                headers.append(("dlq_replayed_from",
                                f"{dlq(topic)}:{letter.partition}:{letter.offset}".encode()))
                await producer.send_and_wait(topic, letter.value, key=letter.key,
                                             headers=headers)
                # Commit after the send: a crash in between replays this letter again, which
                # the consumers' inboxes absorb (at-least-once, effectively once).
                await consumer.commit({TopicPartition(dlq(topic), letter.partition):
                                       letter.offset + 1})
                replayed += 1
                if on_replayed is not None:
                    on_replayed(letter)
    finally:
        await producer.stop()
        await consumer.stop()
    return replayed
