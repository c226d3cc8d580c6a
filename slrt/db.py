"""Async database engine and the unit of work every service layer function runs in.

SQLite (embedded default) and PostgreSQL (production) through one SQLAlchemy 2 code path.
"""

from __future__ import annotations

import asyncio
import functools
import operator
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import asyncpg
from opentelemetry import trace
from sqlalchemy import JSON, Table, Text, TextClause, any_, bindparam, event, insert, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from contracts import Contract

from . import sqlite_inline
from .outbox import OutboxWriter, current_traceparent


def upsert_insert(session: AsyncSession, table: Table) -> Any:
    """An INSERT that supports ON CONFLICT on both backends (PostgreSQL and SQLite dialects)."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(table)
    return sqlite_insert(table)


@functools.lru_cache(maxsize=128)
def insert_or_ignore(table: Table, columns: tuple[str, ...]) -> TextClause:
    """`INSERT … ON CONFLICT DO NOTHING` of rows with `columns`, as SQL that PostgreSQL and
    SQLite both accept, built once per shape: SQLAlchemy never caches its dialects' ON CONFLICT
    inserts, and compiled one on every call (every consumed event's inbox mark among them)."""
    return _insert_sql(table, columns, "ON CONFLICT DO NOTHING")


@functools.lru_cache(maxsize=128)
def upsert_keeping_known(table: Table, columns: tuple[str, ...], key: tuple[str, ...],
                         ) -> TextClause:
    """`INSERT … ON CONFLICT (key) DO UPDATE`, where each column takes the new value unless
    that is NULL (a later event that does not know a field keeps what an earlier one said);
    built once per shape, as `insert_or_ignore`."""
    name = _quoted(table.name)
    kept = ", ".join(f"{_quoted(c)} = COALESCE(excluded.{_quoted(c)}, {name}.{_quoted(c)})"
                     for c in columns if c not in key)
    keys = ", ".join(map(_quoted, key))
    return _insert_sql(table, columns, f"ON CONFLICT ({keys}) DO UPDATE SET {kept}")


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _insert_sql(table: Table, columns: tuple[str, ...], conflict: str) -> TextClause:
    statement = text(
        f"INSERT INTO {_quoted(table.name)} ({', '.join(map(_quoted, columns))}) "
        f"VALUES ({', '.join(':' + c for c in columns)}) {conflict}")
    # The columns' types convert the values as SQLAlchemy's own INSERT would (JSON, dates).
    return statement.bindparams(*(bindparam(c, type_=table.c[c].type) for c in columns))


def in_values(column: Any, name: str, dialect_name: str) -> Any:
    """`column IN (the list bound as name)`: on PostgreSQL `= ANY(<one array parameter>)`,
    elsewhere an expanding IN. SQLAlchemy renders an expanding IN anew on every execution,
    one placeholder per value (500 idempotency keys of a batch: ~2.5 % of intake's CPU)."""
    if dialect_name == "postgresql":
        return column == any_(bindparam(name, type_=postgresql.ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


class ByDialect:
    """One statement, built once per backend by `build(dialect_name)` and picked at execution
    by the session's dialect (for statements whose best form differs, see `in_values`)."""

    def __init__(self, build: Callable[[str], Any]) -> None:
        self._build = build
        self._built: dict[str, Any] = {}

    def on(self, session: AsyncSession | AsyncConnection) -> Any:
        name = session.get_bind().dialect.name if isinstance(session, AsyncSession) \
            else session.dialect.name
        statement = self._built.get(name)
        if statement is None:
            statement = self._built[name] = self._build(name)
        return statement


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine tuned per backend: WAL, and statements run on the loop's thread
    (`sqlite_inline`), for SQLite files; a pool for PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # One connection per process: SQLite has one writer anyway, and queueing for the pool
        # is FIFO, whereas writers racing for the file lock back off in sleeps of up to 100 ms.
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        database = parsed.database or ":memory:"
        engine = create_async_engine(url, async_creator=sqlite_inline.connector(database),
                                     hide_parameters=True, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets readers run beside the single writer; foreign keys are off by default.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    # As many kept connections as a busy service uses at once (16 requests, the relay, the
    # consumers): beyond `pool_size` each checkout opened a new connection and closed it after
    # (a PostgreSQL backend started per request), about 4 % of intake's CPU under load.
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 10)
    # hide_parameters: error messages must not carry NIK or names into logs.
    engine = create_async_engine(url, hide_parameters=True, **kwargs)

    @event.listens_for(engine.sync_engine, "checkout")
    def _drop_closed(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        # Instead of `pool_pre_ping` (a round trip on every checkout, about a tenth of a
        # request's cost): asyncpg notices a socket the server closed (a restart, an idle
        # timeout) by itself, so a local check is enough; the pool then connects afresh.
        raw = getattr(dbapi_conn, "_connection", None)
        if raw is not None and raw.is_closed():
            raise DisconnectionError("connection was closed by the server")

    return engine


_Shape = tuple[tuple[Table, tuple[str, ...]], ...]


@functools.lru_cache(maxsize=64)
def _unnest_insert(shape: _Shape, notify: bool,
                   ) -> tuple[TextClause, tuple[Callable[[Any], Any] | None, ...]]:
    """PostgreSQL: every table's rows in one statement, whatever their number. Each table is
    one `INSERT … SELECT FROM unnest(<one array per column>)`, all but the last as
    data-modifying CTEs. PostgreSQL inserts a whole array in one pass, where an executemany
    runs the statement once per row (measured on a 500-complaint batch: most of its database
    time), and the whole unit is one round trip. Rows go in array order (`ORDER BY` the
    ordinality), so ids, and the outbox's publication order, follow the order asked.

    Built once per shape: the statement, with a typed array placeholder `t{table}_{column}`
    per column, and per column what turns a value into an array element. JSON values are
    serialised here and travel as text (an array type would take a JSON list for a nested
    array), then are cast back in the SELECT. With `notify`, every insert is a CTE and the
    statement itself is `pg_notify(:notify_channel, '')`, delivered when the unit commits."""
    parts: list[str] = []
    params = []
    prepare: list[Callable[[Any], Any] | None] = []
    for n, (table, columns) in enumerate(shape):
        names = [f"t{n}_{i}" for i in range(len(columns))]
        selected = []
        for i, (name, c) in enumerate(zip(names, columns, strict=True)):
            column_type = table.c[c].type
            if isinstance(column_type, JSON):
                params.append(bindparam(name, type_=postgresql.ARRAY(Text())))
                prepare.append(column_type.bind_processor(_PG_DIALECT))
                selected.append(f"CAST(c{i} AS {column_type.compile(_PG_DIALECT)})")
            else:
                params.append(bindparam(name, type_=postgresql.ARRAY(column_type)))
                prepare.append(None)
                selected.append(f"c{i}")
        aliases = ", ".join(f"c{i}" for i in range(len(columns)))
        parts.append(
            f"INSERT INTO {_quoted(table.name)} ({', '.join(map(_quoted, columns))}) "
            f"SELECT {', '.join(selected)} "
            f"FROM unnest({', '.join(':' + x for x in names)}) "
            f"WITH ORDINALITY AS u({aliases}, ordinality) ORDER BY ordinality")
    if notify:
        parts.append("SELECT pg_notify(:notify_channel, '')")
    ctes = ", ".join(f"write_{n} AS ({part})" for n, part in enumerate(parts[:-1]))
    statement = text((f"WITH {ctes} " if ctes else "") + parts[-1]).bindparams(*params)
    return statement, tuple(prepare)


_PG_DIALECT = postgresql.dialect()


def _one_statement(writes: list[tuple[Table, list[dict[str, Any]]]], notify: str | None,
                   ) -> tuple[TextClause, dict[str, Any]] | None:
    """`_unnest_insert` and its parameters, or None where it does not apply: a table that
    comes twice (sibling CTEs run in no fixed order, so two inserts into one table could
    swap their rows' ids) or rows of one table with different columns."""
    shape: list[tuple[Table, tuple[str, ...]]] = []
    for table, rows in writes:
        columns = tuple(rows[0])
        if any(t is table for t, _ in shape) or any(tuple(r) != columns for r in rows):
            return None
        shape.append((table, columns))
    statement, prepare = _unnest_insert(tuple(shape), notify is not None)
    params: dict[str, Any] = {"notify_channel": notify} if notify is not None else {}
    k = 0
    for n, ((_, columns), (_, rows)) in enumerate(zip(shape, writes, strict=True)):
        for i, c in enumerate(columns):
            convert = prepare[k]
            k += 1
            params[f"t{n}_{i}"] = ([row[c] for row in rows] if convert is None
                                   else [convert(row[c]) for row in rows])
    return statement, params


async def _insert_all(session: AsyncSession, writes: list[tuple[Table, list[dict[str, Any]]]],
                      notify: str | None = None, *, one_statement: bool = False) -> None:
    """Run the inserts in order. On PostgreSQL: from COPY_MIN_ROWS rows by COPY, table after
    table; below that as one statement (foreign keys are checked at the end of a statement,
    so a child row may sit beside its parent). Otherwise, and where neither applies, one
    executemany per table. `notify` (PostgreSQL): a channel to notify when the transaction
    commits. `one_statement` (PostgreSQL, no transaction): one statement or nothing."""
    writes = [(table, rows) for table, rows in writes if rows]
    if one_statement:
        one = _one_statement(writes, notify) if writes else None
        if writes and one is None:
            raise RuntimeError("a unit that writes only at commit must write in one "
                               "statement (each table once, one set of columns each)")
        if one is not None:
            await session.execute(*one)
        return
    if session.get_bind().dialect.name == "postgresql":
        if sum(len(rows) for _, rows in writes) >= COPY_MIN_ROWS and await _copy_all(
                session, writes):
            if notify is not None:
                await session.execute(_NOTIFY, {"channel": notify})
            return
        if writes and (one := _one_statement(writes, notify)) is not None:
            await session.execute(*one)
            return
        if notify is not None:
            await session.execute(_NOTIFY, {"channel": notify})
    for table, rows in writes:
        await session.execute(insert(table), rows)


_NOTIFY = text("SELECT pg_notify(:channel, '')")

#: From this many rows in a unit, PostgreSQL gets them by COPY, one table after the other.
COPY_MIN_ROWS = 100


@functools.lru_cache(maxsize=128)
def _copy_converters(table: Table, columns: tuple[str, ...], dialect: Any,
                     ) -> tuple[Callable[[Any], Any] | None, ...]:
    """What SQLAlchemy would do to each column's value before the driver sees it (JSON to
    text, aware datetimes to UTC), or None."""
    return tuple(table.c[c].type.dialect_impl(dialect).bind_processor(dialect)
                 for c in columns)


async def _copy_all(session: AsyncSession, writes: list[tuple[Table, list[dict[str, Any]]]],
                    ) -> bool:
    """PostgreSQL: each table's rows by binary COPY, in the order asked (parents first), in the
    unit's transaction. asyncpg encodes a COPY's values without the per-element checks of an
    array parameter (a third of a 500-complaint batch's encoding, measured), and PostgreSQL
    loads them faster than an INSERT. False, having written nothing, if the unit has no open
    transaction yet (COPY would commit by itself) or a table's rows differ in columns."""
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    if raw is None or not raw.is_in_transaction():
        return False
    shaped = []
    for table, rows in writes:
        columns = tuple(rows[0])
        if any(tuple(r) != columns for r in rows):
            return False
        shaped.append((table, columns, rows))
    for table, columns, rows in shaped:
        get_values = operator.itemgetter(*columns)
        records: list[Any] = ([get_values(row) for row in rows] if len(columns) > 1
                              else [(row[columns[0]],) for row in rows])
        converted = [(i, f) for i, f in enumerate(
            _copy_converters(table, columns, connection.dialect)) if f is not None]
        if converted:  # column by column: most columns need nothing
            records = [list(record) for record in records]
            for i, convert in converted:
                for record in records:
                    record[i] = convert(record[i])
        try:
            await raw.copy_records_to_table(table.name, records=records, columns=columns)
        except asyncpg.IntegrityConstraintViolationError as exc:
            # As SQLAlchemy reports it, so callers handle a COPY's conflict like an INSERT's.
            raise IntegrityError(f"COPY {table.name}", None, exc) from exc
    return True


class UnitOfWork:
    """One transaction: the state change, the outbox rows it emits and the inbox mark, together.

    `publish()` only writes an outbox row; the relay sends it after commit. On leaving the block
    without `commit()`, everything is rolled back.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], outbox: OutboxWriter,
                 inbox: Table, on_commit: Callable[[], None] | None = None,
                 notify: str | None = None) -> None:
        """`on_commit`: called after a commit that wrote outbox rows (wakes this process's
        relay). `notify` (PostgreSQL): a channel such a commit notifies instead, for a relay
        in another process."""
        self._sessions = sessions
        self._outbox = outbox
        self._inbox = inbox
        self._on_commit = on_commit
        self._notify = notify
        self._pending: list[dict[str, Any]] = []
        self._deferred: list[tuple[Table, list[dict[str, Any]]]] = []
        self._traceparent: tuple[int, str | None] | None = None  # (span id, its traceparent)
        self._one_statement = False

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self._pending = []
        self._deferred = []
        self._traceparent = None
        self._one_statement = False
        return self

    async def write_only_at_commit(self) -> None:
        """Declare, before any statement, that this unit only reads until `commit()`, whose
        deferred and outbox rows are all it writes. On PostgreSQL it then runs without a
        transaction: its reads see what is committed, as they would in one (READ COMMITTED),
        and its writes are one statement, atomic by itself; BEGIN and COMMIT, two of a small
        unit's four round trips, are saved. A commit that would take more than one statement
        fails instead of writing part of the unit."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            self._one_statement = True

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        try:
            await self.session.rollback()
        finally:
            await asyncio.shield(self.session.close())

    def publish(self, event: Contract, *, topic: str | None = None,
                traceparent: str | None = None) -> None:
        """Queue an event for publication in this transaction (outbox pattern). The event
        continues `traceparent` if given (a grouped change), else the active span's trace."""
        if traceparent is None:
            # Read once per span (a change of 500 complaints has one); a unit that handles
            # several events runs each in its own span.
            span_id = trace.get_current_span().get_span_context().span_id
            if self._traceparent is None or self._traceparent[0] != span_id:
                self._traceparent = (span_id, current_traceparent())
            traceparent = self._traceparent[1]
        self._pending.append(self._outbox.row_for(event, topic=topic, traceparent=traceparent))

    async def already_handled(self, event_id: str, topic: str) -> bool:
        """Mark an incoming event as handled in this transaction; True if it was handled before."""
        values = {"event_id": event_id, "topic": topic, "handled_at": self._outbox.clock()}
        result = await self.session.execute(insert_or_ignore(self._inbox, tuple(values)), values)
        return result.rowcount == 0  # type: ignore[attr-defined]

    def insert_at_commit(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert `rows` when the unit commits, in the order asked, before the outbox rows.

        For rows nothing in this transaction reads back: deferring lets a small transaction
        write all of them in one statement instead of one round trip per table."""
        if rows:
            self._deferred.append((table, rows))

    async def flush_deferred(self) -> None:
        """Insert the rows deferred so far now (the outbox rows stay for the commit): for a
        unit that handles several events, where a later one may read what an earlier one
        wrote."""
        writes, self._deferred = self._deferred, []
        await _insert_all(self.session, writes)

    async def commit(self) -> None:
        published = bool(self._pending)
        writes = self._deferred + ([(self._outbox.table, self._pending)] if published else [])
        self._deferred, self._pending = [], []
        await _insert_all(self.session, writes, self._notify if published else None,
                          one_statement=self._one_statement)
        await self.session.commit()
        if published and self._on_commit is not None:
            self._on_commit()  # wake the relay now instead of at its next poll
