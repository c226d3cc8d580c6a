"""Bulk import of a registry CSV: validate, load in chunks, resume, report every rejection.

A reader thread (`import_reader`) parses and validates households a chunk ahead, while the
event loop writes: on two cores, Python and the database work at once.
Each chunk commits in one transaction with the run's progress (`import_runs`), so a stopped
import re-run on the same file continues after the last committed chunk; rejected rows are
stored with the chunk and the report is written from them at the end, complete across stops.
Nothing is dropped: rows read = accepted + rejected, for every run.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import queue
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from ..adapters import import_runs as runs
from ..adapters import pg_indexes
from ..adapters.bulk import WriteBatch, bulk_writer
from ..adapters.dtks_csv import file_sha256, write_rejection_report
from ..adapters.dtks_files import open_source
from ..adapters.store import stored_records
from ..domain.history import ChangeContext, created, household_changes
from .import_reader import Chunk, Reader

DEFAULT_CHUNK_ROWS: Final[int] = 20_000


@dataclass(frozen=True, slots=True)
class ImportOptions:
    actor: str = "import"
    source: str = "import"  # for rows whose `source` column is empty
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    today: dt.date | None = None  # None: the day of the run (birth dates in the future...)
    restart: bool = False  # import a file again although a run of it finished
    #: PostgreSQL: drop secondary indexes and foreign keys for the load, rebuild them at the
    #: end (see `adapters.pg_indexes`); for an offline or initial load. Ignored on SQLite.
    defer_indexes: bool = False


@dataclass(slots=True)
class ImportProgress:
    rows_read: int
    accepted: int
    rejected: int
    bytes_read: int
    total_bytes: int


@dataclass(slots=True)
class ImportSummary:
    run_id: str
    file_sha256: str
    rows_read: int
    accepted: int
    rejected: int
    resumed_from_row: int | None  # None: a fresh run
    already_finished: bool  # the file had been imported before; nothing was done
    report: Path | None  # the rejected rows, None when there are none
    changes: int = 0  # history rows written by this invocation
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "report": str(self.report) if self.report else None}


def default_report_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rejected.csv")


def _batch(chunk: Chunk, run_id: str, ctx: ChangeContext,
           stored: tuple[Any, Any, Any]) -> WriteBatch:
    old_households, old_members, old_programs = stored
    batch = WriteBatch(run_id, ctx)
    batch.rejections = [(r.row, [asdict(p) for p in r.problems], r.values)
                        for r in chunk.rejected]
    if not (old_households or old_members or old_programs):
        # Nothing of this chunk is stored yet (a first load): no comparison to make.
        batch.all_new = True
        for h in chunk.households:
            batch.households.append(h.household)
            batch.members.extend(h.members)
            batch.programs.extend(h.programs)
            batch.changes.append(created(h.household, h.members, h.programs))
        return batch
    for h in chunk.households:
        hid = h.household[0]
        found, household_changed, member_writes, program_writes = household_changes(
            h.household, h.members, h.programs, old_households.get(hid), old_members,
            old_programs.get(hid, {}))
        if household_changed or found:
            batch.households.append(h.household)
        batch.members.extend(member_writes)
        batch.programs.extend(program_writes)
        batch.changes.extend(found)
    return batch


async def _prepare(engine: AsyncEngine, chunk: Chunk, run_id: str,
                   ctx: ChangeContext) -> WriteBatch:
    """What the chunk changes, compared with what is stored. Safe outside the writing
    transaction: a household, member or NIK occurs in one chunk of a run only (validation
    refuses repeats), so no earlier chunk of the run can change the answer."""
    async with engine.connect() as conn:
        stored = await stored_records(
            conn, [h.household[0] for h in chunk.households],
            [m[0] for h in chunk.households for m in h.members])
    return _batch(chunk, run_id, ctx, stored)


async def _commit(engine: AsyncEngine, run_id: str, chunk: Chunk, batch: WriteBatch,
                  ctx: ChangeContext) -> runs.Run:
    writer = bulk_writer(engine.dialect.name)
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Safe to lose on a crash: the run's progress commits in the same transaction,
            # so a lost chunk is simply read again. Saves a WAL flush wait per chunk.
            await conn.execute(text("SET LOCAL synchronous_commit TO off"))
        # The run row's lock orders chunks: the next one waits here until this one commits.
        locked = await runs.lock_run(conn, run_id)
        if locked.next_row != chunk.first_row or locked.status != runs.RUNNING:
            raise RuntimeError("another import of the same file is running; stop it first")
        await writer.write(conn, batch)
        accepted = sum(len(h.members) for h in chunk.households)
        return await runs.advance_run(conn, locked, chunk.next_row, chunk.rows, accepted,
                                      len(chunk.rejected), ctx.at)


async def _report(engine: AsyncEngine, run_id: str, report: Path) -> Path | None:
    async with engine.connect() as conn:
        if await runs.count_rejections(conn, run_id) == 0:
            report.unlink(missing_ok=True)  # an old report of this file would mislead
            return None
        await write_rejection_report(report, runs.rejections(conn, run_id))
    return report


async def import_file(
    engine: AsyncEngine, path: Path, *, report: Path | None = None,
    options: ImportOptions | None = None,
    on_progress: Callable[[ImportProgress], None] | None = None,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> ImportSummary:
    """Import `path` into the (migrated) registry database of `engine`."""
    options = options or ImportOptions()
    report = report or default_report_path(path)
    started = clock()
    today = options.today or started.date()
    digest = await asyncio.to_thread(file_sha256, path)
    source = open_source(path)  # reads the header: a wrong layout fails before any write
    try:
        async with engine.begin() as conn:
            run = await runs.latest_run(conn, digest)
            if run is not None and run.status == runs.FINISHED and not options.restart:
                resumed: int | None = None
            elif run is not None and run.status == runs.RUNNING:
                resumed = run.next_row
            else:
                run = await runs.create_run(conn, str(uuid.uuid4()), digest, path.name,
                                            options.actor, started)
                resumed = None
        if run.status == runs.FINISHED:
            return ImportSummary(run.run_id, digest, run.rows_read, run.accepted, run.rejected,
                                 None, True, await _report(engine, run.run_id, report))
        if (options.defer_indexes and engine.dialect.name == "postgresql"
                and run.deferred_ddl is None):
            async with engine.begin() as conn:
                ddl = await pg_indexes.drop_secondary(conn, run.run_id)
            run = dataclasses.replace(run, deferred_ddl=ddl)
        rejected_before: set[int] = set()
        if resumed is not None:
            async with engine.connect() as conn:
                rejected_before = await runs.rejected_row_numbers(conn, run.run_id)
        ctx = ChangeContext(options.actor, started, f"bulk import of {path.name}",
                            f"import:{run.run_id}")
        reader = Reader(source, run.next_row, rejected_before, today, options.source,
                         options.chunk_rows)
        reader.start()
        changes = 0
        # PostgreSQL applies chunk k while this process prepares chunk k+1 (one write in
        # flight); SQLite has one connection and one writer, so there it is one at a time.
        overlap = engine.dialect.name == "postgresql"
        pending: tuple[asyncio.Task[runs.Run], Chunk] | None = None

        async def settle() -> None:
            nonlocal run, pending
            if pending is None:
                return
            task, done = pending
            pending = None
            run = await task
            if on_progress is not None:
                on_progress(ImportProgress(run.rows_read, run.accepted, run.rejected,
                                           done.bytes_read, source.size))

        try:
            while True:
                try:
                    # A bounded wait: a cancelled import must not leave a thread blocked here.
                    item = await asyncio.to_thread(reader.out.get, timeout=0.5)
                except queue.Empty:
                    continue
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                if not overlap:
                    await settle()
                batch = await _prepare(engine, item, run.run_id, ctx)
                await settle()
                changes += len(batch.changes)
                pending = (asyncio.create_task(_commit(engine, run.run_id, item, batch, ctx)),
                           item)
            await settle()
        finally:
            reader.stopping.set()
            if pending is not None:  # stopped by an error elsewhere: let the write end first
                await asyncio.gather(pending[0], return_exceptions=True)
        async with engine.begin() as conn:
            if run.deferred_ddl is not None:
                await pg_indexes.rebuild(conn, run.run_id, run.deferred_ddl)
            await runs.finish_run(conn, run.run_id, clock())
        finished = clock()
        return ImportSummary(run.run_id, digest, run.rows_read, run.accepted, run.rejected,
                             resumed, False, await _report(engine, run.run_id, report), changes,
                             round((finished - started).total_seconds(), 3))
    finally:
        source.close()
