"""Data update proposals (usulan) and their verification and validation (verivali).

A state machine: proposed (village) -> verified (supervisor) -> approved (district) -> applied,
or rejected, with a reason, at any step before applied. Proposals are immutable: every step
returns a new `Proposal` with one more history entry. Each usulan records the household
version it was based on; applying it to a household that changed since is a `VersionConflict`
(optimistic concurrency: the service answers 409 and the usulan is re-proposed on fresh data).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from .model import Household
from .proposal_changes import (
    ChangeError,
    Details,
    FieldChange,
    NewHousehold,
    ProposalKind,
    apply_details,
    create_household,
)

__all__ = [
    "ACTION_ROLES", "Action", "Actor", "Applied", "ChangeError", "FieldChange",
    "IncompleteProposal", "InvalidTransition", "NotPermitted", "Proposal", "ProposalError",
    "ProposalKind", "ProposalState", "ReasonRequired", "Step", "VersionConflict",
    "allowed_actions", "amend", "apply_proposal", "approve", "propose", "reject", "verify",
]


class ProposalState(StrEnum):
    PROPOSED = "proposed"
    VERIFIED = "verified"
    APPROVED = "approved"
    APPLIED = "applied"
    REJECTED = "rejected"


class Action(StrEnum):
    PROPOSE = "propose"
    AMEND = "amend"
    VERIFY = "verify"
    APPROVE = "approve"
    APPLY = "apply"
    REJECT = "reject"


#: From each state, the actions allowed and the state they lead to.
TRANSITIONS: Final[Mapping[ProposalState, Mapping[Action, ProposalState]]] = {
    ProposalState.PROPOSED: {Action.AMEND: ProposalState.PROPOSED,
                             Action.VERIFY: ProposalState.VERIFIED,
                             Action.REJECT: ProposalState.REJECTED},
    ProposalState.VERIFIED: {Action.APPROVE: ProposalState.APPROVED,
                             Action.REJECT: ProposalState.REJECTED},
    ProposalState.APPROVED: {Action.APPLY: ProposalState.APPLIED,
                             Action.REJECT: ProposalState.REJECTED},
    ProposalState.APPLIED: {},
    ProposalState.REJECTED: {},
}

# Roles are the values of slrt.auth.Role (the domain does not import the web layer).
# Village: the Puskesos operator and the front office, who receive people and fill the form.
# Supervisor: the back office of the SLRT secretariat, who checks the data (verifikasi).
# District: the manager, who validates (validasi) and applies.
_VILLAGE: Final = frozenset({"puskesos_operator", "front_office"})
_SUPERVISOR: Final = frozenset({"back_office"})
_DISTRICT: Final = frozenset({"manager"})
ACTION_ROLES: Final[Mapping[Action, frozenset[str]]] = {
    Action.PROPOSE: _VILLAGE | _SUPERVISOR,
    Action.AMEND: _VILLAGE | _SUPERVISOR,
    Action.VERIFY: _SUPERVISOR,
    Action.APPROVE: _DISTRICT,
    Action.APPLY: _DISTRICT,
}
#: Who may reject depends on the step the usulan waits for: its next reviewer.
REJECT_ROLES: Final[Mapping[ProposalState, frozenset[str]]] = {
    ProposalState.PROPOSED: _SUPERVISOR | _VILLAGE,  # the proposer may also withdraw it
    ProposalState.VERIFIED: _DISTRICT,
    ProposalState.APPROVED: _DISTRICT,
}
#: Steps one person may not both take on one usulan (four eyes: propose, verify, approve).
_FOUR_EYES: Final = frozenset({Action.PROPOSE, Action.VERIFY, Action.APPROVE})


class ProposalError(Exception):
    """The step was refused; the message says why in words an operator understands."""


class InvalidTransition(ProposalError):
    def __init__(self, state: ProposalState, action: Action) -> None:
        allowed = ", ".join(TRANSITIONS[state]) or "none (final state)"
        super().__init__(f"cannot {action} an usulan that is {state}; allowed: {allowed}")
        self.state, self.action = state, action
        self.allowed = tuple(TRANSITIONS[state])


class NotPermitted(ProposalError):
    pass


class ReasonRequired(ProposalError):
    pass


class IncompleteProposal(ProposalError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("the usulan is incomplete: " + "; ".join(problems))
        self.problems = tuple(problems)


class VersionConflict(ProposalError):
    def __init__(self, based_on: int | None, current: int | None) -> None:
        super().__init__(f"the household changed since the usulan was made (based on version "
                         f"{based_on}, now {current}); re-propose it on the current data")
        self.based_on, self.current = based_on, current


@dataclass(frozen=True, slots=True)
class Actor:
    """Who takes a step: subject, role (an slrt.auth.Role value) and region scope."""

    subject: str
    role: str
    region: str = ""  # Kemendagri code prefix; "" = national

    def covers(self, village_code: str) -> bool:
        return village_code.startswith(self.region)


@dataclass(frozen=True, slots=True)
class Step:
    """One entry of an usulan's history."""

    action: Action
    state: ProposalState  # the state after the step
    subject: str
    role: str
    at: dt.datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class Proposal:
    proposal_id: uuid.UUID
    details: Details
    village_code: str  # where the household lives (or will): decides who may act
    household_id: uuid.UUID | None  # None for a new household
    base_version: int | None  # the household version it was based on; None for a new one
    state: ProposalState
    history: tuple[Step, ...]
    source_complaint_id: uuid.UUID | None = None
    rejection_reason: str | None = None

    @property
    def kind(self) -> ProposalKind:
        return self.details.kind

    @property
    def problems(self) -> list[str]:
        return self.details.problems()


@dataclass(frozen=True, slots=True)
class Applied:
    """The outcome of applying an usulan: the household as it is now and what changed."""

    proposal: Proposal
    household: Household
    version: int  # the household's new version
    changes: tuple[FieldChange, ...] = field(default_factory=tuple)


def allowed_actions(proposal: Proposal, actor: Actor | None = None) -> tuple[Action, ...]:
    """Actions the usulan's state allows, and when `actor` is given, that this actor may take."""
    actions = tuple(TRANSITIONS[proposal.state])
    if actor is None:
        return actions
    return tuple(a for a in actions if _refusal(proposal, a, actor) is None)


def _refusal(proposal: Proposal, action: Action, actor: Actor) -> str | None:
    roles = (REJECT_ROLES.get(proposal.state, frozenset()) if action is Action.REJECT
             else ACTION_ROLES.get(action, frozenset()))
    if actor.role not in roles:
        return f"role {actor.role} may not {action} an usulan that is {proposal.state}"
    if not actor.covers(proposal.village_code):
        return f"{action} is outside the region of {actor.subject}"
    if action in _FOUR_EYES:
        earlier = {s.action for s in proposal.history if s.subject == actor.subject}
        if earlier & (_FOUR_EYES - {action}):
            return f"{actor.subject} already took another step of this usulan (four eyes)"
    return None


def _guard(proposal: Proposal, action: Action, actor: Actor) -> None:
    if action not in TRANSITIONS[proposal.state]:
        raise InvalidTransition(proposal.state, action)
    if (why := _refusal(proposal, action, actor)) is not None:
        raise NotPermitted(why)


def _step(proposal: Proposal, action: Action, actor: Actor, at: dt.datetime,
          note: str = "", **changes: object) -> Proposal:
    _guard(proposal, action, actor)
    state = TRANSITIONS[proposal.state][action]
    entry = Step(action, state, actor.subject, actor.role, at, note)
    return dataclasses.replace(proposal, state=state, history=(*proposal.history, entry),
                               **changes)  # type: ignore[arg-type]


def propose(details: Details, actor: Actor, at: dt.datetime, *, village_code: str,
            household: Household | None = None, household_version: int | None = None,
            source_complaint_id: uuid.UUID | None = None, note: str = "",
            proposal_id: uuid.UUID | None = None) -> Proposal:
    """A new usulan in state proposed. It may be incomplete; verification needs it complete.

    `household_version` is the version of `household` the proposer saw (None for a new one).
    """
    if isinstance(details, NewHousehold) != (household is None):
        raise ProposalError("a new_household usulan has no household; every other kind has one")
    if household is not None and household_version is None:
        raise ProposalError("give the household version the usulan is based on")
    if actor.role not in ACTION_ROLES[Action.PROPOSE]:
        raise NotPermitted(f"role {actor.role} may not propose an usulan")
    if not actor.covers(village_code):
        raise NotPermitted(f"propose is outside the region of {actor.subject}")
    return Proposal(
        proposal_id=proposal_id or uuid.uuid4(), details=details, village_code=village_code,
        household_id=household.household_id if household is not None else None,
        base_version=household_version, state=ProposalState.PROPOSED,
        history=(Step(Action.PROPOSE, ProposalState.PROPOSED, actor.subject, actor.role, at,
                      note),),
        source_complaint_id=source_complaint_id)


def amend(proposal: Proposal, details: Details, actor: Actor, at: dt.datetime,
          note: str = "") -> Proposal:
    """Fill in or correct the details while the usulan is still proposed."""
    if type(details) is not type(proposal.details):
        raise ProposalError(f"an amendment keeps the kind {proposal.kind}")
    return _step(proposal, Action.AMEND, actor, at, note, details=details)


def verify(proposal: Proposal, actor: Actor, at: dt.datetime, note: str = "") -> Proposal:
    """Verification: the data are complete and checked against documents."""
    _guard(proposal, Action.VERIFY, actor)  # who may, before what is missing
    if problems := proposal.problems:
        raise IncompleteProposal(problems)
    return _step(proposal, Action.VERIFY, actor, at, note)


def approve(proposal: Proposal, actor: Actor, at: dt.datetime, note: str = "") -> Proposal:
    """Validation by the district: the change may enter the registry."""
    return _step(proposal, Action.APPROVE, actor, at, note)


def reject(proposal: Proposal, actor: Actor, at: dt.datetime, reason: str) -> Proposal:
    """Reject at any step before applied; the reason is mandatory and kept."""
    _guard(proposal, Action.REJECT, actor)
    if not reason or not reason.strip():
        raise ReasonRequired("a rejection needs a reason")
    return _step(proposal, Action.REJECT, actor, at, reason.strip(),
                 rejection_reason=reason.strip())


def apply_proposal(proposal: Proposal, household: Household | None,
                   current_version: int | None, actor: Actor, at: dt.datetime) -> Applied:
    """Apply an approved usulan: the changed household, its new version and the changes.

    `current_version` is the household's version now (None for a new household). A version
    other than the one the usulan was based on is a conflict; so is a change that no longer
    fits the household (ChangeError, e.g. the member was removed meanwhile).
    """
    _guard(proposal, Action.APPLY, actor)
    if isinstance(proposal.details, NewHousehold):
        if household is not None:
            raise VersionConflict(None, current_version)
        created, changes = create_household(proposal.details)
        done = _step(proposal, Action.APPLY, actor, at, household_id=created.household_id)
        return Applied(done, created, 1, tuple(changes))
    if household is None or household.household_id != proposal.household_id:
        raise ProposalError("apply the usulan to the household it was made for")
    if current_version != proposal.base_version:
        raise VersionConflict(proposal.base_version, current_version)
    changed, changes = apply_details(proposal.details, household)
    done = _step(proposal, Action.APPLY, actor, at)
    return Applied(done, changed, (current_version or 0) + 1, tuple(changes))
