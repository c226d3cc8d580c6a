"""Bulk writers of the registry import: one chunk of records in the caller's transaction.

PostgreSQL: COPY (binary, asyncpg) into temporary staging tables, then one INSERT ... SELECT
... ON CONFLICT per table; history and rejected rows are appended by COPY straight into their
tables. SQLite: executemany upserts (`store.write_records`), one transaction per chunk.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.history import Change, ChangeContext
from ..domain.records import HOUSEHOLD_RECORD, MEMBER_RECORD, PARTICIPATION_RECORD
from .name_keys import pg_replace_keys
from .store import change_rows, write_records
from .tables import import_rejections

_CREATE_STAGING: Final[str] = "; ".join(
    f"CREATE TEMP TABLE IF NOT EXISTS stage_{table} (LIKE {table} INCLUDING DEFAULTS) "
    "ON COMMIT DELETE ROWS" for table in ("households", "members", "participations"))


@dataclass(slots=True)
class WriteBatch:
    """One chunk's writes: records that differ from the stored ones, their changes, and the
    rows the chunk rejected as (row number, problems, values)."""

    run_id: str
    ctx: ChangeContext
    households: list[Sequence[Any]] = field(default_factory=list)
    members: list[Sequence[Any]] = field(default_factory=list)
    programs: list[Sequence[Any]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    rejections: list[tuple[int, list[dict[str, str]], Sequence[str]]] = field(
        default_factory=list)
    #: Nothing of this chunk was stored when it was compared (a first load).
    all_new: bool = False


class BulkWriter(Protocol):
    async def write(self, conn: AsyncConnection, batch: WriteBatch) -> None: ...


class SqliteBulkWriter:
    async def write(self, conn: AsyncConnection, batch: WriteBatch) -> None:
        await write_records(conn, batch.households, batch.members, batch.programs,
                            batch.changes, batch.ctx)
        if batch.rejections:
            await conn.execute(insert(import_rejections), [
                {"run_id": batch.run_id, "row_number": number, "problems": problems,
                 "row_values": list(values)}
                for number, problems, values in batch.rejections])


def _names(columns: Sequence[str]) -> str:
    return ", ".join(columns)


def _upsert(table: str, columns: Sequence[str], keys: Sequence[str],
            extra_set: str = "") -> str:
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in keys)
    return (f"INSERT INTO {table} ({_names(columns)}) SELECT {_names(columns)} "
            f"FROM stage_{table} ON CONFLICT ({_names(keys)}) DO UPDATE SET {updates}"
            f"{extra_set}")


_HOUSEHOLD_STAGED: Final = (*HOUSEHOLD_RECORD, "updated_at")
_UPSERT_HOUSEHOLDS: Final = _upsert("households", _HOUSEHOLD_STAGED, ("household_id",),
                                    ", version = households.version + 1")
_UPSERT_MEMBERS: Final = _upsert("members", MEMBER_RECORD, ("member_id",))
_UPSERT_PARTICIPATIONS: Final = _upsert("participations", PARTICIPATION_RECORD,
                                        ("household_id", "program"))
_CHANGE_COLUMNS: Final = ("household_id", "entity", "entity_id", "field", "old", "new",
                          "changed_at", "actor", "reason", "context")
_REJECTION_COLUMNS: Final = ("run_id", "row_number", "problems", "row_values")


_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json(value: Any) -> str | None:
    # One encoder for all rows: json.dumps with options builds a new one at every call.
    return None if value is None else _ENCODER.encode(value)


class PostgresBulkWriter:
    """COPY into staging, then set-based upserts: the database does the per-row work."""

    async def _staging(self, driver: Any) -> None:
        # Temporary (no WAL, private to the connection), emptied at every commit. Made in the
        # chunk's transaction every time: a rolled-back chunk takes a first creation with it.
        await driver.execute(_CREATE_STAGING)

    async def write(self, conn: AsyncConnection, batch: WriteBatch) -> None:
        # The caller's SQLAlchemy transaction has begun; asyncpg statements run inside it.
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        await self._staging(driver)
        at = batch.ctx.at
        if batch.households:
            await driver.copy_records_to_table(
                "stage_households", records=[(*h, at) for h in batch.households],
                columns=_HOUSEHOLD_STAGED)
            await driver.execute(_UPSERT_HOUSEHOLDS)
        if batch.members:
            await driver.copy_records_to_table("stage_members", records=batch.members,
                                               columns=MEMBER_RECORD)
            await driver.execute(_UPSERT_MEMBERS)
            await pg_replace_keys(driver, batch.members, members_are_new=batch.all_new)
        if batch.programs:
            await driver.copy_records_to_table("stage_participations", records=batch.programs,
                                               columns=PARTICIPATION_RECORD)
            await driver.execute(_UPSERT_PARTICIPATIONS)
        if batch.changes:
            rows = change_rows(batch.changes, batch.ctx)
            await driver.copy_records_to_table("changes", records=[
                (r["household_id"], r["entity"], r["entity_id"], r["field"], _json(r["old"]),
                 _json(r["new"]), r["changed_at"], r["actor"], r["reason"], r["context"])
                for r in rows], columns=_CHANGE_COLUMNS)
        if batch.rejections:
            await driver.copy_records_to_table("import_rejections", records=[
                (batch.run_id, number, _json(problems), _json(list(values)))
                for number, problems, values in batch.rejections], columns=_REJECTION_COLUMNS)


def bulk_writer(dialect: str) -> BulkWriter:
    return PostgresBulkWriter() if dialect == "postgresql" else SqliteBulkWriter()
