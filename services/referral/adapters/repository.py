"""Case and referral repository: the only place the referral service's case SQL lives.

Updates are optimistic: a row is updated only if it still has the version the change was made
on; otherwise `ConcurrentUpdate` (someone else changed it in between) and the unit rolls back.
Rows nothing reads back in the same unit are inserted at commit, so a small unit's inserts
reach PostgreSQL as one statement with its outbox rows — except several changes of one unit:
the rows of that one statement get their ids in no defined order (data-modifying CTEs), and
the timeline and the events of one referral must keep their order, so they are inserted now.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, not_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from contracts import ReferralStatus

from ..domain.case import Case, CaseChange
from ..domain.changes import AnyChange
from ..domain.state import Referral
from .records import (
    REFERRAL_STATE_COLUMNS,
    CaseInfo,
    case_from_rows,
    case_row,
    case_state,
    change_rows,
    referral_from_row,
    referral_row,
    referral_state,
)
from .tables import case_changes, cases, early_withdrawals, referrals

# Statements every opened case runs, built once (building one costs about what running it does).
_CASE_OF_COMPLAINT = select(cases.c.case_id).where(
    cases.c.complaint_id == bindparam("complaint_id"))
_EARLY_WITHDRAWAL = select(early_withdrawals).where(
    early_withdrawals.c.complaint_id == bindparam("complaint_id"))

S = ReferralStatus
_ENDED = (S.RESOLVED.value, S.REJECTED.value)
_ACTIVE_CASE = ("open", "referred")


# The hot path (an agency's answer) runs these two statements on every transition: built once,
# so SQLAlchemy neither rebuilds them nor recomputes their cache keys per call.
_LOAD_REFERRAL = select(referrals).where(referrals.c.referral_id == bindparam("rid"))
_UPDATE_REFERRAL = (
    update(referrals)
    .where(referrals.c.referral_id == bindparam("rid"),
           referrals.c.version == bindparam("seen_version"))
    .values({name: bindparam(f"new_{name}") for name in REFERRAL_STATE_COLUMNS}))


class ConcurrentUpdate(Exception):
    """The row changed between reading and writing it (another request or instance)."""

    def __init__(self, subject: str) -> None:
        super().__init__(f"{subject} was changed by someone else meanwhile; read it again")


@dataclass(frozen=True)
class QueueFilter:
    """What the back office narrows its queue by (None: any)."""

    category: str | None = None
    urgency: str | None = None
    area: str | None = None  # a Kemendagri code prefix: district (6 digits) or village (10)
    overdue_at: dt.datetime | None = None  # only cases with a referral overdue at this time


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int


def region_filter(column: Any, region: str) -> ColumnElement[bool]:
    """Codes inside a region prefix ("" = everywhere)."""
    return column.like(f"{region}%") if region else column.is_not(None)


def overdue_filter(now: dt.datetime) -> ColumnElement[bool]:
    """Open referrals with a running deadline passed at `now` (see `domain.monitoring`)."""
    r = referrals.c
    returned = r.status == S.RETURNED.value
    return and_(r.status.not_in(_ENDED), or_(
        and_(returned, r.answer_due_at < now),
        and_(not_(returned), r.accepted_at.is_(None), r.accept_due_at < now),
        and_(not_(returned), r.resolve_due_at < now)))


class CaseRepository:
    def __init__(self, session: AsyncSession, writer: Any) -> None:
        """`writer` defers inserts to commit (`UnitOfWork.insert_at_commit`)."""
        self.session = session
        self._writer = writer

    async def _connection(self) -> AsyncConnection:
        """The session's current connection, for the hot statements (Core, without the ORM
        layer). Not kept: a route that commits and reads again gets a new one."""
        return await self.session.connection()

    # -- loading ----------------------------------------------------------------------------

    async def case_id_for_complaint(self, complaint_id: uuid.UUID) -> uuid.UUID | None:
        found = (await self.session.execute(
            _CASE_OF_COMPLAINT, {"complaint_id": str(complaint_id)})).scalar_one_or_none()
        return uuid.UUID(found) if found else None

    async def load_case(self, case_id: uuid.UUID) -> tuple[Case, CaseInfo] | None:
        row = (await self.session.execute(
            select(cases).where(cases.c.case_id == str(case_id)))).mappings().first()
        if row is None:
            return None
        refs = (await self.session.execute(
            select(referrals).where(referrals.c.case_id == str(case_id))
            .order_by(referrals.c.created_at, referrals.c.referral_id))).mappings().all()
        return case_from_rows(row, refs)

    async def load_referral(self, referral_id: uuid.UUID) -> tuple[Referral, str] | None:
        """The referral and the village code of its case."""
        conn = await self._connection()
        row = (await conn.execute(_LOAD_REFERRAL, {"rid": str(referral_id)})).mappings().first()
        return (referral_from_row(row), row["village_code"]) if row else None

    async def change_exists(self, change_id: uuid.UUID) -> bool:
        found = await self.session.execute(select(case_changes.c.id).where(
            case_changes.c.change_id == str(change_id)))
        return found.first() is not None

    async def open_referrals_of_agency(self, agency_id: str,
                                       region: str) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """(case id, referral id) of every open referral of an agency inside `region`."""
        rows = await self.session.execute(
            select(referrals.c.case_id, referrals.c.referral_id)
            .where(referrals.c.agency_id == agency_id, referrals.c.status.not_in(_ENDED),
                   region_filter(referrals.c.village_code, region))
            .order_by(referrals.c.case_id, referrals.c.referral_id))
        return [(uuid.UUID(c), uuid.UUID(r)) for c, r in rows]

    # -- saving -----------------------------------------------------------------------------

    async def add_case(self, case: Case, info: CaseInfo, changes: Sequence[AnyChange],
                       role: str | None, now: dt.datetime) -> None:
        await self.session.execute(cases.insert(), case_row(case, info, now))
        self._add_new_referrals(case, info, changes, now)
        await self._add_changes(changes, case.case_id, role)

    async def save_case(self, case: Case, info: CaseInfo, seen_version: int,
                        changes: Sequence[AnyChange], role: str | None,
                        now: dt.datetime) -> None:
        """Write the case's new state (if `seen_version` is still current), the referrals its
        changes created or moved, and the changes."""
        if case.version != seen_version:
            done = await self.session.execute(
                update(cases).where(cases.c.case_id == str(case.case_id),
                                    cases.c.version == seen_version)
                .values(**case_state(case, info, now)))
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise ConcurrentUpdate(f"case {case.case_id}")
        created = self._add_new_referrals(case, info, changes, now)
        moved: dict[uuid.UUID, int] = {}  # referral id -> its version before these changes
        for change in changes:
            if not isinstance(change, CaseChange) and change.referral_id not in created:
                moved[change.referral_id] = min(moved.get(change.referral_id, change.version),
                                                change.version)
        for referral_id, first in moved.items():
            await self._update_referral(case.referrals[referral_id], first - 1, now)
        for new_id, rerouted_from in self._reroutes(changes):
            await self.session.execute(update(referrals).where(
                referrals.c.referral_id == str(rerouted_from)).values(rerouted_to=str(new_id)))
        await self._add_changes(changes, case.case_id, role)

    async def save_referral(self, referral: Referral, seen_version: int,
                            changes: Sequence[AnyChange], role: str | None,
                            now: dt.datetime) -> None:
        await self._update_referral(referral, seen_version, now)
        await self._add_changes(changes, referral.case_id, role)

    async def _add_changes(self, changes: Sequence[AnyChange], case_id: uuid.UUID,
                           role: str | None) -> None:
        rows = change_rows(changes, case_id, role)
        if len(rows) == 1:
            self._writer(case_changes, rows)  # with the outbox rows, at commit
        elif rows:
            await self.session.execute(case_changes.insert(), rows)  # in order, now

    async def _update_referral(self, referral: Referral, seen_version: int,
                               now: dt.datetime) -> None:
        conn = await self._connection()
        done = await conn.execute(_UPDATE_REFERRAL, {
            "rid": str(referral.referral_id), "seen_version": seen_version,
            **{f"new_{k}": v for k, v in referral_state(referral, now).items()}})
        if done.rowcount != 1:
            raise ConcurrentUpdate(f"referral {referral.referral_id}")

    def _add_new_referrals(self, case: Case, info: CaseInfo, changes: Sequence[AnyChange],
                           now: dt.datetime) -> set[uuid.UUID]:
        """Insert (at commit) the referrals `changes` created, as they are now; their ids."""
        new = [c.referral.referral_id for c in changes
               if isinstance(c, CaseChange) and c.referral is not None]
        self._writer(referrals, [referral_row(case.referrals[rid], info.village_code, now)
                                 for rid in new])
        return set(new)

    @staticmethod
    def _reroutes(changes: Sequence[AnyChange]) -> list[tuple[uuid.UUID, uuid.UUID]]:
        return [(c.referral.referral_id, c.referral.rerouted_from) for c in changes
                if isinstance(c, CaseChange) and c.referral is not None
                and c.referral.rerouted_from is not None]

    # -- early withdrawals ------------------------------------------------------------------

    async def add_early_withdrawal(self, complaint_id: uuid.UUID, at: dt.datetime, by: str,
                                   reason: str) -> None:
        existing = await self.session.execute(select(early_withdrawals.c.complaint_id).where(
            early_withdrawals.c.complaint_id == str(complaint_id)))
        if existing.first() is None:
            await self.session.execute(early_withdrawals.insert().values(
                complaint_id=str(complaint_id), withdrawn_at=at, withdrawn_by=by,
                reason=reason))

    async def early_withdrawal(self, complaint_id: uuid.UUID) -> dict[str, Any] | None:
        row = (await self.session.execute(
            _EARLY_WITHDRAWAL, {"complaint_id": str(complaint_id)})).mappings().first()
        return dict(row) if row else None

    # -- reading for the API ----------------------------------------------------------------

    async def inbox(self, agency_id: str, statuses: Sequence[str], overdue_at: dt.datetime | None,
                    limit: int, offset: int) -> Page:
        where: list[ColumnElement[bool]] = [referrals.c.agency_id == agency_id]
        if statuses:
            where.append(referrals.c.status.in_(statuses))
        if overdue_at is not None:
            where.append(overdue_filter(overdue_at))
        return await self._page(select(referrals).where(*where).order_by(
            referrals.c.accept_due_at, referrals.c.referral_id), limit, offset)

    async def case_rows(self, case_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        rows = await self.session.execute(select(cases).where(cases.c.case_id.in_(case_ids)))
        return {r["case_id"]: dict(r) for r in rows.mappings()}

    async def back_office_queue(self, region: str, reason: str | None, limit: int,
                                offset: int, narrow: QueueFilter | None = None) -> Page:
        """Active cases in `region` that wait for the back office (see `domain.attention`),
        optionally narrowed (`QueueFilter`)."""
        r = referrals.c
        mine = r.case_id == cases.c.case_id
        conditions = {
            "unrouted": cases.c.unrouted_count > 0,
            "rejected": exists().where(mine, r.status == S.REJECTED.value,
                                       r.rerouted_to.is_(None)),
            "returned": exists().where(mine, r.status == S.RETURNED.value),
            "outcome_pending": not_(exists().where(mine, r.status.not_in(_ENDED))),
        }
        wanted = [conditions[reason]] if reason else list(conditions.values())
        where = [cases.c.status.in_(_ACTIVE_CASE), region_filter(cases.c.village_code, region),
                 or_(*wanted)]
        narrow = narrow or QueueFilter()
        if narrow.category:
            where.append(cases.c.category == narrow.category)
        if narrow.urgency:
            where.append(cases.c.urgency == narrow.urgency)
        if narrow.area:
            where.append(region_filter(cases.c.village_code, narrow.area))
        if narrow.overdue_at is not None:
            where.append(exists().where(mine, overdue_filter(narrow.overdue_at)))
        stmt = select(cases).where(*where).order_by(cases.c.opened_at, cases.c.case_id)
        return await self._page(stmt, limit, offset)

    async def find_cases(self, complaint_id: uuid.UUID | None,
                         complaint_number: str | None) -> list[dict[str, Any]]:
        """Cases by their complaint's id or number (at most one each: a complaint has one)."""
        where: list[ColumnElement[bool]] = []
        if complaint_id is not None:
            where.append(cases.c.complaint_id == str(complaint_id))
        if complaint_number:
            where.append(cases.c.complaint_number == complaint_number)
        if not where:
            return []
        rows = await self.session.execute(select(cases).where(or_(*where))
                                          .order_by(cases.c.opened_at))
        return [dict(r) for r in rows.mappings()]

    async def referrals_of_cases(self, case_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        rows = await self.session.execute(
            select(referrals).where(referrals.c.case_id.in_(case_ids))
            .order_by(referrals.c.created_at, referrals.c.referral_id))
        found: dict[str, list[dict[str, Any]]] = {cid: [] for cid in case_ids}
        for row in rows.mappings():
            found[row["case_id"]].append(dict(row))
        return found

    async def timeline(self, case_id: uuid.UUID,
                       referral_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        stmt = select(case_changes).where(case_changes.c.case_id == str(case_id))
        if referral_ids is not None:
            stmt = stmt.where(case_changes.c.referral_id.in_(referral_ids))
        rows = await self.session.execute(stmt.order_by(case_changes.c.id))
        return [dict(r) for r in rows.mappings()]

    async def monitoring_rows(self, region: str, created_from: dt.datetime | None,
                              created_to: dt.datetime | None) -> list[dict[str, Any]]:
        r = referrals.c
        where: list[ColumnElement[bool]] = [region_filter(r.village_code, region)]
        if created_from is not None:
            where.append(r.created_at >= created_from)
        if created_to is not None:
            where.append(r.created_at < created_to)
        rows = await self.session.execute(select(
            r.referral_id, r.agency_id, r.sector, r.village_code, r.status, r.created_at,
            r.accept_due_at, r.resolve_due_at, r.accepted_at, r.ended_at, r.answer_due_at,
        ).where(*where))
        return [dict(row) for row in rows.mappings()]

    async def _page(self, stmt: Any, limit: int, offset: int) -> Page:
        total = (await self.session.execute(
            select(func.count()).select_from(stmt.order_by(None).subquery()))).scalar_one()
        rows = await self.session.execute(stmt.limit(limit).offset(offset))
        return Page([dict(r) for r in rows.mappings()], int(total))
