"""Household repository: maps rows to the domain's Household, Member and Participation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.geo import bounding_box, distance_km
from ..domain.history import (
    Change,
    ChangeContext,
    household_changes,
    household_record,
    member_record,
    participation_record,
)
from ..domain.matching import normalize_name
from ..domain.model import Household, Housing, Member, Participation
from .store import stored_records, write_records
from .tables import assessments, households, members, participations


class HouseholdRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def candidates(self, nik: str | None, kk_number: str | None, name: str | None,
                         village_code: str) -> list[Household]:
        """The few households a complainant could belong to (by NIK, KK or name in village)."""
        ids: set[str] = set()
        if nik:
            ids.update((await self.session.execute(
                select(members.c.household_id).where(members.c.nik == nik))).scalars())
        if kk_number:
            ids.update((await self.session.execute(
                select(households.c.household_id).where(households.c.kk_number == kk_number)
            )).scalars())
        if name:
            ids.update((await self.session.execute(
                select(members.c.household_id)
                .where(members.c.village_code == village_code,  # ix_members_village_name
                       members.c.name_normalized == normalize_name(name))
                .limit(20))).scalars())
        return await self.load_many(ids)

    async def load_many(self, ids: Iterable[str]) -> list[Household]:
        ids = sorted(set(ids))
        if not ids:
            return []
        h_rows = (await self.session.execute(
            select(households).where(households.c.household_id.in_(ids)))).mappings().all()
        # Heads first, then by age: a stable order on both backends.
        m_rows = (await self.session.execute(
            select(members).where(members.c.household_id.in_(ids))
            .order_by(members.c.relation != "head", members.c.birth_date))).mappings().all()
        p_rows = (await self.session.execute(
            select(participations).where(participations.c.household_id.in_(ids))
            .order_by(participations.c.program))).mappings().all()
        result = []
        for h in h_rows:
            hid = h["household_id"]
            result.append(Household(
                household_id=uuid.UUID(hid), kk_number=h["kk_number"],
                village_code=h["village_code"], address=h["address"],
                welfare_decile=h["welfare_decile"],
                members=[_member(m) for m in m_rows if m["household_id"] == hid],
                programs=[Participation(p["program"], p["status"], p["since"], p["until"])
                          for p in p_rows if p["household_id"] == hid],
                latitude=h["latitude"], longitude=h["longitude"],
                housing=Housing(h["floor"], h["wall"], h["roof"], h["water_source"],
                                h["sanitation"], h["electricity"]),
                registry_status=h["registry_status"], source=h["source"],
                version=h["version"]))
        return result

    async def save(self, household: Household, ctx: ChangeContext) -> list[Change]:
        """Write a household as it is now (members and programs included; none removed), with
        one history row per change. Returns the changes (none: nothing was written)."""
        record = household_record(household)
        member_rows = [member_record(m, household, normalize_name(m.name))
                       for m in household.members]
        program_rows = [participation_record(p, household) for p in household.programs]
        old_h, old_m, old_p = await stored_records(
            self.session, [record[0]], [m[0] for m in member_rows])
        found, household_changed, member_writes, program_writes = household_changes(
            record, member_rows, program_rows, old_h.get(record[0]), old_m,
            old_p.get(record[0], {}))
        # A household row is written with any change, so its version counts them all.
        await write_records(self.session, [record] if found else [], member_writes,
                            program_writes, found, ctx)
        return found

    async def add(self, household: Household, source: str, at: dt.datetime,
                  actor: str = "system") -> None:
        """Register a household that is not stored yet (e.g. the demo registry)."""
        if household.source is None:
            household = dataclasses.replace(household, source=source)
        await self.save(household, ChangeContext(actor, at, f"loaded from {source}", source))

    async def nearest(self, latitude: float, longitude: float, *, limit: int = 10,
                      radius_km: float = 2.0) -> list[tuple[str, float]]:
        """Up to `limit` households within `radius_km` of a point, nearest first, as
        (household id, km). A bounding box on the indexed coordinates picks the candidates
        (the same on SQLite and PostgreSQL), exact distances order them."""
        box = bounding_box(latitude, longitude, radius_km)
        rows = (await self.session.execute(
            select(households.c.household_id, households.c.latitude, households.c.longitude)
            .where(households.c.latitude.between(box[0], box[1]),
                   households.c.longitude.between(box[2], box[3])))).all()
        found = sorted((distance_km(latitude, longitude, lat, lon), hid)
                       for hid, lat, lon in rows)
        return [(hid, round(km, 3)) for km, hid in found if km <= radius_km][:limit]

    async def exists(self, household_id: uuid.UUID) -> bool:
        return (await self.session.execute(select(households.c.household_id).where(
            households.c.household_id == str(household_id)))).first() is not None

    async def count(self) -> int:
        return int((await self.session.execute(
            select(func.count()).select_from(households))).scalar_one())

    async def record_assessment(self, row: dict[str, Any]) -> None:
        await self.session.execute(assessments.insert().values(**row))

    async def assessment(self, complaint_id: uuid.UUID) -> dict[str, Any] | None:
        row = (await self.session.execute(select(assessments).where(
            assessments.c.complaint_id == str(complaint_id)))).mappings().first()
        return dict(row) if row else None


def _member(row: Any) -> Member:
    return Member(
        member_id=uuid.UUID(row["member_id"]), nik=row["nik"], name=row["name"], sex=row["sex"],
        birth_date=row["birth_date"], relation=row["relation"],
        school_enrolled=row["school_enrolled"], disability=row["disability"],
        chronic_illness=row["chronic_illness"], deceased=row["deceased"],
        kk_number=row["kk_number"], no_nik=row["no_nik"], marital_status=row["marital_status"],
        pregnant=row["pregnant"], school_level=row["school_level"],
        occupation=row["occupation"])
