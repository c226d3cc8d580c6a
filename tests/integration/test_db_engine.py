"""The PostgreSQL engine recovers from connections the server closed, without a ping per
checkout: a pooled connection killed by the server is replaced, not handed to a request."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, func, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker

from slrt.db import UnitOfWork, make_engine
from slrt.outbox import OutboxWriter, plumbing_tables

pytestmark = pytest.mark.integration
SAMPLES = Path(__file__).resolve().parents[2] / "contracts" / "samples"


async def test_a_connection_the_server_closed_is_replaced(pg_databases: Any) -> None:
    url = await pg_databases("engine")
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            first_pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        killer = make_engine(url, pool_size=1, max_overflow=0)
        async with killer.connect() as conn:
            killed = (await conn.execute(text("SELECT pg_terminate_backend(:pid)"),
                                         {"pid": first_pid})).scalar_one()
        await killer.dispose()
        assert killed is True
        await asyncio.sleep(0.2)  # the pooled connection's socket sees the server's EOF

        async with engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert pid != first_pid
    finally:
        await engine.dispose()


async def test_deferred_inserts_of_a_small_unit_commit_together(pg_databases: Any) -> None:
    # Parent and child in one statement (child beside its parent, not after it): the foreign
    # key is checked at the end of the statement, so this must commit; a rollback leaves none.
    metadata = MetaData()
    outbox, inbox, _ = plumbing_tables(metadata)
    parent = Table("parent", metadata, Column("id", String(8), primary_key=True))
    child = Table("child", metadata, Column("id", Integer, primary_key=True),
                  Column("parent_id", String(8), ForeignKey("parent.id"), nullable=False))
    engine = make_engine(await pg_databases("uow"))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        writer = OutboxWriter(outbox, source="test")
        async with UnitOfWork(sessions, writer, inbox) as uow:
            uow.insert_at_commit(parent, [{"id": "p1"}])
            uow.insert_at_commit(child, [{"id": n, "parent_id": "p1"} for n in (1, 2)])
            await uow.commit()
        async with UnitOfWork(sessions, writer, inbox) as uow:
            uow.insert_at_commit(parent, [{"id": "p2"}])  # never committed
        async with UnitOfWork(sessions, writer, inbox) as uow:
            uow.insert_at_commit(child, [{"id": 3, "parent_id": "nobody"}])
            with pytest.raises(Exception, match="foreign key"):
                await uow.commit()
        async with engine.connect() as conn:
            assert (await conn.execute(select(parent.c.id))).scalars().all() == ["p1"]
            assert (await conn.execute(select(func.count()).select_from(child))).scalar() == 2
    finally:
        await engine.dispose()


async def test_several_events_of_one_unit_keep_their_order(pg_databases: Any) -> None:
    # Outbox ids decide publication order: two events of one unit must get them in order.
    from contracts import ComplaintWithdrawnV1

    metadata = MetaData()
    outbox, inbox, _ = plumbing_tables(metadata)
    parent = Table("parent", metadata, Column("id", String(8), primary_key=True))
    engine = make_engine(await pg_databases("order"))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        writer = OutboxWriter(outbox, source="test")
        sample = json.loads((SAMPLES / "complaint.withdrawn.v1.json").read_text())
        for n in range(20):
            async with UnitOfWork(sessions, writer, inbox) as uow:
                uow.insert_at_commit(parent, [{"id": f"p{n}"}])
                for reason in ("first", "second", "third"):
                    uow.publish(ComplaintWithdrawnV1(**{**sample, "withdrawal_reason": reason}))
                await uow.commit()
        async with engine.connect() as conn:
            rows = (await conn.execute(select(outbox.c.payload).order_by(outbox.c.id))).all()
        reasons = [json.loads(r.payload)["withdrawal_reason"] for r in rows]
        assert reasons == ["first", "second", "third"] * 20
    finally:
        await engine.dispose()


def _typed_tables() -> tuple[MetaData, Table, Table, Table, Table]:
    from sqlalchemy import JSON, Boolean, LargeBinary

    from slrt.sqltypes import UtcDateTime

    metadata = MetaData()
    outbox, inbox, _ = plumbing_tables(metadata)
    parent = Table("parent", metadata, Column("id", String(8), primary_key=True),
                   Column("tags", JSON), Column("blob", LargeBinary),
                   Column("at", UtcDateTime), Column("flag", Boolean))
    child = Table("child", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
                  Column("parent_id", String(8), ForeignKey("parent.id"), nullable=False),
                  Column("note", String(20)))
    return metadata, outbox, inbox, parent, child


def _rows(parents: int, children: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    # JSON lists (which an array parameter would read as a nested array), JSON null, bytes,
    # aware datetimes of another zone, booleans and SQL NULLs.
    import datetime as dt

    at = dt.datetime(2026, 12, 4, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    return ([{"id": f"p{n:03}", "tags": [f"t{n}", {"n": n}] if n % 3 else None,
              "blob": bytes([n % 256, 0, 255]), "at": at + dt.timedelta(minutes=n),
              "flag": n % 2 == 0} for n in range(parents)],
            [{"parent_id": f"p{n % parents:03}", "note": None if n % 4 == 0 else f"c{n}"}
             for n in range(children)])


class TypedDb:
    """A fresh database with `_typed_tables()`, and the SQL statements SQLAlchemy ran on it."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import event

        self.metadata, outbox, self.inbox, self.parent, self.child = _typed_tables()
        self.engine = make_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.writer = OutboxWriter(outbox, source="test")
        self.statements: list[str] = []
        event.listen(self.engine.sync_engine, "before_cursor_execute",
                     lambda _c, _cur, sql, *_rest: self.statements.append(sql))

    async def __aenter__(self) -> TypedDb:
        async with self.engine.begin() as conn:
            await conn.run_sync(self.metadata.create_all)
        self.statements.clear()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.engine.dispose()

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.writer, self.inbox)


async def _written(engine: Any, parent: Table, child: Table) -> tuple[list[Any], list[Any]]:
    async with engine.connect() as conn:
        got = [dict(r._mapping) for r in
               (await conn.execute(select(parent).order_by(parent.c.id))).all()]
        notes = list((await conn.execute(select(child.c.note).order_by(child.c.id))).scalars())
    return got, notes


async def test_a_small_unit_of_many_rows_is_one_statement_that_keeps_values_and_order(
        pg_databases: Any) -> None:
    # Below COPY_MIN_ROWS: every table's rows in one INSERT … unnest statement; values come
    # back as written and serial ids follow the order asked.
    from slrt.db import COPY_MIN_ROWS

    async with TypedDb(await pg_databases("unnest")) as db:
        parents, children = _rows(30, 60)
        assert len(parents) + len(children) < COPY_MIN_ROWS
        async with db.uow() as uow:
            uow.insert_at_commit(db.parent, parents)
            uow.insert_at_commit(db.child, children)
            await uow.commit()
        assert len([s for s in db.statements if s.lstrip().startswith("WITH")]) == 1
        assert not [s for s in db.statements if s.lstrip().startswith("INSERT")]

        # A table that comes twice takes one statement per table instead; still in order.
        async with db.uow() as uow:
            uow.insert_at_commit(db.child, [{"parent_id": "p000", "note": "late-1"}])
            uow.insert_at_commit(db.parent, [{**parents[0], "id": "q0", "tags": []}])
            uow.insert_at_commit(db.child, [{"parent_id": "q0", "note": "late-2"}])
            await uow.commit()

        got, notes = await _written(db.engine, db.parent, db.child)
        assert got == parents + [{**parents[0], "id": "q0", "tags": []}]
        assert notes == [c["note"] for c in children] + ["late-1", "late-2"]


async def test_a_large_unit_is_copied_in_its_transaction(pg_databases: Any) -> None:
    # From COPY_MIN_ROWS rows: binary COPY, table after table, inside the unit's transaction
    # (no INSERT statement runs); values and order as asked; a duplicate key fails the unit
    # with SQLAlchemy's IntegrityError (intake then looks its keys up and tries again), and a
    # rolled-back unit leaves nothing.
    from sqlalchemy.exc import IntegrityError

    async with TypedDb(await pg_databases("copy")) as db:
        parents, children = _rows(150, 300)
        async with db.uow() as uow:
            await uow.session.execute(select(func.count()).select_from(db.parent))  # as units do
            uow.insert_at_commit(db.parent, parents)
            uow.insert_at_commit(db.child, children)
            await uow.commit()
        assert not [s for s in db.statements
                    if s.lstrip().upper().startswith(("INSERT", "WITH"))]

        extra, _ = _rows(151, 0)
        async with db.uow() as uow:
            await uow.session.execute(select(func.count()).select_from(db.parent))
            uow.insert_at_commit(db.parent, [{**extra[150], "id": "new"}, *parents[:120]])
            with pytest.raises(IntegrityError, match="COPY parent"):
                await uow.commit()

        got, notes = await _written(db.engine, db.parent, db.child)
        assert got == parents
        assert notes == [c["note"] for c in children]


async def test_a_unit_that_writes_only_at_commit_runs_without_a_transaction(
        pg_databases: Any) -> None:
    # Its reads run outside any transaction (no BEGIN, no COMMIT round trips), its rows go in
    # one statement; a commit that would need two statements fails and writes nothing.
    async with TypedDb(await pg_databases("one_write")) as db:
        parents, children = _rows(3, 6)
        async with db.uow() as uow:
            await uow.write_only_at_commit()
            await uow.session.execute(select(func.count()).select_from(db.parent))
            raw = (await (await uow.session.connection()).get_raw_connection()).driver_connection
            assert not raw.is_in_transaction()
            uow.insert_at_commit(db.parent, parents)
            uow.insert_at_commit(db.child, children)
            await uow.commit()
        assert len([s for s in db.statements if s.lstrip().startswith("WITH")]) == 1

        async with db.uow() as uow:
            await uow.write_only_at_commit()
            uow.insert_at_commit(db.parent, [{**parents[0], "id": "q0"}])
            uow.insert_at_commit(db.child, [{"parent_id": "q0", "note": "x"}])
            uow.insert_at_commit(db.parent, [{**parents[0], "id": "q1"}])
            with pytest.raises(RuntimeError, match="one statement"):
                await uow.commit()

        async with db.uow() as uow:  # the pooled connection is back to transactions
            await uow.session.execute(select(func.count()).select_from(db.parent))
            raw = (await (await uow.session.connection()).get_raw_connection()).driver_connection
            assert raw.is_in_transaction()

        got, notes = await _written(db.engine, db.parent, db.child)
        assert got == parents
        assert notes == [c["note"] for c in children]
