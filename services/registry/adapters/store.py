"""Reading stored registry records and writing new ones with their change history.

The one write path of the repository and of the SQLite bulk import: upserts through
SQLAlchemy Core (ON CONFLICT on both backends) plus the `changes` rows, in the caller's
transaction. PostgreSQL bulk import reads here too but writes through COPY (`pg_bulk`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from ..domain.history import Change, ChangeContext
from ..domain.records import HOUSEHOLD_RECORD, MEMBER_RECORD, PARTICIPATION_RECORD
from .name_keys import replace_keys
from .tables import changes, households, members, participations

Records = dict[str, tuple[Any, ...]]
_IN_CHUNK: Final[int] = 2000  # ids per IN (...) list: well under SQLite's variable limit
_HOUSEHOLD_COLUMNS = [households.c[name] for name in HOUSEHOLD_RECORD]
_MEMBER_COLUMNS = [members.c[name] for name in MEMBER_RECORD]
_PARTICIPATION_COLUMNS = [participations.c[name] for name in PARTICIPATION_RECORD]


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start:start + _IN_CHUNK]


async def stored_records(
    conn: AsyncConnection | AsyncSession, household_ids: Sequence[str],
    member_ids: Sequence[str],
) -> tuple[Records, Records, dict[str, Records]]:
    """Stored households and members by id, and programs by household id and program code."""
    if isinstance(conn, AsyncConnection) and conn.dialect.name == "postgresql":
        return await _pg_stored_records(conn, household_ids, member_ids)
    old_households: Records = {}
    old_members: Records = {}
    old_programs: dict[str, Records] = {}
    for ids in _chunks(household_ids):
        rows = await conn.execute(select(*_HOUSEHOLD_COLUMNS)
                                  .where(households.c.household_id.in_(ids)))
        old_households.update((r[0], tuple(r)) for r in rows)
        rows = await conn.execute(select(*_PARTICIPATION_COLUMNS)
                                  .where(participations.c.household_id.in_(ids)))
        for r in rows:
            old_programs.setdefault(r[0], {})[r[1]] = tuple(r)
    for ids in _chunks(member_ids):
        rows = await conn.execute(select(*_MEMBER_COLUMNS).where(members.c.member_id.in_(ids)))
        old_members.update((r[0], tuple(r)) for r in rows)
    return old_households, old_members, old_programs


def _select(table: str, columns: Sequence[str], key: str) -> str:
    return f"SELECT {', '.join(columns)} FROM {table} WHERE {key} = ANY($1::varchar[])"


_PG_HOUSEHOLDS: Final = _select("households", HOUSEHOLD_RECORD, "household_id")
_PG_MEMBERS: Final = _select("members", MEMBER_RECORD, "member_id")
_PG_PROGRAMS: Final = _select("participations", PARTICIPATION_RECORD, "household_id")


async def _pg_stored_records(
    conn: AsyncConnection, household_ids: Sequence[str], member_ids: Sequence[str],
) -> tuple[Records, Records, dict[str, Records]]:
    # One array parameter per table instead of thousands of IN (...) parameters: the bulk
    # import asks this for every chunk. asyncpg returns the same Python types as Core does.
    driver = (await conn.get_raw_connection()).driver_connection
    old_programs: dict[str, Records] = {}
    for r in await driver.fetch(_PG_PROGRAMS, list(household_ids)):
        old_programs.setdefault(r[0], {})[r[1]] = tuple(r)
    return ({r[0]: tuple(r) for r in await driver.fetch(_PG_HOUSEHOLDS, list(household_ids))},
            {r[0]: tuple(r) for r in await driver.fetch(_PG_MEMBERS, list(member_ids))},
            old_programs)


def change_rows(found: Iterable[Change], ctx: ChangeContext) -> list[dict[str, Any]]:
    return [{"household_id": c.household_id, "entity": c.entity, "entity_id": c.entity_id,
             "field": c.field, "old": c.old, "new": c.new, "changed_at": ctx.at,
             "actor": ctx.actor, "reason": ctx.reason, "context": ctx.context}
            for c in found]


def _insert(conn: AsyncConnection | AsyncSession, table: Any) -> Any:
    dialect = (conn.get_bind() if isinstance(conn, AsyncSession) else conn).dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


async def write_records(
    conn: AsyncConnection | AsyncSession, household_rows: Sequence[Sequence[Any]],
    member_rows: Sequence[Sequence[Any]], program_rows: Sequence[Sequence[Any]],
    found: Sequence[Change], ctx: ChangeContext,
) -> None:
    """Upsert records (household versions go up by one) and append their change rows."""
    if household_rows:
        stmt = _insert(conn, households)
        updated = {name: stmt.excluded[name] for name in HOUSEHOLD_RECORD[1:]}
        stmt = stmt.on_conflict_do_update(
            index_elements=[households.c.household_id],
            set_={**updated, "updated_at": stmt.excluded.updated_at,
                  "version": households.c.version + 1})
        await conn.execute(stmt, [{**dict(zip(HOUSEHOLD_RECORD, r, strict=True)),
                                   "updated_at": ctx.at} for r in household_rows])
    if member_rows:
        stmt = _insert(conn, members)
        stmt = stmt.on_conflict_do_update(
            index_elements=[members.c.member_id],
            set_={name: stmt.excluded[name] for name in MEMBER_RECORD[1:]})
        await conn.execute(stmt, [dict(zip(MEMBER_RECORD, r, strict=True))
                                  for r in member_rows])
        await replace_keys(conn, member_rows)
    if program_rows:
        stmt = _insert(conn, participations)
        stmt = stmt.on_conflict_do_update(
            index_elements=[participations.c.household_id, participations.c.program],
            set_={name: stmt.excluded[name] for name in PARTICIPATION_RECORD[2:]})
        await conn.execute(stmt, [dict(zip(PARTICIPATION_RECORD, r, strict=True))
                                  for r in program_rows])
    if found:
        await conn.execute(insert(changes), change_rows(found, ctx))
