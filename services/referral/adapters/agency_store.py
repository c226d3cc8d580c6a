"""Agencies kept in the database (seeded from the demo directory), and their audit trail.

Agencies are never deleted: a deactivated agency keeps its referrals and history but leaves the
directory that routing and new referrals use.
"""

from __future__ import annotations

import datetime as dt
import weakref
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Sector

from ..domain.agencies import Agency, AgencyDirectory
from .repository import ConcurrentUpdate
from .tables import agencies, agency_audit

_PUBLIC = ("agency_id", "name", "kind", "region_code", "sectors", "is_partner", "contacts",
           "delivery", "active", "version", "created_at", "updated_at", "updated_by")


_ACTIVE = select(agencies).where(agencies.c.active.is_(True))
# Every write to agencies adds a row or raises one's version (`add`, `change`), so the row
# count and the sum of versions over all rows move on every change, and never come back.
_STAMP = select(func.count(), func.coalesce(func.sum(agencies.c.version), 0))
#: engine -> (stamp, directory) of the last directory read from that database.
_directories: weakref.WeakKeyDictionary[Any, tuple[tuple[int, int], AgencyDirectory]] = \
    weakref.WeakKeyDictionary()


def agency_of(row: dict[str, Any]) -> Agency:
    return Agency(agency_id=row["agency_id"], name=row["name"],
                  sectors=tuple(Sector(s) for s in row["sectors"]),
                  region_code=row["region_code"], kind=row["kind"])


def _json_safe(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in row.items()}


class AgencyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def directory(self) -> AgencyDirectory:
        """The active agencies, as the routing and referral code use them.

        Every case opened reads the directory, and agencies change rarely: the directory read
        last from this database is kept, and read again only when the table's stamp moved."""
        count, versions = (await self.session.execute(_STAMP)).one()
        stamp = (int(count), int(versions))
        engine = self.session.get_bind()
        kept = _directories.get(engine)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        rows = await self.session.execute(_ACTIVE)
        found = AgencyDirectory(agency_of(dict(r)) for r in rows.mappings())
        _directories[engine] = (stamp, found)
        return found

    async def get(self, agency_id: str) -> dict[str, Any] | None:
        row = (await self.session.execute(
            select(agencies).where(agencies.c.agency_id == agency_id))).mappings().first()
        return {k: row[k] for k in _PUBLIC} if row else None

    async def find(self, region: str | None, include_inactive: bool) -> list[dict[str, Any]]:
        stmt = select(agencies).order_by(agencies.c.agency_id)
        if not include_inactive:
            stmt = stmt.where(agencies.c.active.is_(True))
        rows = [dict(r) for r in (await self.session.execute(stmt)).mappings()]
        if region:
            # An agency concerns a region when one contains the other: a regency manager sees
            # the regency's offices and the province and national ones above it.
            rows = [r for r in rows if r["region_code"].startswith(region)
                    or region.startswith(r["region_code"])]
        return [{k: r[k] for k in _PUBLIC} for r in rows]

    async def add(self, values: dict[str, Any], actor: str, role: str,
                  now: dt.datetime) -> dict[str, Any]:
        row = {**values, "active": True, "version": 1, "created_at": now, "updated_at": now,
               "updated_by": actor}
        await self.session.execute(agencies.insert().values(**row))
        await self._audit(now, actor, role, "create", values["agency_id"], None, row)
        return row

    async def change(self, agency_id: str, seen_version: int, values: dict[str, Any],
                     actor: str, role: str, now: dt.datetime, action: str) -> dict[str, Any]:
        before = await self.get(agency_id)
        assert before is not None
        changed = {**values, "version": seen_version + 1, "updated_at": now, "updated_by": actor}
        done = await self.session.execute(
            update(agencies).where(agencies.c.agency_id == agency_id,
                                   agencies.c.version == seen_version).values(**changed))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentUpdate(f"agency {agency_id}")
        after = {**before, **changed}
        await self._audit(now, actor, role, action, agency_id, before, after)
        return after

    async def audit_trail(self, agency_id: str) -> list[dict[str, Any]]:
        rows = await self.session.execute(select(agency_audit).where(
            agency_audit.c.agency_id == agency_id).order_by(agency_audit.c.id))
        return [dict(r) for r in rows.mappings()]

    async def _audit(self, at: dt.datetime, actor: str, role: str, action: str, agency_id: str,
                     before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        await self.session.execute(agency_audit.insert().values(
            at=at, actor=actor, role=role, action=action, agency_id=agency_id,
            before=_json_safe(before) if before else None,
            after=_json_safe(after) if after else None))
