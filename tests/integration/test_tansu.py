"""The embedded Tansu broker: start/stop, explicit topics, the epoch marker, a real round trip."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from slrt.embedded import (
    EPOCH_TOPIC_PREFIX,
    BrokerStartError,
    PortInUse,
    TansuBroker,
    broker_epoch,
    ensure_broker_epoch,
    ensure_ports_free,
    ensure_topics,
    free_port,
    port_is_free,
    verify_topics,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TansuBroker]:
    with TansuBroker(tmp_path_factory.mktemp("tansu"), free_port()) as running:
        yield running


def _topics() -> dict[str, int]:
    run = uuid.uuid4().hex[:8]  # fresh names: the module shares one broker
    return {f"slrt.test.{run}.a.v1": 3, f"slrt.test.{run}.b.v1": 3}


async def test_topics_created_once_with_their_partitions(broker: TansuBroker) -> None:
    topics = _topics()
    assert await ensure_topics(broker.bootstrap, topics) == sorted(topics)
    assert await ensure_topics(broker.bootstrap, topics) == []
    assert await verify_topics(broker.bootstrap, topics) == {}


async def test_verify_reports_without_creating(broker: TansuBroker) -> None:
    topics = _topics()
    name, other = sorted(topics)
    await ensure_topics(broker.bootstrap, {name: 2})
    problems = await verify_topics(broker.bootstrap, topics)
    assert problems == {name: "has 2 partitions, expected 3", other: "missing"}
    # Still missing: checking must not auto-create (Tansu would make it with 4 partitions).
    assert (await verify_topics(broker.bootstrap, {other: 3})) == {other: "missing"}


async def test_epoch_created_once_and_stable(broker: TansuBroker) -> None:
    first = await ensure_broker_epoch(broker.bootstrap)
    assert len(first) == 32 and int(first, 16) >= 0
    assert await ensure_broker_epoch(broker.bootstrap) == first
    assert await broker_epoch(broker.bootstrap) == first
    problems = await verify_topics(broker.bootstrap, {EPOCH_TOPIC_PREFIX + first: 1})
    assert problems == {}


async def test_headers_roundtrip_byte_exact(broker: TansuBroker) -> None:
    (topic, _), *_ = _topics().items()
    await ensure_topics(broker.bootstrap, {topic: 3})
    headers = [
        ("ce_id", uuid.uuid4().bytes),
        ("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
        ("raw", bytes(range(256))),
        ("empty", b""),
        ("raw", b"\x00second value, same key"),
    ]
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, b'{"ok": true}', key=b"case-1", headers=headers)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=broker.bootstrap,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=10,  # Tansu answers a waiting fetch only when this runs out
    )
    await consumer.start()
    try:
        got = await consumer.getone()
    finally:
        await consumer.stop()
    assert (got.partition, got.offset) == (sent.partition, sent.offset)
    assert (got.key, got.value) == (b"case-1", b'{"ok": true}')
    assert list(got.headers) == headers


def test_lifecycle_frees_the_port(tmp_path: Path) -> None:
    port = free_port()
    broker = TansuBroker(tmp_path, port)
    broker.start()
    assert broker.running and broker.bootstrap == f"127.0.0.1:{port}"
    assert not port_is_free("127.0.0.1", port)
    with pytest.raises(PortInUse, match=rf"port {port} \(broker\) is already in use"):
        TansuBroker(tmp_path, port).start()
    broker.stop()
    broker.stop()  # idempotent
    assert not broker.running
    assert port_is_free("127.0.0.1", port)
    assert "starting tansu" in (tmp_path / "tansu.log").read_text()


def test_ports_named_in_errors() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        free = free_port()
        with pytest.raises(PortInUse) as info:
            ensure_ports_free({"intake": busy, "registry": free, "referral": free})
    message = str(info.value)
    assert (
        f"port {busy} (intake) is already in use: stop what uses it or pass --intake-port"
        in message
    )
    assert f"port {free} is given to both registry and referral: pass --referral-port" in message
    assert info.value.ports == {"intake": busy, "referral": free}


def test_start_error_carries_the_log(tmp_path: Path) -> None:
    broker = TansuBroker(tmp_path, free_port(), storage_engine="nonsense://nowhere/")
    with pytest.raises(BrokerStartError, match="tansu exited with code"):
        broker.start(timeout=10)
    assert not broker.running
