"""The deadline book's rules: a referral has an acceptance and a resolution deadline; each
is closed when the referral reaches a status that meets it, and both when it ends."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from contracts import ReferralStatus

S = ReferralStatus


class DeadlineKind(StrEnum):
    ACCEPT = "accept"
    RESOLVE = "resolve"


class DeadlineState(StrEnum):
    OPEN = "open"  # still to be reminded about
    MET = "met"  # the agency did what was due
    CLOSED = "closed"  # the referral ended otherwise (rejected, withdrawn, case closed)
    PAUSED = "paused"  # returned to the back office: no reminders until it comes back


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: DeadlineKind
    due_at: dt.datetime
    state: DeadlineState = DeadlineState.OPEN


def deadlines_for(accept_due_at: dt.datetime, resolve_due_at: dt.datetime) -> list[Deadline]:
    return [Deadline(DeadlineKind.ACCEPT, accept_due_at),
            Deadline(DeadlineKind.RESOLVE, resolve_due_at)]


_MEETS: dict[ReferralStatus, dict[DeadlineKind, DeadlineState]] = {
    S.ACCEPTED: {DeadlineKind.ACCEPT: DeadlineState.MET},
    S.IN_PROGRESS: {DeadlineKind.ACCEPT: DeadlineState.MET},
    S.RESOLVED: {DeadlineKind.ACCEPT: DeadlineState.MET, DeadlineKind.RESOLVE: DeadlineState.MET},
    S.REJECTED: {DeadlineKind.ACCEPT: DeadlineState.CLOSED,
                 DeadlineKind.RESOLVE: DeadlineState.CLOSED},
}


#: Statuses in which the agency has nothing to do until the referral comes back.
PAUSING: frozenset[ReferralStatus] = frozenset({S.RETURNED})


def after_status(status: ReferralStatus) -> dict[DeadlineKind, DeadlineState]:
    """Which deadlines a new referral status settles (an empty dict: they stay as they are).

    A settled deadline never reopens here: a reopened case gets new referrals and deadlines.
    """
    return dict(_MEETS.get(status, {}))
