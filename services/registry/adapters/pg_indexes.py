"""Deferred indexes for a PostgreSQL bulk load: drop, load, rebuild once (as pg_restore does).

Keeping five secondary indexes and a foreign key check up to date row by row costs more
than loading the rows themselves; building each index once from sorted data at the end
costs a fraction of it. Primary keys stay (the upserts need them). The definitions to
rebuild are saved in the import run, in the transaction that drops them, so an interrupted
load rebuilds them when it is continued. Meanwhile look-ups by NIK, KK or name scan tables:
for loading a registry before it serves, not beside live traffic.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import import_runs

# name_keys keeps its indexes: the import replaces keys by member id while it loads.
TABLES: Final[tuple[str, ...]] = ("households", "members", "participations", "changes")

# Indexes that back no constraint (primary keys and unique constraints stay), then foreign
# keys; both on the registry tables of the current schema.
_INDEXES: Final = """
SELECT i.indexname, i.indexdef FROM pg_indexes i
WHERE i.schemaname = current_schema() AND i.tablename = ANY($1::text[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname
                  AND c.connamespace = (SELECT oid FROM pg_namespace
                                        WHERE nspname = current_schema()))
ORDER BY i.tablename, i.indexname
"""
_FOREIGN_KEYS: Final = """
SELECT c.conname, c.conrelid::regclass::text AS tablename, pg_get_constraintdef(c.oid) AS def
FROM pg_constraint c
WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY($1::text[])
ORDER BY tablename, c.conname
"""


async def _driver(conn: AsyncConnection) -> Any:
    return (await conn.get_raw_connection()).driver_connection


async def drop_secondary(conn: AsyncConnection, run_id: str) -> list[str]:
    """Drop secondary indexes and foreign keys; returns (and saves in the run) how to rebuild
    them. Nothing is dropped twice: a run that already holds definitions keeps them."""
    driver = await _driver(conn)
    indexes = await driver.fetch(_INDEXES, list(TABLES))
    keys = await driver.fetch(_FOREIGN_KEYS, list(TABLES))
    rebuild = [r["indexdef"] for r in indexes] + [
        f'ALTER TABLE {r["tablename"]} ADD CONSTRAINT "{r["conname"]}" {r["def"]}' for r in keys]
    for r in keys:
        await driver.execute(f'ALTER TABLE {r["tablename"]} DROP CONSTRAINT "{r["conname"]}"')
    for r in indexes:
        await driver.execute(f'DROP INDEX "{r["indexname"]}"')
    await conn.execute(update(import_runs).where(import_runs.c.run_id == run_id)
                       .values(deferred_ddl=rebuild))
    return rebuild


async def rebuild(conn: AsyncConnection, run_id: str, statements: list[str]) -> None:
    """Build the dropped indexes and keys again, then refresh the planner's statistics."""
    driver = await _driver(conn)
    for statement in statements:
        await driver.execute(statement)
    for table in TABLES:
        await driver.execute(f"ANALYZE {table}")
    await conn.execute(update(import_runs).where(import_runs.c.run_id == run_id)
                       .values(deferred_ddl=None))
