"""At-least-once in, effectively-once effects: replays change nothing, poison goes to the DLQ."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from contracts import ComplaintAssessedV1, ComplaintRegisteredV1, dlq
from contracts.envelope import encode, headers_for
from services.registry.adapters.tables import assessments
from services.registry.domain.demo import DEMO_NIK_WITH_SCHOOL_CHILD

from .conftest import System, eventually, produce, read_topic

pytestmark = pytest.mark.integration

SAMPLE = json.loads((Path(__file__).parents[2] / "contracts" / "samples" /
                     "complaint.registered.v1.json").read_text())


def registered(complaint_id: uuid.UUID) -> ComplaintRegisteredV1:
    event = ComplaintRegisteredV1.model_validate(SAMPLE)
    return event.model_copy(update={"complaint_id": complaint_id,
                                    "complainant": event.complainant.model_copy(
                                        update={"nik": DEMO_NIK_WITH_SCHOOL_CHILD})})


async def assessment_count(system: System, complaint_id: uuid.UUID) -> int:
    async with system.runtime("registry").sessions() as session:
        return int((await session.execute(
            select(func.count()).select_from(assessments)
            .where(assessments.c.complaint_id == str(complaint_id)))).scalar_one())


async def test_redelivered_event_changes_nothing(sqlite_system: System) -> None:
    system = sqlite_system
    complaint_id = uuid.uuid4()
    event = registered(complaint_id)
    headers = headers_for(event, source="/test", event_id=uuid.uuid4())
    # The same event (same ce_id) twice, then the same complaint under a new event id.
    for h in (headers, headers, headers_for(event, source="/test", event_id=uuid.uuid4())):
        await produce(system.bootstrap, event.topic, encode(event), event.key().encode(), h)

    await eventually(lambda: _inbox_holds(system, 2))  # both distinct event ids handled
    assert await assessment_count(system, complaint_id) == 1
    mine = lambda r: json.loads(r.value)["complaint_id"] == str(complaint_id)  # noqa: E731
    records = await read_topic(system.bootstrap, ComplaintAssessedV1.topic,
                               lambda rs: any(mine(r) for r in rs))
    assert len([r for r in records if mine(r)]) == 1


async def _inbox_holds(system: System, count: int) -> bool:
    runtime = system.runtime("registry")
    async with runtime.sessions() as session:
        n = (await session.execute(select(func.count()).select_from(runtime.inbox))).scalar_one()
    return int(n) >= count


async def test_malformed_event_goes_to_dlq_and_consumer_keeps_going(sqlite_system: System) -> None:
    system = sqlite_system
    topic = ComplaintRegisteredV1.topic
    good = registered(uuid.uuid4())
    await produce(system.bootstrap, topic, b'{"complaint_id": "not json', b"k1",
                  {"ce_id": "bad-1", "ce_type": ComplaintRegisteredV1.event_type,
                   "ce_source": "/test", "ce_specversion": "1.0"})
    await produce(system.bootstrap, topic, encode(good), b"k2", {"ce_type": "missing-id"})
    await produce(system.bootstrap, topic, encode(good), good.key().encode(),
                  headers_for(good, source="/test"))

    dead = await read_topic(system.bootstrap, dlq(topic), lambda rs: len(rs) >= 2)
    errors = [dict(r.headers)["dlq_error_type"].decode() for r in dead]
    assert sorted(errors) == ["EnvelopeError", "ValidationError"]
    assert dead[0].value == b'{"complaint_id": "not json'  # copied byte for byte
    assert all(dict(r.headers)["dlq_source_topic"].decode() == topic for r in dead)

    # The good event after the poison ones is still assessed.
    await eventually(lambda: _assessed(system, good.complaint_id))


async def _assessed(system: System, complaint_id: uuid.UUID) -> bool:
    return await assessment_count(system, complaint_id) == 1


async def test_offsets_are_committed_together_after_the_effects(sqlite_system: System) -> None:
    """Twenty events: all handled, their offsets committed in far fewer requests than events
    (one per message cost more than the handling), and never past what was handled."""
    from aiokafka import TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    from contracts.topics import CORE_TOPICS

    system = sqlite_system
    runtime = system.runtime("registry")
    committer = runtime.committer
    before = committer.commits
    ids = [uuid.uuid4() for _ in range(20)]
    for complaint_id in ids:
        event = registered(complaint_id)
        await produce(system.bootstrap, event.topic, encode(event), event.key().encode(),
                      headers_for(event, source="/test", event_id=uuid.uuid4()))
    await eventually(lambda: _all_assessed(system, ids))
    await committer.flush()
    assert 1 <= committer.commits - before < len(ids)

    admin = AIOKafkaAdminClient(bootstrap_servers=system.bootstrap)
    await admin.start()
    try:
        topic = ComplaintRegisteredV1.topic
        partitions = [TopicPartition(topic, p) for p in range(CORE_TOPICS[topic])]
        group = f"{runtime.settings.kafka_consumer_group_prefix}.registry"
        committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
    finally:
        await admin.close()
    async with runtime.sessions() as session:
        handled = int((await session.execute(
            select(func.count()).select_from(runtime.inbox)
            .where(runtime.inbox.c.topic == ComplaintRegisteredV1.topic))).scalar_one())
    assert sum(m.offset for m in committed.values() if m.offset > 0) == handled


async def _all_assessed(system: System, ids: list[uuid.UUID]) -> bool:
    return all([await assessment_count(system, i) == 1 for i in ids])
