"""Outbox relay: publishes committed outbox rows to Kafka, in id order, then marks them.

Woken right after a commit (low latency) and also on a poll interval (rows written by another
process, retries after a broker outage). On a fresh broker it re-publishes retained rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
from opentelemetry import context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from sqlalchemy import Table, and_, bindparam, func, or_, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from contracts.envelope import TRACEPARENT

from .aio import BackgroundLoop
from .db import ByDialect, in_values
from .outbox import Clock, utcnow

log = logging.getLogger(__name__)

#: One record: (key, payload, headers).
Record = tuple[bytes, bytes, dict[str, str]]
#: publish(topic, records): queues records of one topic that continue one trace (the active
#: context's), then returns one awaitable per record (a future) that resolves once the broker
#: acked it, or fails for that record alone.
Publish = Callable[[str, list[Record]], Awaitable[list[Awaitable[Any]]]]


class OutboxRelay(BackgroundLoop):
    task_name = "outbox-relay"

    def __init__(self, sessions: async_sessionmaker[AsyncSession], table: Table, publish: Publish,
                 *, batch_size: int = 200, poll_interval_s: float = 0.5, lease_s: float = 30.0,
                 linger_s: float = 0.0, retention_hours: int = 72,
                 clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._table = table
        self._publish = publish
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._lease = dt.timedelta(seconds=lease_s)
        self._linger_s = linger_s
        self._claim_sql = self._claim_statement()
        self._mark_sql = ByDialect(lambda dialect: (
            update(table).where(in_values(table.c.id, "ids", dialect))
            .values(published_at=bindparam("now"), claimed_until=None)))
        self._retention = dt.timedelta(hours=retention_hours)
        self._clock = clock
        self._wake = asyncio.Event()
        self._wakes = 0
        self.published_total = 0

    def wake(self) -> None:
        self._wakes += 1  # one per commit that wrote rows
        self._wake.set()

    async def _run(self) -> None:
        last_purge = self._clock()
        loop = asyncio.get_running_loop()
        while True:
            # Clear before publishing: a wake() during this round must trigger the next one.
            self._wake.clear()
            wakes_before = self._wakes
            try:
                while await self.publish_pending() == self._batch_size:
                    pass  # a full batch: more may be waiting
                if self._clock() - last_purge > dt.timedelta(hours=1):
                    await self.purge_published()
                    last_purge = self._clock()
            except asyncio.CancelledError:
                raise
            except Exception:  # broker or DB down: keep the rows, try again next round
                log.exception("outbox relay round failed; rows stay pending")
            last_round_end = loop.time()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_interval_s):
                    await self._wake.wait()
            if self._should_linger(self._wakes - wakes_before, loop.time() - last_round_end):
                await asyncio.sleep(self._linger_s)

    def _should_linger(self, commits: int, since_last_round_s: float) -> bool:
        """Each round costs two short statements. Several commits since the last round began,
        and woken again within a few lingers of its end: commits arrive faster than rounds, so
        wait a moment and take several in one round. One commit per round means they do not
        pile up, and waiting would only delay each event (at 50 complaints/s, lingering on
        each of the journey's three relays was ~20 ms of its median)."""
        return commits > 1 and since_last_round_s < 4 * self._linger_s

    def _claim_statement(self) -> Any:
        """Lease the next batch in one statement: UPDATE … FROM (the oldest claimable ids,
        skipping rows another relay has locked) RETURNING the rows. The claimable condition is
        repeated on the UPDATE because SQLite has no row locks: two relays may pick the same
        ids, and only the first UPDATE still finds them claimable. Built once: building it
        cost about as much as running it."""
        t = self._table
        claimable = and_(t.c.published_at.is_(None),
                         or_(t.c.claimed_until.is_(None), t.c.claimed_until < bindparam("now")))
        # A CTE, not `IN (subquery)`: PostgreSQL may run an IN-subquery per row, and with
        # SKIP LOCKED each run can return other ids, overshooting the LIMIT.
        oldest = (select(t.c.id).where(claimable).order_by(t.c.id).limit(self._batch_size)
                  .with_for_update(skip_locked=True).cte("oldest"))
        return (update(t).where(t.c.id == oldest.c.id, claimable)
                .values(claimed_until=bindparam("until")).returning(*t.c))

    @contextlib.asynccontextmanager
    async def _autocommit(self) -> AsyncIterator[AsyncConnection]:
        """A connection whose every statement commits by itself: the relay's claims and marks
        are single statements, and BEGIN/COMMIT would triple their round trips."""
        async with self._sessions() as session:
            yield await session.connection(
                execution_options={"isolation_level": "AUTOCOMMIT"})

    async def _claim(self) -> list[Any]:
        now = self._clock()
        async with self._autocommit() as conn:
            claimed = await conn.execute(self._claim_sql,
                                         {"now": now, "until": now + self._lease})
            return sorted(claimed, key=lambda row: row.id)  # RETURNING has no order

    async def publish_pending(self) -> int:
        """Publish one claimed batch; returns how many rows were published."""
        rows = await self._claim()
        if not rows:
            return 0
        # Queue every record in id order, then wait for the acks together: one loop instead of
        # a task per record (creating those tasks was ~3 % of intake's CPU in batch sync).
        acks: list[Awaitable[Any]] = []
        parsed = [(row.topic, (row.key.encode(), row.payload, json.loads(row.headers)))
                  for row in rows]
        # Consecutive rows of one topic that one change wrote (a batch of 500 complaints, say)
        # continue one trace, and are published under one span.
        for (topic, _), group in itertools.groupby(
                parsed, key=lambda p: (p[0], p[1][2].get(TRACEPARENT))):
            records = [record for _, record in group]
            try:
                acks += await self._send(topic, records)
            except Exception as exc:  # not even queued (e.g. no producer yet)
                acks += [failed_ack(exc) for _ in records]
        results = await asyncio.gather(*acks, return_exceptions=True)
        done = [row.id for row, res in zip(rows, results, strict=True)
                if not isinstance(res, BaseException)]
        failed = [(row.id, res) for row, res in zip(rows, results, strict=True)
                  if isinstance(res, BaseException)]
        await self._mark(done, failed)
        self.published_total += len(done)
        if failed:
            raise RuntimeError(f"{len(failed)} outbox rows failed to publish: {failed[0][1]!r}")
        return len(done)

    async def _send(self, topic: str, records: list[Record]) -> list[Awaitable[Any]]:
        """Queue records of one topic and one trace; returns their acks."""
        # Publish inside the trace of the change that wrote the rows, so the producer span
        # (and the traceparent it injects) continue that trace.
        token = context.attach(_PROPAGATOR.extract(records[0][2]))
        try:
            return await self._publish(topic, records)
        finally:
            context.detach(token)

    async def _mark(self, done: list[int], failed: list[tuple[int, BaseException]]) -> None:
        t, now = self._table, self._clock()
        if done:
            async with self._autocommit() as conn:
                await conn.execute(self._mark_sql.on(conn), {"ids": done, "now": now})
        if not failed:
            return
        async with self._sessions() as session, session.begin():
            for row_id, exc in failed:
                await session.execute(
                    update(t).where(t.c.id == row_id)
                    .values(claimed_until=None, attempts=t.c.attempts + 1,
                            last_error=repr(exc)[:2000]))

    async def republish_retained(self) -> int:
        """A fresh broker lost everything: send the rows of the retention window again."""
        t = self._table
        since = self._clock() - self._retention
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(t).where(and_(t.c.published_at.is_not(None), t.c.published_at >= since))
                .values(published_at=None, claimed_until=None))
        self.wake()
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def purge_published(self) -> None:
        t = self._table
        cutoff = self._clock() - self._retention
        async with self._sessions() as session, session.begin():
            await session.execute(t.delete().where(and_(t.c.published_at.is_not(None),
                                                        t.c.published_at < cutoff)))

    async def depth_and_age(self) -> tuple[int, float]:
        """(pending rows, age in seconds of the oldest pending row), for /readyz and metrics."""
        t = self._table
        async with self._sessions() as session:
            row = (await session.execute(
                select(func.count(), func.min(t.c.created_at)).where(t.c.published_at.is_(None))
            )).one()
        count, oldest = int(row[0]), row[1]
        if oldest is None:
            return count, 0.0
        if oldest.tzinfo is None:  # SQLite returns naive datetimes
            oldest = oldest.replace(tzinfo=dt.UTC)
        return count, max(0.0, (self._clock() - oldest).total_seconds())


_PROPAGATOR = TraceContextTextMapPropagator()


def failed_ack(exc: BaseException) -> asyncio.Future[Any]:
    """The ack of a record that could not even be queued."""
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    future.set_exception(exc)
    return future


class OutboxListener(BackgroundLoop):
    """PostgreSQL: wakes this process's relay when another process of the service (one that
    serves only the API, see `ServiceSettings.process_role`) commits outbox rows; each such
    commit sends one NOTIFY on `channel`. A dedicated connection, opened again after a loss;
    while it is down the relay's poll interval still finds every row."""

    task_name = "outbox-listener"

    def __init__(self, database_url: str, channel: str, wake: Callable[[], None],
                 *, retry_max_s: float = 10.0) -> None:
        self._connect_args = make_url(database_url).translate_connect_args(username="user")
        self._channel = channel
        self._wake = wake
        self._retry_max_s = retry_max_s
        self.listening = asyncio.Event()  # set while LISTEN is in place (tests, readiness)

    def _notified(self, *_: Any) -> None:
        self._wake()

    async def _run(self) -> None:
        delay = 0.5
        while True:
            try:
                conn = await asyncpg.connect(**self._connect_args)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("outbox listener cannot connect (%s); retrying in %.1fs",
                            type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._retry_max_s)
                continue
            delay = 0.5
            try:
                await self._listen(conn)
                log.warning("outbox listener lost its connection; connecting again")
            finally:
                self.listening.clear()
                await asyncio.shield(conn.close(timeout=2))

    async def _listen(self, conn: asyncpg.Connection) -> None:
        """Until the connection is lost."""
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        await conn.add_listener(self._channel, self._notified)
        self.listening.set()
        self._wake()  # rows committed while nobody listened
        await lost.wait()
