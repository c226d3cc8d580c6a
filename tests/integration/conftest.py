"""The four services running in this process against a real Tansu and real databases."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI

from services.registry.domain.demo import DEMO_NIK_WITH_SCHOOL_CHILD
from slrt.auth import DevTokenIssuer, Role, ensure_dev_keys
from slrt.embedded.broker import TansuBroker
from slrt.embedded.ports import free_port
from slrt.embedded.stack import create_topics
from slrt.migrations import upgrade
from slrt.services import SERVICE_NAMES, service

#: A valid complaint about the demo household with a school-age child without KIP.
COMPLAINT: dict[str, Any] = {
    "channel": "puskesos",
    "village_code": "3402052001",
    "category": "education",
    "subcategory": "kip_pip",
    "description": "Anak kami sudah sekolah tetapi belum menerima KIP.",
    "complainant": {"name": "Sutrisno", "nik": DEMO_NIK_WITH_SCHOOL_CHILD,
                    "phone": "0812-3456-7890"},
    "consent_given": True,
}


def with_(**changes: Any) -> dict[str, Any]:
    """COMPLAINT with changes; `complainant_x=...` changes the complainant's field x."""
    body = {**COMPLAINT, "complainant": dict(COMPLAINT["complainant"])}
    for key, value in changes.items():
        if key.startswith("complainant_"):
            body["complainant"][key.removeprefix("complainant_")] = value
        else:
            body[key] = value
    return body


@dataclass
class System:
    bootstrap: str
    issuer: DevTokenIssuer
    apps: dict[str, FastAPI]
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    def token(self, role: Role | str, region: str = "", agency: str | None = None) -> str:
        return self.issuer.issue(role, region, agency)

    def headers(self, role: Role | str = Role.FRONT_OFFICE, region: str = "3402",
                agency: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, region, agency)}"}

    def runtime(self, name: str) -> Any:
        return self.apps[name].state.runtime


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 20.0,
                     interval: float = 0.1) -> Any:
    """Poll `check` until it returns something truthy (events take a few hops to arrive)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        await asyncio.sleep(interval)


async def read_topic(bootstrap: str, topic: str, until: Callable[[list[Any]], bool],
                     timeout: float = 20.0) -> list[Any]:
    """Records of `topic` from the beginning, until `until(records)` holds (or time runs out)."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, fetch_max_wait_ms=10,
                                group_id=f"test-reader-{uuid.uuid4().hex[:8]}",
                                session_timeout_ms=2000, heartbeat_interval_ms=500)
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for recs in batch.values():
                records.extend(recs)
            if until(records):
                return records
        raise AssertionError(f"{topic}: condition not met within {timeout}s "
                             f"({len(records)} records seen)")
    finally:
        await consumer.stop()


async def produce(bootstrap: str, topic: str, value: bytes, key: bytes | None = None,
                  headers: dict[str, str] | None = None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key, headers=[
            (k, v.encode()) for k, v in (headers or {}).items()])
    finally:
        await producer.stop()


async def start_system(tmp: Path, bootstrap: str, db_urls: dict[str, str]) -> AsyncIterator[System]:
    _, public_key = ensure_dev_keys(tmp / "keys")
    await create_topics(bootstrap)
    for name in SERVICE_NAMES:
        await asyncio.to_thread(upgrade, service(name).bootstrap.DEFINITION.migrations,
                                db_urls[name])
    from services.registry.bootstrap import load_demo_registry

    await load_demo_registry(db_urls["registry"])
    apps: dict[str, FastAPI] = {}
    async with contextlib.AsyncExitStack() as stack:
        for name in SERVICE_NAMES:
            entry = service(name)
            settings = entry.settings_cls(
                database_url=db_urls[name], kafka_bootstrap_servers=bootstrap,
                auth_public_key_file=public_key, trace_file=tmp / "traces" / f"{name}.jsonl",
                kafka_consumer_group_prefix=f"test-{uuid.uuid4().hex[:6]}")
            app = entry.bootstrap.build_app(settings)
            await stack.enter_async_context(app.router.lifespan_context(app))
            apps[name] = app
        for app in apps.values():
            await asyncio.wait_for(app.state.runtime.broker_ready.wait(), 30)
        system = System(bootstrap, DevTokenIssuer.from_folder(tmp / "keys"), apps)
        for name, app in apps.items():
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                       base_url=f"http://{name}")
            system.clients[name] = await stack.enter_async_context(client)
        yield system


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def system(request: pytest.FixtureRequest, tmp_path: Path, tansu: TansuBroker,
                 pg_databases: Any) -> AsyncIterator[System]:
    if request.param == "sqlite":
        urls = {n: f"sqlite+aiosqlite:///{tmp_path / (n + '.db')}" for n in SERVICE_NAMES}
    else:
        urls = {n: await pg_databases(n) for n in SERVICE_NAMES}
    async for running in start_system(tmp_path, tansu.bootstrap, urls):
        yield running


@pytest_asyncio.fixture
async def sqlite_system(tmp_path: Path, tansu: TansuBroker) -> AsyncIterator[System]:
    urls = {n: f"sqlite+aiosqlite:///{tmp_path / (n + '.db')}" for n in SERVICE_NAMES}
    async for running in start_system(tmp_path, tansu.bootstrap, urls):
        yield running


class Desk:
    """Intake alone on a real SQLite file; its broker is away (it keeps accepting, outbox)."""

    def __init__(self, client: httpx.AsyncClient, issuer: DevTokenIssuer, app: Any) -> None:
        self.client, self.issuer, self.app = client, issuer, app

    def auth(self, role: str = "front_office", region: str = "3402",
             agency: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue(role, region, agency)}"}


async def open_desk(tmp_path: Path, url: str) -> AsyncIterator[Desk]:
    _, public_key = ensure_dev_keys(tmp_path / "keys")
    entry = service("intake")
    await asyncio.to_thread(upgrade, entry.bootstrap.DEFINITION.migrations, url)
    settings = entry.settings_cls(database_url=url, auth_public_key_file=public_key,
                                  kafka_bootstrap_servers=f"127.0.0.1:{free_port()}")
    app = entry.bootstrap.build_app(settings)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://intake") as client:
        yield Desk(client, DevTokenIssuer.from_folder(tmp_path / "keys"), app)


@pytest_asyncio.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    async for opened in open_desk(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"):
        yield opened


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def any_desk(request: pytest.FixtureRequest, tmp_path: Path,
                   pg_databases: Any) -> AsyncIterator[Desk]:
    """The desk on both backends (on PostgreSQL a submission's inserts go as one statement)."""
    url = (f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}" if request.param == "sqlite"
           else await pg_databases("desk"))
    async for opened in open_desk(tmp_path, url):
        yield opened
