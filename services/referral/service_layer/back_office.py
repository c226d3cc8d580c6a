"""Back-office tools: refer by hand, reroute, answer an agency's question, escalate, merge
duplicates, handle at the Puskesos, inform the complainant, close, reopen, and reassign every
open referral of one agency to another. One unit of work each; all scoped to the caller's
region (`scope`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from contracts import ReferralStatus
from slrt.auth import Principal

from ..adapters.agency_store import AgencyRepository
from ..adapters.records import CaseInfo
from ..domain.agencies import Agency
from ..domain.case import Case, CaseChange, CaseStatus
from ..domain.changes import AnyChange, EscalationLevel
from ..domain.errors import VersionConflict
from ..domain.state import Referral
from .errors import BadRequest, NotFound
from .policy import ReferralPolicy
from .scope import case_in_scope, referral_in_scope
from .unit import Work

#: Case change kinds after which the case has ended.
_ENDING = {"closed", "handled_at_puskesos", "merged", "withdrawn"}


async def _agency(work: Work, agency_id: str) -> Agency:
    agency = (await AgencyRepository(work.uow.session).directory()).get(agency_id)
    if agency is None:
        raise BadRequest(f"agency {agency_id} is not an active agency")
    return agency


async def _record(work: Work, case: Case, info: CaseInfo, seen: int,
                  changes: Sequence[AnyChange], principal: Principal) -> None:
    for change in changes:
        if isinstance(change, CaseChange) and change.kind in _ENDING:
            info.closed_at, info.unrouted_needs = change.at, []
        elif isinstance(change, CaseChange) and change.kind == "reopened":
            info.closed_at = None
    await work.record_case(case, info, seen, changes, principal)


async def add_referral(work: Work, policy: ReferralPolicy, principal: Principal,
                       case_id: uuid.UUID, agency_id: str, need_codes: Sequence[str] | None,
                       note: str | None, expected_version: int | None) -> Case:
    """Refer the case by hand; without `need_codes`, its unrouted needs."""
    case, info = await case_in_scope(work.cases, case_id, principal)
    codes = list(need_codes or info.unrouted_needs)
    if not codes:
        raise BadRequest("name the needs to refer (the case has no unrouted needs)")
    by_code = info.needs_by_code()
    unknown = [c for c in codes if c not in by_code]
    if unknown:
        raise BadRequest(f"the case has no needs {unknown}; its needs: {sorted(by_code)}")
    agency = await _agency(work, agency_id)
    sector = by_code[codes[0]].sector
    seen = case.version
    change = case.add_referral(agency.agency_id, sector, codes,
                               policy.clock(agency, sector, codes, info.urgency), work.now,
                               principal.subject, note, expected_version=expected_version)
    info.unrouted_needs = [c for c in info.unrouted_needs if c not in codes]
    await _record(work, case, info, seen, [change], principal)
    return case


def _reroute_changes(case: Case, info: CaseInfo, policy: ReferralPolicy, referral: Referral,
                     agency: Agency, by: str, note: str | None,
                     at: dt.datetime) -> list[AnyChange]:
    """Withdraw `referral` from its agency if still open, then reroute it to `agency`."""
    changes: list[AnyChange] = []
    if referral.is_open:
        why = f"rerouted to {agency.agency_id}" + (f": {note}" if note else "")
        changes.append(referral.withdraw(at, by, why))
    clock = policy.clock(agency, referral.sector, referral.need_codes, info.urgency)
    changes.append(case.reroute(referral.referral_id, agency.agency_id, clock, at, by, note))
    return changes


async def reroute(work: Work, policy: ReferralPolicy, principal: Principal,
                  referral_id: uuid.UUID, agency_id: str, note: str | None,
                  expected_version: int | None) -> Case:
    """Send a referral's needs to another agency. A rejected referral is rerouted as it is; an
    open one is first withdrawn from its agency. `expected_version` is the referral's."""
    referral, _ = await referral_in_scope(work.cases, referral_id, principal)
    case, info = await case_in_scope(work.cases, referral.case_id, principal)
    referral = case.referrals[referral_id]
    if expected_version is not None and expected_version != referral.version:
        raise VersionConflict(f"referral {referral_id}", expected_version, referral.version)
    agency = await _agency(work, agency_id)
    if agency.agency_id == referral.agency_id:
        raise BadRequest(f"referral {referral_id} is already with {agency_id}")
    seen = case.version
    changes = _reroute_changes(case, info, policy, referral, agency, principal.subject, note,
                               work.now)
    await _record(work, case, info, seen, changes, principal)
    return case


async def answer(work: Work, principal: Principal, referral_id: uuid.UUID, note: str,
                 expected_version: int | None) -> Referral:
    """Answer an agency's request for information: the referral is delivered again and its
    paused due times move by the pause."""
    referral, _ = await referral_in_scope(work.cases, referral_id, principal)
    seen = referral.version
    change = referral.transition(ReferralStatus.DELIVERED, work.now, principal.subject, note,
                                 expected_version=expected_version)
    await work.record_referral(referral, seen, [change], principal)
    return referral


async def escalate(work: Work, principal: Principal, referral_id: uuid.UUID,
                   level: EscalationLevel, note: str | None,
                   expected_version: int | None) -> Referral:
    referral, _ = await referral_in_scope(work.cases, referral_id, principal)
    seen = referral.version
    change = referral.escalate(work.now, principal.subject, level, note,
                               expected_version=expected_version)
    await work.record_referral(referral, seen, [change], principal)
    return referral


async def case_action(work: Work, principal: Principal, case_id: uuid.UUID, action: str,
                      note: str | None, expected_version: int | None) -> Case:
    """inform, close, handle_at_puskesos or reopen (the note is the reason where needed)."""
    case, info = await case_in_scope(work.cases, case_id, principal)
    seen, by, at = case.version, principal.subject, work.now
    ev = expected_version
    if action == "inform":
        change = case.inform_complainant(at, by, note or "", expected_version=ev)
    elif action == "close":
        change = case.close(at, by, note, expected_version=ev)
    elif action == "handle_at_puskesos":
        change = case.handle_at_puskesos(at, by, note or "", expected_version=ev)
    elif action == "reopen":
        change = case.reopen(at, by, note or "", expected_version=ev)
    else:
        raise BadRequest(f"unknown case action {action}")
    await _record(work, case, info, seen, [change], principal)
    return case


async def merge(work: Work, principal: Principal, case_id: uuid.UUID, into: uuid.UUID,
                note: str | None, expected_version: int | None) -> Case:
    """Merge a duplicate case into `into` (which must be an active case the caller sees)."""
    case, info = await case_in_scope(work.cases, case_id, principal)
    try:
        target, _ = await case_in_scope(work.cases, into, principal)
    except NotFound:
        raise BadRequest(f"case {into} not found") from None
    if target.status not in (CaseStatus.OPEN, CaseStatus.REFERRED):
        raise BadRequest(f"case {into} is {target.status.value}: merge into an active case")
    seen = case.version
    change = case.merge_into(into, work.now, principal.subject, note,
                             expected_version=expected_version)
    await _record(work, case, info, seen, [change], principal)
    return case


async def reassign_agency(work: Work, policy: ReferralPolicy, principal: Principal,
                          from_agency: str, to_agency: str, note: str | None) -> list[uuid.UUID]:
    """Move every open referral of `from_agency` in the caller's region to `to_agency` (the
    agency was replaced or closed): each is withdrawn and rerouted. The new referral ids."""
    agency = await _agency(work, to_agency)
    if from_agency == to_agency:
        raise BadRequest("the two agencies are the same")
    if await AgencyRepository(work.uow.session).get(from_agency) is None:
        raise NotFound(f"agency {from_agency} not found")
    moved: list[uuid.UUID] = []
    by_case: dict[uuid.UUID, list[uuid.UUID]] = {}
    for case_id, referral_id in await work.cases.open_referrals_of_agency(from_agency,
                                                                          principal.region):
        by_case.setdefault(case_id, []).append(referral_id)
    for case_id, referral_ids in by_case.items():
        case, info = await case_in_scope(work.cases, case_id, principal)
        seen, changes = case.version, list[AnyChange]()
        for referral_id in referral_ids:
            changes += _reroute_changes(case, info, policy, case.referrals[referral_id], agency,
                                        principal.subject, note or f"{from_agency} replaced",
                                        work.now)
        moved += [c.referral.referral_id for c in changes
                  if isinstance(c, CaseChange) and c.referral is not None]
        await _record(work, case, info, seen, changes, principal)
    return moved
