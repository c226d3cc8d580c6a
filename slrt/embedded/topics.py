"""Explicit topic creation and checks, plus the broker-epoch marker.

Tansu facts behind this module: an unknown topic named in a metadata request is auto-created
with 4 partitions, so topics are created explicitly and checks only ever list *all* topics;
partitions cannot be added later (`create_partitions` is unsupported), so a wrong count is
reported, never "fixed"; Tansu accepts any topic name, so names are validated here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

# A restartable memory-only broker forgets everything; a topic named after a random epoch id
# tells clients whether the broker they talk to is still the one they published to.
EPOCH_TOPIC_PREFIX = "slrt.meta.epoch."
_LEGAL_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")


class TopicError(RuntimeError):
    """A topic could not be created, or its name is not a legal Kafka topic name."""


@asynccontextmanager
async def _admin(bootstrap: str) -> AsyncIterator[AIOKafkaAdminClient]:
    client = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="slrt-admin")
    await client.start()
    try:
        yield client
    finally:
        await client.close()


async def _create(client: AIOKafkaAdminClient, wanted: dict[str, int], replication: int) -> None:
    new = [
        NewTopic(name, num_partitions=n, replication_factor=replication)
        for name, n in wanted.items()
    ]
    response = await client.create_topics(new)
    failures: list[str] = []
    for entry in response.to_object()["topic_errors"]:
        code = entry["error_code"]
        # Another process may have created it between our listing and our request.
        if code and code != TopicAlreadyExistsError.errno:
            reason = entry.get("error_message") or for_code(code).__name__
            failures.append(f"{entry['topic']}: {reason}")
    if failures:
        raise TopicError("could not create topics: " + "; ".join(failures))


async def ensure_topics(bootstrap: str, topics: dict[str, int], replication: int = 1) -> list[str]:
    """Create the missing topics of `topics` (name -> partitions); return the names created."""
    for name, partitions in topics.items():
        if not _LEGAL_NAME.match(name) or name in {".", ".."}:
            raise TopicError(f"illegal topic name {name!r}")
        if partitions < 1:
            raise TopicError(f"topic {name} needs at least one partition, got {partitions}")
    async with _admin(bootstrap) as client:
        existing = set(await client.list_topics())
        missing = {name: n for name, n in topics.items() if name not in existing}
        if missing:
            await _create(client, missing, replication)
    return sorted(missing)


async def verify_topics(bootstrap: str, topics: dict[str, int]) -> dict[str, str]:
    """Problems with `topics` (name -> expected partitions): {} when all exist as expected."""
    async with _admin(bootstrap) as client:
        # Describe everything: naming an unknown topic would make Tansu auto-create it.
        described: list[dict[str, Any]] = await client.describe_topics()
    actual = {t["topic"]: t for t in described}
    problems: dict[str, str] = {}
    for name, expected in topics.items():
        found = actual.get(name)
        if found is None:
            problems[name] = "missing"
        elif found["error_code"]:
            problems[name] = f"error {for_code(found['error_code']).__name__}"
        elif len(found["partitions"]) != expected:
            problems[name] = f"has {len(found['partitions'])} partitions, expected {expected}"
    return problems


def _epoch_of(names: list[str]) -> str | None:
    epochs = sorted(
        n.removeprefix(EPOCH_TOPIC_PREFIX) for n in names if n.startswith(EPOCH_TOPIC_PREFIX)
    )
    # Two processes racing on a fresh broker may both create one; the smallest wins everywhere.
    return epochs[0] if epochs else None


async def broker_epoch(bootstrap: str) -> str | None:
    """The current broker epoch (uuid hex), or None on a broker that has none yet."""
    async with _admin(bootstrap) as client:
        return _epoch_of(await client.list_topics())


async def ensure_broker_epoch(bootstrap: str, replication: int = 1) -> str:
    """The broker epoch, creating it on a fresh broker.

    Call it once right after the broker starts (in `slrt up`) so services never race to create
    it; a service that sees a different epoch than it last stored knows the broker was reset.
    """
    async with _admin(bootstrap) as client:
        epoch = _epoch_of(await client.list_topics())
        if epoch is not None:
            return epoch
        await _create(client, {EPOCH_TOPIC_PREFIX + uuid.uuid4().hex: 1}, replication)
        epoch = _epoch_of(await client.list_topics())
    if epoch is None:
        raise TopicError("the broker-epoch topic was created but is not listed")
    return epoch
