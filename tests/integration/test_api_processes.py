"""A service split into processes: API-only processes beside the one that relays and consumes
(`process_role`). On PostgreSQL an API process's commit wakes the other process's relay by
NOTIFY; the relay's poll interval is set far beyond the test's patience, so only that wake
can publish in time."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from slrt.auth import DevTokenIssuer, ensure_dev_keys
from slrt.embedded.broker import TansuBroker
from slrt.embedded.stack import create_topics
from slrt.migrations import upgrade
from slrt.services import service

from .conftest import COMPLAINT, read_topic

pytestmark = pytest.mark.integration
REGISTERED = "slrt.complaint.registered.v1"


@contextlib.asynccontextmanager
async def intake(tmp: Path, url: str, bootstrap: str, role: str) -> AsyncIterator[FastAPI]:
    _, public_key = ensure_dev_keys(tmp / "keys")
    entry = service("intake")
    settings = entry.settings_cls(
        database_url=url, kafka_bootstrap_servers=bootstrap, auth_public_key_file=public_key,
        process_role=role, outbox_poll_interval_s=600,
        kafka_consumer_group_prefix=f"test-{uuid.uuid4().hex[:6]}")
    app = entry.bootstrap.build_app(settings)
    async with app.router.lifespan_context(app):
        yield app


async def _numbers(bootstrap: str, expected: set[str]) -> set[str]:
    records = await read_topic(
        bootstrap, REGISTERED, timeout=5.0,
        until=lambda rs: expected <= {json.loads(r.value)["complaint_number"] for r in rs})
    return {json.loads(r.value)["complaint_number"] for r in records}


async def test_an_api_process_commit_is_published_by_the_other_process_relay(
        tmp_path: Path, tansu: TansuBroker, pg_databases: Any) -> None:
    url = await pg_databases("split")
    await asyncio.to_thread(upgrade, service("intake").bootstrap.DEFINITION.migrations, url)
    await create_topics(tansu.bootstrap)
    async with intake(tmp_path, url, tansu.bootstrap, "all") as worker, \
            intake(tmp_path, url, tansu.bootstrap, "api") as api:
        token = DevTokenIssuer.from_folder(tmp_path / "keys").issue("front_office", "3402")
        headers = {"Authorization": f"Bearer {token}"}
        await asyncio.wait_for(worker.state.runtime.broker_ready.wait(), 30)
        listener = worker.state.runtime.extras["outbox_listener"]
        await asyncio.wait_for(listener.listening.wait(), 10)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api),
                                     base_url="http://intake-api") as client:
            ready = await client.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"]["broker"] == "not used (API-only process)"
            assert not api.state.runtime.broker_ready.is_set()  # never connected

            created = await client.post("/v1/complaints", json=COMPLAINT, headers=headers)
            assert created.status_code == 201, created.text
            first = created.json()["number"]
            assert first in await _numbers(tansu.bootstrap, {first})

            # The listener's connection is killed: it connects again, and the next commit
            # still wakes the relay.
            async with worker.state.runtime.engine.connect() as conn:
                await conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE query LIKE 'LISTEN%' AND datname = current_database()"))
            await asyncio.sleep(0.3)
            await asyncio.wait_for(listener.listening.wait(), 10)
            again = await client.post("/v1/complaints", json={**COMPLAINT, "description":
                                                              "Bantuan belum diterima lagi."},
                                      headers=headers)
            assert again.status_code == 201, again.text
            second = again.json()["number"]
            assert {first, second} <= await _numbers(tansu.bootstrap, {first, second})
        assert api.state.runtime.relay.published_total == 0
        assert worker.state.runtime.relay.published_total >= 2


async def test_an_api_process_needs_postgresql(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"
    with pytest.raises(ValueError, match="needs PostgreSQL"):
        async with intake(tmp_path, url, "127.0.0.1:9", "api"):
            pass
