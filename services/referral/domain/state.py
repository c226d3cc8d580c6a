"""The referral state machine.

created -> delivered -> accepted -> in_progress -> resolved, with `returned` when the agency needs
more information (answered by delivering again, or ending in rejection). `resolved` and
`rejected` are terminal.

Escalation is a flag, not a status: an overdue referral escalated to the manager still has to be
accepted or resolved by the agency, and a status would hide where it stood. `ESCALATED` is
therefore never a transition target; use `Referral.escalate`.

Every change bumps `version`, so the service layer can use it for optimistic locking.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from contracts.vocabulary import ReferralStatus, Sector

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

#: The back office must know why a referral came back or was refused.
NOTE_REQUIRED: frozenset[ReferralStatus] = frozenset({S.RETURNED, S.REJECTED})


def allowed_transitions(status: ReferralStatus) -> list[ReferralStatus]:
    return list(ALLOWED[status])


class ReferralError(Exception):
    """A change the referral's rules do not allow."""


class InvalidTransition(ReferralError):
    def __init__(
        self, current: ReferralStatus, requested: ReferralStatus, allowed: list[ReferralStatus]
    ) -> None:
        self.current = current
        self.requested = requested
        self.allowed = allowed
        options = ", ".join(s.value for s in allowed) or "none, the referral is closed"
        hint = " (escalation is a flag: use escalate())" if requested is S.ESCALATED else ""
        super().__init__(
            f"cannot move referral from {current.value} to {requested.value}{hint}; "
            f"allowed: {options}"
        )


class NoteRequired(ReferralError):
    def __init__(self, requested: ReferralStatus) -> None:
        self.requested = requested
        super().__init__(f"a note is required to move a referral to {requested.value}")


@dataclass(frozen=True, slots=True)
class StatusChange:
    """What happened, for the status-changed event and the audit trail."""

    referral_id: uuid.UUID
    from_status: ReferralStatus
    to_status: ReferralStatus
    at: dt.datetime
    by: str
    note: str | None
    version: int  # the referral's version after the change


@dataclass(frozen=True, slots=True)
class Escalation:
    referral_id: uuid.UUID
    status: ReferralStatus  # where the referral stood when escalated
    at: dt.datetime
    by: str
    note: str | None
    version: int


def _require_aware(at: dt.datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("change time must be timezone-aware")


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
    status: ReferralStatus = S.CREATED
    version: int = 1
    escalated_at: dt.datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status not in TERMINAL

    @property
    def is_escalated(self) -> bool:
        return self.escalated_at is not None

    def transition(
        self, to: ReferralStatus, at: dt.datetime, by: str, note: str | None = None
    ) -> StatusChange:
        """Move to `to` or raise InvalidTransition / NoteRequired; nothing changes on error."""
        _require_aware(at)
        allowed = allowed_transitions(self.status)
        if to not in allowed:
            raise InvalidTransition(self.status, to, allowed)
        if to in NOTE_REQUIRED and not (note and note.strip()):
            raise NoteRequired(to)
        previous = self.status
        self.status = to
        self.version += 1
        return StatusChange(self.referral_id, previous, to, at, by, note, self.version)

    def escalate(self, at: dt.datetime, by: str, note: str | None = None) -> Escalation:
        """Flag an open referral as escalated to the manager; it keeps its status."""
        _require_aware(at)
        if not self.is_open:
            raise ReferralError(f"referral is {self.status.value}; a closed one is not escalated")
        if self.escalated_at is None:  # keep the first escalation time
            self.escalated_at = at
        self.version += 1
        return Escalation(self.referral_id, self.status, at, by, note, self.version)
