"""A dead letter can be listed and replayed onto its source topic, once."""

from __future__ import annotations

import pytest

from contracts import dlq
from slrt.dlq import list_dead_letters, replay
from slrt.embedded.broker import TansuBroker
from slrt.embedded.topics import ensure_topics

from .conftest import produce, read_topic

pytestmark = pytest.mark.integration
TOPIC = "slrt.complaint.registered.v1"
FAST = 1500  # Tansu joins groups in session_timeout/2; Apache Kafka would refuse < 6000


async def test_replay_strips_dlq_headers_and_happens_once(tansu: TansuBroker) -> None:
    await ensure_topics(tansu.bootstrap, {TOPIC: 1, dlq(TOPIC): 1})
    for n in range(2):
        await produce(tansu.bootstrap, dlq(TOPIC), f'{{"n": {n}}}'.encode(), b"case-1",
                      {"ce_id": f"e{n}", "dlq_error": "ValidationError: complaint_id: missing",
                       "dlq_source_topic": TOPIC})

    letters = await list_dead_letters(tansu.bootstrap, TOPIC)
    assert [letter.error for letter in letters] == ["ValidationError: complaint_id: missing"] * 2

    assert await replay(tansu.bootstrap, TOPIC, session_timeout_ms=FAST) == 2
    records = await read_topic(tansu.bootstrap, TOPIC, lambda rs: len(rs) >= 2)
    assert [r.value for r in records] == [b'{"n": 0}', b'{"n": 1}']
    assert all(r.key == b"case-1" for r in records)
    headers = dict(records[0].headers)
    assert headers["ce_id"] == b"e0"
    assert "dlq_error" not in headers and headers["dlq_replayed_from"].endswith(b":0")

    # Already replayed: nothing goes out again.
    assert await replay(tansu.bootstrap, TOPIC, session_timeout_ms=FAST) == 0
