"""SQLite run on the event loop's thread (`slrt.sqlite_inline`), on real files: a write that
finds the file locked waits without blocking the loop, so a lock holder on the same loop can
finish; a write that can never succeed fails at once."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from slrt.db import make_engine
from slrt.sqlite_inline import InlineConnection, connector


async def _engine_with_table(path: Path, **kwargs: Any) -> AsyncEngine:
    engine = make_engine(f"sqlite+aiosqlite:///{path}", **kwargs)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER)"))
    return engine


async def test_statements_run_without_a_worker_thread(tmp_path: Path) -> None:
    engine = await _engine_with_table(tmp_path / "a.db")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (:n)"), [{"n": 1}, {"n": 2}])
            raw = await conn.get_raw_connection()
            assert isinstance(raw.driver_connection, InlineConnection)
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT sum(n) FROM t"))).scalar() == 3
            journal = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
            assert journal == "wal"
    finally:
        await engine.dispose()


async def test_a_locked_write_waits_for_a_holder_on_the_same_loop(tmp_path: Path) -> None:
    """Two connections of one process: the first holds the write lock across an await. A
    blocking busy handler would stall the loop, so the holder could never commit."""
    engine = await _engine_with_table(tmp_path / "b.db", pool_size=2)
    holder_has_lock = asyncio.Event()
    try:
        async def holder() -> None:
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES (1)"))
                holder_has_lock.set()
                await asyncio.sleep(0.3)  # other tasks run meanwhile

        async def second_writer() -> float:
            await holder_has_lock.wait()
            started = time.monotonic()
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES (2)"))
            return time.monotonic() - started

        ticks = 0

        async def ticker() -> None:  # proves the loop kept running while the writer waited
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticking = asyncio.create_task(ticker())
        _, waited = await asyncio.gather(holder(), second_writer())
        ticking.cancel()
        assert 0.2 < waited < 5
        assert ticks > 10
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 2
    finally:
        await engine.dispose()


async def test_a_write_on_a_stale_snapshot_fails_at_once(tmp_path: Path) -> None:
    """SQLITE_BUSY_SNAPSHOT: no wait can make the write valid, so it is not retried."""
    path = tmp_path / "c.db"
    engine = await _engine_with_table(path)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("BEGIN"))
            await conn.execute(text("SELECT count(*) FROM t"))  # the snapshot is taken here
            other.execute("INSERT INTO t VALUES (9)")  # another writer commits after it
            started = time.monotonic()
            with pytest.raises(OperationalError, match="locked"):
                await conn.execute(text("INSERT INTO t VALUES (1)"))
            assert time.monotonic() - started < 1
            await conn.rollback()
    finally:
        other.close()
        await engine.dispose()


async def test_a_lock_that_is_never_released_fails_after_the_busy_timeout(
        tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("CREATE TABLE t (n INTEGER)")
    raw.execute("BEGIN IMMEDIATE")  # another process's writer that never commits
    connection = await connector(str(path), busy_timeout_s=0.2)()
    try:
        cursor = await connection.cursor()
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await cursor.execute("INSERT INTO t VALUES (1)")
        assert 0.1 < time.monotonic() - started < 2
    finally:
        await connection.close()
        raw.rollback()
        raw.close()
