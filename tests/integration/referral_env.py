"""The referral service alone on a real Tansu and a real database (SQLite file or PostgreSQL),
for its HTTP and Kafka tests. Cases are opened by producing assessments, as registry does;
time is a clock the tests move."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy import select

from contracts import (
    AgencyAction,
    AgencyResponseV1,
    ComplaintAssessedV1,
    ComplaintWithdrawnV1,
    Contract,
    Need,
    Sector,
    Urgency,
)
from contracts.envelope import encode, headers_for
from services.referral.adapters.tables import cases
from services.referral.bootstrap import DEFINITION
from services.referral.settings import Settings
from slrt.auth import DevTokenIssuer, Role, ensure_dev_keys
from slrt.embedded.stack import create_topics
from slrt.migrations import upgrade
from slrt.runtime import ServiceDefinition, create_app

from ..conftest import PG_HOST, PG_PORT, PG_USER
from .conftest import eventually, produce

SAMPLES = Path(__file__).parents[2] / "contracts" / "samples"
ASSESSED = ComplaintAssessedV1.model_validate_json(
    (SAMPLES / "complaint.assessed.v1.json").read_text())
KIP = Need(code="education.kip", sector=Sector.EDUCATION, program="KIP", rule_id="edu.kip.v1",
           reason="School-age child without KIP; welfare decile 2")


class MovableClock:
    """The service's clock: tests move it instead of sleeping."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += dt.timedelta(**delta)


@dataclass
class ReferralEnv:
    backend: str
    bootstrap: str
    issuer: DevTokenIssuer
    app: FastAPI
    client: httpx.AsyncClient
    clock: MovableClock
    numbers: list[int] = field(default_factory=lambda: [0])

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    def headers(self, role: Role | str = Role.BACK_OFFICE, region: str = "3402",
                agency: str | None = None, subject: str | None = None) -> dict[str, str]:
        token = self.issuer.issue(role, region, agency, subject=subject)
        return {"Authorization": f"Bearer {token}"}

    def officer(self, agency_id: str) -> dict[str, str]:
        region = agency_id.rsplit("-", 1)[-1] if "-" in agency_id else ""
        return self.headers(Role.AGENCY_OFFICER, region, agency_id,
                            subject=f"officer-{agency_id}")

    async def publish(self, event: Contract, event_id: uuid.UUID | None = None) -> None:
        await produce(self.bootstrap, event.topic, encode(event), event.key().encode(),
                      headers_for(event, source="/test", event_id=event_id))

    async def publish_all(self, events: Sequence[tuple[Contract, uuid.UUID]]) -> None:
        """Produce (event, envelope id) pairs in order with one producer."""
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, enable_idempotence=False)
        await producer.start()
        try:
            for event, event_id in events:
                headers = headers_for(event, source="/test", event_id=event_id)
                await producer.send_and_wait(event.topic, encode(event), key=event.key().encode(),
                                             headers=[(k, v.encode()) for k, v in headers.items()])
        finally:
            await producer.stop()

    def assessment(self, village: str = "3402052001", needs: Sequence[Need] = (KIP,),
                   complaint_id: uuid.UUID | None = None) -> ComplaintAssessedV1:
        """An assessment of a new complaint, as registry would publish it."""
        self.numbers[0] += 1
        return ASSESSED.model_copy(update={
            "complaint_id": complaint_id or uuid.uuid4(), "village_code": village,
            "complaint_number": f"SLRT-{village[:4]}-2026-{self.numbers[0]:06d}",
            "category": needs[0].sector if needs else Sector.OTHER, "subcategory": None,
            "urgency": Urgency.NORMAL, "needs": list(needs)})

    async def assess(self, village: str = "3402052001", needs: Sequence[Need] = (KIP,),
                     complaint_id: uuid.UUID | None = None) -> ComplaintAssessedV1:
        """Produce an assessment of a new complaint."""
        event = self.assessment(village, needs, complaint_id)
        await self.publish(event)
        return event

    async def case_id(self, complaint_id: uuid.UUID) -> uuid.UUID:
        """The case opened for a complaint (waits for the consumer)."""
        async def found() -> str | None:
            async with self.runtime.sessions() as session:
                return (await session.execute(select(cases.c.case_id).where(
                    cases.c.complaint_id == str(complaint_id)))).scalar_one_or_none()
        return uuid.UUID(await eventually(found))

    async def case(self, case_id: uuid.UUID, region: str = "") -> dict[str, Any]:
        r = await self.client.get(f"/v1/cases/{case_id}", headers=self.headers(region=region))
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    async def opened(self, village: str = "3402052001",
                     needs: Sequence[Need] = (KIP,)) -> dict[str, Any]:
        """Assess a new complaint and return its case as the back office sees it."""
        event = await self.assess(village, needs)
        return await self.case(await self.case_id(event.complaint_id))

    async def withdraw(self, complaint_id: uuid.UUID) -> None:
        await self.publish(ComplaintWithdrawnV1(
            complaint_id=complaint_id, withdrawn_at=self.clock(), withdrawn_by="front-office-1",
            withdrawal_reason="Sudah diurus sendiri oleh keluarga"))

    async def respond(self, referral_id: str | uuid.UUID, agency_id: str, action: AgencyAction,
                      note: str | None = None, response_id: uuid.UUID | None = None,
                      event_id: uuid.UUID | None = None) -> AgencyResponseV1:
        event = AgencyResponseV1(referral_id=uuid.UUID(str(referral_id)), agency_id=agency_id,
                                 action=action, note=note, responded_at=self.clock(),
                                 officer=f"officer-{agency_id}", response_id=response_id)
        await self.publish(event, event_id)
        return event

    async def referral(self, referral_id: str | uuid.UUID) -> dict[str, Any]:
        r = await self.client.get(f"/v1/referrals/{referral_id}",
                                  headers=self.headers(region=""))
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]


def json_of(record: Any) -> dict[str, Any]:
    return json.loads(record.value)  # type: ignore[no-any-return]


def headers_of(record: Any) -> dict[str, str]:
    return {k: v.decode() for k, v in record.headers}


async def create_pg_database(label: str) -> tuple[str, Callable[[], Any]]:
    """A fresh PostgreSQL database and a coroutine function that drops it."""
    import asyncpg

    name = f"slrt_test_{label}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER,
                                  database="postgres", timeout=5)
    await admin.execute(f'CREATE DATABASE "{name}"')

    async def drop() -> None:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()

    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}", drop


async def start_referral(tmp: Path, bootstrap: str, url: str, *, clock: MovableClock | None = None,
                         group_prefix: str | None = None, migrate: bool = True,
                         definition: ServiceDefinition = DEFINITION,
                         backend: str = "") -> AsyncIterator[ReferralEnv]:
    """Migrate (once), start the referral app with its consumer, and yield it ready."""
    _, public_key = ensure_dev_keys(tmp / "keys")
    if migrate:
        await create_topics(bootstrap)
        await asyncio.to_thread(upgrade, DEFINITION.migrations, url)
    clock = clock or MovableClock()
    settings = Settings(database_url=url, kafka_bootstrap_servers=bootstrap,
                        auth_public_key_file=public_key,
                        kafka_consumer_group_prefix=group_prefix or f"t-{uuid.uuid4().hex[:6]}",
                        consumer_retry_backoff_s=0.05)
    app = create_app(definition, settings, clock=clock)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        await asyncio.wait_for(app.state.runtime.broker_ready.wait(), 30)
        client = await stack.enter_async_context(httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://referral"))
        yield ReferralEnv(backend, bootstrap, DevTokenIssuer.from_folder(tmp / "keys"), app,
                          client, clock)


async def referral_env(backend: str, tmp: Path) -> AsyncIterator[ReferralEnv]:
    """A broker, a database of `backend` and the referral service on them (torn down after)."""
    from slrt.embedded.broker import TansuBroker
    from slrt.embedded.ports import free_port

    broker = TansuBroker(tmp / "tansu", port=free_port())
    broker.start()
    drop: Callable[[], Any] | None = None
    try:
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp / 'referral.db'}"
        else:
            url, drop = await create_pg_database("referral")
        async for env in start_referral(tmp, broker.bootstrap, url, backend=backend):
            yield env
    finally:
        if drop is not None:
            await drop()
        broker.stop()
