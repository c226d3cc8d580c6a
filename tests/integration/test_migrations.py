"""Each service's migrations build exactly the tables its code declares (no drift), on SQLite
and on PostgreSQL, and downgrade cleanly."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine

from slrt.migrations import alembic_config, upgrade
from slrt.services import SERVICE_NAMES, service

pytestmark = pytest.mark.integration


def _diff(connection: Connection, metadata: Any) -> list[Any]:
    ctx = MigrationContext.configure(connection, opts={"compare_type": False})
    return compare_metadata(ctx, metadata)


async def _check(name: str, url: str) -> None:
    entry = service(name)
    definition = entry.bootstrap.DEFINITION
    await asyncio.to_thread(upgrade, definition.migrations, url)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff, definition.metadata)
            assert diff == [], f"{name}: tables.py and migrations differ: {diff}"
        await asyncio.to_thread(command.downgrade, alembic_config(definition.migrations, url),
                                "base")
        async with engine.connect() as conn:
            left = await conn.run_sync(lambda c: inspect(c).get_table_names())
        assert set(left) <= {"alembic_version"}, f"{name}: downgrade left {left}"
    finally:
        await engine.dispose()


@pytest.mark.parametrize("name", SERVICE_NAMES)
async def test_sqlite_migrations_match_tables(name: str, tmp_path: Path) -> None:
    await _check(name, f"sqlite+aiosqlite:///{tmp_path / (name + '.db')}")


@pytest.mark.parametrize("name", SERVICE_NAMES)
async def test_postgresql_migrations_match_tables(name: str, pg_databases: Any) -> None:
    await _check(name, await pg_databases(f"mig_{name}"))
