"""Household repository: maps rows to the domain's Household, Member and Participation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, Final

from sqlalchemy import Select, bindparam, delete, func, select, update
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
from ..domain.proposals import VersionConflict
from .name_keys import delete_keys, member_keys
from .regions import in_region
from .store import stored_records, write_records
from .tables import assessments, households, members, name_keys, participations

#: Households a name can bring into matching at most (a common name in a big village).
CANDIDATE_LIMIT: Final[int] = 50


class HouseholdRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def candidates(self, nik: str | None, kk_number: str | None, name: str | None,
                         village_code: str) -> list[Household]:
        """The few households a complainant could belong to: by NIK, by KK, and by any name
        search key in the village (so that a misspelt name still meets its household)."""
        ids: set[str] = set()
        if nik:
            ids.update((await self.session.execute(_BY_NIK, {"nik": nik})).scalars())
        if kk_number:
            ids.update((await self.session.execute(_BY_KK, {"kk": kk_number})).scalars())
        if name and (keys := member_keys(name)):
            ids.update((await self.session.execute(
                _BY_NAME_KEYS, {"keys": keys, "village": village_code})).scalars())
        return await self.load_many(ids)

    async def load_many(self, ids: Iterable[str]) -> list[Household]:
        ids = sorted(set(ids))
        if not ids:
            return []
        return await self._complete(
            (await self.session.execute(_HOUSEHOLDS, {"ids": ids})).all())

    async def load_matching(self, household_ids: Select[tuple[str]],
                            limit: int) -> list[Household]:
        """The first `limit` households (by id) whose ids `household_ids` selects: the ids are
        found and the households read in one statement."""
        return await self._complete((await self.session.execute(
            select(*_HOUSEHOLD_COLUMNS)
            .where(households.c.household_id.in_(household_ids.scalar_subquery()))
            .order_by(households.c.household_id).limit(limit))).all())

    async def load_page(self, after: str, region: str, limit: int) -> list[Household]:
        """The next `limit` households under `region` with an id above `after`, in id order
        (keyset paging for batch work, never OFFSET)."""
        return await self._complete((await self.session.execute(
            select(*_HOUSEHOLD_COLUMNS)
            .where(households.c.household_id > after,
                   *in_region(households.c.village_code, region))
            .order_by(households.c.household_id).limit(limit))).all())

    async def _complete(self, h_rows: Sequence[Any]) -> list[Household]:
        """Households of these rows with their members and programs."""
        if not h_rows:
            return []
        ids = [h[0] for h in h_rows]
        m_rows = (await self.session.execute(_MEMBERS, {"ids": ids})).all()
        p_rows = (await self.session.execute(_PARTICIPATIONS, {"ids": ids})).all()
        # Grouped once: a batch of a thousand households must not scan every member per one.
        # Rows are unpacked by position: attribute access per field costs more than the rules.
        people: dict[str, list[Member]] = {}
        for household_id, member_id, *fields in m_rows:
            people.setdefault(household_id, []).append(Member(uuid.UUID(member_id), *fields))
        programs: dict[str, list[Participation]] = {}
        for household_id, *fields in p_rows:
            programs.setdefault(household_id, []).append(Participation(*fields))
        return [Household(
            household_id=uuid.UUID(hid), kk_number=kk, village_code=village, address=address,
            welfare_decile=decile, members=people.get(hid, []), programs=programs.get(hid, []),
            latitude=latitude, longitude=longitude, housing=Housing(*housing),
            registry_status=status, source=source, version=version)
            for (hid, kk, village, address, decile, latitude, longitude, status, source,
                 version, *housing) in h_rows]

    async def save(self, household: Household, ctx: ChangeContext, *,
                   expected_version: int | None = None,
                   removed: Sequence[Change] = ()) -> list[Change]:
        """Write a household as it is now (members and programs included), with one history
        row per change. Returns the changes (none: nothing was written).

        `expected_version`: the version the change was decided on; another one stored is a
        `VersionConflict` (optimistic concurrency). `removed`: member removals (entity member,
        entity id = member id), which a write of what is there cannot show.
        """
        hid = str(household.household_id)
        if expected_version is not None:
            await self._claim(hid, expected_version)
        record = household_record(household)
        member_rows = [member_record(m, household, normalize_name(m.name))
                       for m in household.members]
        program_rows = [participation_record(p, household) for p in household.programs]
        old_h, old_m, old_p = await stored_records(
            self.session, [record[0]], [m[0] for m in member_rows])
        found, household_changed, member_writes, program_writes = household_changes(
            record, member_rows, program_rows, old_h.get(record[0]), old_m,
            old_p.get(record[0], {}))
        if removed:
            gone = [c.entity_id for c in removed]
            await self.session.execute(delete(members).where(
                members.c.household_id == hid, members.c.member_id.in_(gone)))
            await delete_keys(self.session, gone)
            found = [*found, *removed]
        # A household row is written with any change, so its version counts them all.
        await write_records(self.session, [record] if found else [], member_writes,
                            program_writes, found, ctx)
        return found

    async def _claim(self, household_id: str, expected: int) -> None:
        """Lock the household row if it still has the expected version, else conflict.

        The no-op update takes the row lock (PostgreSQL) or the write lock (SQLite) before
        anything is read, so a concurrent writer waits and then sees the new version.
        """
        result = await self.session.execute(
            update(households).where(households.c.household_id == household_id,
                                     households.c.version == expected)
            .values(version=households.c.version))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            current = (await self.session.execute(select(households.c.version).where(
                households.c.household_id == household_id))).scalar_one_or_none()
            raise VersionConflict(expected, current)

    async def version(self, household_id: uuid.UUID) -> int | None:
        return (await self.session.execute(select(households.c.version).where(
            households.c.household_id == str(household_id)))).scalar_one_or_none()

    async def add(self, household: Household, source: str, at: dt.datetime,
                  actor: str = "system") -> None:
        """Register a household that is not stored yet (e.g. the demo registry)."""
        if household.source is None:
            household = dataclasses.replace(household, source=source)
        await self.save(household, ChangeContext(actor, at, f"loaded from {source}", source))

    async def nearest(self, latitude: float, longitude: float, *, limit: int = 10,
                      radius_km: float = 2.0, region: str = "") -> list[tuple[str, float]]:
        """Up to `limit` households within `radius_km` of a point, nearest first, as
        (household id, km). A bounding box on the indexed coordinates picks the candidates
        (the same on SQLite and PostgreSQL), exact distances order them."""
        box = bounding_box(latitude, longitude, radius_km)
        query = (select(households.c.household_id, households.c.latitude,
                        households.c.longitude)
                 .where(households.c.latitude.between(box[0], box[1]),
                        households.c.longitude.between(box[2], box[3])))
        if region:  # the caller's scope, before the limit: never fewer results than exist
            query = query.where(*in_region(households.c.village_code, region))
        rows = (await self.session.execute(query)).all()
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
        await self.session.execute(assessments.insert(), row)

    async def assessment(self, complaint_id: uuid.UUID) -> dict[str, Any] | None:
        row = (await self.session.execute(
            _ASSESSMENT, {"complaint_id": str(complaint_id)})).mappings().first()
        return dict(row) if row else None


#: Household columns in the order `_complete` unpacks them, `Housing`'s fields last.
_HOUSEHOLD_COLUMNS: Final = (
    households.c.household_id, households.c.kk_number, households.c.village_code,
    households.c.address, households.c.welfare_decile, households.c.latitude,
    households.c.longitude, households.c.registry_status, households.c.source,
    households.c.version, *(households.c[f.name] for f in dataclasses.fields(Housing)))
#: Member fields in the order of `Member`'s constructor, for positional unpacking.
_MEMBER_COLUMNS: Final = tuple(
    members.c[f.name] for f in dataclasses.fields(Member))

# The statements of every assessment are built once: building one cost about as much CPU as
# running it on SQLite.
_BY_NIK: Final = select(members.c.household_id).where(members.c.nik == bindparam("nik"))
_BY_KK: Final = select(households.c.household_id).where(
    households.c.kk_number == bindparam("kk"))
_BY_NAME_KEYS: Final = (
    select(name_keys.c.household_id).distinct()
    .where(name_keys.c.key.in_(bindparam("keys", expanding=True)),  # the primary key: key,
           name_keys.c.village_code == bindparam("village"))          # village, member
    .limit(CANDIDATE_LIMIT))
_IDS = bindparam("ids", expanding=True)
_HOUSEHOLDS: Final = (select(*_HOUSEHOLD_COLUMNS).where(households.c.household_id.in_(_IDS))
                      .order_by(households.c.household_id))
# Heads first, then by age: a stable order on both backends.
_MEMBERS: Final = (select(members.c.household_id, *_MEMBER_COLUMNS)
                   .where(members.c.household_id.in_(_IDS))
                   .order_by(members.c.relation != "head", members.c.birth_date))
_PARTICIPATIONS: Final = (
    select(participations.c.household_id, participations.c.program, participations.c.status,
           participations.c.since, participations.c.until)
    .where(participations.c.household_id.in_(_IDS)).order_by(participations.c.program))
_ASSESSMENT: Final = select(assessments).where(
    assessments.c.complaint_id == bindparam("complaint_id"))
