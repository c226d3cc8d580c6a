"""Intake's migration 0004 moves idempotency keys onto the complaint row and stops storing the
registration's timeline entries, without losing what an existing database holds, and its
downgrade puts both back (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from services.intake.adapters.repository import ComplaintRepository
from slrt.migrations import alembic_config, upgrade
from slrt.services import service

pytestmark = pytest.mark.integration

MIGRATIONS = service("intake").bootstrap.DEFINITION.migrations
REGISTERED = dt.datetime(2026, 11, 2, 3, 4, 5, tzinfo=dt.UTC)
LATER = REGISTERED + dt.timedelta(hours=2)


def _complaint(cid: str, number: str, desk_resolution: str | None) -> dict[str, Any]:
    return {"id": cid, "number": number, "channel": "puskesos", "village_code": "3402010001",
            "category": "health", "urgency": "normal", "description": "Kartu KIS hilang",
            "complainant_has_no_nik": True, "complainant_name": "Sri", "kind": "complaint",
            "possible_duplicate_of": json.dumps(["c-0"]), "recorded_by": "op-7",
            "status": "closed" if desk_resolution else "registered",
            "desk_resolution": desk_resolution, "registered_at": REGISTERED,
            "updated_at": REGISTERED}


async def _fill_0003(url: str) -> None:
    """What registration and a follow-up wrote under revision 0003."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(
                "INSERT INTO complaints (id, number, channel, village_code, category, urgency, "
                "description, complainant_has_no_nik, complainant_name, kind, "
                "possible_duplicate_of, recorded_by, status, desk_resolution, registered_at, "
                "updated_at) VALUES (:id, :number, :channel, :village_code, :category, "
                ":urgency, :description, :complainant_has_no_nik, :complainant_name, :kind, "
                ":possible_duplicate_of, :recorded_by, :status, :desk_resolution, "
                ":registered_at, :updated_at)"),
                [_complaint("c-1", "N-1", "Dijawab di meja"), _complaint("c-2", "N-2", None)])
            await conn.execute(sa.text(
                "INSERT INTO idempotency_keys (key, request_hash, complaint_id, created_at) "
                "VALUES ('tablet-9', 'h-1', 'c-1', :at)"), {"at": REGISTERED})
            await conn.execute(sa.text(
                "INSERT INTO complaint_timeline (complaint_id, at, kind, detail) "
                "VALUES (:cid, :at, :kind, :detail)"), [
                {"cid": "c-1", "at": REGISTERED, "kind": "registered", "detail": json.dumps(
                    {"by": "op-7", "channel": "puskesos", "possible_duplicate_of": ["c-0"]})},
                {"cid": "c-1", "at": REGISTERED, "kind": "closed_at_desk",
                 "detail": json.dumps({"by": "op-7"})},
                {"cid": "c-2", "at": REGISTERED, "kind": "registered", "detail": json.dumps(
                    {"by": "op-7", "channel": "puskesos", "possible_duplicate_of": ["c-0"]})},
                {"cid": "c-2", "at": LATER, "kind": "information_added",
                 "detail": json.dumps({"by": "op-8"})}])
    finally:
        await engine.dispose()


async def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return [tuple(r) for r in await conn.execute(sa.text(sql))]
    finally:
        await engine.dispose()


async def _timeline(url: str, cid: str) -> list[tuple[str, dict[str, Any]]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            session = AsyncSession(bind=conn)
            repo = ComplaintRepository(session)
            row = await repo.get(cid)  # type: ignore[arg-type]
            assert row is not None
            return [(e["kind"], e["detail"]) for e in await repo.timeline(row)]
    finally:
        await engine.dispose()


async def _check(url: str) -> None:
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "0003")
    await _fill_0003(url)
    await asyncio.to_thread(upgrade, MIGRATIONS, url)

    assert await _rows(url, "SELECT id, idempotency_key, request_hash FROM complaints "
                            "ORDER BY id") == [("c-1", "tablet-9", "h-1"), ("c-2", None, None)]
    assert await _rows(url, "SELECT complaint_id, kind FROM complaint_timeline") == [
        ("c-2", "information_added")]
    # The timeline still tells the registration, now read off the row.
    registered = ("registered", {"by": "op-7", "channel": "puskesos",
                                 "possible_duplicate_of": ["c-0"]})
    assert await _timeline(url, "c-1") == [registered, ("closed_at_desk", {"by": "op-7"})]
    assert await _timeline(url, "c-2") == [registered, ("information_added", {"by": "op-8"})]

    await asyncio.to_thread(command.downgrade, alembic_config(MIGRATIONS, url), "0003")
    assert await _rows(url, "SELECT key, request_hash, complaint_id FROM idempotency_keys") == [
        ("tablet-9", "h-1", "c-1")]
    kinds = await _rows(url, "SELECT complaint_id, kind FROM complaint_timeline "
                             "ORDER BY complaint_id, kind")
    assert kinds == [("c-1", "closed_at_desk"), ("c-1", "registered"),
                     ("c-2", "information_added"), ("c-2", "registered")]


async def test_sqlite_registration_moves_onto_the_complaint_row(tmp_path: Path) -> None:
    await _check(f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}")


async def test_postgresql_registration_moves_onto_the_complaint_row(pg_databases: Any) -> None:
    await _check(await pg_databases("intake_0004"))
