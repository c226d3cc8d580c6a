"""Import runs and their rejected rows: where an import got to, so that a re-run continues.

A run is one file, known by the SHA-256 of its content. Each chunk of rows commits together
with the run's `next_row` and counts, so the run row always says exactly which rows are in.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import import_rejections, import_runs

RUNNING: Final[str] = "running"
FINISHED: Final[str] = "finished"
FIRST_ROW: Final[int] = 2  # the header is row 1


@dataclass(frozen=True, slots=True)
class Run:
    run_id: str
    file_sha256: str
    status: str
    next_row: int
    rows_read: int
    accepted: int
    rejected: int
    deferred_ddl: list[str] | None = None  # see pg_indexes


def _run(row: Any) -> Run:
    ddl = row.deferred_ddl
    return Run(row.run_id, row.file_sha256, row.status, row.next_row, row.rows_read,
               row.accepted, row.rejected, json.loads(ddl) if isinstance(ddl, str) else ddl)


_COLUMNS = (import_runs.c.run_id, import_runs.c.file_sha256, import_runs.c.status,
            import_runs.c.next_row, import_runs.c.rows_read, import_runs.c.accepted,
            import_runs.c.rejected, import_runs.c.deferred_ddl)


async def latest_run(conn: AsyncConnection, file_sha256: str) -> Run | None:
    """The most recent run of a file with this content, finished or not."""
    row = (await conn.execute(
        select(*_COLUMNS).where(import_runs.c.file_sha256 == file_sha256)
        .order_by(import_runs.c.started_at.desc()).limit(1))).first()
    return _run(row) if row is not None else None


async def create_run(conn: AsyncConnection, run_id: str, file_sha256: str, file_name: str,
                     actor: str, at: dt.datetime) -> Run:
    await conn.execute(insert(import_runs).values(
        run_id=run_id, file_sha256=file_sha256, file_name=file_name, status=RUNNING,
        next_row=FIRST_ROW, rows_read=0, accepted=0, rejected=0, actor=actor, started_at=at,
        updated_at=at))
    return Run(run_id, file_sha256, RUNNING, FIRST_ROW, 0, 0, 0)


async def lock_run(conn: AsyncConnection, run_id: str) -> Run:
    """The run, locked until commit (PostgreSQL; SQLite has one writer anyway)."""
    row = (await conn.execute(select(*_COLUMNS).where(import_runs.c.run_id == run_id)
                              .with_for_update())).one()
    return _run(row)


async def advance_run(conn: AsyncConnection, run: Run, next_row: int, rows: int, accepted: int,
                      rejected: int, at: dt.datetime) -> Run:
    await conn.execute(update(import_runs).where(import_runs.c.run_id == run.run_id).values(
        next_row=next_row, rows_read=run.rows_read + rows, accepted=run.accepted + accepted,
        rejected=run.rejected + rejected, updated_at=at))
    return Run(run.run_id, run.file_sha256, run.status, next_row, run.rows_read + rows,
               run.accepted + accepted, run.rejected + rejected, run.deferred_ddl)


async def finish_run(conn: AsyncConnection, run_id: str, at: dt.datetime) -> None:
    await conn.execute(update(import_runs).where(import_runs.c.run_id == run_id).values(
        status=FINISHED, updated_at=at, finished_at=at))


async def rejected_row_numbers(conn: AsyncConnection, run_id: str) -> set[int]:
    rows = await conn.execute(select(import_rejections.c.row_number)
                              .where(import_rejections.c.run_id == run_id))
    return {r[0] for r in rows}


async def count_rejections(conn: AsyncConnection, run_id: str) -> int:
    return int((await conn.execute(select(func.count()).select_from(import_rejections)
                                   .where(import_rejections.c.run_id == run_id))).scalar_one())


async def rejections(conn: AsyncConnection, run_id: str,
                     page: int = 5000) -> AsyncIterator[tuple[int, list[dict[str, str]],
                                                              list[str]]]:
    """(row number, problems, values) of every rejected row of a run, by row number."""
    after = 0
    while True:
        rows = (await conn.execute(
            select(import_rejections.c.row_number, import_rejections.c.problems,
                   import_rejections.c.row_values)
            .where(import_rejections.c.run_id == run_id,
                   import_rejections.c.row_number > after)
            .order_by(import_rejections.c.row_number).limit(page))).all()
        for number, problems, values in rows:
            yield number, _json(problems), _json(values)
        if len(rows) < page:
            return
        after = rows[-1][0]


def _json(value: Any) -> Any:
    # COPY stores JSON text that some drivers hand back undecoded.
    return json.loads(value) if isinstance(value, str) else value
