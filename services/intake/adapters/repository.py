"""Complaint repository: the only place intake's SQL lives."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Integer, String, bindparam, func, select, text, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Sector
from slrt.db import ByDialect, UnitOfWork, in_values, upsert_keeping_known

from ..domain.duplicates import EarlierComplaint
from ..domain.status import OPEN, ComplaintStatus
from .tables import (
    audit_log,
    complaint_referrals,
    complaint_timeline,
    complaints,
)

# The statements every submission runs are built once: building a SELECT costs about as much
# CPU as executing it.
_KNOWN_KEYS = ByDialect(lambda dialect: (
    select(complaints.c.idempotency_key.label("key"), complaints.c.request_hash,
           complaints.c.id.label("complaint_id"), complaints.c.number, complaints.c.status)
    .where(in_values(complaints.c.idempotency_key, "keys", dialect))))


_CANDIDATE_COLUMNS = (complaints.c.id, complaints.c.category, complaints.c.status,
                      complaints.c.complainant_nik, complaints.c.complainant_kk,
                      complaints.c.registered_at)
_OPEN = sorted(str(s) for s in OPEN)


def _newest_open_by(column: Any) -> Any:
    """Many people at once (a batch): the newest open complaints per person and category."""
    c = complaints.c
    newest = (select(*_CANDIDATE_COLUMNS,
                     func.row_number().over(partition_by=(column, c.category),
                                            order_by=c.registered_at.desc()).label("n"))
              .where(column.in_(bindparam("values", expanding=True)), c.status.in_(_OPEN))
              .subquery())
    return select(newest).where(newest.c.n <= bindparam("per_person"))


def _newest_open_of_one(column: Any, value: str) -> Any:
    return (select(*_CANDIDATE_COLUMNS)
            .where(column == bindparam(value), complaints.c.category == bindparam("category"),
                   complaints.c.status.in_(_OPEN))
            .order_by(complaints.c.registered_at.desc()).limit(bindparam("per_person"))
            .subquery())


_NEWEST_BY_NIK = _newest_open_by(complaints.c.complainant_nik)
_NEWEST_BY_KK = _newest_open_by(complaints.c.complainant_kk)
# One person, one category (a desk submission): both look-ups in one round trip, each an
# index range read backwards that stops at `per_person` rows, however many the person filed.
_NEWEST_OF_ONE = union_all(
    *(select(sub) for sub in (_newest_open_of_one(complaints.c.complainant_nik, "nik"),
                              _newest_open_of_one(complaints.c.complainant_kk, "kk"))))


_STATUS = select(complaints.c.status).where(complaints.c.id == bindparam("complaint_id"))
_UPDATE_COMPLAINT = update(complaints).where(complaints.c.id == bindparam("b_id"))
_REFERRALS = (select(complaint_referrals)
              .where(complaint_referrals.c.complaint_id == bindparam("complaint_id"))
              .order_by(complaint_referrals.c.agency_id))


# Plain SQL that PostgreSQL and SQLite both accept: SQLAlchemy never caches an
# ON CONFLICT DO UPDATE construct, and compiling it was a visible share of every submission.
RESERVE_SEQUENCES = text(
    "INSERT INTO complaint_counters (regency_code, year, last_sequence) "
    "VALUES (:regency_code, :year, :count) "
    "ON CONFLICT (regency_code, year) "
    "DO UPDATE SET last_sequence = complaint_counters.last_sequence + :count "
    "RETURNING last_sequence"
).bindparams(bindparam("regency_code", type_=String), bindparam("year", type_=Integer),
             bindparam("count", type_=Integer))


class ComplaintRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def reserve_sequences(self, regency_code: str, year: int, count: int) -> range:
        """`count` consecutive numbers of a per-regency, per-year counter, atomically (an upsert
        that returns the new last value), so concurrent requests never share a number.

        The counter row stays locked until the submission commits, so submissions of one
        regency commit one after the other: the SQLite path (one writer anyway). PostgreSQL
        takes numbers from `adapters.numbering.NumberBlocks` instead.
        """
        params = {"regency_code": regency_code, "year": year, "count": count}
        last = int((await self.session.execute(RESERVE_SEQUENCES, params)).scalar_one())
        return range(last - count + 1, last + 1)

    # New complaints (with their idempotency keys) and audit rows are written at commit,
    # together with the outbox rows (one statement on PostgreSQL for a single submission).
    @staticmethod
    def add_many(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
        uow.insert_at_commit(complaints, rows)

    async def keys(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """Known idempotency keys: key -> {request_hash, complaint_id, number, status}."""
        if not keys:
            return {}
        rows = await self.session.execute(_KNOWN_KEYS.on(self.session), {"keys": keys})
        return {r.key: dict(r._mapping) for r in rows}

    async def earlier_complaints(self, niks: set[str], kks: set[str], per_person: int,
                                 category: Sector | None = None) -> list[EarlierComplaint]:
        """The newest open complaints (at most `per_person` per NIK and per KK in each
        category, or in `category` only), oldest first: candidates for duplicate links,
        bounded however many one person has filed."""
        if not niks and not kks:
            return []  # nobody to link: no look-up at all
        found: dict[str, Any] = {}
        if category is not None and len(niks) <= 1 and len(kks) <= 1:
            rows = await self.session.execute(_NEWEST_OF_ONE, {
                "nik": next(iter(niks), None), "kk": next(iter(kks), None),
                "category": str(category), "per_person": per_person})
            found.update({r.id: r for r in rows})
        else:
            for statement, values in ((_NEWEST_BY_NIK, niks), (_NEWEST_BY_KK, kks)):
                if values:
                    rows = await self.session.execute(
                        statement, {"values": list(values), "per_person": per_person})
                    found.update({r.id: r for r in rows})
        ordered = sorted(found.values(), key=lambda r: (r.registered_at, r.id))
        return [EarlierComplaint(uuid.UUID(r.id), Sector(r.category), ComplaintStatus(r.status),
                                 r.complainant_nik, r.complainant_kk) for r in ordered]

    async def page(self, where: list[Any], order_by: list[Any], limit: int,
                   offset: int) -> tuple[list[dict[str, Any]], int]:
        total = (await self.session.execute(
            select(func.count()).select_from(complaints).where(*where))).scalar_one()
        rows = await self.session.execute(
            select(complaints).where(*where).order_by(*order_by).limit(limit).offset(offset))
        return [dict(r) for r in rows.mappings()], int(total)

    @staticmethod
    def audits(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
        uow.insert_at_commit(audit_log, rows)

    async def get(self, complaint_id: uuid.UUID) -> dict[str, Any] | None:
        row = (await self.session.execute(
            select(complaints).where(complaints.c.id == str(complaint_id)))).mappings().first()
        return dict(row) if row else None

    async def status(self, complaint_id: uuid.UUID) -> str | None:
        return (await self.session.execute(
            _STATUS, {"complaint_id": str(complaint_id)})).scalar_one_or_none()

    async def set_status(self, complaint_id: uuid.UUID, status: str, at: dt.datetime,
                         **extra: Any) -> None:
        # The SET clause follows the parameters' keys (status, updated_at and the extra ones).
        await self.session.execute(_UPDATE_COMPLAINT, {
            "b_id": str(complaint_id), "status": status, "updated_at": at, **extra})

    async def referrals(self, complaint_id: uuid.UUID) -> list[dict[str, Any]]:
        rows = await self.session.execute(_REFERRALS, {"complaint_id": str(complaint_id)})
        return [dict(r) for r in rows.mappings()]

    async def referred_to(self, complaint_id: uuid.UUID, agency_id: str | None) -> bool:
        """True when one of the complaint's referrals went to `agency_id`."""
        r = complaint_referrals.c
        found = await self.session.execute(
            select(r.referral_id).where(r.complaint_id == str(complaint_id),
                                        r.agency_id == agency_id).limit(1))
        return found.first() is not None

    async def upsert_referral(self, row: dict[str, Any]) -> None:
        # A status change may arrive before the creation it follows: keep whatever is known.
        stmt = upsert_keeping_known(complaint_referrals, tuple(row), ("referral_id",))
        await self.session.execute(stmt, row)

    @staticmethod
    def add_timeline(uow: UnitOfWork, complaint_id: uuid.UUID, at: dt.datetime, kind: str,
                     detail: dict[str, Any]) -> None:
        uow.insert_at_commit(complaint_timeline, [
            {"complaint_id": str(complaint_id), "at": at, "kind": kind, "detail": detail}])

    async def timeline(self, complaint: dict[str, Any]) -> list[dict[str, Any]]:
        """Everything that happened to `complaint` (its row, as `get` returns it), oldest
        first: its registration, read off the row, then what the timeline table holds."""
        rows = await self.session.execute(
            select(complaint_timeline.c.at, complaint_timeline.c.kind, complaint_timeline.c.detail)
            .where(complaint_timeline.c.complaint_id == complaint["id"])
            .order_by(complaint_timeline.c.at, complaint_timeline.c.id))
        later = [dict(r) for r in rows.mappings()]
        # Stable: the registration stays first among entries of the same instant.
        return sorted(_registration_entries(complaint) + later, key=lambda e: e["at"])

    async def audit(self, at: dt.datetime, subject: str, role: str, action: str,
                    complaint_id: uuid.UUID) -> None:
        await self.session.execute(audit_log.insert().values(
            at=at, subject=subject, role=role, action=action, complaint_id=str(complaint_id)))


def _registration_entries(complaint: dict[str, Any]) -> list[dict[str, Any]]:
    """The timeline entries of a complaint's registration, from its row."""
    at, by = complaint["registered_at"], complaint["recorded_by"]
    entries = [{"at": at, "kind": "registered",
                "detail": {"by": by, "channel": complaint["channel"],
                           "possible_duplicate_of": complaint["possible_duplicate_of"]}}]
    if complaint["desk_resolution"]:
        entries.append({"at": at, "kind": "closed_at_desk", "detail": {"by": by}})
    return entries
