"""Two referral instances in one consumer group on a real Tansu broker and one database: the
partitions are split between them, and every assessment opens exactly one case with each
referral made once — also when assessments arrive twice."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from contracts import AgencyReferralV1, ComplaintAssessedV1, ReferralCreatedV1, agency_topic
from contracts.envelope import CloudEventMeta
from services.referral.adapters.tables import cases, referrals
from services.referral.bootstrap import DEFINITION
from slrt.db import UnitOfWork
from slrt.embedded.broker import TansuBroker
from slrt.messaging import Handler, Subscription
from slrt.runtime import Runtime, ServiceDefinition

from .conftest import eventually, read_topic
from .referral_env import ReferralEnv, start_referral

pytestmark = pytest.mark.integration
ASSESSMENTS = 24


def counting(name: str, seen: Counter[str]) -> ServiceDefinition:
    """Referral's definition whose assessment handler also counts what this instance got."""
    def subscriptions(runtime: Runtime) -> Sequence[Subscription]:
        def wrap(handler: Handler) -> Handler:
            async def counted(event: Any, meta: CloudEventMeta, uow: UnitOfWork) -> None:
                await handler(event, meta, uow)
                seen[name] += 1
            return counted
        return [Subscription(s.topic, s.contract, wrap(s.handler))
                if s.topic == ComplaintAssessedV1.topic else s
                for s in DEFINITION.subscriptions(runtime)]
    return dataclasses.replace(DEFINITION, subscriptions=subscriptions)


def assigned(env: ReferralEnv) -> set[tuple[str, int]]:
    consumer = env.runtime.broker.subscribers[0].consumer
    return {(tp.topic, tp.partition) for tp in consumer.assignment()} if consumer else set()


async def count(env: ReferralEnv, table: Any, numbers: set[str]) -> int:
    column = table.c.complaint_id
    async with env.runtime.sessions() as session:
        stmt = select(func.count()).select_from(table)
        if table is cases:
            stmt = stmt.where(cases.c.complaint_number.in_(numbers))
        else:
            stmt = stmt.where(column.in_(select(cases.c.complaint_id).where(
                cases.c.complaint_number.in_(numbers))))
        return int((await session.execute(stmt)).scalar_one())


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_two_instances_split_partitions_without_double_effects(
        backend: str, tmp_path: Path, tansu: TansuBroker, pg_databases: Any) -> None:
    url = (f"sqlite+aiosqlite:///{tmp_path / 'referral.db'}" if backend == "sqlite"
           else await pg_databases("group"))
    group = f"g-{uuid.uuid4().hex[:6]}"
    seen: Counter[str] = Counter()
    async with contextlib.AsyncExitStack() as stack:
        envs = []
        for name in ("a", "b"):
            start = contextlib.asynccontextmanager(start_referral)
            envs.append(await stack.enter_async_context(start(
                tmp_path, tansu.bootstrap, url, group_prefix=group, migrate=name == "a",
                definition=counting(name, seen), backend=backend)))
        a, b = envs

        async def split() -> bool:
            mine, theirs = assigned(a), assigned(b)
            return bool(mine) and bool(theirs) and not mine & theirs
        await eventually(split, timeout=30)
        topic = ComplaintAssessedV1.topic
        assert {p for t, p in assigned(a) | assigned(b) if t == topic} == {0, 1, 2}

        # N assessments; a third of them arrive twice: the same record again (same envelope
        # id), or the same assessment published again under a new envelope id.
        events = [(a.assessment(), uuid.uuid4()) for _ in range(ASSESSMENTS)]
        again = [(e, i if n % 2 else uuid.uuid4()) for n, (e, i) in enumerate(events[::3])]
        await a.publish_all(events + again)
        numbers = {e.complaint_number for e, _ in events}

        async def all_opened() -> bool:
            return await count(a, cases, numbers) == ASSESSMENTS
        await eventually(all_opened, timeout=30)
        # Redelivered records stop at the inbox; republished assessments reach the handler,
        # which finds the case already opened.
        republished = len([1 for event in again if event not in events])

        async def duplicates_done() -> bool:
            return seen["a"] + seen["b"] == ASSESSMENTS + republished
        await eventually(duplicates_done)
        assert await count(a, cases, numbers) == ASSESSMENTS
        assert await count(a, referrals, numbers) == ASSESSMENTS
        assert seen["a"] > 0 and seen["b"] > 0, seen  # both instances did part of the work

        def ours(records: list[Any]) -> list[str]:
            return [n for r in records if (n := json.loads(r.value).get("complaint_number"))
                    in numbers]

        delivered = await read_topic(a.bootstrap, agency_topic("disdik-3402"),
                                     lambda rs: len(ours(rs)) >= ASSESSMENTS)
        assert Counter(ours(delivered)) == Counter(numbers)  # each referral delivered once
        AgencyReferralV1.model_validate_json(delivered[-1].value)
        created = await read_topic(a.bootstrap, ReferralCreatedV1.topic,
                                   lambda rs: len(ours(rs)) >= ASSESSMENTS)
        assert Counter(ours(created)) == Counter(numbers)
