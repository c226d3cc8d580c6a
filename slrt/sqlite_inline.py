"""SQLite for SQLAlchemy's async engine, run on the event loop's own thread.

SQLAlchemy's `sqlite+aiosqlite` driver hands every call (make a cursor, execute, fetch, close)
to aiosqlite's worker thread and waits for the loop to be woken with the result: four thread
hand-offs per statement. A statement on a local SQLite file in WAL mode takes microseconds, so
the hand-offs cost more than the work, in CPU under load and in wake-up latency when idle.

Here the same `sqlite3` calls run directly, behind the small async surface SQLAlchemy's
aiosqlite adapter uses (plugged in with `create_async_engine(..., async_creator=...)`). The one
place SQLite could block the loop is a write that finds the file locked by another connection:
SQLite's busy handler would sleep in C, and if the lock holder is a connection of this same
process, waiting on this thread, it could never finish. So the busy timeout is 0 and a locked
write is retried after an asyncio sleep instead, for up to `busy_timeout_s`.

A long statement (a large report query) still holds the loop while it runs; the services keep
such statements bounded, and PostgreSQL (production) goes through asyncpg as before.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

_FIRST_RETRY_S = 0.001
_LONGEST_RETRY_S = 0.05


def _retryable(exc: sqlite3.OperationalError) -> bool:
    # SQLITE_BUSY: another connection holds the lock; it ends when that transaction does.
    # Not SQLITE_BUSY_SNAPSHOT: this transaction read a snapshot another writer has since
    # replaced, and no wait can make its write valid (SQLite itself does not wait then).
    return getattr(exc, "sqlite_errorname", None) == "SQLITE_BUSY"


class _RunNow:
    """Stands in for aiosqlite's queue to its worker thread, which SQLAlchemy's adapter uses
    directly to set the isolation level: the function runs at once, its future resolved."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:
            future.set_exception(exc)


class InlineCursor:
    def __init__(self, connection: InlineConnection, cursor: sqlite3.Cursor) -> None:
        self._connection = connection
        self._cursor = cursor

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        await self._connection.retry_when_busy(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        # Retried whole: inside a transaction (how the services write) the first row takes the
        # write lock, so an executemany that found the file locked has written nothing.
        rows = parameters if isinstance(parameters, Sequence) else list(parameters)
        await self._connection.retry_when_busy(self._cursor.executemany, sql, rows)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """The part of `aiosqlite.Connection` that SQLAlchemy's aiosqlite adapter calls."""

    def __init__(self, connection: sqlite3.Connection, busy_timeout_s: float) -> None:
        self._conn = connection
        self._tx = _RunNow()
        self._busy_timeout_s = busy_timeout_s

    async def retry_when_busy(self, function: Callable[..., T], *args: Any) -> T:
        deadline = time.monotonic() + self._busy_timeout_s
        pause = _FIRST_RETRY_S
        while True:
            try:
                return function(*args)
            except sqlite3.OperationalError as exc:
                if not _retryable(exc) or time.monotonic() + pause > deadline:
                    raise
            await asyncio.sleep(pause)  # the lock holder, maybe on this loop, can go on
            pause = min(pause * 2, _LONGEST_RETRY_S)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    async def cursor(self) -> InlineCursor:
        return InlineCursor(self, self._conn.cursor())

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        return await (await self.cursor()).execute(sql, parameters)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def commit(self) -> None:
        await self.retry_when_busy(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()

    def stop(self) -> None:  # SQLAlchemy's terminate(): nothing runs elsewhere to stop
        self._conn.close()


def connector(database: str, *, busy_timeout_s: float = 30.0
              ) -> Callable[[], Awaitable[InlineConnection]]:
    """The `async_creator` for `create_async_engine("sqlite+aiosqlite:///…")`."""

    async def connect() -> InlineConnection:
        # check_same_thread off: the pool may close a connection from a finalizer elsewhere.
        raw = sqlite3.connect(database, timeout=0, check_same_thread=False,
                              uri=database.startswith("file:"))
        return InlineConnection(raw, busy_timeout_s)

    return connect
