"""Value objects describing each change of a case or referral, for events, the timeline and
replay. They are frozen and carry everything needed to apply them again (`Case.apply`,
`Referral.apply`), including the `change_id` that makes a second application a no-op.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from contracts.vocabulary import ReferralStatus, Sector

from .sla_clock import Deadlines, SlaClock

EscalationLevel = Literal["district", "province"]
ESCALATION_LEVELS: tuple[EscalationLevel, ...] = ("district", "province")


class CaseStatus(StrEnum):
    OPEN = "open"
    REFERRED = "referred"
    CLOSED = "closed"
    MERGED = "merged"


class CaseAction(StrEnum):
    ADD_REFERRAL = "add_referral"
    REROUTE = "reroute"
    INFORM_COMPLAINANT = "inform_complainant"
    CLOSE = "close"
    HANDLE_AT_PUSKESOS = "handle_at_puskesos"
    MERGE = "merge"
    REOPEN = "reopen"


class CaseOutcome(StrEnum):
    REFERRALS_ENDED = "referrals_ended"
    HANDLED_AT_PUSKESOS = "handled_at_puskesos"
    WITHDRAWN = "withdrawn"  # the complainant withdrew the complaint


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A status change, for the status-changed event, the timeline and replay.

    The due times are those after the change (moved when a returned referral is delivered
    again); `answer_due_at` is set while the referral is returned.
    """

    referral_id: uuid.UUID
    from_status: ReferralStatus
    to_status: ReferralStatus
    at: dt.datetime
    by: str
    note: str | None
    version: int  # the referral's version after the change
    change_id: uuid.UUID = field(default_factory=uuid.uuid4)
    accept_due_at: dt.datetime | None = None
    resolve_due_at: dt.datetime | None = None
    answer_due_at: dt.datetime | None = None
    calendar_complete: bool = True
    withdrawn: bool = False  # ended by the back office, not by the agency (`Referral.withdraw`)


@dataclass(frozen=True, slots=True)
class Escalation:
    referral_id: uuid.UUID
    status: ReferralStatus  # where the referral stood when escalated
    at: dt.datetime
    by: str
    note: str | None
    version: int
    change_id: uuid.UUID = field(default_factory=uuid.uuid4)
    level: EscalationLevel = "district"


ReferralChange = StatusChange | Escalation


@dataclass(frozen=True, slots=True)
class EscalationRecord:
    level: EscalationLevel
    at: dt.datetime
    by: str


@dataclass(frozen=True, slots=True)
class NewReferral:
    """Everything needed to create a referral (carried by the change, so replay rebuilds it)."""

    referral_id: uuid.UUID
    agency_id: str
    sector: Sector
    need_codes: tuple[str, ...]
    sla: SlaClock
    deadlines: Deadlines
    rerouted_from: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class CaseChange:
    case_id: uuid.UUID
    kind: str  # opened, referral_added, rerouted, complainant_informed, closed, ...
    from_status: CaseStatus | None
    to_status: CaseStatus
    at: dt.datetime
    by: str
    note: str | None
    version: int  # the case's version after the change
    change_id: uuid.UUID = field(default_factory=uuid.uuid4)
    referral: NewReferral | None = None
    merged_into: uuid.UUID | None = None
    open_referral_ids: tuple[uuid.UUID, ...] = ()  # for `merged`: referrals still running
    complaint_id: uuid.UUID | None = None  # for `opened`
    village_code: str | None = None  # for `opened`


AnyChange = CaseChange | StatusChange | Escalation
