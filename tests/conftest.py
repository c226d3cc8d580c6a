"""Shared test fixtures: a real Tansu broker process, real SQLite files, a real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from slrt.embedded.broker import TansuBroker
from slrt.embedded.ports import free_port

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"


@pytest.fixture
def tansu(tmp_path: Path) -> Iterator[TansuBroker]:
    """A fresh broker per test: Tansu starts in milliseconds and keeps everything in memory."""
    broker = TansuBroker(tmp_path / "tansu", port=free_port())
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


async def _pg_connect(database: str = "postgres"):  # type: ignore[no-untyped-def]
    import asyncpg

    return await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=database,
                                 timeout=5)


@pytest_asyncio.fixture
async def pg_databases() -> AsyncIterator[object]:
    """Factory of fresh PostgreSQL databases, dropped afterwards. Missing server: a failure
    under CI=true (the suite must run PostgreSQL there), a skip on a developer machine."""
    try:
        admin = await _pg_connect()
    except (OSError, Exception) as exc:  # noqa: BLE001 - any connection failure
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {PG_HOST}:{PG_PORT} is required in CI: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    created: list[str] = []

    async def create(label: str) -> str:
        name = f"slrt_test_{label}_{uuid.uuid4().hex[:10]}"
        await admin.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"

    try:
        yield create
    finally:
        for name in created:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
