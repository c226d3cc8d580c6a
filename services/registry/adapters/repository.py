"""Household repository: maps rows to the domain's Household, Member and Participation."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.matching import normalize_name
from ..domain.model import Household, Member, Participation
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
                .join(households, households.c.household_id == members.c.household_id)
                .where(members.c.name_normalized == normalize_name(name),
                       households.c.village_code == village_code)
                .limit(20))).scalars())
        return await self.load_many(ids)

    async def load_many(self, ids: Iterable[str]) -> list[Household]:
        ids = sorted(set(ids))
        if not ids:
            return []
        h_rows = (await self.session.execute(
            select(households).where(households.c.household_id.in_(ids)))).mappings().all()
        m_rows = (await self.session.execute(
            select(members).where(members.c.household_id.in_(ids)))).mappings().all()
        p_rows = (await self.session.execute(
            select(participations).where(participations.c.household_id.in_(ids)))).mappings().all()
        result = []
        for h in h_rows:
            hid = h["household_id"]
            result.append(Household(
                household_id=uuid.UUID(hid), kk_number=h["kk_number"],
                village_code=h["village_code"], address=h["address"],
                welfare_decile=h["welfare_decile"],
                members=[_member(m) for m in m_rows if m["household_id"] == hid],
                programs=[Participation(p["program"], p["status"])
                          for p in p_rows if p["household_id"] == hid]))
        return result

    async def add(self, household: Household, source: str, at: dt.datetime) -> None:
        hid = str(household.household_id)
        await self.session.execute(households.insert().values(
            household_id=hid, kk_number=household.kk_number,
            village_code=household.village_code, address=household.address,
            welfare_decile=household.welfare_decile, source=source, updated_at=at))
        if household.members:
            await self.session.execute(members.insert(), [{
                "member_id": str(m.member_id), "household_id": hid, "nik": m.nik,
                "name": m.name, "name_normalized": normalize_name(m.name), "sex": m.sex,
                "birth_date": m.birth_date, "relation": m.relation,
                "school_enrolled": m.school_enrolled, "disability": m.disability,
                "chronic_illness": m.chronic_illness, "deceased": m.deceased,
            } for m in household.members])
        if household.programs:
            await self.session.execute(participations.insert(), [
                {"household_id": hid, "program": p.program, "status": p.status}
                for p in household.programs])

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
        chronic_illness=row["chronic_illness"], deceased=row["deceased"])
