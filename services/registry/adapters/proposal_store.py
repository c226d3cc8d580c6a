"""Usulan storage: one row per proposal with its state, details, history and who/when per step.

A step is written only over the row it was decided on (`row_version`): two reviewers acting
on one usulan at once cannot both succeed; the second gets `StaleProposal` (409).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.proposal_codec import (
    details_from_json,
    details_to_json,
    steps_from_json,
    steps_to_json,
)
from ..domain.proposals import Action, Proposal, ProposalState
from .tables import proposals

# The columns that say who took each step and when.
_STEP_COLUMNS = {Action.VERIFY: "verified", Action.APPROVE: "approved",
                 Action.APPLY: "applied", Action.REJECT: "rejected"}


class StaleProposal(Exception):
    """Someone else took a step on this usulan meanwhile."""


@dataclass(frozen=True, slots=True)
class StoredProposal:
    proposal: Proposal
    row_version: int
    applied_version: int | None = None


def _row(p: Proposal) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": p.kind.value, "state": p.state.value, "village_code": p.village_code,
        "household_id": str(p.household_id) if p.household_id else None,
        "base_version": p.base_version, "details": details_to_json(p.details),
        "history": steps_to_json(p.history), "rejection_reason": p.rejection_reason,
        "updated_at": p.history[-1].at,
    }
    for step in p.history:
        if (column := _STEP_COLUMNS.get(step.action)) is not None:
            values[f"{column}_by"], values[f"{column}_at"] = step.subject, step.at
    return values


def _proposal(row: Any) -> Proposal:
    return Proposal(
        proposal_id=uuid.UUID(row["proposal_id"]),
        details=details_from_json(row["kind"], row["details"]),
        village_code=row["village_code"],
        household_id=uuid.UUID(row["household_id"]) if row["household_id"] else None,
        base_version=row["base_version"], state=ProposalState(row["state"]),
        history=steps_from_json(row["history"]),
        source_complaint_id=(uuid.UUID(row["source_complaint_id"])
                             if row["source_complaint_id"] else None),
        rejection_reason=row["rejection_reason"])


class ProposalStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, p: Proposal) -> None:
        first = p.history[0]
        await self.session.execute(proposals.insert().values(
            proposal_id=str(p.proposal_id), proposed_by=first.subject, proposed_at=first.at,
            source_complaint_id=str(p.source_complaint_id) if p.source_complaint_id else None,
            row_version=1, **_row(p)))

    async def get(self, proposal_id: uuid.UUID) -> StoredProposal | None:
        row = (await self.session.execute(select(proposals).where(
            proposals.c.proposal_id == str(proposal_id)))).mappings().first()
        return None if row is None else StoredProposal(_proposal(row), row["row_version"],
                                                       row["applied_version"])

    async def by_complaint(self, complaint_id: uuid.UUID) -> StoredProposal | None:
        row = (await self.session.execute(select(proposals).where(
            proposals.c.source_complaint_id == str(complaint_id)))).mappings().first()
        return None if row is None else StoredProposal(_proposal(row), row["row_version"],
                                                       row["applied_version"])

    async def save_step(self, p: Proposal, row_version: int,
                        applied_version: int | None = None) -> None:
        values = _row(p)
        if applied_version is not None:
            values["applied_version"] = applied_version
        result = await self.session.execute(
            update(proposals).where(proposals.c.proposal_id == str(p.proposal_id),
                                    proposals.c.row_version == row_version)
            .values(row_version=row_version + 1, **values))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleProposal(f"usulan {p.proposal_id} changed meanwhile; reload it")

    async def listing(self, region: str, *, state: str | None = None,
                      household_id: uuid.UUID | None = None,
                      complaint_id: uuid.UUID | None = None, limit: int = 50,
                      offset: int = 0) -> list[StoredProposal]:
        """Usulan in villages under `region` (a code prefix), newest first."""
        query = select(proposals).order_by(proposals.c.proposed_at.desc(),
                                           proposals.c.proposal_id)
        if region:
            query = query.where(proposals.c.village_code >= region,
                                proposals.c.village_code < region + ":")
        if state:
            query = query.where(proposals.c.state == state)
        if household_id:
            query = query.where(proposals.c.household_id == str(household_id))
        if complaint_id:
            query = query.where(proposals.c.source_complaint_id == str(complaint_id))
        rows = (await self.session.execute(query.limit(limit).offset(offset))).mappings().all()
        return [StoredProposal(_proposal(r), r["row_version"], r["applied_version"])
                for r in rows]
