"""Usulan use cases: propose, verify, approve, reject and apply, each in one unit of work.

Applying writes the household with the version the usulan was based on (409 otherwise), its
history under the context `proposal:<id>`, publishes `HouseholdUpdatedV1` (field names only)
and the household's needs assessed again (`HouseholdAssessedV1`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from contracts.events import HouseholdAssessedV1, HouseholdUpdatedV1
from slrt.db import UnitOfWork

from ..adapters.audit import audit
from ..adapters.proposal_store import ProposalStore, StoredProposal
from ..adapters.repository import HouseholdRepository
from ..domain import proposals as usulan
from ..domain.history import ChangeContext
from ..domain.household_needs import household_gaps, household_rules
from ..domain.model import Household
from ..domain.proposal_codec import details_from_json, details_to_json
from ..domain.proposal_history import changed_fields, removals
from ..domain.proposals import Action, Actor, Proposal, ProposalError
from ..domain.rules import RuleSet

_WIB = ZoneInfo("Asia/Jakarta")


class ProposalNotFound(LookupError):
    pass


def view(stored: StoredProposal, actor: Actor | None = None) -> dict[str, Any]:
    """An usulan as the API shows it, with the actions allowed next (for `actor` if given)."""
    p = stored.proposal
    return {
        "proposal_id": str(p.proposal_id), "kind": p.kind.value, "state": p.state.value,
        "village_code": p.village_code,
        "household_id": str(p.household_id) if p.household_id else None,
        "base_version": p.base_version, "applied_version": stored.applied_version,
        "details": details_to_json(p.details), "problems": p.problems,
        "source_complaint_id": str(p.source_complaint_id) if p.source_complaint_id else None,
        "rejection_reason": p.rejection_reason,
        "history": [{"action": s.action.value, "state": s.state.value, "by": s.subject,
                     "role": s.role, "at": s.at, "note": s.note} for s in p.history],
        "allowed_actions": [a.value for a in usulan.allowed_actions(p, actor)],
    }


async def _load(store: ProposalStore, proposal_id: uuid.UUID, actor: Actor) -> StoredProposal:
    stored = await store.get(proposal_id)
    # Out of the actor's region looks the same as absent: no probing of other regions.
    if stored is None or not actor.covers(stored.proposal.village_code):
        raise ProposalNotFound(f"no usulan {proposal_id}")
    return stored


async def create(uow: UnitOfWork, actor: Actor, kind: str, details: Any,
                 household_id: uuid.UUID | None, note: str,
                 now: dt.datetime) -> dict[str, Any]:
    """A new usulan on the household as it is now (its version is recorded)."""
    parsed = details_from_json(kind, details)
    repo = HouseholdRepository(uow.session)
    household: Household | None = None
    if household_id is not None:
        loaded = await repo.load_many([str(household_id)])
        if not loaded or not actor.covers(loaded[0].village_code):
            raise ProposalNotFound(f"no household {household_id}")
        household = loaded[0]
    village = household.village_code if household else getattr(parsed, "village_code", None)
    if not village:
        raise ProposalError("a new household usulan needs details.village_code")
    proposal = usulan.propose(parsed, actor, now, village_code=village, household=household,
                              household_version=household.version if household else None,
                              note=note)
    store = ProposalStore(uow.session)
    await store.add(proposal)
    await audit(uow.session, now, actor.subject, actor.role, "proposal:propose",
                str(proposal.proposal_id))
    await uow.commit()
    return view(StoredProposal(proposal, 1), actor)


async def take_step(uow: UnitOfWork, actor: Actor, proposal_id: uuid.UUID, action: Action,
                    note: str, now: dt.datetime) -> dict[str, Any]:
    """Verify, approve or reject (with `note` as the reason)."""
    store = ProposalStore(uow.session)
    stored = await _load(store, proposal_id, actor)
    p = stored.proposal
    if action is Action.VERIFY:
        done = usulan.verify(p, actor, now, note)
    elif action is Action.APPROVE:
        done = usulan.approve(p, actor, now, note)
    elif action is Action.REJECT:
        done = usulan.reject(p, actor, now, note)
    else:
        raise ValueError(f"{action} is not a review step")
    await store.save_step(done, stored.row_version)
    await audit(uow.session, now, actor.subject, actor.role, f"proposal:{action}",
                str(proposal_id))
    await uow.commit()
    return view(StoredProposal(done, stored.row_version + 1), actor)


async def apply(uow: UnitOfWork, actor: Actor, proposal_id: uuid.UUID, rules: RuleSet,
                now: dt.datetime) -> dict[str, Any]:
    """Apply an approved usulan to the registry (VersionConflict when the household moved on)."""
    store = ProposalStore(uow.session)
    repo = HouseholdRepository(uow.session)
    stored = await _load(store, proposal_id, actor)
    p = stored.proposal
    current: Household | None = None
    if p.household_id is not None:
        loaded = await repo.load_many([str(p.household_id)])
        current = loaded[0] if loaded else None
    elif await repo.exists(p.details.household_id):  # type: ignore[union-attr]
        current = (await repo.load_many([str(p.details.household_id)]))[0]  # type: ignore[union-attr]
    applied = usulan.apply_proposal(p, current, current.version if current else None, actor,
                                    now)
    ctx = ChangeContext(actor.subject, now, f"usulan {p.kind} applied",
                        f"proposal:{p.proposal_id}")
    household = applied.household
    if current is None:
        household.source = "usulan"
    await repo.save(household, ctx, expected_version=p.base_version,
                    removed=removals(household.household_id, applied.changes))
    version = await repo.version(household.household_id) or applied.version
    await store.save_step(applied.proposal, stored.row_version, applied_version=version)
    await audit(uow.session, now, actor.subject, actor.role, "proposal:apply",
                str(proposal_id))
    uow.publish(HouseholdUpdatedV1(
        household_id=household.household_id, version=version,
        village_code=household.village_code, changed_fields=changed_fields(applied.changes),
        proposal_id=p.proposal_id, kind=p.kind.value, updated_at=now,
        updated_by=actor.subject))
    gaps = household_gaps(household_rules(rules), household, now.astimezone(_WIB).date(),
                          programs_only=False)
    uow.publish(HouseholdAssessedV1(
        household_id=household.household_id, version=version,
        village_code=household.village_code, welfare_decile=household.welfare_decile,
        rules_version=rules.version, needs=[g.need for g in gaps], assessed_at=now))
    await uow.commit()
    return view(StoredProposal(applied.proposal, stored.row_version + 1, version), actor)


async def record(uow: UnitOfWork, proposal: Proposal) -> bool:
    """Store an usulan made from a complaint, once per complaint (False: there already was)."""
    store = ProposalStore(uow.session)
    if proposal.source_complaint_id is not None \
            and await store.by_complaint(proposal.source_complaint_id) is not None:
        return False
    await store.add(proposal)
    return True
