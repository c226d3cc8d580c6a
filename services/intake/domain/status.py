"""Front-office status of a complaint, folded from what registry and referral events say.

    registered ──assessed──► assessed ──referral exists──► referred
        referred ──any referral accepted / in_progress / resolved──► in_progress
        in_progress ──every referral resolved or rejected, ≥1 resolved──► resolved
    any ──closed──► closed (terminal)

Once referrals exist, the status is derived from their current statuses alone, so events may
arrive in any order or twice and a new referral after resolution re-opens the complaint.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from contracts.vocabulary import ReferralStatus


class ComplaintStatus(StrEnum):
    REGISTERED = "registered"
    ASSESSED = "assessed"
    REFERRED = "referred"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class StatusEvent(StrEnum):
    """The kinds of event that may move a complaint's status."""

    ASSESSED = "assessed"  # registry assessed the complaint (ComplaintAssessedV1)
    REFERRAL_CREATED = "referral_created"  # ReferralCreatedV1
    REFERRAL_STATUS_CHANGED = "referral_status_changed"  # ReferralStatusChangedV1
    CLOSED = "closed"  # the front office closed the complaint


_WORKING = frozenset({ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS,
                      ReferralStatus.RESOLVED})
_FINISHED = frozenset({ReferralStatus.RESOLVED, ReferralStatus.REJECTED})


def status_from_referrals(referrals: Mapping[str, ReferralStatus]) -> ComplaintStatus:
    """Complaint status implied by a non-empty set of referral statuses.

    All rejected (nobody will act) stays `referred`: the back office must refer again.
    """
    statuses = set(referrals.values())
    if statuses <= _FINISHED and ReferralStatus.RESOLVED in statuses:
        return ComplaintStatus.RESOLVED
    if statuses & _WORKING:
        return ComplaintStatus.IN_PROGRESS
    return ComplaintStatus.REFERRED


def fold_status(current: ComplaintStatus, event_kind: StatusEvent,
                referral_statuses: Mapping[str, ReferralStatus]) -> ComplaintStatus:
    """The complaint status after `event_kind`, given the current status of every referral.

    `referral_statuses` maps agency id to that agency's referral status, after the event.
    Without referrals a complaint is at most `assessed`.
    """
    if current == ComplaintStatus.CLOSED or event_kind == StatusEvent.CLOSED:
        return ComplaintStatus.CLOSED
    if referral_statuses:
        return status_from_referrals(referral_statuses)
    if event_kind == StatusEvent.ASSESSED or current != ComplaintStatus.REGISTERED:
        return ComplaintStatus.ASSESSED
    return ComplaintStatus(current)
