"""The agency directory routing reads for every case is kept between units of work, and read
again as soon as any agency is added, changed, deactivated or reactivated (SQLite and
PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from services.referral.adapters.agency_store import AgencyRepository
from services.referral.bootstrap import DEFINITION
from slrt.db import make_engine
from slrt.migrations import upgrade

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path,
                 pg_databases: Any) -> AsyncIterator[AsyncEngine]:
    url = (f"sqlite+aiosqlite:///{tmp_path / 'referral.db'}" if request.param == "sqlite"
           else await pg_databases("directory"))
    await asyncio.to_thread(upgrade, DEFINITION.migrations, url)
    created = make_engine(url)
    yield created
    await created.dispose()


def _agency(agency_id: str) -> dict[str, Any]:
    kind, region = agency_id.split("-")
    return {"agency_id": agency_id, "kind": kind, "region_code": region, "name": agency_id,
            "sectors": ["education"], "contacts": {}, "delivery": {}}


async def test_the_kept_directory_follows_every_change(engine: AsyncEngine) -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def directory_ids() -> set[str]:
        async with sessions() as session:
            return {a.agency_id for a in (await AgencyRepository(session).directory()).all()}

    async def write(action: str, agency_id: str, version: int = 0,
                    **values: Any) -> None:
        async with sessions() as session, session.begin():
            repo = AgencyRepository(session)
            if action == "create":
                await repo.add(_agency(agency_id), "manager", "manager", NOW)
            else:
                await repo.change(agency_id, version, values, "manager", "manager", NOW, action)

    seeded = await directory_ids()
    async with sessions() as session:
        first = await AgencyRepository(session).directory()
    async with sessions() as session:
        assert await AgencyRepository(session).directory() is first  # kept, not read again

    await write("create", "disdik-3273")
    await write("create", "dinsos-3273")
    assert await directory_ids() == seeded | {"disdik-3273", "dinsos-3273"}
    await write("update", "disdik-3273", 1, name="Disdik Kota Bandung")
    async with sessions() as session:
        renamed = (await AgencyRepository(session).directory()).get("disdik-3273")
    assert renamed is not None and renamed.name == "Disdik Kota Bandung"

    # One agency deactivated and another reactivated, so that as many agencies are active,
    # with the same sum of versions among them: the stamp counts every row, so it still moves.
    await write("deactivate", "dinsos-3273", 1, active=False)  # version 2, inactive
    await write("update", "disdik-3273", 2, name="Disdik")     # version 3, active
    assert await directory_ids() == seeded | {"disdik-3273"}  # kept: disdik at version 3
    await write("deactivate", "disdik-3273", 3, active=False)  # version 4, inactive
    await write("reactivate", "dinsos-3273", 2, active=True)   # version 3, active
    assert await directory_ids() == seeded | {"dinsos-3273"}
