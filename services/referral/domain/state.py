"""The referral state machine.

created -> delivered -> accepted -> in_progress -> resolved, with two other ends and a loop:

- `rejected`: the agency refuses (a reason is required); the back office reroutes the needs to
  another agency from the case (`Case.reroute`).
- `returned`: the agency needs more information (the question is required). The SLA clock stops;
  the back office answers by delivering again (the answer is required), and both due times move
  by the paused time (see `sla_clock`). While returned, the back office's own `answer` deadline
  runs, so a forgotten question shows up as overdue instead of parking the referral forever.

`resolved` and `rejected` are terminal.

Withdrawal is not an agency transition either: the back office takes an open referral back from
its agency (the complaint was withdrawn, the agency is replaced, the case was merged) with
`Referral.withdraw`, whatever its status. It ends as `rejected` with the reason, flagged
`withdrawn`, so the consumers of the lifecycle see an ended referral and the case may reroute it.

Escalation is a flag, not a status: an overdue referral escalated to the manager still has to be
accepted or resolved by the agency, and a status would hide where it stood. `ESCALATED` is
therefore never a transition target; `Referral.escalate` records when and at which level
(district manager, then province).

Every change bumps `version`; a command given `expected_version` refuses to act on another
version (optimistic concurrency, `If-Match`). Every change carries a `change_id`; a command or
`apply` with an id already applied changes nothing, so at-least-once delivery is harmless.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from contracts.vocabulary import ReferralStatus, Sector

from .changes import (
    ESCALATION_LEVELS,
    Escalation,
    EscalationLevel,
    EscalationRecord,
    ReferralChange,
    StatusChange,
)
from .errors import (
    ChangeIdReused,
    DomainError,
    NoteRequired,
    TransitionNotAllowed,
    VersionConflict,
)
from .sla_clock import Deadlines, SlaClock

__all__ = [
    "ALLOWED", "ESCALATION_LEVELS", "TERMINAL", "Escalation", "EscalationLevel",
    "EscalationNotAllowed", "EscalationRecord", "InvalidTransition", "NoteRequired", "Referral",
    "ReferralChange", "ReferralError", "StatusChange", "VersionConflict", "allowed_transitions",
    "note_required",
]

S = ReferralStatus

ALLOWED: Mapping[ReferralStatus, tuple[ReferralStatus, ...]] = {
    S.CREATED: (S.DELIVERED,),
    S.DELIVERED: (S.ACCEPTED, S.REJECTED, S.RETURNED),
    S.ACCEPTED: (S.IN_PROGRESS, S.RESOLVED, S.RETURNED),
    S.IN_PROGRESS: (S.RESOLVED, S.RETURNED),
    S.RETURNED: (S.DELIVERED, S.REJECTED),
    S.RESOLVED: (),
    S.REJECTED: (),
    S.ESCALATED: (),  # not used as a status (see module docstring)
}

TERMINAL: frozenset[ReferralStatus] = frozenset({S.RESOLVED, S.REJECTED})

DeadlineKind = Literal["accept", "resolve", "answer"]


def allowed_transitions(status: ReferralStatus) -> list[ReferralStatus]:
    return list(ALLOWED[status])


def note_required(current: ReferralStatus, to: ReferralStatus) -> bool:
    """The back office must know why a referral came back or was refused, and the agency what
    the answer to its question is."""
    return to in (S.RETURNED, S.REJECTED) or (current is S.RETURNED and to is S.DELIVERED)


class ReferralError(DomainError):
    """A change the referral's rules do not allow."""


class InvalidTransition(TransitionNotAllowed, ReferralError):
    def __init__(
        self, current: ReferralStatus, requested: ReferralStatus, allowed: list[ReferralStatus]
    ) -> None:
        hint = " (escalation is a flag: use escalate())" if requested is S.ESCALATED else ""
        super().__init__(
            "referral", current, requested, allowed,
            message=f"cannot move referral from {current.value} to {requested.value}{hint}; "
                    f"allowed: {self.options(allowed, 'referral')}",
        )


class EscalationNotAllowed(TransitionNotAllowed, ReferralError):
    pass


def _require_aware(at: dt.datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("change time must be timezone-aware")


def _blank(note: str | None) -> bool:
    return not (note and note.strip())


@dataclass(slots=True)
class Referral:
    """One referral of a case to one agency."""

    referral_id: uuid.UUID
    case_id: uuid.UUID
    complaint_id: uuid.UUID
    agency_id: str
    sector: Sector
    need_codes: tuple[str, ...]
    accept_due_at: dt.datetime
    resolve_due_at: dt.datetime
    sla: SlaClock
    status: ReferralStatus = S.CREATED
    version: int = 1
    created_at: dt.datetime | None = None
    rerouted_from: uuid.UUID | None = None
    accepted_at: dt.datetime | None = None  # the first acceptance: the accept deadline is met
    ended_at: dt.datetime | None = None
    paused_at: dt.datetime | None = None
    answer_due_at: dt.datetime | None = None
    calendar_complete: bool = True
    escalations: list[EscalationRecord] = field(default_factory=list)
    history: list[ReferralChange] = field(default_factory=list)
    _applied: dict[uuid.UUID, ReferralChange] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def is_open(self) -> bool:
        return self.status not in TERMINAL

    @property
    def is_escalated(self) -> bool:
        return bool(self.escalations)

    @property
    def escalated_at(self) -> dt.datetime | None:
        """When the referral was first escalated."""
        return self.escalations[0].at if self.escalations else None

    @property
    def escalation_level(self) -> EscalationLevel | None:
        return self.escalations[-1].level if self.escalations else None

    @property
    def deadlines(self) -> Deadlines:
        return Deadlines(self.accept_due_at, self.resolve_due_at, self.sla.policy_version,
                         self.calendar_complete)

    def running_deadlines(self) -> dict[DeadlineKind, dt.datetime]:
        """The deadlines that bind someone now: the agency's, or the back office's answer while
        the referral is returned (the agency's are paused then)."""
        if not self.is_open:
            return {}
        if self.status is S.RETURNED:
            return {"answer": self.answer_due_at} if self.answer_due_at else {}
        running: dict[DeadlineKind, dt.datetime] = {}
        if self.accepted_at is None:
            running["accept"] = self.accept_due_at
        running["resolve"] = self.resolve_due_at
        return running

    def overdue(self, now: dt.datetime) -> list[DeadlineKind]:
        """Which running deadlines have passed at `now`."""
        return [kind for kind, due in self.running_deadlines().items() if now > due]

    def _replayed(self, change_id: uuid.UUID | None, kind: type) -> ReferralChange | None:
        """The change already applied under `change_id`, if any."""
        prior = self._applied.get(change_id) if change_id is not None else None
        if prior is not None and not isinstance(prior, kind):
            raise ChangeIdReused(f"change {change_id} was a {type(prior).__name__}")
        return prior

    def _check_version(self, expected_version: int | None) -> None:
        if expected_version is not None and expected_version != self.version:
            raise VersionConflict(f"referral {self.referral_id}", expected_version, self.version)

    def transition(
        self, to: ReferralStatus, at: dt.datetime, by: str, note: str | None = None, *,
        expected_version: int | None = None, change_id: uuid.UUID | None = None,
    ) -> StatusChange:
        """Move to `to` or raise; nothing changes on error or when `change_id` was applied."""
        prior = self._replayed(change_id, StatusChange)
        if isinstance(prior, StatusChange):
            if prior.to_status is not to or prior.withdrawn:
                raise ChangeIdReused(f"change {change_id} moved to {prior.to_status.value}")
            return prior
        self._check_version(expected_version)
        _require_aware(at)
        allowed = allowed_transitions(self.status)
        if to not in allowed:
            raise InvalidTransition(self.status, to, allowed)
        if note_required(self.status, to) and _blank(note):
            raise NoteRequired(f"move a referral from {self.status.value} to {to.value}")
        moved, answer_due = self.deadlines, None
        if to is S.RETURNED:
            answer_due, complete = self.sla.answer_due(at)
            moved = Deadlines(moved.accept_due_at, moved.resolve_due_at, moved.policy_version,
                              moved.calendar_complete and complete)
        elif self.status is S.RETURNED and to is S.DELIVERED and self.paused_at is not None:
            moved = self.sla.resume(moved, self.paused_at, at)
        change = StatusChange(
            self.referral_id, self.status, to, at, by, note, self.version + 1,
            change_id or uuid.uuid4(), moved.accept_due_at, moved.resolve_due_at, answer_due,
            moved.calendar_complete,
        )
        self._apply(change)
        return change

    def withdraw(
        self, at: dt.datetime, by: str, reason: str, *, expected_version: int | None = None,
        change_id: uuid.UUID | None = None,
    ) -> StatusChange:
        """End an open referral on the back office's decision (see the module docstring)."""
        prior = self._replayed(change_id, StatusChange)
        if isinstance(prior, StatusChange):
            if not prior.withdrawn:
                raise ChangeIdReused(f"change {change_id} moved to {prior.to_status.value}")
            return prior
        self._check_version(expected_version)
        _require_aware(at)
        if not self.is_open:
            raise InvalidTransition(self.status, S.REJECTED, [])
        if _blank(reason):
            raise NoteRequired("withdraw a referral")
        d = self.deadlines
        change = StatusChange(
            self.referral_id, self.status, S.REJECTED, at, by, reason, self.version + 1,
            change_id or uuid.uuid4(), d.accept_due_at, d.resolve_due_at, None,
            d.calendar_complete, withdrawn=True,
        )
        self._apply(change)
        return change

    def escalate(
        self, at: dt.datetime, by: str, level: EscalationLevel = "district",
        note: str | None = None, *, expected_version: int | None = None,
        change_id: uuid.UUID | None = None,
    ) -> Escalation:
        """Flag an open referral as escalated to `level`; it keeps its status. Escalation only
        goes up (district, then province)."""
        prior = self._replayed(change_id, Escalation)
        if isinstance(prior, Escalation):
            return prior
        self._check_version(expected_version)
        _require_aware(at)
        if level not in ESCALATION_LEVELS:
            raise ValueError(f"escalation level must be one of {ESCALATION_LEVELS}")
        higher = list(ESCALATION_LEVELS)
        if self.escalation_level is not None:
            higher = higher[ESCALATION_LEVELS.index(self.escalation_level) + 1:]
        if not self.is_open or level not in higher:
            allowed = higher if self.is_open else []
            where = (f"escalated to {self.escalation_level}" if self.is_open
                     else self.status.value)
            options = (", ".join(allowed) or "none, it is at the highest level"
                       if self.is_open else "none, the referral is closed")
            raise EscalationNotAllowed(
                "referral", where, f"escalate to {level}", allowed,
                message=f"cannot escalate a referral that is {where} to {level}; "
                        f"allowed: {options}",
            )
        change = Escalation(self.referral_id, self.status, at, by, note, self.version + 1,
                            change_id or uuid.uuid4(), level)
        self._apply(change)
        return change

    def apply(self, change: ReferralChange) -> bool:
        """Apply a recorded change (replay, rebuild). False, and nothing changes, when its id
        was already applied."""
        if change.change_id in self._applied:
            return False
        if change.referral_id != self.referral_id:
            raise ValueError(f"change {change.change_id} is for another referral")
        if change.version != self.version + 1:
            raise VersionConflict(f"referral {self.referral_id}", change.version - 1,
                                  self.version)
        self._apply(change)
        return True

    def _apply(self, change: ReferralChange) -> None:
        if isinstance(change, Escalation):
            self.escalations.append(EscalationRecord(change.level, change.at, change.by))
        else:
            to = change.to_status
            self.status = to
            if change.accept_due_at is not None and change.resolve_due_at is not None:
                self.accept_due_at, self.resolve_due_at = (change.accept_due_at,
                                                           change.resolve_due_at)
            self.calendar_complete = change.calendar_complete
            self.answer_due_at = change.answer_due_at
            self.paused_at = change.at if to is S.RETURNED else None
            if to is S.ACCEPTED and self.accepted_at is None:
                self.accepted_at = change.at
            if to in TERMINAL:
                self.ended_at = change.at
        self.version = change.version
        self.history.append(change)
        self._applied[change.change_id] = change
